// opening_test.cpp — opening a checkpoint trace (model/opening.hpp): its
// steps are re-derived on a worker, whose progress the window shows, and
// the recording then opens as the same run the first query would have
// derived on the window's thread.
#include <sstream>

#include "dust/dir_loader.hpp"
#include "dust/recorder/checkpoint_recorder.hpp"
#include "dust/recorder/session/open_recording.hpp"
#include "model/opening.hpp"
#include "record_and_open.hpp"

namespace dust::dbg {

namespace {

std::string checkpoint_trace_of_the_counter(const std::string& name) {
  std::ifstream in(std::filesystem::path(DUST_SOURCE_DIR) / "assets/bench/mutex_counter_4x5000.dir.json");
  std::stringstream text;
  text << in.rdbuf();
  const std::string path = ::testing::TempDir() + "/" + name + ".dtrace";
  RunConfig config;
  config.seed = 7;
  Machine machine(load_dir_text(text.str()).program, &k::standard_intrinsics(), config);
  rec::CheckpointRecorder recorder(path, text.str(), "mutex_counter_4x5000.dir.json");
  recorder.run(machine);
  EXPECT_TRUE(recorder.ok()) << recorder.error();
  return path;
}

}  // namespace

TEST(Opening, ACheckpointTraceIsPreparedOnAWorkerAndOpensAsTheSameRun) {
  const std::string path = checkpoint_trace_of_the_counter("opening_worker");
  std::string error;
  std::unique_ptr<rec::TraceReader> reader = session::open_recording(path, k::standard_intrinsics(), error);
  ASSERT_TRUE(reader) << error;
  const std::uint64_t steps = reader->info().steps;
  ASSERT_GT(steps, 100000u);
  EXPECT_EQ(reader->steps_to_prepare(), steps);

  OpeningJob job(path, std::move(reader));
  EXPECT_EQ(job.steps_all(), steps);
  while (!job.finished()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(job.steps_done(), steps);
  std::unique_ptr<rec::TraceReader> prepared = job.take_reader();
  ASSERT_TRUE(prepared);
  EXPECT_EQ(prepared->steps_to_prepare(), 0u);
  EXPECT_GT(prepared->info().rederived_bytes, 0u);

  Debugger opened(std::move(prepared), path, k::standard_intrinsics());
  std::unique_ptr<Debugger> directly = Debugger::open(path, k::standard_intrinsics(), error);
  ASSERT_TRUE(directly) << error;
  EXPECT_EQ(opened.info().steps, directly->info().steps);
  EXPECT_EQ(opened.catalog().steps, directly->catalog().steps);
  EXPECT_EQ(opened.catalog().threads.size(), directly->catalog().threads.size());
  EXPECT_EQ(opened.catalog().mutexes, directly->catalog().mutexes);
  EXPECT_EQ(opened.catalog().memory.size(), directly->catalog().memory.size());
  EXPECT_EQ(opened.catalog().threads.size(), 5u);
}

TEST(Opening, AStepsTraceHasNothingToPrepare) {
  std::unique_ptr<Debugger> dbg = record_and_open("opening_steps", R"JSON({"forges":[{"name":"F","shapes":[],"binds":[],"procs":[
 {"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[{"Let":{"name":"n","expr":"1"}}]}]}]})JSON");
  ASSERT_TRUE(dbg);
  std::string error;
  std::unique_ptr<rec::TraceReader> reader = session::open_recording(dbg->path(), k::standard_intrinsics(), error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->steps_to_prepare(), 0u);
}

TEST(Opening, AFileThatIsNoRecordingSaysSo) {
  const std::string path = write_temp_file("opening_not_a_trace.dtrace", "not a trace at all");
  std::string error;
  EXPECT_FALSE(session::open_recording(path, k::standard_intrinsics(), error));
  EXPECT_NE(error.find(path), std::string::npos) << error;
}

}  // namespace dust::dbg
