// recorder_harness.hpp — shared helpers of the recorder tests: example
// programs, temporary directories, recording a run in-process and running
// one directly for comparison.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "dust/dir_loader.hpp"
#include "dust/machine.hpp"
#include "dust/observer.hpp"
#include "dust/recorder/recorder.hpp"
#include "dust/recorder/trace_reader.hpp"
#include "dustlib_k/dustlib_k.hpp"

namespace rec_test {

namespace fs = std::filesystem;

inline const dust::IntrinsicTable& intrinsics() { return dust::k::standard_intrinsics(); }

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline fs::path example(const std::string& name) { return fs::path(DUST_SOURCE_DIR) / "assets/examples" / name; }

// The example programs that exercise threads, mutexes, memory, io, Q and Φ.
inline std::vector<std::string> example_names() {
  return {"k_collatz.dir.json",          "q_token_handoff.dir.json",   "phi_admissible_budget.dir.json",
          "memory_linked_list.dir.json", "threading_parallel_sum.dir.json", "sync_bank_transfer.dir.json",
          "io_log_file.dir.json",        "unsafe_dma_ring.dir.json",   "mutex_counter.dir.json",
          "racy_counter.dir.json",       "two_lock_deadlock.dir.json", "producer_consumer.dir.json"};
}

// A loop with two counters and an effect: many plain steps.
inline std::string loop_program(int iterations) {
  return R"({"forges":[{"name":"t","shapes":[],"binds":[],"procs":[{"regime":"K","name":"main","params":[],"uses":[],
  "ret":null,"qualifiers":[],"body":[{"Let":{"name":"i","expr":"0"}},{"Let":{"name":"acc","expr":"0"}},
  {"While":{"condition":"i Lt )" + std::to_string(iterations) + R"(","body":[{"Assign":{"target":"i","expr":"i Add 1"}},
  {"Assign":{"target":"acc","expr":"acc Add i Mul 3"}},
  {"If":{"condition":"i Eq 7","then_body":[{"Effect":{"kind":"emit","payload":"acc"}}],"else_body":[]}}]}},
  {"Return":{"expr":"acc"}}],"locals":[]}]}]})";
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "dust-rec-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) != nullptr ? fs::path(pattern) : fs::temp_directory_path();
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline std::shared_ptr<const dust::Program> load_program(const std::string& text) {
  dust::LoadResult loaded = dust::load_dir_text(text);
  EXPECT_TRUE(loaded.ok()) << loaded.error.display();
  return loaded.program;
}

// Small blocks and keyframes, so even short runs have many of each.
inline dust::rec::RecorderOptions small_blocks(std::uint32_t steps = 16) {
  dust::rec::RecorderOptions o;
  o.block_steps = steps;
  o.keyframe_steps = steps;
  o.keyframe_bytes_per_step = 0;
  return o;
}

// Records a run of `text` into `trace`; returns the machine at its end.
inline dust::Machine record(const std::string& text, const dust::RunConfig& config, const fs::path& trace,
                            dust::rec::RecorderOptions options = small_blocks()) {
  dust::Machine machine(load_program(text), &intrinsics(), config);
  dust::rec::Recorder recorder(trace.string(), text, "program.dir.json", options);
  dust::run_to_end(machine, &recorder);
  EXPECT_TRUE(recorder.ok()) << recorder.error();
  return machine;
}

// Records loop_program(iterations) into `trace` with another program
// embedded, one whose update of acc multiplies by 4 instead of 3, as if the
// program had changed under the recording: replaying or seeking re-executes
// the embedded program and diverges at the first update of acc.
inline void record_with_changed_program(int iterations, const fs::path& trace, dust::rec::RecorderOptions options) {
  std::string ran = loop_program(iterations);
  std::string embedded = ran;
  const std::string from = R"({"Assign":{"target":"acc","expr":"acc Add i Mul 3"}})";
  const std::string to = R"({"Assign":{"target":"acc","expr":"acc Add i Mul 4"}})";
  ASSERT_NE(embedded.find(from), std::string::npos);
  embedded.replace(embedded.find(from), from.size(), to);
  dust::Machine machine(load_program(ran), &intrinsics(), dust::RunConfig{});
  dust::rec::Recorder recorder(trace.string(), embedded, "changed.dir.json", options);
  dust::run_to_end(machine, &recorder);
  ASSERT_TRUE(recorder.ok()) << recorder.error();
}

// Forwards to the recorder but takes no batches, so the lane stays off and
// every step arrives from step() through on_step: the per-step recording a
// batched or lane recording must equal byte for byte.
class PerStepObserver final : public dust::ExecutionObserver {
 public:
  explicit PerStepObserver(dust::ExecutionObserver& inner) : inner_(inner) {}
  void on_start(const dust::Machine& m) override { inner_.on_start(m); }
  void on_step(const dust::Machine& m, const dust::StepEvent& e) override { inner_.on_step(m, e); }
  void on_finish(const dust::Machine& m) override { inner_.on_finish(m); }

 private:
  dust::ExecutionObserver& inner_;
};

// Runs directly, keeping every event and optionally a copy of the machine after each step.
struct DirectRun {
  std::vector<dust::StepEvent> events;
  std::vector<dust::Machine> states;  // states[k]: after k steps (only if kept)
};

inline DirectRun run_direct(const std::string& text, const dust::RunConfig& config, bool keep_states) {
  DirectRun run;
  dust::Machine machine(load_program(text), &intrinsics(), config);
  if (keep_states) run.states.push_back(machine);
  dust::StepEvent event;
  while (!machine.done()) {
    machine.step(event);
    run.events.push_back(event);
    if (keep_states) run.states.push_back(machine);
  }
  return run;
}

inline std::unique_ptr<dust::rec::TraceReader> open_trace(const fs::path& trace) {
  std::string error;
  auto reader = dust::rec::TraceReader::open(trace.string(), intrinsics(), error);
  EXPECT_TRUE(reader) << error;
  return reader;
}

inline dust::RunConfig seeded(std::uint64_t seed) {
  dust::RunConfig config;
  config.seed = seed;
  return config;
}

}  // namespace rec_test
