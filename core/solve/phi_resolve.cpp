// phi_resolve.cpp — the rules of semantics doc §3.2 over any PhiSolver: the
// canonical witness, the deletion-minimal conflict and the counterfactuals,
// and prepare_phi, which resolves a run's Φ entry before its machine starts.
//
// Unsat cores only ever skip checks whose answer they already prove, so the
// conflict is exactly the one plain deletion in body order finds.
#include <algorithm>

#include "dust/phi_solver.hpp"

namespace dust {

namespace {

using Answer = PhiSolver::Answer;

// Thrown inside resolution when a check runs out of its resource limit;
// caught in resolve_phi_problem, never beyond.
struct Undecided {};

Answer checked(Answer a) {
  if (a == Answer::Unknown) throw Undecided{};
  return a;
}

std::uint64_t magnitude(std::int64_t v) {
  return v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
}

bool contains(const std::vector<std::uint32_t>& set, std::uint32_t x) {
  return std::find(set.begin(), set.end(), x) != set.end();
}

class Resolver {
 public:
  Resolver(const PhiProblem& problem, PhiSolver& solver) : problem_(problem), solver_(solver) {
    for (std::uint32_t i = 0; i < problem.predicates.size(); ++i) all_.push_back(i);
  }

  PhiResolution run() {
    PhiResolution r;
    r.constraints = problem_.constraints;
    solver_.load(problem_);
    std::vector<std::uint32_t> core;
    if (checked(solver_.check(all_, &core)) == Answer::Sat) {
      r.outcome = PhiOutcome::Admissible;
      r.witness = phi_witness_values(problem_, canonical_witness());
      return r;
    }
    if (core.empty()) core = all_;
    r.outcome = PhiOutcome::NonExistent;
    cores_.push_back(core);
    r.conflict = deletion_minimal();
    r.counterfactual = counterfactuals(r.conflict);
    return r;
  }

 private:
  // For each unknown in order: the least |v|, then v >= 0 (Bool: false
  // first), fixed before the next is chosen.
  std::vector<std::int64_t> canonical_witness() {
    std::vector<std::int64_t> values(problem_.unknowns.size(), 0);
    solver_.push();
    for (std::uint32_t u = 0; u < problem_.unknowns.size(); ++u) {
      values[u] = problem_.unknowns[u].sort == PhiSort::Bool ? choose_bool(u) : choose_int(u);
      solver_.fix(u, values[u]);
    }
    solver_.pop();
    return values;
  }

  std::int64_t choose_bool(std::uint32_t u) {
    solver_.push();
    solver_.fix(u, 0);
    Answer a = checked(solver_.check(all_, nullptr));
    solver_.pop();
    return a == Answer::Sat ? 0 : 1;
  }

  std::int64_t choose_int(std::uint32_t u) {
    // A model under the values fixed so far bounds the search from above.
    if (checked(solver_.check(all_, nullptr)) != Answer::Sat) throw Undecided{};
    std::uint64_t hi = magnitude(solver_.model_value(u));
    std::uint64_t lo = 0;
    while (lo < hi) {
      std::uint64_t mid = lo + (hi - lo) / 2;
      solver_.push();
      solver_.bound_magnitude(u, mid);
      if (checked(solver_.check(all_, nullptr)) == Answer::Sat) {
        hi = std::min(mid, magnitude(solver_.model_value(u)));
      } else {
        lo = mid + 1;
      }
      solver_.pop();
    }
    if (lo == 0) return 0;
    if (lo > static_cast<std::uint64_t>(INT64_MAX)) return INT64_MIN;  // |v| = 2^63: only the least i64
    const auto positive = static_cast<std::int64_t>(lo);
    solver_.push();
    solver_.fix(u, positive);
    Answer a = checked(solver_.check(all_, nullptr));
    solver_.pop();
    return a == Answer::Sat ? positive : -positive;
  }

  // Whether `active` is inadmissible, from a known core when one proves it.
  bool inadmissible(const std::vector<std::uint32_t>& active) {
    for (const std::vector<std::uint32_t>& core : cores_) {
      if (std::all_of(core.begin(), core.end(), [&](std::uint32_t c) { return contains(active, c); })) return true;
    }
    std::vector<std::uint32_t> core;
    if (checked(solver_.check(active, &core)) == Answer::Sat) return false;
    if (core.empty()) core = active;
    cores_.push_back(std::move(core));
    return true;
  }

  // Start from all constraints in body order, drop each in turn, and keep
  // the drop whenever the rest is still inadmissible.
  std::vector<std::uint32_t> deletion_minimal() {
    std::vector<std::uint32_t> kept = all_;
    for (std::uint32_t c : all_) {
      std::vector<std::uint32_t> rest;
      for (std::uint32_t k : kept) {
        if (k != c) rest.push_back(k);
      }
      if (inadmissible(rest)) kept = std::move(rest);
    }
    return kept;
  }

  // The constraints whose removal alone, from all of them, makes the
  // program admissible. Each is in every inadmissible set, so in the conflict.
  std::vector<std::uint32_t> counterfactuals(const std::vector<std::uint32_t>& conflict) {
    std::vector<std::uint32_t> out;
    for (std::uint32_t c : conflict) {
      std::vector<std::uint32_t> rest;
      for (std::uint32_t k : all_) {
        if (k != c) rest.push_back(k);
      }
      if (!inadmissible(rest)) out.push_back(c);
    }
    return out;
  }

  const PhiProblem& problem_;
  PhiSolver& solver_;
  std::vector<std::uint32_t> all_;
  std::vector<std::vector<std::uint32_t>> cores_;  // every inadmissible set found
};

PhiSolverFactory& factory_slot() {
  static PhiSolverFactory factory = [] { return make_z3_phi_solver(); };
  return factory;
}

}  // namespace

PhiResolution resolve_phi_problem(const PhiProblem& problem, PhiSolver& solver) {
  try {
    return Resolver(problem, solver).run();
  } catch (const Undecided&) {
    PhiResolution r;
    r.outcome = PhiOutcome::Undecided;
    r.constraints = problem.constraints;
    return r;
  }
}

const PhiSolverFactory& phi_solver_factory() { return factory_slot(); }

void set_phi_solver_factory(PhiSolverFactory factory) { factory_slot() = std::move(factory); }

void prepare_phi(const Program& program, RunConfig& config) {
  config.phi_resolution.reset();
  if (config.phi != PhiMode::Resolve || !program.valid) return;
  std::int32_t entry = program.find_proc(config.entry);
  if (entry < 0 || program.procs[static_cast<std::uint32_t>(entry)].regime != Regime::Phi) return;
  PhiProblem problem;
  PhiResolution r;
  if (!build_phi_problem(program, static_cast<std::uint32_t>(entry), problem, r.error)) {
    r.outcome = PhiOutcome::Invalid;
    config.phi_resolution = std::move(r);
    return;
  }
  std::unique_ptr<PhiSolver> solver = phi_solver_factory() ? phi_solver_factory()() : nullptr;
  if (solver == nullptr) {
    r.outcome = PhiOutcome::Undecided;
    r.constraints = problem.constraints;
    config.phi_resolution = std::move(r);
    return;
  }
  config.phi_resolution = resolve_phi_problem(problem, *solver);
}

}  // namespace dust
