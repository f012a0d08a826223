// query_names.cpp — the names the frame-exact queries use (query_names.hpp).
#include "query_names.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "dust/opcodes.hpp"
#include "dust/recorder/trace_queries.hpp"

namespace dust::rec {

namespace {

// Appends the slots a compiled expression loads, each once.
void code_read_slots(const Program& p, const Proc& proc, const CodeRef& code, std::vector<std::uint32_t>& out) {
  for (std::uint32_t i = 0; i < code.length && code.offset + i < p.code.size(); ++i) {
    const Instr in = p.code[code.offset + i];
    bool reads_slot = in.op() == Op::Load || (is_fused(in.op()) && fused_form(in.op()) == FusedForm::Slot);
    if (!reads_slot || in.a() >= proc.slot_count()) continue;
    if (std::find(out.begin(), out.end(), in.a()) == out.end()) out.push_back(in.a());
  }
}

}  // namespace

std::vector<std::uint32_t> statement_read_slots(const Program& p, std::uint32_t proc_index, std::uint32_t stmt) {
  std::vector<std::uint32_t> reads;
  if (stmt >= p.stmts.size() || proc_index >= p.procs.size()) return reads;
  const Stmt& s = p.stmts[stmt];
  const Proc& proc = p.procs[proc_index];
  if (s.has_expr) code_read_slots(p, proc, s.expr, reads);
  if (s.kind == StmtKind::For && s.else_body < p.for_ends.size()) code_read_slots(p, proc, p.for_ends[s.else_body], reads);
  return reads;
}

bool statement_calls_a_proc(const Program& p, std::uint32_t stmt) {
  if (stmt >= p.stmts.size()) return false;
  const Stmt& s = p.stmts[stmt];
  auto calls = [&](const CodeRef& code) {
    for (std::uint32_t i = 0; i < code.length && code.offset + i < p.code.size(); ++i) {
      const Instr in = p.code[code.offset + i];
      if (in.op() == Op::Call && in.a() < p.callsites.size() && p.callsites[in.a()].callee < p.callees.size() &&
          p.callees[p.callsites[in.a()].callee].proc >= 0) {
        return true;
      }
    }
    return false;
  };
  if (s.has_expr && calls(s.expr)) return true;
  return s.kind == StmtKind::For && s.else_body < p.for_ends.size() && calls(p.for_ends[s.else_body]);
}

std::optional<std::uint32_t> slot_of(const Program& p, std::uint32_t proc_index, const std::string& name) {
  if (proc_index >= p.procs.size()) return std::nullopt;
  const Proc& proc = p.procs[proc_index];
  for (std::uint32_t s = 0; s < proc.slot_count(); ++s) {
    if (proc.slot_names.get(s) == name) return s;
  }
  return std::nullopt;
}

std::string slot_name(const Program& p, std::uint32_t proc, std::uint32_t slot) {
  if (proc < p.procs.size() && slot < p.procs[proc].slot_count()) return std::string(p.procs[proc].slot_names.get(slot));
  return "slot" + std::to_string(slot);
}

std::string value_text(const Value& value) {
  if (value.tag() == ValueTag::String) return "\"" + std::string(value.as_string()) + "\"";
  return render_human(value);
}

std::string statement_place(const Program& p, std::uint32_t stmt) {
  return stmt < p.stmts.size() ? p.stmt_path(stmt) : std::string("-");
}

std::int64_t access_end(std::int64_t address, std::int64_t bytes) {
  std::int64_t end = 0;
  if (__builtin_add_overflow(address, std::max<std::int64_t>(bytes, 1), &end)) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return end;
}

bool parse_memory_name(const std::string& name, std::int64_t& address) {
  if (name.rfind("mem:", 0) != 0 || name.size() == 4) return false;
  const char* begin = name.c_str() + 4;
  char* end = nullptr;
  // An address past int64 is not a cell's name: strtoll would saturate it
  // silently onto the last address and answer for that one.
  errno = 0;
  address = static_cast<std::int64_t>(std::strtoll(begin, &end, 0));
  return errno != ERANGE && end != nullptr && *end == '\0';
}

const char* write_kind_name(WriteKind k) {
  switch (k) {
    case WriteKind::Statement: return "statement";
    case WriteKind::CallBinding: return "call";
    case WriteKind::SpawnBinding: return "spawn";
    case WriteKind::MemoryStore: return "store";
  }
  return "?";
}

const char* link_kind_name(LinkKind k) {
  switch (k) {
    case LinkKind::Write: return "write";
    case LinkKind::Parameter: return "parameter";
    case LinkKind::SpawnArgument: return "spawn-argument";
    case LinkKind::Return: return "return";
    case LinkKind::Store: return "store";
    case LinkKind::Join: return "join";
    case LinkKind::QAlloc: return "q-alloc";
    case LinkKind::QMove: return "q-move";
    case LinkKind::Unwritten: return "unwritten";
  }
  return "?";
}

}  // namespace dust::rec
