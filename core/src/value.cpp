// value.cpp — value construction, equality and every textual rendering.
#include "dust/value.hpp"

#include <cstdio>

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
      const auto& fa = a.struct_fields();
      const auto& fb = b.struct_fields();
      if (fa.size() != fb.size()) return false;
      for (const auto& [name, value] : fa) {
        bool found = false;
        for (const auto& [other_name, other_value] : fb) {
          if (other_name == name) {
            found = other_value == value;
            break;
          }
        }
        if (!found) return false;
      }
      return true;
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

std::string rust_debug_string(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\0': out += "\\0"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[12];
          std::snprintf(buf, sizeof buf, "\\u{%x}", c);
          out += buf;
        } else if (c == 0xc2 && i + 1 < s.size() &&
                   static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
          // C1 control characters are not printable: Rust escapes them.
          char buf[12];
          std::snprintf(buf, sizeof buf, "\\u{%x}", static_cast<unsigned char>(s[i + 1]));
          out += buf;
          ++i;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
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
      append_json_string(out, v.as_string());
      out += "}";
      return;
    case ValueTag::Struct: {
      out += "{\"Struct\":{\"ty\":";
      append_json_string(out, v.struct_type());
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
