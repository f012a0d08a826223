// corpus_test.cpp — every DIR file in tests/data/corpus runs to a defined
// outcome: a result or one of the documented errors, never an unsupported
// statement or an unknown intrinsic.
//
// Most corpus files are libraries: procs with parameters and no `main`,
// and some call procs of sibling modules of the same package (fmt/mod.rs
// calls fmt/debug.rs). So each file is linked with its siblings (the files
// sharing its name up to `__src__`; its own forges come first), and each
// of its procs is run: a proc without parameters whose name is unique as
// the entry, any other through a driver proc appended in a forge of its
// own, which calls it as `Forge::proc(...)` with an argument per parameter
// (a String for parameters that name text, paths or pointers, the Int 1
// otherwise).
// The outcome of every run is listed in corpus_outcomes.txt beside this
// file and compared line by line; set DUST_UPDATE_GOLDEN=1 to rewrite it
// after a deliberate change.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "k_harness.hpp"
#include "test_data.hpp"

using namespace k_test;
namespace fs = std::filesystem;

namespace {

fs::path golden_path() { return fs::path(DUST_SOURCE_DIR) / "tests/dustlib_k/corpus_outcomes.txt"; }

std::vector<fs::path> corpus_files() {
  auto is_dir_file = [](const fs::path& p) {
    std::string name = p.filename().string();
    return name.size() > 9 && name.substr(name.size() - 9) == ".dir.json";
  };
  return dust_test::data_files("corpus", true, is_dir_file);
}

bool names_text(const std::string& param) {
  for (const char* word : {"path", "ptr", "message", "reason", "text", "name"}) {
    if (param == word) return true;
  }
  return false;
}

// The package a corpus file belongs to: its name up to `__src__`, or the
// whole name for a file that is a package of its own.
std::string package_of(const fs::path& file) {
  std::string name = file.filename().string();
  std::size_t src = name.find("__src__");
  return src == std::string::npos ? name : name.substr(0, src);
}

// One line: what a run ended with, effects and time included.
std::string describe(const dust::Machine& m) {
  std::string out;
  if (m.outcome.status == dust::MachineStatus::Finished) {
    out = "return " + (m.outcome.returned ? dust::render_human(*m.outcome.returned) : std::string("<none>"));
  } else {
    out = std::string(dust::error_kind_name(m.outcome.error.kind)) + " " + dust::rust_debug_string(m.outcome.error.message);
  }
  for (const dust::EffectEvent& e : m.effects) out += " | " + e.kind + " " + dust::rust_debug_string(e.payload);
  out += " | ticks " + std::to_string(m.tick);
  return out;
}

std::string run_entry(const std::string& text, const std::string& entry) {
  dust::LoadResult loaded = dust::load_dir_text(text);
  if (!loaded.ok()) return std::string(dust::error_kind_name(loaded.error.kind)) + " " + loaded.error.message;
  dust::RunConfig config;
  config.entry = entry;
  dust::Machine m(loaded.program, &dust::k::standard_intrinsics(), config);
  dust::StepEvent event;
  while (!m.done() && m.steps < kMaxSteps) m.step(event);
  if (!m.done()) return "did not finish within " + std::to_string(kMaxSteps) + " steps";
  return describe(m);
}

// The outcome lines of one file: "<file> <entry>: <outcome>".
std::vector<std::string> outcomes_of(const fs::path& file, const std::vector<fs::path>& siblings) {
  std::string label = fs::relative(file, dust_test::data_path("corpus")).generic_string();
  std::string text = read_text(file);
  std::vector<std::string> lines;
  Json dir = Json::parse(text, nullptr, false);
  if (dir.is_discarded() || !dir.contains("forges") || dir["forges"].empty()) {
    lines.push_back(label + " main: " + run_entry(text, "main"));
    return lines;
  }
  Json own_forges = dir["forges"];
  for (const fs::path& sibling : siblings) {
    if (sibling == file) continue;
    Json other = Json::parse(read_text(sibling), nullptr, false);
    if (other.is_discarded() || !other.contains("forges")) continue;
    for (Json& forge : other["forges"]) dir["forges"].push_back(std::move(forge));
  }
  Json driver = {{"name", "CorpusDriver"}, {"shapes", Json::array()}, {"procs", Json::array()}, {"binds", Json::array()}};
  std::vector<std::pair<std::string, std::string>> runs;  // (what, entry)
  std::map<std::string, int> name_count;
  for (const Json& forge : dir["forges"])
    for (const Json& proc : forge["procs"]) ++name_count[proc["name"].get<std::string>()];
  int n = 0;
  for (const Json& forge : own_forges) {
    for (const Json& proc : forge["procs"]) {
      std::string forge_name = forge["name"];
      std::string name = proc["name"];
      std::string qualified = forge_name + "::" + name;
      if (proc["params"].empty() && name_count[name] == 1) {
        runs.emplace_back(qualified, name);
        continue;
      }
      std::string args;
      for (const Json& param : proc["params"]) {
        if (!args.empty()) args += ", ";
        args += names_text(param["name"].get<std::string>()) ? "\"corpus\"" : "1";
      }
      std::string entry = "drive_" + std::to_string(n++);
      Json body = Json::array({ret(qualified + "(" + args + ")")});
      driver["procs"].push_back(k_test::proc(entry, body, {}, proc["regime"].get<std::string>()));
      runs.emplace_back(qualified + "(" + args + ")", entry);
    }
  }
  dir["forges"].push_back(driver);
  std::string driven = dir.dump();
  for (const auto& [what, entry] : runs) lines.push_back(label + " " + what + ": " + run_entry(driven, entry));
  return lines;
}

TEST(Corpus, EveryFileRunsToADefinedOutcome) {
  std::vector<fs::path> files = corpus_files();
  std::vector<std::string> lines;
  for (const fs::path& file : files) {
    std::vector<fs::path> siblings;
    for (const fs::path& other : files)
      if (package_of(other) == package_of(file)) siblings.push_back(other);
    for (std::string& line : outcomes_of(file, siblings)) lines.push_back(std::move(line));
  }
  ASSERT_GT(lines.size(), 40u) << dust_test::missing_data_message("corpus");
  for (const std::string& line : lines) {
    SCOPED_TRACE(line);
    EXPECT_EQ(line.find("unknown callee"), std::string::npos);
    EXPECT_EQ(line.find("nsupported"), std::string::npos);
    EXPECT_EQ(line.find("DirLoad"), std::string::npos);
    EXPECT_EQ(line.find("did not finish"), std::string::npos);
  }
  std::string actual;
  for (const std::string& line : lines) actual += line + "\n";
  if (std::getenv("DUST_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden_path(), std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << golden_path();
  }
  std::istringstream expected_lines(read_text(golden_path()));
  std::vector<std::string> expected;
  for (std::string line; std::getline(expected_lines, line);) expected.push_back(line);
  ASSERT_FALSE(expected.empty()) << "missing " << golden_path();
  for (std::size_t i = 0; i < std::max(lines.size(), expected.size()); ++i) {
    EXPECT_EQ(i < lines.size() ? lines[i] : "<none>", i < expected.size() ? expected[i] : "<none>") << "line " << i + 1;
  }
}

}  // namespace
