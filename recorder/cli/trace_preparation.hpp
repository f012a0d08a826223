// trace_preparation.hpp — a reader's one-off preparation before a
// command's queries: a checkpoint trace re-derives its steps
// (TraceReader::prepare), which for a long run takes seconds, so a command
// says how far it got rather than sitting silent.
#pragma once

#include <cstdint>

#include "dust/recorder/trace_reader.hpp"

namespace dust::cli {

// A preparation of more steps than this is worth a progress line.
inline constexpr std::uint64_t kLongPreparationSteps = 1000000;

// Prepares `reader` now; with `show`, prints "<command>: re-deriving ..."
// lines on stderr at each tenth of the way. The queries after it then
// answer at once; nothing here changes what they answer.
void prepare_reader(rec::TraceReader& reader, const char* command, bool show);

}  // namespace dust::cli
