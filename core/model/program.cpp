// program.cpp — the program model's lookups, names and paths.
#include "dust/program.hpp"

#include <string>

#include "dust/opcodes.hpp"
#include "dust/step_event.hpp"
#include "huge_pages.hpp"

namespace dust {

void StringTable::reserve(std::size_t more, std::size_t chars_each) {
  if (ends_.size() + more <= ends_.capacity()) return;
  ends_.reserve(ends_.size() + more);
  chars_.reserve(chars_.size() + more * chars_each);
  advise_huge_pages(ends_);
  advise_huge_pages(chars_.data(), chars_.capacity());
}

std::uint32_t StringTable::add(std::string_view s) {
  chars_.append(s);
  ends_.push_back(static_cast<std::uint32_t>(chars_.size()));
  return static_cast<std::uint32_t>(ends_.size() - 1);
}

const char* regime_name(Regime r) {
  switch (r) {
    case Regime::K: return "K";
    case Regime::Q: return "Q";
    case Regime::Phi: return "Φ";
  }
  return "K";
}

const char* q_form_name(QForm f) {
  switch (f) {
    case QForm::Alloc: return "q_alloc";
    case QForm::Move: return "q_move";
    case QForm::Use: return "q_use";
    case QForm::Consume: return "q_consume";
    case QForm::None: return "";
  }
  return "";
}

const char* op_name(Op op) {
  if (is_fused(op)) {
    static const char* const kForms[] = {"Slot", "Imm", "Const"};
    static thread_local std::string name;
    name = std::string(op_name(fused_binary(op))) + kForms[static_cast<int>(fused_form(op))];
    return name.c_str();
  }
  static const char* const kNames[] = {
      "PushInt", "PushConst", "Load", "Add", "Sub", "Mul", "Div", "Rem", "BitAnd", "BitOr", "BitXor",
      "Shl", "Shr", "Eq", "Ne", "Lt", "Le", "Gt", "Ge", "And", "Or", "Not", "Neg", "Call",
      "Field", "Index", "MakeArray", "MakeStruct", "Fail", "Dup", "RemImm", "RemConst"};
  return kNames[static_cast<int>(op)];
}

const char* stmt_kind_name(StmtKind kind) {
  static const char* const kNames[] = {"Let", "Assign", "Constrain", "Prove", "Effect", "Return",
                                       "If", "While", "For", "Break", "Continue", "Call"};
  return kNames[static_cast<int>(kind)];
}

const char* step_kind_name(StepKind k) {
  static const char* const kNames[] = {"statement", "check", "call", "return", "blocked", "validate", "failed"};
  return kNames[static_cast<int>(k)];
}

const char* phi_event_kind_name(PhiEventKind k) {
  static const char* const kNames[] = {"constraint-held", "constraint-failed", "witness", "refused"};
  return kNames[static_cast<int>(k)];
}

const char* lib_event_kind_name(LibEventKind k) {
  static const char* const kNames[] = {
      "mem.alloc", "mem.free", "mem.realloc", "mem.read", "mem.write", "thread.spawn", "thread.join",
      "thread.exit", "thread.yield", "thread.sleep", "mutex.new", "mutex.lock", "mutex.wait",
      "mutex.unlock", "mutex.try-fail", "io.open", "io.read", "io.write", "io.close", "port.read",
      "port.write", "unsafe.begin", "unsafe.end", "mem.leak"};
  return kNames[static_cast<int>(k)];
}

std::int32_t Program::find_proc(std::string_view name) const {
  for (const Forge& forge : forges) {
    for (std::uint32_t p : forge.procs) {
      if (procs[p].name == name) return static_cast<std::int32_t>(p);
    }
  }
  return -1;
}

std::uint32_t Program::stmt_proc(std::uint32_t stmt) const {
  for (const Block& b : blocks) {
    if (stmt >= b.first && stmt < b.first + b.count) return b.proc;
  }
  return 0;
}

namespace {

// Finds `stmt` under `block`, appending the path segments on the way.
bool find_path(const Program& p, std::uint32_t block, std::uint32_t stmt, const char* label, std::string& path) {
  const Block& b = p.blocks[block];
  for (std::uint32_t i = 0; i < b.count; ++i) {
    std::uint32_t id = b.first + i;
    std::string here = path + "/" + label + "[" + std::to_string(i) + "]";
    if (id == stmt) {
      path = here;
      return true;
    }
    const Stmt& s = p.stmts[id];
    std::string saved = path;
    path = here;
    if (s.kind == StmtKind::If) {
      if (find_path(p, s.body, stmt, "then", path)) return true;
      path = here;
      if (s.else_body != kNoBlock && find_path(p, s.else_body, stmt, "else", path)) return true;
    } else if (s.kind == StmtKind::While || s.kind == StmtKind::For) {
      if (find_path(p, s.body, stmt, "body", path)) return true;
    }
    path = saved;
  }
  return false;
}

}  // namespace

std::string Program::stmt_path(std::uint32_t stmt) const {
  std::uint32_t proc = stmt_proc(stmt);
  std::string path = procs[proc].name;
  if (find_path(*this, procs[proc].body, stmt, "body", path)) return path;
  return procs[proc].name + "/?";
}

std::size_t Program::memory_bytes() const {
  // Sizes, not capacities: the loader reserves generously, and untouched
  // capacity costs address space, not memory.
  std::size_t bytes = stmts.size() * sizeof(Stmt) + code.size() * sizeof(Instr) + blocks.size() * sizeof(Block) +
                      constants.size() * sizeof(Value) + texts.memory_bytes();
  for (const Proc& p : procs) bytes += p.slot_names.memory_bytes();
  return bytes;
}

}  // namespace dust
