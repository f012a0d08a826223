// step_table.hpp — who ran what at each step, compactly, for navigation.
//
// Stepping, step over/out and continue look at the thread, statement,
// frame depth and kind of many steps around the cursor. Full StepEvents
// carry values and strings; this table keeps only those four fields, loads
// them a chunk at a time from a StepSource (the trace reader, or a table
// built by a test) and keeps a bounded number of chunks, so walking a
// ten-million-step trace costs a few megabytes.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "dust/step_event.hpp"

namespace dust::rec {
class TraceReader;
}

namespace dust::session {

struct StepInfo {
  std::uint32_t thread = 0;
  std::uint32_t stmt = kNoStmt;
  std::uint32_t depth = 0;
  StepKind kind = StepKind::Statement;
};

class StepSource {
 public:
  virtual ~StepSource() = default;
  virtual std::uint64_t step_count() const = 0;
  // Replaces `out` with the steps [first, last).
  virtual void load(std::uint64_t first, std::uint64_t last, std::vector<StepInfo>& out) = 0;
};

// Steps as the recorder's query API gives them.
class ReaderStepSource final : public StepSource {
 public:
  explicit ReaderStepSource(rec::TraceReader& reader);
  std::uint64_t step_count() const override { return steps_; }
  void load(std::uint64_t first, std::uint64_t last, std::vector<StepInfo>& out) override;

 private:
  rec::TraceReader& reader_;
  std::uint64_t steps_;
};

class StepTable {
 public:
  static constexpr std::uint64_t kChunkSteps = 4096;
  static constexpr std::size_t kMaxChunks = 64;

  explicit StepTable(StepSource& source);

  std::uint64_t size() const { return size_; }
  // The step `step` (< size()).
  const StepInfo& at(std::uint64_t step);

  // The first step s in [from, size()) of `thread`.
  std::optional<std::uint64_t> next_of_thread(std::uint64_t from, std::uint32_t thread);
  // The last step s < before of `thread`.
  std::optional<std::uint64_t> prev_of_thread(std::uint64_t before, std::uint32_t thread);

  // Bounds on a scan, so that a search across a long trace can move to a
  // worker thread: once `budget` steps have been looked at, or `cancel` is
  // set, every scan returns nothing and interrupted() says why.
  struct ScanControl {
    std::uint64_t budget = UINT64_MAX;
    const std::atomic<bool>* cancel = nullptr;
    std::atomic<std::uint64_t>* position = nullptr;  // the step being looked at
  };
  void begin_scan(ScanControl control);
  bool interrupted() const { return interrupted_; }

  // The first s in [from, size()) with pred(s, info) true.
  template <class Pred>
  std::optional<std::uint64_t> find_forward(std::uint64_t from, Pred&& pred) {
    for (std::uint64_t s = from; s < size_; ++s) {
      if (!count_step(s)) return std::nullopt;
      StepInfo info = at(s);  // a copy: the predicate may load other chunks
      if (pred(s, info)) return s;
    }
    return std::nullopt;
  }
  // The last s < before with pred(s, info) true.
  template <class Pred>
  std::optional<std::uint64_t> find_backward(std::uint64_t before, Pred&& pred) {
    for (std::uint64_t s = before < size_ ? before : size_; s > 0; --s) {
      if (!count_step(s - 1)) return std::nullopt;
      StepInfo info = at(s - 1);
      if (pred(s - 1, info)) return s - 1;
    }
    return std::nullopt;
  }

 private:
  struct Chunk {
    std::uint64_t index = UINT64_MAX;
    std::uint64_t last_use = 0;
    std::vector<StepInfo> steps;
  };

  const Chunk& chunk(std::uint64_t index);
  // Counts one step of a scan; false once the scan must stop.
  bool count_step(std::uint64_t s) {
    if (interrupted_) return false;
    if (++scanned_ > control_.budget) {
      interrupted_ = true;
      return false;
    }
    if ((scanned_ & 4095) == 0) {
      if (control_.position != nullptr) control_.position->store(s, std::memory_order_relaxed);
      if (control_.cancel != nullptr && control_.cancel->load(std::memory_order_relaxed)) {
        interrupted_ = true;
        return false;
      }
    }
    return true;
  }

  StepSource& source_;
  std::uint64_t size_;
  std::vector<Chunk> chunks_;
  std::size_t recent_ = 0;
  std::uint64_t clock_ = 0;
  ScanControl control_;
  std::uint64_t scanned_ = 0;
  bool interrupted_ = false;
};

// Whether step `s` resumes a statement its thread began earlier (after a
// call returned or a wait ended) rather than beginning one: breakpoints are
// hit only by the step that begins a statement.
bool resumes_statement(StepTable& steps, std::uint64_t s);

}  // namespace dust::session
