// replay_isolation_test.cpp — a replay never touches the world: a
// simulate-mode run seeded from --fs-root records the first contents of
// every file it reads, as a realize-mode run does, and --replay and
// inspect use only the recording. The files are changed (and then
// removed) after recording to prove it.
#include "process_runner.hpp"
#include "recorder_harness.hpp"

using namespace rec_test;
using dust_test::run_process;

namespace {

// Reads in.txt (up to 64 bytes) and prints and returns what it read.
const char* kReadsAFile = R"json({"forges":[{"name":"f","shapes":[],"binds":[],"procs":[{"regime":"K","name":"main",
"params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
{"Alloc":{"size":"64","result":"buf"}},
{"Let":{"name":"fd","expr":"open(\"in.txt\", \"r\")"}},
{"Let":{"name":"n","expr":"read(fd, buf, 64)"}},
{"Let":{"name":"text","expr":"mem_read_str(buf, n)"}},
{"Effect":{"kind":"emit","payload":"text"}},
{"Call":{"target":"close","args":["fd"],"result":null}},
{"Call":{"target":"free","args":["buf"],"result":null}},
{"Return":{"expr":"text"}}],"locals":[]}]}]})json";

}  // namespace

TEST(ReplayIsolation, SimulateModeReplayUsesTheRecordedFileContents) {
  TempDir dir;
  fs::path root = dir / "root";
  fs::create_directories(root);
  write_text(root / "in.txt", "recorded");
  write_text(dir / "reads.dir.json", kReadsAFile);
  std::string trace = (dir / "sim.dtrace").string();
  dust_test::ProcessResult recorded =
      run_process(DUSTRUN_PATH, {"record", (dir / "reads.dir.json").string(), "-o", trace, "--fs-root", root.string()});
  ASSERT_EQ(recorded.exit_code, 0) << recorded.err;
  ASSERT_NE(recorded.out.find("emit recorded"), std::string::npos) << recorded.out;

  for (int removed = 0; removed < 2; ++removed) {
    SCOPED_TRACE(removed ? "the root removed" : "the file changed");
    if (removed) {
      fs::remove_all(root);
    } else {
      write_text(root / "in.txt", "CHANGED!");
    }
    dust_test::ProcessResult replayed = run_process(DUSTRUN_PATH, {"--replay", trace});
    EXPECT_EQ(replayed.exit_code, 0) << replayed.err;
    EXPECT_EQ(replayed.out, recorded.out);
    dust_test::ProcessResult at = run_process(DUSTRUN_PATH, {"inspect", trace, "--at", "6"});
    EXPECT_EQ(at.exit_code, 0) << at.err;
    EXPECT_NE(at.out.find("text = \"recorded\""), std::string::npos) << at.out;
    EXPECT_EQ(at.out.find("CHANGED"), std::string::npos) << at.out;
  }
  EXPECT_FALSE(fs::exists(root));
}
