// dir_pretty.cpp — decompiling postfix expression code back to infix text.
#include "dust/recorder/session/dir_pretty.hpp"

#include <vector>

namespace dust::session {

namespace {

// Precedence levels of the expression grammar (expr_compiler.cpp), lowest
// first; postfix forms, calls and literals bind tightest.
constexpr int kOr = 0;
constexpr int kAnd = 1;
constexpr int kCompare = 2;
constexpr int kBits = 3;
constexpr int kAdd = 4;
constexpr int kMul = 5;
constexpr int kAtom = 6;

struct Fragment {
  std::string text;
  int precedence = kAtom;
};

int binary_level(Op op) {
  switch (op) {
    case Op::Or: return kOr;
    case Op::And: return kAnd;
    case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: return kCompare;
    case Op::BitAnd: case Op::BitOr: case Op::BitXor: case Op::Shl: case Op::Shr: return kBits;
    case Op::Add: case Op::Sub: return kAdd;
    case Op::Mul: case Op::Div: case Op::Rem: return kMul;
    default: return -1;
  }
}

std::string constant_text(const Value& v) {
  switch (v.tag()) {
    case ValueTag::Int: return std::to_string(v.as_int());
    case ValueTag::Bool: return v.as_bool() ? "true" : "false";
    case ValueTag::String: return dir_string_literal(v.as_string());
    default: return render_human(v);
  }
}

class Decompiler {
 public:
  Decompiler(const Program& program, std::uint32_t proc) : p_(program), proc_(program.procs[proc]) {}

  std::string run(const CodeRef& code) {
    const Instr* ins = p_.code.data() + code.offset;
    for (std::uint32_t pc = 0; pc < code.length; ++pc) {
      if (!apply(ins[pc])) break;
    }
    std::string out;
    for (std::size_t i = 0; i < stack_.size(); ++i) {
      if (i > 0) out += ' ';
      out += stack_[i].text;
    }
    if (!error_.empty()) {
      if (!out.empty()) out += ' ';
      out += "\u27e8parse error: " + error_ + "\u27e9";
    }
    return out;
  }

 private:
  // Applies one instruction; false once a Fail ends the code.
  bool apply(Instr in) {
    if (is_fused(in.op())) {
      // A fused operator carries its right operand: a slot, an immediate
      // or a constant, always an atom.
      Op op = fused_binary(in.op());
      Fragment left = pop();
      std::string right;
      switch (fused_form(in.op())) {
        case FusedForm::Slot: right = slot_name(in.a()); break;
        case FusedForm::Imm: right = std::to_string(in.imm()); break;
        case FusedForm::Const: right = constant(in.a()); break;
      }
      int level = binary_level(op);
      stack_.push_back(Fragment{operand(left, level) + " " + op_name(op) + " " + right, level});
      return true;
    }
    switch (in.op()) {
      case Op::PushInt: push(std::to_string(in.imm())); return true;
      case Op::PushConst: push(constant(in.a())); return true;
      case Op::Load: push(slot_name(in.a())); return true;
      case Op::Not:
      case Op::Neg: {
        Fragment a = pop();
        push(std::string(in.op() == Op::Not ? "Not(" : "Neg(") + a.text + ")");
        return true;
      }
      case Op::Call: call(in.a()); return true;
      case Op::Field: {
        Fragment base = pop();
        std::string_view name = in.a() < p_.texts.size() ? p_.texts.get(in.a()) : "?";
        push(operand(base, kAtom) + "." + std::string(name));
        return true;
      }
      case Op::Index: {
        Fragment index = pop();
        Fragment base = pop();
        push(operand(base, kAtom) + "[" + index.text + "]");
        return true;
      }
      case Op::MakeArray: push("[" + join(pop_n(in.a())) + "]"); return true;
      case Op::MakeStruct: make_struct(in.a()); return true;
      case Op::Fail:
        error_ = in.a() < p_.texts.size() ? std::string(p_.texts.get(in.a())) : "?";
        return false;
      case Op::Dup: {
        // The compiler folded a repeated operand; show it as written.
        Fragment a = pop();
        stack_.push_back(a);
        stack_.push_back(std::move(a));
        return true;
      }
      case Op::RemImm:
      case Op::RemConst: {
        Fragment x = pop();
        const std::string m = in.op() == Op::RemImm ? std::to_string(in.imm()) : constant(in.a());
        stack_.push_back(Fragment{operand(x, kAdd) + " Sub " + operand(x, kMul) + " Div " + m + " Mul " + m, kAdd});
        return true;
      }
      default: break;
    }
    int level = binary_level(in.op());
    Fragment right = pop();
    Fragment left = pop();
    std::string text = operand(left, level) + " " + op_name(in.op()) + " ";
    // Left associativity: an equal-precedence right operand was grouped by
    // parentheses in the source.
    text += right.precedence <= level ? "(" + right.text + ")" : right.text;
    stack_.push_back(Fragment{std::move(text), level});
    return true;
  }

  void call(std::uint32_t callsite) {
    if (callsite >= p_.callsites.size()) {
      push("?()");
      return;
    }
    const Callsite& cs = p_.callsites[callsite];
    std::string name = cs.callee < p_.callees.size() ? p_.callees[cs.callee].name : "?";
    push(name + "(" + join(pop_n(cs.argc)) + ")");
  }

  void make_struct(std::uint32_t shape_index) {
    if (shape_index >= p_.shapes.size()) {
      push("?{}");
      return;
    }
    const StructShape& shape = p_.shapes[shape_index];
    std::vector<Fragment> values = pop_n(static_cast<std::uint32_t>(shape.fields.size()));
    std::string text = shape.type + "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) text += ", ";
      text += shape.fields[i] + ": " + values[i].text;
    }
    push(text + "}");
  }

  std::string constant(std::uint32_t index) const {
    return index < p_.constants.size() ? constant_text(p_.constants[index]) : "?";
  }
  std::string slot_name(std::uint32_t slot) const {
    return slot < proc_.slot_count() ? std::string(proc_.slot_names.get(slot)) : "?";
  }

  static std::string operand(const Fragment& f, int level) {
    return f.precedence < level ? "(" + f.text + ")" : f.text;
  }

  static std::string join(const std::vector<Fragment>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += ", ";
      out += items[i].text;
    }
    return out;
  }

  void push(std::string text) { stack_.push_back(Fragment{std::move(text), kAtom}); }

  // Missing operands (code cut short by a parse error) show as `?`.
  Fragment pop() {
    if (stack_.empty()) return Fragment{"?", kAtom};
    Fragment f = std::move(stack_.back());
    stack_.pop_back();
    return f;
  }

  std::vector<Fragment> pop_n(std::uint32_t n) {
    std::vector<Fragment> items(n);
    for (std::uint32_t i = n; i > 0; --i) items[i - 1] = pop();
    return items;
  }

  const Program& p_;
  const Proc& proc_;
  std::vector<Fragment> stack_;
  std::string error_;
};

std::string slot_text(const Program& p, std::uint32_t proc, std::uint32_t slot) {
  const Proc& pr = p.procs[proc];
  return slot < pr.slot_count() ? std::string(pr.slot_names.get(slot)) : "?";
}

std::string text_of(const Program& p, std::uint32_t text) {
  return text < p.texts.size() ? std::string(p.texts.get(text)) : "?";
}

}  // namespace

std::string dir_string_literal(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: out += c; break;
    }
  }
  return out + "\"";
}

std::string decompile_expression(const Program& program, std::uint32_t proc, const CodeRef& code) {
  return Decompiler(program, proc).run(code);
}

std::string statement_text(const Program& program, std::uint32_t proc, std::uint32_t stmt) {
  const Stmt& s = program.stmts[stmt];
  auto expr = [&](const CodeRef& code) { return decompile_expression(program, proc, code); };
  switch (s.kind) {
    case StmtKind::Let: {
      std::string head = "let " + slot_text(program, proc, s.slot) + " = ";
      if (s.q_form != QForm::None) return head + q_form_name(s.q_form) + "(" + text_of(program, s.text) + ")";
      if (s.phi_witness) return head + "phi_witness(" + expr(s.expr) + ")";
      return head + expr(s.expr);
    }
    case StmtKind::Assign: return slot_text(program, proc, s.slot) + " = " + expr(s.expr);
    case StmtKind::Constrain: return "constrain " + text_of(program, s.text);
    case StmtKind::Prove: return "prove " + slot_text(program, proc, s.slot) + " from " + text_of(program, s.text);
    case StmtKind::Effect: {
      std::string kind = text_of(program, s.text);
      if (kind == "emit") return "emit " + expr(s.expr);
      return "effect " + kind + " " + expr(s.expr);
    }
    case StmtKind::Return: return s.has_expr ? "return " + expr(s.expr) : "return";
    case StmtKind::If: return "if " + expr(s.expr);
    case StmtKind::While: return "while " + expr(s.expr);
    case StmtKind::For: {
      std::string end = s.else_body < program.for_ends.size() ? expr(program.for_ends[s.else_body]) : "?";
      return "for " + slot_text(program, proc, s.slot) + " in " + expr(s.expr) + ".." + end;
    }
    case StmtKind::Break: return "break";
    case StmtKind::Continue: return "continue";
    case StmtKind::Eval:
      if (s.slot != kNoSlot) return "let " + slot_text(program, proc, s.slot) + " = " + expr(s.expr);
      return expr(s.expr);
  }
  return "?";
}

std::string proc_signature(const Program& program, std::uint32_t proc) {
  const Proc& p = program.procs[proc];
  std::string out = std::string(regime_name(p.regime)) + " proc " + p.name + "(";
  for (std::size_t i = 0; i < p.params.size(); ++i) {
    if (i > 0) out += ", ";
    out += p.params[i].name;
    if (!p.params[i].type.empty()) out += ": " + p.params[i].type;
  }
  out += ")";
  if (!p.ret.empty()) out += " -> " + p.ret;
  return out;
}

}  // namespace dust::session
