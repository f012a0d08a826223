// run_catalog.cpp — loading the whole-run lists and packing lifetime rows.
#include "model/run_catalog.hpp"

#include <algorithm>
#include <map>
#include <queue>
#include <set>

namespace dust::dbg {

std::vector<std::uint32_t> pack_rows(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& intervals) {
  std::vector<std::uint32_t> rows(intervals.size(), 0);
  using Busy = std::pair<std::uint64_t, std::uint32_t>;  // (end, row)
  std::priority_queue<Busy, std::vector<Busy>, std::greater<>> busy;
  std::set<std::uint32_t> free_rows;
  std::uint32_t row_count = 0;
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    auto [first, last] = intervals[i];
    while (!busy.empty() && busy.top().first <= first) {
      free_rows.insert(busy.top().second);
      busy.pop();
    }
    std::uint32_t row;
    if (!free_rows.empty()) {
      row = *free_rows.begin();
      free_rows.erase(free_rows.begin());
    } else {
      row = row_count++;
    }
    rows[i] = row;
    busy.push({std::max(last, first + 1), row});
  }
  return rows;
}

namespace {

// Whether `message` names `address` as a whole number ("use after free: 16777232").
bool names_address(const std::string& message, std::int64_t address) {
  std::string digits = std::to_string(address);
  for (std::size_t at = message.find(digits); at != std::string::npos; at = message.find(digits, at + 1)) {
    bool starts = at == 0 || !(message[at - 1] >= '0' && message[at - 1] <= '9');
    std::size_t end = at + digits.size();
    bool ends = end == message.size() || !(message[end] >= '0' && message[end] <= '9');
    if (starts && ends) return true;
  }
  return false;
}

// "T3". Built by appending: GCC 12 warns falsely on "T" + std::to_string().
std::string thread_tag(std::uint32_t id) {
  std::string tag(1, 'T');
  tag += std::to_string(id);
  return tag;
}

void place(LifetimeRows& rows, std::uint32_t row, Span bar) {
  if (rows.bars.size() <= row) {
    rows.bars.resize(row + 1);
    rows.marks.resize(row + 1);
  }
  rows.bars[row].push_back(bar);
}

void sort_marks(LifetimeRows& rows) {
  for (auto& marks : rows.marks) {
    std::sort(marks.begin(), marks.end(), [](const Span& a, const Span& b) { return a.first < b.first; });
  }
}

}  // namespace

void RunCatalog::load(rec::TraceReader& reader) {
  const rec::TraceInfo& info = reader.info();
  steps = info.steps;
  check_races(reader);
  failure = reader.failure();
  if (failure) failure_text = failure->error.display();
  mutexes = reader.mutexes();
  q = reader.q_lifetimes();
  memory = reader.memory_lifetimes();
  phi = reader.phi_marks();
  phi_resolution = info.config.phi_resolution;
  effects = reader.effect_marks(0, steps);

  Machine final_state = reader.state_at(steps);
  name_threads(final_state);
  unsafe = final_state.k.unsafe_log;
  // A run that failed with threads stuck waiting on each other: the knot
  // as the failing step left it (the last lock attempt closes the cycle),
  // or as it stood before that step when the trace ends there.
  if (failure && info.threads > 1) {
    wait_cycle = wait_for_cycle(reader.state_at(std::min(failure->step + 1, steps)));
    if (wait_cycle.empty()) wait_cycle = wait_for_cycle(reader.state_at(failure->step));
  }

  pack_q();
  pack_memory();
  for (std::size_t i = 0; i < phi.size(); ++i) {
    std::uint8_t style = kPhiHeld;
    switch (phi[i].event.kind) {
      case PhiEventKind::ConstraintHeld: style = kPhiHeld; break;
      case PhiEventKind::Witness: style = kPhiWitness; break;
      case PhiEventKind::ConstraintFailed: style = kPhiFailed; break;
      case PhiEventKind::Refused: style = kPhiRefused; break;
    }
    phi_instants.push_back(Span{phi[i].step, phi[i].step + 1, style, static_cast<std::uint32_t>(i)});
  }
  for (std::size_t i = 0; i < effects.size(); ++i) {
    effect_instants.push_back(Span{effects[i].step, effects[i].step + 1, 1, static_cast<std::uint32_t>(i)});
  }
}

// The race check can stop before the end of the run; it then returns the
// races it found and why it stopped, which the race marks alone would
// never show.
void RunCatalog::check_races(rec::TraceReader& reader) {
  // Races need two threads; a one-thread run is not scanned for them.
  if (reader.info().threads <= 1) return;
  rec::RaceReport report = reader.data_races();
  races = std::move(report.races);
  race_check_stopped = std::move(report.stopped);
}

// The trace's own count of threads is not used: it is a claim (up to 16M
// in a forged trace, a name and a timeline lane each), and a run's
// threads are all in its final state. Events name a thread that state
// lacks only where the trace cannot be read to its end, or where the run
// failed before its main thread existed (an inadmissible Φ entry's one
// step is thread 0's); each such thread is named too, with no proc.
void RunCatalog::name_threads(const Machine& final_state) {
  std::map<std::uint32_t, std::string> labels;
  const Program& program = final_state.program();
  for (const Thread& t : final_state.threads) {
    std::string proc = t.entry_proc < program.procs.size() ? program.procs[t.entry_proc].name : "?";
    labels.emplace(t.id, thread_tag(t.id) + " " + proc);
  }
  auto mentioned = [&](std::uint32_t id) {
    if (!labels.contains(id)) labels.emplace(id, thread_tag(id));
  };
  if (failure) mentioned(failure->thread);
  for (const rec::EffectMark& e : effects) mentioned(e.thread);
  for (const rec::MemoryLifetime& m : memory) mentioned(m.thread);
  for (const rec::DataRace& race : races) {
    mentioned(race.first.thread);
    mentioned(race.second.thread);
  }
  threads.reserve(labels.size());
  for (auto& [id, label] : labels) threads.push_back(ThreadName{id, std::move(label)});
}

const std::string* RunCatalog::thread_label(std::uint32_t id) const {
  auto it = std::lower_bound(threads.begin(), threads.end(), id,
                             [](const ThreadName& t, std::uint32_t wanted) { return t.id < wanted; });
  return it != threads.end() && it->id == id ? &it->label : nullptr;
}

void RunCatalog::pack_q() {
  std::stable_sort(q.begin(), q.end(), [](const rec::QLifetime& a, const rec::QLifetime& b) {
    return a.alloc_step < b.alloc_step;
  });
  std::vector<std::pair<std::uint64_t, std::uint64_t>> intervals;
  for (const rec::QLifetime& r : q) {
    std::uint64_t end = steps;
    if (r.consume_step) end = *r.consume_step + 1;
    if (r.violation_step) end = std::max(end == steps ? r.alloc_step + 1 : end, *r.violation_step + 1);
    intervals.push_back({r.alloc_step, std::max(end, r.alloc_step + 1)});
  }
  std::vector<std::uint32_t> rows = pack_rows(intervals);
  for (std::size_t i = 0; i < q.size(); ++i) {
    const rec::QLifetime& r = q[i];
    auto ref = static_cast<std::uint32_t>(i);
    bool ended = r.consume_step.has_value();
    place(q_rows, rows[i], Span{intervals[i].first, intervals[i].second,
                                ended ? kLifetimeEnded : kLifetimeLive, ref});
    auto& marks = q_rows.marks[rows[i]];
    for (std::uint64_t m : r.use_steps) marks.push_back(Span{m, m + 1, kMarkUse, ref});
    for (std::uint64_t m : r.move_steps) marks.push_back(Span{m, m + 1, kMarkMove, ref});
    if (r.consume_step) marks.push_back(Span{*r.consume_step, *r.consume_step + 1, kMarkEnd, ref});
    if (r.violation_step) marks.push_back(Span{*r.violation_step, *r.violation_step + 1, kMarkViolation, ref});
  }
  sort_marks(q_rows);
}

void RunCatalog::pack_memory() {
  std::stable_sort(memory.begin(), memory.end(), [](const rec::MemoryLifetime& a, const rec::MemoryLifetime& b) {
    return a.alloc_step < b.alloc_step;
  });
  // A block the failure names (a use after free, a double free) keeps its
  // row up to the failure, so the violation mark lands on its own row.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> bars;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> reserved;
  std::vector<bool> violated;
  for (const rec::MemoryLifetime& m : memory) {
    std::uint64_t end = std::max(m.free_step ? *m.free_step + 1 : steps, m.alloc_step + 1);
    bool named = failure && names_address(failure->error.message, m.address);
    bars.push_back({m.alloc_step, end});
    reserved.push_back({m.alloc_step, named ? std::max(end, failure->step + 1) : end});
    violated.push_back(named);
  }
  std::vector<std::uint32_t> rows = pack_rows(reserved);
  for (std::size_t i = 0; i < memory.size(); ++i) {
    const rec::MemoryLifetime& m = memory[i];
    auto ref = static_cast<std::uint32_t>(i);
    place(memory_rows, rows[i], Span{bars[i].first, bars[i].second,
                                     m.free_step ? kLifetimeEnded : kLifetimeLive, ref});
    auto& marks = memory_rows.marks[rows[i]];
    if (m.free_step) marks.push_back(Span{*m.free_step, *m.free_step + 1, kMarkEnd, ref});
    if (violated[i]) marks.push_back(Span{failure->step, failure->step + 1, kMarkViolation, ref});
  }
  memory_row = rows;
  // Both accesses of each race are marked on the row of the block they touched.
  for (const rec::DataRace& race : races) {
    for (const rec::MemoryAccess* a : {&race.first, &race.second}) {
      if (auto block = memory_block_at(a->address, a->step)) {
        memory_rows.marks[rows[*block]].push_back(
            Span{a->step, a->step + 1, kMarkRace, static_cast<std::uint32_t>(*block)});
      }
    }
  }
  sort_marks(memory_rows);
}

std::optional<std::size_t> RunCatalog::memory_block_at(std::int64_t address, std::uint64_t step) const {
  for (std::size_t i = 0; i < memory.size(); ++i) {
    const rec::MemoryLifetime& m = memory[i];
    bool alive = m.alloc_step <= step && (!m.free_step || step <= *m.free_step);
    // Unsigned, so that no address or size a trace holds can overflow.
    auto offset = static_cast<std::uint64_t>(address) - static_cast<std::uint64_t>(m.address);
    if (alive && m.address <= address && offset < static_cast<std::uint64_t>(std::max<std::int64_t>(m.size, 1))) return i;
  }
  return std::nullopt;
}

std::size_t RunCatalog::effect_at_or_after(std::uint64_t step) const {
  auto it = std::lower_bound(effects.begin(), effects.end(), step,
                             [](const rec::EffectMark& e, std::uint64_t s) { return e.step < s; });
  return static_cast<std::size_t>(it - effects.begin());
}

}  // namespace dust::dbg
