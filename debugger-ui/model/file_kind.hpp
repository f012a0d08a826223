// file_kind.hpp — what a file given to dustdbg is, from its first bytes.
//
// A recording starts with the .dtrace magic; a DIR program is JSON, so its
// first byte after white space (and a UTF-8 byte-order mark) is `{`. The
// name's extension decides nothing: a JSON file called x.dtrace is a
// program, and a file that is neither is refused here with a message that
// names it and says what it starts with, instead of reaching the DIR loader
// and failing as "DIR load error at line 1".
#pragma once

#include <cstdint>
#include <string>

namespace dust::dbg {

enum class FileKind : std::uint8_t { Trace, DirProgram, Unusable };

struct FileSniff {
  FileKind kind = FileKind::Unusable;
  std::string error;  // Unusable: why, naming the file
};

FileSniff sniff_file(const std::string& path);

}  // namespace dust::dbg
