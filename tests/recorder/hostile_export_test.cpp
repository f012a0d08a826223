// hostile_export_test.cpp — `dustrun export --chrome` of a trace cut short
// (a killed recorder, a partial copy): the steps that can be read are
// exported, and the command says the trace is incomplete with exit 11, as
// inspect and --replay do, instead of a silent success.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "process_runner.hpp"

namespace fs = std::filesystem;

TEST(HostileExport, ATruncatedTraceIsExportedAsFarAsItGoesAndSaysSo) {
  const std::string stem = (fs::temp_directory_path() / ("dust-hostile-export-" + std::to_string(::getpid()))).string();
  const std::string program = std::string(DUST_SOURCE_DIR) + "/assets/examples/producer_consumer.dir.json";
  ASSERT_EQ(dust_test::run_process(DUSTRUN_PATH, {"record", program, "-o", stem + ".dtrace", "--seed", "7",
                                                  "--keyframe-every", "16", "--every-step"}).exit_code,
            0);
  std::string whole;
  {
    std::ifstream in(stem + ".dtrace", std::ios::binary);
    whole.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(whole.size(), 8000u);
  std::ofstream(stem + ".cut.dtrace", std::ios::binary) << whole.substr(0, whole.size() / 2);

  dust_test::ProcessResult r =
      dust_test::run_process(DUSTRUN_PATH, {"export", "--chrome", stem + ".cut.dtrace", "-o", stem + ".json"});
  EXPECT_EQ(r.exit_code, 11) << r.err;
  EXPECT_NE(r.err.find(stem + ".cut.dtrace: incomplete trace"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("exported up to step"), std::string::npos) << r.err;
  std::ifstream timeline(stem + ".json");
  nlohmann::json exported = nlohmann::json::parse(timeline, nullptr, false);
  ASSERT_FALSE(exported.is_discarded());
  EXPECT_FALSE(exported["traceEvents"].empty());

  dust_test::ProcessResult whole_export =
      dust_test::run_process(DUSTRUN_PATH, {"export", "--chrome", stem + ".dtrace", "-o", stem + ".json"});
  EXPECT_EQ(whole_export.exit_code, 0) << whole_export.err;
  for (const char* suffix : {".dtrace", ".cut.dtrace", ".json"}) fs::remove(stem + suffix);
}

// A trace names its program by the path it was recorded from, which on
// Linux may be any bytes: the export's metadata must still be JSON (the
// fuzzer's finding, tests/fuzz/regressions/trace/).
TEST(HostileExport, AProgramPathThatIsNotUtf8IsExportedAsValidJson) {
  const std::string stem = (fs::temp_directory_path() / ("dust-hostile-export-path-" + std::to_string(::getpid()))).string();
  const std::string program = stem + "-\xff\xfe.dir.json";
  fs::copy_file(std::string(DUST_SOURCE_DIR) + "/assets/examples/mutex_counter.dir.json", program,
                fs::copy_options::overwrite_existing);
  for (const char* kind : {"--every-step", "--no-progress"}) {
    SCOPED_TRACE(kind);
    ASSERT_EQ(dust_test::run_process(DUSTRUN_PATH, {"record", program, "-o", stem + ".dtrace", kind}).exit_code, 0);
    dust_test::ProcessResult r =
        dust_test::run_process(DUSTRUN_PATH, {"export", "--chrome", stem + ".dtrace", "-o", stem + ".json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::ifstream timeline(stem + ".json");
    nlohmann::json exported = nlohmann::json::parse(timeline, nullptr, false);
    ASSERT_FALSE(exported.is_discarded());
    EXPECT_NE(exported["metadata"]["program"].get<std::string>().find("\xef\xbf\xbd"), std::string::npos);
  }
  for (const std::string& path : {program, stem + ".dtrace", stem + ".json"}) fs::remove(path);
}
