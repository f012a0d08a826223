// breakpoint_evaluator.cpp — conditions, hit counts, logpoints and data
// breakpoints, evaluated over the recording.
#include "dust/recorder/session/breakpoint_evaluator.hpp"

#include <algorithm>

#include "dust/evaluate.hpp"
#include "dust/recorder/session/state_walker.hpp"

namespace dust::session {

namespace {

// The innermost frame of `thread`: the one its step runs in.
std::uint32_t innermost_frame(const Machine& m, std::uint32_t thread) {
  if (thread >= m.threads.size() || m.threads[thread].frames.empty()) return 0;
  return static_cast<std::uint32_t>(m.threads[thread].frames.size() - 1);
}

}  // namespace

std::string interpolate_log_message(const std::string& message, const Machine& machine, std::uint32_t thread,
                                    std::uint32_t frame) {
  std::string out;
  // Once a '{' finds no '}' after it, none later can: the search is not
  // made again, so a message of many unclosed braces costs its length, not
  // its length squared.
  bool closes_left = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if ((c == '{' || c == '}') && i + 1 < message.size() && message[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    std::size_t close = c == '{' && closes_left ? message.find('}', i + 1) : std::string::npos;
    if (close == std::string::npos) {
      closes_left = closes_left && c != '{';
      out += c;
      continue;
    }
    std::string expr = message.substr(i + 1, close - i - 1);
    std::string error;
    std::optional<Value> v = evaluate_in_frame(machine, thread, frame, expr, error);
    out += v ? render_human(*v) : "{" + expr + ": " + error + "}";
    i = close;
  }
  return out;
}

BreakpointEvaluator::BreakpointEvaluator(const Breakpoints& breakpoints, StepTable& steps, rec::TraceReader* reader)
    : breakpoints_(breakpoints), steps_(steps), reader_(reader) {}

void BreakpointEvaluator::prepare() {
  if (revision_ == breakpoints_.revision()) return;
  revision_ = breakpoints_.revision();
  std::map<std::uint32_t, BreakpointHits> fresh;
  for (const Breakpoint& bp : breakpoints_.all()) {
    if (bp.is_plain() || !bp.enabled) continue;
    auto old = evaluated_.find(bp.stmt);
    if (old != evaluated_.end() && old->second.breakpoint == bp) {
      fresh.emplace(bp.stmt, std::move(old->second));
    } else {
      fresh.emplace(bp.stmt, evaluate(bp));
    }
  }
  evaluated_ = std::move(fresh);
}

BreakpointHits BreakpointEvaluator::evaluate(const Breakpoint& bp) {
  BreakpointHits out;
  out.breakpoint = bp;
  std::optional<HitCondition> hit_condition;
  if (!bp.hit_condition.empty()) {
    hit_condition = parse_hit_condition(bp.hit_condition, out.error);
    if (!hit_condition) return out;
  }
  if (reader_ == nullptr || !reader_->program()) {
    out.error = "no recording to evaluate the breakpoint in";
    return out;
  }
  const Program& program = *reader_->program();
  if (bp.stmt >= program.stmts.size()) {
    out.error = "no statement " + std::to_string(bp.stmt);
    return out;
  }
  std::optional<FrameExpression> condition;
  if (!bp.condition.empty()) {
    condition.emplace(program, program.stmt_proc(bp.stmt), bp.condition);
    if (!condition->error().empty()) {
      out.error = "condition `" + bp.condition + "`: " + condition->error();
      return out;
    }
  }
  StateWalker walker(*reader_);
  std::uint64_t hit = 0;
  for (std::uint64_t s = 0; s < steps_.size(); ++s) {
    StepInfo info = steps_.at(s);
    if (info.stmt != bp.stmt || (bp.thread && info.thread != *bp.thread)) continue;
    if (resumes_statement(steps_, s)) continue;
    bool needs_state = condition.has_value() || bp.is_logpoint();
    const Machine* m = needs_state ? &walker.at(s) : nullptr;
    if (condition) {
      std::string error;
      std::optional<Value> v = condition->evaluate(*m, info.thread, innermost_frame(*m, info.thread), error);
      if (v && !v->is_bool()) error = "is not a Bool but " + render_human(*v);
      if (!error.empty()) {
        if (out.error.empty()) out.error = "condition `" + bp.condition + "` at step " + std::to_string(s) + ": " + error;
        continue;
      }
      if (!v->as_bool()) continue;
    }
    ++hit;
    if (hit_condition && !hit_condition->matches(hit)) continue;
    out.steps.push_back(s);
    if (bp.is_logpoint()) {
      out.log.push_back(LogHit{s, info.thread, bp.stmt,
                               interpolate_log_message(bp.log_message, *m, info.thread, innermost_frame(*m, info.thread))});
    }
  }
  return out;
}

bool BreakpointEvaluator::stops_at(std::uint64_t s, const StepInfo& info) {
  const Breakpoint* bp = breakpoints_.get(info.stmt);
  if (bp == nullptr || !bp->enabled || bp->is_logpoint()) return false;
  if (bp->is_plain()) return true;
  prepare();
  auto it = evaluated_.find(info.stmt);
  if (it == evaluated_.end()) return false;
  return std::binary_search(it->second.steps.begin(), it->second.steps.end(), s);
}

const BreakpointHits* BreakpointEvaluator::hits(std::uint32_t stmt) {
  prepare();
  auto it = evaluated_.find(stmt);
  return it == evaluated_.end() ? nullptr : &it->second;
}

std::vector<LogHit> BreakpointEvaluator::log_hits(std::uint64_t first, std::uint64_t last) {
  prepare();
  std::vector<LogHit> out;
  for (const auto& [stmt, hits] : evaluated_) {
    for (const LogHit& h : hits.log) {
      if (h.step >= first && h.step < last) out.push_back(h);
    }
  }
  std::sort(out.begin(), out.end(), [](const LogHit& a, const LogHit& b) { return a.step < b.step; });
  return out;
}

std::vector<std::string> BreakpointEvaluator::errors() {
  prepare();
  std::vector<std::string> out;
  for (const auto& [stmt, hits] : evaluated_) {
    if (!hits.error.empty()) out.push_back(hits.error);
  }
  return out;
}

// The recorder's frame-exact query, asked as a watch: a write of the name
// by any frame of the watched thread (of every thread when none is named),
// or the last store to the cell by any thread.
std::optional<std::uint64_t> BreakpointEvaluator::last_write_of(const DataBreakpoint& d, std::uint64_t before) {
  if (d.target == DataBreakpoint::Target::MemoryCell) {
    return reader_->last_write(d.query_name(), before, rec::FrameSelector{}).step;
  }
  std::optional<std::uint64_t> latest;
  const std::uint32_t first = d.thread.value_or(0);
  const std::uint32_t end = d.thread ? *d.thread + 1 : reader_->info().threads;
  for (std::uint32_t t = first; t < end; ++t) {
    std::optional<std::uint64_t> step =
        reader_->last_write(d.query_name(), before, rec::FrameSelector{t, std::nullopt, true}).step;
    if (step && (!latest || *step > *latest)) latest = step;
  }
  return latest;
}

// The same match as the recorder's last-write query: a binding of that name
// written in the step's own frame (on the watched thread), or a memory
// write covering the cell.
bool BreakpointEvaluator::writes(const StepEvent& e, const DataBreakpoint& d) const {
  if (d.target == DataBreakpoint::Target::MemoryCell) {
    for (const LibEvent& lib : e.lib) {
      if (lib.kind == LibEventKind::MemWrite && lib.a <= d.address &&
          d.address < lib.a + std::max<std::int64_t>(lib.b, 1)) {
        return true;
      }
    }
    return false;
  }
  if (d.thread && e.thread != *d.thread) return false;
  const Program& program = *reader_->program();
  if (e.proc >= program.procs.size()) return false;
  for (const BindingWrite& w : e.writes) {
    if (w.frame == e.depth && w.slot < program.procs[e.proc].slot_count() &&
        program.procs[e.proc].slot_names.get(w.slot) == d.name) {
      return true;
    }
  }
  return false;
}

std::optional<std::uint64_t> BreakpointEvaluator::next_data_write(std::uint64_t from, std::uint64_t to) {
  if (reader_ == nullptr || !breakpoints_.any_data()) return std::nullopt;
  constexpr std::uint64_t kBatch = 4096;
  std::uint64_t end = std::min(to, steps_.size());
  for (std::uint64_t first = from; first < end; first += kBatch) {
    std::uint64_t last = std::min(end, first + kBatch);
    std::vector<StepEvent> events = reader_->events(first, last);
    for (const StepEvent& e : events) {
      for (const DataBreakpoint& d : breakpoints_.data()) {
        if (d.enabled && writes(e, d)) return e.index;
      }
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> BreakpointEvaluator::previous_data_write(std::uint64_t before, std::uint64_t from) {
  if (reader_ == nullptr || !breakpoints_.any_data()) return std::nullopt;
  std::optional<std::uint64_t> best;
  for (const DataBreakpoint& d : breakpoints_.data()) {
    if (!d.enabled) continue;
    std::optional<std::uint64_t> s = last_write_of(d, before);
    if (s && *s >= from && (!best || *s > *best)) best = s;
  }
  return best;
}

std::vector<std::string> BreakpointEvaluator::data_hits_at(std::uint64_t s) {
  std::vector<std::string> out;
  if (reader_ == nullptr || s >= steps_.size()) return out;
  std::vector<StepEvent> events = reader_->events(s, s + 1);
  if (events.empty()) return out;
  for (const DataBreakpoint& d : breakpoints_.data()) {
    if (d.enabled && writes(events[0], d)) out.push_back(d.describe());
  }
  return out;
}

}  // namespace dust::session
