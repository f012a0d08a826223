// phi_solver.hpp — Φ resolution (semantics doc Part 3): the entry's
// unknowns and constraints as a small term language, the solver interface
// they are decided with, and the rules that turn the solver's answers into
// an outcome (canonical witness, deletion-minimal conflict,
// counterfactuals).
//
// The terms are core's own: core/solve/phi_problem.cpp builds them from the
// compiled code, core/solve/phi_resolution.cpp applies Part 3's rules over
// the PhiSolver interface, and only core/solve/z3_phi_solver.cpp knows Z3.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dust/machine.hpp"
#include "dust/phi.hpp"
#include "dust/program.hpp"

namespace dust {

// A leaf unknown: an Int (i64 or i32) or a Bool param, or one field of a
// shape param. `path` is how the program reads it: `x`, `c.x`.
enum class PhiSort : std::uint8_t { I64, I32, Bool };
struct PhiUnknown {
  std::string path;
  PhiSort sort = PhiSort::I64;
};

// A term over the unknowns. Int terms are exact i64: the solver pairs each
// with the condition under which evaluating it would not fail (overflow,
// division by zero, a shift out of range), and a constraint holds only where
// its whole predicate evaluates without failing and is true.
enum class PhiTermOp : std::uint8_t {
  Int,       // constant `value`
  Bool,      // constant `value != 0`
  Unknown,   // unknown `value` (its index)
  Add, Sub, Mul, Div, Rem, BitAnd, BitOr, BitXor, Shl, Shr,  // Int a, Int b -> Int
  Neg,                                                   // Int a -> Int
  Eq, Ne,                                                // Int or Bool a, b (same sort) -> Bool
  Lt, Le, Gt, Ge,                                        // Int a, b -> Bool
  And, Or,                                               // Bool a, b -> Bool
  Not,                                                   // Bool a -> Bool
  Both,      // b's value; fails where a or b would (a value discarded, as `"s" Eq x Div 0`)
};

struct PhiTerm {
  PhiTermOp op = PhiTermOp::Int;
  bool is_bool = false;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::int64_t value = 0;
};

struct PhiProblem {
  std::vector<PhiUnknown> unknowns;
  std::vector<PhiTerm> terms;                 // operands precede their users
  std::vector<std::uint32_t> predicates;      // one Bool term per constraint
  std::vector<PhiConstraint> constraints;     // the same constraints, as written
  // For each entry param, in order, how its value is built from the
  // leaves: a scalar is one leaf, a shape is a Struct of its fields.
  struct Layout {
    std::string shape;                        // empty for a scalar leaf
    std::uint32_t leaf = 0;                   // index into unknowns (scalar)
    std::vector<std::string> field_names;     // shape fields, in order
    std::vector<Layout> field_layouts;
  };
  std::vector<std::string> param_names;
  std::vector<Layout> param_layouts;
};

// Builds the problem for Φ proc `proc`; false with `error` (DirValidate
// `Φ unknown of unsupported type: <name>: <ty>`) if a param's type is not one
// Part 3 allows.
bool build_phi_problem(const Program& program, std::uint32_t proc, PhiProblem& problem, DvmError& error);

// The witness values as the machine binds them, from one value per leaf.
std::vector<std::pair<std::string, Value>> phi_witness_values(const PhiProblem& problem,
                                                              std::span<const std::int64_t> leaves);

// A decision procedure for a loaded problem. Every check is bounded by a
// deterministic resource limit, never by wall time: Unknown means the limit
// ran out.
class PhiSolver {
 public:
  enum class Answer : std::uint8_t { Sat, Unsat, Unknown };
  virtual ~PhiSolver() = default;
  virtual void load(const PhiProblem& problem) = 0;
  // Whether the constraints `active` (indices) hold together with whatever
  // was fixed or bounded since the outermost push. On Unsat, `core` (if
  // given) receives a subset of `active` that is unsatisfiable on its own.
  virtual Answer check(std::span<const std::uint32_t> active, std::vector<std::uint32_t>* core) = 0;
  virtual void push() = 0;
  virtual void pop() = 0;
  // Asserts, until the matching pop, |unknown| <= bound (unsigned, so
  // 2^63 admits INT64_MIN); for a Bool, bound 0 means false.
  virtual void bound_magnitude(std::uint32_t unknown, std::uint64_t bound) = 0;
  virtual void fix(std::uint32_t unknown, std::int64_t value) = 0;
  // The unknown's value in the last Sat answer's model (Bool: 0 or 1).
  virtual std::int64_t model_value(std::uint32_t unknown) = 0;
};

// The deterministic resource limit of one check (Z3's rlimit).
inline constexpr std::uint64_t kPhiResourceLimit = 4'000'000;

using PhiSolverFactory = std::function<std::unique_ptr<PhiSolver>()>;
// The Z3 solver, limited to `rlimit` per check.
std::unique_ptr<PhiSolver> make_z3_phi_solver(std::uint64_t rlimit = kPhiResourceLimit);
// The factory resolution uses: Z3 unless a test replaced it (a hook that
// fails proves a path never calls the solver). A factory may return null:
// resolution is then Undecided.
const PhiSolverFactory& phi_solver_factory();
void set_phi_solver_factory(PhiSolverFactory factory);

// Part 3 over a loaded solver: Admissible with the canonical witness,
// NonExistent with the deletion-minimal conflict and the counterfactuals,
// or Undecided.
PhiResolution resolve_phi_problem(const PhiProblem& problem, PhiSolver& solver);

// What a run needs before its machine starts: in resolve mode with a Φ
// entry, the resolution (config.phi); otherwise nothing. Call it wherever a
// run starts from a program (not from a recording, which holds its own).
void prepare_phi(const Program& program, RunConfig& config);

}  // namespace dust
