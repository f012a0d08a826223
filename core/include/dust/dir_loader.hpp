// dir_loader.hpp — reading DIR JSON into a Program.
//
// Large artifacts are the common case for generated code, so the loader
// maps the file, walks it once with simdjson's On-Demand API and compiles
// expressions as it meets them; pages already walked are returned to the
// kernel, so peak memory is the program, not the program plus its JSON.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "dust/error.hpp"
#include "dust/program.hpp"

namespace dust {

struct LoadResult {
  std::shared_ptr<const Program> program;  // set on success
  // On failure: `unreadable` is true when the file could not be read at all
  // (the CLI's exit 2); otherwise `error` is a DirLoad error naming line and column.
  bool unreadable = false;
  DvmError error;

  bool ok() const { return program != nullptr; }
};

LoadResult load_dir_file(const std::string& path);
LoadResult load_dir_text(std::string_view json);

}  // namespace dust
