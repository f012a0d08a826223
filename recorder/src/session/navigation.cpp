// navigation.cpp — step, step over, step out, continue, both directions.
#include "dust/recorder/session/navigation.hpp"

namespace dust::session {

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::Stepped: return "stepped";
    case StopReason::Breakpoint: return "breakpoint";
    case StopReason::DataBreakpoint: return "data breakpoint";
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

bool Navigator::is_continuation(std::uint64_t s) { return resumes_statement(steps_, s); }

bool Navigator::hits_breakpoint(std::uint64_t s) {
  if (s >= steps_.size()) return false;
  StepInfo info = steps_.at(s);
  if (info.stmt == kNoStmt || !eval_.breakpoints().active(info.stmt)) return false;
  return !is_continuation(s) && eval_.stops_at(s, info);
}

std::optional<Stop> Navigator::first_stop_in(std::uint64_t from, std::uint64_t to) {
  auto hit = steps_.find_forward(from, [&](std::uint64_t s, const StepInfo& info) {
    if (s >= to || info.kind == StepKind::Failed) return true;
    if (info.stmt == kNoStmt || !eval_.breakpoints().active(info.stmt)) return false;
    return !is_continuation(s) && eval_.stops_at(s, info);
  });
  if (hit && *hit >= to) hit.reset();
  std::optional<std::uint64_t> write = eval_.next_data_write(from, hit ? *hit : to);
  if (write) {
    Stop stop = land(*write);
    if (stop.reason != StopReason::Failure) stop.reason = StopReason::DataBreakpoint;
    return stop;
  }
  if (!hit) return std::nullopt;
  Stop stop = land(*hit);
  if (stop.reason == StopReason::Stepped || stop.reason == StopReason::Start) stop.reason = StopReason::Breakpoint;
  return stop;
}

std::optional<Stop> Navigator::last_stop_in(std::uint64_t from, std::uint64_t to) {
  auto hit = steps_.find_backward(to, [&](std::uint64_t s, const StepInfo& info) {
    if (s < from) return true;
    if (info.stmt == kNoStmt || !eval_.breakpoints().active(info.stmt)) return false;
    return !is_continuation(s) && eval_.stops_at(s, info);
  });
  if (hit && *hit < from) hit.reset();
  std::optional<std::uint64_t> write = eval_.previous_data_write(to, hit ? *hit + 1 : from);
  if (write) {
    Stop stop = land(*write);
    if (stop.reason != StopReason::Failure) stop.reason = StopReason::DataBreakpoint;
    return stop;
  }
  if (!hit) return std::nullopt;
  Stop stop = land(*hit);
  if (stop.reason != StopReason::Failure) stop.reason = StopReason::Breakpoint;
  return stop;
}

Stop Navigator::stop_on_the_way(std::uint64_t current, Stop landed) {
  if (landed.reason == StopReason::ThreadDone || landed.step <= current + 1) return landed;
  return first_stop_in(current + 1, landed.step).value_or(landed);
}

Stop Navigator::stop_on_the_way_back(std::uint64_t cursor, Stop landed) {
  if (landed.reason == StopReason::ThreadDone || landed.step + 1 >= cursor) return landed;
  return last_stop_in(landed.step + 1, cursor).value_or(landed);
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
  return stop_on_the_way(*current, next ? land(*next) : after_thread(last_seen));
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
  return stop_on_the_way(*current, next ? land(*next) : after_thread(last_seen));
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
  return stop_on_the_way_back(cursor, land(start));
}

Stop Navigator::reverse_step_out(std::uint64_t cursor, std::uint32_t thread) {
  auto depth = depth_at(cursor, thread);
  if (!depth) return Stop{cursor, StopReason::ThreadDone};
  auto caller = steps_.find_backward(cursor, [&](std::uint64_t, const StepInfo& s) {
    return s.thread == thread && s.depth < *depth;
  });
  return stop_on_the_way_back(cursor, land(caller ? *caller : 0));
}

Stop Navigator::continue_forward(std::uint64_t cursor) {
  return first_stop_in(cursor + 1, steps_.size()).value_or(land(steps_.size()));
}

Stop Navigator::continue_reverse(std::uint64_t cursor) { return last_stop_in(0, cursor).value_or(land(0)); }

}  // namespace dust::session
