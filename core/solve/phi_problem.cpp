// phi_problem.cpp — the unknowns and constraints of a Φ entry (semantics
// doc §3.1), as terms the solver decides.
//
// The unknowns come from the params' declared types. The constraints are
// found by evaluating the entry body's top-level statements symbolically, in
// body order, over the same compiled code the machine runs: a Let binds its
// name to the term of its expression (substitution), a Constrain adds its
// predicate, a Prove adds its predicate when that is a Bool expression.
// Where evaluation would fail whatever the unknowns are (a type error, an
// unknown name, a call, a parse error), the constraint is one that never
// holds, as it never would at run time; failures that depend on the
// unknowns (overflow, division by zero) are the solver's to guard.
#include <algorithm>

#include "dust/phi_solver.hpp"

namespace dust {

namespace {

constexpr int kMaxShapeDepth = 16;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A value during symbolic evaluation. Int and Bool are terms; strings,
// units and structs are known exactly, but may carry terms whose failure
// they inherit (a struct literal with a field `x Div y`).
struct Sym {
  enum class Kind : std::uint8_t { Int, Bool, Str, Unit, Struct, Error };
  Kind kind = Kind::Error;
  std::uint32_t term = 0;
  std::string text;  // Str: the string; Struct: its type
  std::vector<std::string> field_names;
  std::vector<Sym> fields;
  std::vector<std::uint32_t> carried;

  bool scalar() const { return kind == Kind::Int || kind == Kind::Bool; }
};

class Builder {
 public:
  Builder(const Program& p, std::uint32_t proc, PhiProblem& out) : p_(p), proc_(p.procs[proc]), out_(out) {}

  bool build(DvmError& error) {
    env_.assign(proc_.slot_count(), std::nullopt);
    for (const Param& param : proc_.params) {
      PhiProblem::Layout layout;
      Sym value;
      if (!unknown(param.name, param.type, 0, layout, value, error)) return false;
      out_.param_names.push_back(param.name);
      out_.param_layouts.push_back(std::move(layout));
      if (param.slot < env_.size()) env_[param.slot] = std::move(value);
    }
    const Block& body = p_.blocks[proc_.body];
    for (std::uint32_t i = 0; i < body.count; ++i) statement(body.first + i);
    return true;
  }

 private:
  // ---- unknowns ----

  const ShapeDecl* find_shape(std::string_view name) const {
    for (const ShapeDecl& shape : p_.forges[proc_.forge].shapes) {
      if (trim(shape.name) == name) return &shape;
    }
    return nullptr;
  }

  bool unknown(const std::string& path, const std::string& declared, int depth, PhiProblem::Layout& layout, Sym& value,
               DvmError& error) {
    std::string_view ty = trim(declared);
    // Φ[T] and K[T] wrap the type they are read as.
    for (std::string_view wrapper : {std::string_view("Φ["), std::string_view("K[")}) {
      while (ty.size() > wrapper.size() && ty.substr(0, wrapper.size()) == wrapper && ty.back() == ']') {
        ty = trim(ty.substr(wrapper.size(), ty.size() - wrapper.size() - 1));
      }
    }
    if (ty == "Int" || ty == "i64" || ty == "i32" || ty == "Bool") {
      PhiSort sort = ty == "Bool" ? PhiSort::Bool : ty == "i32" ? PhiSort::I32 : PhiSort::I64;
      layout.leaf = static_cast<std::uint32_t>(out_.unknowns.size());
      out_.unknowns.push_back(PhiUnknown{path, sort});
      value.kind = sort == PhiSort::Bool ? Sym::Kind::Bool : Sym::Kind::Int;
      value.term = add(PhiTermOp::Unknown, sort == PhiSort::Bool, 0, 0, layout.leaf);
      return true;
    }
    const ShapeDecl* shape = depth < kMaxShapeDepth ? find_shape(ty) : nullptr;
    if (shape == nullptr) {
      error = DvmError{ErrorKind::DirValidate, "Φ unknown of unsupported type: " + path + ": " + declared};
      return false;
    }
    layout.shape = std::string(ty);
    value.kind = Sym::Kind::Struct;
    value.text = std::string(ty);
    for (const ShapeField& field : shape->fields) {
      PhiProblem::Layout inner;
      Sym inner_value;
      if (!unknown(path + "." + field.name, field.type, depth + 1, inner, inner_value, error)) return false;
      layout.field_names.push_back(field.name);
      layout.field_layouts.push_back(std::move(inner));
      value.field_names.push_back(field.name);
      value.fields.push_back(std::move(inner_value));
    }
    return true;
  }

  // ---- statements ----

  void statement(std::uint32_t stmt_id) {
    const Stmt& s = p_.stmts[stmt_id];
    switch (s.kind) {
      case StmtKind::Let:
        // A witness is not a value a constraint can reason about.
        bind(s.slot, s.q_form != QForm::None || s.phi_witness || !s.has_expr ? Sym{} : evaluate(s.expr));
        return;
      case StmtKind::Assign:
        bind(s.slot, s.slot < env_.size() && env_[s.slot] ? evaluate(s.expr) : Sym{});
        return;
      case StmtKind::Eval:
        if (s.slot != kNoSlot) bind(s.slot, Sym{});
        return;
      case StmtKind::Constrain: {
        Sym v = evaluate(s.expr);
        constraint(stmt_id, v.kind == Sym::Kind::Bool ? v.term : add(PhiTermOp::Bool, true, 0, 0, 0));
        return;
      }
      case StmtKind::Prove: {
        Sym v = evaluate(s.expr);
        if (v.kind == Sym::Kind::Bool) constraint(stmt_id, v.term);
        bind(s.slot, Sym{});
        return;
      }
      default: return;  // nested blocks and the rest bind nothing a constraint reads
    }
  }

  void bind(std::uint32_t slot, Sym v) {
    if (slot < env_.size()) env_[slot] = std::move(v);
  }

  void constraint(std::uint32_t stmt_id, std::uint32_t term) {
    out_.predicates.push_back(term);
    out_.constraints.push_back(PhiConstraint{stmt_id, std::string(p_.texts.get(p_.stmts[stmt_id].text))});
  }

  // ---- terms ----

  std::uint32_t add(PhiTermOp op, bool is_bool, std::uint32_t a, std::uint32_t b, std::int64_t value) {
    out_.terms.push_back(PhiTerm{op, is_bool, a, b, value});
    return static_cast<std::uint32_t>(out_.terms.size() - 1);
  }

  Sym int_sym(std::uint32_t term) {
    Sym s;
    s.kind = Sym::Kind::Int;
    s.term = term;
    return s;
  }
  Sym bool_sym(std::uint32_t term) {
    Sym s;
    s.kind = Sym::Kind::Bool;
    s.term = term;
    return s;
  }

  // Every term a value holds, whose failure evaluating it would be.
  static void collect(const Sym& v, std::vector<std::uint32_t>& out) {
    if (v.scalar()) out.push_back(v.term);
    out.insert(out.end(), v.carried.begin(), v.carried.end());
    for (const Sym& f : v.fields) collect(f, out);
  }

  // `v`, failing also where any of `extra` would.
  Sym with_carried(Sym v, const std::vector<std::uint32_t>& extra) {
    if (v.scalar()) {
      for (std::uint32_t t : extra) v.term = add(PhiTermOp::Both, v.kind == Sym::Kind::Bool, t, v.term, 0);
    } else {
      v.carried.insert(v.carried.end(), extra.begin(), extra.end());
    }
    return v;
  }

  Sym constant(const Value& value) {
    Sym s;
    switch (value.tag()) {
      case ValueTag::Int: return int_sym(add(PhiTermOp::Int, false, 0, 0, value.as_int()));
      case ValueTag::Bool: return bool_sym(add(PhiTermOp::Bool, true, 0, 0, value.as_bool() ? 1 : 0));
      case ValueTag::String:
        s.kind = Sym::Kind::Str;
        s.text = value.as_string();
        return s;
      case ValueTag::Unit: s.kind = Sym::Kind::Unit; return s;
      case ValueTag::Struct:
        s.kind = Sym::Kind::Struct;
        s.text = value.struct_type();
        for (const auto& [name, field] : value.struct_fields()) {
          s.field_names.push_back(name);
          s.fields.push_back(constant(field));
          if (s.fields.back().kind == Sym::Kind::Error) return Sym{};
        }
        return s;
      default: return Sym{};
    }
  }

  // Structural equality as the machine's Eq: mixed types are unequal,
  // struct fields compare by name.
  Sym equal(const Sym& a, const Sym& b) {
    if (a.scalar() && a.kind == b.kind) return bool_sym(add(PhiTermOp::Eq, true, a.term, b.term, 0));
    std::vector<std::uint32_t> parts;
    collect(a, parts);
    collect(b, parts);
    bool same = a.kind == b.kind;
    if (same && a.kind == Sym::Kind::Str) same = a.text == b.text;
    if (same && a.kind == Sym::Kind::Struct) {
      same = a.text == b.text && a.fields.size() == b.fields.size();
      std::uint32_t all = add(PhiTermOp::Bool, true, 0, 0, 1);
      for (std::size_t i = 0; same && i < a.fields.size(); ++i) {
        auto it = std::find(b.field_names.begin(), b.field_names.end(), a.field_names[i]);
        if (it == b.field_names.end()) {
          same = false;
          break;
        }
        Sym eq = equal(a.fields[i], b.fields[static_cast<std::size_t>(it - b.field_names.begin())]);
        all = add(PhiTermOp::And, true, all, eq.term, 0);
      }
      if (same) return with_carried(bool_sym(all), parts);
    }
    return with_carried(bool_sym(add(PhiTermOp::Bool, true, 0, 0, same ? 1 : 0)), parts);
  }

  Sym binary(Op op, const Sym& a, const Sym& b) {
    if (a.kind == Sym::Kind::Error || b.kind == Sym::Kind::Error) return Sym{};
    switch (op) {
      case Op::Eq: return equal(a, b);
      case Op::Ne: {
        Sym eq = equal(a, b);
        return bool_sym(add(PhiTermOp::Not, true, eq.term, 0, 0));
      }
      case Op::And:
      case Op::Or:
        if (a.kind != Sym::Kind::Bool || b.kind != Sym::Kind::Bool) return Sym{};
        return bool_sym(add(op == Op::And ? PhiTermOp::And : PhiTermOp::Or, true, a.term, b.term, 0));
      default: break;
    }
    if (a.kind != Sym::Kind::Int || b.kind != Sym::Kind::Int) return Sym{};
    switch (op) {
      case Op::Add: return int_sym(add(PhiTermOp::Add, false, a.term, b.term, 0));
      case Op::Sub: return int_sym(add(PhiTermOp::Sub, false, a.term, b.term, 0));
      case Op::Mul: return int_sym(add(PhiTermOp::Mul, false, a.term, b.term, 0));
      case Op::Div: return int_sym(add(PhiTermOp::Div, false, a.term, b.term, 0));
      case Op::Rem: return int_sym(add(PhiTermOp::Rem, false, a.term, b.term, 0));
      case Op::BitAnd: return int_sym(add(PhiTermOp::BitAnd, false, a.term, b.term, 0));
      case Op::BitOr: return int_sym(add(PhiTermOp::BitOr, false, a.term, b.term, 0));
      case Op::BitXor: return int_sym(add(PhiTermOp::BitXor, false, a.term, b.term, 0));
      case Op::Shl: return int_sym(add(PhiTermOp::Shl, false, a.term, b.term, 0));
      case Op::Shr: return int_sym(add(PhiTermOp::Shr, false, a.term, b.term, 0));
      case Op::Lt: return bool_sym(add(PhiTermOp::Lt, true, a.term, b.term, 0));
      case Op::Le: return bool_sym(add(PhiTermOp::Le, true, a.term, b.term, 0));
      case Op::Gt: return bool_sym(add(PhiTermOp::Gt, true, a.term, b.term, 0));
      case Op::Ge: return bool_sym(add(PhiTermOp::Ge, true, a.term, b.term, 0));
      default: return Sym{};
    }
  }

  Sym load(std::uint32_t slot) const {
    if (slot >= env_.size() || !env_[slot]) return Sym{};
    return *env_[slot];
  }

  Sym field(const Sym& s, std::string_view name) {
    if (s.kind != Sym::Kind::Struct) return Sym{};
    for (std::size_t i = 0; i < s.fields.size(); ++i) {
      if (s.field_names[i] != name) continue;
      std::vector<std::uint32_t> others = s.carried;
      for (std::size_t j = 0; j < s.fields.size(); ++j) {
        if (j != i) collect(s.fields[j], others);
      }
      return with_carried(s.fields[i], others);
    }
    return Sym{};
  }

  // Runs the postfix code symbolically (opcodes.hpp); an Error result is a
  // failure whatever the unknowns are.
  Sym evaluate(const CodeRef& code) {
    std::vector<Sym> stack;
    auto pop = [&] {
      Sym v = std::move(stack.back());
      stack.pop_back();
      return v;
    };
    for (std::uint32_t pc = code.offset; pc < code.offset + code.length; ++pc) {
      Instr in = p_.code[pc];
      Op op = in.op();
      if (is_fused(op)) {
        if (stack.empty()) return Sym{};
        Sym b;
        switch (fused_form(op)) {
          case FusedForm::Slot: b = load(in.a()); break;
          case FusedForm::Imm: b = int_sym(add(PhiTermOp::Int, false, 0, 0, in.imm())); break;
          case FusedForm::Const: b = constant(p_.constants[in.a()]); break;
        }
        Sym a = pop();
        Sym r = binary(fused_binary(op), a, b);
        if (r.kind == Sym::Kind::Error) return r;
        stack.push_back(std::move(r));
        continue;
      }
      if (is_binary(op)) {
        if (stack.size() < 2) return Sym{};
        Sym b = pop();
        Sym a = pop();
        Sym r = binary(op, a, b);
        if (r.kind == Sym::Kind::Error) return r;
        stack.push_back(std::move(r));
        continue;
      }
      Sym r;
      switch (op) {
        case Op::PushInt: r = int_sym(add(PhiTermOp::Int, false, 0, 0, in.imm())); break;
        case Op::PushConst: r = constant(p_.constants[in.a()]); break;
        case Op::Load: r = load(in.a()); break;
        case Op::Dup:
          if (stack.empty()) return Sym{};
          r = stack.back();
          break;
        case Op::Not: {
          if (stack.empty()) return Sym{};
          Sym a = pop();
          if (a.kind == Sym::Kind::Bool) r = bool_sym(add(PhiTermOp::Not, true, a.term, 0, 0));
          break;
        }
        case Op::Neg: {
          if (stack.empty()) return Sym{};
          Sym a = pop();
          if (a.kind == Sym::Kind::Int) r = int_sym(add(PhiTermOp::Neg, false, a.term, 0, 0));
          break;
        }
        case Op::RemImm:
        case Op::RemConst: {
          // Exactly the operators it stands for: x Sub (x Div m Mul m).
          if (stack.empty()) return Sym{};
          Sym x = pop();
          Sym m = op == Op::RemImm ? int_sym(add(PhiTermOp::Int, false, 0, 0, in.imm())) : constant(p_.constants[in.a()]);
          r = binary(Op::Sub, x, binary(Op::Mul, binary(Op::Div, x, m), m));
          break;
        }
        case Op::Field: {
          if (stack.empty()) return Sym{};
          Sym s = pop();
          r = field(s, p_.texts.get(in.a()));
          break;
        }
        case Op::MakeStruct: {
          const StructShape& shape = p_.shapes[in.a()];
          if (stack.size() < shape.fields.size()) return Sym{};
          r.kind = Sym::Kind::Struct;
          r.text = shape.type;
          r.field_names = shape.fields;
          r.fields.assign(stack.end() - static_cast<std::ptrdiff_t>(shape.fields.size()), stack.end());
          stack.resize(stack.size() - shape.fields.size());
          break;
        }
        default: return Sym{};  // calls, arrays, indexing, parse errors
      }
      if (r.kind == Sym::Kind::Error) return r;
      stack.push_back(std::move(r));
    }
    if (stack.size() != 1) return Sym{};
    return std::move(stack.back());
  }

  const Program& p_;
  const Proc& proc_;
  PhiProblem& out_;
  std::vector<std::optional<Sym>> env_;
};

Value leaf_value(const PhiUnknown& u, std::int64_t v) {
  return u.sort == PhiSort::Bool ? Value::boolean(v != 0) : Value::integer(v);
}

Value layout_value(const PhiProblem& problem, const PhiProblem::Layout& layout, std::span<const std::int64_t> leaves) {
  if (layout.shape.empty()) return leaf_value(problem.unknowns[layout.leaf], leaves[layout.leaf]);
  std::vector<std::pair<std::string, Value>> fields;
  for (std::size_t i = 0; i < layout.field_names.size(); ++i) {
    fields.emplace_back(layout.field_names[i], layout_value(problem, layout.field_layouts[i], leaves));
  }
  return Value::structure(layout.shape, std::move(fields));
}

}  // namespace

bool build_phi_problem(const Program& program, std::uint32_t proc, PhiProblem& problem, DvmError& error) {
  problem = PhiProblem{};
  return Builder(program, proc, problem).build(error);
}

std::vector<std::pair<std::string, Value>> phi_witness_values(const PhiProblem& problem,
                                                              std::span<const std::int64_t> leaves) {
  std::vector<std::pair<std::string, Value>> out;
  for (std::size_t i = 0; i < problem.param_names.size(); ++i) {
    out.emplace_back(problem.param_names[i], layout_value(problem, problem.param_layouts[i], leaves));
  }
  return out;
}

}  // namespace dust
