// io_test.cpp — dustlib_k's io module: the simulated file world, realize
// mode sandboxed under --fs-root, replay from recorded inputs, the console
// and device ports, and the violations with their kinds and messages.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "k_harness.hpp"

using namespace k_test;
using dust::LibEventKind;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test, removed afterwards.
class IoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("dustlib_k_io_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "sandbox");
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path sandbox() const { return root_ / "sandbox"; }
  void write_file(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  static std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  dust::RunConfig config(dust::EffectMode mode, bool with_root = true) const {
    dust::RunConfig c;
    c.effects = mode;
    if (with_root) c.fs_root = sandbox().string();
    return c;
  }

  fs::path root_;
};

// Writes `text` to `path`, then reads the file back whole; returns what was read.
Json write_then_read(const std::string& path, const std::string& text) {
  return Json::array({
      alloc("256", "buf"),
      let("n", "mem_write_str(buf, " + Json(text).dump() + ")"),
      let("w", "open(" + Json(path).dump() + ", \"w\")"),
      call("write", {"w", "buf", "n"}),
      call("close", {"w"}),
      alloc("256", "in"),
      let("r", "open(" + Json(path).dump() + ", \"r\")"),
      let("got", "read(r, in, 256)"),
      call("close", {"r"}),
      let("back", "mem_read_str(in, got)"),
      dealloc("buf"),
      dealloc("in"),
      ret("back"),
  });
}

// Opens the path `path_expr` evaluates to for reading and returns its
// whole contents (or -1 if the file does not exist).
Json read_whole_expr(const std::string& path_expr) {
  return Json::array({
      let("r", "open(" + path_expr + ", 0)"),
      if_("r Eq Neg(1)", {ret("Neg(1)")}),
      alloc("256", "in"),
      let("got", "read(r, in, 256)"),
      call("close", {"r"}),
      let("text", "mem_read_str(in, got)"),
      dealloc("in"),
      ret("text"),
  });
}

Json read_whole(const std::string& path) { return read_whole_expr(Json(path).dump()); }

TEST_F(IoTest, SimulateWithoutRootIsAnInMemoryWorld) {
  KRun r = run_text(k_main(write_then_read("/tmp/dust-sim-only.txt", "hello")));
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_EQ(r.outcome().returned->as_string(), "hello");
  EXPECT_FALSE(fs::exists("/tmp/dust-sim-only.txt"));
  EXPECT_EQ(r.machine.k.files.at("tmp/dust-sim-only.txt"), "hello");
}

TEST_F(IoTest, SimulateIsSeededFromTheRootButNeverWritesIt) {
  write_file(sandbox() / "data/in.txt", "seed contents");
  Json body = Json::array({
      let("r", "open(\"data/in.txt\", \"r\")"), alloc("64", "buf"), let("got", "read(r, buf, 64)"),
      let("more", "read(r, buf, 64)"), call("close", {"r"}), let("w", "open(\"data/in.txt\", \"a\")"),
      call("write", {"w", "buf", "4"}), call("close", {"w"}), let("w2", "open(\"fresh.txt\", \"w\")"),
      call("write", {"w2", "buf", "got"}), call("close", {"w2"}), dealloc("buf"), ret("[got, more]")});
  KRun r = run_text(k_main(body), config(dust::EffectMode::Simulate));
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_EQ(r.outcome().returned->array_items()[0].as_int(), 13);
  EXPECT_EQ(r.outcome().returned->array_items()[1].as_int(), 0);  // end of file
  EXPECT_EQ(r.machine.k.files.at("data/in.txt"), "seed contentsseed");
  EXPECT_EQ(read_file(sandbox() / "data/in.txt"), "seed contents");
  EXPECT_FALSE(fs::exists(sandbox() / "fresh.txt"));
  // The one value that came from outside entered through the open's event.
  auto opens = r.lib_events(LibEventKind::IoOpen);
  ASSERT_EQ(opens.size(), 3u);
  EXPECT_EQ(opens[0].b, 1);
  EXPECT_EQ(opens[0].text, "data/in.txt");
  EXPECT_EQ(opens[0].data, "seed contents");
  EXPECT_EQ(opens[1].b, 0);  // already taken in: nothing read from outside
  EXPECT_EQ(opens[2].b, 0);
}

TEST_F(IoTest, RealizeReadsAndWritesRealFilesUnderTheRoot) {
  write_file(sandbox() / "log.txt", "one\n");
  Json body = Json::array({
      alloc("64", "buf"), let("n", "mem_write_str(buf, \"two\\n\")"), let("a", "open(\"log.txt\", \"a\")"),
      call("write", {"a", "buf", "n"}), call("close", {"a"}), let("w", "open(\"sub/../new.txt\", 1)"),
      call("write", {"w", "buf", "n"}), call("write", {"w", "buf", "n"}), call("close", {"w"}), dealloc("buf")});
  KRun r = run_text(k_main(body), config(dust::EffectMode::Realize));
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_EQ(read_file(sandbox() / "log.txt"), "one\ntwo\n");
  EXPECT_EQ(read_file(sandbox() / "new.txt"), "two\ntwo\n");
  auto opens = r.lib_events(LibEventKind::IoOpen);
  ASSERT_EQ(opens.size(), 2u);
  EXPECT_EQ(opens[0].data, "one\n");
  EXPECT_EQ(opens[0].b, 1);
}

TEST_F(IoTest, RealizeReadsAFileFromOutsideOnlyOnce) {
  write_file(sandbox() / "f.txt", "abc");
  KRun twice = run_text(program(Json::array({proc("reader", read_whole("f.txt")),
                                            proc("main", {let("a", "reader()"), let("b", "reader()"),
                                                          ret("[a, b]")})})),
                       config(dust::EffectMode::Realize));
  ASSERT_TRUE(twice.finished()) << twice.failure();
  auto opens = twice.lib_events(LibEventKind::IoOpen);
  ASSERT_EQ(opens.size(), 2u);
  EXPECT_EQ(opens[0].b, 1);
  EXPECT_EQ(opens[1].b, 0);
  EXPECT_EQ(twice.outcome().returned->array_items()[1].as_string(), "abc");
}

TEST_F(IoTest, ReplayTakesRecordedInputsAndTouchesNothing) {
  dust::RunConfig c = config(dust::EffectMode::Realize);
  c.fs_root = (root_ / "does-not-exist").string();
  c.replaying = true;
  c.recorded_inputs = dust::RecordedInputs(dust::RecordedInputs::Files{{"in.txt", "recorded"}});
  Json body = Json::array({
      let("text", "reader(\"in.txt\")"), let("gone", "reader(\"absent.txt\")"), alloc("8", "buf"),
      let("w", "open(\"out.txt\", \"w\")"), call("write", {"w", "buf", "8"}), call("close", {"w"}), dealloc("buf"),
      ret("[text, gone]")});
  KRun r = run_text(program(Json::array({proc("reader", read_whole_expr("path"), {"path"}), proc("main", body)})), c);
  ASSERT_TRUE(r.finished()) << r.failure();
  EXPECT_EQ(r.outcome().returned->array_items()[0].as_string(), "recorded");
  EXPECT_EQ(r.outcome().returned->array_items()[1].as_int(), -1);
  EXPECT_FALSE(fs::exists(root_ / "does-not-exist"));
}

TEST_F(IoTest, ConsoleOutputIsRecordedAsEffects) {
  KRun r = run_text(k_main({alloc("8", "p"), call("mem_write_str", {"p", "\"hi\""}), call("puts", {"p"}),
                           call("putchar", {"10"}), call("puts", {"\"there\""}), call("write", {"2", "p", "2"}),
                           dealloc("p")}));
  ASSERT_TRUE(r.finished()) << r.failure();
  ASSERT_EQ(r.machine.effects.size(), 4u);
  EXPECT_EQ(r.machine.effects[0].kind, "stdout");
  EXPECT_EQ(r.machine.effects[0].payload, "hi");
  EXPECT_EQ(r.machine.effects[1].payload, "\n");
  EXPECT_EQ(r.machine.effects[2].payload, "there");
  EXPECT_EQ(r.machine.effects[3].kind, "stderr");
  EXPECT_EQ(r.machine.effects[3].payload, "hi");
}

TEST_F(IoTest, PortsAndMmioAreSimulatedDevices) {
  KRun r = run_text(k_main({let("before", "io_read(96)"), call("io_write", {"96", "7"}), call("mmio_write", {"96", "9"}),
                           ret("[before, io_read(96), mmio_read(96), mmio_read(4)]")}),
                   config(dust::EffectMode::Realize, false));
  ASSERT_TRUE(r.finished()) << r.failure();
  const auto& items = r.outcome().returned->array_items();
  EXPECT_EQ(items[0].as_int(), 0);
  EXPECT_EQ(items[1].as_int(), 7);
  EXPECT_EQ(items[2].as_int(), 9);
  EXPECT_EQ(items[3].as_int(), 0);
  EXPECT_EQ(r.lib_events(LibEventKind::PortWrite).size(), 2u);
}

// ---- violations ----

TEST_F(IoTest, FdUsedAfterClose) {
  Json body = Json::array({alloc("8", "p"), let("fd", "open(\"x\", \"w\")"), call("close", {"fd"}),
                           call("write", {"fd", "p", "1"})});
  EXPECT_EQ(run_text(k_main(body)).failure(), "ConstraintFailure: fd used after close: 3");
  EXPECT_EQ(run_text(k_main({let("fd", "open(\"x\", \"w\")"), call("close", {"fd"}), call("close", {"fd"})})).failure(),
            "ConstraintFailure: fd used after close: 3");
}

TEST_F(IoTest, BadFdsAndModes) {
  EXPECT_EQ(run_text(k_main({call("close", {"9"})})).failure(), "ConstraintFailure: bad file descriptor: 9");
  EXPECT_EQ(run_text(k_main({alloc("8", "p"), let("fd", "open(\"x\", \"w\")"), let("n", "read(fd, p, 1)")})).failure(),
            "ConstraintFailure: fd 3 is not open for reading");
  EXPECT_EQ(run_text(k_main({let("fd", "open(\"x\", \"rw\")")})).failure(),
            "ConstraintFailure: invalid open mode: String(\"rw\") (expected \"r\", \"w\", \"a\" or 0, 1, 2)");
  EXPECT_EQ(run_text(k_main({call("close", {"1"})})).failure(),
            "ConstraintFailure: fd 1 is the console and cannot be closed");
}

TEST_F(IoTest, ReadIntoABadBufferIsAMemoryViolation) {
  Json body = Json::array({let("w", "open(\"x\", \"w\")"), alloc("8", "p"), call("mem_write_str", {"p", "\"abcdefgh\""}),
                           call("write", {"w", "p", "8"}), call("close", {"w"}), let("r", "open(\"x\", \"r\")"),
                           alloc("4", "small"), let("n", "read(r, small, 8)")});
  EXPECT_EQ(run_text(k_main(body)).failure(), "ConstraintFailure: out of bounds: 16777232");
}

TEST_F(IoTest, PathEscapingTheRootIsAnEffectViolation) {
  write_file(root_ / "secret.txt", "top secret");
  for (dust::EffectMode mode : {dust::EffectMode::Simulate, dust::EffectMode::Realize}) {
    EXPECT_EQ(run_text(k_main({let("fd", "open(\"../secret.txt\", \"r\")")}), config(mode)).failure(),
              "EffectViolation: path escapes --fs-root: ../secret.txt");
    std::string outside = (root_ / "secret.txt").string();
    EXPECT_EQ(run_text(k_main({let("fd", "open(" + Json(outside).dump() + ", \"r\")")}), config(mode)).failure(),
              "EffectViolation: path escapes --fs-root: " + outside);
  }
  // An absolute path inside the root is fine.
  write_file(sandbox() / "inside.txt", "ok");
  KRun inside = run_text(k_main(read_whole((sandbox() / "inside.txt").string())), config(dust::EffectMode::Realize));
  ASSERT_TRUE(inside.finished()) << inside.failure();
  EXPECT_EQ(inside.outcome().returned->as_string(), "ok");
  EXPECT_EQ(run_text(k_main({let("fd", "open(\"a/../../x\", \"w\")")})).failure(),
            "EffectViolation: path escapes the root of the simulated file system: a/../../x");
}

TEST_F(IoTest, ASymlinkOutOfTheRootIsRefused) {
  write_file(root_ / "secret.txt", "top secret");
  fs::create_symlink(root_ / "secret.txt", sandbox() / "link.txt");
  fs::create_directory_symlink(root_, sandbox() / "up");
  for (dust::EffectMode mode : {dust::EffectMode::Simulate, dust::EffectMode::Realize}) {
    EXPECT_EQ(run_text(k_main(read_whole("link.txt")), config(mode)).failure(),
              "EffectViolation: path escapes --fs-root through a symbolic link: link.txt");
    EXPECT_EQ(run_text(k_main({let("fd", "open(\"up/planted.txt\", \"w\")")}), config(mode)).failure(),
              mode == dust::EffectMode::Realize
                  ? "EffectViolation: path escapes --fs-root through a symbolic link: up/planted.txt"
                  : "finished");
  }
  EXPECT_FALSE(fs::exists(root_ / "planted.txt"));
}

TEST_F(IoTest, RealizeWithoutARootRefusesFileIo) {
  EXPECT_EQ(run_text(k_main({let("fd", "open(\"x.txt\", \"r\")")}), config(dust::EffectMode::Realize, false)).failure(),
            "EffectViolation: file I/O in realize mode needs --fs-root (path x.txt)");
}

}  // namespace
