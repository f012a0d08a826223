// explore_test.cpp — `dustrun explore --exhaustive | --pct | --shrink |
// --shard` and `explore-merge`. The exhaustive outcome sets are compared
// with sets this test computes on its own, by brute force over an abstract
// model of each program (every interleaving of its shared operations), so
// the explorer is checked against something that shares none of its code.
#include <nlohmann/json.hpp>
#include <array>
#include <functional>
#include <set>
#include <map>

#include "process_runner.hpp"
#include "recorder_harness.hpp"
#include "sanitizer_share.hpp"

using namespace rec_test;
using Json = nlohmann::json;

namespace {

dust_test::ProcessResult dustrun(const std::vector<std::string>& args) {
  return dust_test::run_process(DUSTRUN_PATH, args);
}

Json proc(const std::string& name, const std::vector<std::pair<std::string, std::string>>& params, Json body) {
  Json ps = Json::array();
  for (const auto& [n, ty] : params) ps.push_back({{"name", n}, {"ty", ty}});
  return {{"regime", "K"}, {"name", name}, {"params", ps}, {"uses", Json::array()}, {"ret", nullptr},
          {"qualifiers", Json::array()}, {"body", std::move(body)}, {"locals", Json::array()}};
}

std::string program(std::vector<Json> procs) {
  Json forge = {{"name", "T"}, {"shapes", Json::array()}, {"procs", procs}, {"binds", Json::array()}};
  return Json{{"forges", {forge}}, {"types", Json::array()}}.dump();
}

Json let(const std::string& n, const std::string& e) { return {{"Let", {{"name", n}, {"expr", e}}}}; }
Json load(const std::string& ptr, const std::string& r) { return {{"Load", {{"ptr", ptr}, {"result", r}}}}; }
Json store(const std::string& ptr, const std::string& v) { return {{"Store", {{"ptr", ptr}, {"value", v}}}}; }
Json call(const std::string& t, std::vector<std::string> args, Json result = nullptr) {
  return {{"Call", {{"target", t}, {"args", args}, {"result", result}}}};
}
Json for_(const std::string& v, const std::string& a, const std::string& b, Json body) {
  return {{"For", {{"var", v}, {"start", a}, {"end", b}, {"body", std::move(body)}}}};
}
Json ret(const std::string& e) { return {{"Return", {{"expr", e}}}}; }

// n threads each add 1 to a shared counter k times, without a lock.
std::string racy_counter(int n, int k) {
  Json worker = proc("worker", {{"c", "K[Int]"}, {"rounds", "K[Int]"}},
                     {for_("i", "0", "rounds", {load("c", "v"), store("c", "v Add 1")}), ret("0")});
  Json body = Json::array({{{"Alloc", {{"size", "8"}, {"result", "c"}}}}});
  for (int t = 1; t <= n; ++t) body.push_back(let("t" + std::to_string(t), "spawn(worker, " + std::to_string(t) + ", c, " + std::to_string(k) + ")"));
  for (int t = 1; t <= n; ++t) body.push_back(call("join", {"t" + std::to_string(t)}));
  body.push_back(load("c", "total"));
  body.push_back(ret("total"));
  return program({worker, proc("main", {}, body)});
}

// The brute force: each thread loads then stores load+1, k times; every
// interleaving of those 2nk operations, with memo on (positions, loaded
// values, counter).
std::set<std::int64_t> racy_finals(int n, int k) {
  std::set<std::int64_t> finals;
  std::set<std::vector<int>> seen;
  std::vector<std::vector<int>> todo{std::vector<int>(2 * n + 1, 0)};  // pos_i, v_i, counter
  while (!todo.empty()) {
    std::vector<int> s = todo.back();
    todo.pop_back();
    if (!seen.insert(s).second) continue;
    bool any = false;
    for (int t = 0; t < n; ++t) {
      int& pos = s[2 * t];
      if (pos == 2 * k) continue;
      any = true;
      std::vector<int> next = s;
      if (pos % 2 == 0) {
        next[2 * t + 1] = s[2 * n];
      } else {
        next[2 * n] = s[2 * t + 1] + 1;
      }
      ++next[2 * t];
      todo.push_back(next);
    }
    if (!any) finals.insert(s[2 * n]);
  }
  return finals;
}

// Three philosophers, each taking its left fork, then its right.
std::string philosophers() {
  Json phil = proc("phil", {{"left", "K[Int]"}, {"right", "K[Int]"}},
                   {call("mutex_lock", {"left"}), call("mutex_lock", {"right"}), call("mutex_unlock", {"right"}),
                    call("mutex_unlock", {"left"}), ret("0")});
  Json body = Json::array({let("f0", "mutex_new()"), let("f1", "mutex_new()"), let("f2", "mutex_new()"),
                           let("p0", "spawn(phil, 1, f0, f1)"), let("p1", "spawn(phil, 2, f1, f2)"),
                           let("p2", "spawn(phil, 3, f2, f0)"), call("join", {"p0"}), call("join", {"p1"}),
                           call("join", {"p2"}), ret("1")});
  return program({phil, proc("main", {}, body)});
}

// The brute force: 3 threads of lock(l), lock(r), unlock(r), unlock(l);
// "deadlock" when some thread is stuck and none can move.
std::set<std::string> philosopher_finals() {
  std::set<std::string> finals;
  std::set<std::vector<int>> seen;
  std::vector<std::vector<int>> todo{{0, 0, 0, -1, -1, -1}};  // positions, fork owners
  while (!todo.empty()) {
    std::vector<int> s = todo.back();
    todo.pop_back();
    if (!seen.insert(s).second) continue;
    bool moved = false, all_done = true;
    for (int t = 0; t < 3; ++t) {
      int pos = s[t], left = t, right = (t + 1) % 3;
      if (pos == 4) continue;
      all_done = false;
      std::vector<int> next = s;
      if (pos == 0 || pos == 1) {
        int fork = pos == 0 ? left : right;
        if (s[3 + fork] != -1) continue;
        next[3 + fork] = t;
      } else {
        next[3 + (pos == 2 ? right : left)] = -1;
      }
      ++next[t];
      moved = true;
      todo.push_back(next);
    }
    if (all_done) finals.insert("return");
    else if (!moved) finals.insert("deadlock");
  }
  return finals;
}

// A writer stores 1..writes into a cell; a reader loads it twice and fails
// (divides by zero) only when exactly ten writes fall between its loads.
std::string narrow_reader(int writes) {
  Json writer = proc("writer", {{"c", "K[Int]"}, {"n", "K[Int]"}}, {for_("i", "0", "n", {store("c", "i Add 1")}), ret("0")});
  Json reader = proc("reader", {{"c", "K[Int]"}}, {load("c", "a"), load("c", "b"), ret("100 Div (b Sub a Sub 10)")});
  Json body = Json::array({{{"Alloc", {{"size", "8"}, {"result", "c"}}}},
                           store("c", "0"),
                           let("w", "spawn(writer, 1, c, " + std::to_string(writes) + ")"),
                           let("r", "spawn(reader, 2, c)"),
                           call("join", {"w"}),
                           call("join", {"r"}, "x"),
                           ret("x")});
  return program({writer, reader, proc("main", {}, body)});
}

// The brute force: the reader's loads see a <= b writes; results by b - a.
std::set<std::string> reader_finals(int writes) {
  std::set<std::string> finals;
  for (int a = 0; a <= writes; ++a)
    for (int b = a; b <= writes; ++b) {
      long d = b - a - 10;
      finals.insert(d == 0 ? "error" : std::to_string(100 / d));
    }
  return finals;
}

// n threads each store to a cell of their own k times, then main adds
// the cells up: nothing is shared, so every interleaving gives n * k.
std::string disjoint_workers(int n, int k) {
  Json worker = proc("worker", {{"c", "K[Int]"}, {"rounds", "K[Int]"}},
                     {for_("i", "0", "rounds", {load("c", "v"), store("c", "v Add 1")}), ret("0")});
  Json body = Json::array();
  for (int t = 1; t <= n; ++t) {
    body.push_back({{"Alloc", {{"size", "8"}, {"result", "c" + std::to_string(t)}}}});
    body.push_back(store("c" + std::to_string(t), "0"));
  }
  for (int t = 1; t <= n; ++t) {
    body.push_back(let("t" + std::to_string(t), "spawn(worker, " + std::to_string(t) + ", c" + std::to_string(t) + ", " +
                                                  std::to_string(k) + ")"));
  }
  for (int t = 1; t <= n; ++t) body.push_back(call("join", {"t" + std::to_string(t)}));
  body.push_back(let("total", "0"));
  for (int t = 1; t <= n; ++t) {
    body.push_back(load("c" + std::to_string(t), "v" + std::to_string(t)));
    body.push_back({{"Assign", {{"target", "total"}, {"expr", "total Add v" + std::to_string(t)}}}});
  }
  body.push_back(ret("total"));
  return program({worker, proc("main", {}, body)});
}

// Two cells, two writers that write both in opposite orders, and
// readers that read them in opposite orders. Below a state reached again
// lie reads of both cells (several signatures of one thread, whose
// latest races are at different steps of the new path), so this checks
// that raced summaries keep every outcome.
std::string crossed_cells(int readers) {
  Json w1 = proc("w1", {{"x", "K[Int]"}, {"y", "K[Int]"}}, {store("x", "1"), store("y", "1"), ret("0")});
  Json w2 = proc("w2", {{"x", "K[Int]"}, {"y", "K[Int]"}}, {store("y", "2"), store("x", "2"), ret("0")});
  Json r1 = proc("r1", {{"x", "K[Int]"}, {"y", "K[Int]"}}, {load("x", "a"), load("y", "b"), ret("a Mul 10 Add b")});
  Json r2 = proc("r2", {{"x", "K[Int]"}, {"y", "K[Int]"}}, {load("y", "b"), load("x", "a"), ret("a Mul 10 Add b")});
  Json body = Json::array({{{"Alloc", {{"size", "8"}, {"result", "x"}}}}, {{"Alloc", {{"size", "8"}, {"result", "y"}}}},
                           store("x", "0"), store("y", "0"), let("t1", "spawn(w1, 1, x, y)"),
                           let("t2", "spawn(w2, 2, x, y)"), let("t3", "spawn(r1, 3, x, y)")});
  if (readers > 1) body.push_back(let("t4", "spawn(r2, 4, x, y)"));
  body.push_back(call("join", {"t1"}));
  body.push_back(call("join", {"t2"}));
  body.push_back(call("join", {"t3"}, "u"));
  if (readers > 1) {
    body.push_back(call("join", {"t4"}, "v"));
    body.push_back(ret("u Mul 100 Add v"));
  } else {
    body.push_back(ret("u"));
  }
  return program({w1, w2, r1, r2, proc("main", {}, body)});
}

// The brute force: every interleaving of the threads' loads and stores
// (the spawns and joins order nothing else), with the same result.
std::set<std::string> crossed_finals(int readers) {
  struct Op {
    bool store;
    int cell;   // 0: x, 1: y
    int value;  // a store's value; a load's register (0: a, 1: b)
  };
  std::vector<std::vector<Op>> threads{{{true, 0, 1}, {true, 1, 1}}, {{true, 1, 2}, {true, 0, 2}},
                                       {{false, 0, 0}, {false, 1, 1}}};
  if (readers > 1) threads.push_back({{false, 1, 1}, {false, 0, 0}});
  std::set<std::string> finals;
  // State: positions, cells, registers (two per reader).
  std::function<void(std::vector<int>, std::array<int, 2>, std::vector<int>)> go =
      [&](std::vector<int> pos, std::array<int, 2> cells, std::vector<int> regs) {
        bool any = false;
        for (std::size_t t = 0; t < threads.size(); ++t) {
          if (pos[t] == 2) continue;
          any = true;
          const Op& op = threads[t][static_cast<std::size_t>(pos[t])];
          std::vector<int> p = pos, r = regs;
          std::array<int, 2> c = cells;
          if (op.store) {
            c[static_cast<std::size_t>(op.cell)] = op.value;
          } else {
            r[(t - 2) * 2 + static_cast<std::size_t>(op.value)] = cells[static_cast<std::size_t>(op.cell)];
          }
          ++p[t];
          go(p, c, r);
        }
        if (any) return;
        int u = regs[0] * 10 + regs[1];
        finals.insert(std::to_string(readers > 1 ? u * 100 + regs[2] * 10 + regs[3] : u));
      };
  go(std::vector<int>(threads.size(), 0), {0, 0}, std::vector<int>(2 * (threads.size() - 2), 0));
  return finals;
}

// Main spawns a worker that emits an effect and returns without joining
// it: the run ends when main returns, so the effect may or may not be in.
std::string unjoined_effect() {
  Json worker = proc("worker", {}, {let("x", "1"), {{"Effect", {{"kind", "emit"}, {"payload", "x"}}}}, ret("0")});
  Json body = Json::array({let("t", "spawn(worker, 1)"), let("y", "2"), ret("5")});
  return program({worker, proc("main", {}, body)});
}

struct Explored {
  Json json;
  std::string text;
};

Explored explore_json(const fs::path& prog, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"explore", "--exhaustive", "--json", prog.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  dust_test::ProcessResult r = dustrun(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Json j = Json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out;
  return {j, r.out};
}

std::set<std::string> returned_set(const Json& j) {
  std::set<std::string> out;
  for (const Json& o : j["outcomes"]) {
    if (o["error"].is_null()) {
      out.insert(std::to_string(o["returned"]["Int"].get<std::int64_t>()));
    } else {
      out.insert("error");
    }
  }
  return out;
}

fs::path write_program(const TempDir& dir, const std::string& name, const std::string& text) {
  fs::path p = dir / name;
  write_text(p, text);
  return p;
}

// Every outcome's token, run alone, gives that outcome.
void expect_tokens_replay(const fs::path& prog, const Json& j) {
  for (const Json& o : j["outcomes"]) {
    std::string token = o["schedule"].get<std::string>();
    dust_test::ProcessResult r = dustrun({prog.string(), "--schedule", token});
    SCOPED_TRACE(token);
    if (o["error"].is_null()) {
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "return: " + std::to_string(o["returned"]["Int"].get<std::int64_t>()));
    } else {
      EXPECT_EQ(r.exit_code, 10);
      EXPECT_NE(r.err.find(o["error"]["message"].get<std::string>()), std::string::npos) << r.err;
    }
  }
}

// What the search did (DUST_EXPLORE_STATS): steps executed and paths
// explored to their end.
struct SearchCounts {
  unsigned long long states = 0, steps = 0, parts = 0, runs = 0;
};

SearchCounts search_counts(const fs::path& prog, bool dpor) {
  std::string command = std::string("DUST_EXPLORE_STATS=1 '") + DUSTRUN_PATH + "' explore --exhaustive --json " +
                        (dpor ? "" : "--no-dpor ") + "'" + prog.string() + "' > /dev/null";
  dust_test::ProcessResult r = dust_test::run_process("/bin/sh", {"-c", command});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  SearchCounts c;
  EXPECT_EQ(std::sscanf(r.err.c_str(), "states %llu, steps %llu, parts %llu, runs %llu", &c.states, &c.steps, &c.parts,
                        &c.runs),
            4)
      << r.err;
  return c;
}

// The outcomes without their tokens (which depend on the order of the search).
std::set<std::string> outcome_set(const Json& j) {
  std::set<std::string> out;
  for (const Json& o : j["outcomes"]) out.insert(o["returned"].dump() + o["error"].dump() + o["effects"].dump());
  return out;
}

}  // namespace

TEST(ExploreExhaustive, RacyCountersGiveExactlyTheBruteForceOutcomes) {
  TempDir dir;
  for (auto [n, k] : std::vector<std::pair<int, int>>{{1, 3}, {2, 1}, {2, 2}, {2, 3}, {3, 2}, {3, 3}, {4, 1}}) {
    SCOPED_TRACE(std::to_string(n) + " threads x " + std::to_string(k));
    fs::path prog = write_program(dir, "racy.dir.json", racy_counter(n, k));
    Explored e = explore_json(prog);
    EXPECT_TRUE(e.json["complete"].get<bool>());
    EXPECT_TRUE(e.json["bound"].is_null());
    std::set<std::string> expected;
    for (std::int64_t v : racy_finals(n, k)) expected.insert(std::to_string(v));
    EXPECT_EQ(returned_set(e.json), expected);
    expect_tokens_replay(prog, e.json);
  }
}

TEST(ExploreExhaustive, ThreePhilosophersCanDeadlock) {
  TempDir dir;
  fs::path prog = write_program(dir, "phil.dir.json", philosophers());
  Explored e = explore_json(prog);
  EXPECT_TRUE(e.json["complete"].get<bool>());
  std::set<std::string> got;
  for (const Json& o : e.json["outcomes"]) {
    if (o["error"].is_null()) {
      got.insert("return");
    } else {
      EXPECT_EQ(o["error"]["kind"], "TimeViolation");
      EXPECT_NE(o["error"]["message"].get<std::string>().find("deadlock"), std::string::npos);
      got.insert("deadlock");
    }
  }
  EXPECT_EQ(got, philosopher_finals());
  EXPECT_EQ(e.json["outcomes"].size(), 2u);
  expect_tokens_replay(prog, e.json);
}

TEST(ExploreExhaustive, TheNarrowWindowReaderIsCaught) {
  TempDir dir;
  fs::path prog = write_program(dir, "reader.dir.json", narrow_reader(12));
  Explored e = explore_json(prog);
  EXPECT_TRUE(e.json["complete"].get<bool>());
  EXPECT_EQ(returned_set(e.json), reader_finals(12));
  expect_tokens_replay(prog, e.json);
  // 3,000 seeds never find it (the issue); the search does, with its token.
  dust_test::ProcessResult seeds = dustrun({"explore", "--seeds", "1..300", "--json", prog.string()});
  EXPECT_EQ(returned_set(Json::parse(seeds.out)).count("error"), 0u);
}

TEST(ExploreExhaustive, BoundsAreNamedAndNeverClaimCompleteness) {
  fs::path prog = example("racy_counter.dir.json");
  Explored few = explore_json(prog, {"--max-executions", "2"});
  EXPECT_FALSE(few.json["complete"].get<bool>());
  EXPECT_EQ(few.json["bound"], (Json{{"kind", "executions"}, {"value", 2}}));
  EXPECT_EQ(few.json["executions"], 2);
  Explored none = explore_json(prog, {"--preemptions", "0"});
  EXPECT_FALSE(none.json["complete"].get<bool>());
  EXPECT_EQ(none.json["bound"], (Json{{"kind", "preemptions"}, {"value", 0}}));
  dust_test::ProcessResult human = dustrun({"explore", "--exhaustive", "--preemptions", "0", prog.string()});
  EXPECT_NE(human.out.find("\nbounded: "), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("--preemptions 0"), std::string::npos) << human.out;
  EXPECT_EQ(human.out.find("complete:"), std::string::npos) << human.out;
  // A program with one thread needs no preemption: complete even under the bound.
  Explored one = explore_json(example("k_collatz.dir.json"), {"--preemptions", "0"});
  EXPECT_TRUE(one.json["complete"].get<bool>());
}

TEST(ExploreExhaustive, ExamplesKeepTheirDocumentedOutcomes) {
  struct Case {
    const char* file;
    std::set<std::string> returned;
  };
  for (const Case& c : std::vector<Case>{{"k_collatz.dir.json", {"322"}},
                                         {"q_token_handoff.dir.json", {"1"}},
                                         {"memory_linked_list.dir.json", {"55"}},
                                         {"io_log_file.dir.json", {"23"}},
                                         {"unsafe_dma_ring.dir.json", {"500"}},
                                         {"mutex_counter.dir.json", {"12"}},
                                         {"two_lock_deadlock.dir.json", {"2", "error"}},
                                         {"racy_counter.dir.json", {"2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"}}}) {
    SCOPED_TRACE(c.file);
    Explored e = explore_json(example(c.file));
    EXPECT_TRUE(e.json["complete"].get<bool>());
    EXPECT_EQ(returned_set(e.json), c.returned);
  }
  // The ones that can spin or sleep for long: bounded, and only the documented result.
  for (auto [file, result] : std::vector<std::pair<const char*, const char*>>{
           {"sync_bank_transfer.dir.json", "200"}, {"threading_parallel_sum.dir.json", "5050"}}) {
    SCOPED_TRACE(file);
    Explored e = explore_json(example(file), {"--preemptions", "1"});
    EXPECT_EQ(returned_set(e.json), std::set<std::string>{result});
  }
}

TEST(ExploreExhaustive, MainReturningCanCutAnUnjoinedThreadsEffect) {
  TempDir dir;
  fs::path prog = write_program(dir, "unjoined.dir.json", unjoined_effect());
  for (bool dpor : {true, false}) {
    Explored e = explore_json(prog, dpor ? std::vector<std::string>{} : std::vector<std::string>{"--no-dpor"});
    std::set<std::string> effects;
    for (const Json& o : e.json["outcomes"]) effects.insert(o["effects"].dump());
    EXPECT_EQ(effects, (std::set<std::string>{"[]", "[\"1\"]"}));
    expect_tokens_replay(prog, e.json);
  }
}

TEST(ExploreDpor, SameOutcomesAsSleepSetsAloneInNoMoreRuns) {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> programs{
      {"racy22", racy_counter(2, 2)},  {"racy32", racy_counter(3, 2)},     {"racy23", racy_counter(2, 3)},
      {"phil", philosophers()},        {"reader", narrow_reader(12)},      {"disjoint", disjoint_workers(3, 2)},
      {"unjoined", unjoined_effect()}};
  for (const auto& [name, text] : programs) {
    SCOPED_TRACE(name);
    fs::path prog = write_program(dir, name + ".dir.json", text);
    Explored with = explore_json(prog);
    Explored without = explore_json(prog, {"--no-dpor"});
    EXPECT_TRUE(with.json["complete"].get<bool>());
    EXPECT_EQ(outcome_set(with.json), outcome_set(without.json));
    expect_tokens_replay(prog, with.json);
    SearchCounts a = search_counts(prog, true), b = search_counts(prog, false);
    EXPECT_LE(a.runs, b.runs);
    EXPECT_LE(a.steps, b.steps);
  }
}

TEST(ExploreDpor, RacedSummariesKeepTheCrossedCellsOutcomes) {
  TempDir dir;
  for (int readers : {1, 2}) {
    SCOPED_TRACE(std::to_string(readers) + " readers");
    fs::path prog = write_program(dir, "crossed.dir.json", crossed_cells(readers));
    Explored with = explore_json(prog);
    Explored without = explore_json(prog, {"--no-dpor"});
    EXPECT_TRUE(with.json["complete"].get<bool>());
    EXPECT_EQ(returned_set(with.json), crossed_finals(readers));
    EXPECT_EQ(outcome_set(with.json), outcome_set(without.json));
    expect_tokens_replay(prog, with.json);
    SearchCounts a = search_counts(prog, true), b = search_counts(prog, false);
    EXPECT_LE(a.runs, b.runs);
  }
}

TEST(ExploreDpor, RacyCounterTakesStrictlyFewerRuns) {
  // The example's three threads of four rounds each. The search without
  // DPOR over them is the slowest run of the sanitizer pass, which searches
  // the same program with two rounds a thread instead: every statement is
  // still there, and DPOR still saves runs (support/sanitizer_share.hpp).
  TempDir dir;
  std::string text = read_text(example("racy_counter.dir.json"));
  if (dust_test::kSanitizerPass) {
    for (const char* t : {"1", "2", "3"}) {
      const std::string four = std::string("spawn(worker, ") + t + ", counter, m, 4)";
      const std::size_t at = text.find(four);
      ASSERT_NE(at, std::string::npos) << four;
      text.replace(at, four.size(), std::string("spawn(worker, ") + t + ", counter, m, 2)");
    }
  }
  fs::path prog = write_program(dir, "racy_counter.dir.json", text);
  SearchCounts a = search_counts(prog, true);
  SearchCounts b = search_counts(prog, false);
  EXPECT_LT(a.runs, b.runs);
  EXPECT_LT(a.steps, b.steps);
}

TEST(ExploreDpor, IndependentThreadsAreNotInterleaved) {
  TempDir dir;
  fs::path prog = write_program(dir, "disjoint.dir.json", disjoint_workers(4, 4));
  Explored e = explore_json(prog);
  EXPECT_EQ(returned_set(e.json), std::set<std::string>{"16"});
  SearchCounts a = search_counts(prog, true), b = search_counts(prog, false);
  // Sleep sets alone still reach every combination of the threads'
  // positions; source sets keep to one order of independent steps.
  EXPECT_LT(a.steps * 4, b.steps) << a.steps << " vs " << b.steps;
  EXPECT_LT(a.runs * 10, b.runs) << a.runs << " vs " << b.runs;
}

TEST(ExploreShards, MergedShardsEqualOneRunByteForByte) {
  TempDir dir;
  fs::path prog = write_program(dir, "racy.dir.json", racy_counter(3, 2));
  fs::path reader = write_program(dir, "reader.dir.json", narrow_reader(12));
  fs::path phil = write_program(dir, "phil.dir.json", philosophers());
  fs::path disjoint = write_program(dir, "disjoint.dir.json", disjoint_workers(3, 2));
  for (const fs::path& p : {prog, reader, phil, disjoint}) {
    Explored single = explore_json(p);
    // Six shard counts; the sanitizer pass, where each shard is a dustrun
    // search at several times the cost, runs one shard, an uneven split and
    // the most shards (support/sanitizer_share.hpp).
    for (int n : dust_test::values_or_sanitizer_share({1, 2, 3, 5, 7, 8}, {1, 3, 8})) {
      SCOPED_TRACE(p.string() + " in " + std::to_string(n) + " shards");
      std::vector<std::string> merge_args{"explore-merge"};
      for (int i = 0; i < n; ++i) {
        dust_test::ProcessResult shard = dustrun({"explore", "--exhaustive", "--shard",
                                                  std::to_string(i) + "/" + std::to_string(n), p.string()});
        ASSERT_EQ(shard.exit_code, 0) << shard.err;
        fs::path out = dir / ("shard" + std::to_string(i) + ".json");
        write_text(out, shard.out);
        merge_args.push_back(out.string());
      }
      dust_test::ProcessResult merged = dustrun(merge_args);
      ASSERT_EQ(merged.exit_code, 0) << merged.err;
      EXPECT_EQ(merged.out, single.text);
    }
  }
}

TEST(ExploreShards, MergeRefusesMissingOrMixedShards) {
  TempDir dir;
  fs::path prog = write_program(dir, "racy.dir.json", racy_counter(2, 2));
  dust_test::ProcessResult s0 = dustrun({"explore", "--exhaustive", "--shard", "0/2", prog.string()});
  write_text(dir / "s0.json", s0.out);
  dust_test::ProcessResult missing = dustrun({"explore-merge", (dir / "s0.json").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("only 1 of 2 shards"), std::string::npos) << missing.err;
  write_text(dir / "bad.json", "{\"shard\": 3}");
  EXPECT_EQ(dustrun({"explore-merge", (dir / "bad.json").string()}).exit_code, 2);
}

TEST(ExploreShrink, AShrunkScheduleIsNoLongerAndStillFails) {
  TempDir dir;
  fs::path prog = write_program(dir, "reader.dir.json", narrow_reader(12));
  dust_test::ProcessResult r = dustrun({"explore", "--exhaustive", "--shrink", prog.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t at = r.out.find("  shrunk: ");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::string line = r.out.substr(at + 10, r.out.find('\n', at) - at - 10);
  std::string token = line.substr(0, line.find(' '));
  unsigned long p = 0, s = 0, p0 = 0, s0 = 0;
  ASSERT_EQ(std::sscanf(line.c_str() + token.size(), " (%lu preemptions, %lu steps; was %lu, %lu)", &p, &s, &p0, &s0), 4)
      << line;
  EXPECT_LE(p, p0);
  EXPECT_LE(s, s0);
  dust_test::ProcessResult again = dustrun({prog.string(), "--schedule", token});
  EXPECT_EQ(again.exit_code, 10);
  EXPECT_NE(again.err.find("division by zero"), std::string::npos) << again.err;
}

TEST(ExplorePct, PrintsItsGuaranteeAndFindsOnlyRealOutcomes) {
  dust_test::ProcessResult r = dustrun({"explore", "--pct", "3", "--runs", "200", example("racy_counter.dir.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pct: each run finds a bug of depth <= 3 with probability >= 1/(n*k^(D-1))"), std::string::npos)
      << r.out;
  dust_test::ProcessResult j =
      dustrun({"explore", "--pct", "2", "--runs", "100", "--json", example("racy_counter.dir.json").string()});
  Json parsed = Json::parse(j.out);
  EXPECT_FALSE(parsed["complete"].get<bool>());
  EXPECT_EQ(parsed["executions"], 100);
  for (const std::string& v : returned_set(parsed)) {
    int n = std::stoi(v);
    EXPECT_TRUE(n >= 2 && n <= 12) << v;
  }
  expect_tokens_replay(example("racy_counter.dir.json"), parsed);
}

TEST(ExploreTokens, RecordedScheduleReplaysAndSeedsPrintTokens) {
  TempDir dir;
  fs::path prog = example("racy_counter.dir.json");
  Explored e = explore_json(prog, {"--max-executions", "4"});
  std::string token = e.json["outcomes"].back()["schedule"];
  fs::path trace = dir / "t.dtrace";
  dust_test::ProcessResult rec = dustrun({"record", prog.string(), "-o", trace.string(), "--schedule", token, "--no-progress"});
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  dust_test::ProcessResult replay = dustrun({"--replay", trace.string()});
  EXPECT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(replay.out, rec.out);
  dust_test::ProcessResult info = dustrun({"inspect", trace.string(), "--info"});
  EXPECT_NE(info.out.find("schedule " + token), std::string::npos) << info.out;
  // Every seed outcome has a token that reruns it.
  dust_test::ProcessResult seeds = dustrun({"explore", "--seeds", "1..40", "--json", prog.string()});
  expect_tokens_replay(prog, Json::parse(seeds.out));
  // A token that names a thread that cannot run says so.
  dust_test::ProcessResult bad = dustrun({prog.string(), "--schedule", "S3Z"});
  EXPECT_EQ(bad.exit_code, 10);
  EXPECT_NE(bad.err.find("names thread 25 for step 3, which is not runnable"), std::string::npos) << bad.err;
  EXPECT_EQ(dustrun({prog.string(), "--schedule", "X1"}).exit_code, 2);
}
