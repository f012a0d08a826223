// session_names.hpp — the recorder's replay-session vocabulary in the window's namespace.
//
// Stepping, breakpoints, the step table and the listing live in the
// recorder (dust/recorder/session/), so that the window and the DAP server
// give next, step in, step out and continue one meaning. The window's code
// names them as its own; these declarations say where they come from.
#pragma once

#include "dust/recorder/session/breakpoints.hpp"
#include "dust/recorder/session/dir_pretty.hpp"
#include "dust/recorder/session/navigation.hpp"
#include "dust/recorder/session/program_listing.hpp"
#include "dust/recorder/session/step_table.hpp"

namespace dust::dbg {

using session::Breakpoint;
using session::Breakpoints;
using session::decompile_expression;
using session::dir_string_literal;
using session::ListingLine;
using session::Navigator;
using session::proc_signature;
using session::ProgramListing;
using session::ReaderStepSource;
using session::statement_text;
using session::StepInfo;
using session::StepSource;
using session::StepTable;
using session::Stop;
using session::stop_reason_name;
using session::StopReason;

}  // namespace dust::dbg
