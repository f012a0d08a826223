// validation_test.cpp — DIR validation and entry selection (semantics doc
// §1.1): the four DirValidate messages and their order, trimming of names,
// the entry rule (first proc of that name, forges then procs) and the two
// entry errors. Validation runs before the entry lookup.
#include <gtest/gtest.h>

#include <string>

#include "dir_builder.hpp"
#include "dvm_runner.hpp"

namespace {

using dust_test::bare_error;
using dust_test::run_api;
using nlohmann::json;
namespace dir = dust_test::dir;

json invalid(const std::string& message) { return bare_error("DirValidate", message); }

dir::Json ok_proc(const std::string& name = "main", const std::string& regime = "K") {
  return dir::proc(regime, name, {dir::ret("0")});
}

dir::Json program_of(std::initializer_list<dir::Json> forges) {
  dir::Json list = dir::Json::array();
  for (const dir::Json& f : forges) list.push_back(f);
  return dir::program(std::move(list));
}

// ---- the messages ----

TEST(Validation, NoForges) {
  EXPECT_EQ(dust_test::run_api_text(R"({"forges": []})").trace, invalid("program has no forges"));
}

TEST(Validation, ForgeNameEmptyOrWhitespace) {
  for (const char* name : {"", " ", "\t\n ", "\u3000", "\u00a0\u2003"}) {
    EXPECT_EQ(run_api(program_of({dir::forge(name, {ok_proc()})})).trace, invalid("forge name is empty"))
        << "forge name: " << json(name).dump();
  }
}

TEST(Validation, ProcNameEmptyOrWhitespace) {
  for (const char* name : {"", "   ", "\r\n", "\u2028"}) {
    EXPECT_EQ(run_api(program_of({dir::forge("core", {ok_proc(), ok_proc(name)})})).trace, invalid("proc name is empty"))
        << "proc name: " << json(name).dump();
  }
}

TEST(Validation, UnknownRegimeIsQuotedVerbatim) {
  for (const char* regime : {"k", "Phi", "φ", " K", "K ", "", "QQ", "Ф"}) {
    EXPECT_EQ(run_api(program_of({dir::forge("core", {ok_proc(), ok_proc("other", regime)})})).trace,
              invalid(std::string("unknown regime: ") + regime))
        << "regime: " << json(regime).dump();
  }
}

TEST(Validation, ValidNamesWithSurroundingSpaceAreAccepted) {
  // Names are trimmed only to decide emptiness; the entry still matches exactly.
  dir::Json prog = program_of({dir::forge(" core ", {dir::proc("K", " main ", {dir::ret("1")}), ok_proc("main")})});
  EXPECT_EQ(run_api(prog).trace["returned"], json({{"Int", 0}}));
  EXPECT_EQ(run_api(prog, " main ").trace["returned"], json({{"Int", 1}}));
}

// ---- the order of the checks ----

TEST(ValidationOrder, ForgesInOrderEachForgeNameBeforeItsProcs) {
  dir::Json bad_regime_first = program_of({dir::forge("a", {ok_proc("main", "X")}), dir::forge("", {ok_proc()})});
  EXPECT_EQ(run_api(bad_regime_first).trace, invalid("unknown regime: X"));
  dir::Json empty_forge_first = program_of({dir::forge(" ", {ok_proc("main", "X")}), dir::forge("b", {ok_proc()})});
  EXPECT_EQ(run_api(empty_forge_first).trace, invalid("forge name is empty"));
}

TEST(ValidationOrder, ProcNameBeforeItsRegimeAndProcsInOrder) {
  EXPECT_EQ(run_api(program_of({dir::forge("a", {ok_proc("", "X")})})).trace, invalid("proc name is empty"));
  EXPECT_EQ(run_api(program_of({dir::forge("a", {ok_proc("f", "X"), ok_proc("")})})).trace, invalid("unknown regime: X"));
  EXPECT_EQ(run_api(program_of({dir::forge("a", {ok_proc(""), ok_proc("f", "X")})})).trace, invalid("proc name is empty"));
}

TEST(ValidationOrder, ValidationComesBeforeTheEntryLookup) {
  dir::Json prog = program_of({dir::forge("a", {ok_proc("not_main"), ok_proc("g", "Z")})});
  EXPECT_EQ(run_api(prog, "nope").trace, invalid("unknown regime: Z"));
}

TEST(ValidationOrder, AnInvalidProcThatIsNeverCalledStillFailsTheProgram) {
  dir::Json prog = program_of({dir::forge("a", {ok_proc()}), dir::forge("b", {ok_proc("unused", "quantum")})});
  EXPECT_EQ(run_api(prog).trace, invalid("unknown regime: quantum"));
}

TEST(ValidationOrder, ForgeWithNoProcsIsValid) {
  dir::Json prog = program_of({dir::forge("empty", dir::Json::array()), dir::forge("b", {ok_proc()})});
  EXPECT_EQ(run_api(prog).trace["returned"], json({{"Int", 0}}));
}

// ---- entry selection ----

TEST(Entry, DefaultIsMain) {
  dir::Json prog = dir::single_forge({dir::proc("K", "helper", {dir::ret("1")}), dir::proc("K", "main", {dir::ret("2")})});
  EXPECT_EQ(run_api(prog).trace["returned"], json({{"Int", 2}}));
  EXPECT_EQ(run_api(prog, "helper").trace["returned"], json({{"Int", 1}}));
}

TEST(Entry, FirstProcOfThatNameForgesThenProcs) {
  dir::Json prog = program_of({dir::forge("first", {dir::proc("K", "other", {dir::ret("0")}),
                                                    dir::proc("K", "main", {dir::emit("\"first/main#1\"")}),
                                                    dir::proc("K", "main", {dir::emit("\"first/main#2\"")})}),
                               dir::forge("second", {dir::proc("K", "main", {dir::emit("\"second/main\"")})})});
  dust_test::ApiRun run = run_api(prog);
  ASSERT_EQ(run.effects.size(), 1u) << dust_test::failure_of(run);
  EXPECT_EQ(run.effects[0].payload, "first/main#1");
}

TEST(Entry, EarlierForgeWinsOverLaterProcPosition) {
  dir::Json prog = program_of({dir::forge("a", {dir::proc("K", "x", {dir::ret("0")}), dir::proc("K", "x", {dir::ret("0")}),
                                                dir::proc("Q", "run", {dir::ret("\"a\"")})}),
                               dir::forge("b", {dir::proc("K", "run", {dir::ret("\"b\"")})})});
  EXPECT_EQ(run_api(prog, "run").trace["returned"], json({{"String", "a"}}));
}

TEST(Entry, NotFoundMessageIsTheName) {
  dir::Json prog = dir::single_forge({ok_proc()});
  EXPECT_EQ(run_api(prog, "nope").trace, bare_error("EntrypointNotFound", "nope"));
  EXPECT_EQ(run_api(prog, "Main").trace, bare_error("EntrypointNotFound", "Main"));
  EXPECT_EQ(run_api(prog, "").trace, bare_error("EntrypointNotFound", ""));
  EXPECT_EQ(run_api(prog, "core::main").trace, bare_error("EntrypointNotFound", "core::main"));
}

TEST(Entry, EntryWithParamsIsARuntimeErrorNamingProcAndRegime) {
  for (const char* regime : {"K", "Q", "Φ"}) {
    dir::Json prog = dir::single_forge({dir::proc(regime, "main", {dir::emit("1"), dir::ret("0")}, {{"x"}, {"y", "Bool"}})});
    EXPECT_EQ(run_api(prog).trace,
              bare_error("Runtime", std::string("entrypoint has params in v0.1 host-runner: main:") + regime));
  }
}

TEST(Entry, EntryWithParamsChecksTheFirstMatchOnly) {
  dir::Json prog = dir::single_forge({dir::proc("K", "f", {dir::ret("0")}, {{"a"}}), dir::proc("K", "f", {dir::ret("1")})});
  EXPECT_EQ(run_api(prog, "f").trace, bare_error("Runtime", "entrypoint has params in v0.1 host-runner: f:K"));
}

TEST(Entry, EntryErrorsHappenOnTheFirstStep) {
  // The machine reports start-up failures as its first step, before any statement.
  dust_test::ApiRun run = run_api(dir::single_forge({ok_proc()}), "missing");
  ASSERT_EQ(run.events.size(), 1u);
  EXPECT_EQ(run.events[0].kind, dust::StepKind::Failed);
  ASSERT_TRUE(run.events[0].error.has_value());
  EXPECT_EQ(run.events[0].error->display(), "entrypoint not found: missing");
  EXPECT_EQ(run.tick, 0u);
}

// ---- the display prefixes of every kind ----

TEST(ErrorDisplay, EveryKindHasTheReferencePrefix) {
  struct Case {
    dust::ErrorKind kind;
    const char* name;
    const char* display;
  };
  const Case cases[] = {
      {dust::ErrorKind::DirLoad, "DirLoad", "DIR load error: m"},
      {dust::ErrorKind::DirValidate, "DirValidate", "DIR validation error: m"},
      {dust::ErrorKind::EntrypointNotFound, "EntrypointNotFound", "entrypoint not found: m"},
      {dust::ErrorKind::UnsupportedRegime, "UnsupportedRegime", "regime not supported by this execution path: m"},
      {dust::ErrorKind::Inadmissible, "Inadmissible", "inadmissible program: m"},
      {dust::ErrorKind::ConstraintFailure, "ConstraintFailure", "constraint failure: m"},
      {dust::ErrorKind::EffectViolation, "EffectViolation", "effect violation: m"},
      {dust::ErrorKind::TimeViolation, "TimeViolation", "time violation: m"},
      {dust::ErrorKind::Runtime, "Runtime", "runtime error: m"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ((dust::DvmError{c.kind, "m"}).display(), c.display);
    EXPECT_EQ(dust::error_kind_name(c.kind), c.name);
    dust::ErrorKind parsed = dust::ErrorKind::Runtime;
    EXPECT_TRUE(dust::error_kind_from_name(c.name, parsed));
    EXPECT_EQ(parsed, c.kind);
  }
  dust::ErrorKind unused;
  EXPECT_FALSE(dust::error_kind_from_name("NotAKind", unused));
}

}  // namespace
