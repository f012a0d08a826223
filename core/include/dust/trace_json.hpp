// trace_json.hpp — the conformance trace: the JSON a run's outcome is
// compared by (semantics doc §1.4).
#pragma once

#include <string>

#include "dust/error.hpp"
#include "dust/machine.hpp"

namespace dust {

// The trace of a finished (or failed) machine, pretty-printed as the
// reference's serde_json::to_string_pretty.
std::string outcome_trace_json(const Machine& machine);

// The trace of an error raised before any machine existed (a load error).
std::string error_trace_json(const DvmError& error);

}  // namespace dust
