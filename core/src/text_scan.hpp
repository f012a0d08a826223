// text_scan.hpp — small text routines the loader and compiler share:
// Unicode trimming as Rust's str::trim, JSON string decoding, UTF-8
// validation and byte offset to line/column.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dust {

// Rust's str::trim: strips Unicode White_Space from both ends.
std::string_view trim_unicode(std::string_view s);
std::string_view trim_ascii(std::string_view s);

// The reference's parse_call_1: `name(` ... `)` around a non-empty trimmed argument.
bool single_call_argument(std::string_view text, std::string_view name, std::string_view& inner);

// Decodes the JSON string whose content starts at `raw` (just after the
// opening quote). Without escapes the result is a view into the input;
// otherwise it is decoded into `scratch`.
bool decode_json_string(const char* raw, const char* end, std::string_view& out, std::string& scratch,
                        std::string& error);

// Offset of the first byte that is not valid UTF-8, or npos.
std::size_t first_invalid_utf8(std::string_view s);

struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};
// 1-based line and column (in characters) of a byte offset.
TextPosition text_position(std::string_view text, std::size_t offset);

}  // namespace dust
