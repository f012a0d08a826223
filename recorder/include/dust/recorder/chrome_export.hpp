// chrome_export.hpp — a recording as a Chrome Trace Event Format timeline.
//
// `dustrun export --chrome run.dtrace -o run.json` writes what
// ui.perfetto.dev, chrome://tracing and Tracy's importer open:
//   - one track per K-thread (named by `M` thread_name events), with a span
//     per call and, inside it, a span per statement; a statement that calls
//     encloses the call, so spans nest properly on every track;
//   - `blocked` spans while a thread waits (inside the waiting statement);
//   - one track per mutex with its holds, and flow arrows from each unlock
//     to the next lock of that mutex;
//   - instant events for effects and for the failure;
//   - a counter track of live heap bytes.
// Time is the machine's logical clock: one tick is one microsecond (`ts` is
// in microseconds), written in the file's `metadata`. A step that does not
// tick (a call entered, a return, a wait) takes no time. Events are written
// in the order their spans begin, so time never goes back along a track.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "dust/recorder/trace_reader.hpp"

namespace dust::rec {

struct ChromeExportOptions {
  std::uint64_t from = 0;                 // steps [from, to)
  std::optional<std::uint64_t> to;        // none: to the end
  // Called now and then with (steps done, steps in all); may be empty.
  std::function<void(std::uint64_t, std::uint64_t)> progress;
};

// Writes the timeline; false with `error` set when the range is empty or
// outside the recording, or the reader fails.
bool export_chrome_trace(TraceReader& reader, const ChromeExportOptions& options, std::ostream& out,
                         std::string& error);

}  // namespace dust::rec
