// process_runner.cpp — posix_spawn with stdin fed and stdout and stderr
// captured.
//
// posix_spawn rather than fork: a test process under the sanitizers maps
// terabytes of shadow memory, and fork copies its page tables for every
// dustrun a test starts, where posix_spawn (a vfork-style clone in glibc)
// shares them until the exec.
#include "process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace dust_test {

namespace {

// The three pipes' ends, closed on destruction; each end is close-on-exec,
// so only the child's dup2 copies reach it.
struct Pipes {
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  bool open() { return pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0; }
  static void close_end(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  ~Pipes() {
    for (int* p : {in, out, err}) {
      close_end(p[0]);
      close_end(p[1]);
    }
  }
};

bool spawn(const std::string& program, const std::vector<std::string>& args, Pipes& pipes, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipes.in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, pipes.out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipes.err[1], 2);
  // The test process ignores SIGPIPE (see run_process); the child gets the
  // default back, as it would from a shell.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int failed = posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return failed == 0;
}

}  // namespace

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args, const std::string& input) {
  // A child that exits before reading all its input must fail the write,
  // not kill the test with SIGPIPE.
  static const bool sigpipe_ignored = signal(SIGPIPE, SIG_IGN) != SIG_ERR;
  (void)sigpipe_ignored;
  ProcessResult result;
  Pipes pipes;
  if (!pipes.open()) return result;
  pid_t pid = 0;
  if (!spawn(program, args, pipes, pid)) {
    result.exit_code = 127;  // what a shell reports for a program it cannot run
    result.err = program + ": cannot be started";
    return result;
  }
  Pipes::close_end(pipes.in[0]);
  Pipes::close_end(pipes.out[1]);
  Pipes::close_end(pipes.err[1]);
  // Input is written as the child takes it, between reads of its output,
  // so neither side waits on a full pipe.
  std::size_t written = 0;
  if (input.empty()) {
    Pipes::close_end(pipes.in[1]);
  } else {
    fcntl(pipes.in[1], F_SETFL, O_NONBLOCK);  // a write takes what fits, never waits
  }
  pollfd fds[3] = {{pipes.out[0], POLLIN, 0}, {pipes.err[0], POLLIN, 0}, {pipes.in[1], POLLOUT, 0}};
  char buf[65536];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    fds[2].fd = pipes.in[1];
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        Pipes::close_end(i == 0 ? pipes.out[0] : pipes.err[0]);
        fds[i].fd = -1;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
      }
    }
    if (pipes.in[1] >= 0 && fds[2].revents != 0) {
      ssize_t n = write(pipes.in[1], input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      const bool refused = n < 0 && errno != EAGAIN && errno != EINTR;  // the child closed its input
      if (refused || written == input.size()) Pipes::close_end(pipes.in[1]);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return result;
}

}  // namespace dust_test
