// run_catalog_limits_test.cpp — the run catalog of a trace that claims
// more than it holds, or holds more than a check follows: a finish record
// forged to claim a hundred thousand threads gets a name for each thread
// the run had, not for each it claims (while every honest committed trace
// still names each thread it counts); and a race check that stopped at its
// limit of threads says so beside the races it found.
#include "../recorder/trace_rewriting.hpp"
#include "record_and_open.hpp"

namespace dust::dbg {

namespace {

// One thread counting to `rounds`: two steps a round and no Call
// instruction, so the reader accepts a claim of as many threads as steps.
std::string lone_counter_program(int rounds) {
  return R"JSON({"forges":[{"name":"F","shapes":[],"binds":[],"procs":[
 {"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
   {"Let":{"name":"n","expr":"0"}},
   {"While":{"condition":"n Lt )JSON" +
         std::to_string(rounds) + R"JSON(","body":[{"Assign":{"target":"n","expr":"n Add 1"}}]}}]}
]}]})JSON";
}

// Rewrites the finish record of the trace at `path` to claim `threads`
// threads, with every checksum made good again; returns the new trace.
std::string with_claimed_threads(const std::string& path, std::uint32_t threads) {
  rec_test::TakenApart t = rec_test::take_apart(path);
  bool found = false;
  for (rec_test::RawChunk& c : t.chunks) {
    if (c.header.type != rec::ChunkType::Finish) continue;
    rec::FinishChunk finish;
    EXPECT_TRUE(rec::decode_finish(c.payload, finish));
    finish.threads = threads;
    c.payload = rec::encode_finish(finish);
    c.header.raw_bytes = static_cast<std::uint32_t>(c.payload.size());
    found = true;
  }
  EXPECT_TRUE(found) << "no finish record in " << path;
  const std::string forged = path + ".forged.dtrace";
  rec_test::put_together(t, forged);
  return forged;
}

// main spawns 1,030 workers that each store to one word: more threads
// than the race check follows (tests/recorder/frame_queries_test.cpp).
std::string thousand_racers_program() {
  return R"JSON({"forges":[{"name":"t","shapes":[],"binds":[],"procs":[
 {"regime":"K","name":"worker","params":[{"name":"counter","ty":"K[Int]"}],"uses":[],"ret":"K[Int]","qualifiers":[],
  "body":[{"Store":{"ptr":"counter","value":"1"}},{"Return":{"expr":"0"}}],"locals":[]},
 {"regime":"K","name":"main","params":[],"uses":[],"ret":"K[Int]","qualifiers":[],"body":[
   {"Alloc":{"size":"8","result":"counter"}},
   {"For":{"var":"i","start":"0","end":"1030","body":[{"Let":{"name":"t","expr":"spawn(worker, i Add 1, counter)"}}]}},
   {"Return":{"expr":"0"}}],"locals":[]}]}],"types":[]})JSON";
}

}  // namespace

// An honest trace's count is the truth: every committed trace, of every
// format, names each thread it counts, in order, the Φ run that failed
// before its main thread existed included.
TEST(RunCatalogLimits, EveryCommittedTraceNamesEachThreadItCounts) {
  std::vector<std::filesystem::path> traces;
  for (const char* dir : {"crash", "v1", "v2", "v3", "v4"}) {
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(DUST_SOURCE_DIR) / "traces" / dir)) {
      if (entry.path().extension() == ".dtrace") traces.push_back(entry.path());
    }
  }
  ASSERT_GT(traces.size(), 15u);
  for (const std::filesystem::path& path : traces) {
    SCOPED_TRACE(path.string());
    std::string error;
    std::unique_ptr<Debugger> dbg = Debugger::open(path.string(), k::standard_intrinsics(), error);
    ASSERT_TRUE(dbg) << error;
    const std::vector<ThreadName>& threads = dbg->catalog().threads;
    ASSERT_EQ(threads.size(), dbg->info().threads);
    for (std::uint32_t id = 0; id < threads.size(); ++id) {
      EXPECT_EQ(threads[id].id, id);
      ASSERT_NE(dbg->catalog().thread_label(id), nullptr);
      EXPECT_EQ(*dbg->catalog().thread_label(id), threads[id].label);
    }
    EXPECT_EQ(dbg->catalog().thread_label(dbg->info().threads), nullptr);
  }
}

TEST(RunCatalogLimits, AForgedThreadCountNamesOnlyTheThreadsTheRunHad) {
  auto honest = record_and_open("claimed_threads", lone_counter_program(50000).c_str());
  ASSERT_TRUE(honest);
  const std::uint64_t steps = honest->info().steps;
  ASSERT_GT(steps, 100000u);
  const auto claimed = static_cast<std::uint32_t>(steps);

  const std::string forged_path = with_claimed_threads(::testing::TempDir() + "/claimed_threads.dtrace", claimed);
  std::string error;
  std::unique_ptr<Debugger> forged = Debugger::open(forged_path, k::standard_intrinsics(), error);
  ASSERT_TRUE(forged) << error;
  ASSERT_EQ(forged->info().threads, claimed) << "the reader takes the forged claim";
  const std::vector<ThreadName>& threads = forged->catalog().threads;
  ASSERT_EQ(threads.size(), 1u);
  EXPECT_EQ(threads[0].id, 0u);
  EXPECT_EQ(threads[0].label, "T0 main");
  EXPECT_EQ(forged->thread_count(), 1u);

  TimeAxis axis = forged->view().axis();
  axis.fit();
  std::size_t thread_lanes = 0;
  for (const Lane& lane : forged->timeline().lanes(axis, 800.0)) thread_lanes += lane.kind == LaneKind::Thread;
  EXPECT_EQ(thread_lanes, 1u);
}

TEST(RunCatalogLimits, ARaceCheckThatStoppedAtItsThreadLimitSaysSo) {
  auto many = record_and_open("thousand_racers", thousand_racers_program().c_str());
  ASSERT_TRUE(many);
  ASSERT_EQ(many->info().threads, 1031u);
  const RunCatalog& catalog = many->catalog();
  EXPECT_FALSE(catalog.races.empty()) << "the threads the check followed do race";
  EXPECT_NE(catalog.race_check_stopped.find("the race check follows at most 1024 threads"), std::string::npos)
      << catalog.race_check_stopped;
  EXPECT_NE(catalog.race_check_stopped.find("thousand_racers.dtrace"), std::string::npos)
      << "the warning names the file: " << catalog.race_check_stopped;
  EXPECT_EQ(catalog.threads.size(), 1031u);

  // A check that saw the whole run has nothing to say.
  std::ifstream in(std::filesystem::path(DUST_SOURCE_DIR) / "assets/examples/racy_counter.dir.json");
  std::stringstream racy_text;
  racy_text << in.rdbuf();
  auto racy = record_and_open("racy_counter_whole", racy_text.str().c_str());
  ASSERT_TRUE(racy);
  EXPECT_FALSE(racy->catalog().races.empty());
  EXPECT_EQ(racy->catalog().race_check_stopped, "");
}

}  // namespace dust::dbg
