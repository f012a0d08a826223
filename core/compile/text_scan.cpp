// text_scan.cpp — see text_scan.hpp.
#include "text_scan.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstdint>
#include <cstring>

namespace dust {

namespace {

// Length of the UTF-8 sequence at s[i] and its scalar value; 0 if invalid.
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) { cp = b0; return 1; }
  std::size_t n;
  char32_t min;
  if ((b0 & 0xe0) == 0xc0) { n = 2; cp = b0 & 0x1f; min = 0x80; }
  else if ((b0 & 0xf0) == 0xe0) { n = 3; cp = b0 & 0x0f; min = 0x800; }
  else if ((b0 & 0xf8) == 0xf0) { n = 4; cp = b0 & 0x07; min = 0x10000; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

bool is_unicode_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
         c == 0x205f || c == 0x3000;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool read_hex4(const char* p, const char* end, char32_t& out) {
  if (end - p < 4) return false;
  out = 0;
  for (int i = 0; i < 4; ++i) {
    int d = hex_digit(p[i]);
    if (d < 0) return false;
    out = (out << 4) | static_cast<char32_t>(d);
  }
  return true;
}

}  // namespace

std::string_view trim_unicode(std::string_view s) {
  std::size_t begin = 0;
  while (begin < s.size()) {
    char32_t cp;
    std::size_t n = decode_utf8(s, begin, cp);
    if (n == 0 || !is_unicode_space(cp)) break;
    begin += n;
  }
  std::size_t end = s.size();
  while (end > begin) {
    std::size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xc0) == 0x80) --start;
    char32_t cp;
    std::size_t n = decode_utf8(s, start, cp);
    if (n == 0 || start + n != end || !is_unicode_space(cp)) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

std::string_view trim_ascii(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == ','))
    s.remove_suffix(1);
  return s;
}

bool single_call_argument(std::string_view text, std::string_view name, std::string_view& inner) {
  std::string_view s = trim_unicode(text);
  if (s.size() < name.size() + 2 || s.substr(0, name.size()) != name || s[name.size()] != '(' ||
      s.back() != ')') {
    return false;
  }
  inner = trim_unicode(s.substr(name.size() + 1, s.size() - name.size() - 2));
  return !inner.empty();
}

bool decode_json_string(const char* raw, const char* end, std::string_view& out, std::string& scratch,
                        std::string& error) {
  const char* p = raw;
#if defined(__SSE2__)
  // One pass for the closing quote or a backslash, 16 bytes at a time:
  // keys and names end within the first 16 bytes, where a byte loop would
  // mispredict its exit, and longer strings (expressions) need no second
  // pass for backslashes.
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    unsigned hits = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));
    if (hits != 0) {
      p += __builtin_ctz(hits);
      if (*p == '"') {
        out = std::string_view(raw, static_cast<std::size_t>(p - raw));
        return true;
      }
      break;  // an escape: decoded below
    }
    p += 16;
  }
#endif
  // The rest (near the end of the input): the closing quote, and whether a
  // backslash comes before it.
  for (; p < end; ++p) {
    if (*p == '"') {
      out = std::string_view(raw, static_cast<std::size_t>(p - raw));
      return true;
    }
    if (*p == '\\') break;
  }
  p = raw;
  const char* quote = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
  if (quote == nullptr) {
    error = "EOF while parsing a string";
    return false;
  }
  if (std::memchr(p, '\\', static_cast<std::size_t>(quote - p)) == nullptr) {
    out = std::string_view(p, static_cast<std::size_t>(quote - p));
    return true;
  }
  scratch.clear();
  while (p < end) {
    char c = *p;
    if (c == '"') {
      out = scratch;
      return true;
    }
    if (c != '\\') {
      scratch.push_back(c);
      ++p;
      continue;
    }
    if (++p >= end) break;
    switch (*p) {
      case '"': scratch.push_back('"'); break;
      case '\\': scratch.push_back('\\'); break;
      case '/': scratch.push_back('/'); break;
      case 'b': scratch.push_back('\b'); break;
      case 'f': scratch.push_back('\f'); break;
      case 'n': scratch.push_back('\n'); break;
      case 'r': scratch.push_back('\r'); break;
      case 't': scratch.push_back('\t'); break;
      case 'u': {
        char32_t cp;
        if (!read_hex4(p + 1, end, cp)) {
          error = "invalid escape";
          return false;
        }
        p += 4;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          char32_t low;
          if (end - p < 7 || p[1] != '\\' || p[2] != 'u' || !read_hex4(p + 3, end, low) || low < 0xdc00 ||
              low > 0xdfff) {
            error = "lone leading surrogate in hex escape";
            return false;
          }
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          p += 6;
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
          error = "lone trailing surrogate in hex escape";
          return false;
        }
        append_utf8(scratch, cp);
        break;
      }
      default:
        error = "invalid escape";
        return false;
    }
    ++p;
  }
  error = "EOF while parsing a string";
  return false;
}

std::size_t first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // Skip ASCII eight bytes at a time: large DIR files are nearly all ASCII.
    while (i + 8 <= s.size()) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if (word & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= s.size()) break;
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    char32_t cp;
    std::size_t n = decode_utf8(s, i, cp);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

TextPosition text_position(std::string_view text, std::size_t offset) {
  TextPosition pos;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      line_start = i + 1;
    }
  }
  std::size_t column = 1;
  for (std::size_t i = line_start; i < offset && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) ++column;
  }
  pos.column = column;
  return pos;
}

}  // namespace dust
