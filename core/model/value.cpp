// value.cpp — value construction, equality and every textual rendering.
#include "dust/value.hpp"

#include <algorithm>
#include <cstdio>

#include "dust/json_text.hpp"

namespace dust {

namespace {

struct StringObject final : HeapObject {
  explicit StringObject(std::string t) : text(std::move(t)) {}
  std::string text;
};

struct StructObject final : HeapObject {
  StructObject(std::string t, std::vector<std::pair<std::string, Value>> f)
      : type(std::move(t)), fields(std::move(f)) {}
  std::string type;
  std::vector<std::pair<std::string, Value>> fields;
};

struct ArrayObject final : HeapObject {
  explicit ArrayObject(std::vector<Value> i) : items(std::move(i)) {}
  std::vector<Value> items;
};

const std::string kEmpty;
const std::vector<std::pair<std::string, Value>> kNoFields;
const std::vector<Value> kNoItems;

}  // namespace

Value Value::string(std::string text) {
  Value v;
  v.tag_ = ValueTag::String;
  v.obj_ = new StringObject(std::move(text));
  return v;
}

Value Value::structure(std::string type, std::vector<std::pair<std::string, Value>> fields) {
  Value v;
  v.tag_ = ValueTag::Struct;
  v.obj_ = new StructObject(std::move(type), std::move(fields));
  return v;
}

Value Value::array(std::vector<Value> items) {
  Value v;
  v.tag_ = ValueTag::Array;
  v.obj_ = new ArrayObject(std::move(items));
  return v;
}

const std::string& Value::as_string() const noexcept {
  return is_string() ? static_cast<const StringObject*>(obj_)->text : kEmpty;
}
const std::string& Value::struct_type() const noexcept {
  return is_struct() ? static_cast<const StructObject*>(obj_)->type : kEmpty;
}
const std::vector<std::pair<std::string, Value>>& Value::struct_fields() const noexcept {
  return is_struct() ? static_cast<const StructObject*>(obj_)->fields : kNoFields;
}
const std::vector<Value>& Value::array_items() const noexcept {
  return is_array() ? static_cast<const ArrayObject*>(obj_)->items : kNoItems;
}

namespace {

using Fields = std::vector<std::pair<std::string, Value>>;

// Struct fields compare as maps: each field of `a` must be found by name in
// `b`, its first field of that name, with an equal value. A struct from
// a program has a handful of fields, where a search of `b` per field is
// cheapest; one from a file (a shape of a DIR, a value in a trace) may have
// any number, so past a few `b` is indexed by name once, in a stable sort
// that keeps the first of any repeated name first, which is the field the
// search would find.
bool same_fields(const Fields& fa, const Fields& fb) {
  if (fa.size() != fb.size()) return false;
  constexpr std::size_t kSearchedFields = 16;
  if (fa.size() <= kSearchedFields) {
    for (const auto& field : fa) {
      auto match = std::find_if(fb.begin(), fb.end(), [&](const auto& other) { return other.first == field.first; });
      if (match == fb.end() || !(match->second == field.second)) return false;
    }
    return true;
  }
  std::vector<const std::pair<std::string, Value>*> by_name;
  by_name.reserve(fb.size());
  for (const auto& field : fb) by_name.push_back(&field);
  std::stable_sort(by_name.begin(), by_name.end(), [](const auto* x, const auto* y) { return x->first < y->first; });
  for (const auto& [name, value] : fa) {
    auto match = std::lower_bound(by_name.begin(), by_name.end(), name,
                                  [](const auto* field, const std::string& key) { return field->first < key; });
    if (match == by_name.end() || (*match)->first != name || !((*match)->second == value)) return false;
  }
  return true;
}

}  // namespace

bool operator==(const Value& a, const Value& b) {
  if (a.tag_ != b.tag_) return false;
  switch (a.tag_) {
    case ValueTag::Unbound:
    case ValueTag::Unit: return true;
    case ValueTag::Int:
    case ValueTag::Bool: return a.i_ == b.i_;
    case ValueTag::String: return a.obj_ == b.obj_ || a.as_string() == b.as_string();
    case ValueTag::Array: return a.obj_ == b.obj_ || a.array_items() == b.array_items();
    case ValueTag::Struct: {
      if (a.obj_ == b.obj_) return true;
      if (a.struct_type() != b.struct_type()) return false;
      return same_fields(a.struct_fields(), b.struct_fields());
    }
  }
  return false;
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

namespace {

struct CodeRange {
  char32_t first, last;
};

// Characters Rust's `{:?}` prints as \u{..}: those `char::is_printable`
// rejects (controls, format characters, separators other than ' ', private
// use, noncharacters) and grapheme extenders (combining marks, variation
// selectors), which Debug escapes so they cannot merge with a quote.
constexpr CodeRange kEscapedRanges[] = {
    {0x00, 0x1f},       {0x7f, 0xa0},       {0xad, 0xad},       {0x300, 0x36f},     {0x483, 0x489},
    {0x591, 0x5bd},     {0x5bf, 0x5bf},     {0x5c1, 0x5c2},     {0x5c4, 0x5c5},     {0x5c7, 0x5c7},
    {0x600, 0x605},     {0x610, 0x61a},     {0x61c, 0x61c},     {0x64b, 0x65f},     {0x670, 0x670},
    {0x6d6, 0x6dd},     {0x6df, 0x6e4},     {0x6e7, 0x6e8},     {0x6ea, 0x6ed},     {0x70f, 0x70f},
    {0x900, 0x902},     {0x93a, 0x93a},     {0x93c, 0x93c},     {0x941, 0x948},     {0x94d, 0x94d},
    {0x1680, 0x1680},   {0x180b, 0x180f},   {0x1ab0, 0x1aff},   {0x1dc0, 0x1dff},   {0x2000, 0x200f},
    {0x2028, 0x202f},   {0x205f, 0x206f},   {0x20d0, 0x20f0},   {0x3000, 0x3000},   {0x302a, 0x302f},
    {0x3099, 0x309a},   {0xd800, 0xf8ff},   {0xfe00, 0xfe0f},   {0xfe20, 0xfe2f},   {0xfeff, 0xfeff},
    {0xfff0, 0xfffb},   {0xfffe, 0xffff},   {0xe0000, 0xe0fff}, {0xf0000, 0x10ffff},
};

bool rust_debug_escapes(char32_t c) {
  for (const CodeRange& r : kEscapedRanges) {
    if (c < r.first) return false;
    if (c <= r.last) return true;
  }
  return false;
}

// Decodes the UTF-8 sequence at s[i]; returns its length, 0 if invalid.
std::size_t utf8_decode(std::string_view s, std::size_t i, char32_t& cp) {
  auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xe ? 3 : (b0 >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 1 ? b0 : b0 & (0x7f >> n);
  for (std::size_t k = 1; k < n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  return n;
}

}  // namespace

std::string rust_debug_string(std::string_view s) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t c;
    std::size_t n = utf8_decode(s, i, c);
    if (n == 0) {  // not UTF-8: shown as the replacement character, as from_utf8_lossy would
      out += "\uFFFD";
      ++i;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case 0: out += "\\0"; break;
      default:
        if (rust_debug_escapes(c)) {
          char buf[16];
          std::snprintf(buf, sizeof buf, "\\u{%x}", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.append(s.substr(i, n));
        }
    }
    i += n;
  }
  out.push_back('"');
  return out;
}

namespace {

void append_tagged_json(std::string& out, const Value& v) {
  switch (v.tag()) {
    case ValueTag::Unbound:
    case ValueTag::Unit: out += "\"Unit\""; return;
    case ValueTag::Int: out += "{\"Int\":" + std::to_string(v.as_int()) + "}"; return;
    case ValueTag::Bool: out += v.as_bool() ? "{\"Bool\":true}" : "{\"Bool\":false}"; return;
    case ValueTag::String:
      out += "{\"String\":";
      append_json_text(out, v.as_string());
      out += "}";
      return;
    case ValueTag::Struct: {
      out += "{\"Struct\":{\"ty\":";
      append_json_text(out, v.struct_type());
      out += ",\"fields\":{";
      bool first = true;
      for (const auto& [name, field] : v.struct_fields()) {
        if (!first) out += ",";
        first = false;
        append_json_string(out, name);
        out += ":";
        append_tagged_json(out, field);
      }
      out += "}}}";
      return;
    }
    case ValueTag::Array: {
      out += "{\"Array\":[";
      bool first = true;
      for (const Value& item : v.array_items()) {
        if (!first) out += ",";
        first = false;
        append_tagged_json(out, item);
      }
      out += "]}";
      return;
    }
  }
}

}  // namespace

std::string value_to_tagged_json(const Value& v) {
  std::string out;
  append_tagged_json(out, v);
  return out;
}

std::string render_payload(const Value& v) {
  switch (v.tag()) {
    case ValueTag::String: return v.as_string();
    case ValueTag::Int: return std::to_string(v.as_int());
    case ValueTag::Bool: return v.as_bool() ? "true" : "false";
    case ValueTag::Unbound:
    case ValueTag::Unit: return "unit";
    case ValueTag::Struct:
    case ValueTag::Array: return value_to_tagged_json(v);
  }
  return "unit";
}

std::string render_human(const Value& v) {
  switch (v.tag()) {
    case ValueTag::String: return rust_debug_string(v.as_string());
    case ValueTag::Struct: {
      std::string out = v.struct_type() + "{";
      bool first = true;
      for (const auto& [name, field] : v.struct_fields()) {
        if (!first) out += ",";
        first = false;
        out += name + ":" + render_human(field);
      }
      return out + "}";
    }
    case ValueTag::Array: {
      std::string out = "[";
      bool first = true;
      for (const Value& item : v.array_items()) {
        if (!first) out += ",";
        first = false;
        out += render_human(item);
      }
      return out + "]";
    }
    default: return render_payload(v);
  }
}

std::string render_rust_debug(const Value& v) {
  switch (v.tag()) {
    case ValueTag::Unbound:
    case ValueTag::Unit: return "Unit";
    case ValueTag::Int: return "Int(" + std::to_string(v.as_int()) + ")";
    case ValueTag::Bool: return v.as_bool() ? "Bool(true)" : "Bool(false)";
    case ValueTag::String: return "String(" + rust_debug_string(v.as_string()) + ")";
    case ValueTag::Struct: {
      std::string out = "Struct { ty: " + rust_debug_string(v.struct_type()) + ", fields: {";
      bool first = true;
      for (const auto& [name, field] : v.struct_fields()) {
        if (!first) out += ", ";
        first = false;
        out += rust_debug_string(name) + ": " + render_rust_debug(field);
      }
      return out + "} }";
    }
    case ValueTag::Array: {
      std::string out = "Array([";
      bool first = true;
      for (const Value& item : v.array_items()) {
        if (!first) out += ", ";
        first = false;
        out += render_rust_debug(item);
      }
      return out + "])";
    }
  }
  return "Unit";
}

}  // namespace dust
