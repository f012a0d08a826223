// text_scan.hpp — small text routines the loader and compiler share:
// Unicode trimming as Rust's str::trim, JSON string decoding, UTF-8
// validation and byte offset to line/column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace dust {

// String equality the compiler inlines: against a literal of up to 16
// bytes it is a few integer compares. (GCC leaves string_view's == as
// a call to compare and memcmp, even for literals, and the loader compares
// field keys and operator names for every statement of a million-line
// program.)
template <std::size_t N>
[[gnu::always_inline]] inline bool same(std::string_view a, const char (&literal)[N]) {
  // Whole-word loads only: assembling a word from a few bytes through
  // memory stalls store forwarding, which costs more than the compare.
  constexpr std::size_t n = N - 1;
  if (a.size() != n) return false;
  const char* x = a.data();
  if constexpr (n < 4) {
    for (std::size_t i = 0; i < n; ++i) {
      if (x[i] != literal[i]) return false;
    }
    return true;
  } else if constexpr (n <= 8) {
    std::uint32_t x0, y0, x1, y1;
    std::memcpy(&x0, x, 4);
    std::memcpy(&y0, literal, 4);
    std::memcpy(&x1, x + n - 4, 4);
    std::memcpy(&y1, literal + n - 4, 4);
    return x0 == y0 && x1 == y1;
  } else if constexpr (n <= 16) {
    std::uint64_t x0, y0, x1, y1;
    std::memcpy(&x0, x, 8);
    std::memcpy(&y0, literal, 8);
    std::memcpy(&x1, x + n - 8, 8);
    std::memcpy(&y1, literal + n - 8, 8);
    return x0 == y0 && x1 == y1;
  } else {
    return std::memcmp(x, literal, n) == 0;
  }
}

// The same for two runtime strings: short ones (keys, field names) are
// compared with overlapping word loads rather than a call.
[[gnu::always_inline]] inline bool same(std::string_view a, std::string_view b) {
  std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (n >= 4 && n <= 8) {
    std::uint32_t x0, y0, x1, y1;
    std::memcpy(&x0, x, 4);
    std::memcpy(&y0, y, 4);
    std::memcpy(&x1, x + n - 4, 4);
    std::memcpy(&y1, y + n - 4, 4);
    return x0 == y0 && x1 == y1;
  }
  if (n < 4) {
    for (std::size_t i = 0; i < n; ++i) {
      if (x[i] != y[i]) return false;
    }
    return true;
  }
  return std::memcmp(x, y, n) == 0;
}

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
