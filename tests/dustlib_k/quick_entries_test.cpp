// quick_entries_test.cpp — an intrinsic's quick entry (IntrinsicDef::quick,
// which the lane calls in plain runs) answers as its full entry does, with
// the same change to the machine, or refuses having changed nothing. The
// lane's comparisons with step() (lane_threads_test.cpp) run the quick
// entries inside whole programs; this asks each one directly, on the
// arguments the programs rarely give: the errors a quick entry must leave
// to the full one.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../core/lane_comparison.hpp"
#include "dust/intrinsics.hpp"
#include "dust/step_event.hpp"
#include "dustlib_k/dustlib_k.hpp"
#include "k_harness.hpp"

namespace {

using k_test::call;
using k_test::Json;

// A machine whose main thread holds mutex 1 (mutex 2 is free) and whose
// heap has a live 16-byte block at `p` (7 in its first word) and a freed
// 8-byte block at `q`: run up to the emit that follows those statements.
struct Setting {
  dust::Machine machine;
  std::int64_t p = 0;
  std::int64_t q = 0;
};

Setting setting() {
  Json body = {k_test::alloc("16", "p"), k_test::alloc("8", "q"), k_test::dealloc("q"),
               k_test::let("m1", "mutex_new()"), k_test::let("m2", "mutex_new()"), call("mutex_lock", {"m1"}),
               k_test::store("p", "7"), k_test::emit("p"), k_test::emit("q"), k_test::ret("0")};
  dust::Machine m(k_test::load(k_test::k_main(body)), &dust::k::standard_intrinsics(), {});
  dust::StepEvent event;
  std::vector<std::int64_t> emitted;
  while (!m.done() && emitted.size() < 2) {
    m.step(event);
    if (event.has_effect) emitted.push_back(std::stoll(event.effect.payload));
  }
  EXPECT_EQ(emitted.size(), 2u);
  return Setting{m, emitted.at(0), emitted.at(1)};
}

std::string wait_text(const dust::IntrinsicResult::Wait& wait) {
  return std::string("block ") + dust::wait_kind_name(wait.kind) + " " + std::to_string(wait.id) + " " +
         std::to_string(wait.holder);
}

std::string value_text(const dust::IntrinsicResult& r) {
  switch (r.status) {
    case dust::IntrinsicResult::Status::Value: return dust::value_to_tagged_json(r.value);
    case dust::IntrinsicResult::Status::Block: return wait_text(r.wait);
    default: return "other";
  }
}

std::string value_text(const dust::QuickResult& r, const dust::QuickCall& call) {
  switch (r.status) {
    case dust::QuickResult::Status::Int: return dust::value_to_tagged_json(dust::Value::integer(r.value));
    case dust::QuickResult::Status::Unit: return dust::value_to_tagged_json(dust::Value::unit());
    case dust::QuickResult::Status::Block: return wait_text(call.wait);
    default: return "refused";
  }
}

TEST(QuickEntries, AnswerAsTheFullEntryOrRefuseHavingChangedNothing) {
  const Setting base = setting();
  const std::int64_t p = base.p, q = base.q;
  struct Case {
    std::string name;
    std::vector<std::int64_t> args;
    bool refused;  // the full entry fails: the quick one must refuse
  };
  const std::vector<Case> cases = {
      {"load", {p}, false},           {"load", {p + 8}, false},      {"load", {p + 9}, true},
      {"load", {p + 16}, true},       {"load", {q}, true},           {"load", {12345}, true},
      {"store", {p, 5}, false},       {"store", {p + 8, -1}, false}, {"store", {p + 12, 1}, true},
      {"store", {q, 1}, true},        {"store", {-8, 1}, true},      {"mutex_lock", {2}, false},
      {"mutex_lock", {1}, true},      {"mutex_lock", {3}, true},     {"mutex_lock", {0}, true},
      {"mutex_unlock", {1}, false},   {"mutex_unlock", {2}, true},   {"mutex_unlock", {-3}, true},
  };
  std::size_t quick_entries = 0;
  for (const dust::IntrinsicDef& def : dust::k::standard_intrinsics().all()) quick_entries += def.quick ? 1 : 0;
  EXPECT_EQ(quick_entries, 4u) << "a new quick entry needs its cases here";
  const std::string before = dust_test::machine_state(base.machine);
  for (const Case& c : cases) {
    const std::string what = c.name + "(" + std::to_string(c.args.at(0)) + (c.args.size() > 1 ? ", ..." : "") + ")";
    const dust::IntrinsicDef* def = dust::k::standard_intrinsics().find(c.name);
    ASSERT_TRUE(def != nullptr && def->quick != nullptr) << what;

    dust::Machine full = base.machine;
    dust::StepEvent event;
    std::vector<dust::Value> values;
    for (std::int64_t a : c.args) values.push_back(dust::Value::integer(a));
    dust::IntrinsicContext ctx{full, 0, dust::Regime::K, event, c.name};
    const dust::IntrinsicResult expected = def->fn(ctx, values);

    dust::Machine quick = base.machine;
    const dust::HeapBlock* last_block = nullptr;
    dust::QuickCall call{quick, 0, &last_block};
    const dust::QuickResult answer = def->quick(call, c.args.data());

    EXPECT_EQ(expected.status == dust::IntrinsicResult::Status::Error, c.refused) << what;
    if (answer.status == dust::QuickResult::Status::Refused) {
      EXPECT_TRUE(c.refused) << what << ": refused what the full entry answers: " << value_text(expected);
      EXPECT_EQ(dust_test::machine_state(quick), before) << what << ": a refusal changed the machine";
      continue;
    }
    EXPECT_FALSE(c.refused) << what << ": answered " << value_text(answer, call) << " where the full entry fails";
    EXPECT_EQ(value_text(answer, call), value_text(expected)) << what;
    EXPECT_EQ(dust_test::machine_state(quick), dust_test::machine_state(full)) << what;
  }
}

}  // namespace
