// time_axis.hpp — the timeline's horizontal axis: which steps are visible
// and where they fall in pixels.
//
// The visible range is kept in fractional steps so zooming about the mouse
// is smooth and reversible; it never leaves [0, steps] (an empty run counts
// as one step) and never gets narrower than kMinVisibleSteps, or the whole
// run when that is shorter.
#pragma once

#include <cstdint>

namespace dust::dbg {

struct TimeRange {
  double first = 0;
  double last = 1;
  double width() const { return last - first; }
  friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

class TimeAxis {
 public:
  static constexpr double kMinVisibleSteps = 8;

  // The whole run is [0, steps]; shows all of it.
  void set_extent(std::uint64_t steps);
  std::uint64_t extent() const { return extent_; }
  const TimeRange& visible() const { return visible_; }
  void set_visible(double first, double last);

  double step_to_x(double step, double width_px) const;
  double x_to_step(double x, double width_px) const;
  // The step boundary nearest to pixel `x`, clamped to [0, steps]: where a
  // click or a scrub puts the cursor.
  std::uint64_t cursor_at_x(double x, double width_px) const;
  double steps_per_pixel(double width_px) const;

  // factor < 1 zooms in, > 1 out; `anchor` stays at the same pixel.
  void zoom(double factor, double anchor);
  void pan_steps(double delta);
  void pan_pixels(double dx, double width_px);
  void fit();
  // Moves (without zooming) so that `step` is inside the middle 90%.
  void reveal(double step);

 private:
  void clamp();

  std::uint64_t extent_ = 1;
  TimeRange visible_{0, 1};
};

}  // namespace dust::dbg
