// sandbox_test.cpp — realize mode touches nothing outside --fs-root, by
// construction: dangling symlinks, symlinked directories, `..`, absolute
// paths, /proc/self, NUL bytes, very long paths, FIFOs, and another thread
// swapping a directory inside the root for a symlink to outside while the
// run writes. Every scenario runs twice: with the kernel's openat2, and in
// a child process where a seccomp filter makes openat2 fail with ENOSYS, as
// on a kernel before 5.6, so the component-by-component walk is tested too.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "../../dustlib_k/src/file_world.hpp"
#include "k_harness.hpp"

namespace fs = std::filesystem;

namespace {

class Failures {
 public:
  void check(bool ok, const std::string& what) {
    if (!ok) list_.push_back(what);
  }
  const std::vector<std::string>& list() const { return list_; }

 private:
  std::vector<std::string> list_;
};

void write_file(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string message(const std::optional<dust::DvmError>& e) { return e ? e->message : std::string("(no error)"); }

bool refused_as_link(const std::optional<dust::DvmError>& e) {
  return e && e->kind == dust::ErrorKind::EffectViolation &&
         e->message.find("escapes --fs-root through a symbolic link") != std::string::npos;
}

// Runs every scenario under `base` (which it fills: base/root is the
// sandbox, base/outside what must stay untouched); returns what went wrong.
std::vector<std::string> sandbox_failures(const fs::path& base, std::chrono::milliseconds race) {
  Failures f;
  const fs::path root = base / "root", outside = base / "outside";
  fs::create_directories(root / "sub");
  fs::create_directories(outside);
  write_file(outside / "secret.txt", "top secret");
  dust::RunConfig config;
  config.effects = dust::EffectMode::Realize;
  config.fs_root = root.string();
  dust::k::OutsideFile read;

  // A dangling symlink to a file outside: nothing is created there.
  fs::create_symlink(outside / "created.txt", root / "dangling");
  f.check(refused_as_link(dust::k::truncate_outside(config, "dangling")), "truncate through a dangling link");
  f.check(refused_as_link(dust::k::write_outside(config, "dangling", 0, "x")), "write through a dangling link");
  f.check(!fs::exists(outside / "created.txt"), "a dangling link created a file outside");

  // A symlink to a file outside, and one to a directory outside.
  fs::create_symlink(outside / "secret.txt", root / "link.txt");
  fs::create_directory_symlink(outside, root / "up");
  f.check(refused_as_link(dust::k::consult_outside(config, "link.txt", read)), "read through a file link");
  f.check(refused_as_link(dust::k::consult_outside(config, "up/secret.txt", read)), "read through a directory link");
  f.check(refused_as_link(dust::k::write_outside(config, "up/planted.txt", 0, "x")), "write through a directory link");
  f.check(!fs::exists(outside / "planted.txt"), "a directory link let a write out");
  // Links are never followed, even those that stay inside: whether one
  // does can change between a check and the use.
  write_file(root / "real.txt", "inside");
  fs::create_symlink("real.txt", root / "alias.txt");
  f.check(refused_as_link(dust::k::consult_outside(config, "alias.txt", read)), "read through an inside link");
  // /proc/self's magic links lead anywhere.
  fs::create_directory_symlink("/proc/self/cwd", root / "cwd");
  f.check(refused_as_link(dust::k::consult_outside(config, "cwd/secret.txt", read)), "read through /proc/self/cwd");

  // Plain files, and what is not one.
  f.check(!dust::k::consult_outside(config, "real.txt", read) && read.existed && read.contents == "inside",
          "read a plain file");
  f.check(!dust::k::consult_outside(config, "sub/missing.txt", read) && !read.existed, "a missing file");
  f.check(message(dust::k::consult_outside(config, "sub", read)).find("is a directory") != std::string::npos,
          "read a directory");
  ::mkfifo((root / "fifo").c_str(), 0644);
  f.check(message(dust::k::consult_outside(config, "fifo", read)).find("not a regular file") != std::string::npos,
          "read a FIFO (which would block)");
  f.check(!dust::k::write_outside(config, "sub/new.txt", 0, "abc") && fs::exists(root / "sub/new.txt"), "write inside");

  // Keys come from resolve_path, which refuses climbing out, absolute paths
  // outside the root (/proc/self among them) and NUL bytes.
  std::string key;
  for (std::string path : {std::string("../outside/secret.txt"), std::string("sub/../../outside/secret.txt"),
                           (outside / "secret.txt").string(), std::string("/proc/self/environ")}) {
    std::optional<dust::DvmError> e = dust::k::resolve_path(config, path, key);
    f.check(e && e->message == "path escapes --fs-root: " + path, "resolve " + path + ": " + message(e));
  }
  std::optional<dust::DvmError> nul = dust::k::resolve_path(config, std::string("real.txt\0../x", 13), key);
  f.check(nul && nul->kind == dust::ErrorKind::ConstraintFailure, "a NUL byte in a path: " + message(nul));
  // Very long: a name past NAME_MAX, a path past PATH_MAX.
  std::string long_name(300, 'n');
  std::string long_path;
  for (int i = 0; i < 5000; ++i) long_path += "d/";
  long_path += "f";
  std::optional<dust::DvmError> e = dust::k::write_outside(config, long_name, 0, "x");
  f.check(e && e->message.find("too long") != std::string::npos, "a very long name: " + message(e).substr(0, 200));
  e = dust::k::write_outside(config, long_path, 0, "x");
  f.check(e && e->kind == dust::ErrorKind::EffectViolation, "a very long path: " + message(e).substr(0, 200));

  // The race: another thread swaps root/d, a directory, with a symlink to
  // outside as fast as it can, while this one writes root/d/f.
  fs::create_directories(root / "d");
  fs::create_directory_symlink(outside, root / "swap");
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    const std::string a = (root / "d").string(), b = (root / "swap").string();
    while (!stop.load(std::memory_order_relaxed)) {
      ::syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
    }
  });
  std::uint64_t writes = 0, refused = 0;
  const auto until = std::chrono::steady_clock::now() + race;
  while (std::chrono::steady_clock::now() < until) {
    ++writes;
    if (dust::k::write_outside(config, "d/f", 0, "planted")) ++refused;
    dust::k::truncate_outside(config, "d/g");
  }
  stop = true;
  swapper.join();
  f.check(!fs::exists(outside / "f") && !fs::exists(outside / "g"), "the swap race let a write land outside");
  f.check(refused > 0 && refused < writes, "the race did not race (" + std::to_string(refused) + " of " +
                                               std::to_string(writes) + " writes refused)");
  return f.list();
}

class Sandbox : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("dust_sandbox_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_);
  }
  void TearDown() override { fs::remove_all(base_); }
  fs::path base_;
};

// Makes openat2 fail with ENOSYS in this process, as old kernels do.
bool without_openat2() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

TEST_F(Sandbox, NothingOutsideTheRootIsTouchedWithOpenat2) {
  for (const std::string& failure : sandbox_failures(base_, std::chrono::seconds(3))) ADD_FAILURE() << failure;
}

TEST_F(Sandbox, NothingOutsideTheRootIsTouchedWithoutOpenat2) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        if (!without_openat2()) {
          std::cerr << "cannot install the seccomp filter\n";
          std::_Exit(2);
        }
        std::vector<std::string> failures = sandbox_failures(base_, std::chrono::seconds(3));
        for (const std::string& failure : failures) std::cerr << failure << "\n";
        std::_Exit(failures.empty() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// The same through a program: the run fails with the effect violation and
// leaves nothing outside.
TEST_F(Sandbox, AProgramWritingThroughADanglingLinkCreatesNothing) {
  fs::create_directories(base_ / "root");
  fs::create_symlink(base_ / "created.txt", base_ / "root/log.txt");
  dust::RunConfig config;
  config.effects = dust::EffectMode::Realize;
  config.fs_root = (base_ / "root").string();
  k_test::KRun run = k_test::run_text(k_test::k_main({k_test::let("fd", "open(\"log.txt\", \"w\")")}), config);
  EXPECT_EQ(run.failure(), "EffectViolation: path escapes --fs-root through a symbolic link: log.txt");
  EXPECT_FALSE(fs::exists(base_ / "created.txt"));
}

}  // namespace
