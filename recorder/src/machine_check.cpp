// machine_check.cpp — checking a loaded machine state against its program
// (see machine_check.hpp). Each rule is one the machine keeps for the
// states it makes, written down here as the code that steps a state
// relies on it.
#include "machine_check.hpp"

#include <optional>
#include <unordered_map>
#include <vector>

namespace dust::rec {

namespace {

// The value-stack depth before each instruction of one expression, as far
// as its instructions run in order: the walk ends at the first one after
// which the expression never goes on (a Fail, or an operand that names
// nothing) or that pops below the bottom of the stack, and `end` says
// which. A pc past that end is no point a suspended evaluation can be at.
struct ExpressionDepths {
  enum class End : std::uint8_t { Complete, NeverGoesOn, BelowBottom };
  std::vector<std::uint32_t> before;  // before[pc]: the depth once instructions 0..pc-1 have run
  End end = End::Complete;
};

// The checks of one machine, each returning false with `error` set.
class MachineCheck {
 public:
  MachineCheck(const Machine& m, std::string& error) : m_(m), p_(m.program()), error_(error) {}

  const MachineCheckCost& cost() const { return cost_; }

  bool run() {
    if (static_cast<std::uint8_t>(m_.outcome.status) > static_cast<std::uint8_t>(MachineStatus::Failed) ||
        static_cast<std::uint8_t>(m_.outcome.error.kind) > static_cast<std::uint8_t>(ErrorKind::Runtime)) {
      return bad("outcome: unknown status or error kind");
    }
    if (!m_.started && !m_.threads.empty()) return bad("threads before the run started");
    for (std::size_t t = 0; t < m_.threads.size(); ++t) {
      where_ = "thread " + std::to_string(t);
      if (!thread(m_.threads[t], t)) return false;
    }
    where_.clear();
    if (m_.started && !m_.done() && !current_thread()) return false;
    return q_table() && heap() && mutexes() && files();
  }

 private:
  bool bad(const std::string& what) {
    error_ = where_.empty() ? what : where_ + ": " + what;
    return false;
  }

  bool thread(const Thread& t, std::size_t index) {
    if (t.id != index) return bad("id " + std::to_string(t.id));
    if (t.entry_proc >= p_.procs.size()) return bad("entry proc " + std::to_string(t.entry_proc) + " out of range");
    if (static_cast<std::uint8_t>(t.state) > static_cast<std::uint8_t>(ThreadState::Finished) ||
        static_cast<std::uint8_t>(t.wait.kind) > static_cast<std::uint8_t>(WaitKind::Sleep)) {
      return bad("unknown state or wait kind");
    }
    // A finished thread has returned from its last frame; any other runs
    // (or will run again) in its top frame.
    if ((t.state == ThreadState::Finished) != t.frames.empty()) {
      return bad(std::to_string(t.frames.size()) + " frames while " + thread_state_name(t.state));
    }
    if (t.frames.size() > std::min(m_.config.max_depth, kMaxDepthCeiling)) {
      return bad(std::to_string(t.frames.size()) + " frames");
    }
    const std::string thread_where = where_;
    for (std::size_t d = 0; d < t.frames.size(); ++d) {
      where_ = thread_where + " frame " + std::to_string(d);
      if (!frame(t.frames[d], d + 1 == t.frames.size())) return false;
    }
    where_ = thread_where;
    return true;
  }

  bool frame(const Frame& f, bool top) {
    if (f.proc >= p_.procs.size()) return bad("proc " + std::to_string(f.proc) + " out of range");
    const Proc& proc = p_.procs[f.proc];
    if (f.slots.size() != proc.slot_count()) {
      return bad(std::to_string(f.slots.size()) + " slots, but proc " + proc.name + " has " +
                 std::to_string(proc.slot_count()));
    }
    if (f.cursors.empty()) {
      // Only a Φ frame that fell off its end keeps no cursor, and the run
      // failed there.
      return m_.done() && top ? true : bad("no block cursor");
    }
    for (std::size_t i = 0; i < f.cursors.size(); ++i) {
      if (!cursor(f, f.cursors[i], i)) return false;
    }
    // A frame below the top waits for its callee inside an evaluation.
    if (!top && (!f.evaluating || f.has_returned)) return bad("a caller frame that is not in a call");
    if (f.has_returned && !f.evaluating) return bad("a returned value outside an evaluation");
    if (f.part > 1) return bad("expression part " + std::to_string(f.part));
    const BlockCursor& c = f.cursors.back();
    const bool at_statement = !c.for_checking && c.index < p_.blocks[c.block].count;
    if (f.part == 1 && (!at_statement || statement_at(c).kind != StmtKind::For)) return bad("a For part outside a For");
    std::optional<CodeRef> code = resumed_code(f, c, at_statement);
    if (!f.evaluating) return f.stack.empty() ? true : bad("a value stack outside an evaluation");
    if (!code) return bad("an evaluation where nothing evaluates");
    return suspended_evaluation(f, *code);
  }

  bool cursor(const Frame& f, const BlockCursor& c, std::size_t i) {
    const std::string label = "cursor " + std::to_string(i) + ": ";
    if (c.block >= p_.blocks.size() || p_.blocks[c.block].proc != f.proc) {
      return bad(label + "block " + std::to_string(c.block) + " is not a block of proc " + p_.procs[f.proc].name);
    }
    const Block& b = p_.blocks[c.block];
    if (c.index > b.count) {
      return bad(label + "statement " + std::to_string(c.index) + " of a block of " + std::to_string(b.count));
    }
    if (i == 0) {
      // The frame's body, never a loop's.
      if (c.block != p_.procs[f.proc].body || c.loop_stmt != kNoStmt) return bad(label + "not the proc's body");
      return !c.for_checking || bad(label + "a loop check outside a loop");
    }
    if (c.loop_stmt == kNoStmt) return !c.for_checking || bad(label + "a loop check outside a loop");
    if (c.loop_stmt >= p_.stmts.size()) return bad(label + "loop statement out of range");
    const Stmt& loop = p_.stmts[c.loop_stmt];
    if ((loop.kind != StmtKind::While && loop.kind != StmtKind::For) || loop.body != c.block) {
      return bad(label + "statement " + std::to_string(c.loop_stmt) + " is not the loop of this block");
    }
    return true;
  }

  const Stmt& statement_at(const BlockCursor& c) const { return p_.stmts[p_.blocks[c.block].first + c.index]; }

  // The code a suspended evaluation of the frame resumes: that of the
  // statement (or loop check) its top cursor is at, as Machine::step
  // chooses it; none where that step evaluates nothing.
  std::optional<CodeRef> resumed_code(const Frame& f, const BlockCursor& c, bool at_statement) const {
    if (c.for_checking) {
      const Stmt& loop = p_.stmts[c.loop_stmt];
      return loop.kind == StmtKind::While ? std::optional<CodeRef>(loop.expr) : std::nullopt;
    }
    if (!at_statement) return std::nullopt;
    const Stmt& s = statement_at(c);
    const bool phi = p_.procs[f.proc].regime == Regime::Phi;
    switch (s.kind) {
      case StmtKind::Let: return s.q_form == QForm::None ? std::optional<CodeRef>(s.expr) : std::nullopt;
      case StmtKind::Constrain: return phi ? std::nullopt : std::optional<CodeRef>(s.expr);
      case StmtKind::Return: return phi || !s.has_expr ? std::nullopt : std::optional<CodeRef>(s.expr);
      case StmtKind::For:
        if (f.part == 0) return s.expr;
        return s.else_body < p_.for_ends.size() ? std::optional<CodeRef>(p_.for_ends[s.else_body]) : std::nullopt;
      case StmtKind::Break:
      case StmtKind::Continue: return std::nullopt;
      default: return s.expr;
    }
  }

  // An evaluation stops only at a Call, with exactly the values the code
  // has pushed by then (the call's arguments among them) on its stack.
  bool suspended_evaluation(const Frame& f, const CodeRef& code) {
    if (f.pc >= code.length) return bad("pc " + std::to_string(f.pc) + " past its code");
    const ExpressionDepths& depths = depths_of(code);
    if (f.pc >= depths.before.size()) {
      return bad("pc " + std::to_string(f.pc) +
                 (depths.end == ExpressionDepths::End::NeverGoesOn ? " lies past the end of its expression"
                                                                   : " is not a point of its expression"));
    }
    const std::int64_t depth = depths.before[f.pc];
    const Instr call = p_.code[std::size_t{code.offset} + f.pc];
    if (call.op() != Op::Call || call.a() >= p_.callsites.size()) {
      return bad("suspended at pc " + std::to_string(f.pc) + ", not at a call");
    }
    if (static_cast<std::int64_t>(f.stack.size()) != depth || p_.callsites[call.a()].argc > depth) {
      return bad(std::to_string(f.stack.size()) + " values on the stack at pc " + std::to_string(f.pc) + ", not " +
                 std::to_string(depth));
    }
    return true;
  }

  // The depths of `code`, walked the first time a frame is suspended in it
  // and kept for the rest of the check: a state may hold any number of
  // frames (deep recursion, many threads) suspended late in one long
  // expression, and walking it again for each would cost frames times its
  // length. So every expression is walked at most once, and each frame
  // costs one look-up.
  const ExpressionDepths& depths_of(const CodeRef& code) {
    const std::uint64_t key = (std::uint64_t{code.offset} << 32) | code.length;
    auto [entry, added] = depths_.try_emplace(key);
    if (added) walk(code, entry->second);
    return entry->second;
  }

  void walk(const CodeRef& code, ExpressionDepths& out) {
    const Instr* ins = p_.code.data() + code.offset;
    out.before.reserve(code.length);
    std::int64_t depth = 0;
    for (std::uint32_t pc = 0; pc < code.length; ++pc) {
      out.before.push_back(static_cast<std::uint32_t>(depth));
      ++cost_.instructions_walked;
      std::optional<std::int64_t> effect = stack_effect(ins[pc]);
      if (!effect) {
        out.end = ExpressionDepths::End::NeverGoesOn;
        return;
      }
      depth += *effect;
      if (depth < 0) {
        out.end = ExpressionDepths::End::BelowBottom;
        return;
      }
    }
  }

  // What an instruction does to the depth of the value stack; none for
  // Fail, after which an expression never goes on.
  std::optional<std::int64_t> stack_effect(Instr in) const {
    const Op op = in.op();
    if (is_fused(op)) return 0;
    if (is_binary(op)) return -1;
    switch (op) {
      case Op::PushInt:
      case Op::PushConst:
      case Op::Load:
      case Op::Dup: return 1;
      case Op::Not:
      case Op::Neg:
      case Op::Field:
      case Op::RemImm:
      case Op::RemConst: return 0;
      case Op::Index: return -1;
      case Op::MakeArray: return 1 - static_cast<std::int64_t>(in.a());
      case Op::MakeStruct:
        if (in.a() >= p_.shapes.size()) return std::nullopt;
        return 1 - static_cast<std::int64_t>(p_.shapes[in.a()].fields.size());
      case Op::Call:
        if (in.a() >= p_.callsites.size()) return std::nullopt;
        return 1 - static_cast<std::int64_t>(p_.callsites[in.a()].argc);
      default: return std::nullopt;
    }
  }

  // The thread that runs next must be able to: runnable, with a statement
  // or loop check (or a suspended evaluation) to run.
  bool current_thread() {
    const std::string next = "the next thread, " + std::to_string(m_.current) + ", ";
    if (m_.current >= m_.threads.size()) return bad(next + "does not exist");
    const Thread& t = m_.threads[m_.current];
    if (t.state != ThreadState::Runnable) return bad(next + "is not runnable");
    const Frame& f = t.frames.back();
    const BlockCursor& c = f.cursors.back();
    if (!f.evaluating && !c.for_checking && c.index >= p_.blocks[c.block].count) {
      return bad(next + "is past the end of its block");
    }
    return true;
  }

  bool q_table() {
    for (const QResource& r : m_.q.resources) {
      if (static_cast<std::uint8_t>(r.state) > static_cast<std::uint8_t>(QResourceState::Consumed)) {
        return bad("Q resource " + r.id + ": unknown state");
      }
    }
    for (const QBinding& b : m_.q.bindings) {
      if (b.resource >= m_.q.resources.size()) {
        return bad("Q binding " + b.name + ": no resource " + std::to_string(b.resource));
      }
    }
    return true;
  }

  // Blocks sit at their own address, at or above the heap's base and below
  // its bump pointer; a live block holds exactly its size in bytes, a freed
  // one none; live_bytes is the sum of the live sizes.
  bool heap() {
    const Heap& h = m_.k.heap;
    if (h.next < Heap::kBase) return bad("heap: bump pointer below the base");
    std::int64_t live = 0;
    for (const auto& [address, b] : h.blocks) {
      const std::string label = "heap block " + std::to_string(address) + ": ";
      if (b.address != address || address < Heap::kBase || b.size < 0 || b.size > h.next - address) {
        return bad(label + "address or size out of range");
      }
      if (b.bytes.size() != (b.live ? static_cast<std::uint64_t>(b.size) : 0)) {
        return bad(label + "holds the wrong number of bytes");
      }
      if (b.live) live += b.size;
    }
    if (h.live_bytes != live) return bad("heap: live_bytes disagrees with its blocks");
    return true;
  }

  bool mutexes() {
    const auto threads = static_cast<std::int64_t>(m_.threads.size());
    for (std::size_t i = 0; i < m_.k.mutexes.size(); ++i) {
      const MutexState& mx = m_.k.mutexes[i];
      const std::string label = "mutex " + std::to_string(i + 1) + ": ";
      if (mx.id != static_cast<std::int64_t>(i) + 1) return bad(label + "id " + std::to_string(mx.id));
      if (mx.owner < -1 || mx.owner >= threads) return bad(label + "owner " + std::to_string(mx.owner));
      for (std::uint32_t w : mx.waiters) {
        if (w >= m_.threads.size()) return bad(label + "waiter " + std::to_string(w));
      }
    }
    return true;
  }

  bool files() {
    for (const auto& [fd, f] : m_.k.fds) {
      if (f.fd != fd || f.position < 0 || f.position > (std::int64_t{1} << 48)) {
        return bad("fd " + std::to_string(fd) + ": fd or position out of range");
      }
    }
    return true;
  }

  const Machine& m_;
  const Program& p_;
  std::string& error_;
  std::string where_;
  // By code offset and length: two CodeRefs may share a start.
  std::unordered_map<std::uint64_t, ExpressionDepths> depths_;
  MachineCheckCost cost_;
};

}  // namespace

bool check_machine(const Machine& machine, std::string& error, MachineCheckCost* cost) {
  MachineCheck check(machine, error);
  const bool ok = check.run();
  if (cost != nullptr) *cost = check.cost();
  return ok;
}

}  // namespace dust::rec
