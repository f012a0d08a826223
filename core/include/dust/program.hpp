// program.hpp — the loaded, immutable DIR program.
//
// Loading turns DIR JSON into this model once: statements are flat records
// in one array, blocks are contiguous runs of them, and every expression is
// compiled to postfix code (opcodes.hpp) with names resolved to frame slots.
// The layout is compact on purpose: a million-statement program must fit
// well within the memory the reference needs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dust/opcodes.hpp"
#include "dust/value.hpp"

namespace dust {

enum class Regime : std::uint8_t { K, Q, Phi };
const char* regime_name(Regime r);  // "K", "Q", "Φ"

inline constexpr std::uint32_t kNoSlot = 0xffffffffu;
inline constexpr std::uint32_t kNoBlock = 0xffffffffu;
inline constexpr std::uint32_t kNoText = 0xffffffffu;

// A growable table of strings stored back to back.
class StringTable {
 public:
  std::uint32_t add(std::string_view s);
  std::string_view get(std::uint32_t i) const {
    std::uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(chars_).substr(begin, ends_[i] - begin);
  }
  std::uint32_t size() const { return static_cast<std::uint32_t>(ends_.size()); }
  std::size_t memory_bytes() const { return chars_.size() + ends_.size() * 4; }
  // Room for `more` strings of about `chars_each` characters, so that a
  // table filled by the million never copies itself as it grows.
  void reserve(std::size_t more, std::size_t chars_each);

 private:
  std::string chars_;
  std::vector<std::uint32_t> ends_;
};

// A compiled expression: a run of program.code.
struct CodeRef {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t max_stack = 0;
  bool pure = false;  // no calls: evaluates in one go, never suspends
  bool empty() const { return length == 0; }
};

// Q-regime special forms of Let (and of Call statements naming them).
enum class QForm : std::uint8_t { None, Alloc, Move, Use, Consume };
const char* q_form_name(QForm f);  // "q_alloc", ...

struct Stmt {
  StmtKind kind = StmtKind::Let;
  QForm q_form = QForm::None;
  bool phi_witness = false;        // Φ Let of phi_witness(<expr>): expr is the argument
  std::uint8_t has_expr = 1;       // Return{expr: null} and bare Break/Continue have none
  std::uint32_t slot = kNoSlot;    // bound name
  CodeRef expr;
  std::uint32_t text = kNoText;    // predicate, effect kind, or Q argument (program.texts)
  std::uint32_t body = kNoBlock;   // If then / While / For body; For: index of end code in for_ends
  std::uint32_t else_body = kNoBlock;
};

struct Block {
  std::uint32_t first = 0;  // index into program.stmts
  std::uint32_t count = 0;
  std::uint32_t proc = 0;
};

struct Param {
  std::string name;
  std::string type;
  std::uint32_t slot = kNoSlot;
};

struct Proc {
  std::uint32_t forge = 0;
  std::string name;
  Regime regime = Regime::K;
  std::vector<Param> params;
  std::string ret;              // declared return type, empty if null
  std::uint32_t body = kNoBlock;
  StringTable slot_names;       // slot i is named slot_names.get(i)
  std::uint32_t slot_count() const { return slot_names.size(); }
};

// A shape the forge declares (DIR `shapes`): Φ reads a param of a shape
// type as one unknown per field (semantics doc §3.1).
struct ShapeField {
  std::string name;
  std::string type;
};
struct ShapeDecl {
  std::string name;
  std::vector<ShapeField> fields;
};

struct Forge {
  std::string name;
  std::vector<std::uint32_t> procs;
  std::vector<ShapeDecl> shapes;
};

// A call site: which callee, with how many arguments.
struct Callsite {
  std::uint32_t callee = 0;
  std::uint32_t argc = 0;
};

// A call target name as written, resolved at load to a proc when the rules
// of §2.1 find one; otherwise the Machine looks it up among the intrinsics.
struct Callee {
  std::string name;
  std::int32_t proc = -1;
};

struct StructShape {
  std::string type;
  std::vector<std::string> fields;
};

struct Program {
  std::vector<Forge> forges;
  std::vector<Proc> procs;
  std::vector<Block> blocks;
  std::vector<Stmt> stmts;
  std::vector<Instr> code;
  std::vector<Value> constants;
  std::vector<CodeRef> for_ends;
  std::vector<Callsite> callsites;
  std::vector<Callee> callees;
  std::vector<StructShape> shapes;
  StringTable texts;            // predicates, effect kinds, Q args, field names, parse errors

  // Validation result (DirValidate) is computed at load but reported when a
  // run starts, as the reference validates before it looks for the entry.
  bool valid = true;
  std::string validation_error;

  // The first proc named `name` (forges then procs, in order), or -1.
  std::int32_t find_proc(std::string_view name) const;

  // "main/body[3]/then[0]": where a statement sits, for traces and the debugger.
  std::string stmt_path(std::uint32_t stmt) const;
  // The proc that owns a statement.
  std::uint32_t stmt_proc(std::uint32_t stmt) const;

  std::size_t memory_bytes() const;
};

}  // namespace dust
