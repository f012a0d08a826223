// state_walker.cpp — one machine stepped forward, or rebuilt from a keyframe.
#include "dust/recorder/session/state_walker.hpp"

namespace dust::session {

const Machine& StateWalker::at(std::uint64_t step) {
  if (!machine_ || step < step_ || step - step_ > kMaxWalk) {
    machine_.emplace(reader_.state_at(step));
    step_ = step;
  }
  while (step_ < step && !machine_->done()) {
    event_.reset();
    machine_->step(event_, false);
    ++step_;
  }
  return *machine_;
}

}  // namespace dust::session
