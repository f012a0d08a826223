// lane_threads_test.cpp — the simple-step lane with the K library: call
// statements (memory, sync, threading intrinsics) and thread switches run
// in the lane exactly as step() runs them. Every example program and a set
// of threaded programs that block, wake, fail and deadlock in every way are
// compared step by step with step() alone across 200 scheduler seeds
// (tests/core/lane_comparison.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <tuple>

#include "../core/lane_comparison.hpp"
#include "dustlib_k/dustlib_k.hpp"
#include "k_harness.hpp"
#include "sanitizer_share.hpp"

namespace {

namespace fs = std::filesystem;
using k_test::call;
using k_test::Json;
using k_test::read_text;

// 200 seeds; 40 in the sanitizer pass, which still compares every program
// (support/sanitizer_share.hpp).
constexpr std::uint64_t kSeeds = dust_test::full_or_sanitizer_share<std::uint64_t>(200, 40);

// Compares the program at every seed (the first `seeds`); returns the
// plain runs' lane steps.
std::uint64_t compare_seeds(const std::string& text, const std::string& what, std::uint64_t seeds = kSeeds) {
  std::uint64_t lane_steps = 0;
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    std::uint64_t lane = 0;
    dust_test::compare_lane(text, dust::k::standard_intrinsics(), what + ", seed " + std::to_string(seed), 200'000,
                            seed, &lane);
    lane_steps += lane;
    if (::testing::Test::HasFailure()) break;
  }
  return lane_steps;
}

// A K proc whose parameters and result are K[Int].
Json int_proc(const std::string& name, std::vector<std::string> params, Json body) {
  Json ps = Json::array();
  for (const std::string& p : params) ps.push_back({{"name", p}, {"ty", "K[Int]"}});
  return {{"regime", "K"}, {"name", name}, {"params", ps}, {"uses", Json::array()}, {"ret", "K[Int]"},
          {"qualifiers", Json::array()}, {"body", std::move(body)}, {"locals", Json::array()}};
}

std::string program_of(std::vector<Json> procs) {
  Json forge = {{"name", "T"}, {"shapes", Json::array()}, {"procs", procs}, {"binds", Json::array()}};
  return Json{{"forges", Json::array({forge})}, {"types", Json::array()}}.dump();
}

TEST(LaneThreads, EveryExampleAtEverySeed) {
  int compared = 0;
  for (const char* folder : {"assets/examples", "assets/demo"}) {
    const fs::path dir = fs::path(DUST_SOURCE_DIR) / folder;
    ASSERT_TRUE(fs::is_directory(dir)) << "missing " << dir;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      compare_seeds(read_text(file), file.string());
      ++compared;
      if (HasFailure()) return;
    }
  }
  EXPECT_GT(compared, 10);
}

// The benchmark's shape (scripts/bench/gen_mutex_counter.py), small: four
// workers contend for one lock around a load and a store.
TEST(LaneThreads, ContendedCounterRunsInTheLane) {
  Json worker = int_proc("worker", {"counter", "m", "rounds"},
                         {k_test::for_("i", "0", "rounds",
                                       {call("mutex_lock", {"m"}), k_test::load("counter", "v"),
                                        k_test::store("counter", "v Add 1"), call("mutex_unlock", {"m"})}),
                          k_test::ret("0")});
  Json body = {k_test::alloc("8", "counter"), k_test::let("m", "mutex_new()")};
  for (int i = 0; i < 4; ++i) {
    body.push_back(k_test::let("t" + std::to_string(i), "spawn(worker, " + std::to_string(i + 1) + ", counter, m, 12)"));
  }
  for (int i = 0; i < 4; ++i) body.push_back(call("join", {"t" + std::to_string(i)}));
  body.push_back(k_test::load("counter", "total"));
  body.push_back(k_test::dealloc("counter"));
  body.push_back(k_test::ret("total"));
  const std::uint64_t lane = compare_seeds(program_of({worker, int_proc("main", {}, body)}), "contended counter");
  EXPECT_GT(lane, kSeeds * 200) << "most of each run's steps, lock, load, store and unlock included, take the lane";

  // The same rounds as calls on one thread (--single).
  Json single = {k_test::alloc("8", "counter"), k_test::let("m", "mutex_new()")};
  for (int i = 0; i < 3; ++i) single.push_back(call("worker", {"counter", "m", "10"}));
  single.push_back(k_test::ret("0"));
  EXPECT_GT(compare_seeds(program_of({worker, int_proc("main", {}, single)}), "one thread"), kSeeds * 100);
}

// Many workers: the lane's picks keep up to 64 threads as a set of bits,
// eight to a byte, and more as a list (lane.hpp, Picker), so 12 workers
// pick across two bytes and 70 take the list. Each contends for the lock
// twice, so threads block and wake all through the run. The longer run of
// 70 is compared at a fifth of the seeds.
TEST(LaneThreads, ManyThreadsPickAsStepDoes) {
  Json worker = int_proc("worker", {"counter", "m"},
                         {k_test::for_("i", "0", "2",
                                       {call("mutex_lock", {"m"}), k_test::load("counter", "v"),
                                        k_test::store("counter", "v Add 1"), call("mutex_unlock", {"m"})}),
                          k_test::ret("0")});
  for (int workers : {12, 70}) {
    Json body = {k_test::alloc("8", "counter"), k_test::let("m", "mutex_new()")};
    for (int i = 0; i < workers; ++i) {
      body.push_back(k_test::let("t" + std::to_string(i), "spawn(worker, " + std::to_string(i + 1) + ", counter, m)"));
    }
    for (int i = 0; i < workers; ++i) body.push_back(call("join", {"t" + std::to_string(i)}));
    body.push_back(k_test::load("counter", "total"));
    body.push_back(k_test::ret("total"));
    const std::uint64_t seeds = workers > 64 ? kSeeds / 5 : kSeeds;
    const std::uint64_t lane =
        compare_seeds(program_of({worker, int_proc("main", {}, body)}), std::to_string(workers) + " workers", seeds);
    EXPECT_GT(lane, seeds * static_cast<std::uint64_t>(workers) * 8) << workers << " workers: most steps take the lane";
  }
}

// Calls the lane must leave to step(), each in a thread beside others:
// errors (a mutex not held, one held twice, out of bounds, use after free,
// double free, a bad join), a lock and a join that would deadlock, sleep,
// try_lock, yield, a call whose result feeds more arithmetic, and calls in
// Let expressions.
TEST(LaneThreads, CallsTheLaneLeavesToStep) {
  const std::vector<std::pair<std::string, Json>> cases = {
      {"unlock not held", call("mutex_unlock", {"m"})},
      {"lock twice", Json::array({call("mutex_lock", {"m"}), call("mutex_lock", {"m"})})},
      {"out of bounds", k_test::load("p Add 8", "x")},
      {"store out of bounds", k_test::store("p Add 16", "1")},
      {"use after free", Json::array({k_test::dealloc("p"), k_test::load("p", "x")})},
      {"double free", Json::array({k_test::dealloc("p"), k_test::dealloc("p")})},
      {"join self", call("join", {"0"})},
      {"join unknown", call("join", {"99"})},
      {"sleep", call("sleep", {"3"})},
      {"try_lock", k_test::let("ok", "mutex_try_lock(m)")},
      {"yield", call("yield", {})},
      {"arithmetic after the call", k_test::let("x", "load(p) Add 1")},
      {"nested calls", k_test::let("x", "load(load(p) Add p)")},
      {"lock held forever", call("mutex_lock", {"m"})},
  };
  for (const auto& [what, extra] : cases) {
    Json tail = extra.is_array() ? extra : Json::array({extra});
    Json worker_body = {k_test::for_("i", "0", "3",
                                     {call("mutex_lock", {"m"}), k_test::load("p", "v"), k_test::store("p", "v Add 1"),
                                      call("mutex_unlock", {"m"}), call("yield", {})})};
    for (const Json& s : tail) worker_body.push_back(s);
    worker_body.push_back(k_test::ret("0"));
    Json worker = int_proc("worker", {"p", "m"}, worker_body);
    Json body = {k_test::alloc("8", "p"), k_test::let("m", "mutex_new()"),
                 k_test::let("a", "spawn(worker, 1, p, m)"), k_test::let("b", "spawn(worker, 2, p, m)"),
                 call("join", {"a"}), call("join", {"b"}), k_test::let("r", "load(p)"), k_test::ret("r")};
    compare_seeds(program_of({worker, int_proc("main", {}, body)}), what);
    if (HasFailure()) return;
  }
}

// Loads and stores in the lane find their block through a cache of the
// last one found (IntrinsicContext::last_block); step() looks every block
// up. Threads here touch two blocks in turn, then each case reaches
// through the cached block to a freed one, its padding, the next block,
// an empty block or a block realloc moved: a cache that answered with a
// freed or a wrong block would read other bytes or miss an error, and the
// runs would part from step()'s.
TEST(LaneThreads, HeapCacheAnswersOnlyForTheBlockItHolds) {
  const std::vector<std::pair<std::string, Json>> cases = {
      {"load after free", Json::array({k_test::load("p", "x"), k_test::dealloc("p"), k_test::load("p", "y")})},
      {"store after free", Json::array({k_test::load("p Add 8", "x"), k_test::dealloc("p"), k_test::store("p Add 8", "1")})},
      {"the next block through the last", Json::array({k_test::load("p Add 16", "x"), k_test::load("p Add 32", "y"),
                                                       k_test::store("q", "y Add 1"), k_test::load("q", "z")})},
      {"padding after the last", Json::array({k_test::load("p Add 16", "x"), k_test::load("p Add 24", "y")})},
      {"a word across the end", Json::array({k_test::load("p", "x"), k_test::store("p Add 20", "1")})},
      {"an empty block", Json::array({k_test::let("z", "alloc(0)"), k_test::load("p", "x"), k_test::store("z", "1")})},
      {"realloc moves the block", Json::array({k_test::store("p", "5"), k_test::let("r", "realloc(p, 40)"),
                                               k_test::load("r", "x"), k_test::store("r Add 32", "x"),
                                               k_test::load("p", "y")})},
  };
  for (const auto& [what, extra] : cases) {
    Json worker_body = {k_test::for_("i", "0", "3",
                                     {call("mutex_lock", {"m"}), k_test::load("p", "v"), k_test::store("q", "v Add 1"),
                                      k_test::load("q", "w"), k_test::store("p Add 16", "w Add i"),
                                      call("mutex_unlock", {"m"})})};
    for (const Json& s : extra) worker_body.push_back(s);
    worker_body.push_back(k_test::ret("0"));
    Json worker = int_proc("worker", {"p", "q", "m"}, worker_body);
    Json body = {k_test::alloc("24", "p"), k_test::alloc("8", "q"), k_test::let("m", "mutex_new()"),
                 k_test::let("a", "spawn(worker, 1, p, q, m)"), k_test::let("b", "spawn(worker, 2, p, q, m)"),
                 call("join", {"a"}), call("join", {"b"}), k_test::let("r", "load(q)"), k_test::ret("r")};
    compare_seeds(program_of({worker, int_proc("main", {}, body)}), what);
    if (HasFailure()) return;
  }
}

// The lane keeps step()'s other rules: a call that takes the memory budget
// past its limit fails at the same step with the same error, in any thread;
// the step limit stops both at the same step; and under a schedule token
// the picks are the token's.
// Call arguments of every short form the lane evaluates without its
// general loop (a name, a number, a constant, one operator on a slot,
// immediate or constant), with values it must copy and values it must
// leave to step(): Ints, Bools, strings, and operators that overflow (on
// a constant, and on an immediate, which the quick call adds itself).
// Each runs in threads that switch after every step.
TEST(LaneThreads, ShortCallArgumentsOfEveryForm) {
  // Whether the rounds complete (the others fail in the first one).
  const std::vector<std::tuple<std::string, Json, bool>> cases = {
      {"a name", k_test::store("p", "v"), true},
      {"a number", k_test::store("p", "7"), true},
      {"a large constant", k_test::store("p", "99999999999"), true},
      {"a name plus a large constant", k_test::store("p", "v Add 99999999999"), true},
      {"a name minus a slot", k_test::store("p", "v Sub i"), true},
      {"an address plus an immediate", k_test::load("p Add 0", "x"), true},
      {"a Bool name", Json::array({k_test::let("ok", "v Lt 3"), k_test::store("p", "ok")}), false},
      {"a comparison", k_test::store("p", "v Lt 3"), false},
      {"a string constant", k_test::store("p", "\"x\""), false},
      {"an overflowing operator", k_test::store("p", "v Add 9223372036854775807"), false},
      {"a name plus an immediate", k_test::store("p", "v Add 1"), true},
      {"a Bool name plus an immediate", Json::array({k_test::let("ok", "v Lt 3"), k_test::store("p", "ok Add 1")}),
       false},
      {"the largest Int plus an immediate",
       Json::array({k_test::let("big", "9223372036854775807"), k_test::store("p", "big Add 1")}), false},
      {"a Bool mutex", Json::array({k_test::let("ok", "v Lt 3"), call("mutex_lock", {"ok"})}), false},
  };
  for (const auto& [what, extra, completes] : cases) {
    Json tail = extra.is_array() ? extra : Json::array({extra});
    Json round = {call("mutex_lock", {"m"}), k_test::load("p", "v")};
    for (const Json& s : tail) round.push_back(s);
    round.push_back(call("mutex_unlock", {"m"}));
    Json worker = int_proc("worker", {"p", "m"}, {k_test::for_("i", "0", "4", round), k_test::ret("0")});
    Json body = {k_test::alloc("8", "p"), k_test::let("m", "mutex_new()"),
                 k_test::let("a", "spawn(worker, 1, p, m)"), k_test::let("b", "spawn(worker, 2, p, m)"),
                 k_test::let("c", "spawn(worker, 3, p, m)"), call("join", {"a"}), call("join", {"b"}),
                 call("join", {"c"}), k_test::let("r", "load(p)"), k_test::ret("r")};
    const std::uint64_t lane = compare_seeds(program_of({worker, int_proc("main", {}, body)}), what);
    if (HasFailure()) return;
    // Rounds that complete take the lane, their calls included.
    if (completes) {
      EXPECT_GT(lane, kSeeds * 40) << what;
    }
  }
}

TEST(LaneThreads, BudgetStepLimitAndScheduleTokensAreStepsOwn) {
  const std::string hoarders = program_of(
      {int_proc("hoard", {"n"},
                {k_test::let("i", "0"),
                 k_test::while_("i Lt n", {k_test::let("p", "alloc(64)"), k_test::let("m", "mutex_new()"),
                                           k_test::assign("i", "i Add 1")}),
                 k_test::ret("i")}),
       int_proc("main", {},
                {k_test::let("a", "spawn(\"hoard\", 0, 100000)"), k_test::let("b", "spawn(\"hoard\", 0, 100000)"),
                 call("join", {"a"}), call("join", {"b"}), k_test::ret("1")})});
  dust::RunConfig budget;
  budget.max_memory = 200'000;
  ASSERT_TRUE(dust::load_dir_text(hoarders).ok());
  for (std::uint64_t seed : {0u, 7u, 13u}) {
    std::uint64_t in_lane = 0;
    dust_test::compare_lane(hoarders, dust::k::standard_intrinsics(), "budget, seed " + std::to_string(seed), 200'000,
                            seed, &in_lane, budget);
    EXPECT_GT(in_lane, 1000u) << "the hoarders' calls ran in the lane";
  }
  dust::RunConfig step_limit;
  step_limit.max_steps = 5'000;
  for (std::uint64_t seed : {0u, 7u}) {
    dust_test::compare_lane(hoarders, dust::k::standard_intrinsics(), "step limit, seed " + std::to_string(seed),
                            200'000, seed, nullptr, step_limit);
  }
  const std::string racy = read_text(fs::path(DUST_SOURCE_DIR) / "assets/examples/racy_counter.dir.json");
  for (const char* token : {"S", "S3B.gC.gD", "S1B.1C.1D.1B.1C"}) {
    dust::RunConfig scheduled;
    std::string why;
    scheduled.schedule = dust::ScheduleToken::parse(token, why);
    ASSERT_TRUE(scheduled.schedule) << why;
    dust_test::compare_lane(racy, dust::k::standard_intrinsics(), std::string("token ") + token, 200'000, 0, nullptr,
                            scheduled);
  }
}

}  // namespace
