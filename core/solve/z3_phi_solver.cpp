// z3_phi_solver.cpp — the PhiSolver on Z3's C API: the only file of the
// project that includes Z3.
//
// Every Int is a 64-bit bit-vector (an i32 unknown is a 32-bit one,
// sign-extended where it is used), every term carries the condition under
// which evaluating it does not fail, and a constraint i is asserted as
// `a_i -> (ok && value)` for a fresh literal a_i, so that checking a subset
// of the constraints is checking under the assumptions {a_i}; the unsat core
// is read back from those literals. Add, Sub and Mul are checked by doing
// them again in a wider bit-vector and comparing, so "no overflow" means
// exactly what it means at run time. Each check is limited by Z3's
// deterministic `rlimit`, never by a timeout.
#include <z3.h>

#include "dust/phi_solver.hpp"

namespace dust {

namespace {

// Errors are read with Z3_get_error_code after each call that can fail;
// the default handler would end the process.
void ignore_z3_error(Z3_context, Z3_error_code) {}

class Z3PhiSolver final : public PhiSolver {
 public:
  explicit Z3PhiSolver(std::uint64_t rlimit) {
    Z3_config cfg = Z3_mk_config();
    Z3_set_param_value(cfg, "model", "true");
    ctx_ = Z3_mk_context(cfg);
    Z3_del_config(cfg);
    Z3_set_error_handler(ctx_, ignore_z3_error);
    solver_ = Z3_mk_simple_solver(ctx_);
    Z3_solver_inc_ref(ctx_, solver_);
    Z3_params params = Z3_mk_params(ctx_);
    Z3_params_inc_ref(ctx_, params);
    Z3_params_set_uint(ctx_, params, Z3_mk_string_symbol(ctx_, "rlimit"), static_cast<unsigned>(rlimit));
    Z3_params_set_uint(ctx_, params, Z3_mk_string_symbol(ctx_, "random_seed"), 0);
    Z3_solver_set_params(ctx_, solver_, params);
    Z3_params_dec_ref(ctx_, params);
    bv64_ = Z3_mk_bv_sort(ctx_, 64);
  }

  ~Z3PhiSolver() override {
    if (model_ != nullptr) Z3_model_dec_ref(ctx_, model_);
    Z3_solver_dec_ref(ctx_, solver_);
    Z3_del_context(ctx_);
  }

  Z3PhiSolver(const Z3PhiSolver&) = delete;
  Z3PhiSolver& operator=(const Z3PhiSolver&) = delete;

  void load(const PhiProblem& problem) override {
    for (std::uint32_t u = 0; u < problem.unknowns.size(); ++u) declare(problem.unknowns[u], u);
    values_.clear();
    oks_.clear();
    for (const PhiTerm& t : problem.terms) translate(t);
    for (std::uint32_t i = 0; i < problem.predicates.size(); ++i) {
      std::string name = "constraint!" + std::to_string(i);
      Z3_ast literal = Z3_mk_const(ctx_, Z3_mk_string_symbol(ctx_, name.c_str()), Z3_mk_bool_sort(ctx_));
      std::uint32_t p = problem.predicates[i];
      Z3_solver_assert(ctx_, solver_, Z3_mk_implies(ctx_, literal, both(oks_[p], values_[p])));
      literals_.push_back(literal);
    }
  }

  Answer check(std::span<const std::uint32_t> active, std::vector<std::uint32_t>* core) override {
    std::vector<Z3_ast> assumptions;
    for (std::uint32_t i : active) assumptions.push_back(literals_[i]);
    Z3_lbool r = Z3_solver_check_assumptions(ctx_, solver_, static_cast<unsigned>(assumptions.size()),
                                             assumptions.data());
    if (Z3_get_error_code(ctx_) != Z3_OK) return Answer::Unknown;
    if (r == Z3_L_TRUE) {
      if (model_ != nullptr) Z3_model_dec_ref(ctx_, model_);
      model_ = Z3_solver_get_model(ctx_, solver_);
      if (model_ == nullptr) return Answer::Unknown;
      Z3_model_inc_ref(ctx_, model_);
      return Answer::Sat;
    }
    if (r == Z3_L_UNDEF) return Answer::Unknown;
    if (core != nullptr) read_core(active, *core);
    return Answer::Unsat;
  }

  void push() override { Z3_solver_push(ctx_, solver_); }
  void pop() override { Z3_solver_pop(ctx_, solver_, 1); }

  void bound_magnitude(std::uint32_t unknown, std::uint64_t bound) override {
    Z3_ast x = unknowns_[unknown];
    if (is_bool_[unknown]) {
      if (bound == 0) Z3_solver_assert(ctx_, solver_, Z3_mk_not(ctx_, x));
      return;
    }
    Z3_ast zero = Z3_mk_unsigned_int64(ctx_, 0, bv64_);
    Z3_ast abs = Z3_mk_ite(ctx_, Z3_mk_bvslt(ctx_, x, zero), Z3_mk_bvneg(ctx_, x), x);
    Z3_solver_assert(ctx_, solver_, Z3_mk_bvule(ctx_, abs, Z3_mk_unsigned_int64(ctx_, bound, bv64_)));
  }

  void fix(std::uint32_t unknown, std::int64_t value) override {
    Z3_ast x = unknowns_[unknown];
    if (is_bool_[unknown]) {
      Z3_solver_assert(ctx_, solver_, value != 0 ? x : Z3_mk_not(ctx_, x));
      return;
    }
    Z3_solver_assert(ctx_, solver_, Z3_mk_eq(ctx_, x, int_const(value)));
  }

  std::int64_t model_value(std::uint32_t unknown) override {
    Z3_ast out = nullptr;
    if (model_ == nullptr || !Z3_model_eval(ctx_, model_, unknowns_[unknown], true, &out) || out == nullptr) return 0;
    if (is_bool_[unknown]) return Z3_get_bool_value(ctx_, out) == Z3_L_TRUE ? 1 : 0;
    std::uint64_t bits = 0;
    if (!Z3_get_numeral_uint64(ctx_, out, &bits)) return 0;
    return static_cast<std::int64_t>(bits);
  }

 private:
  Z3_ast int_const(std::int64_t v) { return Z3_mk_unsigned_int64(ctx_, static_cast<std::uint64_t>(v), bv64_); }
  Z3_ast truth() { return Z3_mk_true(ctx_); }

  Z3_ast both(Z3_ast a, Z3_ast b) {
    Z3_ast args[2] = {a, b};
    return Z3_mk_and(ctx_, 2, args);
  }

  // Unknown u as the 64-bit Int (or Bool) terms use; an i32 is declared at
  // its width and sign-extended, so its range is the type's.
  void declare(const PhiUnknown& u, std::uint32_t index) {
    std::string name = u.path + "!" + std::to_string(index);
    Z3_symbol symbol = Z3_mk_string_symbol(ctx_, name.c_str());
    is_bool_.push_back(u.sort == PhiSort::Bool);
    switch (u.sort) {
      case PhiSort::Bool: unknowns_.push_back(Z3_mk_const(ctx_, symbol, Z3_mk_bool_sort(ctx_))); return;
      case PhiSort::I64: unknowns_.push_back(Z3_mk_const(ctx_, symbol, bv64_)); return;
      case PhiSort::I32:
        unknowns_.push_back(Z3_mk_sign_ext(ctx_, 32, Z3_mk_const(ctx_, symbol, Z3_mk_bv_sort(ctx_, 32))));
        return;
    }
  }

  // Whether `op(a, b)` on 64 bits equals the same operation done `extra`
  // bits wider: the i64 result is exact.
  Z3_ast fits(Z3_ast (*op)(Z3_context, Z3_ast, Z3_ast), Z3_ast a, Z3_ast b, unsigned extra) {
    Z3_ast wide = op(ctx_, Z3_mk_sign_ext(ctx_, extra, a), Z3_mk_sign_ext(ctx_, extra, b));
    return Z3_mk_eq(ctx_, wide, Z3_mk_sign_ext(ctx_, extra, op(ctx_, a, b)));
  }

  void translate(const PhiTerm& t) {
    Z3_ast value = nullptr;
    Z3_ast ok = truth();
    Z3_ast a = nullptr, b = nullptr;
    const bool binary = t.op >= PhiTermOp::Add && t.op != PhiTermOp::Neg && t.op != PhiTermOp::Not;
    if (t.op >= PhiTermOp::Add) {
      a = values_[t.a];
      ok = oks_[t.a];
      if (binary) {
        b = values_[t.b];
        ok = both(ok, oks_[t.b]);
      }
    }
    const Z3_ast min = int_const(INT64_MIN);
    switch (t.op) {
      case PhiTermOp::Int: value = int_const(t.value); break;
      case PhiTermOp::Bool: value = t.value != 0 ? Z3_mk_true(ctx_) : Z3_mk_false(ctx_); break;
      case PhiTermOp::Unknown: value = unknowns_[static_cast<std::size_t>(t.value)]; break;
      case PhiTermOp::Add: value = Z3_mk_bvadd(ctx_, a, b); ok = both(ok, fits(Z3_mk_bvadd, a, b, 1)); break;
      case PhiTermOp::Sub: value = Z3_mk_bvsub(ctx_, a, b); ok = both(ok, fits(Z3_mk_bvsub, a, b, 1)); break;
      case PhiTermOp::Mul: value = Z3_mk_bvmul(ctx_, a, b); ok = both(ok, fits(Z3_mk_bvmul, a, b, 64)); break;
      case PhiTermOp::Div:
      case PhiTermOp::Rem: {
        // bvsdiv truncates toward zero, as Div does, and bvsrem takes the
        // sign of a, as Rem does; b = 0 and MIN by -1 fail for both.
        value = t.op == PhiTermOp::Div ? Z3_mk_bvsdiv(ctx_, a, b) : Z3_mk_bvsrem(ctx_, a, b);
        Z3_ast nonzero = Z3_mk_not(ctx_, Z3_mk_eq(ctx_, b, int_const(0)));
        Z3_ast overflow = both(Z3_mk_eq(ctx_, a, min), Z3_mk_eq(ctx_, b, int_const(-1)));
        ok = both(ok, both(nonzero, Z3_mk_not(ctx_, overflow)));
        break;
      }
      case PhiTermOp::BitAnd: value = Z3_mk_bvand(ctx_, a, b); break;
      case PhiTermOp::BitOr: value = Z3_mk_bvor(ctx_, a, b); break;
      case PhiTermOp::BitXor: value = Z3_mk_bvxor(ctx_, a, b); break;
      case PhiTermOp::Shl:
      case PhiTermOp::Shr:
        // A shift amount outside 0..63 (unsigned) fails; Shr is arithmetic.
        value = t.op == PhiTermOp::Shl ? Z3_mk_bvshl(ctx_, a, b) : Z3_mk_bvashr(ctx_, a, b);
        ok = both(ok, Z3_mk_bvule(ctx_, b, int_const(63)));
        break;
      case PhiTermOp::Neg:
        value = Z3_mk_bvneg(ctx_, a);
        ok = both(ok, Z3_mk_not(ctx_, Z3_mk_eq(ctx_, a, min)));
        break;
      case PhiTermOp::Eq: value = Z3_mk_eq(ctx_, a, b); break;
      case PhiTermOp::Ne: value = Z3_mk_not(ctx_, Z3_mk_eq(ctx_, a, b)); break;
      case PhiTermOp::Lt: value = Z3_mk_bvslt(ctx_, a, b); break;
      case PhiTermOp::Le: value = Z3_mk_bvsle(ctx_, a, b); break;
      case PhiTermOp::Gt: value = Z3_mk_bvsgt(ctx_, a, b); break;
      case PhiTermOp::Ge: value = Z3_mk_bvsge(ctx_, a, b); break;
      case PhiTermOp::And: value = both(a, b); break;
      case PhiTermOp::Or: {
        Z3_ast args[2] = {a, b};
        value = Z3_mk_or(ctx_, 2, args);
        break;
      }
      case PhiTermOp::Not: value = Z3_mk_not(ctx_, a); break;
      case PhiTermOp::Both: value = b; break;
    }
    values_.push_back(value);
    oks_.push_back(ok);
  }

  void read_core(std::span<const std::uint32_t> active, std::vector<std::uint32_t>& core) {
    core.clear();
    Z3_ast_vector found = Z3_solver_get_unsat_core(ctx_, solver_);
    Z3_ast_vector_inc_ref(ctx_, found);
    unsigned n = Z3_ast_vector_size(ctx_, found);
    for (std::uint32_t i : active) {
      for (unsigned k = 0; k < n; ++k) {
        if (Z3_is_eq_ast(ctx_, Z3_ast_vector_get(ctx_, found, k), literals_[i])) {
          core.push_back(i);
          break;
        }
      }
    }
    Z3_ast_vector_dec_ref(ctx_, found);
  }

  Z3_context ctx_ = nullptr;
  Z3_solver solver_ = nullptr;
  Z3_model model_ = nullptr;
  Z3_sort bv64_ = nullptr;
  std::vector<Z3_ast> unknowns_;
  std::vector<bool> is_bool_;
  std::vector<Z3_ast> values_;
  std::vector<Z3_ast> oks_;
  std::vector<Z3_ast> literals_;
};

}  // namespace

std::unique_ptr<PhiSolver> make_z3_phi_solver(std::uint64_t rlimit) { return std::make_unique<Z3PhiSolver>(rlimit); }

}  // namespace dust
