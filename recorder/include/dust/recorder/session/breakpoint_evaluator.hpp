// breakpoint_evaluator.hpp — which steps of a recording stop a movement.
//
// A plain breakpoint is decided from the step table alone: the step begins
// its statement. A breakpoint with a condition, a hit condition, a thread
// filter or a log message is evaluated over the whole recording once (when
// prepared, and again only after the breakpoints change): its hits are the
// steps beginning its statement on the right thread where the condition
// held, counted from the start of the run and kept by the hit condition. A
// logpoint's hits carry their message and never stop. Because hits are
// facts of the recording, continue and reverse-continue agree on them.
//
// Data breakpoints stop at writes. Backwards, the step is the recorder's
// last-write answer, so reverse-continuing to a data breakpoint lands where
// `dustrun inspect --last-write` says; forwards, the first later step whose
// writes match the same way.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dust/recorder/session/breakpoints.hpp"
#include "dust/recorder/session/step_table.hpp"
#include "dust/recorder/trace_reader.hpp"

namespace dust::session {

struct LogHit {
  std::uint64_t step = 0;
  std::uint32_t thread = 0;
  std::uint32_t stmt = 0;
  std::string message;  // the log message with its holes filled
};

// What evaluating one breakpoint over the recording found.
struct BreakpointHits {
  Breakpoint breakpoint;            // as evaluated
  std::vector<std::uint64_t> steps; // where it stops (a logpoint: where it logs), ascending
  std::vector<LogHit> log;          // a logpoint's hits, one per step
  std::string error;                // the condition does not compile, the first failed evaluation, ...
};

class BreakpointEvaluator {
 public:
  // `reader` may be null: then only plain breakpoints and no data
  // breakpoints take effect (a table built by a test).
  BreakpointEvaluator(const Breakpoints& breakpoints, StepTable& steps, rec::TraceReader* reader);

  const Breakpoints& breakpoints() const { return breakpoints_; }

  // Evaluates every breakpoint that needs it and is not evaluated yet.
  // Call it outside any bounded scan of the step table (it walks the whole
  // table); stops_at() calls it too.
  void prepare();

  // Whether step `s` (`info` its facts) stops a movement at a statement
  // breakpoint. `s` must begin its statement (Navigator::is_continuation).
  bool stops_at(std::uint64_t s, const StepInfo& info);

  // The evaluated hits of the breakpoint on `stmt`, if it needs evaluation.
  const BreakpointHits* hits(std::uint32_t stmt);
  // Every logpoint hit in steps [first, last), in step order.
  std::vector<LogHit> log_hits(std::uint64_t first, std::uint64_t last);
  // Problems met evaluating breakpoints, one line each.
  std::vector<std::string> errors();

  // The first step in [from, to) that writes a watched binding or cell.
  std::optional<std::uint64_t> next_data_write(std::uint64_t from, std::uint64_t to);
  // The last step in [from, before) that does.
  std::optional<std::uint64_t> previous_data_write(std::uint64_t before, std::uint64_t from);
  // The data breakpoints step `s` writes, described.
  std::vector<std::string> data_hits_at(std::uint64_t s);

 private:
  BreakpointHits evaluate(const Breakpoint& bp);
  // The single places where a data breakpoint meets the recorder's queries.
  std::optional<std::uint64_t> last_write_of(const DataBreakpoint& d, std::uint64_t before);
  bool writes(const StepEvent& e, const DataBreakpoint& d) const;

  const Breakpoints& breakpoints_;
  StepTable& steps_;
  rec::TraceReader* reader_;
  std::map<std::uint32_t, BreakpointHits> evaluated_;  // by statement
  std::uint64_t revision_ = UINT64_MAX;
};

// A logpoint's message with each `{expr}` replaced by the expression's
// value in frame `frame` of `thread` (`{{` and `}}` are literal braces); a
// hole that fails reads `{expr: error}`.
std::string interpolate_log_message(const std::string& message, const Machine& machine, std::uint32_t thread,
                                    std::uint32_t frame);

}  // namespace dust::session
