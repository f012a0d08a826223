// json_text_test.cpp — text in JSON output (json_text.hpp): UTF-8 is a
// JSON string, anything else the {"bytes": …} form, one character per
// byte; the result always parses, and the bytes come back from it.
#include "dust/json_text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dust/value.hpp"

namespace {

// The bytes a JSON value of json_text stands for.
std::string bytes_back(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  std::string latin1 = j.at("bytes").get<std::string>(), out;
  // Each character is one code point below 256: one or two UTF-8 bytes.
  for (std::size_t i = 0; i < latin1.size(); ++i) {
    auto c = static_cast<unsigned char>(latin1[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(latin1[++i]) & 0x3f)));
    }
  }
  return out;
}

}  // namespace

TEST(JsonText, Utf8IsTold) {
  EXPECT_TRUE(dust::is_utf8(""));
  EXPECT_TRUE(dust::is_utf8("plain"));
  EXPECT_TRUE(dust::is_utf8("Φwitness \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(dust::is_utf8("\xff"));
  EXPECT_FALSE(dust::is_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(dust::is_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(dust::is_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(dust::is_utf8("\xe2\x82"));          // cut short
  EXPECT_FALSE(dust::is_utf8("a\x80z"));            // a lone continuation byte
}

TEST(JsonText, TheBytesFormIsValidJsonAndExact) {
  EXPECT_EQ(dust::json_text("h\xffi"), R"({"bytes":"h\u00ffi"})");
  EXPECT_EQ(dust::json_text("ok \"q\""), R"("ok \"q\"")");
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (const std::string& s : {std::string("h\xffi"), all, std::string("\xc3\xa9\xff"), std::string("Φ\n\t")}) {
    std::string text = dust::json_text(s);
    ASSERT_TRUE(nlohmann::json::accept(text)) << text;
    EXPECT_EQ(bytes_back(nlohmann::json::parse(text)), s);
    EXPECT_EQ(bytes_back(dust::json_text_value<nlohmann::json>(s)), s);
  }
}

TEST(JsonText, ValuesUseIt) {
  dust::Value v = dust::Value::array({dust::Value::string("a\xfe"), dust::Value::string("b")});
  EXPECT_EQ(dust::value_to_tagged_json(v), R"({"Array":[{"String":{"bytes":"a\u00fe"}},{"String":"b"}]})");
}
