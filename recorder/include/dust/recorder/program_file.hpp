// program_file.hpp — reading a DIR file's whole text for a recording that
// embeds it (`dustrun record`, `explore-merge`'s inputs, a DAP launch).
#pragma once

#include <cstdint>
#include <string>

namespace dust::rec {

// The whole of the regular file at `path` into `text`. False, with `why`
// set, when it cannot be opened or read, is not a regular file (a FIFO
// would wait for a writer, a device such as /dev/zero would never end), or
// is larger than `max_bytes` (0: no limit).
bool read_program_file(const std::string& path, std::uint64_t max_bytes, std::string& text, std::string& why);

}  // namespace dust::rec
