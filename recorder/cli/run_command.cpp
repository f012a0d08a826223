// run_command.cpp — `dustrun <DIR> [options]`: load, run, print.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "dust/dir_loader.hpp"
#include "dust/phi_solver.hpp"
#include "dust/trace_json.hpp"
#include "run_options.hpp"
#include "run_output.hpp"
#include "step_printer.hpp"

namespace dust::cli {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int run_command(const std::vector<std::string>& args) {
  RunOptions options;
  std::string error;
  switch (parse_run_options(args, options, error)) {
    case ParseStatus::Help: std::cout << kDustrunUsage; return kExitOk;
    case ParseStatus::Version: std::cout << "dustrun " << kDustrunVersion << "\n"; return kExitOk;
    case ParseStatus::Error: std::cerr << "dustrun: " << error << "\n\n" << kDustrunUsage; return kExitUsage;
    case ParseStatus::Run: break;
  }

  auto load_start = std::chrono::steady_clock::now();
  LoadResult loaded = load_program(options.dir_path, options.config.max_memory);
  double load_seconds = seconds_since(load_start);
  if (!loaded.ok()) {
    if (loaded.unreadable) {
      std::cerr << "dustrun: " << loaded.error.message << "\n";
      return kExitUsage;
    }
    if (options.emit_trace) std::cout << error_trace_json(loaded.error) << "\n";
    if (!options.quiet) std::cerr << "dustrun: " << loaded.error.display() << "\n";
    return kExitLoad;
  }

  prepare_phi(*loaded.program, options.config);
  Machine machine(loaded.program, &intrinsics(), options.config);
  std::unique_ptr<StepPrinter> printer;
  if (options.trace) printer = std::make_unique<StepPrinter>(std::cerr);
  auto run_start = std::chrono::steady_clock::now();
  run_to_end(machine, printer.get());
  double run_seconds = seconds_since(run_start);

  if (options.stats) {
    std::fprintf(stderr,
                 "stats: load %.3f s, execution %.3f s, %llu steps (%.0f steps/s), program %.1f MiB, "
                 "peak RSS %.1f MiB\n",
                 load_seconds, run_seconds, static_cast<unsigned long long>(machine.steps),
                 run_seconds > 0 ? static_cast<double>(machine.steps) / run_seconds : 0.0,
                 static_cast<double>(loaded.program->memory_bytes()) / (1024.0 * 1024.0), peak_rss_mib());
  }
  return print_outcome(machine, options);
}

}  // namespace dust::cli
