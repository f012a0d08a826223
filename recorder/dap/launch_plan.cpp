// launch_plan.cpp — checking launch arguments and recording the program.
#include "launch_plan.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "dust/dir_loader.hpp"
#include "dust/recorder/program_file.hpp"
#include "dust/recorder/recorder.hpp"

namespace dust::dap {

namespace {

bool string_field(const json& args, const char* name, std::string& out, std::string& error) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return true;
  if (!it->is_string()) {
    error = std::string("launch argument `") + name + "` must be a string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

}  // namespace

bool plan_launch(const json& arguments, bool attach, LaunchPlan& plan, std::string& error) {
  if (!arguments.is_object()) {
    error = "launch arguments must be an object";
    return false;
  }
  if (!string_field(arguments, "program", plan.program, error) || !string_field(arguments, "trace", plan.trace, error) ||
      !string_field(arguments, "entry", plan.config.entry, error) ||
      !string_field(arguments, "fsRoot", plan.config.fs_root, error) ||
      !string_field(arguments, "schedule", plan.schedule, error)) {
    return false;
  }
  if (plan.config.entry.empty()) plan.config.entry = "main";
  if (attach && !plan.program.empty()) {
    error = "attach opens a recording: give `trace`, not `program` (launch records a program)";
    return false;
  }
  if (plan.program.empty() == plan.trace.empty()) {
    error = attach ? "attach needs `trace`: the .dtrace to open"
                   : "launch needs exactly one of `program` (a DIR file to record) and `trace` (a .dtrace to open)";
    return false;
  }
  if (auto it = arguments.find("seed"); it != arguments.end() && !it->is_null()) {
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<std::int64_t>() >= 0)) {
      error = "launch argument `seed` must be a non-negative integer";
      return false;
    }
    plan.config.seed = it->get<std::uint64_t>();
  }
  // The limits of dustrun's --max-steps and --max-depth.
  if (auto it = arguments.find("maxSteps"); it != arguments.end() && !it->is_null()) {
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0) {
      error = "launch argument `maxSteps` must be a positive integer";
      return false;
    }
    plan.config.max_steps = it->get<std::uint64_t>();
  }
  if (auto it = arguments.find("maxDepth"); it != arguments.end() && !it->is_null()) {
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0 || it->get<std::uint64_t>() > kMaxDepthCeiling) {
      error = "launch argument `maxDepth` must be an integer from 1 to " + std::to_string(kMaxDepthCeiling);
      return false;
    }
    plan.config.max_depth = static_cast<std::uint32_t>(it->get<std::uint64_t>());
  }
  std::string effects = "simulate";
  if (!string_field(arguments, "effects", effects, error)) return false;
  if (effects == "simulate") {
    plan.config.effects = EffectMode::Simulate;
  } else if (effects == "realize") {
    plan.config.effects = EffectMode::Realize;
  } else {
    error = "launch argument `effects` must be \"simulate\" or \"realize\", not \"" + effects + "\"";
    return false;
  }
  if (auto it = arguments.find("stopOnEntry"); it != arguments.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      error = "launch argument `stopOnEntry` must be true or false";
      return false;
    }
    plan.stop_on_entry = it->get<bool>();
  }
  if (!plan.trace.empty() && (arguments.contains("seed") || arguments.contains("schedule") ||
                              arguments.contains("maxSteps") || arguments.contains("maxDepth"))) {
    error = "`seed`, `schedule`, `maxSteps` and `maxDepth` choose how a program runs; a `trace` is already recorded";
    return false;
  }
  return true;
}

bool apply_schedule(LaunchPlan& plan, std::string& error) {
  if (plan.schedule.empty()) return true;
  std::string why;
  plan.config.schedule = ScheduleToken::parse(plan.schedule, why);
  if (!plan.config.schedule) {
    error = "launch argument `schedule` (\"" + plan.schedule + "\"): " + why;
    return false;
  }
  return true;
}

bool record_for_debugging(const LaunchPlan& plan, const std::string& trace_path, const IntrinsicTable& intrinsics,
                          std::string& error) {
  // Only a regular file within the memory budget is read.
  std::string dir;
  std::string why;
  if (!rec::read_program_file(plan.program, plan.config.max_memory, dir, why)) {
    error = plan.program + ": cannot read the program: " + why;
    return false;
  }
  LoadResult loaded = load_dir_text(dir);
  if (!loaded.ok()) {
    error = plan.program + ": " + loaded.error.display();
    return false;
  }
  Machine machine(loaded.program, &intrinsics, plan.config);
  rec::Recorder recorder(trace_path, std::move(dir), plan.program, rec::RecorderOptions{});
  run_to_end(machine, &recorder);
  if (!recorder.ok()) {
    error = trace_path + ": " + recorder.error();
    return false;
  }
  return true;
}

std::string temporary_trace_path(std::string& error) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/dust-dap-XXXXXX.dtrace";
  std::string buffer = pattern;
  int fd = ::mkstemps(buffer.data(), 7);
  if (fd < 0) {
    error = pattern + ": cannot create a file for the recording: " + std::strerror(errno);
    return {};
  }
  ::close(fd);
  return buffer;
}

}  // namespace dust::dap
