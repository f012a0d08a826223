// json_text.cpp — UTF-8 validation and the {"bytes": …} form (see json_text.hpp).
#include "dust/json_text.hpp"

#include <cstdint>
#include <cstdio>

#include "dust/value.hpp"

namespace dust {

bool is_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int more;
    char32_t code, least;
    if ((c & 0xe0) == 0xc0) {
      more = 1, code = c & 0x1f, least = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      more = 2, code = c & 0x0f, least = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      more = 3, code = c & 0x07, least = 0x10000;
    } else {
      return false;
    }
    if (end - p <= more) return false;
    for (int i = 1; i <= more; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      code = (code << 6) | (p[i] & 0x3f);
    }
    if (code < least || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    p += more + 1;
  }
  return true;
}

void append_json_text(std::string& out, std::string_view s) {
  if (is_utf8(s)) {
    append_json_string(out, s);
    return;
  }
  out += "{\"bytes\":\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(ch);
    }
  }
  out += "\"}";
}

std::string json_text(std::string_view s) {
  std::string out;
  append_json_text(out, s);
  return out;
}

}  // namespace dust
