// k_harness.hpp — building and running K programs in the dustlib_k tests.
//
// Programs are stated as a few statement calls (JSON values in the shape
// the compiler emits) and run through the C++ API with the standard
// dustlib_k intrinsics, keeping every step's events, so a test can check a
// result, an error's kind and message, the library events or the K state;
// or run through the built `dustrun`, as a user runs them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "dust/dir_loader.hpp"
#include "dust/machine.hpp"
#include "dust/step_event.hpp"
#include "dustlib_k/dustlib_k.hpp"
#include "process_runner.hpp"

namespace k_test {

using Json = nlohmann::ordered_json;

// ---- statements ----

inline Json let(const std::string& name, const std::string& expr) {
  return {{"Let", {{"name", name}, {"expr", expr}}}};
}
inline Json assign(const std::string& name, const std::string& expr) {
  return {{"Assign", {{"target", name}, {"expr", expr}}}};
}
inline Json emit(const std::string& payload) { return {{"Effect", {{"kind", "emit"}, {"payload", payload}}}}; }
inline Json ret(const std::string& expr) { return {{"Return", {{"expr", expr}}}}; }
inline Json call(const std::string& target, std::vector<std::string> args,
                 std::optional<std::string> result = std::nullopt) {
  Json s = {{"target", target}, {"args", args}};
  s["result"] = result ? Json(*result) : Json(nullptr);
  return {{"Call", std::move(s)}};
}
inline Json if_(const std::string& condition, Json then_body, Json else_body = Json::array()) {
  return {{"If", {{"condition", condition}, {"then_body", std::move(then_body)}, {"else_body", std::move(else_body)}}}};
}
inline Json while_(const std::string& condition, Json body) {
  return {{"While", {{"condition", condition}, {"body", std::move(body)}}}};
}
inline Json for_(const std::string& var, const std::string& start, const std::string& end, Json body) {
  return {{"For", {{"var", var}, {"start", start}, {"end", end}, {"body", std::move(body)}}}};
}
inline Json alloc(const std::string& size, const std::string& result) {
  return {{"Alloc", {{"size", size}, {"result", result}}}};
}
inline Json dealloc(const std::string& ptr) { return {{"Dealloc", {{"ptr", ptr}}}}; }
inline Json load(const std::string& ptr, const std::string& result) {
  return {{"Load", {{"ptr", ptr}, {"result", result}}}};
}
inline Json store(const std::string& ptr, const std::string& value) {
  return {{"Store", {{"ptr", ptr}, {"value", value}}}};
}

// ---- procs and programs ----

inline Json proc(const std::string& name, Json body, std::vector<std::string> params = {},
                 const std::string& regime = "K") {
  Json ps = Json::array();
  for (const std::string& p : params) ps.push_back({{"name", p}, {"ty", "K[Int]"}});
  return {{"regime", regime},        {"name", name}, {"params", ps},           {"uses", Json::array()},
          {"ret", nullptr},          {"qualifiers", Json::array()}, {"body", std::move(body)}};
}

// One forge holding `procs`.
inline std::string program(Json procs) {
  Json forge = {{"name", "Test"}, {"shapes", Json::array()}, {"procs", std::move(procs)}, {"binds", Json::array()}};
  return Json{{"forges", Json::array({std::move(forge)})}}.dump();
}

// A program whose only proc is a K `main` with `body`.
inline std::string k_main(Json body) { return program(Json::array({proc("main", std::move(body))})); }

// ---- running ----

// A runaway program ends the test instead of hanging it.
inline constexpr std::uint64_t kMaxSteps = 1'000'000;

struct KRun {
  dust::Machine machine;
  std::vector<dust::StepEvent> events;

  const dust::RunOutcome& outcome() const { return machine.outcome; }
  bool finished() const { return machine.outcome.status == dust::MachineStatus::Finished; }
  std::int64_t returned_int() const {
    const auto& r = machine.outcome.returned;
    return r && r->is_int() ? r->as_int() : INT64_MIN;
  }
  std::vector<dust::LibEvent> lib_events(dust::LibEventKind kind) const {
    std::vector<dust::LibEvent> out;
    for (const dust::StepEvent& e : events)
      for (const dust::LibEvent& l : e.lib)
        if (l.kind == kind) out.push_back(l);
    return out;
  }
  // "kind: message" of the failure, or "finished" / "running".
  std::string failure() const {
    if (machine.outcome.status == dust::MachineStatus::Finished) return "finished";
    if (machine.outcome.status == dust::MachineStatus::Running) return "running";
    return std::string(dust::error_kind_name(machine.outcome.error.kind)) + ": " + machine.outcome.error.message;
  }
};

inline std::shared_ptr<const dust::Program> load(const std::string& text) {
  dust::LoadResult loaded = dust::load_dir_text(text);
  EXPECT_TRUE(loaded.ok()) << loaded.error.display();
  return loaded.program;
}

inline KRun run_program(std::shared_ptr<const dust::Program> program, dust::RunConfig config = {}) {
  KRun run{dust::Machine(std::move(program), &dust::k::standard_intrinsics(), std::move(config)), {}};
  dust::StepEvent event;
  while (!run.machine.done() && run.machine.steps < kMaxSteps) {
    run.machine.step(event);
    run.events.push_back(event);
  }
  return run;
}

inline KRun run_text(const std::string& text, dust::RunConfig config = {}) {
  return run_program(load(text), std::move(config));
}

// The built `dustrun` with `args`.
inline dust_test::ProcessResult dustrun(std::vector<std::string> args) {
  return dust_test::run_process(DUSTRUN_PATH, args);
}

// The whole file at `path` (empty when it cannot be read).
inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace k_test
