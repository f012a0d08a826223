// view_state.cpp — the cursor and its invariants.
#include "model/view_state.hpp"

namespace dust::dbg {

void ViewState::reset(std::uint64_t steps) {
  steps_ = steps;
  cursor_ = 0;
  ++cursor_revision_;
  focus_thread_ = 0;
  axis_.set_extent(steps);
  breakpoints_.clear();
  selection_ = Selection{};
  status_.clear();
  notices_.clear();
}

const std::string& ViewState::status() const {
  static const std::string kNone;
  return status_revision_ == cursor_revision_ ? status_ : kNone;
}

void ViewState::set_status(std::string text) {
  status_ = std::move(text);
  status_revision_ = cursor_revision_;
}

void ViewState::dismiss_notice(std::size_t index) {
  if (index < notices_.size() && notices_[index].dismissable) {
    notices_.erase(notices_.begin() + static_cast<std::ptrdiff_t>(index));
  }
}

void ViewState::set_cursor(std::uint64_t step) {
  std::uint64_t clamped = step < steps_ ? step : steps_;
  if (clamped != cursor_) {
    cursor_ = clamped;
    ++cursor_revision_;
  }
  axis_.reveal(static_cast<double>(cursor_));
}

}  // namespace dust::dbg
