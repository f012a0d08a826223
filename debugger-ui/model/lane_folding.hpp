// lane_folding.hpp — turning a lane's spans into what can be seen.
//
// As in Tracy, lane data is preprocessed before drawing: spans outside the
// visible range are culled, and runs of spans narrower than a few pixels
// are folded into one marker that counts them (a fold spans at most four
// times the fold width, and touching folds of one style then merge into
// one bar, so a zoomed-out lane is a handful of rectangles). Every span has a style
// whose number is its importance; a folded marker takes the most important
// style of what it holds, and spans at or above `important` (a lock wait,
// a violation, a failure) are never folded away and always get at least
// `min_px` of width, so a wait is visible at any zoom.
#pragma once

#include <cstdint>
#include <vector>

#include "model/time_axis.hpp"

namespace dust::dbg {

struct Span {
  std::uint64_t first = 0;  // steps [first, last)
  std::uint64_t last = 0;
  std::uint8_t style = 0;
  std::uint32_t ref = 0;    // index of the detail behind it
  // Already folded by the query API (it folds what is narrower than the
  // width it was asked for): `count` spans, `style` the most important.
  bool folded = false;
  std::uint32_t count = 1;
};

struct LaneItem {
  float x0 = 0;
  float x1 = 0;
  std::uint8_t style = 0;
  bool folded = false;
  std::uint32_t count = 1;  // spans held
  std::uint32_t ref = 0;    // the first span's ref
};

struct FoldParams {
  double width_px = 0;
  float min_px = 3.0f;
  std::uint8_t important = 255;  // styles >= this are never hidden
  bool disjoint = true;          // false: spans may overlap (waits of several threads)
};

// Appends to `out` the visible, folded items of `spans` (sorted by first,
// not overlapping). `out` is not cleared, so callers reuse its buffer.
void fold_spans(const std::vector<Span>& spans, const TimeAxis& axis, const FoldParams& params,
                std::vector<LaneItem>& out);

// The same for instants (an effect, a Φ check): spans of one step each
// (last = first + 1), drawn as markers rather than bars.
void fold_instants(const std::vector<Span>& instants, const TimeAxis& axis, const FoldParams& params,
                   std::vector<LaneItem>& out);

}  // namespace dust::dbg
