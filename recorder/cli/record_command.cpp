// record_command.cpp — `dustrun record <DIR> -o run.dtrace [run options]`:
// runs the program as `dustrun <DIR>` would, prints the same result, and
// writes every step to a trace (see recorder/include/dust/recorder).
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "dust/dir_loader.hpp"
#include "dust/phi_solver.hpp"
#include "dust/recorder/checkpoint_recorder.hpp"
#include "dust/recorder/program_file.hpp"
#include "dust/recorder/recorder.hpp"
#include "dust/trace_json.hpp"
#include "run_options.hpp"
#include "run_output.hpp"
#include "step_printer.hpp"

namespace dust::cli {

namespace {

constexpr const char* kRecordUsage =
    "Usage: dustrun record <DIR> -o <FILE.dtrace> [options]\n"
    "\n"
    "Runs a program like `dustrun <DIR>` and records it into a trace.\n"
    "\n"
    "A run of more than 262,144 steps that reads nothing outside the machine (simulate\n"
    "mode without --fs-root) is recorded as checkpoints (trace format 4): the program,\n"
    "its configuration and the machine's digest every few thousand steps. Recording then\n"
    "costs little more than the run; reading the trace re-executes the run once,\n"
    "checking every checkpoint, to re-derive its steps. Other runs record every step's\n"
    "delta (format 3), which opens without re-executing and is readable up to its last\n"
    "whole block when cut short; a shorter run is run again to record it so.\n"
    "\n"
    "Options (besides those of `dustrun <DIR>`: --entry, --effects, --seed, --fs-root, ...):\n"
    "  -o, --output FILE         the trace to write (required)\n"
    "      --keyframe-every N    steps between keyframes, also the block size (default: 8192,\n"
    "                            blocks at most 65536;\n"
    "                            up to four times as many where the steps replay on the fast\n"
    "                            lane, further apart for machines whose keyframes are large)\n"
    "      --every-step          record every step's delta (format 3), whatever the run\n"
    "      --checkpoints         record checkpoints (format 4) where the run allows, however\n"
    "                            short\n"
    "      --progress            a progress line on stderr (default when stderr is a terminal)\n"
    "      --no-progress         no progress line\n"
    "\n"
    "Exit codes: as `dustrun <DIR>`; 12 if the trace could not be written.\n";

// Hands each step to several observers: the recorder and `--trace`.
class Fanout final : public ExecutionObserver {
 public:
  void add(ExecutionObserver* o) {
    if (o != nullptr) observers_.push_back(o);
  }
  void on_start(const Machine& m) override {
    for (ExecutionObserver* o : observers_) o->on_start(m);
  }
  void on_step(const Machine& m, const StepEvent& e) override {
    for (ExecutionObserver* o : observers_) o->on_step(m, e);
  }
  void on_finish(const Machine& m) override {
    for (ExecutionObserver* o : observers_) o->on_finish(m);
  }

 private:
  std::vector<ExecutionObserver*> observers_;
};

bool parse_count(const std::string& value, std::uint32_t& out) {
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  return ec == std::errc() && ptr == value.data() + value.size() && out > 0;
}

// Which trace `record` writes (see kRecordUsage).
enum class TraceKind { ByLength, EverySteps, Checkpoints };

// Runs of at most this many steps are recorded as steps traces by default:
// recording one again costs at most about a twentieth of a second, and the
// file is then what every dustrun since format 3 reads, opens without
// re-executing, and reads up to its last whole block if cut short.
constexpr std::uint64_t kLongestStepsTraceByDefault = 1u << 18;

// Prints the run's result, then what went wrong with the trace or, with
// --stats, what it holds; the exit code is the run's unless the trace
// could not be written.
int finish_recording(const Machine& machine, const RunOptions& options, bool ok, const std::string& error,
                     const rec::RecorderStats& s, const char* units, const std::string& output) {
  int code = print_outcome(machine, options);
  if (!ok) {
    std::cerr << "dustrun: " << error << "\n";
    return kExitBadTrace;
  }
  if (options.stats) {
    std::fprintf(stderr, "recorded: %llu steps, %llu %s, %llu keyframes, %llu bytes (%.3f bytes/step) to %s\n",
                 static_cast<unsigned long long>(s.steps), static_cast<unsigned long long>(s.blocks), units,
                 static_cast<unsigned long long>(s.keyframes), static_cast<unsigned long long>(s.file_bytes),
                 s.steps > 0 ? static_cast<double>(s.file_bytes) / static_cast<double>(s.steps) : 0.0,
                 output.c_str());
  }
  return code;
}

// A short run, recorded as checkpoints in `output`, recorded again step by
// step: the run is decided by its program and configuration, so it takes
// the same steps. The steps trace is written beside the checkpoint trace
// and renamed over it only when whole and of the same run, so a recorder
// killed meanwhile leaves the checkpoint trace.
int rerecord_every_step(const Machine& ran, std::shared_ptr<const Program> program, std::string text,
                        const RunOptions& options, rec::RecorderOptions recorder_options, const std::string& output) {
  const std::string partial = output + ".partial";
  recorder_options.progress = false;
  Machine again(std::move(program), &intrinsics(), options.config);
  rec::Recorder recorder(partial, std::move(text), options.dir_path, recorder_options);
  run_to_end(again, &recorder);
  std::error_code ignored;
  if (!recorder.ok() || again.steps != ran.steps || again.tick != ran.tick ||
      again.outcome.status != ran.outcome.status) {
    std::filesystem::remove(partial, ignored);
    std::cerr << "dustrun: " << output << ": kept as checkpoints: "
              << (recorder.ok() ? "the run did not take the same steps again" : recorder.error()) << "\n";
    return finish_recording(ran, options, true, "", rec::RecorderStats{}, "checkpoints", output);
  }
  std::filesystem::rename(partial, output, ignored);
  if (ignored) {
    std::filesystem::remove(partial, ignored);
    return finish_recording(ran, options, false, output + ": cannot replace it: " + ignored.message(),
                            recorder.stats(), "blocks", output);
  }
  return finish_recording(ran, options, true, "", recorder.stats(), "blocks", output);
}

}  // namespace

int record_command(const std::vector<std::string>& args) {
  std::string output;
  rec::RecorderOptions recorder_options;
  recorder_options.progress = isatty(2) != 0;
  std::vector<std::string> run_args;
  TraceKind kind = TraceKind::ByLength;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string& out) {
      std::size_t eq = arg.find('=');
      if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
        out = arg.substr(eq + 1);
        return true;
      }
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    if (arg == "-h" || arg == "--help") {
      std::cout << kRecordUsage;
      return kExitOk;
    }
    if (arg == "-o" || arg == "--output" || arg.rfind("--output=", 0) == 0) {
      if (!value(output) || output.empty()) {
        std::cerr << "dustrun: option " << arg << " needs a value\n\n" << kRecordUsage;
        return kExitUsage;
      }
    } else if (arg == "--keyframe-every" || arg.rfind("--keyframe-every=", 0) == 0) {
      if (!value(v) || !parse_count(v, recorder_options.keyframe_steps)) {
        std::cerr << "dustrun: --keyframe-every needs a positive number of steps\n\n" << kRecordUsage;
        return kExitUsage;
      }
      recorder_options.block_steps = recorder_options.keyframe_steps;
      recorder_options.keyframe_bytes_per_step = 0;
    } else if (arg == "--every-step") {
      kind = TraceKind::EverySteps;
    } else if (arg == "--checkpoints") {
      kind = TraceKind::Checkpoints;
    } else if (arg == "--progress") {
      recorder_options.progress = true;
    } else if (arg == "--no-progress") {
      recorder_options.progress = false;
    } else {
      run_args.push_back(arg);
    }
  }

  RunOptions options;
  std::string error;
  switch (parse_run_options(run_args, options, error)) {
    case ParseStatus::Help: std::cout << kRecordUsage; return kExitOk;
    case ParseStatus::Version: std::cout << "dustrun " << kDustrunVersion << "\n"; return kExitOk;
    case ParseStatus::Error: std::cerr << "dustrun: " << error << "\n\n" << kRecordUsage; return kExitUsage;
    case ParseStatus::Run: break;
  }
  if (output.empty()) {
    std::cerr << "dustrun: record needs -o <FILE.dtrace>\n\n" << kRecordUsage;
    return kExitUsage;
  }

  // A file larger than the memory budget is refused, as a load error,
  // before any of it is read (load_program of the path checks its size).
  std::string text;
  std::string why;
  std::error_code size_error;
  const std::uintmax_t size = std::filesystem::file_size(options.dir_path, size_error);
  const bool over_budget = !size_error && options.config.max_memory != 0 && size > options.config.max_memory;
  if (!over_budget && !rec::read_program_file(options.dir_path, 0, text, why)) {
    std::cerr << "dustrun: failed to read DIR file '" << options.dir_path << "': " << why << "\n";
    return kExitUsage;
  }
  LoadResult loaded = over_budget ? load_program(options.dir_path, options.config.max_memory)
                                  : load_program(options.dir_path, text, options.config.max_memory);
  if (!loaded.ok()) {
    if (options.emit_trace) std::cout << error_trace_json(loaded.error) << "\n";
    if (!options.quiet) std::cerr << "dustrun: " << loaded.error.display() << "\n";
    return kExitLoad;
  }

  // Refuse at once a trace that cannot be written, rather than after the run.
  if (std::ofstream probe(output, std::ios::binary | std::ios::trunc); !probe) {
    std::cerr << "dustrun: " << output << ": cannot create: " << std::strerror(errno) << "\n";
    return kExitBadTrace;
  }
  prepare_phi(*loaded.program, options.config);
  Machine machine(loaded.program, &intrinsics(), options.config);
  std::unique_ptr<StepPrinter> printer;
  if (options.trace) printer = std::make_unique<StepPrinter>(std::cerr);
  if (kind != TraceKind::EverySteps && rec::reproducible_from_config(options.config)) {
    std::string program_text = kind == TraceKind::ByLength ? text : std::string();
    rec::CheckpointRecorder recorder(output, std::move(text), options.dir_path, recorder_options);
    recorder.run(machine, printer.get());
    if (kind == TraceKind::ByLength && recorder.ok() && machine.steps <= kLongestStepsTraceByDefault) {
      return rerecord_every_step(machine, loaded.program, std::move(program_text), options, recorder_options, output);
    }
    return finish_recording(machine, options, recorder.ok(), recorder.error(), recorder.stats(), "checkpoints",
                            output);
  }
  rec::Recorder recorder(output, std::move(text), options.dir_path, recorder_options);
  Fanout observers;
  observers.add(&recorder);
  observers.add(printer.get());
  run_to_end(machine, printer ? static_cast<ExecutionObserver*>(&observers) : &recorder);
  return finish_recording(machine, options, recorder.ok(), recorder.error(), recorder.stats(), "blocks", output);
}

}  // namespace dust::cli
