// call_forms_test.cpp — the ways a program can name an intrinsic or the
// proc a thread runs: plain names, `module.name` and `dustlib_k::module::name`,
// in expressions and in Call statements.
#include "k_harness.hpp"

namespace {

using namespace k_test;

TEST(CallForms, ModuleQualifiedNamesInsideExpressions) {
  KRun run = run_text(k_main(Json::array({
      let("a", "memory.alloc(16)"),
      let("b", "dustlib_k::memory::alloc(16)"),
      call("memory.store", {"a", "5"}),
      let("x", "memory.load(a) Add load(a)"),
      call("free", {"a"}),
      call("dustlib_k::memory::free", {"b"}),
      ret("x Add (b Sub a)"),
  })));
  ASSERT_EQ(run.failure(), "finished");
  EXPECT_EQ(run.returned_int(), 10 + 16);
}

TEST(CallForms, FieldAccessIsNotMistakenForACall) {
  KRun run = run_text(k_main(Json::array({
      let("p", "Point{x: 3, y: 4}"),
      ret("p.x Add p.y"),
  })));
  ASSERT_EQ(run.failure(), "finished");
  EXPECT_EQ(run.returned_int(), 7);
}

TEST(CallForms, SpawnNamesItsProcByBareIdentifierInCallStatements) {
  std::string text = program(Json::array({
      proc("worker", Json::array({ret("n Mul 2")}), {"n"}),
      proc("main", Json::array({
                       call("spawn", {"worker", "0", "21"}, std::string("t")),
                       call("threading.join", {"t"}, std::string("r")),
                       ret("r"),
                   })),
  }));
  KRun run = run_text(text);
  ASSERT_EQ(run.failure(), "finished");
  EXPECT_EQ(run.returned_int(), 42);
}

TEST(CallForms, SpawnStillEvaluatesABoundVariableAsTheProcName) {
  // A name that is not bare (a string expression) is evaluated as usual.
  std::string text = program(Json::array({
      proc("worker", Json::array({ret("7")})),
      proc("main", Json::array({
                       let("which", "\"worker\""),
                       let("t", "spawn(which Add \"\", 0)"),
                       ret("join(t)"),
                   })),
  }));
  KRun run = run_text(text);
  EXPECT_NE(run.failure().find("Add/Sub requires int operands"), std::string::npos) << run.failure();
}

}  // namespace
