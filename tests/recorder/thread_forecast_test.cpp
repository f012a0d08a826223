// thread_forecast_test.cpp — format 3's multi-thread encoding: a step whose
// thread is the one the run's seed (or schedule token) picks stores no
// thread (thread_forecast.hpp), and library events are coded against their
// statement's last ones. Recordings of multi-thread programs at many seeds
// and under a schedule token replay exactly, every seek reaches the direct
// run's state, the decoded lanes are the direct run's, and the forecast
// is right at every step but a block's first.
#include "dust/recorder/machine_archive.hpp"
#include "recorder_harness.hpp"
#include "sanitizer_share.hpp"
#include "../../recorder/src/step_codec.hpp"

using namespace rec_test;

namespace {

const char* const kThreaded[] = {"mutex_counter.dir.json",         "racy_counter.dir.json",
                                 "producer_consumer.dir.json",     "sync_bank_transfer.dir.json",
                                 "threading_parallel_sum.dir.json", "two_lock_deadlock.dir.json"};

dust::RunConfig scheduled(const std::string& token) {
  dust::RunConfig config;
  std::string why;
  config.schedule = dust::ScheduleToken::parse(token, why);
  EXPECT_TRUE(config.schedule) << why;
  // Under the non-preemptive rule a thread that spins waiting for another
  // never lets it run: the step limit ends such a run (and is replayed too).
  config.max_steps = 5'000;
  return config;
}

// Records the run, replays it and checks the replay against a direct run:
// no divergence, the same final state, and the same state after every
// `stride`-th step by seeking.
void expect_exact_replay(const std::string& text, const dust::RunConfig& config, std::uint64_t stride) {
  TempDir dir;
  fs::path trace = dir / "t.dtrace";
  dust::Machine recorded = record(text, config, trace, small_blocks(16));
  DirectRun direct = run_direct(text, config, true);
  auto reader = open_trace(trace);
  ASSERT_TRUE(reader);
  ASSERT_EQ(reader->info().steps, direct.events.size());
  std::optional<dust::rec::Divergence> divergence;
  dust::Machine replayed = reader->replay(divergence);
  ASSERT_FALSE(divergence) << reader->last_error();
  EXPECT_EQ(dust::rec::save_machine(replayed), dust::rec::save_machine(recorded));
  EXPECT_EQ(dust::rec::save_machine(replayed), dust::rec::save_machine(direct.states.back()));
  for (std::uint64_t k = 0; k < direct.states.size(); k += stride) {
    ASSERT_EQ(dust::rec::save_machine(reader->state_at(k)), dust::rec::save_machine(direct.states[k])) << "step " << k;
  }
  // The lanes come from the decoded deltas alone: each step's thread is the
  // forecast one or the stored one.
  for (std::uint32_t t = 0; t < reader->info().threads; ++t) {
    std::uint64_t running = 0;
    for (const dust::StepEvent& e : direct.events) running += e.thread == t ? 1 : 0;
    std::uint64_t lane_running = 0;
    for (const dust::rec::ThreadSegment& seg : reader->thread_lane(t, 0, direct.events.size(), 1)) {
      if (seg.activity == dust::rec::ThreadActivity::Running) lane_running += seg.last - seg.first;
    }
    EXPECT_EQ(lane_running, running) << "thread " << t;
  }
}

TEST(ThreadForecast, ThreadedExamplesReplayExactlyAtManySeeds) {
  for (const char* name : kThreaded) {
    SCOPED_TRACE(name);
    std::string text = read_text(example(name));
    // 40 seeds; 10 in the sanitizer pass (support/sanitizer_share.hpp).
    for (std::uint64_t seed = 0; seed < dust_test::full_or_sanitizer_share<std::uint64_t>(40, 10); ++seed) {
      SCOPED_TRACE("seed " + std::to_string(seed));
      expect_exact_replay(text, seeded(seed), 7);
    }
  }
}

TEST(ThreadForecast, ScheduledRunsReplayExactly) {
  for (const char* name : kThreaded) {
    SCOPED_TRACE(name);
    std::string text = read_text(example(name));
    for (const char* token : {"S", "S3B.gC.gD", "S1B.1A.1C.2B", "S5C.3A"}) {
      SCOPED_TRACE(token);
      dust::RunConfig config = scheduled(token);
      // A token that names a thread not runnable at its step fails the
      // run; that failure must replay too.
      expect_exact_replay(text, config, 5);
    }
  }
}

// Encodes a run in blocks of `block` steps and counts the steps after a
// block's first that stored their thread (the head byte without kSameThread).
std::uint64_t threads_stored(const std::string& text, const dust::RunConfig& config, std::uint64_t block,
                             std::uint64_t& steps) {
  dust::Machine machine(load_program(text), &intrinsics(), config);
  dust::rec::StepEncoder encoder(machine.program(), dust::rec::CodecContext::of(config));
  dust::rec::ByteBuffer bytes;
  dust::StepEvent event;
  std::uint64_t stored = 0;
  steps = 0;
  while (!machine.done()) {
    bool first = machine.steps % block == 0;
    if (first) encoder.begin_block(machine);
    machine.step(event);
    std::size_t at = bytes.size();
    encoder.encode(machine, event, bytes);
    // An echo (format 3) runs on the forecast thread too.
    auto head = static_cast<std::uint8_t>(bytes.view()[at]);
    if (!first && !dust::rec::codec::is_echo(head) && (head & dust::rec::codec::kSameThread) == 0) ++stored;
    ++steps;
  }
  return stored;
}

TEST(ThreadForecast, EveryStepButABlocksFirstHasItsThreadForecast) {
  for (const char* name : kThreaded) {
    SCOPED_TRACE(name);
    std::string text = read_text(example(name));
    for (std::uint64_t seed : {0, 1, 7, 123456789}) {
      std::uint64_t steps = 0;
      EXPECT_EQ(threads_stored(text, seeded(seed), 50, steps), 0u) << "seed " << seed;
      EXPECT_GT(steps, 10u);
    }
    std::uint64_t steps = 0;
    EXPECT_EQ(threads_stored(text, scheduled("S3B.gC.gD"), 50, steps), 0u);
  }
}

// Older traces predicted the thread of the step before: a decoder of
// version 2 reads the bytes an encoder of version 2 writes, and those store
// every switch.
TEST(ThreadForecast, VersionTwoEncodingIsKeptForOlderTraces) {
  std::string text = read_text(example("mutex_counter.dir.json"));
  dust::RunConfig config = seeded(7);
  dust::rec::CodecContext v2 = dust::rec::CodecContext::of(config, 2);
  dust::Machine machine(load_program(text), &intrinsics(), config);
  dust::rec::StepEncoder encoder(machine.program(), v2);
  dust::rec::ByteBuffer bytes;
  std::vector<dust::StepEvent> events;
  dust::StepEvent event;
  encoder.begin_block(machine);
  std::uint64_t switches = 0;
  while (!machine.done()) {
    machine.step(event);
    if (!events.empty() && events.back().thread != event.thread) ++switches;
    encoder.encode(machine, event, bytes);
    events.push_back(event);
  }
  EXPECT_GT(switches, 0u);
  // The decoder keeps a reference to its program, which must outlive it.
  const auto decoded_program = load_program(text);
  dust::rec::StepDecoder decoder(*decoded_program, v2);
  decoder.begin_block(0, 0);
  dust::rec::ByteReader in(bytes.view());
  dust::rec::DecodedStep decoded;
  std::uint64_t stored = 0;
  for (const dust::StepEvent& expected : events) {
    std::size_t at = in.offset();
    std::string error;
    ASSERT_TRUE(decoder.decode(in, decoded, error)) << error;
    EXPECT_EQ(decoded.event.thread, expected.thread);
    if ((static_cast<std::uint8_t>(bytes.view()[at]) & dust::rec::codec::kSameThread) == 0) ++stored;
  }
  EXPECT_TRUE(in.at_end());
  EXPECT_GE(stored, switches);
}

}  // namespace
