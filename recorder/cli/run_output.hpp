// run_output.hpp — what dustrun prints for a finished run, shared by a
// plain run and a replay (which must print exactly what the run printed).
#pragma once

#include "dust/machine.hpp"
#include "run_options.hpp"

namespace dust::cli {

// Prints the outcome as the options ask (human text, trace JSON, the
// failure line on stderr) and returns the exit code.
int print_outcome(const Machine& machine, const RunOptions& options);

}  // namespace dust::cli
