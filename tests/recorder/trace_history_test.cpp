// trace_history_test.cpp — the traces kept in traces/v*/ (see
// traces/README.md): every one this build claims to read opens, replays
// without divergence and gives its recorded result; and the current
// version's trace is what this build records today, chunk by chunk, so a
// change to the format without a version bump fails here.
#include "dust/recorder/checkpoint_recorder.hpp"
#include "dust/recorder/trace_format.hpp"
#include "process_runner.hpp"
#include "recorder_harness.hpp"
#include "trace_chunk_reading.hpp"

using namespace rec_test;

namespace {

fs::path traces_dir() { return fs::path(DUST_SOURCE_DIR) / "traces"; }

// A chunk's content with what depends on the compressor left out: the
// index's file offsets and stored sizes follow from how well LZ4 did,
// which is not part of the format.
std::string format_content(const Chunk& chunk) {
  if (chunk.type != dust::rec::ChunkType::Index) return chunk.content;
  dust::rec::IndexChunk index;
  EXPECT_TRUE(dust::rec::decode_index(chunk.content, index));
  for (dust::rec::BlockEntry& b : index.blocks) b.offset = b.stored_bytes = 0;
  for (dust::rec::KeyframeEntry& k : index.keyframes) k.offset = k.stored_bytes = 0;
  index.finish_offset = 0;
  return dust::rec::encode_index(index);
}

}  // namespace

TEST(TraceHistory, EveryReadableVersionReplays) {
  int checked = 0;
  for (std::uint32_t v = dust::rec::kOldestReadableVersion; v <= dust::rec::kFormatVersion; ++v) {
    fs::path dir = traces_dir() / ("v" + std::to_string(v));
    ASSERT_TRUE(fs::is_directory(dir)) << "no traces kept for format version " << v << " in " << dir;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".dtrace") continue;
      SCOPED_TRACE(entry.path().string());
      std::string error;
      auto reader = dust::rec::TraceReader::open(entry.path().string(), intrinsics(), error);
      ASSERT_TRUE(reader) << error;
      EXPECT_EQ(reader->info().format_version, v);
      EXPECT_TRUE(reader->info().complete);
      EXPECT_TRUE(reader->verify(error)) << error;
      dust_test::ProcessResult replay = dust_test::run_process(DUSTRUN_PATH, {"--replay", entry.path().string()});
      EXPECT_EQ(replay.exit_code, 0) << replay.err;
      fs::path expected = entry.path();
      expected.replace_extension(".out");
      EXPECT_EQ(replay.out, read_text(expected));
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

// Records traces/v<version>/mutex_counter.dir.json again, with the
// options of the command in traces/README.md, and compares the result with
// the trace kept there chunk by chunk.
void expect_recorded_as_kept(std::uint32_t version) {
  fs::path dir = traces_dir() / ("v" + std::to_string(version));
  fs::path kept = dir / "mutex_counter.dtrace";
  ASSERT_TRUE(fs::exists(kept)) << "record a trace of the current format version into " << dir
                                << " (see traces/README.md)";
  TempDir tmp;
  fs::path fresh = tmp / "fresh.dtrace";
  dust::rec::RecorderOptions options = small_blocks(32);
  std::string text = read_text(dir / "mutex_counter.dir.json");
  const std::string program_path = "traces/v" + std::to_string(version) + "/mutex_counter.dir.json";
  dust::Machine machine(load_program(text), &intrinsics(), seeded(2));
  if (version == dust::rec::kCheckpointFormatVersion) {
    dust::rec::CheckpointRecorder recorder(fresh.string(), text, program_path, options);
    recorder.run(machine);
    ASSERT_TRUE(recorder.ok()) << recorder.error();
  } else {
    dust::rec::Recorder recorder(fresh.string(), text, program_path, options);
    dust::run_to_end(machine, &recorder);
    ASSERT_TRUE(recorder.ok()) << recorder.error();
  }

  std::string kept_bytes = read_text(kept), fresh_bytes = read_text(fresh);
  EXPECT_EQ(kept_bytes.substr(0, dust::rec::kFileHeaderSize), fresh_bytes.substr(0, dust::rec::kFileHeaderSize));
  std::vector<Chunk> a = chunks_of(kept), b = chunks_of(fresh);
  const char* advice = "the trace format changed without a version bump: bump the version in trace_format.hpp, "
                       "record traces/v<N>/ and add it to traces/README.md";
  ASSERT_EQ(a.size(), b.size()) << advice;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].type, b[i].type) << "chunk " << i << ": " << advice;
    EXPECT_EQ(a[i].first_step, b[i].first_step) << "chunk " << i << ": " << advice;
    EXPECT_EQ(a[i].step_count, b[i].step_count) << "chunk " << i << ": " << advice;
    EXPECT_TRUE(format_content(a[i]) == format_content(b[i])) << "chunk " << i << " (" << dust::rec::chunk_type_name(a[i].type)
                                              << "): " << advice;
  }
}

// Both formats this build writes: the steps traces of the Recorder and the
// checkpoint traces of the CheckpointRecorder.
TEST(TraceHistory, TheCurrentStepsFormatIsWhatThisBuildRecords) { expect_recorded_as_kept(dust::rec::kStepsFormatVersion); }

TEST(TraceHistory, TheCurrentCheckpointFormatIsWhatThisBuildRecords) {
  expect_recorded_as_kept(dust::rec::kCheckpointFormatVersion);
}
