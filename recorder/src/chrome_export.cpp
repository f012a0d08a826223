// chrome_export.cpp — walking a recording's steps into Chrome Trace Event
// Format spans, instants, flows and counters.
//
// Spans are recorded when they begin and given their duration when they
// end; the file lists them in the order they began, each as an `X` event,
// so along every track time only moves forward and a span's children
// follow it. Each thread keeps a stack: a call span per frame, and inside a
// frame the statement running there (left open while it waits for a callee
// or a lock, so the call or the wait nests inside it).
#include "dust/recorder/chrome_export.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <vector>

#include "dust/recorder/session/dir_pretty.hpp"

namespace dust::rec {

namespace {

using json = nlohmann::json;

constexpr std::int64_t kPid = 1;
constexpr std::int64_t kMutexTrackBase = 1000000;
constexpr std::uint64_t kStepsPerRead = 65536;

std::int64_t thread_track(std::uint32_t thread) { return static_cast<std::int64_t>(thread) + 1; }
std::int64_t mutex_track(std::int64_t mutex) { return kMutexTrackBase + mutex; }

// One event, kept compact: a long export holds millions of them until
// their spans end. Names are interned; only instants carry arguments.
struct Record {
  char ph = 'X';            // X span, i instant, C counter, s/f flow
  bool global = false;      // an instant for the whole process
  std::uint32_t name = 0;   // into Exporter::names_
  std::uint32_t cat = 0;    // into Exporter::names_
  std::uint32_t args = UINT32_MAX;  // an instant's arguments, into Exporter::args_
  std::int64_t tid = 0;
  std::uint64_t ts = 0;
  std::uint64_t dur = 0;
  std::uint64_t id = 0;     // flows
  std::int64_t value = 0;   // counters
};

struct Level {
  std::size_t call = SIZE_MAX;  // the frame's call span
  std::size_t stmt = SIZE_MAX;  // the statement running in it
  std::uint32_t stmt_id = kNoStmt;
};

struct ThreadTrack {
  std::vector<Level> levels;
  std::size_t blocked = SIZE_MAX;
};

class Exporter {
 public:
  Exporter(TraceReader& reader, const Program& program) : reader_(reader), program_(program) {}

  void begin_at(const Machine& m);
  void step(const StepEvent& e);
  void finish(std::uint64_t end_tick);
  void write(std::ostream& out, const json& metadata, const Machine& end_state,
             const std::function<void(std::uint64_t, std::uint64_t)>& progress);

 private:
  // The index of `text` among the names, added when new (in first-use
  // order, so the output never depends on hashing).
  std::uint32_t intern(const std::string& text) {
    auto [it, added] = name_index_.try_emplace(text, static_cast<std::uint32_t>(names_.size()));
    if (added) names_.push_back(text);
    return it->second;
  }
  std::size_t open(std::int64_t tid, std::uint64_t ts, const std::string& name, const char* cat) {
    Record r;
    r.tid = tid;
    r.ts = ts;
    r.name = intern(name);
    r.cat = intern(cat);
    records_.push_back(r);
    return records_.size() - 1;
  }
  // A statement span's name, made once per statement.
  const std::string& statement_name(std::uint32_t stmt) {
    auto it = statement_names_.find(stmt);
    if (it == statement_names_.end()) {
      it = statement_names_.emplace(stmt, session::statement_text(program_, program_.stmt_proc(stmt), stmt)).first;
    }
    return it->second;
  }
  void close(std::size_t& record, std::uint64_t ts) {
    if (record == SIZE_MAX) return;
    Record& r = records_[record];
    r.dur = ts > r.ts ? ts - r.ts : 0;
    record = SIZE_MAX;
  }
  void instant(std::int64_t tid, std::uint64_t ts, const std::string& name, json args, bool global = false) {
    Record r;
    r.ph = 'i';
    r.tid = tid;
    r.ts = ts;
    r.name = intern(name);
    r.cat = intern(global ? "failure" : "effect");
    r.args = static_cast<std::uint32_t>(args_.size());
    args_.push_back(std::move(args));
    r.global = global;
    records_.push_back(r);
  }
  void flow(char ph, std::int64_t tid, std::uint64_t ts, std::uint64_t id) {
    Record r;
    r.ph = ph;
    r.tid = tid;
    r.ts = ts;
    r.name = intern("mutex handoff");
    r.cat = intern("mutex");
    r.id = id;
    records_.push_back(r);
  }
  void counter(std::uint64_t ts) {
    Record r;
    r.ph = 'C';
    r.ts = ts;
    r.name = intern("live heap bytes");
    r.cat = intern("heap");
    r.value = live_bytes_;
    records_.push_back(r);
  }
  std::string proc_name(std::uint32_t proc) const {
    return proc < program_.procs.size() ? program_.procs[proc].name : "proc " + std::to_string(proc);
  }
  void pop_level(ThreadTrack& t, std::uint64_t ts) {
    Level& l = t.levels.back();
    close(l.stmt, ts);
    close(l.call, ts);
    t.levels.pop_back();
  }
  void library(const StepEvent& e, const LibEvent& lib);

  TraceReader& reader_;
  const Program& program_;
  std::vector<Record> records_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> name_index_;
  std::map<std::uint32_t, std::string> statement_names_;
  std::vector<json> args_;
  std::map<std::uint32_t, ThreadTrack> threads_;
  std::map<std::int64_t, std::size_t> holds_;        // mutex -> its open hold span
  std::map<std::int64_t, std::uint64_t> handoffs_;   // mutex -> the flow its last unlock began
  std::map<std::int64_t, std::int64_t> block_sizes_; // live blocks, for reallocs
  std::int64_t live_bytes_ = 0;
  std::uint64_t flows_ = 0;
};

void Exporter::begin_at(const Machine& m) {
  for (const Thread& th : m.threads) {
    ThreadTrack& t = threads_[th.id];
    for (const Frame& f : th.frames) {
      Level l;
      l.call = open(thread_track(th.id), m.tick, proc_name(f.proc), "call");
      t.levels.push_back(l);
    }
  }
  live_bytes_ = m.k.heap.live_bytes;
  for (const auto& [address, b] : m.k.heap.blocks) {
    if (b.live) block_sizes_[address] = b.size;
  }
  for (const MutexState& mx : m.k.mutexes) {
    if (mx.owner >= 0) holds_[mx.id] = open(mutex_track(mx.id), m.tick, "held by T" + std::to_string(mx.owner), "mutex");
  }
  counter(m.tick);
}

void Exporter::step(const StepEvent& e) {
  ThreadTrack& t = threads_[e.thread];
  std::int64_t tid = thread_track(e.thread);
  close(t.blocked, e.tick_before);
  while (t.levels.size() > static_cast<std::size_t>(e.depth) + 1) pop_level(t, e.tick_before);
  while (t.levels.size() < static_cast<std::size_t>(e.depth) + 1) {
    Level l;
    l.call = open(tid, e.tick_before, proc_name(t.levels.size() == e.depth ? e.proc : 0), "call");
    t.levels.push_back(l);
  }
  Level& here = t.levels.back();
  if (here.stmt == SIZE_MAX || here.stmt_id != e.stmt) {
    close(here.stmt, e.tick_before);
    if (e.stmt != kNoStmt && e.stmt < program_.stmts.size()) {
      here.stmt = open(tid, e.tick_before, statement_name(e.stmt), "statement");
      here.stmt_id = e.stmt;
    }
  }
  if (e.has_effect) {
    instant(tid, e.tick_before, "effect " + e.effect.kind, json{{"payload", e.effect.payload}, {"step", e.index}});
  }
  for (const LibEvent& lib : e.lib) library(e, lib);
  if (e.error) {
    instant(tid, e.tick_before, "failure", json{{"error", e.error->display()}, {"step", e.index}, {"thread", e.thread}}, true);
  }
  switch (e.kind) {
    case StepKind::Statement:
    case StepKind::Check:
    case StepKind::Validate:
    case StepKind::Failed: close(here.stmt, e.tick); break;
    case StepKind::Return: pop_level(t, e.tick); break;
    case StepKind::Blocked: {
      std::string what = "blocked";
      for (const LibEvent& lib : e.lib) {
        if (lib.kind == LibEventKind::MutexWait) what += " on mutex " + std::to_string(lib.a);
      }
      t.blocked = open(tid, e.tick, what, "blocked");
      break;
    }
    case StepKind::CallEnter: break;
  }
}

void Exporter::library(const StepEvent& e, const LibEvent& lib) {
  std::int64_t tid = thread_track(e.thread);
  switch (lib.kind) {
    case LibEventKind::MutexLock: {
      if (auto h = handoffs_.find(lib.a); h != handoffs_.end()) {
        flow('f', tid, e.tick_before, h->second);
        handoffs_.erase(h);
      }
      std::size_t& hold = holds_.try_emplace(lib.a, SIZE_MAX).first->second;
      close(hold, e.tick_before);
      hold = open(mutex_track(lib.a), e.tick_before, "held by T" + std::to_string(e.thread), "mutex");
      break;
    }
    case LibEventKind::MutexUnlock: {
      if (auto h = holds_.find(lib.a); h != holds_.end()) close(h->second, e.tick);
      flow('s', tid, e.tick_before, ++flows_);
      handoffs_[lib.a] = flows_;
      break;
    }
    case LibEventKind::MemAlloc:
      block_sizes_[lib.a] = lib.b;
      live_bytes_ += lib.b;
      counter(e.tick);
      break;
    case LibEventKind::MemFree:
      block_sizes_.erase(lib.a);
      live_bytes_ -= lib.b;
      counter(e.tick);
      break;
    case LibEventKind::MemRealloc: {
      auto old = block_sizes_.find(lib.a);
      if (old != block_sizes_.end()) {
        live_bytes_ -= old->second;
        block_sizes_.erase(old);
      }
      block_sizes_[lib.b] = lib.c;
      live_bytes_ += lib.c;
      counter(e.tick);
      break;
    }
    default: break;
  }
}

void Exporter::finish(std::uint64_t end_tick) {
  for (auto& [id, t] : threads_) {
    close(t.blocked, end_tick);
    while (!t.levels.empty()) pop_level(t, end_tick);
  }
  for (auto& [mutex, hold] : holds_) close(hold, end_tick);
}

void Exporter::write(std::ostream& out, const json& metadata, const Machine& end_state,
                     const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  out << "{\"displayTimeUnit\":\"ms\",\"metadata\":" << metadata.dump(-1, ' ', false, json::error_handler_t::replace)
      << ",\"traceEvents\":[\n";
  bool first = true;
  auto emit = [&](const json& event) {
    if (!first) out << ",\n";
    first = false;
    out << event.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  emit(json{{"ph", "M"}, {"name", "process_name"}, {"pid", kPid}, {"tid", 0}, {"args", {{"name", "dust run"}}}});
  for (const Thread& th : end_state.threads) {
    std::string name = "T" + std::to_string(th.id) + " " + proc_name(th.entry_proc);
    emit(json{{"ph", "M"}, {"name", "thread_name"}, {"pid", kPid}, {"tid", thread_track(th.id)}, {"args", {{"name", name}}}});
    emit(json{{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", kPid}, {"tid", thread_track(th.id)},
              {"args", {{"sort_index", th.id}}}});
  }
  for (const MutexState& mx : end_state.k.mutexes) {
    emit(json{{"ph", "M"}, {"name", "thread_name"}, {"pid", kPid}, {"tid", mutex_track(mx.id)},
              {"args", {{"name", "mutex " + std::to_string(mx.id)}}}});
    emit(json{{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", kPid}, {"tid", mutex_track(mx.id)},
              {"args", {{"sort_index", mutex_track(mx.id)}}}});
  }
  std::uint64_t done = 0;
  for (const Record& r : records_) {
    json event{{"ph", std::string(1, r.ph)}, {"name", names_[r.name]}, {"cat", names_[r.cat]}, {"pid", kPid},
               {"tid", r.tid}, {"ts", r.ts}};
    switch (r.ph) {
      case 'X': event["dur"] = r.dur; break;
      case 'i': event["s"] = r.global ? "g" : "t"; break;
      case 's': event["id"] = r.id; break;
      case 'f':
        event["id"] = r.id;
        event["bp"] = "e";
        break;
      default: break;
    }
    if (r.ph == 'C') event["args"] = json{{"bytes", r.value}};
    if (r.args != UINT32_MAX) event["args"] = args_[r.args];
    emit(event);
    if (progress && (++done & 0xfffff) == 0) progress(done, records_.size());
  }
  out << "\n]}\n";
}

}  // namespace

bool export_chrome_trace(TraceReader& reader, const ChromeExportOptions& options, std::ostream& out,
                         std::string& error) {
  const TraceInfo& info = reader.info();
  std::shared_ptr<const Program> program = reader.program();
  if (!program) {
    error = "the trace holds no program";
    return false;
  }
  std::uint64_t to = options.to ? *options.to : info.steps;
  if (to > info.steps) {
    error = "--to " + std::to_string(to) + " is past the recording's " + std::to_string(info.steps) + " steps";
    return false;
  }
  if (options.from >= to) {
    error = "the range " + std::to_string(options.from) + ".." + std::to_string(to) + " holds no step";
    return false;
  }
  Exporter exporter(reader, *program);
  Machine start = reader.state_at(options.from);
  if (!reader.last_error().empty()) {
    error = reader.last_error();
    return false;
  }
  exporter.begin_at(start);
  std::uint64_t end_tick = start.tick;
  for (std::uint64_t first = options.from; first < to; first += kStepsPerRead) {
    std::uint64_t last = std::min(to, first + kStepsPerRead);
    std::vector<StepEvent> events = reader.events(first, last);
    if (events.size() != last - first) {
      error = "steps " + std::to_string(first) + ".." + std::to_string(last) + " cannot be read" +
              (reader.last_error().empty() ? "" : ": " + reader.last_error());
      return false;
    }
    for (const StepEvent& e : events) {
      exporter.step(e);
      end_tick = e.tick;
    }
    if (options.progress) options.progress(last - options.from, to - options.from);
  }
  exporter.finish(end_tick);
  Machine end_state = reader.state_at(to);
  json metadata{{"source", "dustrun export --chrome"},
                {"program", info.program_path},
                {"time_unit", "one logical tick of the Dust machine is one microsecond"},
                {"microseconds_per_tick", 1},
                {"from_step", options.from},
                {"to_step", to},
                {"from_tick", start.tick},
                {"to_tick", end_tick},
                {"steps_in_recording", info.steps}};
  exporter.write(out, metadata, end_state, nullptr);
  if (!out) {
    error = "writing the timeline failed";
    return false;
  }
  return true;
}

}  // namespace dust::rec
