// process_runner.hpp — runs a built binary and captures its output, for
// tests that check the commands as a user runs them.
#pragma once

#include <string>
#include <vector>

namespace dust_test {

struct ProcessResult {
  int exit_code = -1;  // -signal if killed by a signal
  std::string out;
  std::string err;
};

// Runs `program` with `args` (no shell), feeding `input` on stdin.
ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const std::string& input = "");

}  // namespace dust_test
