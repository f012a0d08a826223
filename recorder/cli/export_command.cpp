// export_command.cpp — `dustrun export --chrome run.dtrace -o run.json`: the
// recording as a timeline for Perfetto, chrome://tracing and Tracy
// (recorder/include/dust/recorder/chrome_export.hpp says what is in it).
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "dust/recorder/chrome_export.hpp"
#include "dust/recorder/trace_reader.hpp"
#include "trace_preparation.hpp"

namespace dust::cli {

namespace {

constexpr const char* kExportUsage =
    "Usage: dustrun export --chrome <FILE.dtrace> -o <FILE.json> [--from A] [--to B]\n"
    "\n"
    "Writes the recording as a Chrome Trace Event Format timeline (ui.perfetto.dev,\n"
    "chrome://tracing, Tracy's importer): a track per K-thread with call and statement\n"
    "spans, blocked spans, a track per mutex with its holds and hand-off arrows,\n"
    "effects and the failure as instants, and a counter of live heap bytes. One logical\n"
    "tick is one microsecond (written in the file's metadata).\n"
    "\n"
    "  --from A, --to B   only steps [A, B)\n"
    "  --progress         progress on stderr (the default for exports of over a million steps)\n"
    "  --no-progress      none\n"
    "\n"
    "Exit codes: 0 written; 2 bad arguments; 11 the trace is incomplete (written as far as it goes);\n"
    "12 not a readable trace or the output cannot be written.\n";

constexpr std::uint64_t kLongExportSteps = 1000000;

bool parse_step(const std::string& text, std::uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

int export_command(const std::vector<std::string>& args) {
  std::string trace, output;
  bool chrome = false;
  std::optional<bool> progress;
  rec::ChromeExportOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto next = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    if (arg == "-h" || arg == "--help") {
      std::cout << kExportUsage;
      return kExitOk;
    } else if (arg == "--chrome") {
      chrome = true;
    } else if (arg == "-o" || arg == "--output") {
      if (!next(output) || output.empty()) {
        std::cerr << "dustrun: export: " << arg << " needs a file\n\n" << kExportUsage;
        return kExitUsage;
      }
    } else if (arg == "--from" || arg == "--to") {
      std::uint64_t step = 0;
      if (!next(v) || !parse_step(v, step)) {
        std::cerr << "dustrun: export: " << arg << " needs a step number\n\n" << kExportUsage;
        return kExitUsage;
      }
      if (arg == "--from") options.from = step;
      else options.to = step;
    } else if (arg == "--progress" || arg == "--no-progress") {
      progress = arg == "--progress";
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "dustrun: export: unknown option " << arg << "\n\n" << kExportUsage;
      return kExitUsage;
    } else if (trace.empty()) {
      trace = arg;
    } else {
      std::cerr << "dustrun: export: one trace at a time (got " << trace << " and " << arg << ")\n\n" << kExportUsage;
      return kExitUsage;
    }
  }
  if (!chrome || trace.empty() || output.empty()) {
    std::cerr << "dustrun: export needs --chrome, a trace and -o <FILE.json>\n\n" << kExportUsage;
    return kExitUsage;
  }
  std::string error;
  std::unique_ptr<rec::TraceReader> reader = rec::TraceReader::open(trace, intrinsics(), error);
  if (!reader) {
    std::cerr << "dustrun: " << (error.empty() ? trace + ": cannot open the trace" : error) << "\n";
    return kExitBadTrace;
  }
  std::uint64_t to = options.to ? *options.to : reader->info().steps;
  if (to > reader->info().steps || options.from >= to) {
    std::cerr << "dustrun: export " << trace << ": the range " << options.from << ".." << to
              << " is not within the recording's " << reader->info().steps << " steps\n";
    return kExitUsage;
  }
  bool show = progress ? *progress : to > options.from && to - options.from > kLongExportSteps;
  if (show) {
    options.progress = [](std::uint64_t done, std::uint64_t all) {
      std::fprintf(stderr, "dustrun export: %llu of %llu steps (%llu%%)\n", static_cast<unsigned long long>(done),
                   static_cast<unsigned long long>(all), static_cast<unsigned long long>(all ? done * 100 / all : 100));
    };
  }
  prepare_reader(*reader, "dustrun export", show);
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::cerr << "dustrun: " << output << ": cannot create the timeline file\n";
    return kExitBadTrace;
  }
  if (!rec::export_chrome_trace(*reader, options, out, error)) {
    std::cerr << "dustrun: export " << trace << ": " << error << "\n";
    out.close();
    ::unlink(output.c_str());
    return kExitBadTrace;
  }
  if (show) std::fprintf(stderr, "dustrun export: wrote %s\n", output.c_str());
  // A trace cut short (a killed recorder) is exported as far as it goes,
  // and said so, as inspect and --replay say it: not a silent success.
  const rec::TraceInfo& info = reader->info();
  if (!info.complete) {
    std::cerr << "dustrun: " << trace << ": incomplete trace (" << info.incomplete_reason << "); exported up to step "
              << info.steps << "\n";
    return kExitTraceIncomplete;
  }
  return kExitOk;
}

}  // namespace dust::cli
