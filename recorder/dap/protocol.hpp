// protocol.hpp — Debug Adapter Protocol framing over a pair of file descriptors.
//
// DAP messages are JSON bodies after a `Content-Length: N` header and a
// blank line. The client is not trusted: a header without a length, a
// length beyond kMaxMessageBytes or a body that is not JSON is reported as
// a bad message and the connection goes on with the next one; only the end
// of the input (or a read error) ends it.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace dust::dap {

using json = nlohmann::json;

class Connection {
 public:
  static constexpr std::size_t kMaxMessageBytes = 64u << 20;

  Connection(int in_fd, int out_fd) : in_(in_fd), out_(out_fd) {}

  enum class Read { Message, Bad, Closed };
  // Reads the next message into `out`. Bad: `error` says what was wrong
  // with it (the bytes it claimed were skipped). Closed: the input ended.
  Read read(json& out, std::string& error);

  // Writes one message; false once the output is gone.
  bool send(const json& message);

  // How many bytes of input the connection holds, read or not yet read:
  // at most about twice the largest message and one read's worth.
  std::size_t held_bytes() const { return buffer_.size(); }

 private:
  // Reads until the buffer holds `n` bytes; false at the end of the input.
  bool fill(std::size_t n);
  bool read_line(std::string& line);

  int in_;
  int out_;
  std::string buffer_;
  std::size_t pos_ = 0;
};

}  // namespace dust::dap
