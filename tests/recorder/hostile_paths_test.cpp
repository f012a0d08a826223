// hostile_paths_test.cpp — paths that name something other than a regular
// file: a FIFO (opening it for reading waits for a writer) and a device
// that never ends (/dev/zero). Every command that reads a DIR file or a
// trace refuses them at once, naming the path, instead of hanging or
// reading without end; the debug adapter's launch does the same.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "process_runner.hpp"

namespace fs = std::filesystem;

// Named, not anonymous: the test files of an area are built as one unity file.
namespace hostile_paths {

// A FIFO nobody writes to, removed at the end of the test.
class Fifo {
 public:
  Fifo() {
    path_ = (fs::temp_directory_path() / ("dust-hostile-fifo-" + std::to_string(::getpid()))).string();
    ::unlink(path_.c_str());
    ok_ = ::mkfifo(path_.c_str(), 0600) == 0;
  }
  ~Fifo() { ::unlink(path_.c_str()); }
  Fifo(const Fifo&) = delete;
  Fifo& operator=(const Fifo&) = delete;
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool ok_ = false;
};

void expect_refused(const std::vector<std::string>& args, const std::string& path, int exit_code) {
  SCOPED_TRACE(args[0] + " " + path);
  dust_test::ProcessResult r = dust_test::run_process(DUSTRUN_PATH, args);
  EXPECT_EQ(r.exit_code, exit_code) << r.err;
  EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
}

std::string frame(const nlohmann::json& body) {
  std::string text = body.dump();
  return "Content-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text;
}

TEST(HostilePaths, AFifoIsRefusedNotWaitedOn) {
  Fifo fifo;
  ASSERT_TRUE(fifo.ok());
  const std::string& p = fifo.path();
  expect_refused({p}, p, 2);
  expect_refused({"record", p, "-o", p + ".dtrace"}, p, 2);
  expect_refused({"inspect", p}, p, 12);
  expect_refused({"--replay", p}, p, 12);
  expect_refused({"export", "--chrome", p, "-o", p + ".json"}, p, 12);
  expect_refused({"explore-merge", p}, p, 2);
}

TEST(HostilePaths, ADeviceThatNeverEndsIsRefusedNotRead) {
  expect_refused({"/dev/zero"}, "/dev/zero", 2);
  expect_refused({"record", "/dev/zero", "-o", "/dev/null"}, "/dev/zero", 2);
  expect_refused({"inspect", "/dev/zero"}, "/dev/zero", 12);
  expect_refused({"explore-merge", "/dev/zero"}, "/dev/zero", 2);
}

TEST(HostilePaths, DapLaunchOfAFifoOrADeviceFailsThatRequestOnly) {
  Fifo fifo;
  ASSERT_TRUE(fifo.ok());
  std::string input = frame({{"seq", 1}, {"type", "request"}, {"command", "launch"}, {"arguments", {{"program", "/dev/zero"}}}});
  input += frame({{"seq", 2}, {"type", "request"}, {"command", "launch"}, {"arguments", {{"program", fifo.path()}}}});
  input += frame({{"seq", 3}, {"type", "request"}, {"command", "attach"}, {"arguments", {{"trace", fifo.path()}}}});
  input += frame({{"seq", 4}, {"type", "request"}, {"command", "initialize"}, {"arguments", nlohmann::json::object()}});
  dust_test::ProcessResult r = dust_test::run_process(DUSTRUN_PATH, {"dap"}, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> responses;
  for (std::size_t pos = 0; pos < r.out.size();) {
    std::size_t header_end = r.out.find("\r\n\r\n", pos);
    ASSERT_NE(header_end, std::string::npos);
    std::size_t length = std::stoul(r.out.substr(pos + 16, header_end - pos - 16));
    nlohmann::json m = nlohmann::json::parse(r.out.substr(header_end + 4, length));
    if (m["type"] == "response") responses.push_back(m);
    pos = header_end + 4 + length;
  }
  ASSERT_EQ(responses.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(responses[i]["success"]) << responses[i];
    EXPECT_NE(responses[i]["message"].get<std::string>().find("not a regular file"), std::string::npos) << responses[i];
  }
  EXPECT_TRUE(responses[3]["success"]);
}

}  // namespace hostile_paths
