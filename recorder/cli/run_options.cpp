// run_options.cpp — parsing dustrun's command line (see run_options.hpp).
#include "run_options.hpp"

#include <charconv>

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

ParseStatus parse_run_options(const std::vector<std::string>& args, RunOptions& options, std::string& error) {
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
template <class Load>
LoadResult load_guarded(const std::string& path, Load&& load) {
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
  return loaded;
}

}  // namespace

LoadResult load_program(const std::string& path) {
  return load_guarded(path, [&] { return load_dir_file(path); });
}

LoadResult load_program(const std::string& path, std::string_view text) {
  return load_guarded(path, [&] { return load_dir_text(text); });
}

}  // namespace dust
