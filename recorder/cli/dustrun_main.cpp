// dustrun_main.cpp — the `dustrun` command: run a DIR program (semantics
// doc §1.5), and the entry point of the recorder's commands.
//
// Exit codes: 0 success; 2 unreadable file or bad arguments; 3 DIR load
// error; 10 any validation or run failure.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "dust/dir_loader.hpp"
#include "dust/machine.hpp"
#include "dust/observer.hpp"
#include "dust/trace_json.hpp"
#include "run_options.hpp"
#include "step_printer.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitLoad = 3;
constexpr int kExitFailure = 10;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

void print_human(const dust::Machine& machine, const dust::RunOptions& options) {
  const dust::RunOutcome& outcome = machine.outcome;
  std::string out;
  out += "return: " + (outcome.returned ? dust::render_human(*outcome.returned) : std::string("<none>")) + "\n";
  if (machine.effects.empty()) {
    out += "effects: <none>\n";
  } else {
    out += "effects:\n";
    std::size_t i = 0;
    for (const dust::EffectEvent& e : machine.effects) {
      out += "  " + std::to_string(++i) + ". " + e.kind + " " + e.payload + "\n";
    }
  }
  out += "time.ticks: " + std::to_string(machine.tick) + "\n";
  out += std::string("effect_mode: ") + dust::effect_mode_name(options.config.effects) + "\n";
  out += "entry: " + options.config.entry + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

int run_program(const dust::RunOptions& options) {
  auto load_start = std::chrono::steady_clock::now();
  dust::LoadResult loaded = dust::load_dir_file(options.dir_path);
  double load_seconds = seconds_since(load_start);
  if (!loaded.ok()) {
    if (loaded.unreadable) {
      std::cerr << "dustrun: " << loaded.error.message << "\n";
      return kExitUsage;
    }
    if (options.emit_trace) std::cout << dust::error_trace_json(loaded.error) << "\n";
    if (!options.quiet) std::cerr << "dustrun: " << loaded.error.display() << "\n";
    return kExitLoad;
  }

  dust::IntrinsicTable intrinsics;
  dust::Machine machine(loaded.program, &intrinsics, options.config);
  auto run_start = std::chrono::steady_clock::now();
  std::unique_ptr<dust::StepPrinter> printer;
  if (options.trace) printer = std::make_unique<dust::StepPrinter>(std::cerr);
  dust::run_to_end(machine, printer.get());
  double run_seconds = seconds_since(run_start);

  if (options.stats) {
    std::fprintf(stderr,
                 "stats: load %.3f s, execution %.3f s, %llu steps (%.0f steps/s), program %.1f MiB, peak RSS %.1f MiB\n",
                 load_seconds, run_seconds, static_cast<unsigned long long>(machine.steps),
                 run_seconds > 0 ? static_cast<double>(machine.steps) / run_seconds : 0.0,
                 static_cast<double>(loaded.program->memory_bytes()) / (1024.0 * 1024.0),
                 static_cast<double>(peak_rss_kib()) / 1024.0);
  }

  bool failed = machine.outcome.status == dust::MachineStatus::Failed;
  if (options.emit_trace) {
    std::string json = dust::outcome_trace_json(machine);
    json += "\n";
    std::fwrite(json.data(), 1, json.size(), stdout);
  } else if (!failed && !options.quiet) {
    print_human(machine, options);
  }
  if (failed) {
    if (!options.quiet) std::cerr << "dustrun: " << machine.outcome.error.display() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  dust::RunOptions options;
  std::string error;
  switch (dust::parse_run_options(args, options, error)) {
    case dust::ParseStatus::Help:
      std::cout << dust::kDustrunUsage;
      return kExitOk;
    case dust::ParseStatus::Version:
      std::cout << "dustrun " << dust::kDustrunVersion << "\n";
      return kExitOk;
    case dust::ParseStatus::Error:
      std::cerr << "dustrun: " << error << "\n\n" << dust::kDustrunUsage;
      return kExitUsage;
    case dust::ParseStatus::Run:
      break;
  }
  return run_program(options);
}
