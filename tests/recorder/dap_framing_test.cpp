// dap_framing_test.cpp — `dustrun dap` fed hostile bytes on stdin: headers
// without a length, bodies that are not JSON objects, requests with
// arguments of the wrong type. Each is reported (an output event or an
// error response) and the next message is still answered.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "process_runner.hpp"

namespace {

using json = nlohmann::json;

std::string frame(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string request(int seq, const std::string& command, const json& arguments) {
  return frame(json{{"seq", seq}, {"type", "request"}, {"command", command}, {"arguments", arguments}}.dump());
}

// Splits the adapter's output into its messages; fails on a bad frame.
std::vector<json> messages(const std::string& out) {
  std::vector<json> all;
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t header_end = out.find("\r\n\r\n", pos);
    EXPECT_NE(header_end, std::string::npos) << "a frame without its blank line";
    if (header_end == std::string::npos) break;
    std::size_t length = std::stoul(out.substr(pos + 16, header_end - pos - 16));
    all.push_back(json::parse(out.substr(header_end + 4, length)));
    pos = header_end + 4 + length;
  }
  return all;
}

TEST(DapFraming, HostileMessagesAreReportedAndTheNextIsAnswered) {
  std::string input = "garbage without a colon\r\n\r\n";
  input += frame("{not json}");
  input += frame("[1, 2, 3]");
  input += request(1, "stackTrace", 5);                       // arguments of the wrong type
  input += request(2, "launch", json{{"program", json::array({1, 2})}});
  input += request(3, "launch", json{{"trace", "/no/such/run.dtrace"}});
  input += request(4, "initialize", json::object());
  dust_test::ProcessResult r = dust_test::run_process(DUSTRUN_PATH, {"dap"}, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> out = messages(r.out);
  std::vector<std::string> notes;
  std::map<int, json> responses;
  for (const json& m : out) {
    if (m["type"] == "event" && m["event"] == "output") notes.push_back(m["body"]["output"]);
    if (m["type"] == "response") responses[m["request_seq"].get<int>()] = m;
  }
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_NE(notes[0].find("without a valid Content-Length"), std::string::npos) << notes[0];
  EXPECT_NE(notes[1].find("not a JSON object"), std::string::npos) << notes[1];
  EXPECT_NE(notes[2].find("not a JSON object"), std::string::npos) << notes[2];
  ASSERT_EQ(responses.size(), 4u);
  EXPECT_FALSE(responses[1]["success"]);
  EXPECT_NE(responses[1]["message"].get<std::string>().find("threadId"), std::string::npos);
  EXPECT_FALSE(responses[2]["success"]);
  EXPECT_NE(responses[2]["message"].get<std::string>().find("`program` must be a string"), std::string::npos)
      << responses[2];
  EXPECT_FALSE(responses[3]["success"]);
  EXPECT_NE(responses[3]["message"].get<std::string>().find("/no/such/run.dtrace"), std::string::npos);
  EXPECT_TRUE(responses[4]["success"]);
  EXPECT_EQ(responses[4]["body"]["supportsStepBack"], true);
}

TEST(DapFraming, BadPortIsAUsageError) {
  dust_test::ProcessResult r = dust_test::run_process(DUSTRUN_PATH, {"dap", "--port", "http"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--port needs a port number"), std::string::npos) << r.err;
}

}  // namespace
