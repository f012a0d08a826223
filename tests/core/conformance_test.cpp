// conformance_test.cpp — every fixture of ../shared/conformance/dustrun runs
// through the built `dustrun --emit-trace`, and its trace equals the golden
// trace as a JSON value.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "process_runner.hpp"

namespace fs = std::filesystem;

namespace {

struct Fixture {
  std::string name;
  fs::path file;
};

// Names the fixture in test output instead of dumping its bytes.
void PrintTo(const Fixture& fx, std::ostream* os) { *os << fx.name; }

std::vector<Fixture> fixtures() {
  std::vector<Fixture> out;
  fs::path dir = fs::path(DUST_SHARED_DIR) / "conformance/dustrun/fixtures";
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") out.push_back({entry.path().stem().string(), entry.path()});
  }
  std::sort(out.begin(), out.end(), [](const Fixture& a, const Fixture& b) { return a.name < b.name; });
  return out;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

class Conformance : public ::testing::TestWithParam<Fixture> {};

TEST_P(Conformance, TraceEqualsGolden) {
  const Fixture& fx = GetParam();
  nlohmann::json spec = read_json(fx.file);
  fs::path base = fx.file.parent_path();
  fs::path dir = base / spec.at("dir").get<std::string>();
  bool expect_error = spec.contains("expect_error");
  fs::path golden = base / spec.at(expect_error ? "expect_error" : "expect_trace").get<std::string>();

  std::vector<std::string> args = {dir.string(), "--emit-trace", "--entry", spec.value("entry", "main"),
                                   "--effects", spec.value("effects", "simulate")};
  dust_test::ProcessResult r = dust_test::run_process(DUSTRUN_PATH, args);
  EXPECT_EQ(r.exit_code, expect_error ? 10 : 0) << r.err;
  nlohmann::json actual = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(actual.is_discarded()) << "dustrun printed no JSON:\n" << r.out << r.err;
  nlohmann::json expected = read_json(golden);
  EXPECT_EQ(actual, expected) << "expected:\n" << expected.dump(2) << "\nactual:\n" << actual.dump(2);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Conformance, ::testing::ValuesIn(fixtures()),
                         [](const ::testing::TestParamInfo<Fixture>& info) { return info.param.name; });

}  // namespace
