// dir_reader.inl — the simdjson On-Demand walk over DIR JSON, compiled
// once per instruction set (see dir_reader_haswell.cpp and
// dir_reader_generic.cpp); DUST_READER_NS names the copy.
//
// Shape errors follow serde's wording, since the reference deserialises DIR
// with serde: "missing field `name`", "invalid type: integer `5`, expected a
// string", "unknown variant `Foo`, expected one of ...", each followed by
// "at line L column C".

#include <array>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <simdjson.h>

#include "dir_reader.hpp"
#include "compile/expr_compiler.hpp"
#include "model/huge_pages.hpp"
#include "json_syntax.hpp"
#include "mapped_input.hpp"
#include "compile/name_index.hpp"
#include "compile/text_scan.hpp"

namespace dust::DUST_READER_NS {

namespace od = simdjson::ondemand;

namespace {

struct LoadFailure {
  const char* where;  // position in the input, or nullptr for "at the end"
  std::string message;
};

const char* describe_type(od::json_type t) {
  switch (t) {
    case od::json_type::array: return "sequence";
    case od::json_type::object: return "map";
    case od::json_type::number: return "number";
    case od::json_type::string: return "string";
    case od::json_type::boolean: return "boolean";
    case od::json_type::null: return "null";
  }
  return "value";
}

std::string simdjson_failure(simdjson::error_code e) {
  switch (e) {
    case simdjson::EMPTY: return "EOF while parsing a value";
    case simdjson::UNCLOSED_STRING: return "EOF while parsing a string";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT: return "EOF while parsing a list or map";
    case simdjson::TAPE_ERROR: return "malformed JSON";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR: return "expected value";
    case simdjson::NUMBER_ERROR: return "invalid number";
    case simdjson::DEPTH_ERROR: return "recursion limit exceeded";
    case simdjson::STRING_ERROR: return "invalid escape in string";
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    default: return simdjson::error_message(e);
  }
}

// The statement variants a DIR may hold, in the order serde lists them.
constexpr const char* kVariants =
    "`Let`, `Constrain`, `Prove`, `Effect`, `Return`, `If`, `While`, `For`, `Break`, "
    "`Continue`, `Call`, `Assign`, `Alloc`, `Dealloc`, `Load`, `Store`, `Index`, `Field`";

class DirReader {
 public:
  // `strict`: every check in the reference's order (see parse_dir_json).
  DirReader(const char* base, std::size_t size, MappedInput* mapped, bool strict)
      : base_(base), size_(size), mapped_(mapped), strict_(strict), program_(std::make_shared<Program>()),
        shared_(*program_) {}

  std::shared_ptr<Program> read(od::document& doc) {
    // Generated programs are mostly statements: reserving by input size
    // avoids copying the large arrays as they grow (unused capacity is
    // never touched, so it costs address space, not memory).
    program_->code.reserve(size_ / 4);
    program_->stmts.reserve(size_ / 64);
    advise_huge_pages(program_->code);
    od::object root = object_of(doc.get_object(), "a map", location(doc));
    bool seen_forges = false;
    for (auto field_result : root) {
      od::field field = check(std::move(field_result));
      std::string_view key = key_of(field);
      if (same(key, "forges")) {
        if (seen_forges) fail(key_location(field), "duplicate field `forges`");
        seen_forges = true;
        read_forges(field.value());
      }
    }
    if (!seen_forges) fail(location(doc), "missing field `forges`");
    auto rest = doc.current_location();
    if (!rest.error()) fail(rest.value_unsafe(), "trailing characters");
    resolve_callees();
    validate();
    return program_;
  }

 private:
  // ---- positions and failures ----

  [[noreturn]] void fail(const char* where, std::string message) {
    throw LoadFailure{where, std::move(message)};
  }

  template <class T>
  T check(simdjson::simdjson_result<T>&& r, const char* where = nullptr) {
    if (r.error()) fail_json(r.error(), where);
    return std::move(r).value_unsafe();
  }

  // The same, in place: the hot loops use it, since copying a value out of
  // a result right after simdjson wrote it in pieces stalls store
  // forwarding (a few percent of the walk in perf).
  template <class T>
  T& check_ref(simdjson::simdjson_result<T>& r, const char* where = nullptr) {
    if (r.error()) fail_json(r.error(), where);
    return r.value_unsafe();
  }

  // A simdjson failure: where the text itself is malformed, the syntax
  // scanner names the place; otherwise the best location we have.
  [[noreturn]] void fail_json(simdjson::error_code code, const char* where) {
    if (code != simdjson::INCORRECT_TYPE && code != simdjson::NO_SUCH_FIELD) {
      if (auto syntax = find_json_syntax_error(std::string_view(base_, size_))) {
        fail(base_ + syntax->offset, syntax->message);
      }
    }
    fail(where, simdjson_failure(code));
  }

  template <class V>
  const char* location(V& v) {
    auto loc = v.current_location();
    return loc.error() ? nullptr : loc.value_unsafe();
  }

  const char* key_location(od::field& f) { return f.key().raw(); }

  // serde refuses a struct field given twice.
  void mark_seen(bool& seen, od::field& f, std::string_view key) {
    if (seen) fail(key_location(f), "duplicate field `" + std::string(key) + "`");
    seen = true;
  }

  template <class T>
  T object_of(simdjson::simdjson_result<T>&& r, const char* expected, const char* where) {
    if (r.error() == simdjson::INCORRECT_TYPE) fail(where, std::string("invalid type, expected ") + expected);
    return check(std::move(r), where);
  }

  [[noreturn]] void type_error(od::value& v, const char* expected) {
    const char* where = location(v);
    auto t = v.type();
    std::string found = t.error() ? "value" : describe_type(t.value_unsafe());
    if (!t.error()) {
      {
        std::string_view token = trim_ascii(v.raw_json_token());
        if (t.value_unsafe() == od::json_type::number) found = "integer `" + std::string(token) + "`";
        if (t.value_unsafe() == od::json_type::boolean) found = "boolean `" + std::string(token) + "`";
        if (t.value_unsafe() == od::json_type::string) found = "string " + std::string(token);
      }
    }
    fail(where, "invalid type: " + found + ", expected " + expected);
  }

  // ---- scalar readers ----

  // The unescaped text of a JSON string value. Strings without escapes are
  // views into the input; the rest are decoded into `scratch`.
  std::string_view string_of(od::value v, std::string& scratch, const char* expected = "a string") {
    auto t = v.type();
    if (t.error()) fail_json(t.error(), location(v));
    if (t.value_unsafe() != od::json_type::string) type_error(v, expected);
    auto raw_result = v.get_raw_json_string();
    if (raw_result.error()) fail_json(raw_result.error(), nullptr);
    const char* raw = raw_result.value_unsafe().raw();
    std::string_view text;
    std::string error;
    if (!decode_json_string(raw, base_ + size_, text, scratch, error)) fail(raw, error);
    if (mapped_ != nullptr) mapped_->release_before(raw);
    return text;
  }

  std::string_view key_of(od::field& f) {
    std::string_view text;
    std::string error;
    if (!decode_json_string(f.key().raw(), base_ + size_, text, key_scratch_, error)) {
      fail(f.key().raw(), error);
    }
    return text;
  }

  bool is_null(od::value& v) {
    auto t = v.type();
    return !t.error() && t.value_unsafe() == od::json_type::null;
  }

  od::array array_of(od::value v, const char* expected = "a sequence") {
    auto t = v.type();
    if (t.error()) fail_json(t.error(), location(v));
    if (t.value_unsafe() != od::json_type::array) type_error(v, expected);
    return check(v.get_array(), location(v));
  }

  od::object map_of(od::value v, const char* expected) {
    auto t = v.type();
    if (t.error()) fail_json(t.error(), location(v));
    if (t.value_unsafe() != od::json_type::object) type_error(v, expected);
    return check(v.get_object(), location(v));
  }

  // Checks that an array holds only strings (qualifiers).
  void skip_string_array(od::value v) {
    std::string scratch;
    for (auto item : array_of(v)) string_of(check(std::move(item)), scratch);
  }

  // Walks an array of records whose listed fields must all be strings
  // (shapes' fields, binds' contract clauses).
  // Checks an array of records of string fields; with `out`, keeps each
  // record's values in the order of `names`.
  void read_string_records(od::value v, std::initializer_list<const char*> names, const char* what,
                           std::vector<std::vector<std::string>>* out = nullptr) {
    for (auto item : array_of(v)) {
      od::value record = check(std::move(item));
      const char* where = location(record);
      std::vector<bool> seen(names.size(), false);
      if (out != nullptr) out->emplace_back(names.size());
      for (auto fr : map_of(record, what)) {
        od::field f = check(std::move(fr));
        std::string_view key = key_of(f);
        std::size_t i = 0;
        for (const char* n : names) {
          if (key == n) {
            std::string scratch;
            std::string_view text = string_of(f.value(), scratch);
            if (out != nullptr) out->back()[i] = std::string(text);
            seen[i] = true;
          }
          ++i;
        }
      }
      std::size_t i = 0;
      for (const char* n : names) {
        if (!seen[i++]) fail(where, std::string("missing field `") + n + "`");
      }
    }
  }

  // ---- forges, shapes, binds, procs ----

  void read_forges(od::value v) {
    for (auto item : array_of(v)) {
      od::value forge_value = check(std::move(item));
      const char* where = location(forge_value);
      auto forge_index = static_cast<std::uint32_t>(program_->forges.size());
      program_->forges.emplace_back();
      bool seen_name = false, seen_shapes = false, seen_procs = false, seen_binds = false;
      std::string scratch;
      for (auto fr : map_of(forge_value, "struct DirForge")) {
        od::field f = check(std::move(fr));
        std::string_view key = key_of(f);
        if (same(key, "name")) {
          mark_seen(seen_name, f, key);
          program_->forges[forge_index].name = std::string(string_of(f.value(), scratch));
        } else if (same(key, "shapes")) {
          mark_seen(seen_shapes, f, key);
          read_shapes(f.value(), program_->forges[forge_index].shapes);
        } else if (same(key, "procs")) {
          mark_seen(seen_procs, f, key);
          for (auto p : array_of(f.value())) read_proc(check(std::move(p)), forge_index);
        } else if (same(key, "binds")) {
          mark_seen(seen_binds, f, key);
          read_binds(f.value());
        }
      }
      if (!seen_name) fail(where, "missing field `name`");
      if (!seen_shapes) fail(where, "missing field `shapes`");
      if (!seen_procs) fail(where, "missing field `procs`");
      if (!seen_binds) fail(where, "missing field `binds`");
    }
  }

  void read_shapes(od::value v, std::vector<ShapeDecl>& shapes) {
    for (auto item : array_of(v)) {
      od::value shape = check(std::move(item));
      const char* where = location(shape);
      bool seen_name = false, seen_fields = false;
      std::string scratch;
      ShapeDecl& decl = shapes.emplace_back();
      for (auto fr : map_of(shape, "struct DirShape")) {
        od::field f = check(std::move(fr));
        std::string_view key = key_of(f);
        if (same(key, "name")) {
          seen_name = true;
          decl.name = std::string(string_of(f.value(), scratch));
        } else if (same(key, "fields")) {
          seen_fields = true;
          std::vector<std::vector<std::string>> records;
          read_string_records(f.value(), {"name", "ty"}, "struct DirField", &records);
          decl.fields.clear();
          for (auto& r : records) decl.fields.push_back(ShapeField{std::move(r[0]), std::move(r[1])});
        }
      }
      if (!seen_name) fail(where, "missing field `name`");
      if (!seen_fields) fail(where, "missing field `fields`");
    }
  }

  void read_binds(od::value v) {
    for (auto item : array_of(v)) {
      od::value bind = check(std::move(item));
      const char* where = location(bind);
      bool seen_source = false, seen_target = false, seen_contract = false;
      std::string scratch;
      for (auto fr : map_of(bind, "struct DirBind")) {
        od::field f = check(std::move(fr));
        std::string_view key = key_of(f);
        if (same(key, "source")) {
          seen_source = true;
          string_of(f.value(), scratch);
        } else if (same(key, "target")) {
          seen_target = true;
          string_of(f.value(), scratch);
        } else if (same(key, "contract")) {
          seen_contract = true;
          read_string_records(f.value(), {"key", "op", "value"}, "struct DirClause");
        }
      }
      if (!seen_source) fail(where, "missing field `source`");
      if (!seen_target) fail(where, "missing field `target`");
      if (!seen_contract) fail(where, "missing field `contract`");
    }
  }

  void read_uses(od::value v) {
    for (auto item : array_of(v)) {
      od::value use = check(std::move(item));
      const char* where = location(use);
      bool seen_resource = false, seen_args = false;
      std::string scratch;
      for (auto fr : map_of(use, "struct DirUses")) {
        od::field f = check(std::move(fr));
        std::string_view key = key_of(f);
        if (same(key, "resource")) {
          seen_resource = true;
          string_of(f.value(), scratch);
        } else if (same(key, "args")) {
          seen_args = true;
          for (auto arg : array_of(f.value())) read_use_arg(check(std::move(arg)));
        }
      }
      if (!seen_resource) fail(where, "missing field `resource`");
      if (!seen_args) fail(where, "missing field `args`");
    }
  }

  // A (String, DirLit) tuple: ["name", {"Int": 1}].
  void read_use_arg(od::value v) {
    const char* where = location(v);
    std::size_t n = 0;
    std::string scratch;
    for (auto item : array_of(v, "a tuple of size 2")) {
      od::value element = check(std::move(item));
      if (n == 0) {
        string_of(element, scratch);
      } else if (n == 1) {
        od::object lit = map_of(element, "enum DirLit");
        std::size_t keys = 0;
        for (auto fr : lit) {
          od::field f = check(std::move(fr));
          std::string_view key = key_of(f);
          ++keys;
          od::value inner = f.value();
          if (same(key, "Int")) {
            check(inner.get_int64(), location(inner));
          } else if (same(key, "Bool")) {
            check(inner.get_bool(), location(inner));
          } else if (same(key, "String")) {
            string_of(inner, scratch);
          } else {
            fail(key_location(f), "unknown variant `" + std::string(key) +
                                      "`, expected one of `Int`, `Bool`, `String`");
          }
        }
        if (keys != 1) fail(where, "invalid type: map, expected enum DirLit");
      }
      ++n;
    }
    if (n != 2) fail(where, "invalid length " + std::to_string(n) + ", expected a tuple of size 2");
  }

  void read_params(od::value v, Proc& proc, NameIndex& slots) {
    for (auto item : array_of(v)) {
      od::value pv = check(std::move(item));
      const char* where = location(pv);
      Param param;
      bool seen_name = false, seen_ty = false;
      std::string scratch;
      for (auto fr : map_of(pv, "struct DirParam")) {
        od::field f = check(std::move(fr));
        std::string_view key = key_of(f);
        if (same(key, "name")) {
          mark_seen(seen_name, f, key);
          param.name = std::string(string_of(f.value(), scratch));
        } else if (same(key, "ty")) {
          mark_seen(seen_ty, f, key);
          param.type = std::string(string_of(f.value(), scratch));
        }
      }
      if (!seen_name) fail(where, "missing field `name`");
      if (!seen_ty) fail(where, "missing field `ty`");
      param.slot = slots.intern(param.name);
      proc.params.push_back(std::move(param));
    }
  }

  void read_proc(od::value v, std::uint32_t forge_index) {
    const char* where = location(v);
    auto proc_index = static_cast<std::uint32_t>(program_->procs.size());
    program_->procs.emplace_back();
    program_->forges[forge_index].procs.push_back(proc_index);
    // The statements must be compiled under the proc's regime, but JSON keys
    // come in any order: remember where the body is and compile it last.
    std::string regime_text;
    bool seen[7] = {};
    std::string scratch;
    od::object obj = map_of(v, "struct DirProc");
    // First pass: every field but the body.
    for (auto fr : obj) {
      od::field f = check(std::move(fr));
      std::string_view key = key_of(f);
      Proc& proc = program_->procs[proc_index];
      if (same(key, "regime")) {
        mark_seen(seen[0], f, key);
        regime_text = std::string(string_of(f.value(), scratch));
      } else if (same(key, "name")) {
        mark_seen(seen[1], f, key);
        proc.name = std::string(string_of(f.value(), scratch));
      } else if (same(key, "params")) {
        mark_seen(seen[2], f, key);
      } else if (same(key, "uses")) {
        mark_seen(seen[3], f, key);
        read_uses(f.value());
      } else if (same(key, "ret")) {
        mark_seen(seen[4], f, key);
        od::value r = f.value();
        if (!is_null(r)) proc.ret = std::string(string_of(r, scratch));
      } else if (same(key, "qualifiers")) {
        mark_seen(seen[5], f, key);
        skip_string_array(f.value());
      } else if (same(key, "body")) {
        mark_seen(seen[6], f, key);
        od::value b = f.value();
        auto t = b.type();
        if (t.error() || t.value_unsafe() != od::json_type::array) type_error(b, "a sequence");
        if (!strict_) {
          // The body must be passed over here anyway: counting its
          // statements on the way spares the second pass a count_elements,
          // which is another pass over the whole body. This validates the
          // array as count_elements would, but earlier than the reference
          // order; any failure makes the load start again strictly.
          od::array arr = array_of(b);
          std::size_t count = 0;
          for (auto item : arr) {
            // Only the strict reading's message is ever reported.
            if (item.error()) fail(nullptr, std::string());
            ++count;
          }
          body_count_ = count;
        }
      }
    }
    static const char* const kNames[] = {"regime", "name", "params", "uses", "ret", "qualifiers", "body"};
    for (int i = 0; i < 7; ++i) {
      if (i == 4) continue;  // ret is an Option: missing means null
      if (!seen[i]) fail(where, std::string("missing field `") + kNames[i] + "`");
    }
    Proc& proc = program_->procs[proc_index];
    proc.forge = forge_index;
    proc.regime = same(regime_text, "Q") ? Regime::Q : same(regime_text, "Φ") ? Regime::Phi : Regime::K;
    regime_texts_.push_back(regime_text);

    // Second pass over the same object, now that the regime is known.
    check(obj.reset(), where);
    NameIndex slots(proc.slot_names);
    slots_ = &slots;
    current_forge_ = forge_index;
    current_proc_ = proc_index;
    current_regime_ = proc.regime;
    for (auto fr : obj) {
      od::field f = check(std::move(fr));
      std::string_view key = key_of(f);
      if (same(key, "params")) {
        read_params(f.value(), program_->procs[proc_index], slots);
      } else if (same(key, "body")) {
        std::uint32_t body = read_block(f.value(), 0, strict_ ? kUncounted : body_count_);
        program_->procs[proc_index].body = body;
      }
    }
    slots_ = nullptr;
  }

  // ---- statements ----

  static constexpr int kMaxBlockNesting = 200;

  // The walk and the building of statements are separate: the walk turns
  // each statement into a record (the fields it read), and blocks open and
  // close around their statements; the builder interns names and compiles
  // expressions record by record, in the order the walk emits them, which
  // is the order the statements would be built in one pass. A large body
  // is built on a second thread while the walk goes on (see Pipeline);
  // anything else is built as soon as its record is emitted.
  static constexpr std::size_t kUncounted = SIZE_MAX;

  // `known`: the block's statement count, when already counted.
  std::uint32_t read_block(od::value v, int nesting, std::size_t known = kUncounted) {
    const char* where = location(v);
    if (nesting > kMaxBlockNesting) fail(where, "statement nesting too deep");
    od::array arr = array_of(v);
    std::size_t count = known != kUncounted ? known : check(arr.count_elements(), where);
    bool own_pipeline = pipeline_ == nullptr && nesting == 0 && count >= pipeline_threshold();
    if (own_pipeline) {
      try {
        pipeline_ = std::make_unique<Pipeline>(*this);
      } catch (const std::system_error&) {
        // No thread to be had: build on this one, as for a small body.
        own_pipeline = false;
      }
    }
    try {
      Record& begin = next_record();
      begin.kind = RecordKind::BeginBlock;
      begin.count = count;
      commit_record();
      for (auto item : arr) {
        od::value& sv = check_ref(item);
        read_stmt(sv, nesting);
      }
      next_record().kind = RecordKind::EndBlock;
      commit_record();
    } catch (...) {
      if (own_pipeline) {
        // An earlier record's build failure precedes the walk's failure.
        std::unique_ptr<Pipeline> pipeline = std::move(pipeline_);
        pipeline->finish();
      }
      throw;
    }
    if (own_pipeline) {
      std::unique_ptr<Pipeline> pipeline = std::move(pipeline_);
      pipeline->finish();
    }
    return blocks_emitted_++;
  }

  // The statement variants with the string fields each requires.
  enum class Variant : std::uint8_t {
    Let, Constrain, Prove, Effect, Return, If, While, For, Call, Assign,
    Alloc, Dealloc, Load, Store, Index, Field, Unknown,
  };

  struct VariantInfo {
    std::string_view name;
    Variant variant;
    std::array<std::string_view, 3> fields;  // required string fields
  };

  static constexpr std::array<VariantInfo, 16> kVariantInfo{{
      {"Let", Variant::Let, {"name", "expr"}},
      {"Constrain", Variant::Constrain, {"predicate"}},
      {"Prove", Variant::Prove, {"name", "from"}},
      {"Effect", Variant::Effect, {"kind", "payload"}},
      {"Return", Variant::Return, {"expr"}},
      {"If", Variant::If, {"condition"}},
      {"While", Variant::While, {"condition"}},
      {"For", Variant::For, {"var", "start", "end"}},
      {"Call", Variant::Call, {"target"}},
      {"Assign", Variant::Assign, {"target", "expr"}},
      {"Alloc", Variant::Alloc, {"size", "result"}},
      {"Dealloc", Variant::Dealloc, {"ptr"}},
      {"Load", Variant::Load, {"ptr", "result"}},
      {"Store", Variant::Store, {"ptr", "value"}},
      {"Index", Variant::Index, {"target", "index", "result"}},
      {"Field", Variant::Field, {"target", "field", "result"}},
  }};

  static const VariantInfo* find_variant(std::string_view name) {
    for (const VariantInfo& info : kVariantInfo)
      if (same(info.name, name)) return &info;
    return nullptr;
  }

  // A statement's string fields by name. Values are views into the input,
  // or into `owned` when the JSON string had escapes.
  struct StmtFields {
    static constexpr int kMax = 4;
    // What the builder reads comes first, in as few cache lines as
    // possible: on the two-thread path each record crosses between cores.
    std::string_view names[kMax];
    std::string_view values[kMax];
    bool null[kMax] = {};
    int count = 0;
    bool has_args = false;
    bool has_body = false, has_then = false, has_else = false;
    std::uint32_t body = kNoBlock, then_body = kNoBlock, else_body = kNoBlock;
    std::vector<std::string> args;
    std::string owned[kMax];  // decoded strings the views above may point into

    // Back to empty, keeping the strings' storage for the next statement.
    void reset() {
      for (int i = 0; i < kMax; ++i) {
        names[i] = {};
        values[i] = {};
        owned[i].clear();
        null[i] = false;
      }
      count = 0;
      args.clear();
      has_args = false;
      body = then_body = else_body = kNoBlock;
      has_body = has_then = has_else = false;
    }

    // A copy whose views point at its own decoded strings.
    void copy_from(const StmtFields& o) {
      for (int i = 0; i < kMax; ++i) {
        names[i] = o.names[i];
        null[i] = o.null[i];
        if (!o.owned[i].empty() && o.values[i].data() == o.owned[i].data()) {
          owned[i] = o.owned[i];
          values[i] = owned[i];
        } else {
          values[i] = o.values[i];
        }
      }
      count = o.count;
      args = o.args;
      has_args = o.has_args;
      body = o.body;
      then_body = o.then_body;
      else_body = o.else_body;
      has_body = o.has_body;
      has_then = o.has_then;
      has_else = o.has_else;
    }

    int index(std::string_view name) const {
      for (int i = 0; i < count; ++i)
        if (same(names[i], name)) return i;
      return -1;
    }
    const std::string_view* get(std::string_view name) const {
      int i = index(name);
      return i >= 0 && !null[i] ? &values[i] : nullptr;
    }
    bool is_null(std::string_view name) const {
      int i = index(name);
      return i >= 0 && null[i];
    }
  };

  void read_stmt(od::value& sv, int nesting) {
    auto t = sv.type();
    if (t.error()) fail_json(t.error(), location(sv));
    if (t.value_unsafe() == od::json_type::string) {
      std::string scratch;
      const char* where = location(sv);
      std::string_view name = string_of(sv, scratch);
      if (same(name, "Break") || same(name, "Continue")) {
        Record& r = next_record();
        r.kind = RecordKind::Ready;
        r.ready = Stmt{};
        r.ready.has_expr = 0;
        r.ready.kind = same(name, "Break") ? StmtKind::Break : StmtKind::Continue;
        commit_record();
        return;
      }
      fail(where, "unknown variant `" + std::string(name) + "`, expected one of " + kVariants);
    }
    if (t.value_unsafe() != od::json_type::object) type_error(sv, "enum DirStmt");
    // Only failures use this place, and the first attempt's failures are
    // never reported (see parse_dir_json): it is found only when strict,
    // as finding it costs a few percent of the walk.
    const char* where = strict_ ? location(sv) : nullptr;
    od::object obj = check(sv.get_object(), where);
    Stmt result;
    bool built = false;
    int variants = 0;
    for (auto fr : obj) {
      od::field& f = check_ref(fr);
      std::string_view variant = key_of(f);
      const char* key_where = key_location(f);
      if (++variants > 1) fail(key_where, "invalid type: map, expected enum DirStmt");
      if (same(variant, "Break") || same(variant, "Continue")) {
        result.has_expr = 0;
        result.kind = same(variant, "Break") ? StmtKind::Break : StmtKind::Continue;
        continue;
      }
      const VariantInfo* info = find_variant(variant);
      if (info == nullptr) fail(key_where, "unknown variant `" + std::string(variant) + "`, expected one of " + kVariants);
      read_variant(*info, key_where, f.value(), nesting);
      built = true;
    }
    if (variants == 0) fail(where, "invalid type: map, expected enum DirStmt");
    if (!built) {
      Record& r = next_record();
      r.kind = RecordKind::Ready;
      r.ready = result;
      commit_record();
    }
  }

  // `obj_where` (the variant's key) is where a missing field is reported.
  void read_variant(const VariantInfo& info, const char* obj_where, od::value v, int nesting) {
    // One set of fields per nesting level: a body's statements are read
    // while the enclosing statement's fields are half filled.
    while (walk_fields_.size() <= static_cast<std::size_t>(nesting)) walk_fields_.push_back(std::make_unique<StmtFields>());
    StmtFields& fields = *walk_fields_[static_cast<std::size_t>(nesting)];
    fields.reset();
    auto t = v.type();
    if (t.error()) fail_json(t.error(), location(v));
    if (t.value_unsafe() != od::json_type::object) {
      type_error(v, ("struct variant DirStmt::" + std::string(info.name)).c_str());
    }
    od::object obj = check(v.get_object(), obj_where);
    Variant variant = info.variant;
    for (auto fr : obj) {
      od::field& f = check_ref(fr);
      std::string_view key = key_of(f);
      od::value& fv = f.value();
      if (same(key, "body") || same(key, "then_body") || same(key, "else_body")) {
        if (same(key, "else_body") && is_null(fv)) continue;
        bool wants = (same(key, "body") && (variant == Variant::While || variant == Variant::For)) ||
                     (!same(key, "body") && variant == Variant::If);
        if (!wants) continue;
        std::string key_copy(key);
        if ((same(key_copy, "body") && fields.has_body) || (same(key_copy, "then_body") && fields.has_then) ||
            (same(key_copy, "else_body") && fields.has_else)) {
          fail(key_location(f), "duplicate field `" + key_copy + "`");
        }
        std::uint32_t b = read_block(fv, nesting + 1);
        if (same(key_copy, "body")) { fields.body = b; fields.has_body = true; }
        if (same(key_copy, "then_body")) { fields.then_body = b; fields.has_then = true; }
        if (same(key_copy, "else_body")) { fields.else_body = b; fields.has_else = true; }
        continue;
      }
      if (same(key, "args") && variant == Variant::Call) {
        if (fields.has_args) fail(key_location(f), "duplicate field `args`");
        fields.has_args = true;
        std::string scratch;
        for (auto a : array_of(fv)) fields.args.emplace_back(string_of(check(std::move(a)), scratch));
        continue;
      }
      // Which of the variant's fields the key names, compared once.
      std::string_view matched;
      for (std::string_view name : info.fields) {
        if (!name.empty() && same(key, name)) {
          matched = name;
          break;
        }
      }
      if (matched.empty() && variant == Variant::Call && same(key, "result")) matched = "result";
      if (matched.empty() || fields.count == StmtFields::kMax) continue;
      if (fields.index(key) >= 0) fail(key_location(f), "duplicate field `" + std::string(key) + "`");
      int i = fields.count++;
      fields.names[i] = matched;
      if (is_null(fv)) {
        fields.null[i] = true;
      } else {
        fields.values[i] = string_of(fv, fields.owned[i]);
        // A decoded string lives in `owned`; keep the view pointing at it.
        if (!fields.owned[i].empty() && fields.values[i].data() == fields.owned[i].data()) fields.values[i] = fields.owned[i];
      }
    }
    Record& r = next_record();
    r.kind = RecordKind::Build;
    r.variant = variant;
    r.where = obj_where;
    r.fields.copy_from(fields);
    r.pre.ok = false;
    if (pipeline_) {
      // A Let's expression is compiled here as far as it can be without the
      // name table, taking that work off the builder (see Prescanned).
      const std::string_view* text = nullptr;
      if (variant == Variant::Let && pipeline_->prescanning()) text = r.fields.get("expr");
      if (text != nullptr && prescan_expression(*text, pipeline_->buffer(), r.pre)) {
        hints_from_prescan(r, pipeline_->buffer());
      } else {
        gather_hints(r);
      }
    }
    commit_record();
  }

  std::string_view need(const StmtFields& f, std::string_view name, const char* where) {
    const std::string_view* s = f.get(name);
    if (s == nullptr) {
      if (f.is_null(name)) fail(where, "invalid type: null, expected a string");
      fail(where, "missing field `" + std::string(name) + "`");
    }
    return *s;
  }

  Stmt build_stmt(Variant variant, const char* where, const StmtFields& f, NameIndex& slots) {
    Stmt s;
    auto expr = [&](std::string_view text) { return compile_expression(text, shared_, slots); };
    shared_.current_forge = current_forge_;
    switch (variant) {
      case Variant::Let: {
        std::string_view name = need(f, "name", where);
        std::string_view text = need(f, "expr", where);
        s.kind = StmtKind::Let;
        s.slot = slots.intern(name);
        classify_let(s, text, slots);
        break;
      }
      case Variant::Assign:
        s.kind = StmtKind::Assign;
        s.slot = slots.intern(need(f, "target", where));
        s.expr = expr(need(f, "expr", where));
        break;
      case Variant::Constrain: {
        s.kind = StmtKind::Constrain;
        std::string_view text = need(f, "predicate", where);
        s.text = shared_.intern_text(text);
        s.expr = expr(text);
        break;
      }
      case Variant::Prove: {
        s.kind = StmtKind::Prove;
        s.slot = slots.intern(need(f, "name", where));
        std::string_view text = need(f, "from", where);
        s.text = shared_.intern_text(text);
        s.expr = expr(text);
        break;
      }
      case Variant::Effect:
        s.kind = StmtKind::Effect;
        s.text = shared_.intern_text(need(f, "kind", where));
        s.expr = expr(need(f, "payload", where));
        break;
      case Variant::Return:
        s.kind = StmtKind::Return;
        if (const std::string_view* text = f.get("expr")) {
          s.expr = expr(*text);
        } else if (f.is_null("expr")) {
          s.has_expr = 0;
        } else {
          fail(where, "missing field `expr`");
        }
        break;
      case Variant::If:
        s.kind = StmtKind::If;
        s.expr = expr(need(f, "condition", where));
        if (!f.has_then) fail(where, "missing field `then_body`");
        s.body = f.then_body;
        s.else_body = f.has_else ? f.else_body : kNoBlock;
        break;
      case Variant::While:
        s.kind = StmtKind::While;
        s.expr = expr(need(f, "condition", where));
        if (!f.has_body) fail(where, "missing field `body`");
        s.body = f.body;
        break;
      case Variant::For:
        s.kind = StmtKind::For;
        s.slot = slots.intern(need(f, "var", where));
        s.expr = expr(need(f, "start", where));
        program_->for_ends.push_back(expr(need(f, "end", where)));
        s.else_body = static_cast<std::uint32_t>(program_->for_ends.size() - 1);
        if (!f.has_body) fail(where, "missing field `body`");
        s.body = f.body;
        break;
      case Variant::Call: {
        std::string target(need(f, "target", where));
        if (!f.has_args) fail(where, "missing field `args`");
        s.kind = StmtKind::Eval;
        if (const std::string_view* result = f.get("result")) s.slot = slots.intern(*result);
        QForm form = current_regime_ == Regime::Q ? q_form_of_name(target) : QForm::None;
        if (form != QForm::None && f.args.size() == 1 && !trim_unicode(f.args[0]).empty()) {
          s.kind = StmtKind::Let;
          if (s.slot == kNoSlot) s.slot = slots.intern("_");
          s.q_form = form;
          s.text = shared_.intern_text(trim_unicode(f.args[0]));
          s.has_expr = 0;
        } else if (current_regime_ == Regime::Phi && same(target, "phi_witness") && f.args.size() == 1) {
          // `let w = phi_witness(d);` as the compiler lowers it: exactly the
          // Let form (semantics doc §3.3).
          s.kind = StmtKind::Let;
          if (s.slot == kNoSlot) s.slot = slots.intern("_");
          s.phi_witness = true;
          shared_.current_forge = current_forge_;
          s.expr = compile_expression(f.args[0], shared_, slots);
        } else {
          std::vector<std::string_view> args(f.args.begin(), f.args.end());
          s.expr = call(target, args, slots);
        }
        break;
      }
      case Variant::Alloc:
        s = lowered_call("alloc", {need(f, "size", where)}, need(f, "result", where), slots);
        break;
      case Variant::Dealloc:
        s = lowered_call("free", {need(f, "ptr", where)}, {}, slots);
        break;
      case Variant::Load:
        s = lowered_call("load", {need(f, "ptr", where)}, need(f, "result", where), slots);
        break;
      case Variant::Store:
        s = lowered_call("store", {need(f, "ptr", where), need(f, "value", where)}, {}, slots);
        break;
      case Variant::Index: {
        s.kind = StmtKind::Let;
        s.slot = slots.intern(need(f, "result", where));
        std::vector<std::string_view> parts{need(f, "target", where), need(f, "index", where)};
        s.expr = compile_parts(parts, Instr::make(Op::Index), 2, shared_, slots);
        break;
      }
      case Variant::Field: {
        s.kind = StmtKind::Let;
        s.slot = slots.intern(need(f, "result", where));
        std::vector<std::string_view> parts{need(f, "target", where)};
        std::string_view field = need(f, "field", where);
        s.expr = compile_parts(parts, Instr::make(Op::Field, shared_.intern_text(field)), 1, shared_, slots);
        break;
      }
      case Variant::Unknown: break;
    }
    return s;
  }

  CodeRef call(const std::string& target, const std::vector<std::string_view>& args, NameIndex& slots) {
    shared_.current_forge = current_forge_;
    return compile_call(target, args, shared_, slots);
  }

  Stmt lowered_call(const char* target, std::vector<std::string_view> args, std::string_view result,
                    NameIndex& slots) {
    Stmt s;
    s.kind = StmtKind::Eval;
    if (!result.empty()) s.slot = slots.intern(result);
    s.expr = call(target, args, slots);
    return s;
  }

  static QForm q_form_of_name(std::string_view name) {
    if (same(name, "q_alloc")) return QForm::Alloc;
    if (same(name, "q_move")) return QForm::Move;
    if (same(name, "q_use")) return QForm::Use;
    if (same(name, "q_consume")) return QForm::Consume;
    return QForm::None;
  }

  // Q's Let forms and Φ's phi_witness are recognised by their raw text, in
  // the reference's order: q_alloc, q_move, q_use, q_consume.
  void classify_let(Stmt& s, std::string_view text, NameIndex& slots) {
    shared_.current_forge = current_forge_;
    if (current_regime_ == Regime::Q) {
      for (QForm form : {QForm::Alloc, QForm::Move, QForm::Use, QForm::Consume}) {
        std::string_view inner;
        if (single_call_argument(text, q_form_name(form), inner)) {
          s.q_form = form;
          s.text = shared_.intern_text(inner);
          s.has_expr = 0;
          return;
        }
      }
    }
    if (current_regime_ == Regime::Phi) {
      std::string_view inner;
      if (single_call_argument(text, "phi_witness", inner)) {
        s.phi_witness = true;
        s.expr = compile_expression(inner, shared_, slots);
        return;
      }
    }
    // The Let's expression, unless a call form above took it.
    s.expr = prescanned_ != nullptr ? compile_prescanned(*prescan_buffer_, *prescanned_, slots, *program_)
                                    : compile_expression(text, shared_, slots);
  }

  // ---- records and their building ----

  enum class RecordKind : std::uint8_t { BeginBlock, EndBlock, Ready, Build };

  struct Record {
    RecordKind kind = RecordKind::Ready;
    Variant variant = Variant::Unknown;
    // Build, on the two-thread path: the tags of names the statement will
    // probably intern, which the builder prefetches a few records ahead.
    static constexpr int kHints = 3;
    int hint_count = 0;
    std::uint32_t hints[kHints];
    const char* where = nullptr;  // Build: where a missing field is reported
    std::size_t count = 0;        // BeginBlock: statements in the block
    StmtFields fields;            // Build
    Prescanned pre;               // Build, Let: its expression, compiled ahead
    Stmt ready;                   // Ready: Break and Continue need no building
  };

  // Fills a record's hints. Only a guess — the first few identifiers
  // outside string literals, not operators — since a wrong one costs a
  // wasted load and nothing else. The scan stops when the hints are full:
  // it costs the walk's thread time too.
  static void gather_hints(Record& r) {
    r.hint_count = 0;
    auto add = [&](std::string_view name) {
      if (r.hint_count < Record::kHints) r.hints[r.hint_count++] = NameIndex::key_of(name).tag;
    };
    const StmtFields& f = r.fields;
    for (int i = 0; i < f.count; ++i) {
      if (f.null[i]) continue;
      std::string_view field = f.names[i];
      std::string_view v = f.values[i];
      if (same(field, "name") || same(field, "target") || same(field, "var") || same(field, "result")) {
        add(v);
        continue;
      }
      const char* p = v.data();
      const char* end = p + v.size();
      while (p < end && r.hint_count < Record::kHints) {
        unsigned char c = static_cast<unsigned char>(*p);
        if (c == '"') {
          for (++p; p < end && *p != '"'; ++p) {
            if (*p == '\\' && p + 1 < end) ++p;
          }
          if (p < end) ++p;
        } else if (kNameChar[c] == 1) {
          const char* b = p;
          while (p < end && kNameChar[static_cast<unsigned char>(*p)] != 0) ++p;
          std::string_view id(b, static_cast<std::size_t>(p - b));
          bool operator_like = c >= 'A' && c <= 'Z' && id.size() <= 6;
          if (!operator_like && !same(id, "true") && !same(id, "false")) add(id);
        } else if (kNameChar[c] == 2) {
          while (p < end && kNameChar[static_cast<unsigned char>(*p)] == 2) ++p;
        } else {
          ++p;
        }
      }
    }
  }

  // The hints of a prescanned Let: its bound name and the expression's
  // first names, which the prescan has already found.
  static void hints_from_prescan(Record& r, const PrescanBuffer& buffer) {
    r.hint_count = 0;
    if (const std::string_view* name = r.fields.get("name")) r.hints[r.hint_count++] = NameIndex::key_of(*name).tag;
    for (std::uint32_t i = 0; i < r.pre.names_count && r.hint_count < Record::kHints; ++i) {
      r.hints[r.hint_count++] = NameIndex::key_of(buffer.names[r.pre.names_begin + i]).tag;
    }
  }

  // 1: starts a name, 2: a digit (continues a name), 0: anything else.
  static constexpr std::array<std::uint8_t, 256> kNameChar = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 'a'; c <= 'z'; ++c) t[c] = 1;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = 1;
    t['_'] = 1;
    for (int c = '0'; c <= '9'; ++c) t[c] = 2;
    return t;
  }();

  Record& next_record() { return pipeline_ ? pipeline_->slot() : inline_record_; }

  void commit_record() {
    if (pipeline_) {
      pipeline_->commit();
    } else {
      build_record(inline_record_);
    }
  }

  // Builds one record into the statements of the innermost open block;
  // `buffer` holds the code of its prescanned expression, if any.
  void build_record(const Record& r, const PrescanBuffer* buffer = nullptr) {
    switch (r.kind) {
      case RecordKind::BeginBlock: {
        if (open_blocks_ == locals_.size()) locals_.emplace_back();
        std::vector<Stmt>& local = locals_[open_blocks_++];
        local.clear();
        local.reserve(r.count);
        advise_huge_pages(local);
        // Most statements bind a name: make room so the index never grows mid-block.
        slots_->reserve(r.count);
        return;
      }
      case RecordKind::Ready: locals_[open_blocks_ - 1].push_back(r.ready); return;
      case RecordKind::Build:
        prescanned_ = buffer != nullptr && r.pre.ok ? &r.pre : nullptr;
        prescan_buffer_ = buffer;
        locals_[open_blocks_ - 1].push_back(build_stmt(r.variant, r.where, r.fields, *slots_));
        prescanned_ = nullptr;
        return;
      case RecordKind::EndBlock: {
        std::vector<Stmt>& local = locals_[--open_blocks_];
        Block block;
        block.proc = current_proc_;
        block.count = static_cast<std::uint32_t>(local.size());
        auto& stmts = program_->stmts;
        // The first block (a proc body with no nested blocks, typically)
        // is taken as it is rather than copied.
        if (stmts.empty()) {
          stmts.swap(local);
          block.first = 0;
        } else {
          block.first = static_cast<std::uint32_t>(stmts.size());
          stmts.insert(stmts.end(), local.begin(), local.end());
        }
        program_->blocks.push_back(block);
        return;
      }
    }
  }

  // The builder's side of a large body: it runs on a second thread and
  // takes records in chunks from the walk. Both sides only ever see records
  // in emission order, so the program built is the one a single pass would
  // build, whatever the timing. The first build failure stops the builder;
  // the walk notices at its next hand-over and stops too; the failure
  // reported is the builder's, as its record came before anything the walk
  // was reading, else the walk's own.
  struct BuildAborted {};

  class Pipeline {
   public:
    static constexpr std::size_t kChunk = 512;
    static constexpr std::size_t kChunks = 4;

    explicit Pipeline(DirReader& reader) : reader_(reader) {
      for (std::size_t i = 0; i < kChunks; ++i) {
        chunks_[i] = std::make_unique<Record[]>(kChunk);
        if (i > 0) free_.push_back(i);
      }
      worker_ = std::thread([this] { run(); });
    }

    ~Pipeline() {
      if (worker_.joinable()) finish_quietly();
    }

    Record& slot() { return chunks_[current_][filled_]; }
    // Where the walk puts the code it prescans for the chunk it fills.
    PrescanBuffer& buffer() { return buffers_[current_]; }
    // Whether the walk should prescan: only while the builder is behind.
    // Prescanning moves work from the builder to the walk, so this keeps the
    // two threads near equal whatever their speeds. The code built is the
    // same either way; only which thread does the work depends on timing.
    bool prescanning() const { return prescanning_; }

    void commit() {
      if (++filled_ < kChunk) return;
      std::unique_lock<std::mutex> lock(mutex_);
      // Chunks still queued: the builder has not caught up with the walk.
      prescanning_ = !full_.empty();
      full_.push_back({current_, filled_});
      ready_.notify_one();
      freed_.wait(lock, [&] { return !free_.empty() || failed_; });
      if (failed_) throw BuildAborted{};
      current_ = free_.front();
      free_.pop_front();
      filled_ = 0;
      buffers_[current_].clear();
    }

    // Hands over what is left, waits for the builder, and throws its
    // failure if it had one.
    void finish() {
      finish_quietly();
      if (failure_) throw *failure_;
      if (error_) std::rethrow_exception(error_);
    }

   private:
    void finish_quietly() {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (filled_ > 0) full_.push_back({current_, filled_});
        filled_ = 0;
        done_ = true;
      }
      ready_.notify_one();
      worker_.join();
    }

    void run() {
      while (true) {
        std::pair<std::size_t, std::size_t> chunk;
        {
          std::unique_lock<std::mutex> lock(mutex_);
          ready_.wait(lock, [&] { return !full_.empty() || done_; });
          if (full_.empty()) return;
          chunk = full_.front();
          full_.pop_front();
        }
        bool ok = !failed_;
        if (ok) ok = build(chunks_[chunk.first].get(), chunk.second, buffers_[chunk.first]);
        {
          std::lock_guard<std::mutex> lock(mutex_);
          free_.push_back(chunk.first);
          if (!ok) failed_ = true;
        }
        freed_.notify_one();
      }
    }

    bool build(const Record* records, std::size_t n, const PrescanBuffer& buffer) {
      try {
        for (std::size_t i = 0; i < n; ++i) {
          // Start loading the bucket of a name bound a few statements ahead:
          // with a large table, that load is a cache miss.
          if (i + kAhead < n) reader_.prefetch_names(records[i + kAhead]);
          reader_.build_record(records[i], &buffer);
        }
        return true;
      } catch (const LoadFailure& f) {
        failure_ = f;
      } catch (...) {
        error_ = std::current_exception();
      }
      return false;
    }

    static constexpr std::size_t kAhead = 8;

    DirReader& reader_;
    std::unique_ptr<Record[]> chunks_[kChunks];
    PrescanBuffer buffers_[kChunks];  // each chunk's prescanned code
    bool prescanning_ = true;  // the walk's own; set while it holds mutex_
    std::size_t current_ = 0;  // the chunk the walk fills
    std::size_t filled_ = 0;
    std::mutex mutex_;
    std::condition_variable ready_;  // a chunk was handed over, or the walk is done
    std::condition_variable freed_;  // a chunk was built
    std::deque<std::pair<std::size_t, std::size_t>> full_;  // chunk, records
    std::deque<std::size_t> free_;
    bool done_ = false;
    bool failed_ = false;  // guarded by mutex_
    std::optional<LoadFailure> failure_;
    std::exception_ptr error_;
    std::thread worker_;
  };

  void prefetch_names(const Record& r) const {
    if (r.kind != RecordKind::Build) return;
    for (int i = 0; i < r.hint_count; ++i) slots_->prefetch(r.hints[i]);
  }

  // ---- after the walk ----

  // Calls resolve in this order: a proc in the caller's forge, `forge::name`,
  // a unique proc of that name; anything else is left to the intrinsics.
  void resolve_callees() {
    Program& p = *program_;
    for (Callee& callee : p.callees) {
      std::string_view key = callee.name;
      std::size_t bar = key.find('\x1f');
      std::uint32_t forge = static_cast<std::uint32_t>(std::stoul(std::string(key.substr(0, bar))));
      std::string name(key.substr(bar + 1));
      callee.name = name;
      for (std::uint32_t pi : p.forges[forge].procs) {
        if (p.procs[pi].name == name) { callee.proc = static_cast<std::int32_t>(pi); break; }
      }
      if (callee.proc >= 0) continue;
      std::size_t sep = name.rfind("::");
      if (sep != std::string::npos) {
        std::string forge_name = name.substr(0, sep);
        std::string proc_name = name.substr(sep + 2);
        for (const Forge& fg : p.forges) {
          if (fg.name != forge_name) continue;
          for (std::uint32_t pi : fg.procs) {
            if (p.procs[pi].name == proc_name) { callee.proc = static_cast<std::int32_t>(pi); break; }
          }
          if (callee.proc >= 0) break;
        }
        if (callee.proc >= 0) continue;
      }
      std::int32_t found = -1;
      int matches = 0;
      for (std::size_t pi = 0; pi < p.procs.size(); ++pi) {
        if (p.procs[pi].name == name) {
          ++matches;
          found = static_cast<std::int32_t>(pi);
        }
      }
      if (matches == 1) callee.proc = found;
    }
  }

  void validate() {
    Program& p = *program_;
    auto invalid = [&](std::string message) {
      p.valid = false;
      p.validation_error = std::move(message);
    };
    if (p.forges.empty()) return invalid("program has no forges");
    for (const Forge& forge : p.forges) {
      if (trim_unicode(forge.name).empty()) return invalid("forge name is empty");
      for (std::uint32_t pi : forge.procs) {
        if (trim_unicode(p.procs[pi].name).empty()) return invalid("proc name is empty");
        const std::string& regime = regime_texts_[pi];
        if (!same(regime, "K") && !same(regime, "Q") && !same(regime, "Φ")) return invalid("unknown regime: " + regime);
      }
    }
  }

  const char* base_;
  std::size_t size_;
  MappedInput* mapped_;
  bool strict_;
  std::size_t body_count_ = 0;  // not strict: the statements of the body read_proc passed over
  std::shared_ptr<Program> program_;
  CompileShared shared_;
  std::string key_scratch_;
  std::vector<std::string> regime_texts_;
  std::uint32_t current_forge_ = 0;
  std::uint32_t current_proc_ = 0;
  Regime current_regime_ = Regime::K;
  NameIndex* slots_ = nullptr;  // the current proc's
  // The walk's side.
  std::vector<std::unique_ptr<StmtFields>> walk_fields_;
  std::uint32_t blocks_emitted_ = 0;
  std::unique_ptr<Pipeline> pipeline_;
  // The builder's side.
  Record inline_record_;
  const Prescanned* prescanned_ = nullptr;  // the record being built, when prescanned
  const PrescanBuffer* prescan_buffer_ = nullptr;
  std::vector<std::vector<Stmt>> locals_;  // statements of the open blocks
  std::size_t open_blocks_ = 0;
};

// Inputs from this size on have simdjson's index in huge pages (see
// huge_pages.hpp); below it the index is small and its faults few.
constexpr std::size_t kHugeInputBytes = std::size_t{16} << 20;

DvmError load_error(const char* base, std::size_t size, const char* where, const std::string& message) {
  std::size_t offset = where == nullptr ? size : static_cast<std::size_t>(where - base);
  if (offset > size) offset = size;
  TextPosition pos = text_position(std::string_view(base, size), offset);
  return DvmError{ErrorKind::DirLoad,
                  message + " at line " + std::to_string(pos.line) + " column " + std::to_string(pos.column)};
}

}  // namespace

LoadResult parse_dir_json(const char* base, std::size_t size, std::size_t capacity, MappedInput* mapped) {
  LoadResult result;
  od::parser parser;
  simdjson::padded_string_view view(base, size, capacity);
  if (size >= kHugeInputBytes) {
    // simdjson's first stage writes an index of four bytes per input byte,
    // in memory it allocates itself: found by what is new after allocating.
    std::vector<MemoryRange> before = anonymous_mappings();
    if (parser.allocate(size) == simdjson::SUCCESS) advise_huge_pages_in_new_mappings(before, size);
  }
  auto doc_result = parser.iterate(view);
  if (doc_result.error()) {
    if (doc_result.error() == simdjson::UTF8_ERROR) {
      std::size_t bad = first_invalid_utf8(std::string_view(base, size));
      result.error = load_error(base, size, bad == std::string_view::npos ? nullptr : base + bad, "invalid UTF-8");
    } else if (auto syntax = find_json_syntax_error(std::string_view(base, size))) {
      result.error = load_error(base, size, base + syntax->offset, syntax->message);
    } else {
      result.error = load_error(base, size, nullptr, simdjson_failure(doc_result.error()));
    }
    return result;
  }
  od::document doc = std::move(doc_result).value_unsafe();
  // A first attempt validates a proc's body while passing over it (see
  // read_proc), out of the reference's order. A valid file passes every
  // check either way and gives the same program; a failing one is read
  // again strictly, so the error reported is the one the reference's order
  // meets first.
  try {
    DirReader reader(base, size, mapped, false);
    auto program = reader.read(doc);
    if (mapped != nullptr) mapped->release_all();
    result.program = std::move(program);
    return result;
  } catch (const LoadFailure&) {
  }
  auto strict_doc = parser.iterate(view);
  if (strict_doc.error()) {
    // The first iterate succeeded on the same text.
    result.error = load_error(base, size, nullptr, simdjson_failure(strict_doc.error()));
    return result;
  }
  doc = std::move(strict_doc).value_unsafe();
  try {
    DirReader reader(base, size, mapped, true);
    auto program = reader.read(doc);
    if (mapped != nullptr) mapped->release_all();
    result.program = std::move(program);
  } catch (const LoadFailure& failure) {
    result.error = load_error(base, size, failure.where, failure.message);
  }
  return result;
}

}  // namespace dust::DUST_READER_NS
