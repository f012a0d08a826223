// trace_json.cpp — outcome traces (see trace_json.hpp).
#include "dust/trace_json.hpp"

#include <nlohmann/json.hpp>

#include "dust/json_text.hpp"

namespace dust {

namespace {

using Json = nlohmann::ordered_json;

Json value_json(const Value& v) { return Json::parse(value_to_tagged_json(v)); }

Json effects_json(const std::vector<EffectEvent>& effects) {
  Json events = Json::array();
  for (const EffectEvent& e : effects) {
    Json event = Json::object();
    event["kind"] = json_text_value<Json>(e.kind);
    event["payload"] = json_text_value<Json>(e.payload);
    events.push_back(std::move(event));
  }
  Json log = Json::object();
  log["events"] = std::move(events);
  return log;
}

Json error_json(const DvmError& error) {
  Json e = Json::object();
  e["kind"] = std::string(error_kind_name(error.kind));
  e["message"] = json_text_value<Json>(error.message);
  return e;
}

Json time_json(std::uint64_t tick) {
  Json t = Json::object();
  t["tick"] = tick;
  return t;
}

}  // namespace

std::string outcome_trace_json(const Machine& machine) {
  const RunOutcome& outcome = machine.outcome;
  Json trace = Json::object();
  if (outcome.status == MachineStatus::Failed) {
    trace["error"] = error_json(outcome.error);
    if (outcome.carries_context && !machine.effects.empty()) trace["effects"] = effects_json(machine.effects);
    if (outcome.carries_context && machine.tick != 0) trace["time"] = time_json(machine.tick);
  } else {
    trace["returned"] = outcome.returned ? value_json(*outcome.returned) : Json(nullptr);
    trace["effects"] = effects_json(machine.effects);
    trace["time"] = time_json(machine.tick);
  }
  return trace.dump(2, ' ', false, Json::error_handler_t::replace);
}

std::string error_trace_json(const DvmError& error) {
  Json trace = Json::object();
  trace["error"] = error_json(error);
  return trace.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace dust
