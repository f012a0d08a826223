// replay_command.cpp — `dustrun --replay run.dtrace [--emit-trace]`:
// re-executes the program embedded in a trace with the recorded
// configuration, checks every step against the recording, and prints
// exactly what the recorded run printed.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "dust/recorder/trace_reader.hpp"
#include "run_options.hpp"
#include "run_output.hpp"
#include "step_printer.hpp"

namespace dust::cli {

namespace {

constexpr const char* kReplayUsage =
    "Usage: dustrun --replay <FILE.dtrace> [--emit-trace] [--quiet] [--trace]\n"
    "\n"
    "Re-executes a recorded run, checks each step against the recording and\n"
    "prints what the run printed. Realize-mode runs read the recorded inputs,\n"
    "never the file system.\n"
    "\n"
    "Exit codes: the recorded run's (0, 10); 2 unreadable file or bad arguments;\n"
    "11 the trace is incomplete (replayed as far as it goes); 12 not a readable\n"
    "trace; 13 the replay diverged from the recording.\n";

}  // namespace

int replay_command(const std::vector<std::string>& args) {
  std::string path;
  RunOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string arg = args[i];  // a copy: taking a value moves i on
    std::string error;
    if (option_matches(arg, "--replay")) {
      if (!option_value(args, i, "--replay", path, error)) {
        std::cerr << "dustrun: " << error << "\n\n" << kReplayUsage;
        return kExitUsage;
      }
    } else if (arg == "--emit-trace") {
      options.emit_trace = true;
    } else if (arg == "--quiet") {
      options.quiet = true;
    } else if (arg == "--trace") {
      options.trace = true;
    } else if (arg == "-h" || arg == "--help") {
      std::cout << kReplayUsage;
      return kExitOk;
    } else {
      std::cerr << "dustrun: unexpected argument '" << arg << "' for --replay\n\n" << kReplayUsage;
      return kExitUsage;
    }
  }
  if (path.empty()) {
    std::cerr << "dustrun: --replay needs a trace file\n\n" << kReplayUsage;
    return kExitUsage;
  }

  std::string error;
  std::unique_ptr<rec::TraceReader> reader = rec::TraceReader::open(path, intrinsics(), error);
  if (!reader) {
    std::cerr << "dustrun: " << error << "\n";
    return kExitBadTrace;
  }
  // Every chunk is checked first, the keyframes replay does not start from
  // too; without --trace, the steps' checks are left to the replay, which
  // checks each step anyway (TraceReader::verify_and_replay). With it, no
  // step of a bad trace is printed.
  std::optional<rec::Divergence> divergence;
  std::optional<Machine> replayed;
  std::unique_ptr<StepPrinter> printer;
  if (options.trace) {
    if (!reader->verify(error)) {
      std::cerr << "dustrun: " << error << "\n";
      return kExitBadTrace;
    }
    printer = std::make_unique<StepPrinter>(std::cerr);
    replayed = reader->replay(divergence, printer.get());
  } else {
    replayed = reader->verify_and_replay(divergence, error);
    if (!replayed) {
      std::cerr << "dustrun: " << error << "\n";
      return kExitBadTrace;
    }
  }
  const rec::TraceInfo& info = reader->info();
  options.dir_path = info.program_path;
  options.config = info.config;
  Machine& machine = *replayed;
  if (divergence) {
    std::cerr << "dustrun: " << path << ": replay diverges from the recording at step " << divergence->step << "\n"
              << "  recorded: " << divergence->recorded << "\n"
              << "  replayed: " << divergence->replayed << "\n";
    return kExitDivergence;
  }
  if (!reader->last_error().empty()) {
    std::cerr << "dustrun: " << reader->last_error() << "\n";
    return kExitBadTrace;
  }
  if (!info.complete) {
    std::cerr << "dustrun: " << path << ": incomplete trace (" << info.incomplete_reason << "): replayed the "
              << info.steps << " recorded steps, which match; the recorded run had not finished\n";
    return kExitTraceIncomplete;
  }
  return print_outcome(machine, options);
}

}  // namespace dust::cli
