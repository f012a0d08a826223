// requests.cpp — the DAP requests: session set-up, threads and frames,
// breakpoints, movements through the recording, evaluation.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "adapter.hpp"
#include "dust/evaluate.hpp"

namespace dust::dap {

namespace {

// Capabilities advertised by `initialize`; each is implemented below.
json capabilities() {
  return json{
      {"supportsConfigurationDoneRequest", true},
      {"supportsStepBack", true},
      {"supportsConditionalBreakpoints", true},
      {"supportsHitConditionalBreakpoints", true},
      {"supportsLogPoints", true},
      {"supportsDataBreakpoints", true},
      {"supportsGotoTargetsRequest", true},
      {"supportsEvaluateForHovers", true},
      {"supportsReadMemoryRequest", true},
      {"supportsSteppingGranularity", true},
      {"supportsRestartFrame", true},
      {"supportsExceptionInfoRequest", true},
      {"supportsTerminateRequest", true},
      {"exceptionBreakpointFilters", json::array()},
  };
}

const json& object_arg(const json& args) {
  static const json empty = json::object();
  return args.is_object() ? args : empty;
}

std::int64_t int_field(const json& args, const char* name) {
  auto it = args.find(name);
  if (it == args.end() || !it->is_number_integer()) {
    throw RequestError(std::string("missing or non-integer argument `") + name + "`");
  }
  return int_argument(args, name, 0);
}

// A line number argument: any int (lines outside the listing are reported
// as having no statement), never a float or a number past int.
int line_argument(const json& args) {
  return static_cast<int>(int_argument(args, "line", 0, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
}

std::string string_field(const json& args, const char* name, const std::string& fallback = "") {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return fallback;
  if (!it->is_string()) throw RequestError(std::string("argument `") + name + "` must be a string");
  return it->get<std::string>();
}

const char* reason_of(session::StopReason r) {
  switch (r) {
    case session::StopReason::Breakpoint: return "breakpoint";
    case session::StopReason::DataBreakpoint: return "data breakpoint";
    case session::StopReason::Failure: return "exception";
    case session::StopReason::Stepped:
    case session::StopReason::Start:
    case session::StopReason::End:
    case session::StopReason::ThreadDone: return "step";
  }
  return "step";
}

}  // namespace

std::int64_t int_argument(const json& args, const char* name, std::int64_t fallback, std::int64_t low,
                          std::int64_t high) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return fallback;
  bool fits = it->is_number_integer() &&
              !(it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(high));
  std::int64_t v = fits ? it->get<std::int64_t>() : 0;
  if (!fits || v < low || v > high) {
    throw RequestError(std::string("argument `") + name + "` must be an integer from " + std::to_string(low) +
                       " to " + std::to_string(high));
  }
  return v;
}

bool parse_int64(const std::string& text, int base, std::int64_t& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, base);
  if (errno == ERANGE || end == nullptr || *end != '\0') return false;
  out = v;
  return true;
}

Adapter::Adapter(Connection& connection, const IntrinsicTable& intrinsics)
    : connection_(connection), intrinsics_(intrinsics) {}

Adapter::~Adapter() {
  target_.reset();
  if (!temporary_trace_.empty()) ::unlink(temporary_trace_.c_str());
}

void Adapter::serve() {
  while (!done_) {
    json message;
    std::string error;
    switch (connection_.read(message, error)) {
      case Connection::Read::Closed: return;
      case Connection::Read::Bad: output("stderr", "dustrun dap: ignored " + error + "\n"); continue;
      case Connection::Read::Message: break;
    }
    if (message.value("type", "") != "request") {
      output("stderr", "dustrun dap: ignored a message that is not a request\n");
      continue;
    }
    dispatch(message);
  }
}

json Adapter::event_message(const std::string& event, json body) {
  json e{{"seq", seq_++}, {"type", "event"}, {"event", event}};
  if (!body.is_null()) e["body"] = std::move(body);
  return e;
}

void Adapter::send_event(const std::string& event, json body) {
  json e = event_message(event, std::move(body));
  if (in_request_) {
    pending_events_.push_back(std::move(e));
    return;
  }
  if (!connection_.send(e)) done_ = true;
}

void Adapter::send_progress(const std::string& event, json body) {
  if (!connection_.send(event_message(event, std::move(body)))) done_ = true;
}

void Adapter::output(const std::string& category, const std::string& text) {
  send_event("output", json{{"category", category}, {"output", text}});
}

void Adapter::dispatch(const json& request) {
  std::string command = request.contains("command") && request["command"].is_string() ? request["command"].get<std::string>() : "";
  std::int64_t request_seq = request.contains("seq") && request["seq"].is_number_integer() ? request["seq"].get<std::int64_t>() : 0;
  json response{{"type", "response"}, {"request_seq", request_seq}, {"command", command}};
  in_request_ = true;
  try {
    json body = handle(command, object_arg(request.contains("arguments") ? request["arguments"] : json()));
    response["success"] = true;
    if (!body.is_null()) response["body"] = std::move(body);
  } catch (const RequestError& e) {
    response["success"] = false;
    response["message"] = e.what();
    response["body"] = json{{"error", {{"id", 1}, {"format", e.what()}, {"showUser", true}}}};
  } catch (const json::exception& e) {
    std::string text = std::string("bad arguments for `") + command + "`: " + e.what();
    response["success"] = false;
    response["message"] = text;
    response["body"] = json{{"error", {{"id", 2}, {"format", text}}}};
  } catch (const std::exception& e) {
    // Anything else a request meets (the host refusing memory) fails that request only.
    std::string text = std::string("`") + command + "` failed: " + e.what();
    response["success"] = false;
    response["message"] = text;
    response["body"] = json{{"error", {{"id", 3}, {"format", text}}}};
  }
  in_request_ = false;
  response["seq"] = seq_++;
  if (!connection_.send(response)) done_ = true;
  // Events keep the order they were raised in; their seq numbers follow the response's.
  std::vector<json> events = std::move(pending_events_);
  pending_events_.clear();
  for (json& e : events) {
    e["seq"] = seq_++;
    if (!done_ && !connection_.send(e)) done_ = true;
  }
}

DebugTarget& Adapter::target() {
  if (!target_) throw RequestError("no recording is open: launch or attach first");
  return *target_;
}

std::uint32_t Adapter::thread_arg(const json& args) {
  std::int64_t id = int_field(args, "threadId");
  if (id < 1 || !target().has_thread(static_cast<std::uint32_t>(id - 1))) {
    throw RequestError("unknown thread " + std::to_string(id));
  }
  return static_cast<std::uint32_t>(id - 1);
}

std::pair<std::uint32_t, std::uint32_t> Adapter::frame_arg(const json& args) {
  std::int64_t id = int_field(args, "frameId");
  // An id past the last thread a uint32 can name is unknown, not wrapped onto another thread.
  if (id < 1 || (id - 1) / kFramesPerThread > std::numeric_limits<std::uint32_t>::max()) {
    throw RequestError("unknown frame " + std::to_string(id));
  }
  auto thread = static_cast<std::uint32_t>((id - 1) / kFramesPerThread);
  auto depth = static_cast<std::uint32_t>((id - 1) % kFramesPerThread);
  const Machine& m = target().state();
  bool not_started = depth == 0 && target().has_thread(thread) &&
                     (thread >= m.threads.size() || m.threads[thread].frames.empty());
  if (!not_started && (thread >= m.threads.size() || depth >= m.threads[thread].frames.size())) {
    throw RequestError("unknown frame " + std::to_string(id) + " at step " + std::to_string(target().cursor()));
  }
  return {thread, depth};
}

json Adapter::handle(const std::string& command, const json& args) {
  if (command == "initialize") return initialize(args);
  if (command == "launch") return launch(args, false);
  if (command == "attach") return launch(args, true);
  if (command == "configurationDone") return configuration_done();
  if (command == "disconnect" || command == "terminate") {
    done_ = true;
    if (command == "terminate") send_event("terminated", json::object());
    return nullptr;
  }
  if (command == "threads") return threads();
  if (command == "stackTrace") return stack_trace(args);
  if (command == "scopes") return scopes(args);
  if (command == "variables") return variables(args);
  if (command == "source") return source(args);
  if (command == "setBreakpoints") return set_breakpoints(args);
  if (command == "setExceptionBreakpoints") return json{{"breakpoints", json::array()}};
  if (command == "setFunctionBreakpoints") {
    if (!args.value("breakpoints", json::array()).empty()) throw RequestError("function breakpoints are not supported; set a breakpoint on a line of the listing");
    return json{{"breakpoints", json::array()}};
  }
  if (command == "dataBreakpointInfo") return data_breakpoint_info(args);
  if (command == "setDataBreakpoints") return set_data_breakpoints(args);
  if (command == "next" || command == "stepIn" || command == "stepOut" || command == "stepBack" ||
      command == "continue" || command == "reverseContinue") {
    return move(command, args);
  }
  if (command == "pause") {
    thread_arg(args);
    return nullptr;  // a recording is always stopped
  }
  if (command == "gotoTargets") return goto_targets(args);
  if (command == "goto") return go_to(args);
  if (command == "restartFrame") return restart_frame(args);
  if (command == "evaluate") return evaluate(args);
  if (command == "readMemory") return read_memory(args);
  if (command == "exceptionInfo") return exception_info(args);
  throw RequestError("unsupported request `" + command + "`");
}

json Adapter::initialize(const json& args) {
  // A client capability of another type than the protocol's boolean is not
  // worth refusing the session over: it reads as not set.
  const char* key = "supportsProgressReporting";
  progress_reporting_ = args.is_object() && args.contains(key) && args[key].is_boolean() && args[key].get<bool>();
  return capabilities();
}

// The progress of opening a checkpoint trace, whose steps are re-derived
// before the session can show any (seconds for a long run), as DAP's
// progress events, for a client that said it shows them: at each
// twentieth of the way, so that a long run sends a few dozen events.
rec::PrepareProgress Adapter::opening_progress(bool& started) {
  if (!progress_reporting_) return {};
  return [this, &started, shown = std::uint64_t{0}](std::uint64_t done, std::uint64_t all) mutable {
    const std::uint64_t percent = all == 0 ? 100 : std::min<std::uint64_t>(100, done * 100 / all);
    if (!started) {
      started = true;
      send_progress("progressStart", json{{"progressId", kOpeningProgressId},
                                       {"title", "Re-deriving the recorded steps"},
                                       {"message", "re-executing the run against its checkpoints"},
                                       {"percentage", percent}});
    } else if (percent >= shown + 5) {
      send_progress("progressUpdate", json{{"progressId", kOpeningProgressId},
                                        {"message", std::to_string(done) + " of " + std::to_string(all) + " steps"},
                                        {"percentage", percent}});
    } else {
      return true;
    }
    shown = percent;
    return true;
  };
}

json Adapter::launch(const json& args, bool attach) {
  if (launched_) throw RequestError("a recording is already open in this session");
  LaunchPlan plan;
  std::string error;
  if (!plan_launch(args, attach, plan, error) || !apply_schedule(plan, error)) throw RequestError(error);
  std::string trace = plan.trace;
  if (!plan.program.empty()) {
    if (::access(plan.program.c_str(), R_OK) != 0) throw RequestError(plan.program + ": no such readable file");
    trace = temporary_trace_path(error);
    if (trace.empty()) throw RequestError(error);
    temporary_trace_ = trace;
    if (!record_for_debugging(plan, trace, intrinsics_, error)) throw RequestError(error);
  } else if (::access(trace.c_str(), R_OK) != 0) {
    throw RequestError(trace + ": no such readable file");
  }
  bool reported = false;
  target_ = DebugTarget::open(trace, plan.program, intrinsics_, error, opening_progress(reported));
  if (reported) send_progress("progressEnd", json{{"progressId", kOpeningProgressId}});
  if (!target_) throw RequestError(error);
  plan_ = plan;
  launched_ = true;
  target_->move_to(0, std::nullopt);
  // Configuration (breakpoints) comes after `initialized`, which needs the
  // listing: so it follows the launch, and the run starts at configurationDone.
  send_event("initialized", nullptr);
  if (const auto& f = target_->failure()) {
    output("console", "The recorded run failed at step " + std::to_string(f->step) + " on T" +
                          std::to_string(f->thread) + ": " + f->error.display() + "\n");
  }
  return nullptr;
}

json Adapter::configuration_done() {
  if (!configured_ && launched_) {
    configured_ = true;
    start_after_configuration();
  }
  return nullptr;
}

// Where a session starts: step 0 if asked to stop on entry, else as a
// continue from the start would (the first breakpoint, else the failure,
// else the end).
void Adapter::start_after_configuration() {
  DebugTarget& t = target();
  if (plan_.stop_on_entry) {
    t.move_to(0, std::nullopt);
    containers_.clear();
    send_event("stopped", json{{"reason", "entry"}, {"threadId", dap_thread(t.focus())}, {"allThreadsStopped", true}});
    return;
  }
  session::Navigator nav = t.navigator();
  session::Stop stop;
  if (t.failure() && t.failure()->step == 0) {
    stop = session::Stop{0, session::StopReason::Failure};
  } else if (nav.hits_breakpoint(0)) {
    stop = session::Stop{0, session::StopReason::Breakpoint};
  } else {
    stop = nav.continue_forward(0);
  }
  log_passed(0, stop.step);
  t.move_to(stop.step, std::nullopt);
  stopped(stop, t.focus(), "continue");
}

void Adapter::log_passed(std::uint64_t from, std::uint64_t to) {
  DebugTarget& t = target();
  bool backwards = to < from;
  std::vector<session::LogHit> hits = t.evaluator().log_hits(std::min(from, to), std::max(from, to));
  if (backwards) std::reverse(hits.begin(), hits.end());
  for (const session::LogHit& h : hits) {
    output("console", "[step " + std::to_string(h.step) + " T" + std::to_string(h.thread) + "] " + h.message + "\n");
  }
}

void Adapter::stopped(const session::Stop& stop, std::uint32_t thread, const char* movement) {
  DebugTarget& t = target();
  containers_.clear();
  json body{{"reason", reason_of(stop.reason)}, {"threadId", dap_thread(thread)}, {"allThreadsStopped", true}};
  std::string description;
  switch (stop.reason) {
    case session::StopReason::Failure:
      if (t.failure()) {
        description = "Exception: " + t.failure()->error.display();
        body["text"] = t.failure()->error.display();
      }
      break;
    case session::StopReason::End: description = "The end of the recording (step " + std::to_string(stop.step) + ")"; break;
    case session::StopReason::Start: description = "The start of the recording"; break;
    case session::StopReason::ThreadDone:
      description = std::string(movement) + ": T" + std::to_string(thread) + " has no more steps that way";
      break;
    case session::StopReason::Breakpoint: {
      description = "Breakpoint at step " + std::to_string(stop.step);
      if (stop.step < t.step_count()) {
        session::StepInfo info = t.steps().at(stop.step);
        if (auto line = t.listing().line_of(info.stmt)) body["hitBreakpointIds"] = json::array({static_cast<std::int64_t>(*line + 1)});
      }
      break;
    }
    case session::StopReason::DataBreakpoint: {
      description = "Write at step " + std::to_string(stop.step);
      std::vector<std::string> watched = t.evaluator().data_hits_at(stop.step);
      for (std::size_t i = 0; i < watched.size(); ++i) description += (i == 0 ? " to " : ", ") + watched[i];
      break;
    }
    case session::StopReason::Stepped: description = "Step " + std::to_string(stop.step); break;
  }
  body["description"] = description;
  send_event("stopped", std::move(body));
}

json Adapter::threads() {
  json list = json::array();
  if (target_) {
    const auto& names = target_->thread_names();
    for (std::uint32_t t = 0; t < names.size(); ++t) list.push_back(json{{"id", dap_thread(t)}, {"name", names[t]}});
  }
  return json{{"threads", list}};
}

json Adapter::stack_trace(const json& args) {
  std::uint32_t thread = thread_arg(args);
  DebugTarget& t = target();
  const Machine& m = t.state();
  json frames = json::array();
  json source{{"name", "listing"}, {"sourceReference", kListingReference},
              {"presentationHint", "normal"}};
  if (!t.program_path().empty()) {
    source["name"] = std::filesystem::path(t.program_path()).filename().string() + " (listing)";
    // With a sourceReference the client reads the listing through `source`;
    // the path lets it match breakpoints set on the DIR file.
    if (std::filesystem::path(t.program_path()).is_absolute()) source["path"] = t.program_path();
  }
  std::size_t count = thread < m.threads.size() ? m.threads[thread].frames.size() : 0;
  if (count == 0) {
    // Not started yet (or finished): show the step it runs next, if any, as its frame.
    if (auto next = t.steps().next_of_thread(t.cursor(), thread)) {
      std::vector<StepEvent> e = t.reader().events(*next, *next + 1);
      if (!e.empty()) {
        std::string name = e[0].proc < t.program().procs.size() ? t.program().procs[e[0].proc].name : "?";
        auto line = t.listing().line_of(e[0].stmt);
        frames.push_back(json{{"id", frame_id(thread, 0)}, {"name", name}, {"source", source},
                              {"line", line ? static_cast<int>(*line + 1) : t.proc_line(e[0].proc)}, {"column", 1}});
      }
    }
  }
  for (std::size_t i = count; i-- > 0;) {
    auto depth = static_cast<std::uint32_t>(i);
    std::uint32_t proc = m.threads[thread].frames[depth].proc;
    std::string name = proc < t.program().procs.size() ? t.program().procs[proc].name : "?";
    frames.push_back(json{{"id", frame_id(thread, depth)}, {"name", name}, {"source", source},
                          {"line", t.frame_line(thread, depth)}, {"column", 1}});
  }
  std::int64_t start = int_argument(args, "startFrame", 0);
  std::int64_t levels = int_argument(args, "levels", 0);
  json page = json::array();
  for (std::int64_t i = std::max<std::int64_t>(start, 0); i < static_cast<std::int64_t>(frames.size()); ++i) {
    if (levels > 0 && static_cast<std::int64_t>(page.size()) >= levels) break;
    page.push_back(frames[static_cast<std::size_t>(i)]);
  }
  return json{{"stackFrames", page}, {"totalFrames", frames.size()}};
}

json Adapter::source(const json& args) {
  std::int64_t ref = int_argument(args, "sourceReference", 0);
  if (ref == 0 && args.contains("source") && args["source"].is_object()) {
    ref = int_argument(args["source"], "sourceReference", 0);
    std::string path = args["source"].value("path", "");
    if (ref == 0 && target().is_program_path(path)) ref = kListingReference;
  }
  if (ref != kListingReference) throw RequestError("unknown source reference " + std::to_string(ref));
  return json{{"content", target().listing_text()}, {"mimeType", "text/plain"}};
}

std::uint32_t Adapter::statement_at_line(int line) {
  const auto& lines = target().listing().lines();
  if (line < 1 || static_cast<std::size_t>(line) > lines.size()) return kNoStmt;
  return lines[static_cast<std::size_t>(line - 1)].stmt;
}

json Adapter::set_breakpoints(const json& args) {
  DebugTarget& t = target();
  const json& src = args.contains("source") && args["source"].is_object() ? args["source"] : json::object();
  std::int64_t ref = int_argument(src, "sourceReference", 0);
  std::string path = src.value("path", "");
  if (ref != kListingReference && !t.is_program_path(path)) {
    throw RequestError("breakpoints go on the listing (sourceReference " + std::to_string(kListingReference) +
                       ") or on the program's DIR file " + t.program_path() + ", not " +
                       (path.empty() ? "source reference " + std::to_string(ref) : path));
  }
  // Every requested breakpoint is read before the old ones are dropped: a
  // request refused for a bad entry leaves the breakpoints as they were.
  struct Requested {
    int line;
    std::string condition, hit_condition, log_message;
  };
  std::vector<Requested> requested;
  for (const json& b : args.value("breakpoints", json::array())) {
    if (!b.is_object()) throw RequestError("each breakpoint must be an object");
    requested.push_back(Requested{line_argument(b), b.value("condition", ""), b.value("hitCondition", ""),
                                  b.value("logMessage", "")});
  }
  session::Breakpoints& bps = t.breakpoints();
  std::vector<session::DataBreakpoint> data = bps.data();
  bps.clear();
  bps.set_data(std::move(data));
  json result = json::array();
  std::vector<std::int64_t> logpoint_lines;
  std::vector<session::Breakpoint> placed;
  for (Requested& b : requested) {
    const int line = b.line;
    std::uint32_t stmt = statement_at_line(line);
    json out{{"line", line}, {"source", src}};
    if (stmt == kNoStmt) {
      out["verified"] = false;
      out["message"] = "no statement on line " + std::to_string(line) + " of the listing";
      result.push_back(out);
      continue;
    }
    session::Breakpoint bp;
    bp.stmt = stmt;
    bp.condition = std::move(b.condition);
    bp.hit_condition = std::move(b.hit_condition);
    bp.log_message = std::move(b.log_message);
    out["id"] = line;
    out["verified"] = true;
    if (bp.is_logpoint()) logpoint_lines.push_back(line);
    placed.push_back(std::move(bp));
    result.push_back(out);
  }
  bps.put_all(std::move(placed));
  // Conditions are checked now, over the recording, so a bad one is reported on its breakpoint.
  for (json& out : result) {
    if (!out.value("verified", false)) continue;
    const session::BreakpointHits* hits = t.evaluator().hits(statement_at_line(out["line"].get<int>()));
    if (hits != nullptr && !hits->error.empty()) {
      out["message"] = hits->error;
      if (hits->steps.empty()) out["verified"] = false;
    }
  }
  for (std::int64_t line : logpoint_lines) {
    const session::BreakpointHits* hits = t.evaluator().hits(statement_at_line(static_cast<int>(line)));
    if (hits == nullptr) continue;
    std::string text = "logpoint on line " + std::to_string(line) + ": " + std::to_string(hits->log.size()) +
                       " hit(s) over the recording\n";
    for (const session::LogHit& h : hits->log) {
      text += "  [step " + std::to_string(h.step) + " T" + std::to_string(h.thread) + "] " + h.message + "\n";
    }
    output("console", text);
  }
  return json{{"breakpoints", result}};
}

json Adapter::data_breakpoint_info(const json& args) {
  DebugTarget& t = target();
  std::string name = string_field(args, "name");
  std::int64_t ref = int_argument(args, "variablesReference", 0);
  json none{{"dataId", nullptr}, {"description", "only bindings and heap cells can be watched"}};
  if (ref > 0 && static_cast<std::size_t>(ref) <= containers_.size()) {
    const Container& c = containers_[static_cast<std::size_t>(ref - 1)];
    if (c.kind == Container::Kind::Bindings) {
      return json{{"dataId", "binding:" + std::to_string(c.thread) + ":" + name},
                  {"description", "writes of " + name + " in T" + std::to_string(c.thread)},
                  {"accessTypes", json::array({"write"})}, {"canPersist", true}};
    }
    if (c.kind != Container::Kind::Heap) return none;
  }
  // A heap cell: its address, as the Heap scope names blocks, or mem:<address>.
  std::string text = name.rfind("mem:", 0) == 0 ? name.substr(4) : name;
  std::int64_t address = 0;
  if (parse_int64(text, 0, address)) {
    return json{{"dataId", "mem:" + std::to_string(address)},
                {"description", "writes of the memory cell at " + std::to_string(address)},
                {"accessTypes", json::array({"write"})}, {"canPersist", true}};
  }
  if (ref == 0 && !name.empty()) {
    return json{{"dataId", "binding:" + std::to_string(t.focus()) + ":" + name},
                {"description", "writes of " + name + " in T" + std::to_string(t.focus())},
                {"accessTypes", json::array({"write"})}, {"canPersist", true}};
  }
  return none;
}

json Adapter::set_data_breakpoints(const json& args) {
  DebugTarget& t = target();
  std::vector<session::DataBreakpoint> data;
  json result = json::array();
  for (const json& b : args.value("breakpoints", json::array())) {
    std::string id = b.value("dataId", "");
    std::string access = b.value("accessType", "write");
    session::DataBreakpoint d;
    bool ok = true;
    if (id.rfind("mem:", 0) == 0) {
      d.target = session::DataBreakpoint::Target::MemoryCell;
      ok = parse_int64(id.substr(4), 10, d.address);
    } else if (id.rfind("binding:", 0) == 0) {
      std::size_t colon = id.find(':', 8);
      ok = colon != std::string::npos && colon > 8 && colon + 1 < id.size();
      // The thread must be one of the run's, not a number strtoul wrapped or made 0.
      std::int64_t thread = 0;
      ok = ok && parse_int64(id.substr(8, colon - 8), 10, thread) && thread >= 0 &&
           thread <= std::numeric_limits<std::uint32_t>::max() && t.has_thread(static_cast<std::uint32_t>(thread));
      if (ok) {
        d.thread = static_cast<std::uint32_t>(thread);
        d.name = id.substr(colon + 1);
      }
    } else {
      ok = false;
    }
    if (!ok) {
      result.push_back(json{{"verified", false}, {"message", "unknown dataId `" + id + "`"}});
      continue;
    }
    if (access != "write") {
      result.push_back(json{{"verified", false}, {"message", "only writes are watched, not " + access}});
      continue;
    }
    data.push_back(d);
    result.push_back(json{{"verified", true}, {"description", d.describe()}});
  }
  t.breakpoints().set_data(std::move(data));
  return json{{"breakpoints", result}};
}

json Adapter::move(const std::string& command, const json& args) {
  DebugTarget& t = target();
  std::uint32_t thread = command == "continue" || command == "reverseContinue"
                             ? (args.contains("threadId") ? thread_arg(args) : t.focus())
                             : thread_arg(args);
  std::string granularity = string_field(args, "granularity", "statement");
  if (granularity != "statement" && granularity != "line" && granularity != "instruction") {
    throw RequestError("unknown stepping granularity `" + granularity + "`");
  }
  bool single = granularity == "instruction";
  std::uint64_t from = t.cursor();
  session::Navigator nav = t.navigator();
  session::Stop stop;
  if (command == "next") stop = single ? nav.step_into(from, thread) : nav.step_over(from, thread);
  else if (command == "stepIn") stop = nav.step_into(from, thread);
  else if (command == "stepOut") stop = nav.step_out(from, thread);
  else if (command == "stepBack") stop = single ? nav.reverse_step_into(from, thread) : nav.reverse_step_over(from, thread);
  else if (command == "continue") stop = nav.continue_forward(from);
  else stop = nav.continue_reverse(from);
  bool follows_hit = stop.reason == session::StopReason::Breakpoint || stop.reason == session::StopReason::DataBreakpoint ||
                     stop.reason == session::StopReason::Failure || command == "continue" || command == "reverseContinue";
  std::optional<std::uint32_t> focus;
  if (!follows_hit) focus = thread;
  log_passed(from, stop.step);
  t.move_to(stop.step, focus);
  stopped(stop, t.focus(), command.c_str());
  return command == "continue" ? json{{"allThreadsContinued", true}} : json(nullptr);
}

json Adapter::goto_targets(const json& args) {
  DebugTarget& t = target();
  int line = line_argument(args);
  std::uint32_t stmt = statement_at_line(line);
  if (stmt == kNoStmt) throw RequestError("no statement on line " + std::to_string(line) + " of the listing");
  // Each execution of the statement is a target: the step that begins it.
  constexpr std::size_t kMaxTargets = 200;
  json targets = json::array();
  session::StepTable& steps = t.steps();
  for (std::uint64_t s = 0; s < steps.size() && targets.size() < kMaxTargets; ++s) {
    session::StepInfo info = steps.at(s);
    if (info.stmt != stmt || session::resumes_statement(steps, s)) continue;
    targets.push_back(json{{"id", static_cast<std::int64_t>(s) + 1},
                           {"label", "step " + std::to_string(s) + " (T" + std::to_string(info.thread) + ")"},
                           {"line", line}});
  }
  return json{{"targets", targets}};
}

json Adapter::go_to(const json& args) {
  DebugTarget& t = target();
  thread_arg(args);
  std::int64_t id = int_field(args, "targetId");
  if (id < 1 || static_cast<std::uint64_t>(id - 1) > t.step_count()) throw RequestError("unknown goto target " + std::to_string(id));
  auto step = static_cast<std::uint64_t>(id - 1);
  t.move_to(step, std::nullopt);
  containers_.clear();
  send_event("stopped", json{{"reason", "goto"}, {"threadId", dap_thread(t.focus())}, {"allThreadsStopped", true},
                             {"description", "Step " + std::to_string(step)}});
  return nullptr;
}

json Adapter::restart_frame(const json& args) {
  DebugTarget& t = target();
  // Not a structured binding: the lambda below captures them, which clang
  // before 16 (the fuzz harnesses' compiler) refuses for bindings.
  const std::pair<std::uint32_t, std::uint32_t> frame = frame_arg(args);
  const std::uint32_t thread = frame.first;
  const std::uint32_t depth = frame.second;
  // Back to the step that called the frame: the caller's last step before
  // the cursor (for the thread's first frame, its first step).
  session::StepTable& steps = t.steps();
  std::optional<std::uint64_t> call = steps.find_backward(t.cursor(), [&](std::uint64_t, const session::StepInfo& s) {
    return s.thread == thread && s.depth < depth;
  });
  if (!call) call = steps.next_of_thread(0, thread);
  std::uint64_t step = call ? *call : 0;
  t.move_to(step, thread);
  containers_.clear();
  send_event("stopped", json{{"reason", "restart"}, {"threadId", dap_thread(thread)}, {"allThreadsStopped", true},
                             {"description", "Back to the call, step " + std::to_string(step)}});
  return nullptr;
}

json Adapter::evaluate(const json& args) {
  DebugTarget& t = target();
  std::string expression = string_field(args, "expression");
  std::uint32_t thread = t.focus();
  std::uint32_t depth = 0;
  if (args.contains("frameId")) {
    std::tie(thread, depth) = frame_arg(args);
  } else {
    const Machine& m = t.state();
    if (thread >= m.threads.size() || m.threads[thread].frames.empty()) {
      throw RequestError("T" + std::to_string(thread) + " has no frame at step " + std::to_string(t.cursor()));
    }
    depth = static_cast<std::uint32_t>(m.threads[thread].frames.size() - 1);
  }
  std::string error;
  std::optional<Value> v = evaluate_in_frame(t.state(), thread, depth, expression, error);
  if (!v) throw RequestError(expression + ": " + error);
  return json{{"result", render_human(*v)}, {"variablesReference", 0}};
}

json Adapter::exception_info(const json& args) {
  DebugTarget& t = target();
  std::uint32_t thread = thread_arg(args);
  const auto& f = t.failure();
  if (!f || f->thread != thread) throw RequestError("T" + std::to_string(thread) + " did not fail in this recording");
  std::string kind(error_kind_prefix(f->error.kind));
  while (!kind.empty() && (kind.back() == ' ' || kind.back() == ':')) kind.pop_back();
  return json{{"exceptionId", kind.empty() ? "error" : kind},
              {"description", f->error.display()},
              {"breakMode", "always"},
              {"details", {{"message", f->error.display()}, {"typeName", kind}}}};
}

}  // namespace dust::dap
