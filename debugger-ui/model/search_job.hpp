// search_job.hpp — a long movement through time, on a worker thread.
//
// Continue, step out and the rest usually land a few steps away, and run
// at once. When one has to look through more than a budget of steps (a
// breakpoint ten million steps later), the debugger hands the same
// movement to a SearchJob: it runs on its own reader of the same trace (a
// reader is not shared between threads), reports where it is looking, and
// can be cancelled. The window stays live meanwhile.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "dust/intrinsics.hpp"
#include "dust/recorder/trace_reader.hpp"
#include "model/session_names.hpp"
#include "model/commands.hpp"

namespace dust::dbg {

// A second, independent view of a trace for searching on another thread.
struct SearchContext {
  std::unique_ptr<rec::TraceReader> reader;
  std::unique_ptr<ReaderStepSource> source;
  std::unique_ptr<StepTable> steps;

  static std::unique_ptr<SearchContext> open(const std::string& path, const IntrinsicTable& intrinsics,
                                             std::string& error);
};

// Runs a movement command; nullopt for commands that are not movements.
std::optional<Stop> run_movement(Navigator& nav, Command command, std::uint64_t cursor, std::uint32_t focus);
bool is_movement(Command command);

struct SearchRequest {
  Command command = Command::Continue;
  std::uint64_t cursor = 0;
  std::uint32_t focus = 0;
  Breakpoints breakpoints;                 // a copy: the user may edit theirs meanwhile
  std::optional<std::uint64_t> failure;
};

class SearchJob {
 public:
  // Uses `context` if given, else opens one from `path` on the worker.
  SearchJob(SearchRequest request, std::unique_ptr<SearchContext> context, std::string path,
            const IntrinsicTable& intrinsics);
  ~SearchJob();
  SearchJob(const SearchJob&) = delete;
  SearchJob& operator=(const SearchJob&) = delete;

  const SearchRequest& request() const { return request_; }
  std::uint64_t position() const { return position_.load(std::memory_order_relaxed); }
  void cancel() { cancel_.store(true, std::memory_order_relaxed); }
  bool finished() const { return finished_.load(std::memory_order_acquire); }

  // Once finished: where the movement stopped (nullopt if cancelled or the
  // trace could not be opened again; error() says which), and the context
  // to reuse for the next search.
  std::optional<Stop> result() const;
  const std::string& error() const { return error_; }
  std::unique_ptr<SearchContext> take_context();

 private:
  SearchRequest request_;
  std::unique_ptr<SearchContext> context_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> finished_{false};
  std::atomic<std::uint64_t> position_{0};
  std::optional<Stop> result_;
  std::string error_;
  std::thread worker_;
};

}  // namespace dust::dbg
