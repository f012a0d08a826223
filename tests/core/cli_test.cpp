// cli_test.cpp — `dustrun <DIR>` as a user runs it (semantics doc §1.5):
// the human output line by line, exit codes 0/2/3/10, the failure line on
// stderr with each kind's prefix, --quiet, --emit-trace (failures too),
// --help/--version, bad arguments, and --trace's one line per step.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

#include "dir_builder.hpp"
#include "dvm_runner.hpp"
#include "test_data.hpp"

namespace {

using dust_test::ProcessResult;
using dust_test::run_dustrun;
using dust_test::run_dustrun_on;
using nlohmann::json;
namespace dir = dust_test::dir;

std::string fixture(const std::string& name) {
  return dust_test::data_path("conformance/dustrun/fixtures/dir/" + name + ".dir.json").string();
}

std::string human(const std::string& returned, const std::string& effects, std::uint64_t ticks,
                  const std::string& mode = "simulate", const std::string& entry = "main") {
  return "return: " + returned + "\n" + effects + "time.ticks: " + std::to_string(ticks) + "\neffect_mode: " + mode +
         "\nentry: " + entry + "\n";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// ---- human output ----

TEST(CliHuman, HelloFixtureExactly) {
  ProcessResult r = run_dustrun({fixture("hello_k")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, human("0", "effects:\n  1. emit Hello, Dust!\n", 1));
  EXPECT_EQ(r.err, "");
}

TEST(CliHuman, NoReturnAndNoEffects) {
  ProcessResult r = run_dustrun_on(dir::k_main({dir::let("x", "1"), dir::let("y", "2")}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, human("<none>", "effects: <none>\n", 2));
}

TEST(CliHuman, ReturnedValuesAreRendered) {
  struct Case {
    const char* expr;
    const char* shown;
  };
  const Case cases[] = {
      {"-12", "-12"},
      {"true", "true"},
      {"\"plain\"", "\"plain\""},
      {R"("a\"b\\c\nd\te")", R"("a\"b\\c\nd\te")"},
      {"T{a: 1, b: \"x\", c: false}", "T{a:1,b:\"x\",c:false}"},
      {"O{i: I{}, n: Neg(3)}", "O{i:I{},n:-3}"},
  };
  for (const Case& c : cases) {
    ProcessResult r = run_dustrun_on(dir::k_main({dir::ret(c.expr)}));
    EXPECT_EQ(r.exit_code, 0) << c.expr << ": " << r.err;
    EXPECT_EQ(r.out, human(c.shown, "effects: <none>\n", 0)) << c.expr;
  }
  ProcessResult unit = run_dustrun_on(dir::k_main({dir::prove("p", "true"), dir::ret("p")}));
  EXPECT_EQ(unit.out, human("unit", "effects: <none>\n", 1));
}

TEST(CliHuman, ReturnedStringsUseRustDebugEscapes) {
  // Rust's {:?} escapes control characters, \0, and characters Rust does not
  // consider printable (non-space separators, format characters, grapheme
  // extenders); printable non-ASCII stays as it is.
  struct Case {
    std::string value;
    std::string shown;
  };
  const std::vector<Case> cases = {
      {std::string("nul\0end", 7), R"("nul\0end")"},
      {"bell\x01", R"("bell\u{1}")"},
      {"esc\x1b", R"("esc\u{1b}")"},
      {"del\x7f", R"("del\u{7f}")"},
      {"it's", R"("it's")"},
      {"é Φ ☃ 😀", R"("é Φ ☃ 😀")"},
      {"nbsp\u00a0", R"("nbsp\u{a0}")"},
      {"zwsp\u200b", R"("zwsp\u{200b}")"},
      {"line\u2028sep", R"("line\u{2028}sep")"},
      {"e\u0301", R"("e\u{301}")"},
  };
  for (const Case& c : cases) {
    // The expression is a string literal holding the raw characters.
    ProcessResult r = run_dustrun_on(dir::k_main({dir::ret("\"" + c.value + "\"")}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, human(c.shown, "effects: <none>\n", 0)) << json(c.value).dump();
  }
}

TEST(CliHuman, EffectsAreNumberedWithKindAndRawPayload) {
  ProcessResult r = run_dustrun_on(dir::k_main({dir::emit("\"first line\""), dir::effect("log", "2 Mul 21"),
                                                dir::effect("seal", "S{k: \"v\"}"), dir::effect("expr", "true")}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, human("<none>",
                         "effects:\n  1. emit first line\n  2. log 42\n  3. seal {\"Struct\":{\"ty\":\"S\",\"fields\":{\"k\":"
                         "{\"String\":\"v\"}}}}\n  4. expr true\n",
                         4));
}

TEST(CliHuman, EffectModeAndEntryLines) {
  dir::Json prog = dir::single_forge({dir::proc("K", "main", {dir::ret("1")}), dir::proc("K", "other", {dir::ret("2")})});
  std::string text = prog.dump();
  EXPECT_EQ(run_dustrun_on(text, {"--effects", "realize"}).out, human("1", "effects: <none>\n", 0, "realize"));
  EXPECT_EQ(run_dustrun_on(text, {"--effects=realize"}).out, human("1", "effects: <none>\n", 0, "realize"));
  EXPECT_EQ(run_dustrun_on(text, {"--effects", "realize", "--simulate"}).out, human("1", "effects: <none>\n", 0));
  EXPECT_EQ(run_dustrun_on(text, {"--effects", "simulate"}).out, human("1", "effects: <none>\n", 0));
  EXPECT_EQ(run_dustrun_on(text, {"-e", "other"}).out, human("2", "effects: <none>\n", 0, "simulate", "other"));
  EXPECT_EQ(run_dustrun_on(text, {"--entry", "other"}).out, human("2", "effects: <none>\n", 0, "simulate", "other"));
  EXPECT_EQ(run_dustrun_on(text, {"--entry=other"}).out, human("2", "effects: <none>\n", 0, "simulate", "other"));
}

TEST(CliHuman, OptionsMayComeBeforeThePath) {
  dust_test::TempDir tmp;
  std::string file = tmp.write("p.json", dir::k_main({dir::ret("5")}).dump());
  ProcessResult r = run_dustrun({"--effects", "realize", "-e", "main", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, human("5", "effects: <none>\n", 0, "realize"));
}

// ---- failures: exit 10 and one line on stderr ----

TEST(CliFailure, EachKindPrintsItsPrefixOnStderr) {
  struct Case {
    dir::Json program;
    std::vector<std::string> options;
    std::string line;
  };
  std::vector<Case> cases = {
      {dir::program(dir::Json::array()), {}, "dustrun: DIR validation error: program has no forges"},
      {dir::k_main({dir::ret("0")}), {"-e", "nope"}, "dustrun: entrypoint not found: nope"},
      {dir::phi_main({dir::constrain("true")}), {},
       "dustrun: regime not supported by this execution path: Φ-regime execution wiring into engine is a later step"},
      {dir::k_main({dir::constrain("false")}), {}, "dustrun: inadmissible program: constraint failed: false"},
      {dir::k_main({dir::constrain("1")}), {}, "dustrun: constraint failure: constraint predicate did not evaluate to bool"},
      {dir::k_main({dir::emit("\"x\""), dir::ret("1 Div 0")}), {}, "dustrun: runtime error: division by zero"},
      {dir::q_main({dir::let("u", "q_use(a)")}), {}, "dustrun: inadmissible program: Q use failed: unknown binding: a (op=q_use)"},
  };
  for (const Case& c : cases) {
    ProcessResult r = run_dustrun_on(c.program, c.options);
    EXPECT_EQ(r.exit_code, 10) << c.line;
    EXPECT_EQ(r.out, "") << c.line;
    EXPECT_EQ(r.err, c.line + "\n");
  }
}

TEST(CliFailure, LoadErrorIsExit3WithLineAndColumn) {
  ProcessResult r = run_dustrun_on(std::string("{\"forges\": [\n  {\"name\": 5}\n]}"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(std::regex_match(r.err, std::regex("dustrun: DIR load error: .* at line 2 column [0-9]+\n"))) << r.err;
}

// ---- --quiet ----

TEST(CliQuiet, SuccessPrintsNothing) {
  ProcessResult r = run_dustrun({fixture("hello_k"), "--quiet"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST(CliQuiet, FailurePrintsNothingButKeepsTheExitCode) {
  ProcessResult run_failure = run_dustrun_on(dir::k_main({dir::ret("nope")}), {"--quiet"});
  EXPECT_EQ(run_failure.exit_code, 10);
  EXPECT_EQ(run_failure.out, "");
  EXPECT_EQ(run_failure.err, "");
  ProcessResult load_failure = run_dustrun_on(std::string("{"), {"--quiet"});
  EXPECT_EQ(load_failure.exit_code, 3);
  EXPECT_EQ(load_failure.out, "");
  EXPECT_EQ(load_failure.err, "");
}

TEST(CliQuiet, StructuredOutputStillPrinted) {
  ProcessResult r = run_dustrun_on(dir::k_main({dir::ret("nope")}), {"--quiet", "--emit-trace"});
  EXPECT_EQ(r.exit_code, 10);
  EXPECT_EQ(json::parse(r.out), dust_test::bare_error("Runtime", "unknown identifier: nope"));
  EXPECT_EQ(r.err, "");
}

// ---- --emit-trace ----

TEST(CliEmitTrace, SuccessTraceEqualsTheApiTrace) {
  dir::Json prog = dir::k_main({dir::let("x", "6"), dir::emit("x Mul 7"), dir::ret("S{v: x}")});
  ProcessResult r = run_dustrun_on(prog, {"--emit-trace"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(json::parse(r.out), dust_test::run_api(prog).trace);
  EXPECT_EQ(json::parse(r.out),
            json::parse(R"({"returned":{"Struct":{"ty":"S","fields":{"v":{"Int":6}}}},)"
                        R"("effects":{"events":[{"kind":"emit","payload":"42"}]},"time":{"tick":2}})"));
}

TEST(CliEmitTrace, FailureTraceOnStdoutAndMessageOnStderr) {
  ProcessResult r = run_dustrun_on(dir::phi_main({dir::emit("\"e\""), dir::let("w", "phi_witness(5)")}), {"--emit-trace"});
  EXPECT_EQ(r.exit_code, 10);
  EXPECT_EQ(json::parse(r.out),
            json::parse(R"j({"error":{"kind":"Runtime","message":"phi_witness expects a String digest, got Int(5)"},)j"
                        R"j("effects":{"events":[{"kind":"emit","payload":"e"}]},"time":{"tick":1}})j"));
  EXPECT_EQ(r.err, "dustrun: runtime error: phi_witness expects a String digest, got Int(5)\n");
}

TEST(CliEmitTrace, WhichFailuresCarryEffectsAndTime) {
  // Each program emits before it fails; only the Φ refusal and the
  // phi_witness type error keep what happened before the failure.
  struct Case {
    std::string name;
    dir::Json program;
    std::vector<std::string> options;
    std::string trace;
  };
  const std::string effects = R"j("effects":{"events":[{"kind":"emit","payload":"before"}]})j";
  const std::vector<Case> cases = {
      {"K runtime", dir::k_main({dir::emit("\"before\""), dir::let("x", "1 Div 0")}), {},
       R"j({"error":{"kind":"Runtime","message":"division by zero"}})j"},
      {"K constrain", dir::k_main({dir::emit("\"before\""), dir::constrain("false")}), {},
       R"j({"error":{"kind":"Inadmissible","message":"constraint failed: false"}})j"},
      {"Q linearity", dir::q_main({dir::emit("\"before\""), dir::let("a", "q_alloc(QBit)"), dir::let("a", "q_alloc(QBit)")}), {},
       R"j({"error":{"kind":"Inadmissible","message":"Q alloc failed: name already bound: a"}})j"},
      {"Φ validation", dir::phi_main({dir::emit("\"before\""), dir::constrain("false")}), {},
       R"j({"error":{"kind":"Inadmissible","message":"constraint failed: false"}})j"},
      {"Φ prove", dir::phi_main({dir::emit("\"before\""), dir::prove("p", "false")}), {},
       R"j({"error":{"kind":"Inadmissible","message":"constraint failed: false"}})j"},
      {"Φ body runtime", dir::phi_main({dir::emit("\"before\""), dir::emit("nope")}), {},
       R"j({"error":{"kind":"Runtime","message":"unknown identifier: nope"}})j"},
      {"Φ witness type", dir::phi_main({dir::emit("\"before\""), dir::let("w", "phi_witness(true)")}), {},
       R"j({"error":{"kind":"Runtime","message":"phi_witness expects a String digest, got Bool(true)"},)j" + effects +
           R"j(,"time":{"tick":1}})j"},
      {"Φ refusal", dir::phi_main({dir::emit("\"before\""), dir::ret("0")}), {},
       R"j({"error":{"kind":"UnsupportedRegime","message":"Φ-regime execution wiring into engine is a later step"},)j" +
           effects + R"j(,"time":{"tick":2}})j"},
      {"entry with params", dir::single_forge({dir::proc("K", "main", {dir::emit("\"before\"")}, {{"p"}})}), {},
       R"j({"error":{"kind":"Runtime","message":"entrypoint has params in v0.1 host-runner: main:K"}})j"},
      {"entry not found", dir::k_main({dir::emit("\"before\"")}), {"-e", "gone"},
       R"j({"error":{"kind":"EntrypointNotFound","message":"gone"}})j"},
      {"validation", dir::main_only("K ", {dir::emit("\"before\"")}), {},
       R"j({"error":{"kind":"DirValidate","message":"unknown regime: K "}})j"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> options = c.options;
    options.push_back("--emit-trace");
    ProcessResult r = run_dustrun_on(c.program, options);
    EXPECT_EQ(r.exit_code, 10) << c.name;
    json actual = json::parse(r.out, nullptr, false);
    EXPECT_EQ(actual, json::parse(c.trace)) << c.name << "\n" << r.out;
  }
}

TEST(CliEmitTrace, LoadErrorTrace) {
  ProcessResult r = run_dustrun_on(std::string("{\"forges\": 1}"), {"--emit-trace"});
  EXPECT_EQ(r.exit_code, 3);
  json trace = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(trace.is_discarded()) << r.out;
  EXPECT_EQ(trace["error"]["kind"], "DirLoad");
  EXPECT_TRUE(std::regex_search(trace["error"]["message"].get<std::string>(), std::regex(" at line 1 column [0-9]+$")))
      << trace.dump();
  EXPECT_EQ(trace.size(), 1u);
}

TEST(CliEmitTrace, EffectsModeDoesNotChangeV01Results) {
  for (const char* name : {"hello_k", "q_ok", "q_linearity", "phi_prove", "phi_witness", "phi_inadmissible"}) {
    ProcessResult simulate = run_dustrun({fixture(name), "--emit-trace", "--effects", "simulate"});
    ProcessResult realize = run_dustrun({fixture(name), "--emit-trace", "--effects", "realize"});
    EXPECT_EQ(simulate.exit_code, realize.exit_code) << name;
    EXPECT_EQ(json::parse(simulate.out), json::parse(realize.out)) << name;
  }
}

// ---- --help, --version, bad arguments, unreadable files ----

TEST(CliArguments, HelpAndVersion) {
  for (const char* flag : {"--help", "-h"}) {
    ProcessResult r = run_dustrun({flag});
    EXPECT_EQ(r.exit_code, 0) << flag;
    EXPECT_EQ(r.out.rfind("Usage: dustrun", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("--emit-trace"), std::string::npos);
    EXPECT_EQ(r.err, "");
  }
  for (const char* flag : {"--version", "-V"}) {
    ProcessResult r = run_dustrun({flag});
    EXPECT_EQ(r.exit_code, 0) << flag;
    EXPECT_TRUE(std::regex_match(r.out, std::regex("dustrun [0-9]+\\.[0-9]+\\.[0-9]+.*\n"))) << r.out;
  }
  // Help wins over a program that would fail.
  ProcessResult r = run_dustrun({"/nonexistent/file.json", "--help"});
  EXPECT_EQ(r.exit_code, 0);
}

TEST(CliArguments, BadArgumentsExitWith2) {
  std::string file = fixture("hello_k");
  const std::vector<std::vector<std::string>> cases = {
      {},
      {file, "--bogus"},
      {"--bogus", file},
      {file, "--effects", "bogus"},
      {file, "--effects"},
      {file, "-e"},
      {file, "--entry"},
      {file, file},
      {file, "--seed", "abc"},
      {file, "-x"},
  };
  for (const auto& args : cases) {
    ProcessResult r = run_dustrun(args);
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    EXPECT_EQ(r.exit_code, 2) << shown;
    EXPECT_EQ(r.out, "") << shown;
    EXPECT_EQ(r.err.rfind("dustrun: ", 0), 0u) << shown << "\n" << r.err;
  }
}

TEST(CliArguments, UnreadableFilesExitWith2AndNameThePath) {
  dust_test::TempDir tmp;
  std::string missing = (tmp.path() / "does-not-exist.json").string();
  ProcessResult r = run_dustrun({missing});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  ProcessResult d = run_dustrun({tmp.path().string()});
  EXPECT_EQ(d.exit_code, 2);
  EXPECT_NE(d.err.find(tmp.path().string()), std::string::npos) << d.err;
}

// ---- --trace ----

TEST(CliTrace, OneLinePerStepOnStderr) {
  dir::Json prog = dir::k_main({dir::let("x", "1"), dir::emit("x"), dir::assign("x", "x Add 1"), dir::ret("x")});
  dust_test::ApiRun api = dust_test::run_api(prog);
  ProcessResult r = run_dustrun_on(prog, {"--trace"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, human("2", "effects:\n  1. emit 1\n", 3));
  std::vector<std::string> lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), api.events.size()) << r.err;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const dust::StepEvent& e = api.events[i];
    std::string prefix = "step " + std::to_string(e.index) + " tick " + std::to_string(e.tick_before) + "->" +
                         std::to_string(e.tick) + " ";
    EXPECT_EQ(lines[i].rfind(prefix, 0), 0u) << lines[i] << " (expected prefix " << prefix << ")";
  }
}

TEST(CliTrace, FailureEndsWithTheStepAndTheFailureLine) {
  dir::Json prog = dir::k_main({dir::let("x", "1"), dir::let("y", "x Div 0")});
  dust_test::ApiRun api = dust_test::run_api(prog);
  ProcessResult r = run_dustrun_on(prog, {"--trace"});
  EXPECT_EQ(r.exit_code, 10);
  std::vector<std::string> lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), api.events.size() + 1) << r.err;
  EXPECT_EQ(lines.back(), "dustrun: runtime error: division by zero");
  EXPECT_NE(lines[lines.size() - 2].find("division by zero"), std::string::npos) << lines[lines.size() - 2];
}

TEST(CliTrace, TraceIsDeterministic) {
  dir::Json prog = dir::k_main({dir::for_("i", "0", "5", {dir::emit("i")}), dir::ret("i")});
  ProcessResult a = run_dustrun_on(prog, {"--trace"});
  ProcessResult b = run_dustrun_on(prog, {"--trace"});
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.err, b.err);
  EXPECT_EQ(a.out, b.out);
}

}  // namespace
