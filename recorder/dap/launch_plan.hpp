// launch_plan.hpp — what a DAP `launch` or `attach` asks for, checked, and
// the recording a program launch makes.
//
//   launch {"program": "x.dir.json", "seed": n, "entry": "main",
//           "effects": "simulate" | "realize", "fsRoot": "dir",
//           "stopOnEntry": bool, "schedule": "TOKEN",
//           "maxSteps": n, "maxDepth": n}   records the run, then debugs it
//   launch or attach {"trace": "run.dtrace", "stopOnEntry": bool}   opens a recording
//
// Every argument is checked with a message naming it; nothing is guessed.
#pragma once

#include <string>

#include "dust/intrinsics.hpp"
#include "dust/machine.hpp"
#include "protocol.hpp"

namespace dust::dap {

struct LaunchPlan {
  std::string program;      // a DIR file to record, or empty
  std::string trace;        // a .dtrace to open, or empty
  RunConfig config;
  bool stop_on_entry = false;
  std::string schedule;     // a scheduling token (dustrun --schedule)
};

// Reads the arguments of `launch` (attach = false) or `attach`; false with
// `error` set when they do not make a plan.
bool plan_launch(const json& arguments, bool attach, LaunchPlan& plan, std::string& error);

// The one place a launch's schedule is applied to its run configuration:
// the token (dustrun --schedule, schedule.hpp) the recorded run follows. A
// token that does not parse is refused with the parser's reason.
bool apply_schedule(LaunchPlan& plan, std::string& error);

// Runs plan.program under the recorder into `trace_path`. False with
// `error` set (naming the file) when it cannot be read, loaded or written;
// a run that fails is recorded and is not an error here.
bool record_for_debugging(const LaunchPlan& plan, const std::string& trace_path, const IntrinsicTable& intrinsics,
                          std::string& error);

// A fresh file name for a recording (in $TMPDIR, else /tmp), created empty.
std::string temporary_trace_path(std::string& error);

}  // namespace dust::dap
