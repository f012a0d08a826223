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

// The resolution (semantics doc §3.3): the witness, or the conflict and the
// counterfactuals as written.
Json phi_json(const PhiResolution& r) {
  Json phi = Json::object();
  phi["outcome"] = phi_outcome_name(r.outcome);
  if (r.outcome == PhiOutcome::Admissible) {
    Json witness = Json::object();
    for (const auto& [name, value] : r.witness) witness[name] = value_json(value);
    phi["witness"] = std::move(witness);
  } else if (r.outcome == PhiOutcome::NonExistent) {
    Json conflict = Json::array();
    for (std::uint32_t i : r.conflict) conflict.push_back(json_text_value<Json>(r.constraints[i].text));
    Json counterfactual = Json::array();
    for (std::uint32_t i : r.counterfactual) counterfactual.push_back(json_text_value<Json>(r.constraints[i].text));
    phi["conflict"] = std::move(conflict);
    phi["counterfactual"] = std::move(counterfactual);
  }
  return phi;
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
  // Only a resolved Φ entry has one; an Invalid resolution (an unknown of an
  // unsupported type) is a validation error, reported as such alone.
  const std::optional<PhiResolution>& phi = machine.config.phi_resolution;
  if (phi && phi->outcome != PhiOutcome::Invalid) trace["phi"] = phi_json(*phi);
  return trace.dump(2, ' ', false, Json::error_handler_t::replace);
}

std::string error_trace_json(const DvmError& error) {
  Json trace = Json::object();
  trace["error"] = error_json(error);
  return trace.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace dust
