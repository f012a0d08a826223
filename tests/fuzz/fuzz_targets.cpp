// fuzz_targets.cpp — the fuzzing harnesses (see fuzz_targets.hpp).
#include "fuzz_targets.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "../../recorder/src/crc32.hpp"
#include "debug_target.hpp"
#include "dust/dir_loader.hpp"
#include "dust/machine.hpp"
#include "dust/recorder/chrome_export.hpp"
#include "dust/recorder/query_json.hpp"
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

namespace {

// Steps to seek to: the ends and the middle, and three the input's bytes
// choose (so different inputs seek into different blocks), in an order
// that goes backwards too, as a user dragging the timeline does.
std::vector<std::uint64_t> seek_steps(const std::string& bytes, std::uint64_t steps) {
  const std::uint32_t h = dust::rec::crc32c(bytes.data(), bytes.size());
  const std::uint64_t span = steps + 1;
  return {steps / 2, steps, h % span, 0, (h >> 11) % span, (h >> 21) % span, steps / 3};
}

// The binding names the trace's own program declares (the first few of
// its first procs), so the name queries find real writes.
std::vector<std::string> binding_names(const dust::Program& program) {
  std::vector<std::string> names;
  for (std::size_t p = 0; p < program.procs.size() && names.size() < 4; ++p) {
    const dust::Proc& proc = program.procs[p];
    for (std::uint32_t s = 0; s < proc.slot_count() && s < 2 && names.size() < 4; ++s) {
      names.emplace_back(proc.slot_names.get(s));
    }
  }
  if (names.empty()) names.emplace_back("i");
  return names;
}

// What dustrun inspect's name queries ask: last writes (one frame, every
// frame, a memory cell) and bounded origin graphs, on a few threads.
void name_queries(dust::rec::TraceReader& r, std::uint64_t at) {
  const std::vector<std::string> names = binding_names(*r.program());
  const std::uint32_t threads = std::min<std::uint32_t>(std::max<std::uint32_t>(r.info().threads, 1), 3);
  dust::rec::OriginLimits limits;
  limits.depth = 6;
  limits.max_links = 48;
  for (std::uint32_t t = 0; t < threads; ++t) {
    const std::string& name = names[t % names.size()];
    expect_json(dust::rec::last_write_json(r.last_write(name, at, dust::rec::FrameSelector{t, std::nullopt, false})));
    r.last_write(name, at, dust::rec::FrameSelector{t, 0, false});
    r.last_write(name, at, dust::rec::FrameSelector{t, std::nullopt, true});
    expect_json(dust::rec::origin_json(r.origin(name, at, dust::rec::FrameSelector{t, std::nullopt, false}, limits)));
  }
  const std::vector<dust::rec::MemoryLifetime> blocks = r.memory_lifetimes();
  if (!blocks.empty()) {
    const dust::rec::MemoryLifetime& b = blocks[blocks.size() / 2];
    r.last_write("mem:" + std::to_string(b.address), at, dust::rec::FrameSelector{});
    r.origin("mem:" + std::to_string(b.address), at, dust::rec::FrameSelector{}, limits);
    expect_json(dust::rec::memory_history_json(
        r.memory_accesses(b.address, b.address + std::max<std::int64_t>(b.size, 1), 0, at)));
  }
  r.memory_accesses(0, 1 << 20, 0, at);
}

// What a debugging session (dustrun dap, the window) does with the trace:
// its step table, thread names and listing, and movements both ways from
// the start, the middle and the end, on the first threads.
void debug_session(const std::string& path) {
  std::string error;
  std::unique_ptr<dust::dap::DebugTarget> target =
      dust::dap::DebugTarget::open(path, "", dust::k::standard_intrinsics(), error);
  if (!target) {
    if (error.find(path) == std::string::npos) broken("a debug session's open error names the file", error);
    return;
  }
  dust::dap::DebugTarget& t = *target;
  const std::uint64_t steps = t.step_count();
  const std::uint32_t threads = std::min<std::uint32_t>(static_cast<std::uint32_t>(t.thread_names().size()), 3);
  for (std::uint64_t from : {std::uint64_t{0}, steps / 2, steps}) {
    t.move_to(from, std::nullopt);
    for (std::uint32_t thread = 0; thread < threads; ++thread) {
      dust::session::Navigator nav = t.navigator();
      nav.step_over(from, thread);
      nav.step_into(from, thread);
      nav.step_out(from, thread);
      nav.reverse_step_over(from, thread);
      nav.reverse_step_out(from, thread);
      t.move_to(from, thread);
      const dust::Machine& m = t.state();
      std::size_t depth = thread < m.threads.size() ? m.threads[thread].frames.size() : 0;
      for (std::uint32_t d = 0; d < depth && d < 4; ++d) t.frame_line(thread, d);
    }
    dust::session::Navigator nav = t.navigator();
    nav.continue_forward(from);
    nav.continue_reverse(from);
  }
}

}  // namespace

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
  // Seeks: each rebuilds the state from the nearest keyframe, replaying
  // the steps after it (on the lane, thread by thread, for a threaded run).
  for (std::uint64_t step : seek_steps(bytes, steps)) {
    dust::Machine m = r.state_at(step);
    if (!r.last_error().empty()) break;
    dust::rec::state_text(m);
    expect_json(dust::rec::state_json(m));
  }
  const std::uint64_t middle = steps / 2;
  for (std::uint64_t first : {std::uint64_t{0}, middle}) {
    for (const dust::StepEvent& e : r.events(first, std::min<std::uint64_t>(steps, first + 64))) {
      dust::rec::describe_step(*r.program(), e);
    }
  }
  r.tick_at(steps);
  r.tick_at(middle);
  for (std::uint32_t t = 0; t < std::min<std::uint32_t>(r.info().threads, 8); ++t) {
    r.thread_lane(t, 0, steps, 1 + steps / 64);
  }
  for (std::int64_t m : r.mutexes()) r.mutex_lane(m, 0, steps, 1 + steps / 64);
  r.q_lifetimes();
  r.phi_marks();
  r.effect_marks(0, steps);
  r.failure();
  name_queries(r, steps);
  name_queries(r, middle);
  r.data_races();
  std::optional<dust::rec::Divergence> divergence;
  r.replay(divergence);
  divergence.reset();
  r.verify_and_replay(divergence, error);
  // dustrun export --chrome: the whole run, then a window in the middle.
  for (const auto& [from, to] : {std::pair<std::uint64_t, std::optional<std::uint64_t>>{0, std::nullopt},
                                 std::pair<std::uint64_t, std::optional<std::uint64_t>>{steps / 3, middle + 1}}) {
    std::ostringstream timeline;
    dust::rec::ChromeExportOptions options;
    options.from = from;
    options.to = to;
    if (dust::rec::export_chrome_trace(r, options, timeline, error)) expect_json(timeline.str());
  }
  debug_session(file.path());
  return 0;
}

}  // namespace dust_fuzz
