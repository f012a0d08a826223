// simple_batch_test.cpp — recording simple steps in batches (the machine's
// fast lane, ExecutionObserver::simple_steps) writes the trace per-step
// recording writes: the same blocks, byte for byte, and, when the machine
// honours the batch capacity the recorder asks for, the same file. Batches
// come from the machine's own lane (run_to_end) and from a driver here
// that batches every step it judges simple, including ones the lane leaves
// to step(), and that can ignore the recorder's capacity.
#include "dust/recorder/machine_archive.hpp"
#include "recorder_harness.hpp"
#include "trace_chunk_reading.hpp"

using namespace rec_test;

namespace {

// Forwards everything, batches included, counting the simple steps that
// arrive in batches.
class CountingBatches final : public dust::ExecutionObserver {
 public:
  explicit CountingBatches(dust::ExecutionObserver& inner) : inner_(inner) {}
  void on_start(const dust::Machine& m) override { inner_.on_start(m); }
  void on_step(const dust::Machine& m, const dust::StepEvent& e) override { inner_.on_step(m, e); }
  dust::SimpleStepBatch* simple_steps() override { return inner_.simple_steps(); }
  void on_simple_steps(const dust::Machine& m, const dust::SimpleStepBatch& b) override {
    simple += b.size;
    inner_.on_simple_steps(m, b);
  }
  void on_finish(const dust::Machine& m) override { inner_.on_finish(m); }
  std::uint64_t simple = 0;

 private:
  dust::ExecutionObserver& inner_;
};

// Whether a step is simple in the sense of dust::SimpleStep, judged from
// its event and the machine after it.
bool is_simple(const dust::Machine& after, const dust::StepEvent& e) {
  if (after.threads.size() != 1 || e.tick - e.tick_before != 1 || e.stmt == dust::kNoStmt ||
      (e.kind != dust::StepKind::Statement && e.kind != dust::StepKind::Check) || e.has_effect || !e.q.empty() ||
      !e.phi.empty() || !e.lib.empty() || e.error || e.writes.size() > 1) {
    return false;
  }
  if (e.writes.empty()) return true;
  const dust::BindingWrite& w = e.writes.front();
  return w.frame == e.depth && w.slot == after.program().stmts[e.stmt].slot && w.new_value.is_int();
}

// Runs a machine to its end the way run_to_end serves an observer that
// takes batches, with the machine deciding from each event whether the
// step was simple. A batch is handed over when full, before any other
// step and before on_finish, with the machine as after its last step.
// `fixed_capacity` > 0 plays a machine that ignores the capacity the
// observer sets and fills batches of that size instead, which makes
// blocks end inside batches.
void run_batched(dust::Machine& machine, dust::ExecutionObserver& observer, std::uint32_t fixed_capacity = 0) {
  observer.on_start(machine);
  dust::SimpleStepBatch* batch = observer.simple_steps();
  ASSERT_NE(batch, nullptr);
  dust::StepEvent event;
  dust::Machine after_batch = machine;
  auto hand_over = [&] {
    if (batch->size == 0) return;
    observer.on_simple_steps(after_batch, *batch);
    batch->size = 0;
  };
  while (!machine.done()) {
    machine.step(event);
    if (!is_simple(machine, event)) {
      hand_over();
      observer.on_step(machine, event);
      continue;
    }
    if (batch->size > 0 && (batch->thread != event.thread || batch->depth != event.depth || batch->proc != event.proc)) {
      hand_over();
    }
    if (batch->size == 0) {
      batch->first_index = event.index;
      batch->first_tick = event.tick_before;
      batch->thread = event.thread;
      batch->proc = event.proc;
      batch->depth = event.depth;
    }
    bool wrote = !event.writes.empty();
    batch->steps[batch->size++] =
        dust::SimpleStep{.stmt = event.stmt, .kind = event.kind, .wrote = wrote,
                         .value = wrote ? event.writes.front().new_value.as_int() : 0};
    after_batch = machine;
    std::uint32_t capacity = fixed_capacity > 0 ? fixed_capacity : batch->capacity;
    ASSERT_GE(capacity, 1u);
    if (batch->size >= capacity) hand_over();
  }
  hand_over();
  observer.on_finish(machine);
}


// A For loop with an If, a call, a Bool write, an Int that changes by
// large, irregular amounts (multi-byte deltas) and one that swings by
// trillions (deltas of delta too long for the batch encoder's one-word store).
const std::string kForProgram = R"dir({"forges":[{"name":"t","shapes":[],"binds":[],"procs":[
{"regime":"K","name":"sq","params":[{"name":"x","ty":"K[Int]"}],"uses":[],"ret":"K[Int]","qualifiers":[],
 "body":[{"Let":{"name":"y","expr":"x Mul x"}},{"Return":{"expr":"y"}}],"locals":[]},
{"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
 {"Let":{"name":"s","expr":"0"}},{"Let":{"name":"big","expr":"9000000000000"}},{"Let":{"name":"flag","expr":"false"}},
 {"Let":{"name":"w","expr":"1"}},
 {"For":{"var":"i","start":"0","end":"300","body":[
   {"Assign":{"target":"s","expr":"s Add i"}},
   {"If":{"condition":"i BitAnd 7 Eq 0","then_body":[{"Assign":{"target":"s","expr":"s Add sq(i)"}}],
          "else_body":[{"Assign":{"target":"flag","expr":"true"}}]}},
   {"Assign":{"target":"big","expr":"big Sub s Mul 1000003"}},
   {"Assign":{"target":"w","expr":"4000000000000 Sub w"}}]}},
 {"Effect":{"kind":"emit","payload":"s"}},{"Return":{"expr":"s"}}],"locals":[]}]}]})dir";

// Straight-line code: every statement is new, nothing is predicted.
std::string straight_line_program(int statements) {
  std::string body = R"({"Let":{"name":"a0","expr":"1"}})";
  for (int i = 1; i < statements; ++i) {
    body += R"(,{"Let":{"name":"a)" + std::to_string(i) + R"(","expr":"a)" + std::to_string(i - 1) + " Add " +
            std::to_string(i * i * 7919) + R"("}})";
  }
  return R"({"forges":[{"name":"t","shapes":[],"binds":[],"procs":[{"regime":"K","name":"main","params":[],
  "uses":[],"ret":null,"qualifiers":[],"body":[)" +
         body + R"(,{"Return":{"expr":"a0"}}],"locals":[]}]}]})";
}

// Loops whose periods the batch encoder must not copy, or only in part
// (step_codec.cpp, repeat_periods): a cubic sequence (its deltas of deltas
// change every period), a slot written twice per period, nested loops, an
// Int that overflows back and forth, and one that settles after a while.
const std::string kPeriodPrograms = R"dir({"forges":[{"name":"t","shapes":[],"binds":[],"procs":[
{"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[
 {"Let":{"name":"a","expr":"0"}},{"Let":{"name":"b","expr":"0"}},{"Let":{"name":"c","expr":"0"}},
 {"Let":{"name":"n","expr":"0"}},{"Let":{"name":"s","expr":"1"}},{"Let":{"name":"w","expr":"9223372036854775807"}},
 {"While":{"condition":"n Lt 400","body":[
   {"Assign":{"target":"a","expr":"a Add b"}},{"Assign":{"target":"b","expr":"b Add c"}},
   {"Assign":{"target":"c","expr":"c Add 1"}},{"Assign":{"target":"n","expr":"n Add 1"}}]}},
 {"Let":{"name":"n","expr":"0"}},
 {"While":{"condition":"n Lt 300","body":[
   {"Assign":{"target":"s","expr":"s Add 1"}},{"Assign":{"target":"s","expr":"s Mul 1"}},
   {"Assign":{"target":"n","expr":"n Add 1"}}]}},
 {"For":{"var":"i","start":"0","end":"40","body":[
   {"For":{"var":"j","start":"0","end":"7","body":[{"Assign":{"target":"a","expr":"a Add j"}}]}}]}},
 {"Let":{"name":"b","expr":"1000000000000"}},
 {"For":{"var":"i","start":"0","end":"200","body":[
   {"Assign":{"target":"w","expr":"w BitXor 9223372036854775807"}},
   {"Assign":{"target":"b","expr":"b Div 2"}}]}},
 {"Return":{"expr":"a"}}],"locals":[]}]}]})dir";

struct Case {
  std::string name;
  std::string text;
  std::uint64_t seed = 0;
};

std::vector<Case> cases() {
  std::vector<Case> out = {{"loop", loop_program(3000)}, {"for", kForProgram}, {"straight", straight_line_program(120)},
                           {"periods", kPeriodPrograms}};
  for (const std::string& name : example_names()) out.push_back({name, read_text(example(name)), 1});
  return out;
}

std::vector<std::pair<std::string, dust::rec::RecorderOptions>> option_sets() {
  dust::rec::RecorderOptions by_bytes;  // blocks closed by their byte budget, at odd steps
  by_bytes.block_steps = 100000;
  by_bytes.block_bytes = 300;
  by_bytes.keyframe_steps = 64;
  by_bytes.keyframe_bytes_per_step = 0;
  return {{"blocks of 16", small_blocks(16)},
          {"blocks of 1", small_blocks(1)},
          {"blocks of 700", small_blocks(700)},
          {"default", dust::rec::RecorderOptions{}},
          {"300-byte blocks", by_bytes}};
}

void record_per_step(const Case& c, const dust::rec::RecorderOptions& options, const fs::path& trace) {
  dust::Machine machine(load_program(c.text), &intrinsics(), seeded(c.seed));
  dust::rec::Recorder recorder(trace.string(), c.text, "program.dir.json", options);
  PerStepObserver per_step(recorder);
  dust::run_to_end(machine, &per_step);
  ASSERT_TRUE(recorder.ok()) << recorder.error();
}

// Returns the number of simple steps the run had.
std::uint64_t record_batched(const Case& c, const dust::rec::RecorderOptions& options, const fs::path& trace,
                             std::uint32_t fixed_capacity = 0) {
  dust::Machine machine(load_program(c.text), &intrinsics(), seeded(c.seed));
  dust::rec::Recorder recorder(trace.string(), c.text, "program.dir.json", options);
  run_batched(machine, recorder, fixed_capacity);
  EXPECT_TRUE(recorder.ok()) << recorder.error();
  EXPECT_EQ(recorder.stats().steps, machine.steps);
  return machine.steps;
}

// Records with the machine's own lane (run_to_end); returns how many steps
// arrived in batches.
std::uint64_t record_with_lane(const Case& c, const dust::rec::RecorderOptions& options, const fs::path& trace) {
  dust::Machine machine(load_program(c.text), &intrinsics(), seeded(c.seed));
  dust::rec::Recorder recorder(trace.string(), c.text, "program.dir.json", options);
  CountingBatches counting(recorder);
  dust::run_to_end(machine, &counting);
  EXPECT_TRUE(recorder.ok()) << recorder.error();
  EXPECT_EQ(recorder.stats().steps, machine.steps);
  return counting.simple;
}

// The trace recorded step by step and one recorded another way are the
// same file, byte for byte.
void expect_same_trace(const fs::path& per_step, const fs::path& other, const char* how) {
  std::string a = read_text(per_step), b = read_text(other);
  ASSERT_GT(a.size(), 0u);
  EXPECT_TRUE(a == b) << "the trace recorded " << how << " differs (" << a.size() << " and " << b.size()
                      << " bytes)";
}

}  // namespace

TEST(SimpleBatches, TheMachinesLaneRecordsThePerStepTraceByteForByte) {
  for (const Case& c : cases()) {
    for (const auto& [options_name, options] : option_sets()) {
      SCOPED_TRACE(c.name + ", " + options_name);
      TempDir dir;
      record_per_step(c, options, dir / "per_step.dtrace");
      std::uint64_t simple = record_with_lane(c, options, dir / "lane.dtrace");
      // The single-threaded programs must actually take the lane.
      if (c.name == "loop" || c.name == "for" || c.name == "straight") {
        EXPECT_GT(simple, 100u);
      }
      expect_same_trace(dir / "per_step.dtrace", dir / "lane.dtrace", "through the lane");
    }
  }
}

TEST(SimpleBatches, TheBatchedTraceIsThePerStepTraceByteForByte) {
  for (const Case& c : cases()) {
    for (const auto& [options_name, options] : option_sets()) {
      SCOPED_TRACE(c.name + ", " + options_name);
      TempDir dir;
      record_per_step(c, options, dir / "per_step.dtrace");
      record_batched(c, options, dir / "batched.dtrace");
      expect_same_trace(dir / "per_step.dtrace", dir / "batched.dtrace", "in batches");
    }
  }
}

// A program whose steps are nearly all simple must actually reach the
// batch path, or the test above proves nothing.
TEST(SimpleBatches, MostStepsOfALoopAreSimple) {
  dust::Machine machine(load_program(loop_program(1000)), &intrinsics(), dust::RunConfig{});
  dust::StepEvent event;
  std::uint64_t simple = 0;
  while (!machine.done()) {
    machine.step(event);
    if (is_simple(machine, event)) ++simple;
  }
  EXPECT_GT(simple * 10, machine.steps * 9);
}

// A machine that fills batches past the end of the recorder's block: the
// blocks are still the per-step ones, keyframes move to the next block that
// starts at a batch end, and every step's state is still reachable.
TEST(SimpleBatches, BlocksEndingInsideABatchKeepTheirBytesAndKeyframesWait) {
  for (const Case& c : cases()) {
    for (std::uint32_t fixed : {5u, 333u}) {
      SCOPED_TRACE(c.name + ", batches of " + std::to_string(fixed));
      TempDir dir;
      dust::rec::RecorderOptions options = small_blocks(16);
      record_per_step(c, options, dir / "per_step.dtrace");
      record_batched(c, options, dir / "batched.dtrace", fixed);

      std::vector<Chunk> a = chunks_of(dir / "per_step.dtrace", dust::rec::ChunkType::Block);
      std::vector<Chunk> b = chunks_of(dir / "batched.dtrace", dust::rec::ChunkType::Block);
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].first_step, b[i].first_step) << "block " << i;
        EXPECT_EQ(a[i].step_count, b[i].step_count) << "block " << i;
        EXPECT_TRUE(a[i].content == b[i].content) << "block " << i;
      }
      std::vector<Chunk> keyframes = chunks_of(dir / "batched.dtrace", dust::rec::ChunkType::Keyframe);
      std::vector<Chunk> per_step_keyframes = chunks_of(dir / "per_step.dtrace", dust::rec::ChunkType::Keyframe);
      ASSERT_FALSE(keyframes.empty());
      EXPECT_LE(keyframes.size(), per_step_keyframes.size());

      auto reader = open_trace(dir / "batched.dtrace");
      ASSERT_TRUE(reader);
      std::string error;
      EXPECT_TRUE(reader->verify(error)) << error;
      DirectRun run = run_direct(c.text, seeded(c.seed), true);
      ASSERT_EQ(reader->info().steps, run.events.size());
      for (std::uint64_t k = 0; k < run.states.size(); k += 7) {
        dust::Machine m = reader->state_at(k);
        ASSERT_EQ(dust::rec::save_machine(m), dust::rec::save_machine(run.states[k])) << "step " << k;
      }
    }
  }
}

// A seek runs simple steps on the machine's lane and checks a batch's
// bytes at once; a divergence inside a batch is still named at its step,
// the one a step-by-step replay names.
TEST(SimpleBatches, ASeekOnTheLaneNamesTheFirstDivergentStep) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(record_with_changed_program(400, dir / "d.dtrace", small_blocks(512)));
  auto seeking = open_trace(dir / "d.dtrace");
  auto stepping = open_trace(dir / "d.dtrace");
  ASSERT_TRUE(seeking && stepping);
  seeking->state_at(300);
  stepping->events(0, 300);
  EXPECT_NE(seeking->last_error().find("diverges from the recording at step 4"), std::string::npos)
      << seeking->last_error();
  EXPECT_EQ(seeking->last_error(), stepping->last_error());

  // Without a divergence, seeks on the lane reach the direct run's states.
  const std::string ran = loop_program(400);
  TempDir clean;
  record(ran, dust::RunConfig{}, clean / "c.dtrace", small_blocks(512));
  auto reader = open_trace(clean / "c.dtrace");
  DirectRun run = run_direct(ran, dust::RunConfig{}, true);
  for (std::uint64_t k : {0u, 1u, 5u, 511u, 512u, 513u, 1000u, 700u, 3u, static_cast<unsigned>(run.states.size() - 1)}) {
    ASSERT_EQ(dust::rec::save_machine(reader->state_at(k)), dust::rec::save_machine(run.states[k])) << "step " << k;
  }
  EXPECT_EQ(reader->last_error(), "");
}

// Blocks are spaced by replay work (recorder.cpp, step_work): where only
// one thread runs plain steps, which seeks replay on the fast lane, a block
// holds up to four times `block_steps`; once several threads run, every
// step counts in full.
TEST(SimpleBatches, BlocksAreSpacedByReplayWork) {
  TempDir dir;
  record(loop_program(3000), dust::RunConfig{}, dir / "loop.dtrace", small_blocks(16));
  std::uint64_t longest = 0, steps = 0;
  for (const Chunk& c : chunks_of(dir / "loop.dtrace", dust::rec::ChunkType::Block)) {
    longest = std::max<std::uint64_t>(longest, c.step_count);
    steps += c.step_count;
  }
  // A block's first steps are not plain (each block predicts afresh), so
  // it falls a little short of 64.
  EXPECT_GT(longest, 40u);
  EXPECT_LE(longest, 64u);
  auto loop = open_trace(dir / "loop.dtrace");
  ASSERT_TRUE(loop);
  EXPECT_EQ(steps, loop->info().steps);

  const std::string threaded = read_text(example("sync_bank_transfer.dir.json"));
  record(threaded, seeded(2), dir / "threads.dtrace", small_blocks(16));
  std::uint32_t threads_before = 1;
  int checked = 0;
  for (const Chunk& c : chunks_of(dir / "threads.dtrace", dust::rec::ChunkType::Block)) {
    // A block's content starts as its payload does, with the summary.
    dust::rec::BlockSummary summary;
    std::string_view deltas;
    ASSERT_TRUE(dust::rec::decode_block_payload(c.content, summary, deltas));
    if (threads_before > 1) {
      EXPECT_LE(summary.step_count, 16u) << "block at step " << summary.first_step;
      ++checked;
    }
    threads_before = summary.threads_at_end;
  }
  EXPECT_GT(checked, 3);
}

// Runs of every length up to 40 steps, with blocks of 1, 2 and 3 steps:
// whichever step ends the run, also one that fills a block exactly, every
// block is written once and the trace reads back whole.
TEST(SimpleBatches, RunsEndingOnABlockBoundary) {
  for (int statements = 1; statements <= 40; ++statements) {
    for (std::uint32_t block : {1u, 2u, 3u}) {
      SCOPED_TRACE(std::to_string(statements) + " statements, blocks of " + std::to_string(block));
      Case c{"straight", straight_line_program(statements)};
      TempDir dir;
      record_per_step(c, small_blocks(block), dir / "per_step.dtrace");
      record_with_lane(c, small_blocks(block), dir / "lane.dtrace");
      for (const char* name : {"per_step.dtrace", "lane.dtrace"}) {
        auto reader = open_trace(dir / name);
        ASSERT_TRUE(reader) << name;
        std::string error;
        EXPECT_TRUE(reader->verify(error)) << name << ": " << error;
        EXPECT_TRUE(reader->info().complete) << name;
      }
    }
  }
}
