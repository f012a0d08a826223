// file_world.hpp — the boundary between dustlib_k's files and the host:
// sandboxing paths under --fs-root, and the only code that reads or writes
// real files.
//
// A program's path becomes a key: the path relative to the root, with `.`
// and `..` resolved lexically (`data/in.txt`). A path that climbs out of the
// root, or an absolute path outside it, is an EffectViolation
// `path escapes --fs-root: <path>`. Real files are then opened beneath a
// directory fd of the root, in the kernel (openat2, RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS; a component-by-component O_NOFOLLOW walk where the
// kernel lacks it), so no symbolic link is ever followed, not even one
// swapped in while the run goes on: a path through one is refused as
// `path escapes --fs-root through a symbolic link: <key>`, and nothing is
// created before the path is known to stay inside. Only regular files are
// read or written. Without --fs-root the simulated world's root is `/`, so
// absolute paths are simply keys in it.
//
// The outside is read at most once per key and run (consult_outside); a
// replay takes those contents from RunConfig::recorded_inputs and never
// touches the disk, and never writes it either.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dust/error.hpp"
#include "dust/machine.hpp"

namespace dust::k {

// Whether files have an outside at all: realize mode, or simulate mode
// seeded from --fs-root.
bool has_outside(const RunConfig& config);

// Turns `path` into its key, or an EffectViolation.
std::optional<DvmError> resolve_path(const RunConfig& config, std::string_view path, std::string& key);

struct OutsideFile {
  bool existed = false;
  std::string contents;
};

// Reads the outside state of `key` (the real file, or the recorded input
// when replaying). A host failure (unreadable file, a directory) is an
// EffectViolation naming the path and the reason.
std::optional<DvmError> consult_outside(const RunConfig& config, const std::string& key, OutsideFile& out);

// Realize mode only (callers check): creates or truncates the real file.
std::optional<DvmError> truncate_outside(const RunConfig& config, const std::string& key);

// Realize mode only: writes `bytes` at `offset` of the real file, creating it.
std::optional<DvmError> write_outside(const RunConfig& config, const std::string& key, std::int64_t offset,
                                      std::string_view bytes);

}  // namespace dust::k
