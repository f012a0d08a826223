// launch_options.hpp — dustdbg's command line.
//
//   dustdbg                                  the bundled demo (assets/demo)
//   dustdbg program.dir [--seed N | --schedule TOKEN] [--entry E] [--effects simulate|realize] [--phi reference|resolve]
//                       [--max-steps N] [--max-depth N]
//                                            record the run, then open it
//   dustdbg run.dtrace                       open a recording
//   dustdbg --screenshot out.png|out.ppm --at STEP [--size WxH] [--range A..B] FILE
//                                            render one frame to a PNG and exit
//   dustdbg --bench-scrub [--frames N] FILE  sweep the cursor, print frame times
//   dustdbg --idle-check FILE                count allocations of idle frames
//   dustdbg --key-check FILE                 key taps sent in one batch of events reach their commands
//
// STEP is a number, `failure` or `end`. A file is a recording when it
// starts with the .dtrace magic, a DIR program when it is JSON, and
// refused otherwise (model/file_kind.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dust/machine.hpp"
#include "dust/schedule.hpp"

namespace dust::dbg {

enum class LaunchMode : std::uint8_t { Interactive, Screenshot, BenchScrub, IdleCheck, KeyCheck, Help };

struct LaunchOptions {
  LaunchMode mode = LaunchMode::Interactive;
  std::string file;                 // empty: the bundled demo
  std::optional<std::uint64_t> seed;
  std::optional<ScheduleToken> schedule;  // --schedule: a token from `dustrun explore`
  std::string entry;                // empty: "main"
  std::string effects;              // empty: simulate
  std::string phi;                  // empty: reference (v0.1's refusal); "resolve": Part 3
  std::optional<std::uint64_t> max_steps;  // --max-steps: as dustrun's, the run fails at that step
  std::optional<std::uint32_t> max_depth;  // --max-depth: frames a thread may hold (dustrun's default)
  std::string screenshot_path;
  std::string at = "failure";       // a step number, "failure" or "end"
  int width = 1600;
  int height = 1000;
  std::optional<std::pair<double, double>> range;  // the visible steps
  int frames = 600;                 // --bench-scrub: frames in the sweep
};

// Parses argv[1..]; on a bad argument returns nullopt with `error` set.
std::optional<LaunchOptions> parse_launch_options(const std::vector<std::string>& args, std::string& error);

const char* launch_usage();

// The run a DIR program given on the command line is recorded with: what
// `dustrun record` would run for the same options.
RunConfig run_config_for(const LaunchOptions& options);

// Where --at lands in a run, and what to tell the user when that is not
// what was asked: `--at failure` on a run that did not fail, or a step
// past the end. Nothing is clamped silently.
struct ResolvedStep {
  std::uint64_t step = 0;
  std::string note;  // empty when --at was met exactly
};

// Resolves --at against a run: a step number (clamped to the end, with a
// note), the failure (the end, with a note, when the run did not fail), or
// the end. `complete` false: the trace was cut short, so the end is only
// as far as it reads.
std::optional<ResolvedStep> resolve_step(const std::string& at, std::uint64_t steps,
                                         std::optional<std::uint64_t> failure_step, bool complete,
                                         std::string& error);

}  // namespace dust::dbg
