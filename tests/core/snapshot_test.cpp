// snapshot_test.cpp — a copy of a dust::Machine is a complete snapshot:
// copied at step k and stepped to the end, the copy and the original emit
// identical StepEvents (every field) and reach identical outcomes, equal to
// an uninterrupted run. Checked at many k over programs that use every
// statement kind, calls with suspended evaluations, Q and Φ state.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dir_builder.hpp"
#include "dust/value.hpp"
#include "dvm_runner.hpp"

namespace {

using nlohmann::json;
namespace dir = dust_test::dir;

// Exact, order-preserving text of a value (Value's == treats struct fields as a map).
std::string exact(const dust::Value& v) {
  return v.is_bound() ? dust::value_to_tagged_json(v) : std::string("<unbound>");
}

// Every field of a StepEvent, written out; two events are identical iff
// their descriptions are equal, and a mismatch shows what differs.
std::string describe(const dust::StepEvent& e) {
  std::string s = "index=" + std::to_string(e.index) + " thread=" + std::to_string(e.thread) +
                  " proc=" + std::to_string(e.proc) + " stmt=" + std::to_string(e.stmt) +
                  " depth=" + std::to_string(e.depth) + " tick=" + std::to_string(e.tick_before) + "->" +
                  std::to_string(e.tick) + " kind=" + dust::step_kind_name(e.kind);
  for (const dust::BindingWrite& w : e.writes) {
    s += " | write frame=" + std::to_string(w.frame) + " slot=" + std::to_string(w.slot) + " " + exact(w.old_value) +
         " -> " + exact(w.new_value);
  }
  if (e.has_effect) s += " | effect " + e.effect.kind + " " + json(e.effect.payload).dump();
  for (const dust::QEvent& q : e.q) {
    s += std::string(" | q ") + dust::q_form_name(q.op) + " binding=" + q.binding + " source=" + q.source +
         " resource=" + q.resource;
  }
  for (const dust::PhiEvent& phi : e.phi) {
    s += std::string(" | phi ") + dust::phi_event_kind_name(phi.kind) + " detail=" + phi.detail + " digest=" + phi.digest;
  }
  for (const dust::LibEvent& lib : e.lib) {
    s += std::string(" | lib ") + dust::lib_event_kind_name(lib.kind) + " " + std::to_string(lib.a) + " " +
         std::to_string(lib.b) + " " + std::to_string(lib.c) + " text=" + json(lib.text).dump() +
         " data=" + json(lib.data).dump();
  }
  if (e.error) s += " | error " + std::string(dust::error_kind_name(e.error->kind)) + " " + e.error->message;
  return s;
}

std::string describe(const dust::RunOutcome& o) {
  std::string s = "status=" + std::to_string(static_cast<int>(o.status));
  s += " returned=" + (o.returned ? exact(*o.returned) : std::string("none"));
  s += " error=" + std::string(dust::error_kind_name(o.error.kind)) + ":" + o.error.message;
  s += " thread=" + std::to_string(o.error_thread) + " context=" + (o.carries_context ? "yes" : "no");
  return s;
}

struct Continuation {
  std::vector<std::string> events;
  std::string outcome;
  std::string trace;
  std::uint64_t tick = 0;
  std::uint64_t steps = 0;
  std::vector<dust::EffectEvent> effects;
};

Continuation run_rest(dust::Machine& m) {
  Continuation c;
  dust::StepEvent event;
  while (!m.done() && m.steps < dust_test::kMaxTestSteps) {
    m.step(event);
    c.events.push_back(describe(event));
  }
  EXPECT_TRUE(m.done());
  c.outcome = describe(m.outcome);
  c.trace = dust::outcome_trace_json(m);
  c.tick = m.tick;
  c.steps = m.steps;
  c.effects = m.effects;
  return c;
}

void expect_same(const Continuation& a, const Continuation& b, const std::string& what) {
  ASSERT_EQ(a.events.size(), b.events.size()) << what;
  for (std::size_t i = 0; i < a.events.size(); ++i) EXPECT_EQ(a.events[i], b.events[i]) << what << ", event " << i;
  EXPECT_EQ(a.outcome, b.outcome) << what;
  EXPECT_EQ(a.trace, b.trace) << what;
  EXPECT_EQ(a.tick, b.tick) << what;
  EXPECT_EQ(a.steps, b.steps) << what;
  EXPECT_EQ(a.effects, b.effects) << what;
}

// Runs `program` once uninterrupted, then for every k: steps a fresh machine
// k times, copies it, and steps original and copy to the end. Both must
// continue exactly as the uninterrupted run did from step k.
void check_snapshots(const dir::Json& program, const std::string& entry = "main") {
  dust::LoadResult loaded = dust::load_dir_text(program.dump());
  ASSERT_TRUE(loaded.ok()) << loaded.error.message;
  dust::RunConfig config;
  config.entry = entry;

  dust::Machine whole(loaded.program, &dust_test::no_intrinsics(), config);
  Continuation reference = run_rest(whole);
  std::size_t total = reference.events.size();
  ASSERT_GT(total, 5u) << "the program should take several steps";

  for (std::size_t k = 0; k < total; ++k) {
    dust::Machine original(loaded.program, &dust_test::no_intrinsics(), config);
    dust::StepEvent event;
    for (std::size_t i = 0; i < k; ++i) original.step(event);
    dust::Machine copy = original;
    // Step the original first: the copy must not share anything it changes.
    Continuation from_original = run_rest(original);
    Continuation from_copy = run_rest(copy);
    std::string what = "snapshot at step " + std::to_string(k);
    expect_same(from_original, from_copy, what);

    Continuation expected;
    expected.events.assign(reference.events.begin() + static_cast<std::ptrdiff_t>(k), reference.events.end());
    expected.outcome = reference.outcome;
    expected.trace = reference.trace;
    expected.tick = reference.tick;
    expected.steps = reference.steps;
    expected.effects = reference.effects;
    expect_same(expected, from_copy, what + " vs the uninterrupted run");
    if (::testing::Test::HasFailure()) return;
  }
}

// A K program with Let, Assign, Constrain, Prove, Effect, If/else, While,
// For, Break, Continue, Call statements, calls inside expressions (which
// suspend the caller mid-evaluation), recursion and Return.
dir::Json k_program() {
  dir::Json fact = dir::proc("K", "fact",
                             {dir::if_("n Le 1", {dir::ret("1")}, dir::Json::array({dir::ret("n Mul fact(n Sub 1)")}))},
                             {{"n"}});
  dir::Json add = dir::proc("K", "add", {dir::let("s", "a Add b"), dir::emit("s"), dir::ret("s")}, {{"a"}, {"b"}});
  dir::Json main = dir::proc(
      "K", "main",
      {dir::let("total", "0"), dir::constrain("total Eq 0"), dir::prove("ok", "1 Lt 2"),
       dir::for_("i", "0", "5",
                 {dir::if_("i Eq 1", {dir::continue_()}), dir::if_("i Eq 4", {dir::break_()}),
                  dir::assign("total", "total Add add(i, 10)")}),
       dir::let("w", "0"),
       dir::while_("w Lt 3", {dir::assign("w", "w Add 1"), dir::emit("W{n: w, tag: \"loop\"}")}),
       dir::call("add", {"fact(4)", "total"}, "r"), dir::let("f", "fact(3) Add fact(2)"), dir::emit("ok"),
       dir::ret("R{r: r, f: f, total: total}")});
  return dir::single_forge({main, fact, add});
}

TEST(Snapshot, KProgramWithEveryStatementKind) {
  dust_test::ApiRun run = dust_test::run_api(k_program());
  ASSERT_EQ(dust_test::failure_of(run), "ok");
  // main: total = (0+10) + (2+10) + (3+10) = 35; r = fact(4) + 35 = 59; f = 6 + 2 = 8.
  EXPECT_EQ(run.trace["returned"],
            json::parse(R"({"Struct":{"ty":"R","fields":{"r":{"Int":59},"f":{"Int":8},"total":{"Int":35}}}})"));
  check_snapshots(k_program());
}

TEST(Snapshot, QProgramKeepsTheResourceTable) {
  check_snapshots(dir::q_main({dir::let("a", "q_alloc(QBit)"), dir::let("b", "q_alloc(QReg)"), dir::let("c", "q_move(a)"),
                               dir::let("u", "q_use(c)"), dir::emit("\"mid\""), dir::let("d", "q_consume(c)"),
                               dir::let("e", "q_move(b)"), dir::let("x", "q_use(a)")}));
}

TEST(Snapshot, PhiProgramKeepsTheWitnessCounter) {
  check_snapshots(dir::phi_main({dir::constrain("true"), dir::prove("p", "true"), dir::emit("p"),
                                 dir::let("w", "phi_witness(\"d1\")"), dir::emit("w.id"), dir::prove("q", "1 Eq 1"),
                                 dir::emit("q.id"), dir::ret("0"), dir::let("v", "phi_witness(\"d2\")"), dir::emit("v")}));
}

TEST(Snapshot, FailingRunEndsIdentically) {
  dir::Json deep = dir::proc("K", "down", {dir::ret("down(n Add 1)")}, {{"n"}});
  dir::Json main = dir::proc("K", "main", {dir::emit("\"start\""), dir::let("x", "down(0)")});
  dust::LoadResult loaded = dust::load_dir_text(dir::single_forge({main, deep}).dump());
  ASSERT_TRUE(loaded.ok());
  dust::Machine m(loaded.program, &dust_test::no_intrinsics(), dust::RunConfig{});
  dust::StepEvent event;
  for (int i = 0; i < 1000; ++i) m.step(event);
  dust::Machine copy = m;
  Continuation a = run_rest(m);
  Continuation b = run_rest(copy);
  expect_same(a, b, "recursion-limit failure");
  EXPECT_NE(a.outcome.find("call depth limit exceeded"), std::string::npos) << a.outcome;
}

TEST(Snapshot, CopyOfAFinishedMachineStaysFinished) {
  dust::LoadResult loaded = dust::load_dir_text(dir::k_main({dir::emit("1"), dir::ret("2")}).dump());
  ASSERT_TRUE(loaded.ok());
  dust::Machine m(loaded.program, &dust_test::no_intrinsics(), dust::RunConfig{});
  Continuation first = run_rest(m);
  dust::Machine copy = m;
  EXPECT_TRUE(copy.done());
  dust::StepEvent event;
  copy.step(event);  // a finished machine does nothing
  EXPECT_EQ(copy.steps, m.steps);
  EXPECT_EQ(dust::outcome_trace_json(copy), first.trace);
}

}  // namespace
