// open_recording.hpp — opening a recording for a debugging session, the
// window's (dustdbg) or an editor's (the DAP adapter): a trace whose
// reader opens and that holds the program a session shows. Traces of the
// first formats embed none; `dustrun inspect` still reads those, a session
// cannot.
#pragma once

#include <memory>
#include <string>

#include "dust/recorder/trace_reader.hpp"

namespace dust::session {

// The reader of the recording at `path`, or null with `error` naming the file.
std::unique_ptr<rec::TraceReader> open_recording(const std::string& path, const IntrinsicTable& intrinsics,
                                                 std::string& error);

}  // namespace dust::session
