// json_string_test.cpp — decode_json_string, which the walk uses for every
// key and string value. It scans 16 bytes at a time where the input allows
// and byte by byte near its end, so each case is tried with the closing
// quote or the escape at every offset around those widths, and with the
// input ending right after the string (no room for a 16-byte read).
#include <gtest/gtest.h>

#include <string>

#include "compile/text_scan.hpp"

namespace {

struct Decoded {
  bool ok = false;
  std::string text;
  std::string error;
  bool in_place = false;  // a view into the input, not into scratch
};

// Decodes the JSON string whose content (after the opening quote) begins
// `input`, taking the input to end where `input` ends.
Decoded decode(const std::string& input) {
  std::string scratch, error;
  std::string_view out;
  Decoded d;
  d.ok = dust::decode_json_string(input.data(), input.data() + input.size(), out, scratch, error);
  d.text = std::string(out);
  d.error = error;
  d.in_place = d.ok && out.data() >= input.data() && out.data() < input.data() + input.size() + 1;
  return d;
}

TEST(JsonString, PlainStringsOfEveryLengthAreViewsIntoTheInput) {
  for (std::size_t length = 0; length <= 40; ++length) {
    std::string content;
    for (std::size_t i = 0; i < length; ++i) content += static_cast<char>('a' + i % 26);
    for (const std::string& tail : {std::string(), std::string("\"}, {\"x\": \"yyyyyyyyyyyyyyyyyyyy\"}")}) {
      Decoded d = decode(content + "\"" + tail);
      ASSERT_TRUE(d.ok) << length;
      EXPECT_EQ(d.text, content) << length;
      EXPECT_TRUE(d.in_place) << length;
    }
  }
}

TEST(JsonString, AnEscapeAtAnyOffsetIsDecoded) {
  for (std::size_t at = 0; at <= 36; ++at) {
    std::string before(at, 'b');
    for (const std::string& tail : {std::string(), std::string(", \"more text after the string\"")}) {
      Decoded d = decode(before + "\\n\\\"q\\u00e9" + "z\"" + tail);
      ASSERT_TRUE(d.ok) << at;
      EXPECT_EQ(d.text, before + "\n\"q\u00e9z") << at;
      EXPECT_FALSE(d.in_place) << at;
    }
  }
}

TEST(JsonString, AMissingClosingQuoteIsAnError) {
  for (std::size_t length = 0; length <= 40; ++length) {
    Decoded d = decode(std::string(length, 'c'));
    EXPECT_FALSE(d.ok) << length;
    EXPECT_EQ(d.error, "EOF while parsing a string") << length;
  }
}

}  // namespace
