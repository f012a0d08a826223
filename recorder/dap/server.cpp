// server.cpp — `dustrun dap [--port N]`: the debug adapter on stdin/stdout,
// or for clients that connect to 127.0.0.1:N, one after another.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <iostream>

#include "adapter.hpp"
#include "commands.hpp"

namespace dust::cli {

namespace {

constexpr const char* kDapUsage =
    "Usage: dustrun dap [--port N]\n"
    "\n"
    "A Debug Adapter Protocol server for Dust recordings, with reverse execution.\n"
    "Without --port it speaks DAP on stdin/stdout (what editors start); with\n"
    "--port N it listens on 127.0.0.1:N and serves clients one after another.\n"
    "\n"
    "launch {\"program\": \"x.dir.json\", \"seed\": n, \"entry\": \"main\", \"effects\": \"simulate\",\n"
    "        \"stopOnEntry\": bool}   records the run, then debugs the recording\n"
    "launch or attach {\"trace\": \"run.dtrace\"}   debugs a recording\n";

int serve_port(std::uint16_t port) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) {
    std::cerr << "dustrun dap: cannot create a socket: " << std::strerror(errno) << "\n";
    return kExitFailure;
  }
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 4) != 0) {
    std::cerr << "dustrun dap: cannot listen on 127.0.0.1:" << port << ": " << std::strerror(errno) << "\n";
    ::close(listener);
    return kExitFailure;
  }
  std::cerr << "dustrun dap: listening on 127.0.0.1:" << port << "\n";
  for (;;) {
    int client = ::accept(listener, nullptr, nullptr);
    if (client < 0) {
      if (errno == EINTR) continue;
      std::cerr << "dustrun dap: accept failed: " << std::strerror(errno) << "\n";
      ::close(listener);
      return kExitFailure;
    }
    dap::Connection connection(client, client);
    {
      dap::Adapter adapter(connection, intrinsics());
      adapter.serve();
    }
    ::close(client);
  }
}

}  // namespace

int dap_command(const std::vector<std::string>& args) {
  std::optional<std::uint16_t> port;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kDapUsage;
      return kExitOk;
    }
    if (arg == "--port" || arg.rfind("--port=", 0) == 0) {
      std::string v = arg == "--port" ? (i + 1 < args.size() ? args[++i] : "") : arg.substr(7);
      std::uint16_t n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n == 0) {
        std::cerr << "dustrun: --port needs a port number from 1 to 65535\n\n" << kDapUsage;
        return kExitUsage;
      }
      port = n;
      continue;
    }
    std::cerr << "dustrun: dap: unknown argument " << arg << "\n\n" << kDapUsage;
    return kExitUsage;
  }
  // A client that goes away while a message is written must not kill the
  // adapter (or, with --port, the server): the write fails and the session ends.
  std::signal(SIGPIPE, SIG_IGN);
  if (port) return serve_port(*port);
  dap::Connection connection(0, 1);
  dap::Adapter adapter(connection, intrinsics());
  adapter.serve();
  return kExitOk;
}

}  // namespace dust::cli
