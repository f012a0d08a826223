// bad_input_test.cpp — hostile and broken DIR files: every one ends with a
// clear error and the documented exit code (2 unreadable, 3 load error, 10
// run failure), never a crash or a hang. Load errors name the line and
// column of the fault (semantics doc §1.1).
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>

#include "dir_builder.hpp"
#include "dvm_runner.hpp"

namespace {

using dust_test::ProcessResult;
using dust_test::run_dustrun;
using dust_test::run_dustrun_on;
using nlohmann::json;
namespace dir = dust_test::dir;

// A valid DIR laid out one field per line, so a test can break line N and
// expect the error at line N.
const std::vector<std::string> kBaseLines = {
    R"({)",                                                              // 1
    R"(  "forges": [)",                                                  // 2
    R"(    {)",                                                          // 3
    R"(      "name": "core",)",                                          // 4
    R"(      "shapes": [],)",                                            // 5
    R"(      "procs": [)",                                               // 6
    R"(        {)",                                                      // 7
    R"(          "regime": "K",)",                                       // 8
    R"(          "name": "main",)",                                      // 9
    R"(          "params": [],)",                                        // 10
    R"(          "uses": [],)",                                          // 11
    R"(          "ret": "Int",)",                                        // 12
    R"(          "qualifiers": [],)",                                    // 13
    R"(          "body": [)",                                            // 14
    R"(            { "Effect": { "kind": "emit", "payload": "\"hi\"" } },)",  // 15
    R"(            { "Return": { "expr": "0" } })",                      // 16
    R"(          ])",                                                    // 17
    R"(        })",                                                      // 18
    R"(      ],)",                                                       // 19
    R"(      "binds": [])",                                              // 20
    R"(    })",                                                          // 21
    R"(  ])",                                                            // 22
    R"(})",                                                              // 23
};

std::string base_with(int line, const std::string& replacement) {
  std::string text;
  for (std::size_t i = 0; i < kBaseLines.size(); ++i) {
    text += static_cast<int>(i + 1) == line ? replacement : kBaseLines[i];
    text += "\n";
  }
  return text;
}

std::string base_text() { return base_with(0, ""); }

struct LoadErrorLine {
  bool matched = false;
  std::string message;
  int line = 0;
  int column = 0;
};

// Splits "<message> at line L column C" (the DirLoad message form).
LoadErrorLine parse_load_message(const std::string& message) {
  static const std::regex form("(.*) at line ([0-9]+) column ([0-9]+)");
  std::smatch m;
  LoadErrorLine out;
  if (!std::regex_match(message, m, form)) return out;
  out.matched = true;
  out.message = m[1];
  out.line = std::stoi(m[2]);
  out.column = std::stoi(m[3]);
  return out;
}

// Loads `text` through the API and the CLI; both must report a DirLoad at a
// line in [first_line, last_line] (0: any) whose message contains
// `fragment`. Returns the API's message.
std::string expect_load_error_between(const std::string& text, int first_line, int last_line,
                                      const std::string& fragment) {
  dust::LoadResult loaded = dust::load_dir_text(text);
  if (loaded.ok()) {
    ADD_FAILURE() << "loaded without error; expected a DirLoad error at line " << first_line;
    return {};
  }
  EXPECT_FALSE(loaded.unreadable);
  EXPECT_EQ(loaded.error.kind, dust::ErrorKind::DirLoad);
  LoadErrorLine parsed = parse_load_message(loaded.error.message);
  EXPECT_TRUE(parsed.matched) << "no line/column in: " << loaded.error.message;
  if (first_line > 0) {
    EXPECT_GE(parsed.line, first_line) << loaded.error.message;
    EXPECT_LE(parsed.line, last_line) << loaded.error.message;
  }
  EXPECT_GE(parsed.column, 1) << loaded.error.message;
  EXPECT_NE(parsed.message.find(fragment), std::string::npos) << loaded.error.message;

  ProcessResult r = run_dustrun_on(text);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "dustrun: DIR load error: " + loaded.error.message + "\n");
  return loaded.error.message;
}

std::string expect_load_error(const std::string& text, int line, const std::string& fragment) {
  return expect_load_error_between(text, line, line, fragment);
}

TEST(BadInput, BaseProgramIsValid) {
  ProcessResult r = run_dustrun_on(base_text(), {"--emit-trace"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// ---- malformed JSON ----

TEST(BadInput, EveryTruncationOfAValidFileIsALoadError) {
  std::string text = base_text();
  for (std::size_t cut = 0; cut + 1 < text.size(); ++cut) {
    // The final newline is optional; any shorter prefix is broken JSON.
    dust::LoadResult loaded = dust::load_dir_text(std::string_view(text).substr(0, cut));
    ASSERT_FALSE(loaded.ok()) << "prefix of " << cut << " bytes loaded";
    EXPECT_EQ(loaded.error.kind, dust::ErrorKind::DirLoad);
    EXPECT_TRUE(parse_load_message(loaded.error.message).matched) << loaded.error.message;
  }
}

TEST(BadInput, TruncatedFileThroughTheCli) {
  std::string text = base_text();
  for (std::size_t cut : {std::size_t{1}, text.size() / 3, text.size() / 2, text.size() - 3}) {
    ProcessResult r = run_dustrun_on(text.substr(0, cut));
    EXPECT_EQ(r.exit_code, 3) << cut;
    EXPECT_TRUE(std::regex_match(r.err, std::regex("dustrun: DIR load error: .* at line [0-9]+ column [0-9]+\n"))) << r.err;
  }
}

TEST(BadInput, EmptyAndBlankFiles) {
  expect_load_error("", 1, "EOF");
  expect_load_error("   \n\n  ", 0, "EOF");
}

TEST(BadInput, TopLevelIsNotAnObject) {
  for (const char* text : {"[]", "null", "42", "\"forges\"", "true"}) expect_load_error(text, 1, "");
}

TEST(BadInput, TrailingCharactersAfterTheDocument) {
  expect_load_error(R"({"forges": []} x)", 1, "");
  expect_load_error("{\"forges\": []}\n{}", 2, "");
}

TEST(BadInput, MissingColonNamesItsLine) {
  expect_load_error(base_with(9, R"(          "name" "main",)"), 9, "");
}

TEST(BadInput, TrailingCommaNamesItsLine) {
  // The comma's line or the bracket's.
  expect_load_error_between(base_with(16, R"(            { "Return": { "expr": "0" } },)"), 16, 17, "");
}

TEST(BadInput, BareWordNamesItsLine) { expect_load_error(base_with(12, R"(          "ret": Int,)"), 12, ""); }

TEST(BadInput, UnescapedControlCharacterInAStringNamesItsLine) {
  // JSON (and serde) forbid raw control characters inside strings.
  expect_load_error(base_with(4, "      \"name\": \"co\x01re\","), 4, "");
}

TEST(BadInput, NulBytesAreRejected) {
  std::string text = base_text();
  std::size_t at = text.find("\"core\"");
  ASSERT_NE(at, std::string::npos);
  text[at] = '\0';
  expect_load_error(text, 4, "");
}

// ---- wrong shapes ----

TEST(BadInput, WrongFieldTypesNameTheLine) {
  expect_load_error(base_with(4, R"(      "name": 5,)"), 4, "invalid type");
  expect_load_error(base_with(5, R"(      "shapes": 1,)"), 5, "invalid type");
  expect_load_error(base_with(8, R"(          "regime": true,)"), 8, "invalid type");
  expect_load_error(base_with(9, R"(          "name": ["main"],)"), 9, "invalid type");
  expect_load_error(base_with(10, R"(          "params": {},)"), 10, "invalid type");
  expect_load_error(base_with(10, R"(          "params": [1],)"), 10, "invalid type");
  expect_load_error(base_with(12, R"(          "ret": 7,)"), 12, "invalid type");
  expect_load_error(base_with(13, R"(          "qualifiers": [false],)"), 13, "invalid type");
  expect_load_error(base_with(14, R"(          "body": "x", "ignored": [)"), 14, "invalid type");
  expect_load_error(base_with(2, R"(  "forges": {}, "ignored": [)"), 2, "invalid type");
  expect_load_error(base_with(20, R"(      "binds": [1])"), 20, "invalid type");
}

TEST(BadInput, WrongStatementShapesNameTheLine) {
  expect_load_error(base_with(15, R"(            { "Effect": { "kind": "emit", "payload": 5 } },)"), 15, "invalid type");
  expect_load_error(base_with(15, R"(            { "Let": { "name": 1, "expr": "1" } },)"), 15, "invalid type");
  expect_load_error(base_with(15, R"(            { "Let": "x" },)"), 15, "invalid type");
  expect_load_error(base_with(15, R"(            5,)"), 15, "invalid type");
  expect_load_error(base_with(15, R"(            [],)"), 15, "invalid type");
  expect_load_error(base_with(15, R"(            {},)"), 15, "");
  expect_load_error(base_with(15, R"(            { "Let": { "name": "x", "expr": "1" }, "Return": { "expr": "2" } },)"), 15, "");
  expect_load_error(base_with(15, R"(            { "If": { "condition": "true", "then_body": 3 } },)"), 15, "invalid type");
  expect_load_error(base_with(15, R"(            { "Call": { "target": "f", "args": [1] } },)"), 15, "invalid type");
}

TEST(BadInput, UnknownStatementVariant) {
  std::string message = expect_load_error(base_with(15, R"(            { "Jump": { "to": "x" } },)"), 15, "unknown variant `Jump`");
  EXPECT_NE(message.find("`Let`"), std::string::npos) << message;
  expect_load_error(base_with(15, R"(            "Halt",)"), 15, "unknown variant `Halt`");
  expect_load_error(base_with(15, R"(            { "let": { "name": "x", "expr": "1" } },)"), 15, "unknown variant `let`");
}

TEST(BadInput, MissingFields) {
  // Where serde puts a missing field varies (the object's start or end);
  // it must be inside the object that lacks it.
  auto without = [](int line) {
    std::string text;
    for (std::size_t i = 0; i < kBaseLines.size(); ++i) {
      int number = static_cast<int>(i + 1);
      if (number == line) continue;
      // Removing the last field of the forge leaves a comma to drop before it.
      text += (line == 20 && number == 19) ? std::string("      ]") : kBaseLines[i];
      text += "\n";
    }
    return text;
  };
  struct Case {
    int removed;
    const char* field;
    int first_line;
    int last_line;
  };
  const Case cases[] = {{4, "name", 3, 20}, {5, "shapes", 3, 20}, {20, "binds", 3, 20}, {8, "regime", 7, 17},
                        {9, "name", 7, 17},  {10, "params", 7, 17}, {11, "uses", 7, 17}, {13, "qualifiers", 7, 17}};
  for (const Case& c : cases) {
    dust::LoadResult loaded = dust::load_dir_text(without(c.removed));
    ASSERT_FALSE(loaded.ok()) << c.field;
    LoadErrorLine parsed = parse_load_message(loaded.error.message);
    EXPECT_TRUE(parsed.matched) << loaded.error.message;
    EXPECT_EQ(parsed.message, std::string("missing field `") + c.field + "`");
    EXPECT_GE(parsed.line, c.first_line) << loaded.error.message;
    EXPECT_LE(parsed.line, c.last_line) << loaded.error.message;
  }
  expect_load_error(base_with(15, R"(            { "Effect": { "kind": "emit" } },)"), 15, "missing field `payload`");
  expect_load_error("{}", 1, "missing field `forges`");
}

TEST(BadInput, UnknownKeysAreIgnored) {
  std::string text = base_with(1, R"({ "types": {"anything": [1, {"deep": null}]}, "version": 2,)");
  text = text.substr(0, text.find("\"ret\"")) + "\"locals\": [{\"name\": \"t\"}], " + text.substr(text.find("\"ret\""));
  ProcessResult r = run_dustrun_on(text);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(BadInput, EveryV01FieldShapeLoads) {
  // shapes with fields, uses with (String, DirLit) tuples, binds with
  // contracts, qualifiers, a missing `ret`, and unknown keys at every level.
  const std::string text = R"j({"types": [], "forges": [{"name": "c",
  "shapes": [{"name": "P", "fields": [{"name": "x", "ty": "Int"}], "extra": 1}],
  "procs": [{"regime": "K", "name": "main", "params": [], "qualifiers": ["pure", "det"], "locals": [],
    "uses": [{"resource": "net", "args": [["port", {"Int": 80}], ["tls", {"Bool": true}], ["host", {"String": "h"}]]}],
    "body": [{"Let": {"name": "x", "expr": "1", "body": 5, "note": {"a": [null]}}},
             {"Return": {"expr": "x", "extra": [1, 2]}}]}],
  "binds": [{"source": "a", "target": "b", "contract": [{"key": "k", "op": "eq", "value": "v"}]}]}]})j";
  dust_test::ApiRun run = dust_test::run_api_text(text);
  EXPECT_EQ(dust_test::failure_of(run), "ok");
  EXPECT_EQ(run.trace["returned"], json({{"Int", 1}}));
}

TEST(BadInput, WrongShapesInUsesShapesAndBinds) {
  auto with_forge_fields = [](const std::string& shapes, const std::string& uses, const std::string& binds) {
    return "{\"forges\": [{\"name\": \"c\", \"shapes\": " + shapes +
           ", \"procs\": [{\"regime\": \"K\", \"name\": \"main\", \"params\": [], \"qualifiers\": [],\n\"uses\": " +
           uses + ", \"ret\": null, \"body\": []}],\n\"binds\": " + binds + "}]}";
  };
  expect_load_error(with_forge_fields("[]", R"j([{"resource": "r", "args": [["a", {"Float": 1}]]}])j", "[]"), 2,
                    "unknown variant `Float`");
  expect_load_error(with_forge_fields("[]", R"j([{"resource": "r", "args": [["a"]]}])j", "[]"), 2, "");
  expect_load_error(with_forge_fields("[]", R"j([{"resource": "r", "args": [["a", {"Int": "1"}]]}])j", "[]"), 2, "");
  expect_load_error(with_forge_fields("[]", "[]", R"j([{"source": "a", "target": "b"}])j"), 3, "missing field `contract`");
  expect_load_error(with_forge_fields(R"j([{"name": "P", "fields": [{"name": "x", "ty": 1}]}])j", "[]", "[]"), 1,
                    "invalid type");
}

TEST(BadInput, DuplicateFieldsAreALoadError) {
  // serde rejects a struct field given twice ("duplicate field `name`").
  expect_load_error(base_with(9, R"(          "name": "main", "name": "other",)"), 9, "duplicate field `name`");
  expect_load_error(base_with(16, R"(            { "Return": { "expr": "0", "expr": "1" } })"), 16, "duplicate field `expr`");
}

// ---- encoding ----

TEST(BadInput, InvalidUtf8NamesTheLine) {
  expect_load_error(base_with(4, "      \"name\": \"co\xffre\","), 4, "UTF-8");
  expect_load_error(base_with(15, "            { \"Effect\": { \"kind\": \"emit\", \"payload\": \"\\\"h\xc0\xafi\\\"\" } },"), 15,
                    "UTF-8");
  std::string truncated_sequence = base_text();
  truncated_sequence.insert(truncated_sequence.find("\"main\"") + 1, "\xe2\x82");
  expect_load_error(truncated_sequence, 9, "UTF-8");
}

TEST(BadInput, InvalidJsonEscapes) {
  expect_load_error(base_with(9, R"(          "name": "ma\qin",)"), 9, "");
  expect_load_error(base_with(9, R"(          "name": "ma\ud800in",)"), 9, "");
}

// ---- files that are not DIR files ----

TEST(BadInput, MissingFileDirectoryAndDeviceAreUnreadable) {
  dust_test::TempDir tmp;
  for (const std::string& path : {(tmp.path() / "missing.json").string(), tmp.path().string(), std::string("/dev/null")}) {
    dust::LoadResult loaded = dust::load_dir_file(path);
    EXPECT_FALSE(loaded.ok()) << path;
    EXPECT_TRUE(loaded.unreadable) << path;
    EXPECT_NE(loaded.error.message.find(path), std::string::npos) << loaded.error.message;
    ProcessResult r = run_dustrun({path});
    EXPECT_EQ(r.exit_code, 2) << path;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
  }
}

TEST(BadInput, EmptyFileOnDiskIsALoadErrorNotUnreadable) {
  dust_test::TempDir tmp;
  std::string path = tmp.write("empty.json", "");
  dust::LoadResult loaded = dust::load_dir_file(path);
  EXPECT_FALSE(loaded.ok());
  EXPECT_FALSE(loaded.unreadable);
  ProcessResult r = run_dustrun({path});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(std::regex_match(r.err, std::regex("dustrun: DIR load error: .* at line 1 column [0-9]+\n"))) << r.err;
}

// ---- depth ----

TEST(BadInput, DeeplyNestedJsonIsALoadError) {
  const int depth = 100000;
  std::string text = "{\"forges\": " + std::string(depth, '[') + std::string(depth, ']') + "}";
  ProcessResult r = run_dustrun_on(text);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(std::regex_match(r.err, std::regex("dustrun: DIR load error: .* at line 1 column [0-9]+\n"))) << r.err;
}

TEST(BadInput, DeeplyNestedStatementsAreALoadError) {
  // Beyond both the statement nesting limit and any JSON depth limit.
  for (int depth : {400, 5000}) {
    std::string open, close;
    for (int i = 0; i < depth; ++i) {
      open += R"({"If": {"condition": "true", "else_body": null, "then_body": [)";
      close += "]}}";
    }
    std::string text = dir::k_main(dir::Json::array()).dump();
    text.replace(text.find("\"body\":[]"), 9, "\"body\":[" + open + R"({"Return": {"expr": "1"}})" + close + "]");
    ProcessResult r = run_dustrun_on(text);
    EXPECT_EQ(r.exit_code, 3) << depth << ": " << r.err.substr(0, 300);
    EXPECT_TRUE(std::regex_match(r.err, std::regex("dustrun: DIR load error: .* at line 1 column [0-9]+\n")))
        << r.err.substr(0, 300);
  }
}

// An expression of `depth` nested openings of `open` around `inner`, closed by `close`.
std::string nested(const std::string& open, const std::string& inner, const std::string& close, int depth) {
  std::string s;
  s.reserve((open.size() + close.size()) * static_cast<std::size_t>(depth) + inner.size());
  for (int i = 0; i < depth; ++i) s += open;
  s += inner;
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}

void expect_nesting_failure(const dir::Json& program) {
  ProcessResult r = run_dustrun_on(program.dump());
  EXPECT_EQ(r.exit_code, 10) << r.err.substr(0, 300);
  EXPECT_TRUE(std::regex_match(r.err, std::regex("dustrun: runtime error: expression nesting too deep.*\n")))
      << r.err.substr(0, 300);
}

TEST(BadInput, HundredThousandNestedParenthesesFailCleanly) {
  const int depth = 100000;
  expect_nesting_failure(dir::k_main({dir::ret(nested("(", "1", ")", depth))}));
  expect_nesting_failure(dir::k_main({dir::ret(std::string(depth, '('))}));
  expect_nesting_failure(dir::k_main({dir::let("x", nested("Not(", "true", ")", depth))}));
  expect_nesting_failure(dir::k_main({dir::emit(nested("(1 Add ", "1", ")", depth))}));
}

TEST(BadInput, DeepNestingInOtherPlacesFailsCleanly) {
  const int depth = 100000;
  std::string deep = nested("(", "true", ")", depth);
  // Φ validation evaluates constraints before the body: the error is wrapped as Inadmissible.
  ProcessResult phi = run_dustrun_on(dir::phi_main({dir::constrain(deep)}));
  EXPECT_EQ(phi.exit_code, 10);
  EXPECT_TRUE(std::regex_match(phi.err, std::regex("dustrun: inadmissible program: runtime error: expression nesting too deep.*\n")))
      << phi.err.substr(0, 300);
  // A Q argument is raw text and never parsed: deep nesting there is harmless.
  ProcessResult q = run_dustrun_on(dir::q_main({dir::let("a", "q_alloc(" + nested("(", "QBit", ")", depth) + ")"),
                                                dir::let("u", "q_use(a)"), dir::ret("1")}));
  EXPECT_EQ(q.exit_code, 0) << q.err.substr(0, 300);
  expect_nesting_failure(
      dir::single_forge({dir::proc("K", "main", {dir::call("f", {nested("(", "1", ")", depth)}, "r"), dir::ret("r")}),
                         dir::proc("K", "f", {dir::ret("a")}, {{"a"}})}));
}

TEST(BadInput, NestingErrorComesAfterEarlierEvaluationErrors) {
  std::string deep = nested("(", "1", ")", 100000);
  dust_test::ApiRun run = dust_test::run_api(dir::k_main({dir::ret("1 Div 0 Add " + deep)}));
  EXPECT_EQ(run.trace, dust_test::bare_error("Runtime", "division by zero"));
}

// ---- size ----

TEST(BadInput, FiftyMegabyteStringLiteral) {
  const std::size_t size = 50u << 20;
  const std::string head = R"({"forges":[{"name":"core","shapes":[],"procs":[{"regime":"K","name":"main","params":[],)"
                           R"("uses":[],"ret":null,"qualifiers":[],"body":[{"Let":{"name":"s","expr":"\")";
  const std::string tail = R"(\""}},{"Let":{"name":"t","expr":"s"}},{"Return":{"expr":"s Eq t And s Ne \"\""}}]}],"binds":[]}]})";
  std::string text;
  text.reserve(head.size() + size + tail.size());
  text += head;
  for (std::size_t i = 0; i < size; ++i) text.push_back(static_cast<char>('a' + (i >> 12) % 26));
  text += tail;
  dust_test::TempDir tmp;
  std::string path = tmp.write("big.dir.json", text);
  text.clear();
  text.shrink_to_fit();
  ProcessResult r = run_dustrun({path, "--emit-trace"});
  EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 300);
  EXPECT_EQ(json::parse(r.out, nullptr, false),
            json::parse(R"({"returned":{"Bool":true},"effects":{"events":[]},"time":{"tick":2}})"));
}

TEST(BadInput, LargeUnterminatedStringLiteral) {
  std::string big(5u << 20, 'z');
  dir::Json prog = dir::k_main({dir::let("s", "\"" + big), dir::ret("s Eq \"" + big + "\"")});
  ProcessResult r = run_dustrun_on(prog.dump(), {"--emit-trace"});
  EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 300);
  EXPECT_EQ(json::parse(r.out, nullptr, false), json::parse(R"({"returned":{"Bool":true},"effects":{"events":[]},"time":{"tick":1}})"));
}

}  // namespace
