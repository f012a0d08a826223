// phi_resolved.cpp — a Φ entry under `--phi resolve` (semantics doc Part 3).
//
// The machine never calls a solver: the resolution was decided before the
// run (core/solve, prepare_phi) or read from a recording, and travels in the
// RunConfig. An admissible entry starts with its unknowns bound to the
// canonical witness and runs like any other proc (Constrain is checked
// again, Return returns); any other outcome fails the first step with
// nothing executed. The other resolve-mode differences are one-line tests
// where v0.1's rules live (calls.cpp, regimes.cpp).
#include <string_view>
#include <unordered_map>

#include "step_runner.hpp"

namespace dust {

namespace {

// Whether a Prove's `from` names an unknown of `proc` (`prove w from c`),
// or one of a shape unknown's fields (`c.x`).
bool names_unknown(const Proc& proc, std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  for (const Param& param : proc.params) {
    if (text == param.name) return true;
    if (text.size() > param.name.size() && text.substr(0, param.name.size()) == param.name &&
        text[param.name.size()] == '.') {
      return true;
    }
  }
  return false;
}

}  // namespace

bool StepRunner::start_resolved_phi(std::uint32_t entry) {
  ev_.kind = StepKind::Validate;
  ev_.proc = entry;
  if (!m_.config.phi_resolution) {
    fail(ErrorKind::UnsupportedRegime, "Φ resolution missing: the run was started without resolving its Φ entry");
    return false;
  }
  const PhiResolution& r = *m_.config.phi_resolution;
  const std::vector<bool> in_conflict = r.conflict_members();
  for (std::uint32_t i = 0; i < r.constraints.size(); ++i) {
    bool held = r.outcome == PhiOutcome::Admissible;
    if (held || in_conflict[i]) {
      ev_.phi.push_back(PhiEvent{held ? PhiEventKind::ConstraintHeld : PhiEventKind::ConstraintFailed,
                                 r.constraints[i].text, ""});
    }
  }
  if (r.outcome != PhiOutcome::Admissible) {
    fail(phi_failure(r));
    return false;
  }
  const Proc& proc = p_.procs[entry];
  std::vector<Value> args;
  // Each param's witness value, found through one map of the witness (the
  // last entry for a name stands), not by a search of it per param: both
  // come from a configuration that may be recorded elsewhere.
  std::unordered_map<std::string_view, const Value*> witness;
  for (const auto& [name, value] : r.witness) witness[name] = &value;
  for (const Param& param : proc.params) {
    auto found = witness.find(param.name);
    args.push_back(found != witness.end() ? *found->second : Value{});
  }
  Thread main;
  main.id = 0;
  main.entry_proc = entry;
  m_.threads.push_back(std::move(main));
  m_.current = 0;
  ev_.thread = 0;
  ev_.kind = StepKind::Statement;
  if (auto error = push_frame(0, entry, args)) {
    fail(std::move(*error));
    return false;
  }
  settle(0);
  return !m_.done();
}

// Prove binds a witness: of its predicate when that is a Bool (which must
// hold), or of the configuration when `from` names an unknown.
void StepRunner::exec_resolved_prove(std::uint32_t tid, const Stmt& s) {
  Value v;
  if (evaluate(tid, s.expr, v) != Flow::Done) return;
  std::string text(p_.texts.get(s.text));
  std::string digest;
  if (v.is_bool()) {
    if (!v.as_bool()) {
      fail(ErrorKind::Inadmissible, "constraint failed: " + text);
      return;
    }
    digest = "pred:" + text;
  } else if (names_unknown(p_.procs[m_.threads[tid].frames.back().proc], text)) {
    digest = "config:" + text;
  } else {
    fail(ErrorKind::ConstraintFailure, "constraint predicate did not evaluate to bool");
    return;
  }
  write_slot(tid, s.slot, make_witness(digest));
  complete(tid);
}

}  // namespace dust
