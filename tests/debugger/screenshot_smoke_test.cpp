// screenshot_smoke_test.cpp — dustdbg renders real frames under Xvfb: the
// timeline's lanes (running and blocked threads, held and waited mutexes,
// memory blocks), the cursor and the failure marker are on screen in
// their palette colours, and a frame in which nothing changes allocates
// nothing. Skipped only when xvfb-run or the GUI build is missing.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include <unistd.h>

#include "model/palette.hpp"
#include "process_runner.hpp"
#include "record_and_open.hpp"

namespace dust::dbg {
namespace {

namespace fs = std::filesystem;

fs::path dustdbg_path() { return fs::path(DUSTRUN_PATH).parent_path() / "dustdbg"; }

std::string xvfb_run() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
    fs::path p = fs::path(dir) / "xvfb-run";
    if (fs::exists(p)) return p.string();
  }
  return {};
}

struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;

  // Pixels of exactly colour `c` inside rows [y0, y1).
  int count(palette::Rgb c, int y0 = 0, int y1 = -1) const {
    if (y1 < 0) y1 = height;
    int n = 0;
    for (int y = y0; y < y1; ++y) {
      const unsigned char* row = rgb.data() + static_cast<std::size_t>(y) * width * 3;
      for (int x = 0; x < width; ++x) {
        n += row[x * 3] == c.r && row[x * 3 + 1] == c.g && row[x * 3 + 2] == c.b;
      }
    }
    return n;
  }
};

bool read_ppm(const fs::path& path, Image& image) {
  std::ifstream in(path, std::ios::binary);
  std::string magic;
  int max = 0;
  in >> magic >> image.width >> image.height >> max;
  in.get();
  if (!in || magic != "P6" || max != 255 || image.width <= 0 || image.height <= 0) return false;
  image.rgb.resize(static_cast<std::size_t>(image.width) * image.height * 3);
  in.read(reinterpret_cast<char*>(image.rgb.data()), static_cast<std::streamsize>(image.rgb.size()));
  return static_cast<bool>(in);
}

class Screenshot : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(dustdbg_path())) GTEST_SKIP() << "dustdbg was not built (DUST_BUILD_GUI off or no ImGui/GLFW)";
    xvfb_ = xvfb_run();
    if (xvfb_.empty()) GTEST_SKIP() << "xvfb-run is not installed";
  }

  // xvfb-run -a takes the first display number whose lock file is free,
  // from -n on: two test processes started together (ctest's shards) can
  // take the same one, and the second Xvfb then fails to start. Each
  // process starts its search at a number of its own.
  static std::string first_display() { return std::to_string(100 + (getpid() % 4000) * 4); }

  dust_test::ProcessResult dustdbg(std::vector<std::string> args) {
    std::vector<std::string> all = {"-a", "-n", first_display(), "-s", "-screen 0 1280x800x24",
                                    dustdbg_path().string()};
    all.insert(all.end(), args.begin(), args.end());
    return dust_test::run_process(xvfb_, all);
  }

  Image shoot(const std::string& trace, const std::string& at) {
    // Named for the test and the process as well as the trace: two tests
    // shoot the same trace, and their shards may run at the same time, one
    // removing or rewriting the frame while the other reads it.
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::path out = fs::path(::testing::TempDir()) /
                   (test + "_" + fs::path(trace).stem().string() + "_" + std::to_string(::getpid()) + ".ppm");
    auto r = dustdbg({"--screenshot", out.string(), "--at", at, "--size", "1280x800", (kCrashDir / trace).string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Image image;
    EXPECT_TRUE(read_ppm(out, image)) << "no readable frame in " << out;
    fs::remove(out);
    return image;
  }

  std::string xvfb_;
};

TEST_F(Screenshot, TheDeadlockFrameShowsItsLanes) {
  Image img = shoot("two_lock_deadlock.dtrace", "failure");
  ASSERT_EQ(img.width, 1280);
  ASSERT_EQ(img.height, 800);
  int timeline_bottom = img.height / 2;  // the timeline is the top part of the window
  EXPECT_GT(img.count(palette::kThreadRunning, 0, timeline_bottom), 400) << "running spans";
  EXPECT_GT(img.count(palette::kThreadRunnable, 0, timeline_bottom), 400) << "runnable spans";
  EXPECT_GT(img.count(palette::kThreadBlocked, 0, timeline_bottom), 400) << "blocked spans of the deadlock";
  EXPECT_GT(img.count(palette::kMutexHeld, 0, timeline_bottom), 200) << "held mutex spans";
  EXPECT_GT(img.count(palette::kMutexContended, 0, timeline_bottom), 200) << "contention in its own colour";
  EXPECT_GT(img.count(palette::kMutexWaited, 0, timeline_bottom), 20) << "a mutex wait";
  EXPECT_GT(img.count(palette::kMemoryLive, 0, timeline_bottom), 200) << "the memory block's lifetime";
  EXPECT_GT(img.count(palette::kEffect, 0, timeline_bottom), 20) << "effect markers";
  EXPECT_GT(img.count(palette::kFailure, 0, timeline_bottom), 150) << "the failure marker";
  EXPECT_GT(img.count(palette::kFocusLine, timeline_bottom, img.height), 1000) << "the failing statement highlighted";
}

TEST_F(Screenshot, QAndPhiFailuresAreMarked) {
  Image q = shoot("q_linearity_violation.dtrace", "failure");
  EXPECT_GT(q.count(palette::kQLive) + q.count(palette::kQEnded), 200) << "Q lifetime bars";
  EXPECT_GT(q.count(palette::kMarkViolation), 10) << "the linearity violation mark";
  Image phi = shoot("phi_inadmissible.dtrace", "failure");
  EXPECT_GT(phi.count(palette::kPhiHeld), 10) << "the constraint that held";
  EXPECT_GT(phi.count(palette::kPhiFailed), 10) << "the constraint that failed";
}

TEST_F(Screenshot, ADirProgramIsRecordedThenShown) {
  fs::path out = fs::path(::testing::TempDir()) / "phi_run.ppm";
  fs::path program = fs::path(DUST_SOURCE_DIR) / "assets/demo/phi_witness_run.dir.json";
  auto r = dustdbg({"--screenshot", out.string(), "--at", "failure", "--size", "1280x800", program.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Image img;
  ASSERT_TRUE(read_ppm(out, img));
  fs::remove(out);
  EXPECT_GT(img.count(palette::kPhiWitness), 20) << "witness marks on the \u03a6 lane";
  EXPECT_GT(img.count(palette::kPhiRefused), 10) << "the refusal that ends a \u03a6 run";
  EXPECT_GT(img.count(palette::kThreadRunning), 400);
}

TEST_F(Screenshot, AnIdleFrameAllocatesNothing) {
  auto r = dustdbg({"--idle-check", "--size", "800x600", (kCrashDir / "two_lock_deadlock.dtrace").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("idle frames: 0 allocations"), std::string::npos) << r.out;
}

TEST_F(Screenshot, TheDeadlockCycleIsDrawnAndNoBannerShows) {
  Image img = shoot("two_lock_deadlock.dtrace", "failure");
  EXPECT_GT(img.count(palette::kWaitCycle, 0, img.height / 2), 60) << "the wait-for arrows at the deadlock";
  EXPECT_EQ(img.count(palette::kWarningBanner), 0) << "a complete trace opens without a banner";
  EXPECT_EQ(img.count(palette::kErrorBanner), 0);
}

// The window as a user sees it when a file does not open: the error in a
// banner across the top, the exit code and stderr saying so as well.
TEST_F(Screenshot, AFileThatDoesNotOpenIsShownInTheWindow) {
  fs::path dir = fs::path(::testing::TempDir());
  std::ofstream(dir / "empty.dtrace", std::ios::binary).flush();
  std::ofstream(dir / "garbage.dtrace", std::ios::binary) << std::string("\x13\x37 not a trace at all", 21);
  struct Case {
    std::string file;
    std::string says;
  };
  for (const Case& c : {Case{(dir / "missing.dtrace").string(), "no such file"},
                        Case{(dir / "empty.dtrace").string(), "the file is empty"},
                        Case{(dir / "garbage.dtrace").string(), "neither a recording"}}) {
    fs::path out = dir / "error.ppm";
    fs::remove(out);
    auto r = dustdbg({"--screenshot", out.string(), "--size", "1280x800", c.file});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find(c.file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("DIR load error"), std::string::npos) << r.err;
    Image img;
    ASSERT_TRUE(read_ppm(out, img)) << "the window with the error is still drawn: " << r.out << r.err;
    EXPECT_GT(img.count(palette::kErrorBanner, 0, 120), 15000) << c.file << ": the error banner across the top";
    EXPECT_GT(img.count(palette::kBannerLightInk, 0, 120), 25) << c.file << ": its text";
  }
}

// A recording cut short opens under a banner saying how far it reads.
TEST_F(Screenshot, ATruncatedTraceOpensUnderABanner) {
  fs::path dir = fs::path(::testing::TempDir());
  fs::path trace = dir / "cut_whole.dtrace";
  auto rec = dust_test::run_process(DUSTRUN_PATH, {"record", (fs::path(DUST_SOURCE_DIR) / "assets/examples/k_collatz.dir.json").string(),
                                                   "-o", trace.string(), "--keyframe-every", "64", "--every-step"});
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  std::string bytes;
  {
    std::ifstream in(trace, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  fs::path cut = dir / "cut.dtrace";
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() * 6 / 10);
  auto info = dust_test::run_process(DUSTRUN_PATH, {"inspect", cut.string(), "--info"});
  ASSERT_NE(info.out.find("INCOMPLETE"), std::string::npos) << "the cut must leave a readable, incomplete trace: " << info.out << info.err;

  fs::path out = dir / "cut.ppm";
  auto r = dustdbg({"--screenshot", out.string(), "--at", "failure", "--size", "1280x800", cut.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no failure in the readable part"), std::string::npos) << r.out;
  Image img;
  ASSERT_TRUE(read_ppm(out, img));
  EXPECT_GT(img.count(palette::kWarningBanner, 0, 160), 15000) << "the truncation banner";
  EXPECT_GT(img.count(palette::kBannerDarkInk, 0, 160), 25) << "its text";
}

// `--at failure` on a run that did not fail says so, in the window and on stdout.
TEST_F(Screenshot, AtFailureOnARunWithoutOneSaysSo) {
  fs::path program = fs::path(DUST_SOURCE_DIR) / "assets/examples/mutex_counter.dir.json";
  fs::path out = fs::path(::testing::TempDir()) / "no_failure.ppm";
  auto r = dustdbg({"--screenshot", out.string(), "--at", "failure", "--size", "1280x800", program.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--at failure: the run did not fail"), std::string::npos) << r.out;
  Image img;
  ASSERT_TRUE(read_ppm(out, img));
  EXPECT_GT(img.count(palette::kWarningBanner, 0, 120), 15000) << "the note as a banner";
}

// ImGui 1.86 polls key state, so a tap whose press and release come in one
// batch of events would vanish; dustdbg queues them one per frame.
TEST_F(Screenshot, KeyTapsInOneBatchAreNotLost) {
  auto r = dustdbg({"--key-check", "--size", "800x600", (kCrashDir / "two_lock_deadlock.dtrace").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("none lost"), std::string::npos) << r.out;
}

TEST_F(Screenshot, BadFilesFailWithAMessage) {
  auto r = dustdbg({"--screenshot", (fs::path(::testing::TempDir()) / "x.png").string(), "/nonexistent.dtrace"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/nonexistent.dtrace"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dust::dbg
