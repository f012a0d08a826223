// json_syntax.hpp — finding the first syntax error in a JSON text.
//
// simdjson reports that a document is malformed but not always where. When
// it refuses a DIR file, this strict scanner walks the text once more (only
// on that error path) to name the place and the problem in serde's words,
// which is what the reference prints.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dust {

struct JsonSyntaxError {
  std::size_t offset = 0;  // byte offset of the offending character (or the end)
  std::string message;     // "expected `:`", "trailing comma", ...
};

// The first syntax error of `text`, or nothing if it is well-formed JSON.
std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text);

}  // namespace dust
