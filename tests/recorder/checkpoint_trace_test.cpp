// checkpoint_trace_test.cpp — checkpoint traces (format 4,
// dust/recorder/checkpoint_recorder.hpp): a run recorded as checkpoints
// reads, step for step, as the steps trace of the same run; a trace cut
// short reads up to its last checkpoint; a checkpoint the re-execution does
// not reach is a divergence; and the chunks are checked as any hostile
// input is.
#include <algorithm>

#include "dust/machine_hash.hpp"
#include "dust/recorder/checkpoint_recorder.hpp"
#include "dust/recorder/state_report.hpp"
#include "killed_recording.hpp"
#include "nlohmann/json.hpp"
#include "process_runner.hpp"
#include "recorder_harness.hpp"
#include "sanitizer_share.hpp"
#include "trace_chunk_reading.hpp"

using namespace rec_test;

namespace checkpoint_trace_tests {

namespace rec = dust::rec;

struct RawChunkCopy {
  rec::ChunkHeader header;
  std::string payload;  // as stored
};

fs::path bench_program(const std::string& name) { return fs::path(DUST_SOURCE_DIR) / "assets/bench" / name; }

// Records `text` with `config` as a checkpoint trace (`checkpoints`) and as
// a steps trace (`steps`), with the same block and keyframe spacing.
void record_both(const std::string& text, const dust::RunConfig& config, const fs::path& checkpoints,
                 const fs::path& steps, rec::RecorderOptions options = {}) {
  {
    dust::Machine machine(load_program(text), &intrinsics(), config);
    rec::CheckpointRecorder recorder(checkpoints.string(), text, "program.dir.json", options);
    recorder.run(machine);
    ASSERT_TRUE(recorder.ok()) << recorder.error();
  }
  {
    dust::Machine machine(load_program(text), &intrinsics(), config);
    rec::Recorder recorder(steps.string(), text, "program.dir.json", options);
    dust::run_to_end(machine, &recorder);
    ASSERT_TRUE(recorder.ok()) << recorder.error();
  }
}

std::vector<std::string> described_events(rec::TraceReader& reader) {
  std::vector<std::string> out;
  for (const dust::StepEvent& e : reader.events(0, reader.info().steps)) {
    out.push_back(rec::describe_step(*reader.program(), e));
  }
  return out;
}

// Everything a query can see of the two traces is the same.
void expect_same_run(rec::TraceReader& checkpoints, rec::TraceReader& steps) {
  const rec::TraceInfo& a = checkpoints.info();
  const rec::TraceInfo& b = steps.info();
  EXPECT_EQ(a.format_version, rec::kCheckpointFormatVersion);
  EXPECT_EQ(b.format_version, rec::kStepsFormatVersion);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.final_tick, b.final_tick);
  EXPECT_EQ(a.threads, b.threads);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.complete, b.complete);
  EXPECT_EQ(a.error.has_value(), b.error.has_value());
  EXPECT_EQ(described_events(checkpoints), described_events(steps));
  for (std::uint64_t at : {std::uint64_t{0}, a.steps / 3, a.steps / 2, a.steps - a.steps / 7, a.steps}) {
    EXPECT_EQ(dust::machine_hash(checkpoints.state_at(at)), dust::machine_hash(steps.state_at(at))) << "step " << at;
    EXPECT_EQ(checkpoints.tick_at(at), steps.tick_at(at)) << "step " << at;
  }
  EXPECT_EQ(checkpoints.mutexes(), steps.mutexes());
  for (std::uint32_t t = 0; t < a.threads; ++t) {
    auto x = checkpoints.thread_lane(t, 0, a.steps, 1), y = steps.thread_lane(t, 0, b.steps, 1);
    ASSERT_EQ(x.size(), y.size()) << "thread " << t;
    for (std::size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(x[i].first, y[i].first);
      EXPECT_EQ(x[i].last, y[i].last);
      EXPECT_EQ(x[i].activity, y[i].activity);
    }
  }
  EXPECT_EQ(checkpoints.failure().has_value(), steps.failure().has_value());
  EXPECT_EQ(checkpoints.memory_lifetimes().size(), steps.memory_lifetimes().size());
  EXPECT_EQ(checkpoints.data_races().races.size(), steps.data_races().races.size());
  EXPECT_EQ(checkpoints.last_error(), "");
  EXPECT_GT(checkpoints.info().rederived_bytes, 0u);
}

TEST(CheckpointTrace, EveryExampleReadsAsItsStepsTrace) {
  for (const std::string& name : example_names()) {
    for (std::uint64_t seed : dust_test::values_or_sanitizer_share<std::uint64_t>({0, 1, 7, 42}, {0, 7})) {
      SCOPED_TRACE(name + " seed " + std::to_string(seed));
      TempDir dir;
      record_both(read_text(example(name)), seeded(seed), dir / "c.dtrace", dir / "s.dtrace");
      auto checkpoints = open_trace(dir / "c.dtrace");
      auto steps = open_trace(dir / "s.dtrace");
      ASSERT_TRUE(checkpoints && steps);
      expect_same_run(*checkpoints, *steps);
    }
  }
}

// A threaded run long enough for many checkpoints, with small blocks so
// that its re-derived steps cross many blocks and keyframes.
TEST(CheckpointTrace, AThreadedRunReadsAsItsStepsTraceAcrossCheckpoints) {
  const std::string text = read_text(bench_program("mutex_counter_4x5000.dir.json"));
  for (std::uint64_t seed : dust_test::values_or_sanitizer_share<std::uint64_t>({0, 3, 7}, {7})) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    TempDir dir;
    record_both(text, seeded(seed), dir / "c.dtrace", dir / "s.dtrace", small_blocks(512));
    auto checkpoints = open_trace(dir / "c.dtrace");
    auto steps = open_trace(dir / "s.dtrace");
    ASSERT_TRUE(checkpoints && steps);
    EXPECT_GT(checkpoints->info().checkpoints, 5u);
    expect_same_run(*checkpoints, *steps);
    rec::LastWrite a = checkpoints->last_write("mem:0", steps->info().steps, rec::FrameSelector{});
    rec::LastWrite b = steps->last_write("mem:0", steps->info().steps, rec::FrameSelector{});
    EXPECT_EQ(a.step, b.step);
    EXPECT_EQ(a.value, b.value);
    EXPECT_EQ(a.error, b.error);
  }
}

// prepare() does the first query's re-derivation ahead, telling how far it
// got; stopped, it keeps nothing, and a steps trace has nothing to do.
TEST(CheckpointTrace, PrepareDerivesTheStepsAheadWithProgressAndCanBeStopped) {
  TempDir dir;
  record_both(read_text(bench_program("mutex_counter_4x5000.dir.json")), seeded(7), dir / "c.dtrace", dir / "s.dtrace");
  auto checkpoints = open_trace(dir / "c.dtrace");
  auto steps = open_trace(dir / "s.dtrace");
  ASSERT_TRUE(checkpoints && steps);
  const std::uint64_t all = checkpoints->info().steps;
  ASSERT_GT(all, 2 * 4096u);
  EXPECT_EQ(checkpoints->steps_to_prepare(), all);

  std::uint64_t calls = 0;
  EXPECT_FALSE(checkpoints->prepare([&](std::uint64_t, std::uint64_t) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2u);
  EXPECT_EQ(checkpoints->steps_to_prepare(), all);
  EXPECT_EQ(checkpoints->info().rederived_bytes, 0u);
  EXPECT_EQ(checkpoints->last_error(), "");

  std::vector<std::uint64_t> done;
  ASSERT_TRUE(checkpoints->prepare([&](std::uint64_t d, std::uint64_t a) {
    EXPECT_EQ(a, all);
    done.push_back(d);
    return true;
  }));
  ASSERT_GT(done.size(), 2u);
  EXPECT_TRUE(std::is_sorted(done.begin(), done.end()));
  EXPECT_EQ(done.back(), all);
  EXPECT_EQ(checkpoints->steps_to_prepare(), 0u);
  EXPECT_GT(checkpoints->info().rederived_bytes, 0u);
  EXPECT_TRUE(checkpoints->prepare([](std::uint64_t, std::uint64_t) -> bool { ADD_FAILURE() << "prepared twice"; return true; }));
  expect_same_run(*checkpoints, *steps);

  EXPECT_EQ(steps->steps_to_prepare(), 0u);
  EXPECT_TRUE(steps->prepare([](std::uint64_t, std::uint64_t) -> bool { ADD_FAILURE() << "a steps trace prepared"; return true; }));
}

// replay() and verify_and_replay() re-execute without deriving the steps.
TEST(CheckpointTrace, ReplayChecksEveryCheckpointWithoutDerivingTheSteps) {
  TempDir dir;
  record_both(read_text(bench_program("mutex_counter_4x5000.dir.json")), seeded(7), dir / "c.dtrace", dir / "s.dtrace");
  auto reader = open_trace(dir / "c.dtrace");
  ASSERT_TRUE(reader);
  std::optional<rec::Divergence> divergence;
  std::string error;
  std::optional<dust::Machine> end = reader->verify_and_replay(divergence, error);
  ASSERT_TRUE(end) << error;
  EXPECT_FALSE(divergence);
  EXPECT_EQ(end->steps, reader->info().steps);
  EXPECT_EQ(end->outcome.status, dust::MachineStatus::Finished);
  EXPECT_EQ(reader->info().rederived_bytes, 0u);
}

// The chunks of a checkpoint trace, to forge one from.
std::vector<RawChunkCopy> raw_chunks(const fs::path& path) {
  std::vector<RawChunkCopy> out;
  rec::TraceFile file;
  std::string error;
  EXPECT_TRUE(file.open(path.string(), error)) << error;
  std::uint64_t offset = rec::kFileHeaderSize;
  while (offset < file.size()) {
    RawChunkCopy c;
    std::string what;
    if (file.read_chunk(offset, c.header, c.payload, what) != rec::TraceFile::ChunkStatus::Ok) {
      ADD_FAILURE() << what;
      break;
    }
    offset += rec::kChunkHeaderSize + c.header.stored_bytes;
    out.push_back(std::move(c));
  }
  return out;
}

// Writes the chunks as a checkpoint trace, every checksum valid, as an
// attacker with the format description would.
void write_checkpoint_trace(const std::vector<RawChunkCopy>& chunks, const fs::path& path) {
  rec::TraceWriter writer;
  std::string error;
  ASSERT_TRUE(writer.open(path.string(), error, rec::kCheckpointFormatVersion, rec::kCheckpointMinReadableVersion));
  for (const RawChunkCopy& c : chunks) {
    ASSERT_TRUE(writer.write_chunk(c.header.type, c.header.codec, c.header.raw_bytes, c.header.first_step,
                                   c.header.step_count, c.payload, error))
        << error;
  }
}

std::size_t nth_checkpoint(const std::vector<RawChunkCopy>& chunks, std::size_t n) {
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    if (chunks[i].header.type == rec::ChunkType::Checkpoint && n-- == 0) return i;
  }
  ADD_FAILURE() << "no such checkpoint";
  return 0;
}

TEST(CheckpointTrace, AForgedDigestIsADivergenceAndTheStepsEndBeforeIt) {
  TempDir dir;
  record_both(read_text(bench_program("mutex_counter_4x5000.dir.json")), seeded(7), dir / "c.dtrace", dir / "s.dtrace");
  std::vector<RawChunkCopy> chunks = raw_chunks(dir / "c.dtrace");
  const std::size_t third = nth_checkpoint(chunks, 2);
  rec::CheckpointChunk before, forged;
  ASSERT_TRUE(rec::decode_checkpoint(chunks[nth_checkpoint(chunks, 1)].payload, before));
  ASSERT_TRUE(rec::decode_checkpoint(chunks[third].payload, forged));
  forged.digest_lo ^= 1;
  chunks[third].payload = rec::encode_checkpoint(forged);
  write_checkpoint_trace(chunks, dir / "forged.dtrace");

  auto reader = open_trace(dir / "forged.dtrace");
  ASSERT_TRUE(reader);
  std::optional<rec::Divergence> divergence;
  std::string error;
  ASSERT_TRUE(reader->verify_and_replay(divergence, error)) << error;
  ASSERT_TRUE(divergence);
  EXPECT_EQ(divergence->step, forged.step);
  EXPECT_NE(divergence->replayed.find("after step " + std::to_string(before.step)), std::string::npos)
      << divergence->replayed;

  auto fresh = open_trace(dir / "forged.dtrace");
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(fresh->info().complete);
  dust::Machine last = fresh->state_at(forged.step);
  EXPECT_FALSE(fresh->info().complete);
  // The steps end at the last checkpoint the re-execution reached as recorded.
  EXPECT_EQ(fresh->info().steps, before.step);
  EXPECT_NE(fresh->last_error().find("diverges"), std::string::npos) << fresh->last_error();
  EXPECT_EQ(last.steps, fresh->info().steps);
  // A second reader of the file, open meanwhile, shares those steps and
  // says the same.
  auto second = open_trace(dir / "forged.dtrace");
  ASSERT_TRUE(second);
  EXPECT_EQ(dust::machine_hash(second->state_at(forged.step)), dust::machine_hash(last));
  EXPECT_EQ(second->info().steps, before.step);
  EXPECT_FALSE(second->info().complete);
  EXPECT_NE(second->last_error().find("diverges"), std::string::npos) << second->last_error();

  dust_test::ProcessResult replay = dust_test::run_process(DUSTRUN_PATH, {"--replay", (dir / "forged.dtrace").string()});
  EXPECT_EQ(replay.exit_code, 13) << replay.err;
  EXPECT_NE(replay.err.find("diverges from the recording at step " + std::to_string(forged.step)), std::string::npos)
      << replay.err;
  dust_test::ProcessResult at = dust_test::run_process(
      DUSTRUN_PATH, {"inspect", (dir / "forged.dtrace").string(), "--at", std::to_string(forged.step)});
  EXPECT_EQ(at.exit_code, 13) << at.err;
}

// Two checkpoints made one: the file is well formed, but claims more steps
// between checkpoints than the recorder puts there, which would let a small
// file ask for a long re-execution.
TEST(CheckpointTrace, CheckpointsFartherApartThanTheRecorderPutsThemAreADivergence) {
  TempDir dir;
  record_both(read_text(bench_program("mutex_counter_4x5000.dir.json")), seeded(7), dir / "c.dtrace", dir / "s.dtrace");
  std::vector<RawChunkCopy> chunks = raw_chunks(dir / "c.dtrace");
  const std::size_t first = nth_checkpoint(chunks, 0), second = nth_checkpoint(chunks, 1);
  chunks[second].header.first_step = 0;
  chunks[second].header.step_count += chunks[first].header.step_count;
  chunks.erase(chunks.begin() + static_cast<std::ptrdiff_t>(first));
  write_checkpoint_trace(chunks, dir / "merged.dtrace");
  auto reader = open_trace(dir / "merged.dtrace");
  ASSERT_TRUE(reader);
  std::optional<rec::Divergence> divergence;
  reader->replay(divergence, nullptr);
  ASSERT_TRUE(divergence);
  EXPECT_EQ(divergence->step, 0u);
  EXPECT_NE(divergence->replayed.find("within 16384 steps"), std::string::npos) << divergence->replayed;
}

TEST(CheckpointTrace, AFinishTheRunDoesNotReachIsADivergence) {
  TempDir dir;
  record_both(read_text(example("mutex_counter.dir.json")), seeded(1), dir / "c.dtrace", dir / "s.dtrace");
  std::vector<RawChunkCopy> chunks = raw_chunks(dir / "c.dtrace");
  ASSERT_EQ(chunks.back().header.type, rec::ChunkType::Finish);
  rec::FinishChunk finish;
  ASSERT_TRUE(rec::decode_finish(chunks.back().payload, finish));
  finish.status = dust::MachineStatus::Failed;
  finish.error = dust::DvmError{dust::ErrorKind::Runtime, "a failure that never happened"};
  chunks.back().payload = rec::encode_finish(finish);
  chunks.back().header.raw_bytes = static_cast<std::uint32_t>(chunks.back().payload.size());
  write_checkpoint_trace(chunks, dir / "forged.dtrace");
  dust_test::ProcessResult replay = dust_test::run_process(DUSTRUN_PATH, {"--replay", (dir / "forged.dtrace").string()});
  EXPECT_EQ(replay.exit_code, 13) << replay.err;
  EXPECT_NE(replay.err.find("a failure that never happened"), std::string::npos) << replay.err;
}

TEST(CheckpointTrace, ChunksThatDoNotContinueEachOtherAreRefused) {
  TempDir dir;
  record_both(read_text(bench_program("mutex_counter_4x5000.dir.json")), seeded(0), dir / "c.dtrace", dir / "s.dtrace");
  const std::vector<RawChunkCopy> chunks = raw_chunks(dir / "c.dtrace");
  auto refused = [&](std::vector<RawChunkCopy> forged, const std::string& expected) {
    write_checkpoint_trace(forged, dir / "forged.dtrace");
    std::string error;
    auto reader = rec::TraceReader::open((dir / "forged.dtrace").string(), intrinsics(), error);
    EXPECT_FALSE(reader) << expected;
    EXPECT_NE(error.find(expected), std::string::npos) << error;
    EXPECT_NE(error.find("at offset"), std::string::npos) << error;
  };
  {
    std::vector<RawChunkCopy> swapped = chunks;
    std::swap(swapped[nth_checkpoint(chunks, 1)], swapped[nth_checkpoint(chunks, 2)]);
    refused(swapped, "invalid checkpoint chunk");
  }
  {
    std::vector<RawChunkCopy> too_long = chunks;
    RawChunkCopy& c = too_long[nth_checkpoint(chunks, 0)];
    rec::CheckpointChunk cp;
    ASSERT_TRUE(rec::decode_checkpoint(c.payload, cp));
    cp.step = rec::kMaxBlockSteps + 1;
    c.header.step_count = static_cast<std::uint32_t>(cp.step);
    c.payload = rec::encode_checkpoint(cp);
    c.header.raw_bytes = static_cast<std::uint32_t>(c.payload.size());
    refused(too_long, "invalid checkpoint chunk");
  }
  {
    std::vector<RawChunkCopy> after_finish = chunks;
    after_finish.push_back(chunks[nth_checkpoint(chunks, 0)]);
    refused(after_finish, "after the finish record");
  }
  {
    std::vector<RawChunkCopy> early_finish = chunks;
    early_finish.erase(early_finish.begin() + static_cast<std::ptrdiff_t>(nth_checkpoint(chunks, 3)));
    refused(early_finish, "invalid checkpoint chunk");
  }
  for (dust::EffectMode effects : {dust::EffectMode::Realize, dust::EffectMode::Simulate}) {
    // A run that would touch real files (realize mode, or a world seeded
    // from --fs-root) is not re-executed by a reader.
    std::vector<RawChunkCopy> outside = chunks;
    rec::ConfigChunk config;
    ASSERT_TRUE(rec::decode_config(outside[0].payload, config, rec::kCheckpointFormatVersion));
    config.config.effects = effects;
    config.config.fs_root = (dir / "elsewhere").string();
    outside[0].payload = rec::encode_config(config, rec::kCheckpointFormatVersion);
    outside[0].header.raw_bytes = static_cast<std::uint32_t>(outside[0].payload.size());
    refused(outside, "reads outside files");
    EXPECT_FALSE(fs::exists(dir / "elsewhere"));
  }
  {
    std::vector<RawChunkCopy> foreign = chunks;
    foreign.insert(foreign.begin() + 2, chunks[0]);
    refused(foreign, "unexpected config chunk");
  }
}

// Readers of one run share its re-derived steps while one of them holds
// them; a file rewritten meanwhile, even with the same checkpoints, is
// derived afresh.
TEST(CheckpointTrace, ReadersOfOneFileAgreeAndSeeItRewritten) {
  TempDir dir;
  record_both(read_text(bench_program("mutex_counter_4x5000.dir.json")), seeded(7), dir / "c.dtrace", dir / "s.dtrace");
  auto first = open_trace(dir / "c.dtrace");
  ASSERT_TRUE(first);
  const std::uint64_t steps = first->info().steps;
  const dust::MachineHash middle = dust::machine_hash(first->state_at(steps / 2));
  auto second = open_trace(dir / "c.dtrace");
  ASSERT_TRUE(second);
  EXPECT_EQ(dust::machine_hash(second->state_at(steps / 2)), middle);
  EXPECT_EQ(second->info().rederived_bytes, first->info().rederived_bytes);
  EXPECT_EQ(described_events(*second), described_events(*first));

  std::vector<RawChunkCopy> chunks = raw_chunks(dir / "c.dtrace");
  // The same checkpoints with another program of the same length: not the
  // run the others derived, so it is re-executed, and diverges.
  {
    std::vector<RawChunkCopy> other = chunks;
    std::string text = read_text(bench_program("mutex_counter_4x5000.dir.json"));
    const std::string from = "counter, m, 5000)", to = "counter, m, 4999)";
    ASSERT_NE(text.find(from), std::string::npos);
    text.replace(text.find(from), from.size(), to);
    ASSERT_EQ(other[1].header.type, rec::ChunkType::Program);
    rec::Lz4Compressor lz4;
    other[1].payload = lz4.compress(text);
    other[1].header.raw_bytes = static_cast<std::uint32_t>(text.size());
    write_checkpoint_trace(other, dir / "c.dtrace");
    auto changed = open_trace(dir / "c.dtrace");
    ASSERT_TRUE(changed);
    changed->state_at(steps);
    EXPECT_NE(changed->last_error().find("diverges"), std::string::npos) << changed->last_error();
    EXPECT_FALSE(changed->info().complete);
  }
  rec::CheckpointChunk kept;
  ASSERT_TRUE(rec::decode_checkpoint(chunks[nth_checkpoint(chunks, 1)].payload, kept));
  chunks.resize(nth_checkpoint(chunks, 1) + 1);
  write_checkpoint_trace(chunks, dir / "c.dtrace");
  auto third = open_trace(dir / "c.dtrace");
  ASSERT_TRUE(third);
  EXPECT_EQ(third->info().steps, kept.step);
  EXPECT_EQ(third->state_at(steps).steps, kept.step);
  EXPECT_EQ(dust::machine_hash(first->state_at(steps / 2)), middle);
  EXPECT_EQ(first->info().steps, steps);
}

// verify() reads the file again, as it is now: it keeps the program it
// loaded only while the file still holds the same text, so a program
// changed in place is loaded (and refused) as opening would refuse it.
TEST(CheckpointTrace, VerifyReadsTheFileAgainAndLoadsAChangedProgram) {
  TempDir dir;
  record_both(read_text(example("mutex_counter.dir.json")), seeded(1), dir / "c.dtrace", dir / "s.dtrace");
  const std::vector<RawChunkCopy> chunks = raw_chunks(dir / "c.dtrace");
  auto reader = open_trace(dir / "c.dtrace");
  ASSERT_TRUE(reader);
  std::string error;
  EXPECT_TRUE(reader->verify(error)) << error;

  std::vector<RawChunkCopy> broken = chunks;
  ASSERT_EQ(broken[1].header.type, rec::ChunkType::Program);
  const std::string unloadable = R"({"forges": [)";
  rec::Lz4Compressor lz4;
  broken[1].payload = lz4.compress(unloadable);
  broken[1].header.raw_bytes = static_cast<std::uint32_t>(unloadable.size());
  write_checkpoint_trace(broken, dir / "c.dtrace");
  std::string opening;
  EXPECT_FALSE(rec::TraceReader::open((dir / "c.dtrace").string(), intrinsics(), opening));
  EXPECT_NE(opening.find("the embedded program does not load"), std::string::npos) << opening;
  EXPECT_FALSE(reader->verify(error));
  EXPECT_EQ(error, opening);

  // The configuration and program alone: the same program, but none of
  // the checkpoints or the finish record opening read.
  write_checkpoint_trace(std::vector<RawChunkCopy>(chunks.begin(), chunks.begin() + 2), dir / "c.dtrace");
  EXPECT_FALSE(reader->verify(error));
  EXPECT_EQ(error, (dir / "c.dtrace").string() + ": the file changed while it was open");

  write_checkpoint_trace(chunks, dir / "c.dtrace");
  EXPECT_TRUE(reader->verify(error)) << error;
}

TEST(CheckpointTrace, ATraceCutShortReadsUpToItsLastWholeCheckpoint) {
  TempDir dir;
  record_both(read_text(bench_program("mutex_counter_4x5000.dir.json")), seeded(7), dir / "c.dtrace", dir / "s.dtrace");
  std::vector<RawChunkCopy> chunks = raw_chunks(dir / "c.dtrace");
  rec::CheckpointChunk kept;
  ASSERT_TRUE(rec::decode_checkpoint(chunks[nth_checkpoint(chunks, 3)].payload, kept));
  chunks.resize(nth_checkpoint(chunks, 4) + 1);
  write_checkpoint_trace(chunks, dir / "cut.dtrace");
  std::string bytes = read_text(dir / "cut.dtrace");
  write_text(dir / "cut.dtrace", bytes.substr(0, bytes.size() - 9));

  auto reader = open_trace(dir / "cut.dtrace");
  ASSERT_TRUE(reader);
  EXPECT_FALSE(reader->info().complete);
  EXPECT_EQ(reader->info().steps, kept.step);
  EXPECT_NE(reader->info().incomplete_reason.find("truncated checkpoint chunk"), std::string::npos);
  auto steps = open_trace(dir / "s.dtrace");
  ASSERT_TRUE(steps);
  // Every step up to the last checkpoint is there, as the whole run had it.
  EXPECT_EQ(dust::machine_hash(reader->state_at(kept.step)), dust::machine_hash(steps->state_at(kept.step)));
  EXPECT_EQ(reader->info().steps, kept.step);
  EXPECT_EQ(reader->last_error(), "");

  dust_test::ProcessResult replay = dust_test::run_process(DUSTRUN_PATH, {"--replay", (dir / "cut.dtrace").string()});
  EXPECT_EQ(replay.exit_code, 11) << replay.err;
  EXPECT_NE(replay.err.find("incomplete trace"), std::string::npos) << replay.err;
  dust_test::ProcessResult info = dust_test::run_process(DUSTRUN_PATH, {"inspect", (dir / "cut.dtrace").string()});
  EXPECT_EQ(info.exit_code, 11) << info.err;
  EXPECT_NE(info.out.find("INCOMPLETE"), std::string::npos) << info.out;
}

TEST(CheckpointTrace, ARecordingKilledWithSigkillIsReadableUpToItsLastCheckpoint) {
  TempDir dir;
  fs::path program = dir / "long.dir.json";
  write_text(program, loop_program(50'000'000));
  fs::path trace = dir / "killed.dtrace";
  // Header, config and program, then some checkpoints of about 60 bytes each.
  ASSERT_TRUE(record_until_killed(program, trace, {}, 2000));

  dust_test::ProcessResult info = dust_test::run_process(DUSTRUN_PATH, {"inspect", trace.string(), "--info"});
  EXPECT_EQ(info.exit_code, 11) << info.err;
  EXPECT_NE(info.out.find("format:      version 4"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("INCOMPLETE"), std::string::npos) << info.out;
  auto reader = open_trace(trace);
  ASSERT_TRUE(reader);
  EXPECT_FALSE(reader->info().complete);
  EXPECT_GT(reader->info().checkpoints, 3u);
  dust::Machine last = reader->state_at(reader->info().steps);
  EXPECT_EQ(last.steps, reader->info().steps);
  EXPECT_EQ(reader->last_error(), "");
}

std::uint32_t recorded_format(const fs::path& trace) {
  dust_test::ProcessResult info = dust_test::run_process(DUSTRUN_PATH, {"inspect", trace.string(), "--info", "--json"});
  EXPECT_EQ(info.exit_code, 0) << info.err;
  return nlohmann::json::parse(info.out)["format_version"].get<std::uint32_t>();
}

TEST(CheckpointTrace, OnlyALongRunThatReadsNothingOutsideIsRecordedAsCheckpointsByDefault) {
  TempDir dir;
  const fs::path long_program = dir / "long.dir.json";
  write_text(long_program, loop_program(100'000));  // 300,000 steps, more than 2^18
  const std::string program = example("io_log_file.dir.json").string();
  fs::create_directories(dir / "root" / "notes");
  auto record = [&](const std::string& name, const std::string& from, std::vector<std::string> extra) {
    std::vector<std::string> args{"record", from, "-o", (dir / name).string(), "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    dust_test::ProcessResult r = dust_test::run_process(DUSTRUN_PATH, args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(fs::exists(dir / (name + ".partial")));
    return dir / name;
  };
  EXPECT_EQ(recorded_format(record("long.dtrace", long_program.string(), {})), rec::kCheckpointFormatVersion);
  EXPECT_EQ(recorded_format(record("long_every.dtrace", long_program.string(), {"--every-step"})),
            rec::kStepsFormatVersion);
  // A short run is recorded again, step by step; the result is the file a
  // steps recording makes.
  const fs::path short_default = record("short.dtrace", program, {});
  EXPECT_EQ(recorded_format(short_default), rec::kStepsFormatVersion);
  const fs::path short_every = record("short_every.dtrace", program, {"--every-step"});
  EXPECT_EQ(recorded_format(short_every), rec::kStepsFormatVersion);
  std::vector<Chunk> a = chunks_of(short_default), b = chunks_of(short_every);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 1; i < a.size(); ++i) EXPECT_TRUE(a[i].content == b[i].content) << "chunk " << i;
  EXPECT_EQ(recorded_format(record("short_checkpoints.dtrace", program, {"--checkpoints"})),
            rec::kCheckpointFormatVersion);
  EXPECT_EQ(recorded_format(record("rooted.dtrace", program, {"--checkpoints", "--fs-root", (dir / "root").string()})),
            rec::kStepsFormatVersion);
  EXPECT_EQ(recorded_format(record("realize.dtrace", program,
                                   {"--checkpoints", "--effects", "realize", "--fs-root", (dir / "root").string()})),
            rec::kStepsFormatVersion);
}

TEST(CheckpointTrace, RecordWithTracePrintsTheStepsAnEveryStepRecordingDoes) {
  TempDir dir;
  const std::string program = example("producer_consumer.dir.json").string();
  dust_test::ProcessResult a = dust_test::run_process(
      DUSTRUN_PATH,
      {"record", program, "-o", (dir / "a.dtrace").string(), "--seed", "7", "--trace", "--checkpoints", "--no-progress"});
  dust_test::ProcessResult b = dust_test::run_process(
      DUSTRUN_PATH,
      {"record", program, "-o", (dir / "b.dtrace").string(), "--seed", "7", "--trace", "--every-step", "--no-progress"});
  EXPECT_EQ(a.exit_code, b.exit_code);
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.err, b.err);
  EXPECT_GT(a.err.size(), 1000u);
  EXPECT_EQ(recorded_format(dir / "a.dtrace"), rec::kCheckpointFormatVersion);
}

}  // namespace checkpoint_trace_tests
