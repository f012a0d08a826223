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

// Whether `n` bytes at `x` and `y` are equal, for sizeof(Word) <= n <= 2 *
// sizeof(Word): the first and the last word, which overlap when n is less
// than two words. Whole-word loads only: assembling a word from a few bytes
// through memory stalls store forwarding, which costs more than the compare.
template <class Word>
[[gnu::always_inline]] inline bool same_by_two_words(const char* x, const char* y, std::size_t n) {
  Word x0, y0, x1, y1;
  std::memcpy(&x0, x, sizeof(Word));
  std::memcpy(&y0, y, sizeof(Word));
  std::memcpy(&x1, x + n - sizeof(Word), sizeof(Word));
  std::memcpy(&y1, y + n - sizeof(Word), sizeof(Word));
  return x0 == y0 && x1 == y1;
}

// Byte by byte, for strings shorter than a word.
[[gnu::always_inline]] inline bool same_bytes(const char* x, const char* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return false;
  }
  return true;
}

// String equality the compiler inlines: against a literal of up to 16
// bytes it is a few integer compares. (GCC leaves string_view's == as
// a call to compare and memcmp, even for literals, and the loader compares
// field keys and operator names for every statement of a million-line
// program.)
template <std::size_t N>
[[gnu::always_inline]] inline bool same(std::string_view a, const char (&literal)[N]) {
  constexpr std::size_t n = N - 1;
  if (a.size() != n) return false;
  if constexpr (n < 4) {
    return same_bytes(a.data(), literal, n);
  } else if constexpr (n <= 8) {
    return same_by_two_words<std::uint32_t>(a.data(), literal, n);
  } else if constexpr (n <= 16) {
    return same_by_two_words<std::uint64_t>(a.data(), literal, n);
  } else {
    return std::memcmp(a.data(), literal, n) == 0;
  }
}

// The same for two runtime strings: short ones (keys, field names) are
// compared with overlapping word loads rather than a call.
[[gnu::always_inline]] inline bool same(std::string_view a, std::string_view b) {
  std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n >= 4 && n <= 8) return same_by_two_words<std::uint32_t>(a.data(), b.data(), n);
  if (n < 4) return same_bytes(a.data(), b.data(), n);
  return std::memcmp(a.data(), b.data(), n) == 0;
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
