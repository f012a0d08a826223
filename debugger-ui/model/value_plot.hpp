// value_plot.hpp — "value over time": an Int binding or a memory cell
// sampled across the visible part of the timeline.
//
// The selection (a binding in its thread and frame, or a memory cell) is
// read from the recorded state at evenly spaced steps of the visible range
// (every step when few are visible). Samples where it has no Int value (the
// frame not yet entered, the block not yet allocated) are marked unknown.
// The plot is kept until the selection, the range or the sample count
// changes, so an idle frame, or one that only moves the cursor, reads
// nothing and allocates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dust/recorder/trace_reader.hpp"
#include "model/time_axis.hpp"
#include "model/view_state.hpp"

namespace dust::dbg {

struct ValuePlot {
  std::string subject;             // "n (T0 frame 1)", "memory 16777216"
  std::vector<std::uint64_t> steps;
  std::vector<float> values;       // for drawing
  std::vector<std::int64_t> exact; // the values as recorded
  std::vector<std::uint8_t> known; // 0: no Int value at that step
  std::int64_t min = 0, max = 0;   // over the known samples
  std::size_t known_count = 0;
};

class ValuePlotter {
 public:
  static constexpr std::size_t kMaxSamples = 96;

  // The plot of `selection` over `visible`, or null when the selection is
  // not something that has a value over time (a mutex, a Q resource).
  const ValuePlot* plot(rec::TraceReader& reader, const Selection& selection, TimeRange visible, std::uint64_t steps);
  std::uint64_t rebuilds() const { return rebuilds_; }

 private:
  void rebuild(rec::TraceReader& reader, const Selection& selection, TimeRange visible, std::uint64_t steps);

  ValuePlot plot_;
  Selection cached_selection_;
  TimeRange cached_range_{-1, -1};
  std::uint64_t cached_steps_ = 0;
  std::uint64_t rebuilds_ = 0;
};

// The Int value of `selection` in `machine`, if it has one there.
std::optional<std::int64_t> selected_int(const Machine& machine, const Selection& selection);

}  // namespace dust::dbg
