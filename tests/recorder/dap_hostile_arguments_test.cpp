// dap_hostile_arguments_test.cpp — `dustrun dap` given numeric arguments
// no client should send: floats where integers belong (1e300 once reached
// a double-to-int conversion, undefined behaviour), numbers past int64,
// frame ids past the last thread a uint32 names (they wrapped onto thread
// 0), and a readMemory range past the end of the address space (its sum
// overflowed), and numbers in strings past int64 (data breakpoint ids,
// memory references: strtoll saturated silently). Each fails its request with a message naming the argument,
// and the session goes on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "process_runner.hpp"

namespace fs = std::filesystem;

// Named, not anonymous: the test files of an area are built as one unity file.
namespace dap_hostile_arguments {

using json = nlohmann::json;

std::string request(int seq, const std::string& command, const json& arguments) {
  std::string body = json{{"seq", seq}, {"type", "request"}, {"command", command}, {"arguments", arguments}}.dump();
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::map<int, json> responses(const std::string& out) {
  std::map<int, json> all;
  for (std::size_t pos = 0; pos < out.size();) {
    std::size_t header_end = out.find("\r\n\r\n", pos);
    if (header_end == std::string::npos) break;
    std::size_t length = std::stoul(out.substr(pos + 16, header_end - pos - 16));
    json m = json::parse(out.substr(header_end + 4, length));
    if (m["type"] == "response") all[m["request_seq"].get<int>()] = m;
    pos = header_end + 4 + length;
  }
  return all;
}

TEST(DapHostileArguments, OutOfRangeNumbersFailTheirRequestNamingTheArgument) {
  const fs::path trace = fs::temp_directory_path() / ("dust-dap-hostile-" + std::to_string(::getpid()) + ".dtrace");
  const std::string program = std::string(DUST_SOURCE_DIR) + "/assets/examples/threading_parallel_sum.dir.json";
  ASSERT_EQ(dust_test::run_process(DUSTRUN_PATH, {"record", program, "-o", trace.string(), "--seed", "3"}).exit_code, 0);

  std::string input = request(1, "attach", json{{"trace", trace.string()}});
  input += request(2, "variables", json{{"variablesReference", 1e300}});
  input += request(3, "setBreakpoints", json{{"source", {{"sourceReference", 1}}}, {"breakpoints", {{{"line", 1e300}}}}});
  input += request(4, "gotoTargets", json{{"line", 4.5}});
  input += request(5, "stackTrace", json{{"threadId", 1}, {"startFrame", -1e300}});
  input += request(6, "readMemory", json{{"memoryReference", "0x7fffffffffffffff"}, {"offset", 1}, {"count", 1}});
  input += request(7, "readMemory", json{{"memoryReference", "0x7ffffffffffffff0"}, {"count", 4096}});
  input += request(8, "scopes", json{{"frameId", (std::int64_t{1} << 45) + 1}});  // thread 2^32, depth 0: wrapped onto T0
  input += request(9, "stackTrace", json{{"threadId", std::uint64_t{18446744073709551615u}}});
  input += request(10, "threads", json::object());
  // Numbers in strings: strtoul and strtoll saturated silently, watching thread 4294967295 or the last address.
  input += request(11, "setDataBreakpoints", json{{"breakpoints", {{{"dataId", "binding:99999999999999999999:x"}},
                                                                  {{"dataId", "binding:abc:x"}},
                                                                  {{"dataId", "mem:99999999999999999999"}}}}});
  input += request(12, "dataBreakpointInfo", json{{"name", "mem:0xffffffffffffffffffff"}});
  dust_test::ProcessResult r = dust_test::run_process(DUSTRUN_PATH, {"dap"}, input);
  fs::remove(trace);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<int, json> out = responses(r.out);
  ASSERT_EQ(out.size(), 12u) << r.out;
  EXPECT_TRUE(out[1]["success"]) << out[1];
  const std::map<int, std::string> named = {
      {2, "`variablesReference` must be an integer"}, {3, "`line` must be an integer"},
      {4, "`line` must be an integer"},               {5, "`startFrame` must be an integer"},
      {6, "past the end of the address space"},        {7, "past the end of the address space"},
      {8, "unknown frame"},                            {9, "`threadId` must be an integer"}};
  for (const auto& [seq, text] : named) {
    EXPECT_FALSE(out[seq]["success"]) << out[seq];
    EXPECT_NE(out[seq]["message"].get<std::string>().find(text), std::string::npos) << out[seq];
  }
  EXPECT_TRUE(out[10]["success"]);
  EXPECT_GT(out[10]["body"]["threads"].size(), 1u) << out[10];
  ASSERT_TRUE(out[11]["success"]) << out[11];
  for (const json& b : out[11]["body"]["breakpoints"]) {
    EXPECT_FALSE(b["verified"]) << b;
    EXPECT_NE(b["message"].get<std::string>().find("unknown dataId"), std::string::npos) << b;
  }
  EXPECT_NE(out[12]["body"]["dataId"], "mem:9223372036854775807") << out[12];
}

// A setBreakpoints request refused for one bad entry leaves the breakpoints
// the last request set: they used to be dropped before the bad entry was
// found, so the next continue ran past them to the end.
TEST(DapHostileArguments, ARefusedSetBreakpointsKeepsTheBreakpointsBefore) {
  const fs::path trace = fs::temp_directory_path() / ("dust-dap-keep-" + std::to_string(::getpid()) + ".dtrace");
  const std::string program = std::string(DUST_SOURCE_DIR) + "/assets/examples/threading_parallel_sum.dir.json";
  ASSERT_EQ(dust_test::run_process(DUSTRUN_PATH, {"record", program, "-o", trace.string(), "--seed", "3"}).exit_code, 0);

  json every_line = json::array();
  for (int line = 1; line <= 60; ++line) every_line.push_back(json{{"line", line}});
  const json listing{{"sourceReference", 1}};
  std::string input = request(1, "attach", json{{"trace", trace.string()}});
  input += request(2, "setBreakpoints", json{{"source", listing}, {"breakpoints", every_line}});
  input += request(3, "setBreakpoints", json{{"source", listing}, {"breakpoints", {{{"line", 1e300}}}}});
  input += request(4, "continue", json{{"threadId", 1}});
  dust_test::ProcessResult r = dust_test::run_process(DUSTRUN_PATH, {"dap"}, input);
  fs::remove(trace);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<int, json> out = responses(r.out);
  ASSERT_EQ(out.size(), 4u) << r.out;
  int verified = 0;
  for (const json& b : out[2]["body"]["breakpoints"]) verified += b["verified"].get<bool>() ? 1 : 0;
  ASSERT_GT(verified, 0) << out[2];
  EXPECT_FALSE(out[3]["success"]) << out[3];
  EXPECT_TRUE(out[4]["success"]) << out[4];
  // The continue stops at one of the first request's breakpoints.
  EXPECT_NE(r.out.find("\"reason\":\"breakpoint\""), std::string::npos) << r.out;
}

}  // namespace dap_hostile_arguments
