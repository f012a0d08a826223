// explore_command.cpp — `dustrun explore --seeds A..B <DIR>`: runs a
// program once per scheduler seed and groups the runs by outcome, so the
// one interleaving in a hundred that deadlocks or loses an update is found
// and can be rerun alone with `dustrun <DIR> --seed N`.
//
// An outcome is what a user compares runs by: the returned value (or the
// error's kind and message) together with the whole effect log. Logical
// time is left out: it says how the threads interleaved, not what the
// program did. Outcomes are printed in order of their first seed, each with
// its count and that seed. Every run that explore completes is a finding,
// not a failure of explore, so it exits 0 whatever the outcomes; 2 for bad
// arguments and 3 when the program does not load, as a plain run.
//
// Runs go straight through the machine with no observer. A program that
// can spin forever under some interleaving can be bounded with
// --max-steps N; a run that reaches it is its own outcome.
#include <charconv>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "commands.hpp"
#include "dust/dir_loader.hpp"
#include "dust/machine.hpp"
#include "dust/phi_solver.hpp"
#include "run_options.hpp"

namespace dust::cli {

namespace {

constexpr const char* kExploreUsage =
    "Usage: dustrun explore --seeds A..B [options] <DIR>\n"
    "\n"
    "Runs the program once per scheduler seed from A to B (inclusive; a single N\n"
    "runs one seed) and prints every distinct outcome -- the result or error and\n"
    "the effects -- with how many seeds gave it and the first seed that did.\n"
    "Rerun one with `dustrun <DIR> --seed N`. Seed 0 is round-robin.\n"
    "\n"
    "Options:\n"
    "      --seeds A..B          the seeds to run (required)\n"
    "  -e, --entry NAME          entry proc (default: main)\n"
    "      --effects MODE        simulate (default) or realize\n"
    "      --fs-root DIR         the only directory file I/O may touch\n"
    "      --max-steps N         stop a run after N steps and count it as its own outcome\n"
    "  -h, --help                show this help\n"
    "\n"
    "Exit codes: 0 explored (whatever the outcomes), 2 bad arguments or unreadable\n"
    "file, 3 DIR load error.\n";

constexpr std::size_t kEffectsShown = 10;

struct ExploreOptions {
  RunOptions run;
  std::uint64_t first_seed = 0;
  std::uint64_t last_seed = 0;
  bool has_seeds = false;
  std::uint64_t max_steps = 0;  // 0: no limit
};

bool parse_u64(const std::string& text, std::uint64_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

bool parse_seed_range(const std::string& text, std::uint64_t& first, std::uint64_t& last) {
  std::size_t dots = text.find("..");
  if (dots == std::string::npos) {
    if (!parse_u64(text, first)) return false;
    last = first;
    return true;
  }
  return parse_u64(text.substr(0, dots), first) && parse_u64(text.substr(dots + 2), last) && first <= last;
}

// Takes explore's own options out and hands the rest to the run parser.
ParseStatus parse_explore_options(const std::vector<std::string>& args, ExploreOptions& options, std::string& error) {
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value_of = [&](const char* name, std::string& value) { return option_value(args, i, name, value, error); };
    auto is = [&](const char* name) { return option_matches(arg, name); };
    std::string value;
    if (arg == "-h" || arg == "--help") return ParseStatus::Help;
    if (is("--seeds")) {
      if (!value_of("--seeds", value)) return ParseStatus::Error;
      if (!parse_seed_range(value, options.first_seed, options.last_seed)) {
        error = "invalid value '" + value + "' for --seeds (expected A..B with A <= B, or N)";
        return ParseStatus::Error;
      }
      options.has_seeds = true;
    } else if (is("--max-steps")) {
      if (!value_of("--max-steps", value)) return ParseStatus::Error;
      if (!parse_u64(value, options.max_steps) || options.max_steps == 0) {
        error = "invalid value '" + value + "' for --max-steps (expected a positive integer)";
        return ParseStatus::Error;
      }
    } else if (is("--seed") || arg == "--trace" || arg == "--emit-trace" || arg == "--stats" || arg == "-V" ||
               arg == "--version") {
      error = "explore does not take " + arg.substr(0, arg.find('='));
      return ParseStatus::Error;
    } else {
      rest.push_back(arg);
    }
  }
  ParseStatus status = parse_run_options(rest, options.run, error);
  if (status != ParseStatus::Run) return status;
  if (!options.has_seeds) {
    error = "explore needs --seeds A..B";
    return ParseStatus::Error;
  }
  return ParseStatus::Run;
}

struct Outcome {
  std::string headline;                 // "return: 4", "error: ...", "stopped: ..."
  std::vector<EffectEvent> effects;
  std::uint64_t count = 0;
  std::uint64_t first_seed = 0;
};

Outcome outcome_of(const Machine& machine, std::uint64_t max_steps) {
  Outcome o;
  const RunOutcome& r = machine.outcome;
  switch (r.status) {
    case MachineStatus::Finished:
      o.headline = "return: " + (r.returned ? render_human(*r.returned) : std::string("<none>"));
      break;
    case MachineStatus::Failed: o.headline = "error: " + r.error.display(); break;
    case MachineStatus::Running:
      o.headline = "stopped: reached --max-steps " + std::to_string(max_steps) + " without finishing";
      break;
  }
  o.effects = machine.effects;
  return o;
}

// The grouping key: the headline and every effect, length-prefixed so no
// two different outcomes can collide.
std::string key_of(const Outcome& o) {
  std::string key = o.headline;
  key += '\n';
  for (const EffectEvent& e : o.effects) {
    key += std::to_string(e.kind.size()) + ':' + e.kind + std::to_string(e.payload.size()) + ':' + e.payload;
  }
  return key;
}

void print_outcomes(const ExploreOptions& options, const std::vector<Outcome>& outcomes, std::uint64_t runs) {
  std::string out = "explore: " + options.run.dir_path + " (entry " + options.run.config.entry + ", " +
                    effect_mode_name(options.run.config.effects) + "), seeds " + std::to_string(options.first_seed) +
                    ".." + std::to_string(options.last_seed) + ": " + std::to_string(runs) +
                    (runs == 1 ? " run, " : " runs, ") + std::to_string(outcomes.size()) + " distinct outcome" +
                    (outcomes.size() == 1 ? "" : "s") + "\n";
  std::size_t index = 0;
  for (const Outcome& o : outcomes) {
    out += "\noutcome " + std::to_string(++index) + ": " + std::to_string(o.count) + (o.count == 1 ? " seed" : " seeds") +
           ", first seed " + std::to_string(o.first_seed) + "\n";
    out += "  " + o.headline + "\n";
    if (o.effects.empty()) {
      out += "  effects: <none>\n";
    } else {
      out += "  effects (" + std::to_string(o.effects.size()) + "):\n";
      for (std::size_t i = 0; i < o.effects.size() && i < kEffectsShown; ++i) {
        out += "    " + std::to_string(i + 1) + ". " + o.effects[i].kind + " " + o.effects[i].payload + "\n";
      }
      if (o.effects.size() > kEffectsShown) {
        out += "    ... " + std::to_string(o.effects.size() - kEffectsShown) + " more\n";
      }
    }
    out += "  rerun: dustrun " + options.run.dir_path + " --seed " + std::to_string(o.first_seed);
    if (options.run.config.entry != "main") out += " --entry " + options.run.config.entry;
    if (options.run.config.effects != EffectMode::Simulate) out += " --effects realize";
    if (!options.run.config.fs_root.empty()) out += " --fs-root " + options.run.config.fs_root;
    out += "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

int explore_command(const std::vector<std::string>& args) {
  ExploreOptions options;
  std::string error;
  switch (parse_explore_options(args, options, error)) {
    case ParseStatus::Help:
    case ParseStatus::Version: std::cout << kExploreUsage; return kExitOk;
    case ParseStatus::Error: std::cerr << "dustrun explore: " << error << "\n\n" << kExploreUsage; return kExitUsage;
    case ParseStatus::Run: break;
  }
  LoadResult loaded = load_program(options.run.dir_path, options.run.config.max_memory);
  if (!loaded.ok()) {
    std::cerr << "dustrun: " << (loaded.unreadable ? loaded.error.message : loaded.error.display()) << "\n";
    return loaded.unreadable ? kExitUsage : kExitLoad;
  }

  // Φ resolution does not depend on the scheduler seed: decided once.
  prepare_phi(*loaded.program, options.run.config);
  std::vector<Outcome> outcomes;
  std::map<std::string, std::size_t> by_key;
  std::uint64_t runs = 0;
  StepEvent event;
  for (std::uint64_t seed = options.first_seed;; ++seed) {
    RunConfig config = options.run.config;
    config.seed = seed;
    Machine machine(loaded.program, &intrinsics(), std::move(config));
    while (!machine.done() && (options.max_steps == 0 || machine.steps < options.max_steps)) machine.step(event);
    Outcome o = outcome_of(machine, options.max_steps);
    auto [it, fresh] = by_key.emplace(key_of(o), outcomes.size());
    if (fresh) {
      o.first_seed = seed;
      outcomes.push_back(std::move(o));
    }
    ++outcomes[it->second].count;
    ++runs;
    if (seed == options.last_seed) break;
  }
  print_outcomes(options, outcomes, runs);
  return kExitOk;
}

}  // namespace dust::cli
