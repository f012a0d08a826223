// robustness_test.cpp — damaged traces: cut at 100 points, with bytes
// flipped, from a newer format version, or left by a recorder killed with
// SIGKILL. Each gives a clear error or a partial read and a non-zero exit,
// never a crash or a hang.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "../../recorder/src/crc32.hpp"
#include "dust/recorder/trace_format.hpp"
#include "process_runner.hpp"
#include "killed_recording.hpp"
#include "recorder_harness.hpp"

using namespace rec_test;
using dust_test::run_process;

namespace {

// Exercises every query of a reader; none may crash.
void use_reader(dust::rec::TraceReader& reader) {
  std::uint64_t steps = reader.info().steps;
  for (std::uint64_t k : {std::uint64_t{0}, steps / 2, steps}) reader.state_at(k);
  reader.events(0, std::min<std::uint64_t>(steps, 20));
  reader.tick_at(steps);
  for (std::uint32_t t = 0; t < reader.info().threads; ++t) reader.thread_lane(t, 0, steps, 1 + steps / 50);
  for (std::int64_t m : reader.mutexes()) reader.mutex_lane(m, 0, steps, 1);
  reader.q_lifetimes();
  reader.memory_lifetimes();
  reader.phi_marks();
  reader.effect_marks(0, steps);
  reader.failure();
  reader.last_write("counter", steps, dust::rec::FrameSelector{});
  reader.origin("counter", steps, dust::rec::FrameSelector{});
  reader.memory_accesses(0, 1 << 20, 0, steps);
  reader.data_races();
  std::optional<dust::rec::Divergence> divergence;
  reader.replay(divergence);
  std::string error;
  reader.verify(error);
}

struct Damaged {
  std::string bytes;
  std::string label;
};

std::string good_trace(const TempDir& dir) {
  fs::path path = dir / "good.dtrace";
  record(read_text(example("sync_bank_transfer.dir.json")), seeded(2), path, small_blocks(64));
  return read_text(path);
}

void check_damaged(const TempDir& dir, const Damaged& d, bool with_cli) {
  SCOPED_TRACE(d.label);
  fs::path path = dir / "damaged.dtrace";
  write_text(path, d.bytes);
  std::string error;
  std::unique_ptr<dust::rec::TraceReader> reader = dust::rec::TraceReader::open(path.string(), intrinsics(), error);
  if (reader) {
    use_reader(*reader);
  } else {
    EXPECT_NE(error.find(path.string() + ": "), std::string::npos) << error;
  }
  if (!with_cli) return;
  dust_test::ProcessResult info = run_process(DUSTRUN_PATH, {"inspect", path.string(), "--info"});
  EXPECT_TRUE(info.exit_code == 11 || info.exit_code == 12) << info.exit_code << "\n" << info.err;
  EXPECT_NE(info.err.find("dustrun: " + path.string() + ": "), std::string::npos) << info.err;
  dust_test::ProcessResult replay = run_process(DUSTRUN_PATH, {"--replay", path.string()});
  EXPECT_TRUE(replay.exit_code == 11 || replay.exit_code == 12 || replay.exit_code == 13)
      << replay.exit_code << "\n" << replay.err;
}

}  // namespace

TEST(Robustness, TracesCutAtAHundredPoints) {
  TempDir dir;
  std::string good = good_trace(dir);
  for (int i = 0; i < 100; ++i) {
    std::size_t cut = good.size() * static_cast<std::size_t>(i) / 100;
    check_damaged(dir, Damaged{good.substr(0, cut), "cut at " + std::to_string(cut)}, i % 10 == 0);
  }
}

TEST(Robustness, TracesWithFlippedBytes) {
  TempDir dir;
  std::string good = good_trace(dir);
  std::uint64_t state = 7;
  for (int i = 0; i < 100; ++i) {
    std::string bytes = good;
    int flips = 1 + i % 3;
    std::string label = "flipped";
    for (int f = 0; f < flips; ++f) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      std::size_t at = static_cast<std::size_t>(state >> 33) % bytes.size();
      bytes[at] = static_cast<char>(bytes[at] ^ static_cast<char>(1 + (state >> 24) % 255));
      label += " " + std::to_string(at);
    }
    check_damaged(dir, Damaged{bytes, label}, i % 10 == 0);
  }
}

TEST(Robustness, AFlipAnywhereIsRefused) {
  // Every byte is covered by a checksum: one flipped byte is always an
  // error (or, in the trailing footer, a partial read), never a silent success.
  TempDir dir;
  std::string good = good_trace(dir);
  for (std::size_t at = 0; at < good.size(); at += std::max<std::size_t>(1, good.size() / 40)) {
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x10);
    fs::path path = dir / "flip.dtrace";
    write_text(path, bytes);
    dust_test::ProcessResult info = run_process(DUSTRUN_PATH, {"inspect", path.string(), "--info"});
    EXPECT_NE(info.exit_code, 0) << "flip at " << at;
  }
}

TEST(Robustness, ANewerFormatVersionIsRefusedByName) {
  TempDir dir;
  std::string bytes = good_trace(dir);
  std::uint32_t newer = dust::rec::kFormatVersion + 1;
  for (int i = 0; i < 4; ++i) {
    bytes[8 + i] = static_cast<char>((newer >> (8 * i)) & 0xff);
    bytes[12 + i] = static_cast<char>((newer >> (8 * i)) & 0xff);
  }
  std::uint32_t crc = dust::rec::crc32c(bytes.data(), 20);
  for (int i = 0; i < 4; ++i) bytes[20 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  fs::path path = dir / "newer.dtrace";
  write_text(path, bytes);
  std::string expected = "trace format version " + std::to_string(newer) + " is newer than this dustrun supports (" +
                         std::to_string(dust::rec::kFormatVersion) + ")";
  std::string error;
  EXPECT_FALSE(dust::rec::TraceReader::open(path.string(), intrinsics(), error));
  EXPECT_NE(error.find(expected), std::string::npos) << error;
  for (std::vector<std::string> args : {std::vector<std::string>{"inspect", path.string(), "--info"},
                                        std::vector<std::string>{"--replay", path.string()}}) {
    dust_test::ProcessResult r = run_process(DUSTRUN_PATH, args);
    EXPECT_EQ(r.exit_code, 12);
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
  }
}

TEST(Robustness, NotATraceAtAll) {
  TempDir dir;
  for (const std::string& bytes : {std::string(), std::string("hello"), std::string(4096, 'x'),
                                   read_text(example("k_collatz.dir.json"))}) {
    fs::path path = dir / "junk.dtrace";
    write_text(path, bytes);
    dust_test::ProcessResult r = run_process(DUSTRUN_PATH, {"inspect", path.string()});
    EXPECT_EQ(r.exit_code, 12);
    EXPECT_NE(r.err.find("at offset 0"), std::string::npos) << r.err;
  }
  dust_test::ProcessResult missing = run_process(DUSTRUN_PATH, {"--replay", (dir / "missing.dtrace").string()});
  EXPECT_EQ(missing.exit_code, 12);
  EXPECT_NE(missing.err.find("cannot open"), std::string::npos);
}

TEST(Robustness, ARecordingKilledWithSigkillIsReadableUpToItsLastBlock) {
  TempDir dir;
  // A loop long enough to be killed while it runs.
  fs::path program = dir / "long.dir.json";
  write_text(program, loop_program(2000000000));
  fs::path trace = dir / "killed.dtrace";
  ASSERT_TRUE(record_until_killed(program, trace, {"--keyframe-every", "4096", "--every-step"}, 20000));

  dust_test::ProcessResult info = run_process(DUSTRUN_PATH, {"inspect", trace.string(), "--info"});
  EXPECT_EQ(info.exit_code, 11) << info.err;
  EXPECT_NE(info.out.find("INCOMPLETE"), std::string::npos) << info.out;
  EXPECT_NE(info.err.find("incomplete trace"), std::string::npos) << info.err;

  std::string error;
  auto reader = dust::rec::TraceReader::open(trace.string(), intrinsics(), error);
  ASSERT_TRUE(reader) << error;
  EXPECT_FALSE(reader->info().complete);
  EXPECT_GT(reader->info().steps, 4096u);
  EXPECT_GT(reader->info().blocks, 1u);
  dust::Machine last = reader->state_at(reader->info().steps);
  EXPECT_EQ(last.steps, reader->info().steps);

  dust_test::ProcessResult replay = run_process(DUSTRUN_PATH, {"--replay", trace.string()});
  EXPECT_EQ(replay.exit_code, 11) << replay.err;
  EXPECT_NE(replay.err.find("replayed the " + std::to_string(reader->info().steps) + " recorded steps"),
            std::string::npos)
      << replay.err;
}
