// fuzz_targets.cpp — the fuzzing harnesses (see fuzz_targets.hpp).
#include "fuzz_targets.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "../../recorder/src/crc32.hpp"
#include "dust/dir_loader.hpp"
#include "dust/machine.hpp"
#include "dust/recorder/state_report.hpp"
#include "dust/recorder/trace_format.hpp"
#include "dust/recorder/trace_reader.hpp"
#include "dust/trace_json.hpp"
#include "dustlib_k/dustlib_k.hpp"

namespace dust_fuzz {

namespace {

// Steps a fuzzed program may run: enough to reach most statements of a
// small program, few enough that one input costs milliseconds.
constexpr std::uint64_t kMaxSteps = 2000;

[[noreturn]] void broken(const char* promise, std::string_view detail) {
  std::fprintf(stderr, "fuzz: broken promise: %s\n%.*s\n", promise, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void expect_json(const std::string& text) {
  if (!nlohmann::json::accept(text)) broken("output is valid JSON", text);
}

std::uint32_t le32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(s[at + i])) << (8 * i);
  return v;
}

void put_le32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Makes every checksum of a trace right again, as an attacker with the
// format description would: the file header's, each chunk's header and
// payload checksums as far as the framing goes, and the footer's. A
// mutation then reaches what lies behind the checksums (trace_format.hpp
// has the layout).
void fix_checksums(std::string& t) {
  using namespace dust::rec;
  if (t.size() < kFileHeaderSize) return;
  put_le32(t, 20, crc32c(t.data(), 20));
  std::size_t at = kFileHeaderSize;
  while (at + kChunkHeaderSize <= t.size()) {
    const std::uint32_t stored = le32(t, at + 4);
    if (stored > t.size() - at - kChunkHeaderSize) break;
    put_le32(t, at + 24, crc32c(t.data() + at + kChunkHeaderSize, stored));
    put_le32(t, at + 28, crc32c(t.data() + at, 28));
    at += kChunkHeaderSize + stored;
  }
  if (t.size() >= kFileHeaderSize + kFooterSize) {
    const std::size_t footer = t.size() - kFooterSize;
    std::uint32_t crc = crc32c(t.data() + footer, 12);
    put_le32(t, footer + 12, crc32c(kFooterMagic, sizeof kFooterMagic, crc));
  }
}

// The bytes as a file with a name, without touching the disk.
class MemoryFile {
 public:
  MemoryFile(const std::uint8_t* data, std::size_t size) : fd_(::memfd_create("fuzz.dtrace", MFD_CLOEXEC)) {
    std::size_t done = 0;
    while (fd_ >= 0 && done < size) {
      ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
  }
  ~MemoryFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  bool ok() const { return fd_ >= 0; }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace

int fuzz_dir_loader(const std::uint8_t* data, std::size_t size) {
  dust::LoadResult loaded = dust::load_dir_text(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!loaded.ok()) {
    expect_json(dust::error_trace_json(loaded.error));
    return 0;
  }
  dust::Machine machine(loaded.program, &dust::k::standard_intrinsics(), dust::RunConfig{});
  dust::StepEvent event;
  while (!machine.done() && machine.steps < kMaxSteps) {
    machine.run_simple(kMaxSteps - machine.steps);
    if (!machine.done() && machine.steps < kMaxSteps) machine.step(event);
  }
  if (machine.done()) expect_json(dust::outcome_trace_json(machine));
  expect_json(dust::rec::state_json(machine));
  return 0;
}

int fuzz_trace_reader(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  fix_checksums(bytes);
  MemoryFile file(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (!file.ok()) return 0;
  std::string error;
  std::unique_ptr<dust::rec::TraceReader> reader =
      dust::rec::TraceReader::open(file.path(), dust::k::standard_intrinsics(), error);
  if (!reader) {
    if (error.rfind(file.path(), 0) != 0) broken("an open error names the file", error);
    return 0;
  }
  dust::rec::TraceReader& r = *reader;
  const std::uint64_t steps = r.info().steps;
  r.verify(error);
  for (std::uint64_t step : {std::uint64_t{0}, steps / 2, steps}) {
    dust::Machine m = r.state_at(step);
    if (!r.last_error().empty()) break;
    dust::rec::state_text(m);
    expect_json(dust::rec::state_json(m));
  }
  for (const dust::StepEvent& e : r.events(0, std::min<std::uint64_t>(steps, 64))) {
    dust::rec::describe_step(*r.program(), e);
  }
  r.tick_at(steps);
  for (std::uint32_t t = 0; t < std::min<std::uint32_t>(r.info().threads, 8); ++t) {
    r.thread_lane(t, 0, steps, 1 + steps / 64);
  }
  for (std::int64_t m : r.mutexes()) r.mutex_lane(m, 0, steps, 1 + steps / 64);
  r.q_lifetimes();
  r.memory_lifetimes();
  r.phi_marks();
  r.effect_marks(0, steps);
  r.failure();
  r.last_write("i", steps, dust::rec::FrameSelector{});
  r.origin("i", steps, dust::rec::FrameSelector{});
  r.memory_accesses(0, 1 << 20, 0, steps);
  r.data_races();
  std::optional<dust::rec::Divergence> divergence;
  r.replay(divergence);
  return 0;
}

}  // namespace dust_fuzz
