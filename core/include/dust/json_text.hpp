// json_text.hpp — text in JSON output: always valid JSON, whatever the bytes.
//
// Strings reach JSON from programs (a String built with store8(b, 255) and
// mem_read_str, console output, file contents), from file names and from
// the command line, and any of them may not be UTF-8, which JSON cannot
// carry. The rule, for every JSON this project writes (--emit-trace,
// inspect --at --json, inspect --info --json):
//
//   - text that is valid UTF-8 is a JSON string, as usual;
//   - text that is not is the object {"bytes": "<latin-1>"}, whose string
//     has one character per byte, U+0000 to U+00FF: take each character's
//     code point as a byte to get the bytes back. "h\xffi" is written
//     {"bytes":"h\u00ffi"} (append_json_text escapes 0x80 and up; a JSON
//     library may write the same string as "hÿi").
//
// Object keys are names from the program (bindings, struct fields), which
// the DIR loader has checked are UTF-8, so they are always strings.
#pragma once

#include <string>
#include <string_view>

namespace dust {

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code
// points past U+10FFFF).
bool is_utf8(std::string_view s);

// Appends `s` as a JSON value by the rule above.
void append_json_text(std::string& out, std::string_view s);
std::string json_text(std::string_view s);

// The same value for an nlohmann::json (or ordered_json) document.
template <class Json>
Json json_text_value(std::string_view s) {
  return is_utf8(s) ? Json(std::string(s)) : Json::parse(json_text(s));
}

}  // namespace dust
