// dir_builder.hpp — DIR programs for the core tests, built as JSON values.
//
// Each test states its program as a few statement calls instead of a page
// of JSON, so what a test exercises is visible at a glance. Keys keep the
// compiler's order (ordered_json) so the text looks like real DIR.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace dust_test::dir {

using Json = nlohmann::ordered_json;

// ---- v0.1 statements ----

inline Json let(const std::string& name, const std::string& expr) {
  return {{"Let", {{"name", name}, {"expr", expr}}}};
}
inline Json constrain(const std::string& predicate) { return {{"Constrain", {{"predicate", predicate}}}}; }
inline Json prove(const std::string& name, const std::string& from) {
  return {{"Prove", {{"name", name}, {"from", from}}}};
}
inline Json effect(const std::string& kind, const std::string& payload) {
  return {{"Effect", {{"kind", kind}, {"payload", payload}}}};
}
inline Json emit(const std::string& payload) { return effect("emit", payload); }
inline Json ret(const std::string& expr) { return {{"Return", {{"expr", expr}}}}; }

// ---- v0.2 statements (semantics doc §2.1) ----

inline Json ret_null() { return {{"Return", {{"expr", nullptr}}}}; }
inline Json if_(const std::string& condition, Json then_body, std::optional<Json> else_body = std::nullopt) {
  Json s = {{"condition", condition}, {"then_body", std::move(then_body)}};
  s["else_body"] = else_body ? std::move(*else_body) : Json(nullptr);
  return {{"If", std::move(s)}};
}
inline Json while_(const std::string& condition, Json body) {
  return {{"While", {{"condition", condition}, {"body", std::move(body)}}}};
}
inline Json for_(const std::string& var, const std::string& start, const std::string& end, Json body) {
  return {{"For", {{"var", var}, {"start", start}, {"end", end}, {"body", std::move(body)}}}};
}
inline Json break_() { return "Break"; }
inline Json continue_() { return "Continue"; }
inline Json call(const std::string& target, std::vector<std::string> args,
                 std::optional<std::string> result = std::nullopt) {
  Json s = {{"target", target}, {"args", args}};
  s["result"] = result ? Json(*result) : Json(nullptr);
  return {{"Call", std::move(s)}};
}
inline Json assign(const std::string& target, const std::string& expr) {
  return {{"Assign", {{"target", target}, {"expr", expr}}}};
}

// ---- procs, forges, programs ----

struct Param {
  std::string name;
  std::string type = "Int";
};

inline Json proc(const std::string& regime, const std::string& name, Json body, std::vector<Param> params = {}) {
  Json ps = Json::array();
  for (const Param& p : params) ps.push_back({{"name", p.name}, {"ty", p.type}});
  return {{"regime", regime}, {"name", name},           {"params", ps}, {"uses", Json::array()},
          {"ret", nullptr},   {"qualifiers", Json::array()}, {"body", std::move(body)}};
}

inline Json forge(const std::string& name, Json procs) {
  return {{"name", name}, {"shapes", Json::array()}, {"procs", std::move(procs)}, {"binds", Json::array()}};
}

inline Json program(Json forges) { return {{"forges", std::move(forges)}}; }

// The common case: one forge holding the given procs.
inline Json single_forge(Json procs) { return program(Json::array({forge("core", std::move(procs))})); }

// One forge with one proc named `main` in `regime`.
inline Json main_only(const std::string& regime, Json body) {
  return single_forge(Json::array({proc(regime, "main", std::move(body))}));
}
inline Json k_main(Json body) { return main_only("K", std::move(body)); }
inline Json q_main(Json body) { return main_only("Q", std::move(body)); }
inline Json phi_main(Json body) { return main_only("Φ", std::move(body)); }

}  // namespace dust_test::dir
