// inspect_queries.cpp — `dustrun inspect` answering the frame-exact
// queries (inspect_queries.hpp) as text or, with --json, in the schema of
// dust/recorder/query_json.hpp.
#include "inspect_queries.hpp"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>

#include "commands.hpp"
#include "dust/recorder/query_json.hpp"
#include "dust/recorder/state_report.hpp"

namespace dust::cli {

namespace {

// The frame a query is about: the thread given, or the one that ran the
// step before; the frame given, or that thread's innermost.
rec::FrameSelector selector(rec::TraceReader& reader, const InspectOptions& o) {
  rec::FrameSelector s;
  s.depth = o.frame;
  if (o.thread) {
    s.thread = *o.thread;
  } else if (o.step > 0) {
    std::uint64_t before = std::min(o.step, reader.info().steps);
    std::vector<StepEvent> last = reader.events(before == 0 ? 0 : before - 1, before);
    if (!last.empty()) s.thread = last.front().thread;
  }
  return s;
}

std::string frame_words(std::uint32_t thread, std::uint32_t frame) {
  return "thread " + std::to_string(thread) + " frame " + std::to_string(frame);
}

std::string write_words(const rec::LastWrite& w) {
  switch (w.kind) {
    case rec::WriteKind::Statement: return "written by the statement at " + w.statement;
    case rec::WriteKind::CallBinding:
      return "bound by the call at " + w.statement + " (" + frame_words(w.writer_thread, w.writer_frame) + ")";
    case rec::WriteKind::SpawnBinding:
      return "bound by the spawn at " + w.statement + " (" + frame_words(w.writer_thread, w.writer_frame) + ")";
    case rec::WriteKind::MemoryStore:
      return "stored by " + frame_words(w.writer_thread, w.writer_frame) + " at " + w.statement;
  }
  return "";
}

// Sorts `ms` (so that back() is then the largest) and returns its p-th quantile.
double percentile(std::vector<double>& ms, double p) {
  std::sort(ms.begin(), ms.end());
  return ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * static_cast<double>(ms.size())))];
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

// Latencies of one kind of query: wall time, and this thread's CPU time,
// which other processes on a loaded machine do not inflate.
struct Latencies {
  std::vector<double> wall, cpu;
  template <class Body>
  void time(Body&& body) {
    double cpu_start = thread_cpu_ms();
    auto start = std::chrono::steady_clock::now();
    body();
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    cpu.push_back(thread_cpu_ms() - cpu_start);
  }
  void print(const char* what) {
    double wall50 = percentile(wall, 0.50), wall99 = percentile(wall, 0.99);
    double cpu50 = percentile(cpu, 0.50), cpu99 = percentile(cpu, 0.99);
    std::printf("%s: wall p50 %.3f ms, p99 %.3f ms, max %.3f ms; CPU p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", what,
                wall50, wall99, wall.back(), cpu50, cpu99, cpu.back());
  }
};

}  // namespace

int print_last_write(rec::TraceReader& reader, const InspectOptions& o) {
  rec::LastWrite w = reader.last_write(o.name, o.step, selector(reader, o));
  if (o.json) {
    std::cout << rec::last_write_json(w) << "\n";
    return w.error.empty() || w.step ? kExitOk : kExitUsage;
  }
  if (!w.error.empty() && !w.step) {
    std::cerr << "dustrun: " << w.error << "\n";
    return kExitUsage;
  }
  bool memory = w.kind == rec::WriteKind::MemoryStore;
  std::string subject = memory ? w.name : w.name + " in " + frame_words(w.thread, w.frame) + " (" + w.proc + ")";
  if (!w.step) {
    std::cout << subject << " before step " << w.before << ": no write"
              << (memory ? "" : " in this frame (it is not a parameter and nothing assigned it yet)") << "\n";
    return kExitOk;
  }
  std::cout << subject << " before step " << w.before << ": step " << *w.step << ", " << write_words(w) << ", value "
            << w.value << "\n";
  std::vector<StepEvent> events = reader.events(*w.step, *w.step + 1);
  if (!events.empty()) std::cout << "  " << rec::describe_step(*reader.program(), events.front()) << "\n";
  return kExitOk;
}

int print_origin(rec::TraceReader& reader, const InspectOptions& o) {
  rec::OriginLimits limits{o.depth, o.max_links};
  rec::Origin origin = reader.origin(o.name, o.step, selector(reader, o), limits);
  if (o.json) {
    std::cout << rec::origin_json(origin) << "\n";
    return origin.error.empty() ? kExitOk : kExitUsage;
  }
  if (!origin.error.empty()) {
    std::cerr << "dustrun: " << origin.error << "\n";
    return kExitUsage;
  }
  std::string subject = origin.name.rfind("mem:", 0) == 0
                            ? origin.name
                            : origin.name + " in " + frame_words(origin.thread, origin.frame);
  std::cout << "origin of " << subject << " at step " << origin.at << ": " << origin.chain.size() << " link"
            << (origin.chain.size() == 1 ? "" : "s") << ", "
            << (origin.complete ? "complete" : "INCOMPLETE (" + origin.cut + ")") << "\n";
  if (origin.chain.empty()) std::cout << "  nothing wrote it before step " << origin.at << "\n";
  for (std::size_t i = 0; i < origin.chain.size(); ++i) {
    const rec::OriginLink& l = origin.chain[i];
    std::cout << "  [" << i << "]";
    if (l.from) std::cout << " <- [" << *l.from << "]";
    std::cout << " step " << l.step << " " << frame_words(l.thread, l.frame) << " " << rec::link_kind_name(l.kind)
              << ": " << l.what << "\n";
  }
  return kExitOk;
}

int print_accesses(rec::TraceReader& reader, const InspectOptions& o) {
  std::uint64_t to = o.to.value_or(reader.info().steps);
  rec::MemoryHistory h = reader.memory_accesses(o.address, o.end, o.from.value_or(0), to);
  // The scan stops early at a block it cannot read or past the threads the
  // race check follows: what it found is printed, and why it stopped.
  if (!h.stopped.empty()) std::cerr << "dustrun: warning: " << h.stopped << "\n";
  if (o.json) {
    std::cout << rec::memory_history_json(h) << "\n";
    return kExitOk;
  }
  std::size_t writes = static_cast<std::size_t>(
      std::count_if(h.accesses.begin(), h.accesses.end(), [](const rec::MemoryAccess& a) { return a.write; }));
  std::cout << "accesses to bytes [" << h.address << ", " << h.end << ") in steps [" << h.from << ", " << h.to
            << "): " << h.accesses.size() << " (" << h.accesses.size() - writes << " reads, " << writes
            << " writes)\n";
  auto line = [](const rec::MemoryAccess& a) {
    std::string locks;
    for (std::int64_t m : a.locks) locks += (locks.empty() ? "" : ",") + std::to_string(m);
    return "step " + std::to_string(a.step) + " " + frame_words(a.thread, a.frame) + " " +
           (a.write ? "write " : "read  ") + std::to_string(a.bytes) + " bytes at " + std::to_string(a.address) +
           " = " + std::to_string(a.value) + " (" + a.statement + ") locks held: " + (locks.empty() ? "none" : locks);
  };
  for (const rec::MemoryAccess& a : h.accesses) std::cout << "  " << line(a) << "\n";
  if (h.races.empty()) {
    std::cout << "data races: none\n";
    return kExitOk;
  }
  std::cout << "data races: " << h.races.size() << "\n";
  for (const rec::DataRace& r : h.races) {
    std::cout << "  DATA RACE at " << r.address << ":\n    " << line(r.first) << "\n    " << line(r.second) << "\n";
  }
  return kExitOk;
}

int bench_queries(rec::TraceReader& reader, const InspectOptions& o) {
  std::uint64_t steps = reader.info().steps;
  std::shared_ptr<const Program> program = reader.program();
  std::mt19937_64 rng(o.seed);
  Latencies last_write, origin;
  std::uint64_t complete = 0;
  for (std::uint64_t i = 0; i < o.count; ++i) {
    // A random step, the innermost frame of a thread that has one there, and one of its names.
    std::uint64_t step = steps == 0 ? 0 : 1 + rng() % steps;
    Machine m = reader.state_at(step);
    std::vector<std::uint32_t> live;
    for (const Thread& t : m.threads) {
      if (!t.frames.empty()) live.push_back(t.id);
    }
    if (live.empty()) continue;
    std::uint32_t thread = live[rng() % live.size()];
    const Proc& proc = program->procs[m.threads[thread].frames.back().proc];
    if (proc.slot_count() == 0) continue;
    std::string name(proc.slot_names.get(static_cast<std::uint32_t>(rng() % proc.slot_count())));
    rec::FrameSelector frame{thread, std::nullopt};
    last_write.time([&] { reader.last_write(name, step, frame); });
    rec::Origin answer;
    origin.time([&] { answer = reader.origin(name, step, frame, rec::OriginLimits{std::nullopt, 10}); });
    if (answer.chain.size() >= 10 || answer.complete) ++complete;
  }
  if (last_write.wall.empty()) {
    std::cerr << "dustrun: no step of the trace has a frame to ask about\n";
    return kExitUsage;
  }
  std::printf("%zu random queries (step, live thread, innermost frame, name) over %llu steps\n",
              last_write.wall.size(), static_cast<unsigned long long>(steps));
  last_write.print("last-write");
  origin.print("origin, up to 10 links");
  std::printf("origins that reached 10 links or their end: %llu of %zu\n", static_cast<unsigned long long>(complete),
              origin.wall.size());
  return kExitOk;
}

}  // namespace dust::cli
