// frame_queries_test.cpp — the frame-exact queries on programs whose
// answers are worked out by hand: a recursive proc (each activation its own
// frame, parameters written by their call), threads (arguments written by
// the spawn, a value through a join), memory (a load's origin is the store
// that wrote the bytes, through a pointer copied to another binding), the
// collatz example, data races, and the JSON schema.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "dust/recorder/query_json.hpp"
#include "recorder_harness.hpp"

namespace {

using namespace rec_test;
using dust::rec::FrameSelector;
using dust::rec::LinkKind;
using dust::rec::WriteKind;

std::string proc_json(const std::string& name, const std::string& params, const std::string& body) {
  return R"J({"regime":"K","name":")J" + name + R"J(","params":[)J" + params +
         R"J(],"uses":[],"ret":"K[Int]","qualifiers":[],"body":[)J" + body + R"J(],"locals":[]})J";
}
std::string program_json(const std::string& procs) {
  return R"J({"forges":[{"name":"t","shapes":[],"binds":[],"procs":[)J" + procs + R"J(]}],"types":[]})J";
}
std::string param(const std::string& name) { return R"J({"name":")J" + name + R"J(","ty":"K[Int]"})J"; }

// count(n): k = n * 10; n = 0 returns k; otherwise returns k + count(n - 1).
// main: x = count(2). By hand, one line per step (depth = frame):
//   0 main   call count(2)            (depth 0; pushes frame 1, n = 2)
//   1 count  k = 20                   (depth 1)
//   2 count  If n Eq 0: no
//   3 count  call count(1)            (pushes frame 2, n = 1)
//   4 count  k = 10                   (depth 2)
//   5 count  If: no
//   6 count  call count(0)            (pushes frame 3, n = 0)
//   7 count  k = 0                    (depth 3)
//   8 count  If: yes
//   9 count  Return k                 (frame 3 pops, gives 0)
//  10 count  r = 0                    (depth 2)
//  11 count  Return k Add r           (gives 10)
//  12 count  r = 10                   (depth 1)
//  13 count  Return k Add r           (gives 30)
//  14 main   x = 30
//  15 main   Return x
std::string recursive_program() {
  std::string count = proc_json("count", param("n"),
                                R"J({"Let":{"name":"k","expr":"n Mul 10"}},
      {"If":{"condition":"n Eq 0","then_body":[{"Return":{"expr":"k"}}],"else_body":[]}},
      {"Let":{"name":"r","expr":"count(n Sub 1)"}},{"Return":{"expr":"k Add r"}})J");
  std::string main = proc_json("main", "", R"J({"Let":{"name":"x","expr":"count(2)"}},{"Return":{"expr":"x"}})J");
  return program_json(count + "," + main);
}

struct Recorded {
  TempDir dir;
  std::unique_ptr<dust::rec::TraceReader> reader;
};

std::unique_ptr<Recorded> recorded(const std::string& text, std::uint64_t seed = 0, std::uint32_t block = 4) {
  auto r = std::make_unique<Recorded>();
  record(text, seeded(seed), r->dir / "run.dtrace", small_blocks(block));
  r->reader = open_trace(r->dir / "run.dtrace");
  return r;
}

TEST(FrameQueries, RecursiveCallsAreDistinctFrames) {
  auto r = recorded(recursive_program());
  dust::rec::TraceReader& reader = *r->reader;
  ASSERT_EQ(reader.info().steps, 16u);
  // k of frame 2 was written at step 4, not by frame 3 (step 7) or frame 1 (step 1).
  dust::rec::LastWrite k2 = reader.last_write("k", 10, FrameSelector{0, 2});
  EXPECT_EQ(k2.step, std::optional<std::uint64_t>(4));
  EXPECT_EQ(k2.value, "10");
  EXPECT_EQ(k2.proc, "count");
  EXPECT_EQ(reader.last_write("k", 10, FrameSelector{0, 1}).step, std::optional<std::uint64_t>(1));
  // At step 10 frame 3 has returned, so the innermost frame is 2.
  dust::rec::LastWrite innermost = reader.last_write("k", 10, FrameSelector{0, std::nullopt});
  EXPECT_EQ(innermost.frame, 2u);
  EXPECT_EQ(innermost.step, std::optional<std::uint64_t>(4));
  // The parameter n of frame 2 was written by the call in frame 1 at step 3.
  dust::rec::LastWrite n2 = reader.last_write("n", 10, FrameSelector{0, 2});
  EXPECT_EQ(n2.step, std::optional<std::uint64_t>(3));
  EXPECT_EQ(n2.kind, WriteKind::CallBinding);
  EXPECT_EQ(n2.writer_frame, 1u);
  EXPECT_EQ(n2.value, "1");
  // r of frame 2 is written at step 10: nothing wrote it before.
  dust::rec::LastWrite r2 = reader.last_write("r", 10, FrameSelector{0, 2});
  EXPECT_EQ(r2.step, std::nullopt);
  EXPECT_TRUE(r2.error.empty());
  EXPECT_EQ(reader.last_write("r", 11, FrameSelector{0, 2}).step, std::optional<std::uint64_t>(10));
  EXPECT_EQ(reader.last_write("r", 13, FrameSelector{0, 1}).step, std::optional<std::uint64_t>(12));
  // Questions that name nothing say so.
  EXPECT_FALSE(reader.last_write("k", 10, FrameSelector{0, 5}).error.empty());
  EXPECT_FALSE(reader.last_write("x", 10, FrameSelector{0, 2}).error.empty());
  EXPECT_FALSE(reader.last_write("k", 10, FrameSelector{3, std::nullopt}).error.empty());
}

TEST(FrameQueries, OriginFollowsCallsAndReturns) {
  auto r = recorded(recursive_program());
  dust::rec::Origin o = r->reader->origin("x", 15, FrameSelector{0, 0});
  ASSERT_TRUE(o.error.empty()) << o.error;
  EXPECT_TRUE(o.complete) << o.cut;
  ASSERT_FALSE(o.chain.empty());
  EXPECT_EQ(o.chain[0].step, 14u);
  EXPECT_EQ(o.chain[0].value, "30");
  // By hand: x <- count's Return (13) <- k (1) and r (12) of frame 1; k <- n bound
  // by main's call (0); r <- the Return of frame 2 (11) <- its k (4), bound n (3)
  // and r (10) <- the Return of frame 3 (9) <- its k (7) <- its n bound at 6.
  std::set<std::tuple<std::uint64_t, std::uint32_t, LinkKind>> got;
  for (const auto& l : o.chain) got.emplace(l.step, l.frame, l.kind);
  std::set<std::tuple<std::uint64_t, std::uint32_t, LinkKind>> expected{
      {14, 0, LinkKind::Write},  {13, 1, LinkKind::Return}, {1, 1, LinkKind::Write},
      {12, 1, LinkKind::Write},  {0, 1, LinkKind::Parameter}, {11, 2, LinkKind::Return},
      {4, 2, LinkKind::Write},   {10, 2, LinkKind::Write},  {3, 2, LinkKind::Parameter},
      {9, 3, LinkKind::Return},  {7, 3, LinkKind::Write},   {6, 3, LinkKind::Parameter}};
  EXPECT_EQ(got, expected);
  EXPECT_EQ(o.chain.size(), expected.size());
  for (std::size_t i = 1; i < o.chain.size(); ++i) {
    ASSERT_TRUE(o.chain[i].from);
    EXPECT_LT(*o.chain[i].from, i);
    EXPECT_FALSE(o.chain[i].what.empty());
  }
  // Limits cut it, and say so.
  dust::rec::Origin shallow = r->reader->origin("x", 15, FrameSelector{0, 0}, dust::rec::OriginLimits{2, 1000});
  EXPECT_FALSE(shallow.complete);
  EXPECT_NE(shallow.cut.find("depth"), std::string::npos);
  EXPECT_EQ(shallow.chain.size(), 2u);
  dust::rec::Origin few = r->reader->origin("x", 15, FrameSelector{0, 0}, dust::rec::OriginLimits{std::nullopt, 5});
  EXPECT_FALSE(few.complete);
  EXPECT_EQ(few.chain.size(), 5u);
  EXPECT_NE(few.cut.find("5 links"), std::string::npos);
}

// The collatz example: at step 1000 fib is running, and the last write of
// its n is the call that bound it, never collatz_steps' `n = n Div 2`.
TEST(FrameQueries, CollatzLastWriteStaysInFib) {
  auto r = recorded(read_text(example("k_collatz.dir.json")), 0, 16);
  dust::rec::TraceReader& reader = *r->reader;
  dust::Machine at = reader.state_at(1000);
  ASSERT_FALSE(at.threads[0].frames.empty());
  const dust::Program& p = *reader.program();
  ASSERT_EQ(p.procs[at.threads[0].frames.back().proc].name, "fib");
  dust::rec::LastWrite n = reader.last_write("n", 1000, FrameSelector{0, std::nullopt});
  ASSERT_TRUE(n.step);
  EXPECT_EQ(n.proc, "fib");
  EXPECT_EQ(n.kind, WriteKind::CallBinding);
  EXPECT_EQ(n.statement.rfind("collatz_steps", 0), std::string::npos) << n.statement;
  std::vector<dust::StepEvent> e = reader.events(*n.step, *n.step + 1);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, dust::StepKind::CallEnter);
  EXPECT_EQ(e[0].depth + 1, n.frame);
  EXPECT_EQ(p.procs[e[0].proc].name == "fib" || p.procs[e[0].proc].name == "main", true);
}

// Every frame at every step against an oracle that follows the frames of a
// direct run: writes land in the frame they name, and a frame's
// parameters are written by the step that pushed it.
TEST(FrameQueries, LastWriteMatchesAFrameOracle) {
  std::string text = read_text(example("k_collatz.dir.json"));
  auto r = recorded(text, 0, 16);
  DirectRun run = run_direct(text, dust::RunConfig{}, true);
  const dust::Program& p = *r->reader->program();
  struct FrameRecord {
    std::uint64_t pushed = 0;
    std::map<std::uint32_t, std::uint64_t> writes;
  };
  std::vector<FrameRecord> stack(1);
  std::size_t checked = 0;
  for (std::uint64_t k = 0; k < run.events.size(); ++k) {
    const dust::StepEvent& e = run.events[k];
    for (const dust::BindingWrite& w : e.writes) {
      if (w.frame < stack.size()) stack[w.frame].writes[w.slot] = k;
    }
    const auto& frames = run.states[k + 1].threads[0].frames;
    while (stack.size() > frames.size()) stack.pop_back();
    while (stack.size() < frames.size()) stack.push_back(FrameRecord{k, {}});
    if (frames.empty() || k % 7 != 0) continue;
    std::uint32_t depth = static_cast<std::uint32_t>(frames.size() - 1);
    const dust::Proc& proc = p.procs[frames.back().proc];
    for (std::uint32_t slot = 0; slot < proc.slot_count(); ++slot) {
      std::optional<std::uint64_t> expected;
      if (auto it = stack.back().writes.find(slot); it != stack.back().writes.end()) {
        expected = it->second;
      } else if (depth > 0 && std::any_of(proc.params.begin(), proc.params.end(),
                                          [&](const dust::Param& prm) { return prm.slot == slot; })) {
        expected = stack.back().pushed;
      }
      std::string name(proc.slot_names.get(slot));
      dust::rec::LastWrite got = r->reader->last_write(name, k + 1, FrameSelector{0, std::nullopt});
      EXPECT_EQ(got.step, expected) << name << " before " << k + 1 << " in " << proc.name;
      EXPECT_EQ(got.frame, depth);
      ++checked;
    }
  }
  EXPECT_GT(checked, 100u);
}

// worker(a, b) returns (a + b) * 2; main spawns it with x = 3 and 4 and joins it.
std::string thread_program() {
  std::string worker = proc_json("worker", param("a") + "," + param("b"),
                                 R"J({"Let":{"name":"s","expr":"a Add b"}},{"Return":{"expr":"s Mul 2"}})J");
  std::string main = proc_json("main", "", R"J({"Let":{"name":"x","expr":"3"}},
      {"Let":{"name":"t","expr":"spawn(worker, 1, x, 4)"}},{"Let":{"name":"y","expr":"5"}},
      {"Let":{"name":"r","expr":"join(t)"}},{"Return":{"expr":"r Add y"}})J");
  return program_json(worker + "," + main);
}

TEST(FrameQueries, SpawnWritesArgumentsAndJoinCarriesTheReturn) {
  auto r = recorded(thread_program());
  dust::rec::TraceReader& reader = *r->reader;
  std::uint64_t end = reader.info().steps;
  // Thread 1 has finished by the end: it is asked about as it finished.
  dust::rec::LastWrite a_end = reader.last_write("a", end, FrameSelector{1, 0});
  EXPECT_TRUE(a_end.error.empty()) << a_end.error;
  EXPECT_EQ(a_end.step, std::optional<std::uint64_t>(1));
  // Step 0 is x = 3, step 1 the spawn: thread 1's a and b were written there by thread 0.
  dust::rec::LastWrite a_live = reader.last_write("a", 2, FrameSelector{1, 0});
  ASSERT_TRUE(a_live.error.empty()) << a_live.error;
  EXPECT_EQ(a_live.step, std::optional<std::uint64_t>(1));
  EXPECT_EQ(a_live.kind, WriteKind::SpawnBinding);
  EXPECT_EQ(a_live.writer_thread, 0u);
  EXPECT_EQ(a_live.value, "3");
  EXPECT_EQ(reader.last_write("b", 2, FrameSelector{1, 0}).value, "4");
  // r = join(t) = 14 came from worker's Return, from s = 7, from a (the spawn, reading x) and b.
  dust::rec::Origin o = reader.origin("r", end, FrameSelector{0, 0});
  ASSERT_TRUE(o.error.empty()) << o.error;
  EXPECT_TRUE(o.complete) << o.cut;
  ASSERT_FALSE(o.chain.empty());
  EXPECT_EQ(o.chain[0].value, "14");
  std::map<std::string, const dust::rec::OriginLink*> by_name;
  for (const auto& l : o.chain) by_name[l.name + "/" + dust::rec::link_kind_name(l.kind)] = &l;
  ASSERT_TRUE(by_name.count("worker/join"));
  EXPECT_EQ(by_name["worker/join"]->thread, 1u);
  EXPECT_EQ(by_name["worker/join"]->value, "14");
  ASSERT_TRUE(by_name.count("s/write"));
  EXPECT_EQ(by_name["s/write"]->value, "7");
  ASSERT_TRUE(by_name.count("a/spawn-argument"));
  EXPECT_EQ(by_name["a/spawn-argument"]->step, 1u);
  ASSERT_TRUE(by_name.count("x/write"));
  EXPECT_EQ(by_name["x/write"]->step, 0u);
  EXPECT_EQ(by_name["x/write"]->thread, 0u);
}

// p = alloc(8); v = 41; store(p, v + 1); q = p; w = load(q); store(p, 7); return w.
//   steps: 0 alloc, 1 v, 2 store 42, 3 q, 4 load 42, 5 store 7, 6 return
std::string memory_program() {
  return program_json(proc_json("main", "", R"J({"Alloc":{"size":"8","result":"p"}},{"Let":{"name":"v","expr":"41"}},
      {"Store":{"ptr":"p","value":"v Add 1"}},{"Let":{"name":"q","expr":"p"}},{"Load":{"ptr":"q","result":"w"}},
      {"Store":{"ptr":"p","value":"7"}},{"Dealloc":{"ptr":"p"}},{"Return":{"expr":"w"}})J"));
}

TEST(FrameQueries, LoadComesFromTheStoreThroughAPointer) {
  auto r = recorded(memory_program());
  dust::rec::TraceReader& reader = *r->reader;
  // The address the allocation gave p (step 0).
  const dust::Proc& main = reader.program()->procs[static_cast<std::size_t>(reader.program()->find_proc("main"))];
  std::uint32_t p_slot = 0;
  while (p_slot < main.slot_count() && main.slot_names.get(p_slot) != "p") ++p_slot;
  ASSERT_LT(p_slot, main.slot_count());
  std::int64_t p = reader.state_at(1).threads[0].frames[0].slots[p_slot].as_int();
  dust::rec::Origin o = reader.origin("w", 6, FrameSelector{0, 0});
  ASSERT_TRUE(o.complete) << o.cut;
  ASSERT_FALSE(o.chain.empty());
  EXPECT_EQ(o.chain[0].step, 4u);
  EXPECT_EQ(o.chain[0].value, "42");
  const dust::rec::OriginLink* store = nullptr;
  for (const auto& l : o.chain) {
    if (l.kind == LinkKind::Store) store = &l;
  }
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->step, 2u);  // the store before the load, not the later one at step 5
  EXPECT_EQ(store->value, "42");
  EXPECT_EQ(store->name, "mem:" + std::to_string(p));
  EXPECT_EQ(store->reads, (std::vector<std::string>{"p", "v"}));
  // The store's value came from v (step 1); its pointer from the allocation (step 0).
  std::set<std::uint64_t> steps;
  for (const auto& l : o.chain) steps.insert(l.step);
  EXPECT_EQ(steps, (std::set<std::uint64_t>{0, 1, 2, 3, 4}));
  // Memory cells by name, and their history.
  EXPECT_EQ(reader.last_write("mem:" + std::to_string(p), 6, {}).step, std::optional<std::uint64_t>(5));
  EXPECT_EQ(reader.last_write("mem:" + std::to_string(p + 3), 5, {}).step, std::optional<std::uint64_t>(2));
  // An address past int64 names no cell (strtoll saturated it onto the last
  // address, which was then answered for as "no write").
  EXPECT_FALSE(reader.last_write("mem:99999999999999999999", 6, {}).error.empty());
  dust::rec::MemoryHistory h = reader.memory_accesses(p, p + 8, 0, reader.info().steps);
  ASSERT_EQ(h.accesses.size(), 3u);
  EXPECT_EQ(h.accesses[0].step, 2u);
  EXPECT_TRUE(h.accesses[0].write);
  EXPECT_EQ(h.accesses[0].value, 42);
  EXPECT_EQ(h.accesses[1].step, 4u);
  EXPECT_FALSE(h.accesses[1].write);
  EXPECT_EQ(h.accesses[2].value, 7);
  EXPECT_TRUE(h.races.empty());
  EXPECT_EQ(reader.memory_accesses(p, p + 8, 3, 5).accesses.size(), 1u);
  EXPECT_TRUE(reader.memory_accesses(p + 8, p + 16, 0, reader.info().steps).accesses.empty());
}

TEST(FrameQueries, RacyCounterIsFlaggedMutexCounterIsNot) {
  for (std::uint64_t seed : {0u, 3u, 17u}) {
    auto racy = recorded(read_text(example("racy_counter.dir.json")), seed, 16);
    std::vector<dust::rec::DataRace> races = racy->reader->data_races().races;
    ASSERT_FALSE(races.empty()) << "seed " << seed;
    for (const dust::rec::DataRace& race : races) {
      EXPECT_NE(race.first.thread, race.second.thread);
      EXPECT_TRUE(race.first.write || race.second.write);
      EXPECT_NE(race.first.thread, 0u);  // main's accesses are ordered by spawn and join
      EXPECT_NE(race.second.thread, 0u);
      EXPECT_LT(race.first.step, race.second.step);
    }
    // The origin of total reaches the stores that wrote it, not only the allocation.
    dust::rec::Origin total = racy->reader->origin("total", racy->reader->info().steps - 1, FrameSelector{0, 0});
    EXPECT_TRUE(std::any_of(total.chain.begin(), total.chain.end(),
                            [](const dust::rec::OriginLink& l) { return l.kind == LinkKind::Store && l.thread != 0; }));

    auto locked = recorded(read_text(example("mutex_counter.dir.json")), seed, 16);
    EXPECT_TRUE(locked->reader->data_races().races.empty()) << "seed " << seed;
  }
}

// The race check numbers threads as they appear and follows at most 1,024
// (its clocks grow with the square of the threads): a run of 1,031 threads
// storing to one word gets the races among the first ones and an error
// saying why the rest were not checked, not a check sized by the largest
// thread id a (possibly forged) trace names.
TEST(FrameQueries, RaceCheckFollowsAtMostAThousandThreadsAndSaysSo) {
  std::string worker = proc_json("worker", param("counter"), R"J({"Store":{"ptr":"counter","value":"1"}},
      {"Return":{"expr":"0"}})J");
  std::string main = proc_json("main", "", R"J({"Alloc":{"size":"8","result":"counter"}},
      {"For":{"var":"i","start":"0","end":"1030","body":[{"Let":{"name":"t","expr":"spawn(worker, i Add 1, counter)"}}]}},
      {"Return":{"expr":"0"}})J");
  auto many = recorded(program_json(worker + "," + main), 3, 64);
  ASSERT_EQ(many->reader->info().threads, 1031u);
  const std::string limit = "the race check follows at most 1024 threads";
  dust::rec::RaceReport report = many->reader->data_races();
  EXPECT_FALSE(report.races.empty()) << "the threads the check followed do race";
  EXPECT_NE(report.stopped.find(limit), std::string::npos) << report.stopped;
  EXPECT_EQ(many->reader->last_error(), report.stopped);
  // The memory history of the counter (the first heap block) stops there too, and says so.
  auto fresh = open_trace(many->dir / "run.dtrace");
  dust::rec::MemoryHistory h = fresh->memory_accesses(16777216, 16777224, 0, fresh->info().steps);
  EXPECT_FALSE(h.accesses.empty());
  EXPECT_FALSE(h.races.empty());
  EXPECT_NE(h.stopped.find(limit), std::string::npos) << h.stopped;
  EXPECT_EQ(fresh->last_error(), h.stopped);
  // Each answer says so itself, whatever the reader's last error already
  // held: asked again, with that error left by the first query, both still
  // tell that they stopped (a caller comparing last_error before and after
  // would see no change).
  EXPECT_EQ(fresh->memory_accesses(16777216, 16777224, 0, fresh->info().steps).stopped, h.stopped);
  EXPECT_NE(fresh->data_races().stopped.find(limit), std::string::npos);
  EXPECT_NE(fresh->data_races().stopped.find(limit), std::string::npos) << "a stopped check is not kept as whole";
  // A range the check covers in full did not stop. The JSON answer names
  // a stop only where there was one.
  dust::rec::MemoryHistory whole = fresh->memory_accesses(16777216, 16777224, 0, 3);
  EXPECT_EQ(whole.stopped, "");
  EXPECT_FALSE(nlohmann::json::parse(dust::rec::memory_history_json(whole)).contains("stopped"));
  EXPECT_EQ(nlohmann::json::parse(dust::rec::memory_history_json(h))["stopped"], h.stopped);
}

// tens(n) counts to 6, then returns n Mul 10: fifteen steps a call, so with
// blocks of 4 steps the `callees` calls in main's one statement return
// across many blocks.
std::string many_callees_program(int callees) {
  std::string tens = proc_json("tens", param("n"), R"J({"Let":{"name":"j","expr":"0"}},
      {"While":{"condition":"j Lt 6","body":[{"Assign":{"target":"j","expr":"j Add 1"}}]}},
      {"Return":{"expr":"n Mul 10"}})J");
  std::string sum = "tens(1)";
  for (int n = 2; n <= callees; ++n) sum += " Add tens(" + std::to_string(n) + ")";
  std::string main = proc_json("main", "", R"J({"Let":{"name":"x","expr":")J" + sum + R"J("}},{"Return":{"expr":"x"}})J");
  return program_json(tens + "," + main);
}

// The value of one statement that calls a proc forty times comes from
// forty Returns, recorded over many blocks: the origin lists each of them,
// in the order they ran, right after the write they fed.
TEST(FrameQueries, OriginListsEveryCalleesReturnInOrderAcrossBlocks) {
  constexpr int kCallees = 40;
  const std::string text = many_callees_program(kCallees);
  auto r = recorded(text, 0, 4);
  std::vector<std::uint64_t> return_steps;
  for (const dust::StepEvent& e : run_direct(text, seeded(0), false).events) {
    if (e.kind == dust::StepKind::Return && e.depth == 1) return_steps.push_back(e.index);
  }
  ASSERT_EQ(return_steps.size(), static_cast<std::size_t>(kCallees));
  ASSERT_GT(r->reader->info().blocks, 100u);
  dust::rec::Origin o = r->reader->origin("x", r->reader->info().steps - 1, FrameSelector{0, 0});
  ASSERT_TRUE(o.error.empty()) << o.error;
  ASSERT_GT(o.chain.size(), static_cast<std::size_t>(kCallees));
  EXPECT_EQ(o.chain[0].kind, LinkKind::Write);
  for (int n = 1; n <= kCallees; ++n) {
    const dust::rec::OriginLink& link = o.chain[static_cast<std::size_t>(n)];
    EXPECT_EQ(link.kind, LinkKind::Return) << "link " << n;
    EXPECT_EQ(link.step, return_steps[static_cast<std::size_t>(n - 1)]) << "link " << n;
    EXPECT_EQ(link.value, std::to_string(n * 10)) << "link " << n;
  }
}

TEST(FrameQueries, JsonSchema) {
  auto r = recorded(recursive_program());
  auto lw = nlohmann::json::parse(dust::rec::last_write_json(r->reader->last_write("k", 10, FrameSelector{0, 2})));
  EXPECT_EQ(lw["query"], "last-write");
  EXPECT_EQ(lw["step"], 4);
  EXPECT_EQ(lw["thread"], 0);
  EXPECT_EQ(lw["frame"], 2);
  EXPECT_EQ(lw["value"], "10");
  auto none = nlohmann::json::parse(dust::rec::last_write_json(r->reader->last_write("r", 10, FrameSelector{0, 2})));
  EXPECT_TRUE(none["step"].is_null());
  auto o = nlohmann::json::parse(dust::rec::origin_json(r->reader->origin("x", 15, FrameSelector{0, 0})));
  EXPECT_EQ(o["query"], "origin");
  EXPECT_EQ(o["complete"], true);
  ASSERT_EQ(o["chain"].size(), 12u);
  for (const auto& link : o["chain"]) {
    for (const char* key : {"step", "thread", "frame", "what"}) EXPECT_TRUE(link.contains(key)) << key;
  }
  auto cut = nlohmann::json::parse(
      dust::rec::origin_json(r->reader->origin("x", 15, FrameSelector{0, 0}, dust::rec::OriginLimits{std::nullopt, 3})));
  EXPECT_EQ(cut["complete"], false);
  EXPECT_TRUE(cut["cut"].is_string());
}

// A value that is not UTF-8 is written with the project's escape.
TEST(FrameQueries, JsonEscapesBytesThatAreNotUtf8) {
  std::string text = program_json(proc_json("main", "", R"J({"Alloc":{"size":"4","result":"b"}},
      {"Call":{"target":"store8","args":["b","255"],"result":null}},
      {"Let":{"name":"s","expr":"mem_read_str(b, 1)"}},{"Dealloc":{"ptr":"b"}},{"Return":{"expr":"0"}})J"));
  auto r = recorded(text);
  dust::rec::LastWrite s = r->reader->last_write("s", r->reader->info().steps - 1, FrameSelector{0, 0});
  ASSERT_TRUE(s.step);
  auto j = nlohmann::json::parse(dust::rec::last_write_json(s));
  ASSERT_TRUE(j["value"].is_object()) << j.dump();
  // The String "\xff": its quotes and the byte, one character per byte.
  EXPECT_EQ(j["value"]["bytes"].get<std::string>(), "\"\u00ff\"") << j.dump();
}

}  // namespace

namespace {

// A version 1 trace has no least_call_depth in its summaries: frame-exact
// queries still answer, reading every block the thread ran in.
TEST(FrameQueries, VersionOneTracesAnswerToo) {
  auto reader = open_trace(fs::path(DUST_SOURCE_DIR) / "traces/v1/mutex_counter.dtrace");
  ASSERT_TRUE(reader);
  ASSERT_EQ(reader->info().format_version, 1u);
  // Thread 1's counter parameter was written by main's spawn of it.
  dust::rec::LastWrite w = reader->last_write("counter", reader->info().steps, FrameSelector{1, 0});
  ASSERT_TRUE(w.error.empty()) << w.error;
  ASSERT_TRUE(w.step);
  EXPECT_EQ(w.kind, WriteKind::SpawnBinding);
  EXPECT_EQ(w.writer_thread, 0u);
  EXPECT_TRUE(reader->data_races().races.empty());
}

}  // namespace

namespace {

// q_token_handoff: token = q_alloc (step 0), held = q_move(token) (step 1).
TEST(FrameQueries, QResourceOriginIsItsMovesAndAllocation) {
  auto r = recorded(read_text(example("q_token_handoff.dir.json")));
  dust::rec::Origin o = r->reader->origin("held", 3, FrameSelector{0, 0});
  ASSERT_TRUE(o.error.empty()) << o.error;
  EXPECT_TRUE(o.complete);
  ASSERT_EQ(o.chain.size(), 2u);
  EXPECT_EQ(o.chain[0].kind, LinkKind::QMove);
  EXPECT_EQ(o.chain[0].step, 1u);
  EXPECT_EQ(o.chain[0].reads, std::vector<std::string>{"token"});
  EXPECT_EQ(o.chain[1].kind, LinkKind::QAlloc);
  EXPECT_EQ(o.chain[1].step, 0u);
  EXPECT_EQ(o.chain[1].name, "token");
}

}  // namespace

namespace {

// A watch by name (every_frame) takes a write of the name by any frame of
// the thread: in the recursive program, k's last write before step 10 is
// frame 3's (step 7), where frame 2 alone answers step 4.
TEST(FrameQueries, EveryFrameWatchesTheNameInAnyFrame) {
  auto r = recorded(recursive_program());
  dust::rec::FrameSelector watch{0, std::nullopt, true};
  dust::rec::LastWrite k = r->reader->last_write("k", 10, watch);
  EXPECT_EQ(k.step, std::optional<std::uint64_t>(7));
  EXPECT_EQ(k.frame, 3u);
  EXPECT_EQ(k.value, "0");
  EXPECT_EQ(r->reader->last_write("k", 7, watch).step, std::optional<std::uint64_t>(4));
  // Parameters bound by calls are not writes of a watch: n was never assigned.
  EXPECT_EQ(r->reader->last_write("n", 10, watch).step, std::nullopt);
  EXPECT_EQ(r->reader->last_write("x", 16, watch).step, std::optional<std::uint64_t>(14));
}

}  // namespace
