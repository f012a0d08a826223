// explore_pct.cpp — PCT runs (explore_pct.hpp), through the machine's
// scheduling hook.
#include "explore_pct.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "dust/schedule.hpp"

namespace dust::cli {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

class PctPolicy : public SchedulePolicy {
 public:
  PctPolicy(std::uint64_t run, std::uint64_t depth, std::uint64_t steps) : rng_(run * 0x2545f4914f6cdd1dull + 1) {
    for (std::uint64_t i = 1; i < depth; ++i) change_points_.emplace(1 + splitmix64(rng_) % std::max<std::uint64_t>(steps, 1), i);
  }

  std::uint32_t pick(const SchedulePoint& point) override {
    for (std::uint32_t t : point.runnable) {
      // Initial priorities lie above every changed one; random and distinct
      // enough (64 bits) that ties do not happen in practice.
      if (!priority_.count(t)) priority_[t] = (1ull << 62) + (splitmix64(rng_) >> 2);
    }
    auto range = change_points_.equal_range(point.step - 1);
    for (auto it = range.first; it != range.second; ++it) priority_[point.previous] = it->second;
    std::uint32_t best = point.runnable.front();
    for (std::uint32_t t : point.runnable)
      if (priority_[t] > priority_[best]) best = t;
    return best;
  }

 private:
  std::uint64_t rng_;
  std::multimap<std::uint64_t, std::uint64_t> change_points_;  // step -> the priority the runner drops to
  std::map<std::uint32_t, std::uint64_t> priority_;
};

}  // namespace

TokenBuilder run_recording_token(Machine& machine, std::uint64_t max_steps, std::uint64_t* preemptions) {
  TokenBuilder token;
  StepEvent event;
  std::vector<std::uint32_t> runnable;
  while (!machine.done() && (max_steps == 0 || machine.steps < max_steps)) {
    machine.step(event, false);
    if (machine.done()) break;
    runnable.clear();
    for (const Thread& t : machine.threads)
      if (t.state == ThreadState::Runnable) runnable.push_back(t.id);
    if (runnable.size() >= 2) token.record(machine.steps, event.thread, runnable, machine.current);
    if (preemptions != nullptr && machine.current != event.thread &&
        std::binary_search(runnable.begin(), runnable.end(), event.thread)) {
      ++*preemptions;
    }
  }
  return token;
}

ExploreReport explore_pct(const Machine& initial, const PctSettings& settings, PctGuarantee& guarantee) {
  Machine probe(initial);
  run_recording_token(probe, settings.max_steps);
  guarantee.threads = std::max<std::size_t>(probe.threads.size(), 1);
  guarantee.steps = std::max<std::uint64_t>(probe.steps, 1);
  guarantee.per_run = 1.0 / (static_cast<double>(guarantee.threads) *
                             std::pow(static_cast<double>(guarantee.steps), static_cast<double>(settings.depth - 1)));
  ExploreReport report;
  report.complete = false;
  for (std::uint64_t run = 0; run < settings.runs; ++run) {
    PctPolicy policy(run, settings.depth, guarantee.steps);
    Machine machine(initial);
    machine.set_schedule_policy(&policy);
    TokenBuilder token = run_recording_token(machine, settings.max_steps);
    ++report.executions;
    auto [index, fresh] = report.add(outcome_of(machine, settings.max_steps));
    ExploreOutcome& o = report.outcomes[index];
    if (fresh) {
      o.schedule = token.token().text();
      o.first_seed = run;
    }
    ++o.count;
  }
  return report;
}

}  // namespace dust::cli
