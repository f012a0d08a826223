// dustdbg_main.cpp — the `dustdbg` command: reads the options (model/
// launch_options.hpp) and runs the interactive debugger or a headless mode.
#include <cstdio>
#include <new>
#include <string>
#include <vector>

#include "app/frame_loop.hpp"
#include "app/headless.hpp"

namespace {

int run(const dust::dbg::LaunchOptions& options) {
  using namespace dust::dbg;
  switch (options.mode) {
    case LaunchMode::Help: std::fputs(launch_usage(), stdout); return 0;
    case LaunchMode::Screenshot: return run_screenshot(options);
    case LaunchMode::BenchScrub: return run_bench_scrub(options);
    case LaunchMode::IdleCheck: return run_idle_check(options);
    case LaunchMode::KeyCheck: return run_key_check(options);
    case LaunchMode::Interactive: break;
  }
  return run_interactive(options);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dust::dbg;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string error;
  std::optional<LaunchOptions> options = parse_launch_options(args, error);
  if (!options) {
    std::fprintf(stderr, "dustdbg: %s\n%s", error.c_str(), launch_usage());
    return 2;
  }
  // An allocation the host refuses is reported, naming the command, never
  // an abort.
  try {
    return run(*options);
  } catch (const std::bad_alloc&) {
    std::string command = "dustdbg";
    for (const std::string& arg : args) command += " " + arg;
    std::fprintf(stderr, "dustdbg: out of memory (the host refused an allocation) while running: %s\n",
                 command.c_str());
    return 1;
  }
}
