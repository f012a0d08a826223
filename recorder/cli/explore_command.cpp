// explore_command.cpp — `dustrun explore`: runs a program under many
// schedules and groups the runs by outcome, so the one interleaving in a
// hundred that deadlocks or loses an update is found and can be rerun
// alone with `dustrun <DIR> --schedule TOKEN`.
//
// Three ways to choose the schedules:
//   --seeds A..B   one run per scheduler seed (samples);
//   --exhaustive   every distinguishable interleaving (explore_search.hpp),
//                  complete or cut by a bound that it names;
//   --pct D        PCT runs with bug depth D (explore_pct.hpp).
//
// An outcome is what a user compares runs by: the returned value (or the
// error's kind and message) together with the whole effect log. Logical
// time is left out: it says how the threads interleaved, not what the
// program did. Outcomes are printed in the order they were first found,
// each with its count and the schedule token of its first run; --json
// prints the same as JSON, --shrink shrinks each failing outcome's token
// (explore_shrink.hpp). Every run that explore completes is a finding, not
// a failure of explore, so it exits 0 whatever the outcomes; 2 for bad
// arguments and 3 when the program does not load, as a plain run.
//
// Runs go straight through the machine with no observer. A program that
// can spin forever under some interleaving can be bounded with
// --max-steps N; a run that reaches it is its own outcome.
#include <charconv>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "dust/dir_loader.hpp"
#include "dust/machine.hpp"
#include "dust/phi_solver.hpp"
#include "dust/recorder/program_file.hpp"
#include "explore_outcomes.hpp"
#include "explore_pct.hpp"
#include "explore_search.hpp"
#include "explore_shrink.hpp"
#include "run_options.hpp"

namespace dust::cli {

namespace {

constexpr const char* kExploreUsage =
    "Usage: dustrun explore (--seeds A..B | --exhaustive | --pct D --runs N) [options] <DIR>\n"
    "\n"
    "Runs the program under many schedules and prints every distinct outcome --\n"
    "the result or error and the effects -- with how many runs gave it and the\n"
    "schedule token of the first that did. Rerun one with\n"
    "`dustrun <DIR> --schedule TOKEN` (or record it, or open it in dustdbg).\n"
    "\n"
    "Modes:\n"
    "      --seeds A..B          one run per scheduler seed from A to B (inclusive; N alone\n"
    "                            runs one seed; seed 0 is round-robin)\n"
    "      --exhaustive          every distinguishable interleaving: dynamic partial-order\n"
    "                            reduction (source sets, sleep sets, local steps) and state\n"
    "                            caching; ends with\n"
    "                            `complete: N executions, M distinct outcomes` (N counts\n"
    "                            distinct final states) or `bounded: ...` naming the bound\n"
    "      --pct D --runs N      N runs of PCT with bug depth D; prints the guarantee\n"
    "\n"
    "Options:\n"
    "      --preemptions P       exhaustive: at most P preemptions per run\n"
    "      --max-executions N    exhaustive: stop after N executions\n"
    "      --max-seconds S       exhaustive: stop after S seconds (wall clock: the result\n"
    "                            then depends on the machine's speed)\n"
    "      --shard I/N           exhaustive: explore share I (0-based) of N; print shard JSON\n"
    "                            for `dustrun explore-merge`\n"
    "      --no-dpor             exhaustive: sleep sets and state caching only, without\n"
    "                            dynamic partial-order reduction (to compare the two)\n"
    "      --shrink              shrink each failing outcome's schedule (fewest preemptions,\n"
    "                            then fewest steps) and print the shrunk token\n"
    "      --json                print the result as JSON\n"
    "  -e, --entry NAME          entry proc (default: main)\n"
    "      --effects MODE        simulate (default) or realize\n"
    "      --fs-root DIR         the only directory file I/O may touch\n"
    "      --max-steps N         stop a run after N steps and count it as its own outcome\n"
    "  -h, --help                show this help\n"
    "\n"
    "Exit codes: 0 explored (whatever the outcomes), 2 bad arguments or unreadable\n"
    "file, 3 DIR load error.\n";

constexpr std::size_t kEffectsShown = 10;

enum class Mode { None, Seeds, Exhaustive, Pct };

struct ExploreOptions {
  RunOptions run;
  Mode mode = Mode::None;
  std::uint64_t first_seed = 0;
  std::uint64_t last_seed = 0;
  std::uint64_t max_steps = 0;  // 0: no limit
  SearchLimits limits;
  bool sharded = false;
  std::uint64_t pct_depth = 0;
  std::uint64_t pct_runs = 0;
  bool json = false;
  bool shrink = false;
  bool no_dpor = false;
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

bool parse_shard(const std::string& text, std::uint64_t& index, std::uint64_t& count) {
  std::size_t slash = text.find('/');
  return slash != std::string::npos && parse_u64(text.substr(0, slash), index) &&
         parse_u64(text.substr(slash + 1), count) && count >= 1 && index < count && count <= 1000000;
}

bool set_mode(ExploreOptions& options, Mode mode, std::string& error) {
  if (options.mode != Mode::None && options.mode != mode) {
    error = "choose one of --seeds, --exhaustive and --pct";
    return false;
  }
  options.mode = mode;
  return true;
}

// Takes explore's own options out and hands the rest to the run parser.
ParseStatus parse_explore_options(const std::vector<std::string>& args, ExploreOptions& options, std::string& error) {
  std::vector<std::string> rest;
  bool has_runs = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value_of = [&](const char* name, std::string& value) { return option_value(args, i, name, value, error); };
    auto is = [&](const char* name) { return option_matches(arg, name); };
    auto number = [&](const char* name, std::uint64_t& out, bool positive) {
      std::string value;
      if (!value_of(name, value)) return false;
      if (!parse_u64(value, out) || (positive && out == 0)) {
        error = "invalid value '" + value + "' for " + name + " (expected a " +
                (positive ? "positive" : "non-negative") + " integer)";
        return false;
      }
      return true;
    };
    std::string value;
    if (arg == "-h" || arg == "--help") return ParseStatus::Help;
    if (is("--seeds")) {
      if (!set_mode(options, Mode::Seeds, error) || !value_of("--seeds", value)) return ParseStatus::Error;
      if (!parse_seed_range(value, options.first_seed, options.last_seed)) {
        error = "invalid value '" + value + "' for --seeds (expected A..B with A <= B, or N)";
        return ParseStatus::Error;
      }
    } else if (arg == "--exhaustive") {
      if (!set_mode(options, Mode::Exhaustive, error)) return ParseStatus::Error;
    } else if (is("--pct")) {
      if (!set_mode(options, Mode::Pct, error) || !number("--pct", options.pct_depth, true)) return ParseStatus::Error;
      if (options.pct_depth > 64) {
        error = "invalid value for --pct (a bug depth of at most 64)";
        return ParseStatus::Error;
      }
    } else if (is("--runs")) {
      if (!number("--runs", options.pct_runs, true)) return ParseStatus::Error;
      has_runs = true;
    } else if (is("--max-steps")) {
      if (!number("--max-steps", options.max_steps, true)) return ParseStatus::Error;
    } else if (is("--preemptions")) {
      std::uint64_t p = 0;
      if (!number("--preemptions", p, false)) return ParseStatus::Error;
      options.limits.preemptions = p;
    } else if (is("--max-executions")) {
      std::uint64_t n = 0;
      if (!number("--max-executions", n, true)) return ParseStatus::Error;
      options.limits.executions = n;
    } else if (is("--max-seconds")) {
      std::uint64_t s = 0;
      if (!number("--max-seconds", s, true)) return ParseStatus::Error;
      options.limits.seconds = static_cast<double>(s);
    } else if (is("--shard")) {
      if (!value_of("--shard", value)) return ParseStatus::Error;
      if (!parse_shard(value, options.limits.shard, options.limits.shards)) {
        error = "invalid value '" + value + "' for --shard (expected I/N with 0 <= I < N)";
        return ParseStatus::Error;
      }
      options.sharded = true;
    } else if (arg == "--no-dpor") {
      options.limits.dpor = false;
      options.no_dpor = true;
    } else if (arg == "--json") {
      options.json = true;
    } else if (arg == "--shrink") {
      options.shrink = true;
    } else if (is("--seed") || is("--schedule") || arg == "--trace" || arg == "--emit-trace" || arg == "--stats" ||
               arg == "-V" || arg == "--version") {
      error = "explore does not take " + arg.substr(0, arg.find('='));
      return ParseStatus::Error;
    } else {
      rest.push_back(arg);
    }
  }
  ParseStatus status = parse_run_options(rest, options.run, error);
  if (status != ParseStatus::Run) return status;
  if (options.mode == Mode::None) {
    error = "explore needs --seeds A..B, --exhaustive or --pct D --runs N";
    return ParseStatus::Error;
  }
  if (options.mode == Mode::Pct && !has_runs) {
    error = "--pct needs --runs N";
    return ParseStatus::Error;
  }
  if (options.mode != Mode::Pct && has_runs) {
    error = "--runs goes with --pct";
    return ParseStatus::Error;
  }
  bool search_options = options.limits.preemptions || options.limits.executions || options.limits.seconds ||
                        options.sharded || options.no_dpor;
  if (options.mode != Mode::Exhaustive && search_options) {
    error = "--preemptions, --max-executions, --max-seconds, --shard and --no-dpor go with --exhaustive";
    return ParseStatus::Error;
  }
  if (options.sharded && options.shrink) {
    error = "--shrink does not go with --shard (shrink after explore-merge, on one token)";
    return ParseStatus::Error;
  }
  options.limits.max_steps = options.max_steps;
  return ParseStatus::Run;
}

std::string rerun_flags(const ExploreOptions& options) {
  std::string out;
  if (options.run.config.entry != "main") out += " --entry " + options.run.config.entry;
  if (options.run.config.effects != EffectMode::Simulate) out += " --effects realize";
  if (!options.run.config.fs_root.empty()) out += " --fs-root " + options.run.config.fs_root;
  return out;
}

std::string mode_text(const ExploreOptions& options, std::uint64_t runs) {
  switch (options.mode) {
    case Mode::Seeds:
      return "seeds " + std::to_string(options.first_seed) + ".." + std::to_string(options.last_seed) + ": " +
             std::to_string(runs) + (runs == 1 ? " run" : " runs");
    case Mode::Exhaustive: return "exhaustive";
    case Mode::Pct:
      return "pct depth " + std::to_string(options.pct_depth) + ": " + std::to_string(runs) +
             (runs == 1 ? " run" : " runs");
    case Mode::None: break;
  }
  return "";
}

struct Shrunk {
  std::size_t outcome = 0;
  ShrinkResult result;
};

void print_human(const ExploreOptions& options, const ExploreReport& report, const std::vector<Shrunk>& shrunk,
                 const std::string& footer) {
  std::size_t count = report.outcomes.size();
  std::string out = "explore: " + options.run.dir_path + " (entry " + options.run.config.entry + ", " +
                    effect_mode_name(options.run.config.effects) + "), " + mode_text(options, report.executions) +
                    ", " + std::to_string(count) + " distinct outcome" + (count == 1 ? "" : "s") + "\n";
  std::size_t index = 0;
  for (const ExploreOutcome& o : report.outcomes) {
    out += "\noutcome " + std::to_string(index + 1) + ": " + std::to_string(o.count);
    switch (options.mode) {
      case Mode::Seeds:
        out += (o.count == 1 ? " seed" : " seeds") + std::string(", first seed ") + std::to_string(o.first_seed);
        break;
      case Mode::Exhaustive: out += o.count == 1 ? " final state" : " final states"; break;
      case Mode::Pct: out += (o.count == 1 ? " run" : " runs") + std::string(", first run ") + std::to_string(o.first_seed); break;
      case Mode::None: break;
    }
    out += "\n  " + o.headline + "\n";
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
    out += "  schedule: " + o.schedule + "\n";
    for (const Shrunk& s : shrunk) {
      if (s.outcome != index) continue;
      out += "  shrunk: " + s.result.token + " (" + std::to_string(s.result.preemptions) + " preemptions, " +
             std::to_string(s.result.steps) + " steps; was " + std::to_string(s.result.original_preemptions) + ", " +
             std::to_string(s.result.original_steps) + ")\n";
    }
    if (options.mode == Mode::Seeds) {
      out += "  rerun: dustrun " + options.run.dir_path + " --seed " + std::to_string(o.first_seed) + rerun_flags(options) + "\n";
    } else {
      out += "  rerun: dustrun " + options.run.dir_path + " --schedule " + o.schedule + rerun_flags(options) + "\n";
    }
    ++index;
  }
  out += footer;
  std::fwrite(out.data(), 1, out.size(), stdout);
}

std::string search_footer(const ExploreReport& report) {
  std::string counts = std::to_string(report.executions) + (report.executions == 1 ? " execution, " : " executions, ") +
                       std::to_string(report.outcomes.size()) + " distinct outcome" +
                       (report.outcomes.size() == 1 ? "" : "s");
  if (report.complete) return "\ncomplete: " + counts + "\n";
  std::string why;
  if (report.bound->kind == "preemptions") {
    why = "--preemptions " + std::to_string(report.bound->value) + " left out runs with more preemptions";
  } else if (report.bound->kind == "executions") {
    why = "--max-executions " + std::to_string(report.bound->value) + " stopped the search";
  } else {
    why = "--max-seconds " + std::to_string(report.bound->value) + " stopped the search";
  }
  return "\nbounded: " + counts + " found before " + why + "; other outcomes may exist\n";
}

ExploreReport run_seeds(const ExploreOptions& options, const Machine& initial) {
  ExploreReport report;
  report.complete = false;
  for (std::uint64_t seed = options.first_seed;; ++seed) {
    Machine machine(initial);
    machine.config.seed = seed;
    machine.rng_state = seed;
    TokenBuilder token = run_recording_token(machine, options.max_steps);
    ++report.executions;
    auto [index, fresh] = report.add(outcome_of(machine, options.max_steps));
    ExploreOutcome& o = report.outcomes[index];
    if (fresh) {
      o.first_seed = seed;
      o.schedule = token.token().text();
    }
    ++o.count;
    if (seed == options.last_seed) break;
  }
  return report;
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
  // Φ resolution does not depend on the schedule: decided once, before the
  // first run, and every run starts from it.
  prepare_phi(*loaded.program, options.run.config);
  const Machine initial(loaded.program, &intrinsics(), options.run.config);

  ExploreReport report;
  std::string footer;
  switch (options.mode) {
    case Mode::Seeds: report = run_seeds(options, initial); break;
    case Mode::Exhaustive: {
      SearchStats stats;
      report = explore_exhaustive(initial, options.limits, stats);
      footer = search_footer(report);
      if (std::getenv("DUST_EXPLORE_STATS") != nullptr) {
        std::fprintf(stderr, "states %llu, steps %llu, parts %llu, runs %llu, finals %llu\n",
                     static_cast<unsigned long long>(stats.states), static_cast<unsigned long long>(stats.steps),
                     static_cast<unsigned long long>(stats.parts), static_cast<unsigned long long>(stats.runs),
                     static_cast<unsigned long long>(stats.finals));
      }
      break;
    }
    case Mode::Pct: {
      PctGuarantee g;
      report = explore_pct(initial, PctSettings{options.pct_depth, options.pct_runs, options.max_steps}, g);
      char line[256];
      std::snprintf(line, sizeof line,
                    "\npct: each run finds a bug of depth <= %llu with probability >= 1/(n*k^(D-1)) = %.3g "
                    "(n = %llu threads, k = %llu steps, D = %llu)\n",
                    static_cast<unsigned long long>(options.pct_depth), g.per_run,
                    static_cast<unsigned long long>(g.threads), static_cast<unsigned long long>(g.steps),
                    static_cast<unsigned long long>(options.pct_depth));
      footer = line;
      break;
    }
    case Mode::None: break;
  }

  if (options.sharded) {
    std::string out = shard_json(report, options.limits.shard, options.limits.shards);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  }
  std::vector<Shrunk> shrunk;
  if (options.shrink) {
    for (std::size_t i = 0; i < report.outcomes.size(); ++i) {
      const ExploreOutcome& o = report.outcomes[i];
      if (!o.error) continue;
      std::string why;
      auto token = ScheduleToken::parse(o.schedule, why);
      if (token) shrunk.push_back({i, shrink_schedule(initial, *token, options.max_steps)});
    }
  }
  if (options.json) {
    std::string out = report_json(report);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  }
  print_human(options, report, shrunk, footer);
  return kExitOk;
}

int explore_merge_command(const std::vector<std::string>& args) {
  constexpr const char* kUsage =
      "Usage: dustrun explore-merge SHARD.json...\n"
      "\n"
      "Merges the JSON of `dustrun explore --exhaustive --shard I/N --json` for every I\n"
      "into the JSON one `dustrun explore --exhaustive --json` prints, byte for byte.\n";
  if (args.empty()) {
    std::cerr << "dustrun explore-merge: no shard files given\n\n" << kUsage;
    return kExitUsage;
  }
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& path : args) {
    if (path == "-h" || path == "--help") {
      std::cout << kUsage;
      return kExitOk;
    }
    std::string text;
    std::string why;
    if (!rec::read_program_file(path, 0, text, why)) {
      std::cerr << "dustrun explore-merge: " << path << ": cannot read: " << why << "\n";
      return kExitUsage;
    }
    files.emplace_back(path, std::move(text));
  }
  ExploreReport merged;
  std::string error;
  if (!merge_shards(files, merged, error)) {
    std::cerr << "dustrun explore-merge: " << error << "\n";
    return kExitUsage;
  }
  std::string out = report_json(merged);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace dust::cli
