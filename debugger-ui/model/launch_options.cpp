// launch_options.cpp — parsing dustdbg's arguments.
#include "model/launch_options.hpp"

#include <charconv>

namespace dust::dbg {

namespace {

bool parse_u64(const std::string& text, std::uint64_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

bool parse_size(const std::string& text, int& w, int& h) {
  std::size_t x = text.find('x');
  if (x == std::string::npos) return false;
  std::uint64_t a = 0, b = 0;
  if (!parse_u64(text.substr(0, x), a) || !parse_u64(text.substr(x + 1), b)) return false;
  if (a < 320 || b < 240 || a > 8192 || b > 8192) return false;
  w = static_cast<int>(a);
  h = static_cast<int>(b);
  return true;
}

bool parse_range(const std::string& text, std::pair<double, double>& out) {
  std::size_t dots = text.find("..");
  if (dots == std::string::npos) return false;
  std::uint64_t a = 0, b = 0;
  if (!parse_u64(text.substr(0, dots), a) || !parse_u64(text.substr(dots + 2), b) || b <= a) return false;
  out = {static_cast<double>(a), static_cast<double>(b)};
  return true;
}

}  // namespace

const char* launch_usage() {
  return "usage: dustdbg [FILE] [--seed N | --schedule TOKEN] [--entry NAME] [--effects simulate|realize] [--phi reference|resolve]\n"
         "                [--max-steps N] [--max-depth N]\n"
         "       dustdbg --screenshot OUT.png --at STEP|failure|end [--size WxH] [--range A..B] FILE\n"
         "       dustdbg --bench-scrub [--frames N] FILE\n"
         "       dustdbg --idle-check FILE\n"
         "       dustdbg --key-check FILE\n"
         "FILE is a recording (.dtrace) or a DIR program, which is recorded first.\n"
         "Without FILE the bundled demo opens.\n";
}

std::optional<LaunchOptions> parse_launch_options(const std::vector<std::string>& args, std::string& error) {
  LaunchOptions o;
  auto value = [&](std::size_t& i, const std::string& flag) -> const std::string* {
    if (i + 1 >= args.size()) {
      error = flag + " needs a value";
      return nullptr;
    }
    return &args[++i];
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      o.mode = LaunchMode::Help;
    } else if (a == "--seed") {
      const std::string* v = value(i, a);
      std::uint64_t seed = 0;
      if (v == nullptr) return std::nullopt;
      if (!parse_u64(*v, seed)) {
        error = "--seed expects a non-negative integer, got '" + *v + "'";
        return std::nullopt;
      }
      o.seed = seed;
    } else if (a == "--schedule") {
      const std::string* v = value(i, a);
      if (v == nullptr) return std::nullopt;
      std::string why;
      o.schedule = ScheduleToken::parse(*v, why);
      if (!o.schedule) {
        error = "--schedule '" + *v + "': " + why;
        return std::nullopt;
      }
    } else if (a == "-e" || a == "--entry") {
      const std::string* v = value(i, a);
      if (v == nullptr) return std::nullopt;
      o.entry = *v;
    } else if (a == "--effects") {
      const std::string* v = value(i, a);
      if (v == nullptr) return std::nullopt;
      if (*v != "simulate" && *v != "realize") {
        error = "--effects expects simulate or realize, got '" + *v + "'";
        return std::nullopt;
      }
      o.effects = *v;
    } else if (a == "--phi") {
      const std::string* v = value(i, a);
      if (v == nullptr) return std::nullopt;
      if (*v != "reference" && *v != "resolve") {
        error = "--phi expects reference or resolve, got '" + *v + "'";
        return std::nullopt;
      }
      o.phi = *v;
    } else if (a == "--max-steps") {
      const std::string* v = value(i, a);
      std::uint64_t n = 0;
      if (v == nullptr) return std::nullopt;
      if (!parse_u64(*v, n) || n == 0) {
        error = "--max-steps expects a positive integer, got '" + *v + "'";
        return std::nullopt;
      }
      o.max_steps = n;
    } else if (a == "--max-depth") {
      const std::string* v = value(i, a);
      std::uint64_t n = 0;
      if (v == nullptr) return std::nullopt;
      if (!parse_u64(*v, n) || n == 0 || n > kMaxDepthCeiling) {
        error = "--max-depth expects an integer from 1 to " + std::to_string(kMaxDepthCeiling) + ", got '" + *v + "'";
        return std::nullopt;
      }
      o.max_depth = static_cast<std::uint32_t>(n);
    } else if (a == "--screenshot") {
      const std::string* v = value(i, a);
      if (v == nullptr) return std::nullopt;
      o.mode = LaunchMode::Screenshot;
      o.screenshot_path = *v;
    } else if (a == "--at") {
      const std::string* v = value(i, a);
      if (v == nullptr) return std::nullopt;
      std::uint64_t step = 0;
      if (*v != "failure" && *v != "end" && !parse_u64(*v, step)) {
        error = "--at expects a step number, 'failure' or 'end', got '" + *v + "'";
        return std::nullopt;
      }
      o.at = *v;
    } else if (a == "--size") {
      const std::string* v = value(i, a);
      if (v == nullptr) return std::nullopt;
      if (!parse_size(*v, o.width, o.height)) {
        error = "--size expects WxH between 320x240 and 8192x8192, got '" + *v + "'";
        return std::nullopt;
      }
    } else if (a == "--range") {
      const std::string* v = value(i, a);
      if (v == nullptr) return std::nullopt;
      std::pair<double, double> r;
      if (!parse_range(*v, r)) {
        error = "--range expects A..B with A < B, got '" + *v + "'";
        return std::nullopt;
      }
      o.range = r;
    } else if (a == "--bench-scrub") {
      o.mode = LaunchMode::BenchScrub;
    } else if (a == "--idle-check") {
      o.mode = LaunchMode::IdleCheck;
    } else if (a == "--key-check") {
      o.mode = LaunchMode::KeyCheck;
    } else if (a == "--frames") {
      const std::string* v = value(i, a);
      std::uint64_t n = 0;
      if (v == nullptr) return std::nullopt;
      if (!parse_u64(*v, n) || n < 2 || n > 1000000) {
        error = "--frames expects a count from 2 to 1000000, got '" + *v + "'";
        return std::nullopt;
      }
      o.frames = static_cast<int>(n);
    } else if (!a.empty() && a[0] == '-') {
      error = "unknown option '" + a + "'";
      return std::nullopt;
    } else if (o.file.empty()) {
      o.file = a;
    } else {
      error = "more than one file given: '" + o.file + "' and '" + a + "'";
      return std::nullopt;
    }
  }
  if (o.mode == LaunchMode::Screenshot && o.screenshot_path.empty()) {
    error = "--screenshot needs an output path";
    return std::nullopt;
  }
  if ((o.mode == LaunchMode::BenchScrub || o.mode == LaunchMode::IdleCheck || o.mode == LaunchMode::KeyCheck) &&
      o.file.empty()) {
    error = "--bench-scrub, --idle-check and --key-check need a FILE";
    return std::nullopt;
  }
  return o;
}

RunConfig run_config_for(const LaunchOptions& options) {
  RunConfig config;
  if (!options.entry.empty()) config.entry = options.entry;
  if (options.seed) config.seed = *options.seed;
  config.schedule = options.schedule;
  if (options.effects == "realize") config.effects = EffectMode::Realize;
  if (options.phi == "resolve") config.phi = PhiMode::Resolve;
  if (options.max_steps) config.max_steps = *options.max_steps;
  if (options.max_depth) config.max_depth = *options.max_depth;
  return config;
}

std::optional<ResolvedStep> resolve_step(const std::string& at, std::uint64_t steps,
                                         std::optional<std::uint64_t> failure_step, bool complete,
                                         std::string& error) {
  const std::string end = complete ? "the end, step " + std::to_string(steps)
                                   : "the last readable step, " + std::to_string(steps) + " (the trace is cut short)";
  if (at == "end") return ResolvedStep{steps, {}};
  if (at == "failure") {
    if (failure_step) return ResolvedStep{*failure_step, {}};
    return ResolvedStep{steps, (complete ? "--at failure: the run did not fail; showing " : "--at failure: no failure in the readable part; showing ") + end};
  }
  std::uint64_t step = 0;
  if (!parse_u64(at, step)) {
    error = "not a step: '" + at + "'";
    return std::nullopt;
  }
  if (step <= steps) return ResolvedStep{step, {}};
  return ResolvedStep{steps, "--at " + at + ": past " + end + "; showing that step"};
}

}  // namespace dust::dbg
