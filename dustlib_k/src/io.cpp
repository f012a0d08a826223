// io.cpp — dustlib_k's io module: files, the console and devices.
//
//   open(path, mode) -> Int fd    mode "r", "w", "a" (or 0, 1, 2, as the
//                                 compiled dustlib_io passes them); -1 when
//                                 a file opened for reading does not exist
//   read(fd, addr, n) -> Int      up to n bytes into the heap at addr; 0 at end of file
//   write(fd, addr, n) -> Int     n bytes from the heap at addr; n
//   close(fd)
//   puts(s) -> Int                console output: s is a String, or the
//                                 address of NUL-terminated heap bytes; no
//                                 newline is added (the compiled dustlib
//                                 follows puts with putchar(10)); the byte count
//   putchar(c) -> Int             one byte (c's low byte) of console output; c
//   io_read(port) -> Int / io_write(port, v)       device ports
//   mmio_read(addr) -> Int / mmio_write(addr, v)   memory-mapped device cells
//
// Files. The machine holds the file world it has seen (KState::files, keyed
// by the path relative to the root; see file_world.hpp for sandboxing).
// Simulate mode never writes outside; with --fs-root it takes a file's
// first contents from the real file, read once. Realize mode reads a file
// once when it is first opened for "r" or "a" and writes every change
// through to the real file under --fs-root. Either way, a value that came
// from outside enters through the IoOpen event of the open that read it
// (b = 1, data = contents, text = the path's key); an open that read
// nothing from outside has b = 0. A replay (RunConfig::replaying) takes those
// contents from RunConfig::recorded_inputs and touches no real file. "w"
// truncates; "a" writes at the end whatever the position; reads and writes
// of one fd share a position. Console fds: 0 reads as an empty stdin (0
// bytes), writes to 1 and 2 are console output; they cannot be closed.
//
// Console output is recorded as effects of kind "stdout" (or "stderr" for
// fd 2) whose payload is the bytes written, in both modes: the effect log
// is the program's observable output, and printing it mid-run would mix
// it with dustrun's own report. Each console write is also an IoWrite
// event with a = 1 or 2.
//
// Devices are simulated in both modes: a port or mmio cell reads back the
// last value written to it, 0 before that. PortRead/PortWrite events carry
// text "port" or "mmio".
//
// Errors: ConstraintFailure `fd used after close: <fd>`, `bad file
// descriptor: <fd>` (never opened), `fd <fd> is not open for reading` /
// `... for writing`, `invalid open mode: …`; the memory violations of
// heap_access.hpp for a bad buffer; EffectViolation for a path that escapes
// the root, realize without --fs-root, and host failures.
#include <algorithm>

#include "arguments.hpp"
#include "dust/machine.hpp"
#include "dust/step_event.hpp"
#include "file_world.hpp"
#include "heap_access.hpp"
#include "modules.hpp"

namespace dust::k {

namespace {

constexpr std::int64_t kStdin = 0;
constexpr std::int64_t kStdout = 1;
constexpr std::int64_t kStderr = 2;

IntrinsicResult constraint(std::string message) {
  return IntrinsicResult::fail(ErrorKind::ConstraintFailure, std::move(message));
}

void emit(IntrinsicContext& ctx, LibEventKind kind, std::int64_t a, std::int64_t b, std::int64_t c,
          std::string text = {}, std::string data = {}) {
  ctx.event.lib.push_back(LibEvent{kind, a, b, c, std::move(text), std::move(data)});
}

void console_output(IntrinsicContext& ctx, std::int64_t fd, std::string bytes) {
  EffectEvent effect{fd == kStderr ? "stderr" : "stdout", bytes};
  ctx.event.has_effect = true;
  ctx.event.effect = effect;
  ctx.machine.effects.push_back(std::move(effect));
  std::int64_t n = static_cast<std::int64_t>(bytes.size());
  emit(ctx, LibEventKind::IoWrite, fd, n, 0, std::move(bytes));
}

std::optional<IntrinsicResult> mode_arg(IntrinsicContext& ctx, const Value& v, std::string& mode) {
  if (v.is_int()) {
    static const char* const kModes[] = {"r", "w", "a"};
    if (v.as_int() >= 0 && v.as_int() <= 2) {
      mode = kModes[v.as_int()];
      return std::nullopt;
    }
  } else if (v.is_string()) {
    mode = v.as_string();
    if (mode == "r" || mode == "w" || mode == "a") return std::nullopt;
  } else {
    return wrong_argument(ctx, "a mode (\"r\", \"w\", \"a\" or 0, 1, 2)", v);
  }
  return constraint("invalid open mode: " + render_rust_debug(v) + " (expected \"r\", \"w\", \"a\" or 0, 1, 2)");
}

// The file world's entry for `key`, made empty if it is new. The memory
// budget counts every entry's path and contents (memory_budget.hpp), so
// the world changes only through these two.
std::string& world_file(Machine& m, const std::string& key) {
  auto [it, inserted] = m.k.files.try_emplace(key);
  if (inserted) m.memory.file_bytes += key.size();
  return it->second;
}

void replace_contents(Machine& m, const std::string& key, std::string contents) {
  std::string& entry = world_file(m, key);
  m.memory.file_bytes = m.memory.file_bytes - entry.size() + contents.size();
  entry = std::move(contents);
}

// Takes the outside state of `key` in, once per run; `consulted` says
// whether this call read it (and so whether IoOpen carries it).
std::optional<DvmError> take_in(IntrinsicContext& ctx, const std::string& key, OutsideFile& outside, bool& consulted) {
  KState& k = ctx.machine.k;
  consulted = false;
  if (!has_outside(ctx.machine.config) || k.consulted_paths.count(key) != 0) return std::nullopt;
  if (auto error = consult_outside(ctx.machine.config, key, outside)) return error;
  k.consulted_paths.insert(key);
  if (outside.existed) replace_contents(ctx.machine, key, outside.contents);
  consulted = true;
  return std::nullopt;
}

bool writes_through(const Machine& m) { return m.config.effects == EffectMode::Realize && !m.config.replaying; }

IntrinsicResult io_open(IntrinsicContext& ctx, std::span<const Value> args) {
  std::string path, mode, key;
  if (auto bad = string_arg(ctx, args, 0, "a String path", path)) return *bad;
  if (auto bad = mode_arg(ctx, args[1], mode)) return *bad;
  Machine& m = ctx.machine;
  KState& k = m.k;
  if (auto error = resolve_path(m.config, path, key)) return IntrinsicResult::failure(std::move(*error));
  OutsideFile outside;
  bool consulted = false;
  if (mode == "w") {
    // The outside contents are about to be replaced, so they are never read.
    k.consulted_paths.insert(key);
    if (writes_through(m)) {
      if (auto error = truncate_outside(m.config, key)) return IntrinsicResult::failure(std::move(*error));
    }
    replace_contents(m, key, std::string());
  } else {
    if (auto error = take_in(ctx, key, outside, consulted)) return IntrinsicResult::failure(std::move(*error));
    if (k.files.count(key) == 0) {
      if (mode == "r") {
        emit(ctx, LibEventKind::IoOpen, -1, 0, 0, key);
        return IntrinsicResult::of(Value::integer(-1));
      }
      if (writes_through(m)) {
        if (auto error = write_outside(m.config, key, 0, {})) return IntrinsicResult::failure(std::move(*error));
      }
      world_file(m, key);
    }
  }
  OpenFile file;
  file.fd = k.next_fd++;
  file.path = key;
  file.mode = mode;
  file.position = mode == "a" ? static_cast<std::int64_t>(k.files[key].size()) : 0;
  k.fds[file.fd] = file;
  bool carries = consulted && outside.existed;
  emit(ctx, LibEventKind::IoOpen, file.fd, carries ? 1 : 0, 0, key, carries ? std::move(outside.contents) : std::string());
  return IntrinsicResult::of(Value::integer(file.fd));
}

// The open file behind `fd`, readable ("r") or writable ("w", "a") as asked.
std::optional<IntrinsicResult> open_file(IntrinsicContext& ctx, std::int64_t fd, bool for_reading, OpenFile*& out) {
  auto it = ctx.machine.k.fds.find(fd);
  if (it == ctx.machine.k.fds.end()) return constraint("bad file descriptor: " + std::to_string(fd));
  OpenFile& file = it->second;
  if (!file.open) return constraint("fd used after close: " + std::to_string(fd));
  bool readable = file.mode == "r";
  if (for_reading != readable) {
    return constraint("fd " + std::to_string(fd) + " is not open for " + (for_reading ? "reading" : "writing"));
  }
  out = &file;
  return std::nullopt;
}

IntrinsicResult io_read_file(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t fd = 0, addr = 0, n = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int fd", fd)) return *bad;
  if (auto bad = int_arg(ctx, args, 1, "an Int buffer address", addr)) return *bad;
  if (auto bad = count_arg(ctx, args, 2, "a non-negative Int byte count", n)) return *bad;
  KState& k = ctx.machine.k;
  if (fd == kStdin) {
    emit(ctx, LibEventKind::IoRead, fd, 0, 0);
    return IntrinsicResult::of(Value::integer(0));
  }
  OpenFile* file = nullptr;
  if (auto bad = open_file(ctx, fd, true, file)) return *bad;
  const std::string& contents = k.files[file->path];
  std::int64_t available = std::max<std::int64_t>(0, static_cast<std::int64_t>(contents.size()) - file->position);
  std::int64_t count = std::min(n, available);
  std::string bytes = count > 0 ? contents.substr(static_cast<std::size_t>(file->position), static_cast<std::size_t>(count))
                                : std::string();
  if (auto error = heap_write(k.heap, addr, bytes)) return IntrinsicResult::failure(std::move(*error));
  file->position += count;
  emit(ctx, LibEventKind::IoRead, fd, count, 0, std::move(bytes));
  return IntrinsicResult::of(Value::integer(count));
}

IntrinsicResult io_write_file(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t fd = 0, addr = 0, n = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int fd", fd)) return *bad;
  if (auto bad = int_arg(ctx, args, 1, "an Int buffer address", addr)) return *bad;
  if (auto bad = count_arg(ctx, args, 2, "a non-negative Int byte count", n)) return *bad;
  Machine& m = ctx.machine;
  std::string bytes;
  if (fd == kStdout || fd == kStderr) {
    if (auto error = heap_read(m.k.heap, addr, n, bytes)) return IntrinsicResult::failure(std::move(*error));
    console_output(ctx, fd, std::move(bytes));
    return IntrinsicResult::of(Value::integer(n));
  }
  OpenFile* file = nullptr;
  if (auto bad = open_file(ctx, fd, false, file)) return *bad;
  if (auto error = heap_read(m.k.heap, addr, n, bytes)) return IntrinsicResult::failure(std::move(*error));
  std::string& contents = m.k.files[file->path];
  if (file->mode == "a") file->position = static_cast<std::int64_t>(contents.size());
  std::size_t at = static_cast<std::size_t>(file->position);
  if (writes_through(m)) {
    if (auto error = write_outside(m.config, file->path, file->position, bytes)) return IntrinsicResult::failure(std::move(*error));
  }
  if (contents.size() < at + bytes.size()) {
    m.memory.file_bytes += at + bytes.size() - contents.size();
    contents.resize(at + bytes.size(), '\0');
  }
  std::copy(bytes.begin(), bytes.end(), contents.begin() + static_cast<std::ptrdiff_t>(at));
  file->position += n;
  emit(ctx, LibEventKind::IoWrite, fd, n, 0, std::move(bytes));
  return IntrinsicResult::of(Value::integer(n));
}

IntrinsicResult io_close(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t fd = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int fd", fd)) return *bad;
  if (fd >= kStdin && fd <= kStderr) return constraint("fd " + std::to_string(fd) + " is the console and cannot be closed");
  auto it = ctx.machine.k.fds.find(fd);
  if (it == ctx.machine.k.fds.end()) return constraint("bad file descriptor: " + std::to_string(fd));
  if (!it->second.open) return constraint("fd used after close: " + std::to_string(fd));
  it->second.open = false;
  emit(ctx, LibEventKind::IoClose, fd, 0, 0);
  return IntrinsicResult::unit();
}

IntrinsicResult io_puts(IntrinsicContext& ctx, std::span<const Value> args) {
  std::string text;
  if (args[0].is_string()) {
    text = args[0].as_string();
  } else if (args[0].is_int()) {
    if (auto error = heap_read_cstring(ctx.machine.k.heap, args[0].as_int(), text)) return IntrinsicResult::failure(std::move(*error));
  } else {
    return wrong_argument(ctx, "a String or the Int address of a NUL-terminated string", args[0]);
  }
  std::int64_t n = static_cast<std::int64_t>(text.size());
  console_output(ctx, kStdout, std::move(text));
  return IntrinsicResult::of(Value::integer(n));
}

IntrinsicResult io_putchar(IntrinsicContext& ctx, std::span<const Value> args) {
  std::int64_t c = 0;
  if (auto bad = int_arg(ctx, args, 0, "an Int character code", c)) return *bad;
  console_output(ctx, kStdout, std::string(1, static_cast<char>(c & 0xff)));
  return IntrinsicResult::of(Value::integer(c));
}

IntrinsicResult device_read(IntrinsicContext& ctx, std::span<const Value> args, bool mmio) {
  std::int64_t where = 0;
  if (auto bad = int_arg(ctx, args, 0, mmio ? "an Int device address" : "an Int port", where)) return *bad;
  const auto& cells = mmio ? ctx.machine.k.mmio : ctx.machine.k.ports;
  auto it = cells.find(where);
  std::int64_t value = it == cells.end() ? 0 : it->second;
  emit(ctx, LibEventKind::PortRead, where, 0, value, mmio ? "mmio" : "port");
  return IntrinsicResult::of(Value::integer(value));
}

IntrinsicResult device_write(IntrinsicContext& ctx, std::span<const Value> args, bool mmio) {
  std::int64_t where = 0, value = 0;
  if (auto bad = int_arg(ctx, args, 0, mmio ? "an Int device address" : "an Int port", where)) return *bad;
  if (auto bad = int_arg(ctx, args, 1, "an Int value", value)) return *bad;
  (mmio ? ctx.machine.k.mmio : ctx.machine.k.ports)[where] = value;
  emit(ctx, LibEventKind::PortWrite, where, 0, value, mmio ? "mmio" : "port");
  return IntrinsicResult::unit();
}

IntrinsicResult io_port_read(IntrinsicContext& ctx, std::span<const Value> args) { return device_read(ctx, args, false); }
IntrinsicResult io_port_write(IntrinsicContext& ctx, std::span<const Value> args) { return device_write(ctx, args, false); }
IntrinsicResult io_mmio_read(IntrinsicContext& ctx, std::span<const Value> args) { return device_read(ctx, args, true); }
IntrinsicResult io_mmio_write(IntrinsicContext& ctx, std::span<const Value> args) { return device_write(ctx, args, true); }

}  // namespace

void register_io(IntrinsicTable& table) {
  table.add({"io", "open", io_open, 2, 2});
  table.add({"io", "read", io_read_file, 3, 3});
  table.add({"io", "write", io_write_file, 3, 3});
  table.add({"io", "close", io_close, 1, 1});
  table.add({"io", "puts", io_puts, 1, 1});
  table.add({"io", "putchar", io_putchar, 1, 1});
  table.add({"io", "io_read", io_port_read, 1, 1});
  table.add({"io", "io_write", io_port_write, 2, 2});
  table.add({"io", "mmio_read", io_mmio_read, 1, 1});
  table.add({"io", "mmio_write", io_mmio_write, 2, 2});
}

}  // namespace dust::k
