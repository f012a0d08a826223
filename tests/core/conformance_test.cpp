// conformance_test.cpp — every fixture of tests/data/conformance/dustrun runs
// through the built `dustrun --emit-trace`, and its trace equals the golden
// trace as a JSON value.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "process_runner.hpp"
#include "test_data.hpp"

namespace fs = std::filesystem;

namespace {

struct Fixture {
  std::string name;
  fs::path file;
};

// Names the fixture in test output instead of dumping its bytes.
void PrintTo(const Fixture& fx, std::ostream* os) { *os << fx.name; }

constexpr const char* kFixtures = "conformance/dustrun/fixtures";

std::vector<Fixture> fixtures() {
  std::vector<Fixture> out;
  auto is_json = [](const fs::path& p) { return p.extension() == ".json"; };
  for (const fs::path& file : dust_test::data_files(kFixtures, false, is_json)) {
    out.push_back({file.stem().string(), file});
  }
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

// All eight fixtures of the reference are there: without them the
// parameterised test above would silently run nothing.
TEST(ConformanceData, EveryFixtureIsPresent) {
  EXPECT_EQ(fixtures().size(), 8u) << dust_test::missing_data_message(kFixtures);
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Conformance);
INSTANTIATE_TEST_SUITE_P(Fixtures, Conformance, ::testing::ValuesIn(fixtures()),
                         [](const ::testing::TestParamInfo<Fixture>& info) { return info.param.name; });

}  // namespace
