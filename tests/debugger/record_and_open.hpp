// record_and_open.hpp — the debugger tests' way to a recorded run: writes a
// DIR program to the test's temporary folder, records it with the standard
// intrinsics, and opens the recording where the window lands on opening.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include "dustlib_k/dustlib_k.hpp"
#include "model/debugger.hpp"
#include "model/recording.hpp"

namespace dust::dbg {

inline std::unique_ptr<Debugger> record_and_open(const std::string& name, const char* text) {
  RecordRequest request;
  request.program_path = ::testing::TempDir() + "/" + name + ".dir.json";
  std::ofstream(request.program_path, std::ios::binary) << text;
  request.trace_path = ::testing::TempDir() + "/" + name + ".dtrace";
  RecordOutcome outcome = record_program(request, k::standard_intrinsics(), nullptr, nullptr);
  EXPECT_TRUE(outcome.ok) << outcome.error;
  std::string error;
  auto dbg = Debugger::open(request.trace_path, k::standard_intrinsics(), error);
  EXPECT_TRUE(dbg) << error;
  if (dbg) dbg->land_on_open();
  return dbg;
}

}  // namespace dust::dbg
