// step_table.cpp — chunked, bounded cache of per-step navigation facts.
#include "dust/recorder/session/step_table.hpp"

#include "dust/recorder/trace_reader.hpp"

namespace dust::session {

ReaderStepSource::ReaderStepSource(rec::TraceReader& reader) : reader_(reader), steps_(reader.info().steps) {}

void ReaderStepSource::load(std::uint64_t first, std::uint64_t last, std::vector<StepInfo>& out) {
  out.clear();
  std::vector<StepEvent> events = reader_.events(first, last);
  out.reserve(events.size());
  for (const StepEvent& e : events) out.push_back(StepInfo{e.thread, e.stmt, e.depth, e.kind});
  // A reader that returns fewer events than asked (a damaged block) must not
  // leave holes: the missing steps read as frame-level steps of no thread.
  out.resize(last - first, StepInfo{0xffffffffu, kNoStmt, 0, StepKind::Statement});
}

StepTable::StepTable(StepSource& source) : source_(source), size_(source.step_count()) {
  chunks_.reserve(kMaxChunks);
}

const StepTable::Chunk& StepTable::chunk(std::uint64_t index) {
  ++clock_;
  if (recent_ < chunks_.size() && chunks_[recent_].index == index) {
    chunks_[recent_].last_use = clock_;
    return chunks_[recent_];
  }
  for (std::size_t i = 0; i < chunks_.size(); ++i) {
    if (chunks_[i].index == index) {
      recent_ = i;
      chunks_[i].last_use = clock_;
      return chunks_[i];
    }
  }
  std::size_t slot = chunks_.size();
  if (chunks_.size() < kMaxChunks) {
    chunks_.emplace_back();
  } else {
    slot = 0;
    for (std::size_t i = 1; i < chunks_.size(); ++i) {
      if (chunks_[i].last_use < chunks_[slot].last_use) slot = i;
    }
  }
  Chunk& c = chunks_[slot];
  c.index = index;
  c.last_use = clock_;
  std::uint64_t first = index * kChunkSteps;
  std::uint64_t last = first + kChunkSteps < size_ ? first + kChunkSteps : size_;
  source_.load(first, last, c.steps);
  recent_ = slot;
  return c;
}

const StepInfo& StepTable::at(std::uint64_t step) {
  const Chunk& c = chunk(step / kChunkSteps);
  return c.steps[step % kChunkSteps];
}

void StepTable::begin_scan(ScanControl control) {
  control_ = control;
  scanned_ = 0;
  interrupted_ = false;
}

std::optional<std::uint64_t> StepTable::next_of_thread(std::uint64_t from, std::uint32_t thread) {
  return find_forward(from, [thread](std::uint64_t, const StepInfo& s) { return s.thread == thread; });
}

std::optional<std::uint64_t> StepTable::prev_of_thread(std::uint64_t before, std::uint32_t thread) {
  return find_backward(before, [thread](std::uint64_t, const StepInfo& s) { return s.thread == thread; });
}

bool resumes_statement(StepTable& steps, std::uint64_t s) {
  if (s >= steps.size()) return false;
  StepInfo here = steps.at(s);
  auto prev = steps.prev_of_thread(s, here.thread);
  if (!prev) return false;
  StepInfo before = steps.at(*prev);
  if (before.depth > here.depth) return true;  // a callee returned into this statement
  return before.kind == StepKind::Blocked && before.depth == here.depth && before.stmt == here.stmt;
}

}  // namespace dust::session
