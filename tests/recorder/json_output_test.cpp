// json_output_test.cpp — every JSON dustrun writes is valid, whatever bytes
// a program or a file name holds: a String made with store8(b, 255) and
// mem_read_str goes through --emit-trace, inspect --at --json, and a trace
// recorded from a file whose name is not UTF-8 through inspect --info
// --json; each parses, with the documented {"bytes": …} form.
#include <nlohmann/json.hpp>

#include "process_runner.hpp"
#include "recorder_harness.hpp"

using namespace rec_test;
using dust_test::run_process;
using Json = nlohmann::json;

namespace {

// Builds the string "\xff" "h" in memory, reads it back, prints it and
// returns it.
const char* kNotUtf8 = R"json({"forges":[{"name":"f","shapes":[],"binds":[],"procs":[{"regime":"K","name":"main",
"params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
{"Alloc":{"size":"8","result":"b"}},
{"Call":{"target":"store8","args":["b","255"],"result":null}},
{"Call":{"target":"store8","args":["b Add 1","104"],"result":null}},
{"Let":{"name":"s","expr":"mem_read_str(b, 2)"}},
{"Call":{"target":"puts","args":["s"],"result":null}},
{"Effect":{"kind":"emit","payload":"s"}},
{"Call":{"target":"free","args":["b"],"result":null}},
{"Return":{"expr":"s"}}],"locals":[]}]}]})json";

const Json kBytes = Json{{"bytes", "\xc3\xbfh"}};  // U+00FF then 'h': the bytes ff 68

}  // namespace

TEST(JsonOutput, EmitTraceWithAStringThatIsNotUtf8) {
  TempDir dir;
  write_text(dir / "p.dir.json", kNotUtf8);
  dust_test::ProcessResult r = run_process(DUSTRUN_PATH, {(dir / "p.dir.json").string(), "--emit-trace"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(Json::accept(r.out)) << r.out;
  Json trace = Json::parse(r.out);
  EXPECT_EQ(trace["returned"], (Json{{"String", kBytes}}));
  EXPECT_EQ(trace["effects"]["events"][0]["payload"], kBytes);
  EXPECT_EQ(trace["effects"]["events"][1]["payload"], kBytes);
}

TEST(JsonOutput, InspectAtJsonWithAStringThatIsNotUtf8) {
  TempDir dir;
  write_text(dir / "p.dir.json", kNotUtf8);
  std::string trace = (dir / "p.dtrace").string();
  ASSERT_EQ(run_process(DUSTRUN_PATH, {"record", (dir / "p.dir.json").string(), "-o", trace}).exit_code, 0);
  dust_test::ProcessResult at = run_process(DUSTRUN_PATH, {"inspect", trace, "--at", "6", "--json"});
  ASSERT_EQ(at.exit_code, 0) << at.err;
  ASSERT_TRUE(Json::accept(at.out)) << at.out;
  Json state = Json::parse(at.out);
  EXPECT_EQ(state["threads"][0]["frames"][0]["bindings"]["s"], (Json{{"String", kBytes}}));
  EXPECT_EQ(state["effects"][0]["payload"], kBytes);
}

TEST(JsonOutput, InspectInfoJsonOfATraceFromAFileNamedInBytes) {
  TempDir dir;
  fs::path program = dir / "prog\xff.dir.json";
  write_text(program, read_text(example("k_collatz.dir.json")));
  std::string trace = (dir / "t.dtrace").string();
  dust_test::ProcessResult recorded = run_process(DUSTRUN_PATH, {"record", program.string(), "-o", trace});
  ASSERT_EQ(recorded.exit_code, 0) << recorded.err;
  dust_test::ProcessResult info = run_process(DUSTRUN_PATH, {"inspect", trace, "--info", "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  ASSERT_TRUE(Json::accept(info.out)) << info.out;
  std::string latin1 = program.string();
  std::string expected;
  for (char c : latin1) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      expected.push_back(c);
    } else {
      expected.push_back(static_cast<char>(0xc0 | (b >> 6)));
      expected.push_back(static_cast<char>(0x80 | (b & 0x3f)));
    }
  }
  EXPECT_EQ(Json::parse(info.out)["program"], (Json{{"bytes", expected}}));
}
