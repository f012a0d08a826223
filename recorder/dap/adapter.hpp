// adapter.hpp — the Dust debug adapter: DAP requests answered from a recording.
//
// One Adapter serves one client over one Connection. Requests are answered
// in order; a request that fails (an unknown thread, an expression that
// does not evaluate, a file that does not exist, arguments of the wrong
// type) gets an error response naming the problem, and the adapter goes
// on. Only `disconnect`, `terminate` or the end of the input end it.
//
// Movements (next, stepIn, stepOut, stepBack, continue, reverseContinue)
// are the window's: session::Navigator decides where each stops, with the
// same breakpoints, conditions, hit counts and data breakpoints, in both
// directions. Logpoint hits passed on the way are written as output.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "debug_target.hpp"
#include "dust/intrinsics.hpp"
#include "launch_plan.hpp"
#include "protocol.hpp"

namespace dust::dap {

// Frame ids: a thread's frame at a depth (0 = its first frame).
inline constexpr std::int64_t kFramesPerThread = 8192;
inline std::int64_t frame_id(std::uint32_t thread, std::uint32_t depth) {
  return static_cast<std::int64_t>(thread) * kFramesPerThread + depth + 1;
}

// Thread ids: DAP clients treat 0 as "no thread", so K-thread t is t + 1.
inline std::int64_t dap_thread(std::uint32_t thread) { return static_cast<std::int64_t>(thread) + 1; }

// The one source: the listing, served by the `source` request.
inline constexpr std::int64_t kListingReference = 1;

// A request that cannot be answered; becomes an error response.
struct RequestError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An optional integer argument: `fallback` when it is absent or null, else
// a RequestError naming it unless it is an integer from `low` to `high`
// (a float or a number past int64 is refused, never converted).
std::int64_t int_argument(const json& args, const char* name, std::int64_t fallback,
                          std::int64_t low = std::numeric_limits<std::int64_t>::min(),
                          std::int64_t high = std::numeric_limits<std::int64_t>::max());

// The whole of `text` as an integer in `base` (0: C's prefixes, 0x for
// hex); false when it is empty, has anything after the number, or is
// past int64 (strtoll would saturate silently to its end).
bool parse_int64(const std::string& text, int base, std::int64_t& out);

class Adapter {
 public:
  Adapter(Connection& connection, const IntrinsicTable& intrinsics);
  ~Adapter();
  Adapter(const Adapter&) = delete;
  Adapter& operator=(const Adapter&) = delete;

  // Serves requests until the client disconnects or the input ends.
  void serve();

 private:
  // requests.cpp
  void dispatch(const json& request);
  json handle(const std::string& command, const json& args);
  json initialize(const json& args);
  json launch(const json& args, bool attach);
  json configuration_done();
  json threads();
  json stack_trace(const json& args);
  json source(const json& args);
  json set_breakpoints(const json& args);
  json set_data_breakpoints(const json& args);
  json data_breakpoint_info(const json& args);
  json move(const std::string& command, const json& args);
  json goto_targets(const json& args);
  json go_to(const json& args);
  json restart_frame(const json& args);
  json evaluate(const json& args);
  json exception_info(const json& args);

  // variables.cpp
  json scopes(const json& args);
  json variables(const json& args);
  json read_memory(const json& args);

  // Helpers shared by the request files.
  DebugTarget& target();
  std::uint32_t thread_arg(const json& args);                 // a K-thread id, checked
  std::pair<std::uint32_t, std::uint32_t> frame_arg(const json& args);  // (thread, depth) of frameId, checked
  std::uint32_t statement_at_line(int line);
  void stopped(const session::Stop& stop, std::uint32_t thread, const char* movement);
  void log_passed(std::uint64_t from, std::uint64_t to);
  // An event message with the next sequence number; `body` null: none.
  json event_message(const std::string& event, json body);
  void send_event(const std::string& event, json body);
  // A progress event, sent at once even during a request: it tells how far
  // that request got, so it cannot wait for the response.
  void send_progress(const std::string& event, json body);
  // Progress events for a trace's preparation, or nothing when the client
  // shows none; `started` says whether any was sent (then the caller ends
  // them with progressEnd).
  rec::PrepareProgress opening_progress(bool& started);
  void output(const std::string& category, const std::string& text);
  void start_after_configuration();

  // What a variablesReference stands for, until the next stop.
  struct Container {
    enum class Kind : std::uint8_t { Bindings, Heap, Mutexes, QResources, Witnesses };
    Kind kind = Kind::Bindings;
    std::uint32_t thread = 0;  // Bindings: the frame
    std::uint32_t depth = 0;
  };
  std::int64_t add_container(Container c);

  Connection& connection_;
  const IntrinsicTable& intrinsics_;
  std::int64_t seq_ = 1;
  bool done_ = false;
  bool configured_ = false;
  bool launched_ = false;
  bool progress_reporting_ = false;  // the client shows progress events (initialize)
  static constexpr const char* kOpeningProgressId = "dust-opening";
  LaunchPlan plan_;
  std::string temporary_trace_;  // a launch's recording, removed at the end
  std::unique_ptr<DebugTarget> target_;
  std::vector<Container> containers_;
  // Events a request causes wait here until its response is sent, so a
  // client always sees the response to `next` before the `stopped` it caused.
  bool in_request_ = false;
  std::vector<json> pending_events_;
};

}  // namespace dust::dap
