// navigation.cpp — step, step over, step out, continue, both directions.
#include "model/navigation.hpp"

namespace dust::dbg {

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::Stepped: return "stepped";
    case StopReason::Breakpoint: return "breakpoint";
    case StopReason::Failure: return "failure";
    case StopReason::Start: return "start";
    case StopReason::End: return "end";
    case StopReason::ThreadDone: return "thread has no more steps";
  }
  return "stepped";
}

Stop Navigator::land(std::uint64_t step) {
  std::uint64_t end = steps_.size();
  if (step >= end) return Stop{end, StopReason::End};
  if (failure_ && step == *failure_) return Stop{step, StopReason::Failure};
  if (step == 0) return Stop{0, StopReason::Start};
  return Stop{step, StopReason::Stepped};
}

Stop Navigator::after_thread(std::uint64_t last_thread_step) {
  if (failure_ && *failure_ > last_thread_step) return land(*failure_);
  return land(last_thread_step + 1);
}

Stop Navigator::go_to(std::uint64_t step) { return land(step < steps_.size() ? step : steps_.size()); }

bool Navigator::is_continuation(std::uint64_t s) {
  if (s >= steps_.size()) return false;
  StepInfo here = steps_.at(s);
  auto prev = steps_.prev_of_thread(s, here.thread);
  if (!prev) return false;
  StepInfo before = steps_.at(*prev);
  if (before.depth > here.depth) return true;  // a callee returned into this statement
  return before.kind == StepKind::Blocked && before.depth == here.depth && before.stmt == here.stmt;
}

bool Navigator::hits_breakpoint(std::uint64_t s) {
  StepInfo info = steps_.at(s);
  if (info.stmt == kNoStmt || !breakpoints_.active(info.stmt)) return false;
  return !is_continuation(s);
}

std::optional<std::uint32_t> Navigator::depth_at(std::uint64_t cursor, std::uint32_t thread) {
  if (auto s = steps_.next_of_thread(cursor, thread)) return steps_.at(*s).depth;
  if (auto p = steps_.prev_of_thread(cursor, thread)) return steps_.at(*p).depth;
  return std::nullopt;
}

Stop Navigator::step_into(std::uint64_t cursor, std::uint32_t thread) {
  auto current = steps_.next_of_thread(cursor, thread);
  if (!current) return Stop{cursor, StopReason::ThreadDone};
  if (failure_ && *current >= *failure_) return land(*current + 1);
  auto next = steps_.find_forward(*current + 1, [&](std::uint64_t, const StepInfo& s) {
    return s.thread == thread || s.kind == StepKind::Failed;
  });
  return next ? land(*next) : after_thread(*current);
}

Stop Navigator::step_over(std::uint64_t cursor, std::uint32_t thread) {
  auto current = steps_.next_of_thread(cursor, thread);
  if (!current) return Stop{cursor, StopReason::ThreadDone};
  if (failure_ && *current >= *failure_) return land(*current + 1);
  std::uint32_t depth = steps_.at(*current).depth;
  std::uint64_t last_seen = *current;
  auto next = steps_.find_forward(*current + 1, [&](std::uint64_t s, const StepInfo& info) {
    if (info.kind == StepKind::Failed) return true;
    if (info.thread != thread) return false;
    last_seen = s;
    if (info.depth < depth) return true;
    return info.depth == depth && !is_continuation(s);
  });
  return next ? land(*next) : after_thread(last_seen);
}

Stop Navigator::step_out(std::uint64_t cursor, std::uint32_t thread) {
  auto current = steps_.next_of_thread(cursor, thread);
  if (!current) return Stop{cursor, StopReason::ThreadDone};
  if (failure_ && *current >= *failure_) return land(*current + 1);
  std::uint32_t depth = steps_.at(*current).depth;
  std::uint64_t last_seen = *current;
  auto next = steps_.find_forward(*current + 1, [&](std::uint64_t s, const StepInfo& info) {
    if (info.kind == StepKind::Failed) return true;
    if (info.thread != thread) return false;
    last_seen = s;
    return info.depth < depth;
  });
  return next ? land(*next) : after_thread(last_seen);
}

Stop Navigator::reverse_step_into(std::uint64_t cursor, std::uint32_t thread) {
  auto prev = steps_.prev_of_thread(cursor, thread);
  if (!prev) return Stop{cursor, StopReason::ThreadDone};
  return land(*prev);
}

Stop Navigator::reverse_step_over(std::uint64_t cursor, std::uint32_t thread) {
  auto depth = depth_at(cursor, thread);
  if (!depth) return Stop{cursor, StopReason::ThreadDone};
  auto prev = steps_.find_backward(cursor, [&](std::uint64_t, const StepInfo& s) {
    return s.thread == thread && s.depth <= *depth;
  });
  if (!prev) return Stop{cursor, StopReason::ThreadDone};
  if (steps_.at(*prev).depth < *depth) return land(*prev);
  // Walk back to the step that began this execution of the statement.
  std::uint64_t start = *prev;
  while (is_continuation(start)) {
    auto earlier = steps_.find_backward(start, [&](std::uint64_t, const StepInfo& s) {
      return s.thread == thread && s.depth <= *depth;
    });
    if (!earlier || steps_.at(*earlier).depth < *depth) break;
    start = *earlier;
  }
  return land(start);
}

Stop Navigator::reverse_step_out(std::uint64_t cursor, std::uint32_t thread) {
  auto depth = depth_at(cursor, thread);
  if (!depth) return Stop{cursor, StopReason::ThreadDone};
  auto caller = steps_.find_backward(cursor, [&](std::uint64_t, const StepInfo& s) {
    return s.thread == thread && s.depth < *depth;
  });
  if (!caller) return land(0);
  return land(*caller);
}

Stop Navigator::continue_forward(std::uint64_t cursor) {
  auto hit = steps_.find_forward(cursor + 1, [&](std::uint64_t s, const StepInfo& info) {
    if (info.kind == StepKind::Failed) return true;
    if (info.stmt == kNoStmt || !breakpoints_.active(info.stmt)) return false;
    return !is_continuation(s);
  });
  if (!hit) return land(steps_.size());
  Stop stop = land(*hit);
  if (stop.reason == StopReason::Stepped || stop.reason == StopReason::Start) stop.reason = StopReason::Breakpoint;
  return stop;
}

Stop Navigator::continue_reverse(std::uint64_t cursor) {
  auto hit = steps_.find_backward(cursor, [&](std::uint64_t s, const StepInfo& info) {
    if (info.stmt == kNoStmt || !breakpoints_.active(info.stmt)) return false;
    return !is_continuation(s);
  });
  if (!hit) return land(0);
  Stop stop = land(*hit);
  if (stop.reason != StopReason::Failure) stop.reason = StopReason::Breakpoint;
  return stop;
}

}  // namespace dust::dbg
