// run_output.cpp — the human-readable and JSON forms of a run's outcome.
#include "run_output.hpp"

#include <cstdio>
#include <iostream>
#include <string>

#include "commands.hpp"
#include "dust/trace_json.hpp"
#include "dustlib_k/dustlib_k.hpp"

namespace dust::cli {

namespace {

void print_human(const Machine& machine, const RunOptions& options) {
  const RunOutcome& outcome = machine.outcome;
  std::string out;
  out += "return: " + (outcome.returned ? render_human(*outcome.returned) : std::string("<none>")) + "\n";
  if (machine.effects.empty()) {
    out += "effects: <none>\n";
  } else {
    out += "effects:\n";
    std::size_t i = 0;
    for (const EffectEvent& e : machine.effects) {
      out += "  " + std::to_string(++i) + ". " + e.kind + " " + e.payload + "\n";
    }
  }
  out += "time.ticks: " + std::to_string(machine.tick) + "\n";
  out += std::string("effect_mode: ") + effect_mode_name(options.config.effects) + "\n";
  out += "entry: " + options.config.entry + "\n";
  // An admissible Φ entry: the witness the run started from.
  if (machine.config.phi_resolution && machine.config.phi_resolution->outcome == PhiOutcome::Admissible) {
    for (const std::string& line : phi_explanation(*machine.config.phi_resolution)) out += line + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

int print_outcome(const Machine& machine, const RunOptions& options) {
  bool failed = machine.outcome.status == MachineStatus::Failed;
  if (options.emit_trace) {
    std::string json = outcome_trace_json(machine);
    json += "\n";
    std::fwrite(json.data(), 1, json.size(), stdout);
  } else if (!failed && !options.quiet) {
    print_human(machine, options);
  }
  std::fflush(stdout);
  // Leaks, open files, held mutexes and unjoined threads are worth knowing
  // about a run that succeeded; after a failure they are noise.
  if (!failed && !options.quiet) {
    for (const std::string& warning : k::exit_warnings(machine)) std::cerr << "dustrun: warning: " << warning << "\n";
    // A Q resource never consumed is an implicit discard, which the DPL
    // forbids; v0.1 accepts it, so it is a warning and the result stands.
    for (const QResource& r : machine.q.resources) {
      if (r.state != QResourceState::Consumed) std::cerr << "dustrun: warning: Q resource " << r.id << " never consumed\n";
    }
  }
  if (failed) {
    if (!options.quiet) std::cerr << "dustrun: " << machine.outcome.error.display() << "\n";
    // Why no configuration exists: the conflict and the counterfactuals.
    const std::optional<PhiResolution>& phi = machine.config.phi_resolution;
    if (!options.quiet && phi && (phi->outcome == PhiOutcome::NonExistent || phi->outcome == PhiOutcome::Undecided)) {
      for (const std::string& line : phi_explanation(*phi)) std::cerr << line << "\n";
    }
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace dust::cli
