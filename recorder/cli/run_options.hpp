// run_options.hpp — dustrun's command line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dust/dir_loader.hpp"
#include "dust/machine.hpp"

namespace dust {

inline constexpr const char* kDustrunVersion = "0.2.0 (DIR v0.1 conformant, v0.2 extensions)";

inline constexpr const char* kDustrunUsage =
    "Usage: dustrun <DIR> [options]\n"
    "       dustrun record <DIR> -o RUN.dtrace [options]   run and record every step\n"
    "       dustrun --replay RUN.dtrace [--emit-trace]     re-execute a recording, checking every step\n"
    "       dustrun inspect RUN.dtrace [--info | --at STEP | --last-write NAME --before STEP | ...]\n"
    "       dustrun explore (--seeds A..B | --exhaustive | --pct D --runs N) <DIR> [options]\n"
    "                                                   every distinct outcome over many schedules\n"
    "       dustrun explore-merge SHARD.json...          merge the shards of an exhaustive explore\n"
    "\n"
    "Runs a Dust DIR program on the Dust Virtual Machine. Each command's --help lists its options.\n"
    "\n"
    "Options:\n"
    "  -e, --entry NAME          entry proc (default: main)\n"
    "      --effects MODE        simulate (default) or realize\n"
    "      --simulate            same as --effects simulate\n"
    "      --seed N              scheduler seed for K-threads (0: round-robin)\n"
    "      --schedule TOKEN      follow a schedule token (from explore) instead of the seed\n"
    "      --fs-root DIR         the only directory file I/O may touch\n"
    "      --phi MODE            Φ entries: reference (default, v0.1's refusal) or resolve\n"
    "                            (decide existence with Z3, run from the canonical witness)\n"
    "      --trace               print one line per executed step to stderr\n"
    "      --emit-trace          print the run's trace JSON to stdout (failures too)\n"
    "      --quiet               print nothing but structured output\n"
    "      --stats               print load time, execution time, steps and peak memory to stderr\n"
    "      --max-memory BYTES    budget for everything the program owns: heap, freed-block records,\n"
    "                            effects, files, threads and frames, mutexes, Q, strings (suffix K, M, G;\n"
    "                            default 4G or half the physical memory, whichever is less)\n"
    "      --max-steps N         fail the step after N with `step limit reached` (default: no limit)\n"
    "      --max-depth N         the most frames a thread may hold; a call beyond them fails with\n"
    "                            `call depth limit exceeded` (default: 100000; frames live on the heap)\n"
    "  -h, --help                show this help\n"
    "  -V, --version             show the version\n"
    "\n"
    "Exit codes: 0 success, 2 unreadable file or bad arguments, 3 DIR load error,\n"
    "10 validation or run failure.\n";

struct RunOptions {
  std::string dir_path;
  RunConfig config;
  bool trace = false;
  bool emit_trace = false;
  bool quiet = false;
  bool stats = false;
};

enum class ParseStatus { Run, Help, Version, Error };

// Shared by every subcommand's parser: whether `arg` is `name` or
// `name=value`, and the value of the option at args[i] (from `=value` or
// the next argument, advancing i); false with `error` set if it is missing.
bool option_matches(const std::string& arg, const char* name);
bool option_value(const std::vector<std::string>& args, std::size_t& i, const std::string& name, std::string& value,
                  std::string& error);

ParseStatus parse_run_options(const std::vector<std::string>& args, RunOptions& options, std::string& error);

// load_dir_file, and load_dir_text of the file's text, for the commands: an
// allocation the host refuses while loading (a gigabyte string literal,
// millions of procs) is a DIR load error naming the file, not an abort.

// A program that would not fit in `max_memory` (the run's --max-memory;
// 0: no limit) is refused as well, naming the file.
LoadResult load_program(const std::string& path, std::uint64_t max_memory);
LoadResult load_program(const std::string& path, std::string_view text, std::uint64_t max_memory);

}  // namespace dust
