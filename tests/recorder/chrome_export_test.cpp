// chrome_export_test.cpp — `dustrun export --chrome` as a user runs it, with
// the output's structure validated as Perfetto needs it: required fields,
// spans properly nested on each track, time never going back along a
// track, every track named, flows paired, the heap counter balanced, and
// --from/--to cutting the range.
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "process_runner.hpp"
#include "recorder_harness.hpp"

using namespace rec_test;
using dust_test::run_process;
using json = nlohmann::json;

namespace {

json export_trace(const fs::path& trace, const fs::path& out, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"export", "--chrome", trace.string(), "-o", out.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  dust_test::ProcessResult r = run_process(DUSTRUN_PATH, args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(read_text(out), nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "the export is JSON";
  return j;
}

fs::path record_example(const TempDir& dir, const std::string& name, const std::string& seed) {
  fs::path trace = dir / (name + ".dtrace");
  run_process(DUSTRUN_PATH, {"record", example(name).string(), "-o", trace.string(), "--seed", seed, "--no-progress"});
  return trace;
}

using ByPhase = std::map<std::string, std::vector<json>>;

// Checks the structure; fills `by_phase` with the events for further checks.
void check_structure(const json& j, ByPhase& by_phase) {
  EXPECT_TRUE(j.is_object());
  EXPECT_TRUE(j.contains("traceEvents") && j["traceEvents"].is_array());
  EXPECT_EQ(j["metadata"]["microseconds_per_tick"], 1) << "the tick mapping is in the metadata";
  std::set<std::int64_t> named_tracks;
  std::map<std::int64_t, std::vector<std::pair<std::uint64_t, std::uint64_t>>> open;  // tid -> stack of [ts, end)
  std::map<std::int64_t, std::uint64_t> last_ts;
  for (const json& e : j["traceEvents"]) {
    ASSERT_TRUE(e.contains("name") && e["name"].is_string()) << e;
    ASSERT_TRUE(e.contains("ph") && e["ph"].is_string()) << e;
    ASSERT_TRUE(e.contains("pid") && e["pid"].is_number_integer()) << e;
    ASSERT_TRUE(e.contains("tid") && e["tid"].is_number_integer()) << e;
    std::string ph = e["ph"];
    by_phase[ph].push_back(e);
    std::int64_t tid = e["tid"];
    if (ph == "M") {
      if (e["name"] == "thread_name") named_tracks.insert(tid);
      continue;
    }
    ASSERT_TRUE(e.contains("ts") && e["ts"].is_number_unsigned()) << e;
    std::uint64_t ts = e["ts"];
    if (ph == "C") continue;  // process-wide
    EXPECT_GE(ts, last_ts[tid]) << "time goes back on track " << tid << ": " << e;
    last_ts[tid] = ts;
    if (ph != "X") continue;
    ASSERT_TRUE(e.contains("dur") && e["dur"].is_number_unsigned()) << e;
    EXPECT_TRUE(named_tracks.count(tid)) << "track " << tid << " has a thread_name before its spans";
    std::uint64_t end = ts + e["dur"].get<std::uint64_t>();
    auto& stack = open[tid];
    // A span starting at or after the top one's end follows it, unless both
    // take no time at the same instant (a call entered inside a step).
    auto follows = [&](const std::pair<std::uint64_t, std::uint64_t>& top) {
      bool nested_instant = top.first == top.second && ts == top.second && end == ts;
      return ts >= top.second && !nested_instant;
    };
    while (!stack.empty() && follows(stack.back())) stack.pop_back();
    if (!stack.empty()) {
      EXPECT_LE(end, stack.back().second) << "span overlaps its parent on track " << tid << ": " << e;
    }
    stack.emplace_back(ts, end);
  }
}

ByPhase validate(const json& j) {
  ByPhase by_phase;
  check_structure(j, by_phase);
  return by_phase;
}

TEST(ChromeExport, MultiThreadRunHasNestedTracksMutexesFlowsAndHeap) {
  TempDir dir;
  fs::path trace = record_example(dir, "mutex_counter.dir.json", "3");
  json j = export_trace(trace, dir / "mc.json");
  auto events = validate(j);
  std::set<std::string> track_names;
  for (const json& m : events["M"]) {
    if (m["name"] == "thread_name") track_names.insert(m["args"]["name"].get<std::string>());
  }
  EXPECT_EQ(track_names, (std::set<std::string>{"T0 main", "T1 worker", "T2 worker", "T3 worker", "mutex 1"}));
  int calls = 0, statements = 0, holds = 0, blocked = 0;
  for (const json& x : events["X"]) {
    std::string cat = x["cat"];
    calls += cat == "call";
    statements += cat == "statement";
    holds += cat == "mutex";
    blocked += cat == "blocked";
  }
  EXPECT_EQ(calls, 4) << "main and three workers";
  EXPECT_GT(statements, 40);
  EXPECT_EQ(holds, 12) << "three workers, four rounds each";
  // Flows: one arrow from each unlock to the next lock.
  std::map<std::uint64_t, int> flows;
  for (const json& s : events["s"]) flows[s["id"]] += 1;
  for (const json& f : events["f"]) {
    flows[f["id"]] += 10;
    EXPECT_EQ(f["bp"], "e");
  }
  EXPECT_EQ(flows.size(), 12u);
  int paired = 0;
  for (const auto& [id, n] : flows) paired += n == 11;
  EXPECT_EQ(paired, 11) << "every unlock but the last hands the mutex on";
  // The heap counter rises with the alloc and returns to zero at the free.
  ASSERT_GE(events["C"].size(), 3u);
  EXPECT_EQ(events["C"][1]["args"]["bytes"], 8);
  EXPECT_EQ(events["C"].back()["args"]["bytes"], 0);
  // The effect is an instant on main's track.
  bool emitted = false;
  for (const json& i : events["i"]) emitted |= i["name"] == "effect emit" && i["args"]["payload"] == "12";
  EXPECT_TRUE(emitted);
  (void)blocked;
}

TEST(ChromeExport, FailureIsAGlobalInstantAndWaitsAreBlockedSpans) {
  TempDir dir;
  json j = export_trace(fs::path(DUST_SOURCE_DIR) / "traces/crash/two_lock_deadlock.dtrace", dir / "dl.json");
  auto events = validate(j);
  int failures = 0;
  for (const json& i : events["i"]) {
    if (i["name"] == "failure") {
      ++failures;
      EXPECT_EQ(i["s"], "g");
      EXPECT_NE(i["args"]["error"].get<std::string>().find("deadlock"), std::string::npos) << i;
    }
  }
  EXPECT_EQ(failures, 1);
  int blocked = 0;
  for (const json& x : events["X"]) blocked += x["cat"] == "blocked";
  EXPECT_GE(blocked, 1);
}

TEST(ChromeExport, FromToCutsTheRange) {
  TempDir dir;
  fs::path trace = record_example(dir, "mutex_counter.dir.json", "3");
  json j = export_trace(trace, dir / "cut.json", {"--from", "20", "--to", "60"});
  auto events = validate(j);
  EXPECT_EQ(j["metadata"]["from_step"], 20);
  EXPECT_EQ(j["metadata"]["to_step"], 60);
  std::uint64_t from_tick = j["metadata"]["from_tick"], to_tick = j["metadata"]["to_tick"];
  EXPECT_LT(from_tick, to_tick);
  for (const json& x : events["X"]) {
    EXPECT_GE(x["ts"].get<std::uint64_t>(), from_tick) << x;
    EXPECT_LE(x["ts"].get<std::uint64_t>() + x["dur"].get<std::uint64_t>(), to_tick) << x;
  }
  dust_test::ProcessResult bad = run_process(DUSTRUN_PATH, {"export", "--chrome", trace.string(), "-o",
                                                            (dir / "bad.json").string(), "--from", "60", "--to", "20"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("60..20"), std::string::npos) << bad.err;
  dust_test::ProcessResult missing = run_process(DUSTRUN_PATH, {"export", "--chrome", (dir / "nope.dtrace").string(),
                                                                "-o", (dir / "x.json").string()});
  EXPECT_EQ(missing.exit_code, 12);
  EXPECT_NE(missing.err.find("nope.dtrace"), std::string::npos) << missing.err;
}

}  // namespace
