// dap_session_target.cpp — the fuzzing harness for the debug adapter (see
// fuzz_targets.hpp): the bytes are what a DAP client sends on stdin,
// framing and all, served by the adapter in-process through a pair of
// memory files, as `dustrun dap` serves them.
//
// Relative paths in the messages resolve in a scratch folder made once per
// process, which holds recordings to attach to (t.dtrace: a threaded run;
// f.dtrace: a run that deadlocks) and a program to launch (p.dir.json), so
// mutated sessions reach the requests that need an open recording. A
// realize-mode launch writes its files there too.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "adapter.hpp"
#include "dustlib_k/dustlib_k.hpp"
#include "fuzz_targets.hpp"
#include "launch_plan.hpp"

namespace dust_fuzz {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void harness_failed(const std::string& what) {
  std::fprintf(stderr, "fuzz: dap harness set-up failed: %s\n", what.c_str());
  std::abort();
}

void record(const fs::path& program, const fs::path& trace, std::uint64_t seed) {
  dust::dap::LaunchPlan plan;
  plan.program = program.string();
  plan.config.seed = seed;
  plan.config.max_steps = 20000;
  std::string error;
  if (!dust::dap::record_for_debugging(plan, trace.string(), dust::k::standard_intrinsics(), error)) {
    harness_failed(error);
  }
}

// Makes the scratch folder and enters it, once.
void enter_scratch_folder() {
  static const bool entered = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/dust-fuzz-dap-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) harness_failed("cannot make a scratch folder");
    const fs::path scratch(pattern);
    const fs::path examples = fs::path(DUST_SOURCE_DIR) / "assets/examples";
    std::error_code ec;
    fs::copy_file(examples / "threading_parallel_sum.dir.json", scratch / "p.dir.json", ec);
    if (ec) harness_failed("cannot copy the example program: " + ec.message());
    record(scratch / "p.dir.json", scratch / "t.dtrace", 3);
    record(examples / "two_lock_deadlock.dir.json", scratch / "f.dtrace", 1);
    fs::current_path(scratch, ec);
    if (ec) harness_failed("cannot enter " + scratch.string());
    static std::string to_remove = scratch.string();
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(to_remove, ignored);
    });
    return true;
  }();
  (void)entered;
}

// A file in memory, for the adapter's input and output.
class MemoryFd {
 public:
  explicit MemoryFd(const char* name) : fd_(::memfd_create(name, MFD_CLOEXEC)) {}
  ~MemoryFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  MemoryFd(const MemoryFd&) = delete;
  MemoryFd& operator=(const MemoryFd&) = delete;
  int fd() const { return fd_; }
  bool write_all(const std::uint8_t* data, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
      ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return ::lseek(fd_, 0, SEEK_SET) == 0;
  }
  std::string contents() const {
    std::string out;
    char chunk[65536];
    for (off_t at = 0;;) {
      ssize_t n = ::pread(fd_, chunk, sizeof chunk, at);
      if (n <= 0) break;
      out.append(chunk, static_cast<std::size_t>(n));
      at += n;
    }
    return out;
  }

 private:
  int fd_;
};

// Everything the adapter wrote must be Content-Length frames of JSON objects.
void expect_frames(const std::string& out) {
  std::size_t pos = 0;
  while (pos < out.size()) {
    constexpr std::string_view kHeader = "Content-Length: ";
    std::size_t header_end = out.find("\r\n\r\n", pos);
    if (out.compare(pos, kHeader.size(), kHeader) != 0 || header_end == std::string::npos) {
      std::fprintf(stderr, "fuzz: broken promise: the adapter writes framed messages\n");
      std::abort();
    }
    std::size_t length = std::stoul(out.substr(pos + kHeader.size(), header_end - pos - kHeader.size()));
    dust::dap::json message = dust::dap::json::parse(out.substr(header_end + 4, length), nullptr, false);
    if (message.is_discarded() || !message.is_object()) {
      std::fprintf(stderr, "fuzz: broken promise: the adapter writes JSON objects\n");
      std::abort();
    }
    pos = header_end + 4 + length;
  }
}

}  // namespace

int fuzz_dap_session(const std::uint8_t* data, std::size_t size) {
  enter_scratch_folder();
  MemoryFd in("dap-in");
  MemoryFd out("dap-out");
  if (in.fd() < 0 || out.fd() < 0 || !in.write_all(data, size)) return 0;
  {
    dust::dap::Connection connection(in.fd(), out.fd());
    dust::dap::Adapter adapter(connection, dust::k::standard_intrinsics());
    adapter.serve();
  }
  expect_frames(out.contents());
  return 0;
}

}  // namespace dust_fuzz
