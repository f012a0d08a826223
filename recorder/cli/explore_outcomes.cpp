// explore_outcomes.cpp — explore's outcomes, their JSON, and the merge of
// shard JSON (explore_outcomes.hpp). The JSON is written with its keys in
// the order, and a merge rebuilds exactly the report one run
// gives: outcomes in the order the single search finds them (by the part
// of the search they were found in, then by the order within it), each
// counted by the union of the final states the shards saw.
#include "explore_outcomes.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "dust/json_text.hpp"

namespace dust::cli {

using Json = nlohmann::ordered_json;

ExploreOutcome outcome_of(const Machine& machine, std::uint64_t max_steps) {
  ExploreOutcome o;
  const RunOutcome& r = machine.outcome;
  switch (r.status) {
    case MachineStatus::Finished:
      o.headline = "return: " + (r.returned ? render_human(*r.returned) : std::string("<none>"));
      if (r.returned) o.returned_json = value_to_tagged_json(*r.returned);
      break;
    case MachineStatus::Failed:
      o.headline = "error: " + r.error.display();
      o.error = std::make_pair(std::string(error_kind_name(r.error.kind)), r.error.message);
      break;
    case MachineStatus::Running:
      o.headline = "stopped: reached --max-steps " + std::to_string(max_steps) + " without finishing";
      o.error = std::make_pair(std::string("MaxSteps"),
                               "reached --max-steps " + std::to_string(max_steps) + " without finishing");
      break;
  }
  o.effects = machine.effects;
  return o;
}

std::string outcome_key(const ExploreOutcome& o) {
  std::string key = o.headline;
  key += '\n';
  for (const EffectEvent& e : o.effects) {
    key += std::to_string(e.kind.size()) + ':' + e.kind + std::to_string(e.payload.size()) + ':' + e.payload;
  }
  return key;
}

std::pair<std::size_t, bool> ExploreReport::add(ExploreOutcome o) {
  auto [it, fresh] = by_key_.emplace(outcome_key(o), outcomes.size());
  if (fresh) outcomes.push_back(std::move(o));
  return {it->second, fresh};
}

namespace {

Json outcome_json(const ExploreOutcome& o) {
  Json j;
  j["returned"] = o.returned_json ? Json::parse(*o.returned_json) : Json(nullptr);
  if (o.error) {
    j["error"] = Json{{"kind", o.error->first}, {"message", json_text_value<Json>(o.error->second)}};
  } else {
    j["error"] = nullptr;
  }
  Json effects = Json::array();
  for (const EffectEvent& e : o.effects) effects.push_back(json_text_value<Json>(e.payload));
  j["effects"] = std::move(effects);
  j["count"] = o.count;
  j["schedule"] = o.schedule;
  return j;
}

Json report_value(const ExploreReport& report) {
  Json j;
  j["complete"] = report.complete;
  if (report.bound) {
    j["bound"] = Json{{"kind", report.bound->kind}, {"value", report.bound->value}};
  } else {
    j["bound"] = nullptr;
  }
  j["executions"] = report.executions;
  Json outcomes = Json::array();
  for (const ExploreOutcome& o : report.outcomes) outcomes.push_back(outcome_json(o));
  j["outcomes"] = std::move(outcomes);
  return j;
}

std::string hex(std::uint64_t v) {
  char buf[17];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, 16);
  (void)ec;
  return std::string(buf, end);
}

bool parse_hex(const std::string& s, std::uint64_t& v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

// The bytes a JSON text (json_text.hpp) stands for: a string's UTF-8, or
// for {"bytes": "..."} one byte per character.
bool text_of(const Json& j, std::string& out) {
  if (j.is_string()) {
    out = j.get<std::string>();
    return true;
  }
  if (!j.is_object() || !j.contains("bytes") || !j["bytes"].is_string()) return false;
  const std::string utf8 = j["bytes"].get<std::string>();
  out.clear();
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c & 0xe0) == 0xc0 && i + 1 < utf8.size() && c <= 0xc3) {
      out += static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(utf8[++i]) & 0x3f));
    } else {
      return false;
    }
  }
  return true;
}

// Reads back one outcome of a shard; the effects keep only their payloads,
// as the JSON does, which is all the merged JSON shows.
bool read_outcome(const Json& j, ExploreOutcome& o, std::string& error) {
  if (!j.is_object() || !j.contains("returned") || !j.contains("error") || !j["effects"].is_array() ||
      !j["count"].is_number_unsigned() || !j["schedule"].is_string() || !j["final_states"].is_array() ||
      !j["found_in_part"].is_number_unsigned() || !j["found_order"].is_number_unsigned()) {
    error = "an outcome lacks returned, error, effects, count, schedule, final_states or found_in_part";
    return false;
  }
  // The key the single run groups by is rebuilt from the JSON itself.
  o.headline = j["returned"].dump() + "|" + j["error"].dump();
  if (!j["returned"].is_null()) o.returned_json = j["returned"].dump();
  if (j["error"].is_object()) {
    std::string message;
    if (!j["error"]["kind"].is_string() || !j["error"].contains("message") || !text_of(j["error"]["message"], message)) {
      error = "an outcome's error lacks kind or message";
      return false;
    }
    o.error = std::make_pair(j["error"]["kind"].get<std::string>(), message);
  }
  if (!j["effect_kinds"].is_array() || j["effect_kinds"].size() != j["effects"].size()) {
    error = "an outcome's effect_kinds do not match its effects";
    return false;
  }
  for (std::size_t i = 0; i < j["effects"].size(); ++i) {
    EffectEvent e;
    if (!text_of(j["effects"][i], e.payload) || !text_of(j["effect_kinds"][i], e.kind)) {
      error = "an effect is not a JSON text";
      return false;
    }
    o.effects.push_back(std::move(e));
  }
  o.schedule = j["schedule"].get<std::string>();
  o.found_in_part = j["found_in_part"].get<std::uint64_t>();
  o.found_order = j["found_order"].get<std::uint64_t>();
  for (const Json& s : j["final_states"]) {
    std::uint64_t lo = 0, hi = 0;
    if (!s.is_string() || s.get<std::string>().find(':') == std::string::npos ||
        !parse_hex(s.get<std::string>().substr(0, s.get<std::string>().find(':')), hi) ||
        !parse_hex(s.get<std::string>().substr(s.get<std::string>().find(':') + 1), lo)) {
      error = "a final state is not HI:LO in hexadecimal";
      return false;
    }
    o.final_states.insert({hi, lo});
  }
  if (o.final_states.size() != j["count"].get<std::uint64_t>()) {
    error = "an outcome's count is not the number of its final states";
    return false;
  }
  return true;
}

}  // namespace

std::string report_json(const ExploreReport& report) { return report_value(report).dump() + "\n"; }

std::string shard_json(const ExploreReport& report, std::uint64_t shard, std::uint64_t shards) {
  Json j = report_value(report);
  j["shard"] = Json{{"index", shard}, {"count", shards}};
  for (std::size_t i = 0; i < report.outcomes.size(); ++i) {
    const ExploreOutcome& o = report.outcomes[i];
    Json states = Json::array();
    for (const auto& [hi, lo] : o.final_states) states.push_back(hex(hi) + ":" + hex(lo));
    j["outcomes"][i]["final_states"] = std::move(states);
    Json kinds = Json::array();
    for (const EffectEvent& e : o.effects) kinds.push_back(json_text_value<Json>(e.kind));
    j["outcomes"][i]["effect_kinds"] = std::move(kinds);
    j["outcomes"][i]["found_in_part"] = o.found_in_part;
    j["outcomes"][i]["found_order"] = o.found_order;
  }
  return j.dump() + "\n";
}

bool merge_shards(const std::vector<std::pair<std::string, std::string>>& files, ExploreReport& merged,
                  std::string& error) {
  std::map<std::string, ExploreOutcome> by_key;
  std::set<std::uint64_t> seen_shards;
  std::uint64_t shard_count = 0;
  merged = ExploreReport{};
  for (const auto& file : files) {
    const std::string& path = file.first;  // named, not a structured binding: clang 14 lambdas cannot capture those
    Json j = Json::parse(file.second, nullptr, false);
    auto fail = [&](const std::string& what) {
      error = path + ": " + what;
      return false;
    };
    if (j.is_discarded()) return fail("not JSON");
    if (!j.is_object() || !j["shard"].is_object() || !j["shard"]["index"].is_number_unsigned() ||
        !j["shard"]["count"].is_number_unsigned() || !j["complete"].is_boolean() || !j["outcomes"].is_array()) {
      return fail("not the JSON of `dustrun explore --exhaustive --shard I/N --json`");
    }
    std::uint64_t index = j["shard"]["index"].get<std::uint64_t>(), count = j["shard"]["count"].get<std::uint64_t>();
    if (shard_count == 0) shard_count = count;
    if (count != shard_count) return fail("shard of " + std::to_string(count) + ", the others of " +
                                          std::to_string(shard_count));
    if (index >= count || !seen_shards.insert(index).second) {
      return fail("shard " + std::to_string(index) + " of " + std::to_string(count) + " is out of range or repeated");
    }
    if (!j["complete"].get<bool>()) {
      merged.complete = false;
      if (j["bound"].is_object() && !merged.bound && j["bound"]["kind"].is_string() &&
          j["bound"]["value"].is_number_unsigned()) {
        merged.bound = ExploreBound{j["bound"]["kind"].get<std::string>(), j["bound"]["value"].get<std::uint64_t>()};
      }
    }
    for (const Json& oj : j["outcomes"]) {
      ExploreOutcome o;
      if (!read_outcome(oj, o, error)) return fail(error);
      std::string key = outcome_key(o);
      auto [it, fresh] = by_key.emplace(key, o);
      if (fresh) continue;
      ExploreOutcome& have = it->second;
      if (std::tie(o.found_in_part, o.found_order) < std::tie(have.found_in_part, have.found_order)) {
        have.found_in_part = o.found_in_part;
        have.found_order = o.found_order;
        have.schedule = o.schedule;
      }
      have.final_states.insert(o.final_states.begin(), o.final_states.end());
    }
  }
  if (seen_shards.size() != shard_count) {
    error = "only " + std::to_string(seen_shards.size()) + " of " + std::to_string(shard_count) + " shards given";
    return false;
  }
  std::vector<ExploreOutcome> outcomes;
  for (auto& [key, o] : by_key) {
    o.count = o.final_states.size();
    merged.executions += o.count;
    outcomes.push_back(std::move(o));
  }
  std::sort(outcomes.begin(), outcomes.end(), [](const ExploreOutcome& a, const ExploreOutcome& b) {
    return std::tie(a.found_in_part, a.found_order) < std::tie(b.found_in_part, b.found_order);
  });
  for (ExploreOutcome& o : outcomes) merged.add(std::move(o));
  return true;
}

}  // namespace dust::cli
