// time_axis.cpp — zoom, pan and pixel mapping of the timeline.
#include "model/time_axis.hpp"

#include <algorithm>
#include <cmath>

namespace dust::dbg {

namespace {
// The whole run's width on the axis; an empty run still has one step.
double extent_width(std::uint64_t extent) { return std::max(static_cast<double>(extent), 1.0); }
// The narrowest visible range: a few steps, or the whole of a shorter run.
double min_width(std::uint64_t extent) { return std::min(TimeAxis::kMinVisibleSteps, extent_width(extent)); }
}  // namespace

void TimeAxis::set_extent(std::uint64_t steps) {
  extent_ = steps;
  fit();
}

void TimeAxis::fit() { visible_ = TimeRange{0, extent_width(extent_)}; }

void TimeAxis::set_visible(double first, double last) {
  visible_ = TimeRange{first, last};
  clamp();
}

void TimeAxis::clamp() {
  double total = extent_width(extent_);
  double width = std::clamp(visible_.width(), min_width(extent_), total);
  if (!std::isfinite(width)) width = total;
  double first = std::isfinite(visible_.first) ? visible_.first : 0;
  first = std::clamp(first, 0.0, total - width);
  visible_ = TimeRange{first, first + width};
}

double TimeAxis::step_to_x(double step, double width_px) const {
  return (step - visible_.first) / visible_.width() * width_px;
}

double TimeAxis::x_to_step(double x, double width_px) const {
  if (width_px <= 0) return visible_.first;
  return visible_.first + x / width_px * visible_.width();
}

std::uint64_t TimeAxis::cursor_at_x(double x, double width_px) const {
  double step = std::round(x_to_step(x, width_px));
  if (step <= 0) return 0;
  if (step >= static_cast<double>(extent_)) return extent_;
  return static_cast<std::uint64_t>(step);
}

double TimeAxis::steps_per_pixel(double width_px) const {
  return width_px > 0 ? visible_.width() / width_px : visible_.width();
}

void TimeAxis::zoom(double factor, double anchor) {
  if (!(factor > 0) || !std::isfinite(factor)) return;
  double total = extent_width(extent_);
  double width = std::clamp(visible_.width() * factor, min_width(extent_), total);
  double fraction = visible_.width() > 0 ? (anchor - visible_.first) / visible_.width() : 0.5;
  fraction = std::clamp(fraction, 0.0, 1.0);
  double first = anchor - fraction * width;
  visible_ = TimeRange{first, first + width};
  clamp();
}

void TimeAxis::pan_steps(double delta) {
  visible_ = TimeRange{visible_.first + delta, visible_.last + delta};
  clamp();
}

void TimeAxis::pan_pixels(double dx, double width_px) { pan_steps(-dx * steps_per_pixel(width_px)); }

void TimeAxis::reveal(double step) {
  double margin = visible_.width() * 0.05;
  if (step < visible_.first + margin) {
    pan_steps(step - (visible_.first + margin));
  } else if (step > visible_.last - margin) {
    pan_steps(step - (visible_.last - margin));
  }
}

}  // namespace dust::dbg
