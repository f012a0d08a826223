// record_and_open.hpp — the debugger tests' way to a recorded run: writes a
// DIR program to the test's temporary folder, records it with the standard
// intrinsics, and opens the recording where the window lands on opening; or
// records a program that never ends until it is cancelled, for the tests of
// traces cut short. Also where the committed crash traces are, and how a
// test finds a statement of an opened recording by its path.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "dustlib_k/dustlib_k.hpp"
#include "model/debugger.hpp"
#include "model/recording.hpp"

namespace dust::dbg {

// The committed crash traces (traces/crash), each beside its program.
inline const std::filesystem::path kCrashDir = std::filesystem::path(DUST_SOURCE_DIR) / "traces/crash";

// Writes `bytes` as `file_name` in the test's temporary folder; returns its path.
inline std::string write_temp_file(const std::string& file_name, const std::string& bytes) {
  std::string path = ::testing::TempDir() + "/" + file_name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// A K program whose loop never ends: its recording only ever stops by Cancel.
inline constexpr const char* kRunsForever = R"JSON({"forges":[{"name":"F","shapes":[],"binds":[],"procs":[
 {"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
   {"Let":{"name":"n","expr":"0"}},
   {"While":{"condition":"true","body":[{"Assign":{"target":"n","expr":"n Add 1"}}]}}]}
]}]})JSON";

inline std::unique_ptr<Debugger> record_and_open(const std::string& name, const char* text) {
  RecordRequest request;
  request.program_path = write_temp_file(name + ".dir.json", text);
  request.trace_path = ::testing::TempDir() + "/" + name + ".dtrace";
  RecordOutcome outcome = record_program(request, k::standard_intrinsics(), nullptr, nullptr);
  EXPECT_TRUE(outcome.ok) << outcome.error;
  std::string error;
  auto dbg = Debugger::open(request.trace_path, k::standard_intrinsics(), error);
  EXPECT_TRUE(dbg) << error;
  if (dbg) dbg->land_on_open();
  return dbg;
}

// Records kRunsForever as `name` on a worker, as the window does, and cancels
// once at least `steps` steps are recorded; the trace is `trace_path`.
inline RecordOutcome record_forever_until_cancelled(const std::string& name, std::uint64_t steps,
                                                    std::string& trace_path) {
  RecordRequest request;
  request.program_path = write_temp_file(name + ".dir.json", kRunsForever);
  request.trace_path = trace_path = ::testing::TempDir() + "/" + name + ".dtrace";
  RecordingJob job(request, k::standard_intrinsics());
  while (job.steps() < steps) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  job.cancel();
  while (!job.finished()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return job.outcome();
}

// The statement at `path` ("main/body[1]") of the opened recording's program.
inline std::uint32_t stmt_at(const Debugger& dbg, const std::string& path) {
  for (std::uint32_t s = 0; s < dbg.program().stmts.size(); ++s) {
    if (dbg.listing().path(s) == path) return s;
  }
  ADD_FAILURE() << "no statement " << path;
  return kNoStmt;
}

}  // namespace dust::dbg
