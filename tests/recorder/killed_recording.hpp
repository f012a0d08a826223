// killed_recording.hpp — a `dustrun record` killed with SIGKILL while it
// runs, for the tests that a trace cut short that way reads up to its last
// whole chunk.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace rec_test {

// Starts `dustrun record PROGRAM -o TRACE EXTRA...` (its output discarded),
// waits until TRACE holds at least `bytes` bytes (20 s at most), then kills
// it with SIGKILL. True if the recorder died of that signal.
inline bool record_until_killed(const std::filesystem::path& program, const std::filesystem::path& trace,
                                const std::vector<std::string>& extra, std::uintmax_t bytes) {
  std::vector<std::string> args{DUSTRUN_PATH, "record", program.string(), "-o", trace.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execv(DUSTRUN_PATH, argv.data());
    _exit(127);
  }
  if (pid < 0) return false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::error_code ec;
  while (std::chrono::steady_clock::now() < deadline && (std::filesystem::file_size(trace, ec) < bytes || ec)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status);
}

}  // namespace rec_test
