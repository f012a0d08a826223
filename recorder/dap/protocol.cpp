// protocol.cpp — reading and writing Content-Length framed DAP messages.
#include "protocol.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace dust::dap {

// What was read is dropped once it is half the buffer or all of it, not
// only when a read happens to end at a message's end: a client that sends
// its messages back to back would otherwise grow the buffer by the whole
// session.
bool Connection::fill(std::size_t n) {
  if (pos_ > 0 && pos_ >= buffer_.size() / 2) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  while (buffer_.size() - pos_ < n) {
    char chunk[65536];
    ssize_t got = ::read(in_, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(got));
  }
  return true;
}

bool Connection::read_line(std::string& line) {
  line.clear();
  for (;;) {
    std::size_t nl = buffer_.find('\n', pos_);
    if (nl != std::string::npos) {
      line.assign(buffer_, pos_, nl - pos_);
      pos_ = nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
    if (buffer_.size() - pos_ > 8192) {  // no header is this long: take it as one bad line
      line.assign(buffer_, pos_, std::string::npos);
      pos_ = buffer_.size();
      return true;
    }
    if (!fill(buffer_.size() - pos_ + 1)) return false;
  }
}

Connection::Read Connection::read(json& out, std::string& error) {
  std::string line;
  std::size_t length = 0;
  bool have_length = false;
  bool bad_header = false;
  for (;;) {
    if (!read_line(line)) return Read::Closed;
    if (line.empty()) {
      if (have_length || bad_header) break;
      continue;  // stray blank lines between messages
    }
    constexpr std::string_view kLength = "Content-Length:";
    if (line.size() > kLength.size() && line.compare(0, kLength.size(), kLength) == 0) {
      std::string_view v(line.data() + kLength.size(), line.size() - kLength.size());
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), length);
      have_length = ec == std::errc() && end == v.data() + v.size();
      bad_header = !have_length;
    } else if (line.find(':') == std::string::npos) {
      bad_header = true;
    }
  }
  if (!have_length) {
    error = "a message header without a valid Content-Length";
    return Read::Bad;
  }
  if (length > kMaxMessageBytes) {
    error = "a message of " + std::to_string(length) + " bytes, over the limit of " +
            std::to_string(kMaxMessageBytes);
    // Skip what it claims, so the next message is read from its start.
    while (length > 0) {
      std::size_t take = std::min<std::size_t>(length, 1u << 20);
      if (!fill(take)) return Read::Closed;
      pos_ += take;
      length -= take;
    }
    return Read::Bad;
  }
  if (!fill(length)) return Read::Closed;
  std::string body(buffer_, pos_, length);
  pos_ += length;
  out = json::parse(body, nullptr, false);
  if (out.is_discarded() || !out.is_object()) {
    error = "a message body that is not a JSON object";
    return Read::Bad;
  }
  return Read::Message;
}

bool Connection::send(const json& message) {
  std::string body = message.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string frame = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::size_t done = 0;
  while (done < frame.size()) {
    ssize_t put = ::write(out_, frame.data() + done, frame.size() - done);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    done += static_cast<std::size_t>(put);
  }
  return true;
}

}  // namespace dust::dap
