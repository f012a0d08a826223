// recorded_inputs_test.cpp — a realize-mode trace's replay reads the files
// the run read from the recording, never again from outside. The reader
// gathers those contents once; every state it loads or re-executes sees
// exactly them, and all of its machines share that one copy, so a seek
// costs nothing per input byte and a kept state holds no copy of them.
#include "dust/machine_hash.hpp"
#include "recorder_harness.hpp"

using namespace rec_test;

namespace {

constexpr std::uint64_t kInputsKeyframeSteps = 16;

// Counts to 40, reads a.txt and prints it, counts to 40 again, reads b.txt
// and prints it: each open lies between keyframes, so seeks past it
// re-execute the read from the recorded inputs.
std::string two_reads_program() {
  auto count_to_40 = [](const std::string& v) {
    return R"J({"Let":{"name":")J" + v + R"J(","expr":"0"}},
      {"While":{"condition":")J" + v + R"J( Lt 40","body":[{"Assign":{"target":")J" + v + R"J(","expr":")J" + v +
           R"J( Add 1"}}]}})J";
  };
  auto read_and_print = [](const std::string& fd, const std::string& file, const std::string& n) {
    return R"J({"Let":{"name":")J" + fd + R"J(","expr":"open(\")J" + file + R"J(\", \"r\")"}},
      {"Let":{"name":")J" + n + R"J(","expr":"read()J" + fd + R"J(, buf, 4096)"}},
      {"Call":{"target":"close","args":[")J" + fd + R"J("],"result":null}},
      {"Call":{"target":"write","args":["1","buf",")J" + n + R"J("],"result":null}})J";
  };
  const std::string body = R"J({"Alloc":{"size":"4096","result":"buf"}},)J" + count_to_40("i") + "," +
                           read_and_print("a", "a.txt", "na") + "," + count_to_40("j") + "," +
                           read_and_print("b", "b.txt", "nb") +
                           R"J(,{"Dealloc":{"ptr":"buf"}},{"Return":{"expr":"na Add nb"}})J";
  return R"J({"forges":[{"name":"t","shapes":[],"binds":[],"procs":[{"regime":"K","name":"main","params":[],
    "uses":[],"ret":"K[Int]","qualifiers":[],"body":[)J" +
         body + R"J(],"locals":[]}]}],"types":[]})J";
}

struct InputsRecording {
  TempDir dir;
  std::string a = std::string(3000, 'a') + "\nfirst";
  std::string b = "second\n" + std::string(2000, 'b');
  dust::RunConfig config;
  DirectRun direct;
  std::unique_ptr<dust::rec::TraceReader> reader;
};

// Records the program in realize mode over a root holding a.txt and b.txt,
// runs it directly beside, then changes both files: from then on, anything
// read from the root instead of the recording would differ.
std::unique_ptr<InputsRecording> record_two_reads() {
  auto r = std::make_unique<InputsRecording>();
  const fs::path root = r->dir / "root";
  fs::create_directories(root);
  write_text(root / "a.txt", r->a);
  write_text(root / "b.txt", r->b);
  r->config.effects = dust::EffectMode::Realize;
  r->config.fs_root = root.string();
  const std::string text = two_reads_program();
  r->direct = run_direct(text, r->config, true);
  record(text, r->config, r->dir / "io.dtrace", small_blocks(kInputsKeyframeSteps));
  write_text(root / "a.txt", "changed since");
  write_text(root / "b.txt", "changed too");
  r->reader = open_trace(r->dir / "io.dtrace");
  return r;
}

}  // namespace

TEST(RecordedInputs, EveryStateOfTheReplaySeesTheRecordedContents) {
  auto r = record_two_reads();
  ASSERT_TRUE(r->reader);
  dust::rec::TraceReader& reader = *r->reader;
  const dust::Machine& end = r->direct.states.back();
  ASSERT_EQ(end.outcome.status, dust::MachineStatus::Finished) << end.outcome.error.message;
  ASSERT_EQ(end.effects.size(), 2u);
  EXPECT_EQ(end.effects[0].payload, r->a);
  EXPECT_EQ(end.effects[1].payload, r->b);

  const dust::RecordedInputs::Files expected{{"a.txt", r->a}, {"b.txt", r->b}};
  EXPECT_EQ(reader.replay_config().recorded_inputs.files(), expected);
  ASSERT_EQ(reader.info().steps + 1, r->direct.states.size());
  // Backwards, so that every seek starts again from a keyframe.
  for (std::uint64_t step = reader.info().steps + 1; step-- > 0;) {
    const dust::Machine state = reader.state_at(step);
    ASSERT_EQ(reader.last_error(), "") << "step " << step;
    ASSERT_EQ(state.steps, step);
    EXPECT_EQ(dust::machine_hash(state), dust::machine_hash(r->direct.states[step])) << "step " << step;
    EXPECT_EQ(state.config.recorded_inputs.files(), expected) << "step " << step;
  }

  std::optional<dust::rec::Divergence> divergence;
  const dust::Machine replayed = reader.replay(divergence, nullptr);
  EXPECT_FALSE(divergence) << divergence->recorded << " / " << divergence->replayed;
  EXPECT_EQ(reader.last_error(), "");
  EXPECT_EQ(replayed.effects, end.effects);
  EXPECT_EQ(dust::machine_hash(replayed), dust::machine_hash(end));
  std::string error;
  EXPECT_TRUE(reader.verify(error)) << error;
}

TEST(RecordedInputs, StatesFromDifferentKeyframesShareTheReadersOneCopy) {
  auto r = record_two_reads();
  ASSERT_TRUE(r->reader);
  dust::rec::TraceReader& reader = *r->reader;
  const dust::RecordedInputs::Files& gathered = reader.replay_config().recorded_inputs.files();
  ASSERT_EQ(gathered.size(), 2u);
  const std::uint64_t steps = reader.info().steps;
  ASSERT_GT(steps, 4 * kInputsKeyframeSteps);
  const dust::Machine late = reader.state_at(steps);
  const dust::Machine early = reader.state_at(kInputsKeyframeSteps + 1);
  const dust::Machine kept = early;
  EXPECT_EQ(&late.config.recorded_inputs.files(), &gathered);
  EXPECT_EQ(&early.config.recorded_inputs.files(), &gathered);
  EXPECT_EQ(&kept.config.recorded_inputs.files(), &gathered);
  std::optional<dust::rec::Divergence> divergence;
  const dust::Machine replayed = reader.replay(divergence, nullptr);
  EXPECT_EQ(&replayed.config.recorded_inputs.files(), &gathered);
}

// A configuration compares by what the run read, not by which copy holds it.
TEST(RecordedInputs, CompareByContents) {
  const dust::RecordedInputs::Files files{{"in.txt", "x"}};
  const dust::RecordedInputs one(files);
  const dust::RecordedInputs other(files);
  EXPECT_NE(&one.files(), &other.files());
  EXPECT_TRUE(one == other);
  EXPECT_FALSE(one == dust::RecordedInputs());
  EXPECT_TRUE(dust::RecordedInputs() == dust::RecordedInputs(dust::RecordedInputs::Files{}));
  ASSERT_NE(one.find("in.txt"), nullptr);
  EXPECT_EQ(*one.find("in.txt"), "x");
  EXPECT_EQ(one.find("out.txt"), nullptr);
  EXPECT_EQ(dust::RecordedInputs().find("in.txt"), nullptr);
}
