// trace_reader_test.cpp — the TraceReader against a direct run of the same
// program: the state at every step, events, ticks, timeline lanes, mutex
// lanes, lifetimes, marks, the reverse watchpoint and origin chains.
#include "dust/recorder/machine_archive.hpp"


#include "dust/recorder/state_report.hpp"
#include "recorder_harness.hpp"

using namespace rec_test;

namespace {

struct RecordedExample {
  TempDir dir;
  DirectRun run;
  std::unique_ptr<dust::rec::TraceReader> reader;
};

std::unique_ptr<RecordedExample> record_example(const std::string& text, std::uint64_t seed, std::uint32_t block = 16) {
  auto r = std::make_unique<RecordedExample>();
  record(text, seeded(seed), r->dir / "t.dtrace", small_blocks(block));
  r->run = run_direct(text, seeded(seed), true);
  r->reader = open_trace(r->dir / "t.dtrace");
  return r;
}

// What thread `t` was doing at each step, from the direct run.
std::vector<dust::rec::ThreadActivity> activity_of(const DirectRun& run, std::uint32_t t) {
  std::vector<dust::rec::ThreadActivity> out;
  for (std::size_t k = 0; k < run.events.size(); ++k) {
    const dust::Machine& before = run.states[k];
    if (run.events[k].thread == t) {
      out.push_back(dust::rec::ThreadActivity::Running);
    } else if (t >= before.threads.size()) {
      out.push_back(static_cast<dust::rec::ThreadActivity>(255));
    } else {
      switch (before.threads[t].state) {
        case dust::ThreadState::Runnable: out.push_back(dust::rec::ThreadActivity::Runnable); break;
        case dust::ThreadState::Blocked: out.push_back(dust::rec::ThreadActivity::Blocked); break;
        case dust::ThreadState::Sleeping: out.push_back(dust::rec::ThreadActivity::Sleeping); break;
        case dust::ThreadState::Finished: out.push_back(dust::rec::ThreadActivity::Finished); break;
      }
    }
  }
  return out;
}

}  // namespace

TEST(TraceReader, InfoDescribesTheRun) {
  auto r = record_example(read_text(example("sync_bank_transfer.dir.json")), 0);
  const dust::rec::TraceInfo& info = r->reader->info();
  EXPECT_TRUE(info.complete);
  EXPECT_EQ(info.steps, r->run.events.size());
  EXPECT_EQ(info.status, dust::MachineStatus::Finished);
  EXPECT_EQ(info.final_tick, r->run.states.back().tick);
  EXPECT_EQ(info.threads, r->run.states.back().threads.size());
  EXPECT_GT(info.blocks, 3u);
  EXPECT_GT(info.keyframes, 3u);
  EXPECT_EQ(info.program_path, "program.dir.json");
  std::string error;
  EXPECT_TRUE(r->reader->verify(error)) << error;
}

TEST(TraceReader, StateAtEveryStepIsTheDirectRunsState) {
  for (const std::string& name : example_names()) {
    SCOPED_TRACE(name);
    auto r = record_example(read_text(example(name)), 1);
    const DirectRun& run = r->run;
    ASSERT_EQ(r->reader->info().steps, run.events.size());
    // Forward, backward and jumping seeks all reach the same states.
    std::vector<std::uint64_t> order;
    for (std::uint64_t k = 0; k < run.states.size(); ++k) order.push_back(k);
    for (std::uint64_t k = run.states.size(); k-- > 0;) order.push_back(k);
    for (std::uint64_t k : order) {
      dust::Machine m = r->reader->state_at(k);
      ASSERT_EQ(dust::rec::save_machine(m), dust::rec::save_machine(run.states[k])) << "step " << k;
    }
    EXPECT_EQ(r->reader->last_error(), "");
  }
}

TEST(TraceReader, EventsAndTicksMatchTheDirectRun) {
  auto r = record_example(read_text(example("producer_consumer.dir.json")), 4);
  const DirectRun& run = r->run;
  std::vector<dust::StepEvent> events = r->reader->events(0, run.events.size());
  ASSERT_EQ(events.size(), run.events.size());
  const dust::Program& p = *r->reader->program();
  for (std::size_t k = 0; k < events.size(); ++k) {
    EXPECT_EQ(dust::rec::describe_step(p, events[k]), dust::rec::describe_step(p, run.events[k]));
  }
  std::vector<dust::StepEvent> middle = r->reader->events(37, 41);
  ASSERT_EQ(middle.size(), 4u);
  EXPECT_EQ(middle[0].index, 37u);
  for (std::uint64_t k = 0; k < run.states.size(); ++k) EXPECT_EQ(r->reader->tick_at(k), run.states[k].tick);
}

TEST(TraceReader, ThreadLanesMatchTheDirectRunStepByStep) {
  for (const char* name : {"sync_bank_transfer.dir.json", "threading_parallel_sum.dir.json",
                           "two_lock_deadlock.dir.json", "producer_consumer.dir.json"}) {
    SCOPED_TRACE(name);
    auto r = record_example(read_text(example(name)), 0, 8);
    std::uint64_t steps = r->reader->info().steps;
    for (std::uint32_t t = 0; t < r->reader->info().threads; ++t) {
      std::vector<dust::rec::ThreadActivity> expected = activity_of(r->run, t);
      for (auto [first, last] : {std::pair<std::uint64_t, std::uint64_t>{0, steps}, {steps / 3, (2 * steps) / 3}}) {
        std::vector<dust::rec::ThreadSegment> lane = r->reader->thread_lane(t, first, last, 1);
        std::uint64_t at = first;
        while (at < last && expected[at] == static_cast<dust::rec::ThreadActivity>(255)) ++at;
        for (const dust::rec::ThreadSegment& seg : lane) {
          EXPECT_FALSE(seg.folded);
          ASSERT_EQ(seg.first, at) << "thread " << t;
          for (std::uint64_t k = seg.first; k < seg.last; ++k) {
            ASSERT_EQ(seg.activity, expected[k]) << "thread " << t << " step " << k;
          }
          if (seg.activity == dust::rec::ThreadActivity::Blocked) {
            EXPECT_FALSE(seg.waits_for.empty());
          }
          at = seg.last;
        }
        EXPECT_EQ(at, last) << "thread " << t;
      }
    }
  }
}

TEST(TraceReader, FoldedLanesNeverHideAWaitOrTheFailure) {
  auto r = record_example(read_text(example("two_lock_deadlock.dir.json")), 0, 8);
  std::uint64_t steps = r->reader->info().steps;
  std::optional<dust::rec::FailureMark> failure = r->reader->failure();
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->step, steps - 1);
  EXPECT_EQ(failure->error.kind, dust::ErrorKind::TimeViolation);
  for (std::uint32_t t = 0; t < r->reader->info().threads; ++t) {
    std::vector<dust::rec::ThreadSegment> exact = r->reader->thread_lane(t, 0, steps, 1);
    std::vector<dust::rec::ThreadSegment> folded = r->reader->thread_lane(t, 0, steps, steps / 4 + 1);
    EXPECT_LE(folded.size(), exact.size());
    for (const dust::rec::ThreadSegment& seg : exact) {
      if (seg.activity != dust::rec::ThreadActivity::Blocked) continue;
      bool shown = false;
      for (const dust::rec::ThreadSegment& f : folded) {
        shown |= f.first <= seg.first && seg.first < f.last && f.activity == dust::rec::ThreadActivity::Blocked;
      }
      EXPECT_TRUE(shown) << "thread " << t << " blocked at " << seg.first;
    }
    if (t == failure->thread) {
      bool alone = false;
      for (const dust::rec::ThreadSegment& f : folded) alone |= f.first == failure->step && f.last == failure->step + 1;
      EXPECT_TRUE(alone);
    }
    std::uint64_t covered = 0;
    for (const dust::rec::ThreadSegment& f : folded) covered += f.last - f.first;
    std::uint64_t exact_covered = 0;
    for (const dust::rec::ThreadSegment& f : exact) exact_covered += f.last - f.first;
    EXPECT_EQ(covered, exact_covered);
  }
}

TEST(TraceReader, MutexLanesFollowOwnersAndWaiters) {
  auto r = record_example(read_text(example("mutex_counter.dir.json")), 3, 8);
  const DirectRun& run = r->run;
  std::vector<std::int64_t> ids = r->reader->mutexes();
  ASSERT_FALSE(ids.empty());
  std::uint64_t steps = r->reader->info().steps;
  for (std::int64_t id : ids) {
    std::vector<dust::rec::MutexSegment> lane = r->reader->mutex_lane(id, 0, steps, 1);
    // Every step after which a thread owned the mutex lies in a held segment of that thread.
    for (std::uint64_t k = 1; k < run.states.size() && k < steps; ++k) {
      const auto& mutexes = run.states[k].k.mutexes;
      if (static_cast<std::size_t>(id) > mutexes.size()) continue;
      const dust::MutexState& m = mutexes[static_cast<std::size_t>(id - 1)];
      bool held = false;
      for (const dust::rec::MutexSegment& seg : lane) {
        if (seg.held && seg.first <= k && k < seg.last) {
          EXPECT_EQ(static_cast<std::int64_t>(seg.thread), m.owner) << "step " << k;
          held = true;
        }
      }
      EXPECT_EQ(held, m.owner >= 0) << "step " << k;
      for (std::uint32_t w : m.waiters) {
        bool waiting = false;
        for (const dust::rec::MutexSegment& seg : lane) waiting |= !seg.held && seg.thread == w && seg.first <= k && k < seg.last;
        EXPECT_TRUE(waiting) << "thread " << w << " step " << k;
      }
    }
    std::vector<dust::rec::MutexSegment> folded = r->reader->mutex_lane(id, 0, steps, steps / 3 + 1);
    EXPECT_LE(folded.size(), lane.size());
  }
}

namespace {

// main holds a mutex while it spawns `workers` threads that each lock and
// unlock it, then lets it go and counts to `tail` while they take it one
// at a time: every worker waits, most of them for a long time beside
// hundreds of others.
std::string crowded_mutex_program(int workers, int tail) {
  const std::string lock = R"J({"Call":{"target":"mutex_lock","args":["m"],"result":null}})J";
  const std::string unlock = R"J({"Call":{"target":"mutex_unlock","args":["m"],"result":null}})J";
  auto proc = [](const std::string& name, const std::string& params, const std::string& body) {
    return R"J({"regime":"K","name":")J" + name + R"J(","params":[)J" + params +
           R"J(],"uses":[],"ret":"K[Int]","qualifiers":[],"body":[)J" + body + R"J(],"locals":[]})J";
  };
  std::string worker = proc("worker", R"J({"name":"m","ty":"K[Int]"})J", lock + "," + unlock + R"J(,{"Return":{"expr":"0"}})J");
  std::string main = proc("main", "",
                          R"J({"Let":{"name":"m","expr":"mutex_new()"}},)J" + lock +
                              R"J(,{"For":{"var":"i","start":"0","end":")J" + std::to_string(workers) +
                              R"J(","body":[{"Let":{"name":"t","expr":"spawn(worker, i Add 1, m)"}}]}},)J" + unlock +
                              R"J(,{"Let":{"name":"k","expr":"0"}},{"While":{"condition":"k Lt )J" + std::to_string(tail) +
                              R"J(","body":[{"Assign":{"target":"k","expr":"k Add 1"}}]}},{"Return":{"expr":"0"}})J");
  return R"J({"forges":[{"name":"t","shapes":[],"binds":[],"procs":[)J" + worker + "," + main + R"J(]}],"types":[]})J";
}

// Mutex `id`'s unfolded lane over steps [first, last), worked out state by
// state from a direct run: a held segment for each stretch of states with
// one owner, a waiting one for each stretch a thread spends among the
// waiters, a holder contended if any of its states had a waiter; ordered
// as the reader orders them (by first step, holders first, then by
// thread). `most_waiters` is the most threads that ever waited at once.
std::vector<dust::rec::MutexSegment> mutex_lane_of_direct_run(const std::string& text, const dust::RunConfig& config,
                                                              std::int64_t id, std::uint64_t first, std::uint64_t last,
                                                              std::size_t& most_waiters) {
  std::vector<dust::rec::MutexSegment> out;
  std::optional<dust::rec::MutexSegment> holder;
  // Each waiting stretch still open: its thread (in `waiting`) and its
  // first step (`since`, by thread id). Kept by thread id, so that a step
  // costs the oracle its waiters and no more: a map, or a search of the
  // waiters for each thread that waited, made it quadratic in the crowd at
  // every step, most of this test's time under the sanitizers.
  constexpr std::uint64_t kNotWaiting = ~std::uint64_t{0};
  std::vector<std::uint64_t> since;
  std::vector<std::uint32_t> waiting;
  std::vector<char> is_waiting;  // by thread id, among the waiters of the state being read
  const std::vector<std::uint32_t> no_waiters;
  auto close_holder = [&](std::uint64_t at) {
    if (!holder) return;
    holder->last = at;
    out.push_back(*holder);
    holder.reset();
  };
  dust::Machine machine(load_program(text), &intrinsics(), config);
  dust::StepEvent event;
  most_waiters = 0;
  for (std::uint64_t k = 0; k < last; ++k) {
    if (k >= first) {
      const auto& mutexes = machine.k.mutexes;
      const dust::MutexState* m = static_cast<std::size_t>(id) <= mutexes.size() ? &mutexes[id - 1] : nullptr;
      std::int64_t owner = m != nullptr ? m->owner : -1;
      const std::vector<std::uint32_t>& waiters = m != nullptr ? m->waiters : no_waiters;
      most_waiters = std::max(most_waiters, waiters.size());
      since.resize(machine.threads.size(), kNotWaiting);
      is_waiting.resize(machine.threads.size(), 0);
      if (!holder || static_cast<std::int64_t>(holder->thread) != owner) {
        close_holder(k);
        if (owner >= 0) holder = dust::rec::MutexSegment{id, k, k, true, static_cast<std::uint32_t>(owner), false};
      }
      if (holder && !waiters.empty()) holder->contended = true;
      for (std::uint32_t w : waiters) is_waiting[w] = 1;
      std::erase_if(waiting, [&](std::uint32_t thread) {
        if (is_waiting[thread]) return false;
        out.push_back(dust::rec::MutexSegment{id, since[thread], k, false, thread, false});
        since[thread] = kNotWaiting;
        return true;
      });
      for (std::uint32_t w : waiters) {
        is_waiting[w] = 0;
        if (since[w] != kNotWaiting) continue;
        since[w] = k;
        waiting.push_back(w);
      }
    }
    if (machine.done()) break;
    machine.step(event);
  }
  close_holder(last);
  for (std::uint32_t thread : waiting) out.push_back(dust::rec::MutexSegment{id, since[thread], last, false, thread, false});
  std::sort(out.begin(), out.end(), [](const dust::rec::MutexSegment& a, const dust::rec::MutexSegment& b) {
    if (a.first != b.first) return a.first < b.first;
    if (a.held != b.held) return a.held;
    return a.thread < b.thread;
  });
  return out;
}

std::string mutex_segment_text(const dust::rec::MutexSegment& s) {
  return "mutex " + std::to_string(s.mutex) + " [" + std::to_string(s.first) + ", " + std::to_string(s.last) + ") " +
         (s.held ? "held" : "waited") + " by T" + std::to_string(s.thread) + (s.contended ? " contended" : "") +
         (s.folded ? " folded x" + std::to_string(s.folded_count) : "");
}

}  // namespace

// Hundreds of threads wait for one mutex at once, in an arrival order that
// (under a seeded schedule) is not their ids' order: the lane has exactly
// the segments the run's states say, in order, over the whole run and
// over a range that opens with the crowd already waiting.
TEST(TraceReader, MutexLaneOfAMutexWithHundredsOfWaiters) {
  const std::string text = crowded_mutex_program(300, 3000);
  for (std::uint64_t seed : {0u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    TempDir dir;
    record(text, seeded(seed), dir / "t.dtrace", small_blocks(64));
    auto reader = open_trace(dir / "t.dtrace");
    ASSERT_TRUE(reader);
    ASSERT_EQ(reader->mutexes(), std::vector<std::int64_t>{1});
    const std::uint64_t steps = reader->info().steps;
    for (auto [first, last] : {std::pair<std::uint64_t, std::uint64_t>{0, steps}, {steps / 3, 2 * steps / 3}}) {
      SCOPED_TRACE("steps " + std::to_string(first) + ".." + std::to_string(last));
      std::size_t most_waiters = 0;
      std::vector<dust::rec::MutexSegment> expected =
          mutex_lane_of_direct_run(text, seeded(seed), 1, first, last, most_waiters);
      std::vector<dust::rec::MutexSegment> lane = reader->mutex_lane(1, first, last, 1);
      EXPECT_GE(most_waiters, 200u) << "the test needs a crowd of waiters";
      ASSERT_EQ(lane.size(), expected.size());
      for (std::size_t i = 0; i < lane.size(); ++i) {
        ASSERT_EQ(mutex_segment_text(lane[i]), mutex_segment_text(expected[i])) << "segment " << i;
      }
    }
  }
}

TEST(TraceReader, LastWriteOfAMemoryCell) {
  auto r = record_example(read_text(example("memory_linked_list.dir.json")), 0);
  const DirectRun& run = r->run;
  std::optional<std::uint64_t> last_store;
  std::int64_t address = 0;
  for (const dust::StepEvent& e : run.events) {
    for (const dust::LibEvent& lib : e.lib) {
      if (lib.kind == dust::LibEventKind::MemWrite) {
        last_store = e.index;
        address = lib.a;
      }
    }
  }
  ASSERT_TRUE(last_store);
  dust::rec::FrameSelector any;
  EXPECT_EQ(r->reader->last_write("mem:" + std::to_string(address), run.events.size(), any).step, last_store);
  EXPECT_LT(r->reader->last_write("mem:" + std::to_string(address), *last_store, any).step, last_store);
}

TEST(TraceReader, OriginFollowsTheReads) {
  std::string text = R"({"forges":[{"name":"t","shapes":[],"binds":[],"procs":[{"regime":"K","name":"main","params":[],
  "uses":[],"ret":null,"qualifiers":[],"body":[{"Let":{"name":"a","expr":"2"}},{"Let":{"name":"b","expr":"5"}},
  {"Let":{"name":"noise","expr":"1"}},{"Let":{"name":"c","expr":"a Mul b"}},{"Assign":{"target":"a","expr":"7"}},
  {"Let":{"name":"d","expr":"c Add 1"}},{"Return":{"expr":"d"}}],"locals":[]}]}]})";
  TempDir dir;
  record(text, dust::RunConfig{}, dir / "o.dtrace");
  auto reader = open_trace(dir / "o.dtrace");
  // The last step is the Return: main's frame still holds d before it.
  dust::rec::Origin origin = reader->origin("d", reader->info().steps - 1, dust::rec::FrameSelector{0, 0});
  EXPECT_TRUE(origin.complete);
  const std::vector<dust::rec::OriginLink>& chain = origin.chain;
  ASSERT_EQ(chain.size(), 4u);
  EXPECT_EQ(chain[0].name, "d");
  EXPECT_EQ(chain[0].value, "11");
  EXPECT_EQ(chain[0].reads, std::vector<std::string>{"c"});
  EXPECT_EQ(chain[1].name, "c");
  EXPECT_EQ(chain[1].value, "10");
  EXPECT_EQ(chain[1].reads, (std::vector<std::string>{"a", "b"}));
  // Breadth first, in the order c read them; `a` is the one written before
  // c (2), not the later 7.
  EXPECT_EQ(chain[2].name, "a");
  EXPECT_EQ(chain[2].value, "2");
  EXPECT_EQ(chain[2].step, 0u);
  EXPECT_EQ(chain[2].from, std::optional<std::size_t>(1));
  EXPECT_EQ(chain[3].name, "b");
}

TEST(TraceReader, LifetimesAndMarks) {
  auto q = record_example(read_text(example("q_token_handoff.dir.json")), 0);
  std::vector<dust::rec::QLifetime> resources = q->reader->q_lifetimes();
  ASSERT_EQ(resources.size(), 1u);
  EXPECT_FALSE(resources[0].move_steps.empty());
  EXPECT_TRUE(resources[0].consume_step);
  EXPECT_GE(resources[0].bindings.size(), 2u);

  auto mem = record_example(read_text(example("memory_linked_list.dir.json")), 0);
  std::vector<dust::rec::MemoryLifetime> blocks = mem->reader->memory_lifetimes();
  std::size_t allocs = 0, frees = 0;
  for (const dust::StepEvent& e : mem->run.events) {
    for (const dust::LibEvent& lib : e.lib) {
      allocs += lib.kind == dust::LibEventKind::MemAlloc || lib.kind == dust::LibEventKind::MemRealloc;
      frees += lib.kind == dust::LibEventKind::MemFree || lib.kind == dust::LibEventKind::MemRealloc;
    }
  }
  EXPECT_EQ(blocks.size(), allocs);
  std::size_t freed = 0;
  for (const dust::rec::MemoryLifetime& b : blocks) freed += b.free_step.has_value();
  EXPECT_EQ(freed, frees);

  auto phi = record_example(read_text(example("phi_admissible_budget.dir.json")), 0);
  std::size_t phi_events = 0;
  for (const dust::StepEvent& e : phi->run.events) phi_events += e.phi.size();
  EXPECT_EQ(phi->reader->phi_marks().size(), phi_events);
  EXPECT_TRUE(phi->reader->failure());

  std::size_t effects = 0;
  for (const dust::StepEvent& e : mem->run.events) effects += e.has_effect;
  EXPECT_EQ(mem->reader->effect_marks(0, mem->reader->info().steps).size(), effects);
  EXPECT_FALSE(mem->reader->failure());
}

TEST(TraceReader, AWholeRangeLaneOverManyBlocksIsFolded) {
  TempDir dir;
  record(loop_program(20000), dust::RunConfig{}, dir / "l.dtrace", small_blocks(256));
  auto reader = open_trace(dir / "l.dtrace");
  std::uint64_t steps = reader->info().steps;
  std::vector<dust::rec::ThreadSegment> lane = reader->thread_lane(0, 0, steps, steps / 2000);
  ASSERT_EQ(lane.size(), 1u);
  EXPECT_EQ(lane[0].activity, dust::rec::ThreadActivity::Running);
  EXPECT_EQ(lane[0].first, 0u);
  EXPECT_EQ(lane[0].last, steps);
}
