// run_options.cpp — parsing dustrun's command line (see run_options.hpp).
#include "run_options.hpp"

#include <charconv>
#include <filesystem>

#include "dust/memory_budget.hpp"

namespace dust {

// Splits "--name=value" and takes "--name value"; false if the value is missing.
bool option_value(const std::vector<std::string>& args, std::size_t& i, const std::string& name, std::string& value,
                  std::string& error) {
  const std::string& arg = args[i];
  if (arg.size() > name.size() && arg[name.size()] == '=') {
    value = arg.substr(name.size() + 1);
    return true;
  }
  if (i + 1 >= args.size()) {
    error = "option " + name + " needs a value";
    return false;
  }
  value = args[++i];
  return true;
}

bool option_matches(const std::string& arg, const char* name) {
  std::string n(name);
  return arg == n || (arg.size() > n.size() && arg.compare(0, n.size(), n) == 0 && arg[n.size()] == '=');
}

namespace {

bool parse_count(const std::string& text, std::uint64_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// A byte count, optionally with a binary suffix: K, M, G or T (also KiB...).
bool parse_bytes(const std::string& text, std::uint64_t& out) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || !parse_count(text.substr(0, digits), out)) return false;
  std::string suffix = text.substr(digits);
  if (suffix.size() == 3 && suffix.compare(1, 2, "iB") == 0) suffix.resize(1);
  if (suffix.empty()) return true;
  if (suffix.size() != 1) return false;
  int shift = 0;
  switch (suffix[0]) {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: return false;
  }
  if (out > (UINT64_MAX >> shift)) return false;
  out <<= shift;
  return true;
}

}  // namespace

ParseStatus parse_run_options(const std::vector<std::string>& args, RunOptions& options, std::string& error) {
  options.config.max_memory = default_memory_limit();
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string value;
    if (arg == "-h" || arg == "--help") return ParseStatus::Help;
    if (arg == "-V" || arg == "--version") return ParseStatus::Version;
    if (arg == "-e" || option_matches(arg, "--entry")) {
      if (!option_value(args, i, arg == "-e" ? "-e" : "--entry", value, error)) return ParseStatus::Error;
      options.config.entry = value;
    } else if (option_matches(arg, "--effects")) {
      if (!option_value(args, i, "--effects", value, error)) return ParseStatus::Error;
      if (value == "simulate") {
        options.config.effects = EffectMode::Simulate;
      } else if (value == "realize") {
        options.config.effects = EffectMode::Realize;
      } else {
        error = "invalid value '" + value + "' for --effects (expected simulate or realize)";
        return ParseStatus::Error;
      }
    } else if (arg == "--simulate") {
      options.config.effects = EffectMode::Simulate;
    } else if (option_matches(arg, "--seed")) {
      if (!option_value(args, i, "--seed", value, error)) return ParseStatus::Error;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), options.config.seed);
      if (ec != std::errc() || ptr != value.data() + value.size()) {
        error = "invalid value '" + value + "' for --seed (expected a non-negative integer)";
        return ParseStatus::Error;
      }
    } else if (option_matches(arg, "--schedule")) {
      if (!option_value(args, i, "--schedule", value, error)) return ParseStatus::Error;
      std::string why;
      options.config.schedule = ScheduleToken::parse(value, why);
      if (!options.config.schedule) {
        error = "--schedule '" + value + "': " + why;
        return ParseStatus::Error;
      }
    } else if (option_matches(arg, "--fs-root")) {
      if (!option_value(args, i, "--fs-root", value, error)) return ParseStatus::Error;
      options.config.fs_root = value;
    } else if (option_matches(arg, "--max-memory")) {
      if (!option_value(args, i, "--max-memory", value, error)) return ParseStatus::Error;
      if (!parse_bytes(value, options.config.max_memory) || options.config.max_memory == 0) {
        error = "invalid value '" + value + "' for --max-memory (expected a positive byte count, e.g. 512M or 2G)";
        return ParseStatus::Error;
      }
    } else if (option_matches(arg, "--max-steps")) {
      if (!option_value(args, i, "--max-steps", value, error)) return ParseStatus::Error;
      if (!parse_count(value, options.config.max_steps) || options.config.max_steps == 0) {
        error = "invalid value '" + value + "' for --max-steps (expected a positive integer)";
        return ParseStatus::Error;
      }
    } else if (option_matches(arg, "--max-depth")) {
      if (!option_value(args, i, "--max-depth", value, error)) return ParseStatus::Error;
      std::uint64_t depth = 0;
      if (!parse_count(value, depth) || depth == 0 || depth > kMaxDepthCeiling) {
        error = "invalid value '" + value + "' for --max-depth (expected an integer from 1 to " +
                std::to_string(kMaxDepthCeiling) + ")";
        return ParseStatus::Error;
      }
      options.config.max_depth = static_cast<std::uint32_t>(depth);
    } else if (option_matches(arg, "--phi")) {
      if (!option_value(args, i, "--phi", value, error)) return ParseStatus::Error;
      if (value == "reference") {
        options.config.phi = PhiMode::Reference;
      } else if (value == "resolve") {
        options.config.phi = PhiMode::Resolve;
      } else {
        error = "invalid value '" + value + "' for --phi (expected reference or resolve)";
        return ParseStatus::Error;
      }
    } else if (arg == "--trace") {
      options.trace = true;
    } else if (arg == "--emit-trace") {
      options.emit_trace = true;
    } else if (arg == "--quiet") {
      options.quiet = true;
    } else if (arg == "--stats") {
      options.stats = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      error = "unknown option '" + arg + "'";
      return ParseStatus::Error;
    } else if (options.dir_path.empty()) {
      options.dir_path = arg;
    } else {
      error = "unexpected argument '" + arg + "'";
      return ParseStatus::Error;
    }
  }
  if (options.dir_path.empty()) {
    error = "missing the DIR file to run";
    return ParseStatus::Error;
  }
  return ParseStatus::Run;
}

namespace {

// A load that ran out of memory names the file: whether the allocation
// that failed was ours (std::bad_alloc) or the JSON parser's, which
// reports it as a load error of its own.
LoadResult over_budget(const std::string& path, const std::string& what, std::uint64_t max_memory) {
  LoadResult refused;
  refused.error = DvmError{ErrorKind::DirLoad, path + ": " + memory_budget_message(what, max_memory)};
  return refused;
}

template <class Load>
LoadResult load_guarded(const std::string& path, std::uint64_t max_memory, Load&& load) {
  LoadResult loaded;
  try {
    loaded = load();
  } catch (const std::bad_alloc&) {
    loaded = LoadResult{};
    loaded.error = DvmError{ErrorKind::DirLoad, path + ": out of memory loading the program"};
    return loaded;
  }
  if (!loaded.ok() && !loaded.unreadable && loaded.error.message.find("out of memory") != std::string::npos) {
    loaded.error.message = path + ": " + loaded.error.message;
  }
  if (loaded.ok() && max_memory != 0 && loaded.program->memory_bytes() > max_memory) {
    return over_budget(path, "the program takes " + std::to_string(loaded.program->memory_bytes()) + " bytes",
                       max_memory);
  }
  return loaded;
}

}  // namespace

LoadResult load_program(const std::string& path, std::uint64_t max_memory) {
  // A program is never smaller in memory than its text, so a file larger
  // than the budget is refused before any of it is read.
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && max_memory != 0 && size > max_memory) {
    return over_budget(path, "a DIR file of " + std::to_string(size) + " bytes", max_memory);
  }
  return load_guarded(path, max_memory, [&] { return load_dir_file(path); });
}

LoadResult load_program(const std::string& path, std::string_view text, std::uint64_t max_memory) {
  if (max_memory != 0 && text.size() > max_memory) {
    return over_budget(path, "a DIR file of " + std::to_string(text.size()) + " bytes", max_memory);
  }
  return load_guarded(path, max_memory, [&] { return load_dir_text(text); });
}

}  // namespace dust
