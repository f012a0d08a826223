// dap_connection_test.cpp — the DAP connection's framing (recorder/dap/
// protocol.hpp) read from a file of messages sent back to back: every
// message arrives whole and in order, and the bytes the connection holds
// stay near one read's worth, never the whole session.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "protocol.hpp"

namespace {

std::string framed_message(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST(DapConnection, BackToBackMessagesKeepTheBufferSmall) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("dap_back_to_back_" + std::to_string(::getpid()) + ".txt");
  constexpr int kMessages = 40'000;  // about 2.6 MB, so 40 reads of 64 KiB that end mid-message
  {
    std::ofstream out(path, std::ios::binary);
    for (int seq = 1; seq <= kMessages; ++seq) {
      out << framed_message(dust::dap::json{{"seq", seq}, {"type", "request"}, {"command", "threads"}}.dump());
    }
  }
  const int in = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(in, 0);
  dust::dap::Connection connection(in, -1);
  std::size_t most_held = 0;
  int seen = 0;
  dust::dap::json message;
  std::string error;
  while (connection.read(message, error) == dust::dap::Connection::Read::Message) {
    ++seen;
    EXPECT_EQ(message["seq"], seen);
    most_held = std::max(most_held, connection.held_bytes());
  }
  ::close(in);
  std::filesystem::remove(path);
  EXPECT_EQ(seen, kMessages);
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_LE(most_held, std::size_t{3} * 65536) << "the buffer kept messages already read";
}

}  // namespace
