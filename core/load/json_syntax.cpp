// json_syntax.cpp — a strict, iterative JSON syntax scanner (see json_syntax.hpp).
//
// It keeps its own stack of open containers, so a deeply nested document
// cannot exhaust the host stack.
#include "json_syntax.hpp"

#include <cctype>
#include <vector>

namespace dust {

namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  std::optional<JsonSyntaxError> run() {
    skip_space();
    if (at_end()) return error("EOF while parsing a value");
    if (auto e = value()) return e;
    skip_space();
    if (!at_end()) return error("trailing characters");
    return std::nullopt;
  }

 private:
  enum class Container : char { Array, Object };

  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }
  std::optional<JsonSyntaxError> error(std::string message) const { return JsonSyntaxError{i_, std::move(message)}; }

  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\n' || peek() == '\t' || peek() == '\r')) ++i_;
  }

  // Parses one value; containers are handled by the loop below, not by recursion.
  std::optional<JsonSyntaxError> value() {
    std::vector<Container> open;
    while (true) {
      skip_space();
      if (at_end()) return error(open.empty() ? "EOF while parsing a value" : eof_inside(open.back()));
      char c = peek();
      if (c == '[' || c == '{') {
        ++i_;
        Container kind = c == '[' ? Container::Array : Container::Object;
        open.push_back(kind);
        skip_space();
        if (at_end()) return error(eof_inside(kind));
        if ((kind == Container::Array && peek() == ']') || (kind == Container::Object && peek() == '}')) {
          ++i_;
          open.pop_back();
        } else if (kind == Container::Object) {
          if (auto e = key()) return e;
          continue;
        } else {
          continue;
        }
      } else if (auto e = scalar()) {
        return e;
      }
      // A value just ended: close containers or move to the next element.
      while (true) {
        if (open.empty()) return std::nullopt;
        skip_space();
        if (at_end()) return error(eof_inside(open.back()));
        char d = peek();
        char close = open.back() == Container::Array ? ']' : '}';
        if (d == close) {
          ++i_;
          open.pop_back();
          continue;
        }
        if (d != ',') return error(open.back() == Container::Array ? "expected `,` or `]`" : "expected `,` or `}`");
        ++i_;
        skip_space();
        if (!at_end() && (peek() == ']' || peek() == '}')) return error("trailing comma");
        if (open.back() == Container::Object) {
          if (auto e = key()) return e;
        }
        break;
      }
    }
  }

  static const char* eof_inside(Container c) {
    return c == Container::Array ? "EOF while parsing a list" : "EOF while parsing an object";
  }

  // An object key and its colon.
  std::optional<JsonSyntaxError> key() {
    skip_space();
    if (at_end()) return error("EOF while parsing an object");
    if (peek() != '"') return error("key must be a string");
    if (auto e = string()) return e;
    skip_space();
    if (at_end()) return error("EOF while parsing an object");
    if (peek() != ':') return error("expected `:`");
    ++i_;
    return std::nullopt;
  }

  std::optional<JsonSyntaxError> scalar() {
    char c = peek();
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    for (std::string_view word : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
      if (s_.substr(i_, word.size()) == word) {
        i_ += word.size();
        return std::nullopt;
      }
    }
    return error("expected value");
  }

  std::optional<JsonSyntaxError> string() {
    ++i_;
    while (!at_end()) {
      auto c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++i_;
        return std::nullopt;
      }
      if (c < 0x20) return error("control character (\\u0000-\\u001F) found while parsing a string");
      if (c == '\\') {
        ++i_;
        if (at_end()) break;
        char e = peek();
        if (e == 'u') {
          for (int k = 1; k <= 4; ++k) {
            if (i_ + k >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_ + k]))) {
              i_ += k;
              return error("invalid escape");
            }
          }
          i_ += 4;
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return error("invalid escape");
        }
      }
      ++i_;
    }
    return error("EOF while parsing a string");
  }

  std::optional<JsonSyntaxError> number() {
    if (peek() == '-') ++i_;
    if (at_end() || !std::isdigit(static_cast<unsigned char>(peek()))) return error("invalid number");
    if (peek() == '0') {
      ++i_;
    } else {
      while (!at_end() && std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
    }
    if (!at_end() && peek() == '.') {
      ++i_;
      if (at_end() || !std::isdigit(static_cast<unsigned char>(peek()))) return error("invalid number");
      while (!at_end() && std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++i_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++i_;
      if (at_end() || !std::isdigit(static_cast<unsigned char>(peek()))) return error("invalid number");
      while (!at_end() && std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
    }
    return std::nullopt;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text) { return Scanner(text).run(); }

}  // namespace dust
