// phi_resolution.cpp — the outcome of Φ resolution as values: names, the
// failure a run ends with, and the explanation dustrun and the debugger
// show (see dust/phi.hpp). Deciding it is core/solve's.
#include <algorithm>

#include "dust/phi.hpp"

namespace dust {

const char* phi_mode_name(PhiMode m) { return m == PhiMode::Resolve ? "resolve" : "reference"; }

const char* phi_outcome_name(PhiOutcome o) {
  switch (o) {
    case PhiOutcome::Admissible: return "Admissible";
    case PhiOutcome::NonExistent: return "NonExistent";
    case PhiOutcome::Undecided: return "Undecided";
    case PhiOutcome::Invalid: return "Invalid";
  }
  return "Undecided";
}

bool PhiResolution::in_conflict(std::uint32_t constraint) const {
  return std::find(conflict.begin(), conflict.end(), constraint) != conflict.end();
}

bool PhiResolution::is_counterfactual(std::uint32_t constraint) const {
  return std::find(counterfactual.begin(), counterfactual.end(), constraint) != counterfactual.end();
}

namespace {

std::vector<bool> members(const std::vector<std::uint32_t>& indices, std::size_t constraints) {
  std::vector<bool> in(constraints, false);
  for (std::uint32_t i : indices) {
    if (i < constraints) in[i] = true;
  }
  return in;
}

}  // namespace

std::vector<bool> PhiResolution::conflict_members() const { return members(conflict, constraints.size()); }

std::vector<bool> PhiResolution::counterfactual_members() const { return members(counterfactual, constraints.size()); }

bool operator==(const PhiResolution& a, const PhiResolution& b) {
  return a.outcome == b.outcome && a.constraints == b.constraints && a.witness == b.witness &&
         a.conflict == b.conflict && a.counterfactual == b.counterfactual && a.error == b.error;
}

DvmError phi_failure(const PhiResolution& r) {
  switch (r.outcome) {
    case PhiOutcome::NonExistent: {
      std::string message = "no admissible configuration: ";
      for (std::size_t i = 0; i < r.conflict.size(); ++i) {
        if (i > 0) message += "; ";
        message += r.constraints[r.conflict[i]].text;
      }
      return DvmError{ErrorKind::Inadmissible, std::move(message)};
    }
    case PhiOutcome::Invalid: return r.error;
    case PhiOutcome::Admissible:
    case PhiOutcome::Undecided: break;
  }
  return DvmError{ErrorKind::UnsupportedRegime, "Φ resolution undecided within the resource limit"};
}

namespace {

std::string constraint_status(const PhiResolution& r, std::uint32_t i, const std::vector<bool>& conflict,
                              const std::vector<bool>& counterfactual) {
  switch (r.outcome) {
    case PhiOutcome::Admissible: return "holds";
    case PhiOutcome::NonExistent:
      if (counterfactual[i]) return std::string("conflict; ") + kPhiCounterfactualNote;
      return conflict[i] ? "conflict" : "not in the conflict";
    case PhiOutcome::Undecided: return "undecided";
    case PhiOutcome::Invalid: return "not checked";
  }
  return "undecided";
}

}  // namespace

std::vector<std::string> phi_explanation(const PhiResolution& r) {
  std::vector<std::string> lines;
  switch (r.outcome) {
    case PhiOutcome::Admissible: lines.push_back("Φ resolution: admissible"); break;
    case PhiOutcome::NonExistent: lines.push_back(std::string("Φ resolution: ") + kPhiNothingExecuted); break;
    case PhiOutcome::Undecided:
      lines.push_back("Φ resolution: undecided within the resource limit: nothing executed");
      break;
    case PhiOutcome::Invalid: lines.push_back("Φ resolution: " + r.error.message); return lines;
  }
  if (r.outcome == PhiOutcome::Admissible) {
    if (r.witness.empty()) lines.push_back("  witness: no unknowns");
    for (const auto& [name, value] : r.witness) lines.push_back("  witness: " + name + " = " + render_human(value));
  }
  if (r.constraints.empty()) lines.push_back("  constraints: none");
  const std::vector<bool> conflict = r.conflict_members();
  const std::vector<bool> counterfactual = r.counterfactual_members();
  for (std::uint32_t i = 0; i < r.constraints.size(); ++i) {
    lines.push_back("  [" + constraint_status(r, i, conflict, counterfactual) + "] " + r.constraints[i].text);
  }
  if (r.outcome == PhiOutcome::NonExistent) {
    lines.push_back("  conflict: " + std::to_string(r.conflict.size()) +
                    " constraints that cannot all hold (deletion-minimal: without any one of them, the others can)");
    if (r.counterfactual.empty()) lines.push_back("  counterfactuals: none (no single removal makes the program admissible)");
  }
  return lines;
}

}  // namespace dust
