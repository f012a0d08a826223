// lane_recording_test.cpp — recording and seeking threaded runs on the lane.
//
// The machine's lane hands the recorder every step of a threaded run (call
// steps, blocks, wake-ups and thread switches through on_step, simple steps
// in batches; SimpleStepBatch::observer). The trace it writes must be the
// one step-by-step recording writes, byte for byte, for every example
// program at many seeds; and a seek, which re-executes on the lane too, must
// land on the state step() reaches.
#include <algorithm>
#include <filesystem>

#include "dust/recorder/machine_archive.hpp"
#include "recorder_harness.hpp"
#include "sanitizer_share.hpp"

using namespace rec_test;

namespace {

// 40 seeds; 10 in the sanitizer pass, which still records every program
// both ways in both block sizes (support/sanitizer_share.hpp).
constexpr std::uint64_t kSeeds = dust_test::full_or_sanitizer_share<std::uint64_t>(40, 10);

// Forwards everything, counting the steps that step() ran: the lane hands
// its own steps to the recorder directly (the batch's observer is the
// recorder), so only run_to_end's steps between lane runs arrive here.
class CountingLane final : public dust::ExecutionObserver {
 public:
  explicit CountingLane(dust::rec::Recorder& inner) : inner_(inner) {}
  void on_start(const dust::Machine& m) override { inner_.on_start(m); }
  void on_step(const dust::Machine& m, const dust::StepEvent& e) override {
    ++steps;
    inner_.on_step(m, e);
  }
  dust::SimpleStepBatch* simple_steps() override { return inner_.simple_steps(); }
  void on_simple_steps(const dust::Machine& m, const dust::SimpleStepBatch& b) override {
    inner_.on_simple_steps(m, b);
  }
  void on_finish(const dust::Machine& m) override { inner_.on_finish(m); }
  std::uint64_t steps = 0;  // run by step()

 private:
  dust::rec::Recorder& inner_;
};

// The benchmark's contended counter (scripts/bench/gen_mutex_counter.py),
// small: `threads` workers of `rounds` lock / load / store / unlock rounds.
std::string mutex_counter(int threads, int rounds) {
  const std::string worker =
      R"j({"regime":"K","name":"worker","params":[{"name":"counter","ty":"K[Int]"},{"name":"m","ty":"K[Int]"},)j"
      R"j({"name":"rounds","ty":"K[Int]"}],"uses":[],"ret":"K[Int]","qualifiers":[],"body":[{"For":{"var":"i",)j"
      R"j("start":"0","end":"rounds","body":[{"Call":{"target":"mutex_lock","args":["m"],"result":null}},)j"
      R"j({"Load":{"ptr":"counter","result":"v"}},{"Store":{"ptr":"counter","value":"v Add 1"}},)j"
      R"j({"Call":{"target":"mutex_unlock","args":["m"],"result":null}}]}},{"Return":{"expr":"0"}}],"locals":[]})j";
  std::string body = R"j({"Alloc":{"size":"8","result":"counter"}},{"Let":{"name":"m","expr":"mutex_new()"}})j";
  for (int i = 0; i < threads; ++i) {
    body += R"j(,{"Let":{"name":"t)j" + std::to_string(i) + R"j(","expr":"spawn(worker, )j" + std::to_string(i + 1) +
            ", counter, m, " + std::to_string(rounds) + R"j()"}})j";
  }
  for (int i = 0; i < threads; ++i) {
    body += R"j(,{"Call":{"target":"join","args":["t)j" + std::to_string(i) + R"j("],"result":null}})j";
  }
  body += R"j(,{"Load":{"ptr":"counter","result":"total"}},{"Dealloc":{"ptr":"counter"}},)j"
          R"j({"Effect":{"kind":"emit","payload":"total"}},{"Return":{"expr":"total"}})j";
  return R"j({"forges":[{"name":"Bench","shapes":[],"binds":[],"procs":[)j" + worker +
         R"j(,{"regime":"K","name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[)j" + body +
         R"j(],"locals":[]}]}],"types":[]})j";
}

struct Example {
  std::string name;
  std::string text;
};

// Every example in assets/examples, and the benchmark's counter.
std::vector<Example> programs() {
  std::vector<Example> out;
  for (const auto& entry : fs::directory_iterator(fs::path(DUST_SOURCE_DIR) / "assets/examples")) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 9 && name.ends_with(".dir.json")) out.push_back({name, read_text(entry.path())});
  }
  std::sort(out.begin(), out.end(), [](const Example& a, const Example& b) { return a.name < b.name; });
  out.push_back({"mutex counter 3 x 40", mutex_counter(3, 40)});
  return out;
}

// Records `p` at `seed`, with the lane or without; returns the machine at
// the end, and with the lane how many steps step() ran.
dust::Machine record_run(const Example& p, std::uint64_t seed, const dust::rec::RecorderOptions& options,
                         const fs::path& trace, bool lane, std::uint64_t* stepped = nullptr) {
  dust::Machine machine(load_program(p.text), &intrinsics(), seeded(seed));
  dust::rec::Recorder recorder(trace.string(), p.text, "program.dir.json", options);
  if (lane) {
    CountingLane counting(recorder);
    dust::run_to_end(machine, &counting);
    if (stepped != nullptr) *stepped = counting.steps;
  } else {
    PerStepObserver off(recorder);
    dust::run_to_end(machine, &off);
  }
  EXPECT_TRUE(recorder.ok()) << recorder.error();
  return machine;
}

}  // namespace

// The lane's trace is the step-by-step trace, for every example at every
// seed, in small blocks (many block ends and keyframes inside threaded
// code) and with the default options.
TEST(LaneRecording, EveryExampleAtManySeedsRecordsTheStepByStepTrace) {
  dust::rec::RecorderOptions small = small_blocks(16);
  int compared = 0;
  for (const Example& p : programs()) {
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      for (const dust::rec::RecorderOptions& options : {small, dust::rec::RecorderOptions{}}) {
        SCOPED_TRACE(p.name + ", seed " + std::to_string(seed) + ", blocks of " + std::to_string(options.block_steps));
        TempDir dir;
        record_run(p, seed, options, dir / "off.dtrace", false);
        record_run(p, seed, options, dir / "lane.dtrace", true);
        const std::string off = read_text(dir / "off.dtrace");
        const std::string lane = read_text(dir / "lane.dtrace");
        ASSERT_GT(off.size(), 0u);
        ASSERT_TRUE(off == lane) << "the lane's trace differs (" << off.size() << " and " << lane.size() << " bytes)";
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 10 * kSeeds);
}

// The contended counter's calls (lock, load, store, unlock, the waits and
// hand-overs) reach the recorder from the lane, not from step(): step()
// runs only the few steps between the recorder's rounds and the ones the
// lane leaves to it (spawns' first steps, returns, the end).
TEST(LaneRecording, TheContendedCounterIsRecordedOnTheLane) {
  const Example p{"mutex counter 4 x 200", mutex_counter(4, 200)};
  for (std::uint64_t seed : {0u, 7u}) {
    TempDir dir;
    std::uint64_t stepped = 0;
    dust::Machine end = record_run(p, seed, dust::rec::RecorderOptions{}, dir / "lane.dtrace", true, &stepped);
    ASSERT_TRUE(end.outcome.returned.has_value());
    EXPECT_EQ(end.outcome.returned->as_int(), 800);
    // 4 x 200 rounds of four library calls and a loop check each.
    EXPECT_GT(end.steps, 4000u);
    EXPECT_LT(stepped * 50, end.steps) << "seed " << seed << ": " << stepped << " of " << end.steps << " by step()";
    record_run(p, seed, dust::rec::RecorderOptions{}, dir / "off.dtrace", false);
    EXPECT_TRUE(read_text(dir / "off.dtrace") == read_text(dir / "lane.dtrace")) << "seed " << seed;
  }
}

// A seek re-executes from a keyframe on the lane, threads and calls
// included: every state it lands on is the one step() reaches, forwards and
// backwards, and a full replay agrees with the recording.
TEST(LaneRecording, SeeksIntoThreadedTracesLandOnStepsStates) {
  for (const Example& p : programs()) {
    for (std::uint64_t seed : {0u, 1u, 7u, 13u}) {
      SCOPED_TRACE(p.name + ", seed " + std::to_string(seed));
      TempDir dir;
      record_run(p, seed, small_blocks(16), dir / "lane.dtrace", true);
      DirectRun run = run_direct(p.text, seeded(seed), true);
      auto reader = open_trace(dir / "lane.dtrace");
      ASSERT_TRUE(reader);
      ASSERT_EQ(reader->info().steps, run.events.size());
      const std::size_t n = run.states.size();
      std::vector<std::size_t> order;
      for (std::size_t k = 0; k < n; k += 3) order.push_back(k);
      for (std::size_t k = n; k-- > 0;) {
        if (k % 11 == 5) order.push_back(k);
      }
      for (std::size_t k : order) {
        dust::Machine m = reader->state_at(k);
        ASSERT_EQ(dust::rec::save_machine(m), dust::rec::save_machine(run.states[k])) << "step " << k;
      }
      std::optional<dust::rec::Divergence> divergence;
      dust::Machine replayed = reader->replay(divergence);
      EXPECT_FALSE(divergence) << divergence->recorded << " / " << divergence->replayed;
      EXPECT_EQ(dust::rec::save_machine(replayed), dust::rec::save_machine(run.states.back()));
    }
  }
}
