// opening.hpp — opening a recording whose reader has work to do first.
//
// A checkpoint trace (format 4) keeps only what makes its run
// reproducible; its reader re-executes the run once, into the steps every
// view reads, before the first query can answer (TraceReader::prepare).
// That takes about five times the run, seconds for a long one, so the
// window does it on a worker thread and shows how far it got, with Cancel,
// instead of freezing. A steps trace needs none of this and opens at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "dust/recorder/trace_reader.hpp"

namespace dust::dbg {

// A reader's preparation on a worker thread.
class OpeningJob {
 public:
  OpeningJob(std::string path, std::unique_ptr<rec::TraceReader> reader);
  ~OpeningJob();
  OpeningJob(const OpeningJob&) = delete;
  OpeningJob& operator=(const OpeningJob&) = delete;

  const std::string& path() const { return path_; }
  std::uint64_t steps_done() const { return done_.load(std::memory_order_relaxed); }
  std::uint64_t steps_all() const { return all_; }
  void cancel() { cancel_.store(true, std::memory_order_relaxed); }
  bool cancelling() const { return cancel_.load(std::memory_order_relaxed); }
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  // Once finished(): the prepared reader, or null when Cancel stopped it.
  std::unique_ptr<rec::TraceReader> take_reader();

 private:
  std::string path_;
  std::unique_ptr<rec::TraceReader> reader_;
  std::uint64_t all_ = 0;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<bool> cancel_{false};
  std::atomic<bool> finished_{false};
  bool prepared_ = false;  // written by the worker before finished_
  std::thread worker_;
};

}  // namespace dust::dbg
