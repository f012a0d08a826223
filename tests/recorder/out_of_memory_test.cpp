// out_of_memory_test.cpp — an allocation the host refuses (std::bad_alloc)
// is a clear error naming what was being done, never an abort: loading a
// DIR with a huge string literal names the file, and a run whose effects
// outgrow the memory there is names the command. The host's memory is
// limited with `ulimit -v`, which the sanitizers' shadow memory cannot
// live under, so these run in the plain build only.
#include "process_runner.hpp"
#include "recorder_harness.hpp"

using namespace rec_test;
using dust_test::run_process;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// Runs dustrun with `args` under an address-space limit of `mib` MiB.
dust_test::ProcessResult dustrun_limited(int mib, const std::vector<std::string>& args) {
  std::vector<std::string> sh = {"-c", "ulimit -v " + std::to_string(mib * 1024) + "; exec \"$0\" \"$@\"",
                                 DUSTRUN_PATH};
  sh.insert(sh.end(), args.begin(), args.end());
  return run_process("/bin/sh", sh);
}

std::string main_proc(const std::string& body) {
  return R"({"forges":[{"name":"f","shapes":[],"binds":[],"procs":[{"regime":"K","name":"main","params":[],)"
         R"("uses":[],"ret":null,"qualifiers":[],"body":[)" + body + R"(],"locals":[]}]}]})";
}

}  // namespace

TEST(OutOfMemory, AHugeLiteralIsALoadErrorNamingTheFile) {
  if (kSanitized) GTEST_SKIP() << "ulimit -v and the sanitizers do not mix";
  TempDir dir;
  fs::path path = dir / "huge.dir.json";
  write_text(path, main_proc(R"({"Return":{"expr":"\")" + std::string(256u << 20, 'x') + R"(\""}})"));
  dust_test::ProcessResult r = dustrun_limited(512, {path.string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  // Whichever allocation fails, ours or the JSON parser's, the file is named.
  EXPECT_EQ(r.err.rfind("dustrun: DIR load error: " + path.string() + ": ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("out of memory"), std::string::npos) << r.err;
}

TEST(OutOfMemory, ARunThatOutgrowsMemoryNamesTheCommand) {
  if (kSanitized) GTEST_SKIP() << "ulimit -v and the sanitizers do not mix";
  TempDir dir;
  fs::path path = dir / "effects.dir.json";
  // Writes the same 64 MiB to the console forever: each write is an effect
  // holding a copy.
  write_text(path, main_proc(R"({"Alloc":{"size":"67108864","result":"b"}},)"
                             R"({"While":{"condition":"true","body":[)"
                             R"({"Call":{"target":"write","args":["1","b","67108864"],"result":null}}]}})"));
  dust_test::ProcessResult r = dustrun_limited(1024, {path.string()});
  EXPECT_EQ(r.exit_code, 10) << r.err;
  EXPECT_EQ(r.err, "dustrun: out of memory (the host refused an allocation) while running: dustrun " + path.string() +
                       "\n");
}
