// fuzz_replay_test.cpp — every input of the committed fuzzing corpora
// (tests/fuzz/corpus/<target>/) and every past finding
// (tests/fuzz/regressions/<target>/), run through the same harness
// functions the fuzzers call, in the normal build: no fuzzing time in CI,
// and a finding fixed once stays fixed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_targets.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs(const std::string& target) {
  std::vector<fs::path> out;
  for (const char* kind : {"corpus", "regressions"}) {
    fs::path dir = fs::path(DUST_SOURCE_DIR) / "tests/fuzz" / kind / target;
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_regular_file()) out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void replay(const std::string& target, int (*harness)(const std::uint8_t*, std::size_t)) {
  std::vector<fs::path> files = inputs(target);
  ASSERT_FALSE(files.empty()) << "no corpus for " << target;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    std::string bytes = bytes_of(file);
    EXPECT_EQ(harness(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
  }
}

}  // namespace

TEST(FuzzReplay, DirLoaderCorpusAndRegressions) { replay("dir", dust_fuzz::fuzz_dir_loader); }

TEST(FuzzReplay, TraceReaderCorpusAndRegressions) { replay("trace", dust_fuzz::fuzz_trace_reader); }

TEST(FuzzReplay, DapSessionCorpusAndRegressions) { replay("dap", dust_fuzz::fuzz_dap_session); }
