// dvm_runner.hpp — running DIR programs in the core tests, two ways: through
// the C++ API (dust::load_dir_text, dust::Machine::step), keeping every
// StepEvent, and through the built `dustrun` binary, as a user runs it.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dust/dir_loader.hpp"
#include "dust/intrinsics.hpp"
#include "dust/machine.hpp"
#include "dust/step_event.hpp"
#include "dust/trace_json.hpp"
#include "process_runner.hpp"

namespace dust_test {

// A runaway machine ends the test instead of hanging it.
inline constexpr std::uint64_t kMaxTestSteps = 2'000'000;

struct ApiRun {
  bool loaded = false;
  dust::DvmError load_error;
  nlohmann::json trace;  // the conformance trace as a JSON value (a load error's trace if !loaded)
  dust::RunOutcome outcome;
  std::uint64_t tick = 0;
  std::uint64_t steps = 0;
  std::vector<dust::EffectEvent> effects;
  std::vector<dust::StepEvent> events;
};

// The core alone, as dustrun runs it: no library intrinsics.
inline const dust::IntrinsicTable& no_intrinsics() {
  static const dust::IntrinsicTable table;
  return table;
}

inline ApiRun run_api_text(const std::string& dir_text, const std::string& entry = "main") {
  ApiRun run;
  dust::LoadResult loaded = dust::load_dir_text(dir_text);
  if (!loaded.ok()) {
    run.load_error = loaded.error;
    run.trace = nlohmann::json::parse(dust::error_trace_json(loaded.error));
    return run;
  }
  run.loaded = true;
  dust::RunConfig config;
  config.entry = entry;
  dust::Machine machine(loaded.program, &no_intrinsics(), config);
  dust::StepEvent event;
  while (!machine.done() && machine.steps < kMaxTestSteps) {
    machine.step(event);
    run.events.push_back(event);
  }
  EXPECT_TRUE(machine.done()) << "the machine did not finish within " << kMaxTestSteps << " steps";
  run.trace = nlohmann::json::parse(dust::outcome_trace_json(machine));
  run.outcome = machine.outcome;
  run.tick = machine.tick;
  run.steps = machine.steps;
  run.effects = machine.effects;
  return run;
}

inline ApiRun run_api(const nlohmann::ordered_json& program, const std::string& entry = "main") {
  return run_api_text(program.dump(), entry);
}

// The trace a failure of `kind` with `message` has when it carries no
// effects and no time (every K and Q failure, most Φ failures).
inline nlohmann::json bare_error(const std::string& kind, const std::string& message) {
  return {{"error", {{"kind", kind}, {"message", message}}}};
}

// A value as the trace writes it, tagged with its type.
inline nlohmann::json int_value(std::int64_t n) { return {{"Int", n}}; }
inline nlohmann::json bool_value(bool b) { return {{"Bool", b}}; }

// "Kind: message" of a failed run, or "ok" — readable in assertion output.
inline std::string failure_of(const ApiRun& run) {
  if (!run.loaded) return std::string(dust::error_kind_name(run.load_error.kind)) + ": " + run.load_error.message;
  if (run.outcome.status != dust::MachineStatus::Failed) return "ok";
  return std::string(dust::error_kind_name(run.outcome.error.kind)) + ": " + run.outcome.error.message;
}

// A private directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "dust-core-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  std::string write(const std::string& name, const std::string& contents) const {
    std::filesystem::path file = path_ / name;
    std::ofstream out(file, std::ios::binary);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

// Runs dustrun under coreutils' `timeout`, so a hang fails the test (exit
// 124) instead of stalling the suite.
inline ProcessResult run_dustrun(const std::vector<std::string>& args) {
  static const bool have_timeout = access("/usr/bin/timeout", X_OK) == 0;
  if (!have_timeout) return run_process(DUSTRUN_PATH, args);
  std::vector<std::string> wrapped = {"--kill-after=5", "120", DUSTRUN_PATH};
  wrapped.insert(wrapped.end(), args.begin(), args.end());
  return run_process("/usr/bin/timeout", wrapped);
}

// Writes `dir_text` to a temp file and runs dustrun on it with `options`.
inline ProcessResult run_dustrun_on(const std::string& dir_text, const std::vector<std::string>& options = {}) {
  TempDir dir;
  std::string file = dir.write("program.dir.json", dir_text);
  std::vector<std::string> args = {file};
  args.insert(args.end(), options.begin(), options.end());
  return run_dustrun(args);
}

inline ProcessResult run_dustrun_on(const nlohmann::ordered_json& program, const std::vector<std::string>& options = {}) {
  return run_dustrun_on(program.dump(2), options);
}

}  // namespace dust_test
