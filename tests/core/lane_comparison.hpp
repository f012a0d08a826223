// lane_comparison.hpp — checks that the simple-step lane (Machine::run_simple)
// changes nothing about a run.
//
// A program is run three ways: step() alone, the reference; run_to_end with
// no observer, which takes the lane wherever it can (calls and thread
// switches included), also with the lane's runs cut short every few steps;
// and run_to_end with an observer that takes simple steps in batches, once
// without and once with the lane's other steps handed over too
// (SimpleStepBatch::observer: calls, blocks and thread switches with the
// events step() gives them). Every step the batching observer sees (in bulk
// or as a StepEvent) must say what the reference's step said, library
// events and errors included, and all runs must end with the same trace,
// clock, step count, effects and machine state (threads, their waits and
// frames, the scheduler's PRNG, mutexes, the heap).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dust/dir_loader.hpp"
#include "dust/intrinsics.hpp"
#include "dust/machine.hpp"
#include "dust/observer.hpp"
#include "dust/trace_json.hpp"

namespace dust_test {

// What a step says, as far as a simple step can say it: a binding write
// shows where it went and the new value (simple steps carry no old value).
inline std::string step_line(std::uint64_t index, std::uint64_t tick_before, std::uint64_t tick, std::uint32_t thread,
                             std::uint32_t proc, std::uint32_t depth, std::uint32_t stmt, dust::StepKind kind) {
  return std::to_string(index) + " tick " + std::to_string(tick_before) + "->" + std::to_string(tick) + " thread " +
         std::to_string(thread) + " proc " + std::to_string(proc) + " depth " + std::to_string(depth) + " stmt " +
         std::to_string(stmt) + " " + dust::step_kind_name(kind);
}

inline std::string describe_event(const dust::StepEvent& e) {
  std::string s = step_line(e.index, e.tick_before, e.tick, e.thread, e.proc, e.depth, e.stmt, e.kind);
  for (const dust::BindingWrite& w : e.writes) {
    s += " | write " + std::to_string(w.frame) + "/" + std::to_string(w.slot) + " = " +
         dust::value_to_tagged_json(w.new_value);
  }
  for (const dust::LibEvent& l : e.lib) {
    s += std::string(" | ") + dust::lib_event_kind_name(l.kind) + " " + std::to_string(l.a) + " " +
         std::to_string(l.b) + " " + std::to_string(l.c) + " '" + l.text + "'";
  }
  if (e.error) s += " | error " + e.error->message;
  if (e.has_effect || !e.q.empty() || !e.phi.empty()) s += " | more";
  return s;
}

// Everything a StepEvent says, a write's old value, a library event's
// bytes, the effect, Q and Φ events and the error's kind included: the
// lane's events (SimpleStepBatch::observer) are built in place and reused
// from step to step, so a field left over from an earlier step, or one not
// set, shows here as a difference from step()'s fresh event.
inline std::string describe_whole_event(const dust::StepEvent& e) {
  std::string s = describe_event(e);
  for (const dust::BindingWrite& w : e.writes) s += " | old " + dust::value_to_tagged_json(w.old_value);
  for (const dust::LibEvent& l : e.lib) s += " | data '" + l.data + "'";
  if (e.has_effect) s += " | effect " + e.effect.kind + " " + e.effect.payload;
  for (const dust::QEvent& q : e.q) {
    s += " | q " + std::to_string(static_cast<int>(q.op)) + " " + q.binding + " " + q.source + " " + q.resource;
  }
  for (const dust::PhiEvent& p : e.phi) s += std::string(" | phi ") + dust::phi_event_kind_name(p.kind) + " " + p.detail + " " + p.digest;
  if (e.error) s += " | error kind " + std::to_string(static_cast<int>(e.error->kind));
  return s;
}

class BatchingObserver final : public dust::ExecutionObserver {
 public:
  // `all_steps`: the lane hands over its other steps too.
  BatchingObserver(const dust::Program& program, std::uint32_t capacity, bool all_steps = false)
      : program_(program), storage_(capacity) {
    batch_.capacity = capacity;
    batch_.steps = storage_.data();
    if (all_steps) batch_.observer = this;
  }
  dust::SimpleStepBatch* simple_steps() override { return &batch_; }
  void on_simple_steps(const dust::Machine& machine, const dust::SimpleStepBatch& batch) override {
    EXPECT_GT(batch.size, 0u);
    EXPECT_EQ(machine.steps, batch.first_index + batch.size) << "the machine is as after the batch";
    for (std::uint32_t i = 0; i < batch.size; ++i) {
      const dust::SimpleStep& step = batch.steps[i];
      std::string s = step_line(batch.first_index + i, batch.first_tick + i, batch.first_tick + i + 1, batch.thread,
                                batch.proc, batch.depth, step.stmt, step.kind);
      if (step.wrote) {
        s += " | write " + std::to_string(batch.depth) + "/" + std::to_string(program_.stmts[step.stmt].slot) + " = " +
             dust::value_to_tagged_json(dust::Value::integer(step.value));
      }
      lines.push_back(std::move(s));
    }
    simple += batch.size;
  }
  void on_step(const dust::Machine& machine, const dust::StepEvent& event) override {
    EXPECT_EQ(machine.steps, event.index + 1) << "the machine is as after the step";
    lines.push_back(describe_event(event));
    whole.emplace_back(event.index, describe_whole_event(event));
  }

  std::vector<std::string> lines;
  // Each event handed over one by one, whole, with its step index.
  std::vector<std::pair<std::uint64_t, std::string>> whole;
  std::uint64_t simple = 0;

 private:
  const dust::Program& program_;
  std::vector<dust::SimpleStep> storage_;
  dust::SimpleStepBatch batch_;
};

struct RunEnd {
  std::string trace;
  std::uint64_t tick = 0;
  std::uint64_t steps = 0;
  std::vector<dust::EffectEvent> effects;
  std::string state;
};

// The machine state beyond the trace that the lane's call steps and thread
// switches touch, written out so a difference shows where it is.
inline std::string machine_state(const dust::Machine& m) {
  std::string s = "current " + std::to_string(m.current) + " rng " + std::to_string(m.rng_state);
  for (const dust::Thread& t : m.threads) {
    s += "\nthread " + std::to_string(t.id) + " " + dust::thread_state_name(t.state) + " wait " +
         dust::wait_kind_name(t.wait.kind) + "/" + std::to_string(t.wait.id) + " '" + t.wait.text() + "' frames " +
         std::to_string(t.frames.size()) + (t.joined ? " joined" : "");
    for (const dust::Frame& f : t.frames) {
      s += " [proc " + std::to_string(f.proc) + (f.evaluating ? " evaluating pc " + std::to_string(f.pc) : "") +
           " stack " + std::to_string(f.stack.size()) + " cursors " + std::to_string(f.cursors.size());
      for (const dust::Value& v : f.slots) s += " " + dust::value_to_tagged_json(v);
      s += "]";
    }
  }
  for (const dust::MutexState& mx : m.k.mutexes) {
    s += "\nmutex " + std::to_string(mx.id) + " owner " + std::to_string(mx.owner) + " waiters";
    for (std::uint32_t w : mx.waiters) s += " " + std::to_string(w);
  }
  for (const auto& [tid, id] : m.k.lock_pending.entries()) s += "\npending " + std::to_string(tid) + " on " + std::to_string(id);
  s += "\nheap next " + std::to_string(m.k.heap.next) + " live " + std::to_string(m.k.heap.live_bytes);
  for (const auto& [address, b] : m.k.heap.blocks) {
    s += "\nblock " + std::to_string(address) + " size " + std::to_string(b.size) + (b.live ? " live" : " freed") +
         " owner " + std::to_string(b.owner_thread) + " steps " + std::to_string(b.alloc_step) + "-" +
         std::to_string(b.free_step) + " bytes";
    for (std::uint8_t byte : b.bytes) s += " " + std::to_string(byte);
  }
  return s;
}

inline RunEnd run_end(const dust::Machine& m) {
  return RunEnd{dust::outcome_trace_json(m), m.tick, m.steps, m.effects, machine_state(m)};
}

inline void expect_same_end(const RunEnd& expected, const RunEnd& actual, const std::string& what) {
  EXPECT_EQ(expected.trace, actual.trace) << what;
  EXPECT_EQ(expected.tick, actual.tick) << what;
  EXPECT_EQ(expected.steps, actual.steps) << what;
  EXPECT_EQ(expected.effects, actual.effects) << what;
  EXPECT_EQ(expected.state, actual.state) << what;
}

// Runs the comparison; returns how many steps the batching observer got in
// bulk (with the largest batch), so callers can check the lane was taken,
// and puts in `plain_lane_steps` (when given) how many steps of the plain
// run the lane took.
inline std::uint64_t compare_lane(const std::string& dir_text, const dust::IntrinsicTable& intrinsics,
                                  const std::string& what, std::uint64_t max_steps = 200'000,
                                  std::uint64_t seed = 0, std::uint64_t* plain_lane_steps = nullptr,
                                  const dust::RunConfig& base = {}) {
  dust::LoadResult loaded = dust::load_dir_text(dir_text);
  if (!loaded.ok()) return 0;
  dust::RunConfig config = base;
  config.seed = seed;
  std::vector<std::string> reference_lines;
  std::vector<std::string> reference_whole;  // by step index
  dust::Machine reference(loaded.program, &intrinsics, config);
  dust::StepEvent event;
  while (!reference.done() && reference.steps < max_steps) {
    reference.step(event);
    reference_lines.push_back(describe_event(event));
    reference_whole.push_back(describe_whole_event(event));
  }
  if (!reference.done()) return 0;  // too long to compare step by step
  RunEnd expected = run_end(reference);

  // run_to_end's own loop, counting the lane's steps.
  dust::Machine plain(loaded.program, &intrinsics, config);
  std::uint64_t lane_steps = 0;
  while (!plain.done()) {
    lane_steps += plain.run_simple(UINT64_MAX);
    plain.step(event, false);
  }
  if (plain_lane_steps != nullptr) *plain_lane_steps = lane_steps;
  expect_same_end(expected, run_end(plain), what + ", plain run");

  // Lane runs cut short at every length up to 3 steps, then step(), as a
  // caller with something to do between rounds would run.
  for (std::uint64_t limit : {1u, 2u, 3u}) {
    dust::Machine cut(loaded.program, &intrinsics, config);
    while (!cut.done()) {
      cut.run_simple(limit);
      if (!cut.done()) cut.step(event, false);
    }
    expect_same_end(expected, run_end(cut), what + ", lane runs of at most " + std::to_string(limit));
  }

  std::uint64_t simple = 0;
  for (bool all_steps : {false, true}) {
    for (std::uint32_t capacity : {1u, 3u, 1024u}) {
      dust::Machine observed(loaded.program, &intrinsics, config);
      BatchingObserver observer(*loaded.program, capacity, all_steps);
      dust::run_to_end(observed, &observer);
      std::string with = what + ", batches of " + std::to_string(capacity) + (all_steps ? " with every step" : "");
      expect_same_end(expected, run_end(observed), with);
      EXPECT_EQ(reference_lines.size(), observer.lines.size()) << with;
      for (std::size_t i = 0; i < std::min(reference_lines.size(), observer.lines.size()); ++i) {
        if (reference_lines[i] != observer.lines[i]) {
          ADD_FAILURE() << with << ": step " << i << " differs\n  step():   " << reference_lines[i]
                        << "\n  batched:  " << observer.lines[i];
          break;
        }
      }
      for (const auto& [index, line] : observer.whole) {
        const std::string expected_line = index < reference_whole.size() ? reference_whole[index] : "(no such step)";
        if (line != expected_line) {
          ADD_FAILURE() << with << ": the event of step " << index << " differs\n  step():   " << expected_line
                        << "\n  handed over:  " << line;
          break;
        }
      }
      if (!all_steps) simple = observer.simple;
    }
  }
  return simple;
}

}  // namespace dust_test
