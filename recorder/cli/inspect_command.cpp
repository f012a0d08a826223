// inspect_command.cpp — `dustrun inspect run.dtrace ...`: questions about a
// recorded run, answered through the TraceReader without re-running it
// from the start.
//
//   --info                         versions, steps, threads, blocks, keyframes, sizes
//   --at STEP [--json]             the whole machine state after STEP steps
//   --events A..B                  one line per step of [A, B)
//   --last-write NAME --before STEP [--thread T] [--frame D]   the reverse watchpoint
//   --origin NAME --at STEP [--thread T] [--frame D] [--depth N] [--max-links N]
//                                  where a value came from
//   --accesses ADDR[..END] [--from A] [--to B]   memory reads and writes, data races
//   --bench-seek N [--seed S]      time N random seeks; report latency and memory
//   --bench-queries N [--seed S]   time N last-write and 10-link origin queries
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string_view>

#include "commands.hpp"
#include "dust/json_text.hpp"
#include "dust/recorder/state_report.hpp"
#include "dust/recorder/trace_format.hpp"
#include "dust/recorder/trace_reader.hpp"
#include "inspect_queries.hpp"
#include "run_options.hpp"
#include "trace_preparation.hpp"

namespace dust::cli {

namespace {

constexpr const char* kInspectUsage =
    "Usage: dustrun inspect <FILE.dtrace> [query]\n"
    "\n"
    "Queries:\n"
    "  --info                      versions, steps, threads, blocks, keyframes (or checkpoints),\n"
    "                              sizes (the default)\n"
    "  --at STEP [--json]          the whole state after STEP steps: threads, frames, bindings,\n"
    "                              heap blocks, mutexes, files, Q table, witnesses, effects\n"
    "  --events A..B               one line per step of [A, B)\n"
    "  --last-write NAME --before STEP [--thread T] [--frame D]\n"
    "                              the last step before STEP that wrote NAME in frame D of\n"
    "                              thread T (D counts from the bottom of the stack: the\n"
    "                              thread's entry proc is 0; default: the innermost frame;\n"
    "                              T defaults to the thread that ran step STEP-1). A call\n"
    "                              writes its parameters, a spawn its thread's arguments.\n"
    "                              mem:ADDRESS asks for the last store to a memory cell\n"
    "  --origin NAME --at STEP [--thread T] [--frame D] [--depth N] [--max-links N]\n"
    "                              where NAME's value at STEP came from: what its writes read,\n"
    "                              through calls, loads (to the store that wrote the bytes),\n"
    "                              joins and Q moves; N levels at most (default: no limit),\n"
    "                              --max-links links (default 1000); a cut chain says so\n"
    "  --accesses ADDR[..END] [--from A] [--to B]\n"
    "                              every read and write of bytes [ADDR, END) (default one byte)\n"
    "                              in steps [A, B), and the pairs that are data races\n"
    "  --bench-seek N [--seed S]   time N seeks to random steps; print p50/p99 and peak memory\n"
    "  --bench-queries N [--seed S]\n"
    "                              time N last-write and 10-link origin queries at random\n"
    "                              steps, threads and names; print p50/p99\n"
    "  --json                      JSON output for --info, --at and every query\n"
    "\n"
    "Exit codes: 0 answered; 2 bad arguments; 11 the trace is incomplete (answered as far\n"
    "as it goes); 12 not a readable trace; 13 the trace disagrees with re-execution.\n";

template <class T>
bool parse_number(const std::string& s, T& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// An address, or a range ADDR..END of bytes (END excluded), each decimal or 0x hex.
bool parse_range(const std::string& v, std::int64_t& address, std::int64_t& end) {
  auto parse = [](const std::string& s, std::int64_t& out) {
    if (s.empty()) return false;
    char* stop = nullptr;
    errno = 0;
    out = static_cast<std::int64_t>(std::strtoll(s.c_str(), &stop, 0));
    return errno == 0 && stop != nullptr && *stop == '\0';
  };
  std::size_t dots = v.find("..");
  if (dots == std::string::npos) {
    if (!parse(v, address) || address == INT64_MAX) return false;
    end = address + 1;
    return true;
  }
  return parse(v.substr(0, dots), address) && parse(v.substr(dots + 2), end) && end > address;
}

// The name of the option `arg` is (bare or with `=value`) among `names`, or null.
const char* option_among(const std::string& arg, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (option_matches(arg, name)) return name;
  }
  return nullptr;
}

bool parse_args(const std::vector<std::string>& args, InspectOptions& o, std::string& error) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string arg = args[i];  // a copy: taking a value moves i on
    std::string v;
    auto number = [&](const char* name, auto& out, const char* needs) {
      if (option_value(args, i, name, v, error) && parse_number(v, out)) return true;
      if (error.empty()) error = std::string(name) + " needs " + needs;
      return false;
    };
    if (arg == "--info") {
      o.mode = "info";
    } else if (arg == "--json") {
      o.json = true;
    } else if (const char* name = option_among(arg, {"--at", "--before"})) {
      if (!number(name, o.step, "a step number")) return false;
      o.has_step = true;
      if (std::string_view(name) == "--at" && o.mode == "info") o.mode = "at";
    } else if (option_matches(arg, "--thread")) {
      std::uint32_t t = 0;
      if (!number("--thread", t, "a thread id")) return false;
      o.thread = t;
    } else if (option_matches(arg, "--frame")) {
      std::uint32_t d = 0;
      if (!number("--frame", d, "a frame depth (0 = the thread's entry proc)")) return false;
      o.frame = d;
    } else if (option_matches(arg, "--depth")) {
      std::uint32_t d = 0;
      if (!number("--depth", d, "a positive number of levels") || d == 0) {
        if (error.empty()) error = "--depth needs a positive number of levels";
        return false;
      }
      o.depth = d;
    } else if (option_matches(arg, "--max-links")) {
      if (!number("--max-links", o.max_links, "a positive count") || o.max_links == 0) {
        if (error.empty()) error = "--max-links needs a positive count";
        return false;
      }
    } else if (const char* name = option_among(arg, {"--from", "--to"})) {
      std::uint64_t n = 0;
      if (!number(name, n, "a step number")) return false;
      (std::string_view(name) == "--from" ? o.from : o.to) = n;
    } else if (option_matches(arg, "--accesses")) {
      if (!option_value(args, i, "--accesses", v, error)) return false;
      if (!parse_range(v, o.address, o.end)) {
        error = "--accesses needs ADDR or ADDR..END (END past ADDR)";
        return false;
      }
      o.mode = "accesses";
    } else if (const char* name = option_among(arg, {"--last-write", "--origin"})) {
      if (!option_value(args, i, name, o.name, error)) return false;
      o.mode = name + 2;
    } else if (option_matches(arg, "--events")) {
      if (!option_value(args, i, "--events", v, error)) return false;
      std::size_t dots = v.find("..");
      if (dots == std::string::npos || !parse_number(v.substr(0, dots), o.first) ||
          !parse_number(v.substr(dots + 2), o.last)) {
        error = "--events needs a range A..B";
        return false;
      }
      o.mode = "events";
    } else if (const char* name = option_among(arg, {"--bench-seek", "--bench-queries"})) {
      if (!number(name, o.count, "a positive count")) return false;
      if (o.count == 0) {
        error = std::string(name) + " needs a positive count";
        return false;
      }
      o.mode = name + 2;
    } else if (option_matches(arg, "--seed")) {
      if (!number("--seed", o.seed, "a number")) return false;
    } else if (arg.size() > 1 && arg[0] == '-') {
      error = "unknown option '" + arg + "'";
      return false;
    } else if (o.path.empty()) {
      o.path = arg;
    } else {
      error = "unexpected argument '" + arg + "'";
      return false;
    }
  }
  if (o.path.empty()) {
    error = "missing the trace file";
    return false;
  }
  if ((o.mode == "last-write" || o.mode == "origin") && !o.has_step) {
    error = "--" + o.mode + " needs " + (o.mode == "origin" ? "--at STEP" : "--before STEP");
    return false;
  }
  return true;
}

std::string mib(std::uint64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

std::string ratio(std::uint64_t a, std::uint64_t b) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b));
  return buf;
}

void print_info(const rec::TraceInfo& info, const std::string& path, bool json) {
  if (json) {
    auto text = [](std::string_view s) { return json_text_value<nlohmann::json>(s); };
    nlohmann::json j{{"file", text(path)},
                     {"format_version", info.format_version},
                     {"min_readable_version", info.min_readable_version},
                     {"writer", text(info.writer)},
                     {"program", text(info.program_path)},
                     {"entry", text(info.config.entry)},
                     {"effects", effect_mode_name(info.config.effects)},
                     {"seed", info.config.seed},
                     {"fs_root", text(info.config.fs_root)},
                     {"max_memory", info.config.max_memory},
                     {"max_steps", info.config.max_steps},
                     {"max_depth", info.config.max_depth},
                     {"complete", info.complete},
                     {"status", machine_status_name(info.status)},
                     {"steps", info.steps},
                     {"ticks", info.final_tick},
                     {"threads", info.threads},
                     {"blocks", info.blocks},
                     {"keyframes", info.keyframes},
                     {"file_bytes", info.file_bytes},
                     {"delta_raw_bytes", info.raw_bytes},
                     {"delta_bytes", info.delta_bytes},
                     {"keyframe_bytes", info.keyframe_bytes},
                     {"keyframe_raw_bytes", info.keyframe_raw_bytes},
                     {"program_bytes", info.program_bytes},
                     {"checkpoints", info.checkpoints}};
    if (info.config.schedule) j["schedule"] = info.config.schedule->text();
    if (!info.complete) j["incomplete_reason"] = text(info.incomplete_reason);
    if (info.error) j["error"] = text(info.error->display());
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  std::string out;
  out += "trace:       " + path + "\n";
  out += "format:      version " + std::to_string(info.format_version) + " (readable by version " +
         std::to_string(info.min_readable_version) + " and later; this dustrun reads " +
         std::to_string(rec::kOldestReadableVersion) + ".." + std::to_string(rec::kFormatVersion) + ")\n";
  out += "recorded by: " + info.writer + "\n";
  out += "program:     " + info.program_path + " (embedded, " + std::to_string(info.program_bytes) + " bytes)\n";
  out += "run:         entry " + info.config.entry + ", effects " + effect_mode_name(info.config.effects) + ", seed " +
         std::to_string(info.config.seed) + (info.config.fs_root.empty() ? "" : ", fs-root " + info.config.fs_root) +
         (info.config.schedule ? ", schedule " + info.config.schedule->text() : std::string()) + "\n";
  out += "limits:      " +
         (info.config.max_memory == 0 ? std::string("no memory budget")
                                      : "memory " + std::to_string(info.config.max_memory) + " bytes") +
         ", " +
         (info.config.max_steps == 0 ? std::string("no step limit")
                                     : std::to_string(info.config.max_steps) + " steps") +
         ", depth " + std::to_string(info.config.max_depth) + " frames\n";
  // Under --phi resolve the recording holds the resolution; inspect never calls the solver.
  if (info.config.phi == PhiMode::Resolve) {
    const std::optional<PhiResolution>& phi = info.config.phi_resolution;
    out += std::string("phi:         resolve") + (phi ? std::string(", ") + phi_outcome_name(phi->outcome) : "") + "\n";
  }
  if (info.complete) {
    out += std::string("status:      complete, run ") + machine_status_name(info.status);
    if (info.error) out += " in thread " + std::to_string(info.error_thread) + ": " + info.error->display();
    out += "\n";
  } else {
    out += "status:      INCOMPLETE (" + info.incomplete_reason + "); readable up to step " +
           std::to_string(info.steps) + "\n";
  }
  out += "steps:       " + std::to_string(info.steps) + "\n";
  out += "ticks:       " + std::to_string(info.final_tick) + "\n";
  out += "threads:     " + std::to_string(info.threads) + "\n";
  if (info.format_version == rec::kCheckpointFormatVersion) {
    out += "checkpoints: " + std::to_string(info.checkpoints) +
           " (a query re-executes the run once, checking each, to re-derive its steps)\n";
    out += "file:        " + std::to_string(info.file_bytes) + " bytes (" + mib(info.file_bytes) + "), " +
           ratio(info.file_bytes, info.steps) + " bytes/step\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return;
  }
  out += "blocks:      " + std::to_string(info.blocks) + "\n";
  out += "keyframes:   " + std::to_string(info.keyframes) + "\n";
  out += "file:        " + std::to_string(info.file_bytes) + " bytes (" + mib(info.file_bytes) + "), " +
         ratio(info.file_bytes, info.steps) + " bytes/step\n";
  out += "deltas:      " + std::to_string(info.raw_bytes) + " bytes raw -> " + std::to_string(info.delta_bytes) +
         " stored (compression ratio " + ratio(info.raw_bytes, info.delta_bytes) + ")\n";
  out += "keyframes:   " + std::to_string(info.keyframe_raw_bytes) + " bytes raw -> " +
         std::to_string(info.keyframe_bytes) + " stored (compression ratio " +
         ratio(info.keyframe_raw_bytes, info.keyframe_bytes) + ")\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

int bench_seek(rec::TraceReader& reader, const InspectOptions& o) {
  // A checkpoint trace's first query re-derives its steps, once per
  // opening: timed apart, so the seeks are the seeks.
  if (reader.info().format_version == rec::kCheckpointFormatVersion) {
    auto start = std::chrono::steady_clock::now();
    reader.tick_at(0);
    std::printf("re-derived %llu steps in %.1f ms (%.1f MiB in memory)\n",
                static_cast<unsigned long long>(reader.info().steps),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count(),
                static_cast<double>(reader.info().rederived_bytes) / (1024.0 * 1024.0));
  }
  std::uint64_t steps = reader.info().steps;
  std::mt19937_64 rng(o.seed);
  std::vector<double> ms;
  ms.reserve(o.count);
  for (std::uint64_t i = 0; i < o.count; ++i) {
    std::uint64_t target = steps == 0 ? 0 : rng() % (steps + 1);
    auto start = std::chrono::steady_clock::now();
    Machine m = reader.state_at(target);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (m.steps != target) {
      std::cerr << "dustrun: seek to step " << target << " reached step " << m.steps << "\n";
      return kExitDivergence;
    }
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * static_cast<double>(ms.size())))]; };
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("state_at over %llu random steps of %llu: p50 %.3f ms, p99 %.3f ms, max %.3f ms; peak RSS %.1f MiB\n",
              static_cast<unsigned long long>(o.count), static_cast<unsigned long long>(steps), pct(0.50), pct(0.99),
              ms.back(), static_cast<double>(usage.ru_maxrss) / 1024.0);
  return kExitOk;
}

// Whether the reader's last problem is a divergence from the recording
// (the trace itself is readable).
bool diverged(const rec::TraceReader& reader) { return reader.last_error().find("diverges") != std::string::npos; }

}  // namespace

int inspect_command(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    std::cout << kInspectUsage;
    return kExitOk;
  }
  InspectOptions o;
  std::string error;
  if (!parse_args(args, o, error)) {
    std::cerr << "dustrun: " << error << "\n\n" << kInspectUsage;
    return kExitUsage;
  }
  std::unique_ptr<rec::TraceReader> reader = rec::TraceReader::open(o.path, intrinsics(), error);
  if (!reader) {
    std::cerr << "dustrun: " << error << "\n";
    return kExitBadTrace;
  }
  const rec::TraceInfo& info = reader->info();
  std::shared_ptr<const Program> program = reader->program();
  // The benchmarks time the preparation apart, and --info needs none.
  if (o.mode != "info" && o.mode != "bench-seek" && o.mode != "bench-queries") {
    prepare_reader(*reader, "dustrun inspect", isatty(2) != 0 && reader->steps_to_prepare() > kLongPreparationSteps);
  }

  if (o.mode == "info") {
    if (!reader->verify(error)) {
      std::cerr << "dustrun: " << error << "\n";
      return kExitBadTrace;
    }
    print_info(info, o.path, o.json);
  } else if (o.mode == "at") {
    Machine m = reader->state_at(o.step);
    if (!reader->last_error().empty() && !diverged(*reader)) {
      std::cerr << "dustrun: " << reader->last_error() << "\n";
      return kExitBadTrace;
    }
    std::string text = o.json ? rec::state_json(m) : rec::state_text(m);
    if (o.step > info.steps) std::cerr << "dustrun: the trace has " << info.steps << " steps; showing the last\n";
    std::cout << text << (o.json ? "\n" : "");
  } else if (o.mode == "events") {
    for (const StepEvent& e : reader->events(o.first, o.last)) std::cout << rec::describe_step(*program, e) << "\n";
  } else if (o.mode == "last-write" || o.mode == "origin" || o.mode == "accesses" || o.mode == "bench-queries") {
    int code = o.mode == "last-write" ? print_last_write(*reader, o)
               : o.mode == "origin"   ? print_origin(*reader, o)
               : o.mode == "accesses" ? print_accesses(*reader, o)
                                      : bench_queries(*reader, o);
    if (code != kExitOk) return code;
  } else if (o.mode == "bench-seek") {
    int code = bench_seek(*reader, o);
    if (code != kExitOk) return code;
  }
  std::cout.flush();

  if (!reader->last_error().empty()) {
    std::cerr << "dustrun: " << reader->last_error() << "\n";
    return diverged(*reader) ? kExitDivergence : kExitBadTrace;
  }
  if (!info.complete) {
    std::cerr << "dustrun: " << o.path << ": incomplete trace (" << info.incomplete_reason << "); read up to step "
              << info.steps << "\n";
    return kExitTraceIncomplete;
  }
  return kExitOk;
}

}  // namespace dust::cli
