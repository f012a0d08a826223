// value.hpp — the values a DVM program computes with.
//
// Int (i64), Bool, String, Struct{ty, ordered fields}, Unit and, from DIR
// v0.2, Array. A Value is 16 bytes: a tag and either an immediate (Int, Bool)
// or a pointer to an immutable, reference-counted heap object (String,
// Struct, Array). Immutability is what makes copying a Machine a cheap and
// exact snapshot: copies share heap objects and no one can change them.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dust {

enum class ValueTag : std::uint8_t {
  Unbound,  // an environment slot with no binding; never a result of evaluation
  Unit,
  Int,
  Bool,
  String,
  Struct,
  Array,
};

class Value;

struct HeapObject {
  mutable std::atomic<std::uint32_t> refs{1};
  virtual ~HeapObject() = default;
};

class Value {
 public:
  Value() noexcept : tag_(ValueTag::Unbound), i_(0) {}
  static Value unit() noexcept { Value v; v.tag_ = ValueTag::Unit; return v; }
  static Value integer(std::int64_t n) noexcept { Value v; v.tag_ = ValueTag::Int; v.i_ = n; return v; }
  static Value boolean(bool b) noexcept { Value v; v.tag_ = ValueTag::Bool; v.i_ = b ? 1 : 0; return v; }
  static Value string(std::string text);
  static Value structure(std::string type, std::vector<std::pair<std::string, Value>> fields);
  static Value array(std::vector<Value> items);

  Value(const Value& o) noexcept : tag_(o.tag_), i_(o.i_) {
    if (o.is_heap()) o.obj_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  Value(Value&& o) noexcept : tag_(o.tag_), i_(o.i_) { o.tag_ = ValueTag::Unbound; }
  Value& operator=(const Value& o) noexcept {
    if (this != &o) { Value tmp(o); swap(tmp); }
    return *this;
  }
  Value& operator=(Value&& o) noexcept {
    if (this != &o) { release(); tag_ = o.tag_; i_ = o.i_; o.tag_ = ValueTag::Unbound; }
    return *this;
  }
  ~Value() { release(); }

  void swap(Value& o) noexcept { std::swap(tag_, o.tag_); std::swap(i_, o.i_); }

  // In-place setters for the interpreter's hot paths.
  void set_int(std::int64_t n) noexcept { release(); tag_ = ValueTag::Int; i_ = n; }
  void set_bool(bool b) noexcept { release(); tag_ = ValueTag::Bool; i_ = b ? 1 : 0; }
  void clear() noexcept { release(); tag_ = ValueTag::Unbound; }
  // Replaces the number of a value that is already an Int.
  void replace_int(std::int64_t n) noexcept { i_ = n; }

  ValueTag tag() const noexcept { return tag_; }
  bool is_bound() const noexcept { return tag_ != ValueTag::Unbound; }
  bool is_int() const noexcept { return tag_ == ValueTag::Int; }
  bool is_bool() const noexcept { return tag_ == ValueTag::Bool; }
  bool is_string() const noexcept { return tag_ == ValueTag::String; }
  bool is_struct() const noexcept { return tag_ == ValueTag::Struct; }
  bool is_array() const noexcept { return tag_ == ValueTag::Array; }
  bool is_unit() const noexcept { return tag_ == ValueTag::Unit; }

  std::int64_t as_int() const noexcept { return i_; }
  bool as_bool() const noexcept { return i_ != 0; }
  const std::string& as_string() const noexcept;
  const std::string& struct_type() const noexcept;
  const std::vector<std::pair<std::string, Value>>& struct_fields() const noexcept;
  const std::vector<Value>& array_items() const noexcept;

  // Structural equality as the reference's `Eq`: mixed types are unequal,
  // struct fields compare as maps (order does not matter, as IndexMap's ==).
  friend bool operator==(const Value& a, const Value& b);

 private:
  bool is_heap() const noexcept { return tag_ >= ValueTag::String; }
  void release() noexcept {
    if (is_heap() && obj_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete obj_;
  }

  ValueTag tag_;
  union {
    std::int64_t i_;
    const HeapObject* obj_;
  };
};

// ---- Rendering: each form is part of a user-visible surface. ----

// The effect payload: String raw, Int decimal, Bool true/false, Unit "unit",
// Struct and Array as compact tagged JSON (serde_json of the value).
std::string render_payload(const Value& v);

// Compact tagged JSON of a value: {"Int":1}, "Unit", {"Struct":{"ty":..,"fields":{..}}}.
// A String that is not UTF-8 is {"String":{"bytes":"…"}} (json_text.hpp).
std::string value_to_tagged_json(const Value& v);

// The CLI's "return: <v>" form: strings quoted with Rust Debug escapes,
// structs as ty{k:v,...}.
std::string render_human(const Value& v);

// Rust's {:?} of the reference's Value: Int(5), String("x"), Unit,
// Struct { ty: "T", fields: {"a": Int(1)} }.
std::string render_rust_debug(const Value& v);

// Rust's {:?} of a string: quoted, with \" \\ \n \t \r \0 and \u{..} escapes.
std::string rust_debug_string(std::string_view s);

// A JSON string literal (with quotes), escaped as serde_json does; `s` must
// be UTF-8 (append_json_text in json_text.hpp takes any bytes).
void append_json_string(std::string& out, std::string_view s);

}  // namespace dust
