// phi.hpp — the outcome of Φ resolution (semantics doc Part 3), as the
// machine, the trace JSON, the recorder and the debugger see it.
//
// Resolution itself (unknowns, constraints, the solver) is core/solve's,
// declared in phi_solver.hpp. It runs before a machine starts and its
// result travels in the RunConfig, so a machine, a snapshot and a replay
// hold the answer and never need the solver again.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dust/error.hpp"
#include "dust/value.hpp"

namespace dust {

// `--phi reference` (the default) keeps v0.1's refusal; `--phi resolve`
// decides existence with the solver.
enum class PhiMode : std::uint8_t { Reference, Resolve };
const char* phi_mode_name(PhiMode m);  // "reference", "resolve"

enum class PhiOutcome : std::uint8_t { Admissible, NonExistent, Undecided, Invalid };
const char* phi_outcome_name(PhiOutcome o);  // "Admissible", "NonExistent", "Undecided", "Invalid"

// One constraint of the entry: a Constrain, or a Prove whose predicate is
// a Bool expression, in body order, with its text as written.
struct PhiConstraint {
  std::uint32_t stmt = 0;
  std::string text;
  friend bool operator==(const PhiConstraint&, const PhiConstraint&) = default;
};

struct PhiResolution {
  PhiOutcome outcome = PhiOutcome::Undecided;
  std::vector<PhiConstraint> constraints;
  // Admissible: each unknown param and its canonical value, in param order.
  std::vector<std::pair<std::string, Value>> witness;
  // NonExistent: indices into `constraints`, in body order.
  std::vector<std::uint32_t> conflict;
  std::vector<std::uint32_t> counterfactual;
  // Invalid: why the entry cannot be resolved (DirValidate, unsupported type).
  DvmError error;

  bool in_conflict(std::uint32_t constraint) const;
  bool is_counterfactual(std::uint32_t constraint) const;
  // in_conflict and is_counterfactual for every constraint at once (bit i:
  // constraint i), for a pass over all of them: asked one by one they
  // cost the constraints times the conflict, which a recorded
  // configuration from elsewhere may make as long as it likes.
  std::vector<bool> conflict_members() const;
  std::vector<bool> counterfactual_members() const;

  friend bool operator==(const PhiResolution& a, const PhiResolution& b);
};

// The failure a resolution that is not Admissible ends the run with:
// Inadmissible `no admissible configuration: <c1>; <c2>`, UnsupportedRegime
// `Φ resolution undecided within the resource limit`, or the Invalid error.
DvmError phi_failure(const PhiResolution& r);

// What the debugger and dustrun say about it, line by line: the outcome,
// each constraint with its status, the witness or the conflict, the
// counterfactuals and the banner.
inline constexpr const char* kPhiNothingExecuted = "no admissible configuration: nothing executed";
inline constexpr const char* kPhiCounterfactualNote = "removing this alone makes the program admissible";
std::vector<std::string> phi_explanation(const PhiResolution& r);

}  // namespace dust
