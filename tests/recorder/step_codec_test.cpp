// step_codec_test.cpp — step deltas decode to exactly the events that were
// encoded (every field the recorder keeps), for every example program and
// several scheduler seeds, with blocks of several sizes; and a simple loop
// costs well under two bytes a step before compression.
#include "../../recorder/src/step_codec.hpp"

#include "recorder_harness.hpp"

using namespace rec_test;

namespace {

void expect_same(const dust::StepEvent& a, const dust::StepEvent& b) {
  ASSERT_EQ(a.index, b.index);
  EXPECT_EQ(a.thread, b.thread) << "step " << a.index;
  EXPECT_EQ(a.proc, b.proc) << "step " << a.index;
  EXPECT_EQ(a.stmt, b.stmt) << "step " << a.index;
  EXPECT_EQ(a.depth, b.depth) << "step " << a.index;
  EXPECT_EQ(a.tick_before, b.tick_before) << "step " << a.index;
  EXPECT_EQ(a.tick, b.tick) << "step " << a.index;
  EXPECT_EQ(a.kind, b.kind) << "step " << a.index;
  ASSERT_EQ(a.writes.size(), b.writes.size()) << "step " << a.index;
  for (std::size_t i = 0; i < a.writes.size(); ++i) {
    EXPECT_EQ(a.writes[i].frame, b.writes[i].frame);
    EXPECT_EQ(a.writes[i].slot, b.writes[i].slot);
    EXPECT_TRUE(a.writes[i].new_value == b.writes[i].new_value) << "step " << a.index;
    EXPECT_EQ(a.writes[i].new_value.tag(), b.writes[i].new_value.tag());
  }
  EXPECT_EQ(a.has_effect, b.has_effect);
  if (a.has_effect) {
    EXPECT_EQ(a.effect, b.effect);
  }
  ASSERT_EQ(a.q.size(), b.q.size());
  for (std::size_t i = 0; i < a.q.size(); ++i) {
    EXPECT_EQ(a.q[i].op, b.q[i].op);
    EXPECT_EQ(a.q[i].binding, b.q[i].binding);
    EXPECT_EQ(a.q[i].source, b.q[i].source);
    EXPECT_EQ(a.q[i].resource, b.q[i].resource);
  }
  ASSERT_EQ(a.phi.size(), b.phi.size());
  for (std::size_t i = 0; i < a.phi.size(); ++i) {
    EXPECT_EQ(a.phi[i].kind, b.phi[i].kind);
    EXPECT_EQ(a.phi[i].detail, b.phi[i].detail);
    EXPECT_EQ(a.phi[i].digest, b.phi[i].digest);
  }
  ASSERT_EQ(a.lib.size(), b.lib.size());
  for (std::size_t i = 0; i < a.lib.size(); ++i) {
    EXPECT_EQ(a.lib[i].kind, b.lib[i].kind);
    EXPECT_EQ(a.lib[i].a, b.lib[i].a);
    EXPECT_EQ(a.lib[i].b, b.lib[i].b);
    EXPECT_EQ(a.lib[i].c, b.lib[i].c);
    EXPECT_EQ(a.lib[i].text, b.lib[i].text);
    EXPECT_EQ(a.lib[i].data, b.lib[i].data);
  }
  EXPECT_EQ(a.error, b.error);
}

struct Encoded {
  dust::rec::ByteBuffer bytes;
  std::vector<std::uint64_t> block_starts;
  std::vector<std::uint64_t> block_ticks;
  std::vector<std::uint64_t> block_rngs;                  // the scheduler's PRNG at each block start
  std::vector<std::vector<std::uint8_t>> block_states;    // and the threads' states (format 3's summary)
  std::vector<std::size_t> block_offsets;
  std::vector<dust::StepEvent> events;
  std::vector<std::vector<dust::rec::ThreadChange>> thread_changes;
};

Encoded encode_run(const std::string& text, const dust::RunConfig& config, std::uint64_t block_steps) {
  Encoded out;
  dust::Machine machine(load_program(text), &intrinsics(), config);
  dust::rec::StepEncoder encoder(machine.program(), dust::rec::CodecContext::of(config));
  dust::StepEvent event;
  while (!machine.done()) {
    if (machine.steps % block_steps == 0) {
      encoder.begin_block(machine);
      out.block_starts.push_back(machine.steps);
      out.block_ticks.push_back(machine.tick);
      out.block_rngs.push_back(machine.rng_state);
      out.block_states.push_back(dust::rec::ThreadForecast::states_of(machine));
      out.block_offsets.push_back(out.bytes.size());
    }
    machine.step(event);
    bool plain = encoder.encode(machine, event, out.bytes);
    out.events.push_back(event);
    const std::span<const dust::rec::ThreadChange> changes = encoder.thread_changes();
    out.thread_changes.push_back(plain ? std::vector<dust::rec::ThreadChange>{}
                                       : std::vector<dust::rec::ThreadChange>(changes.begin(), changes.end()));
  }
  out.block_offsets.push_back(out.bytes.size());
  return out;
}

void check_round_trip(const std::string& text, const dust::RunConfig& config, std::uint64_t block_steps) {
  Encoded enc = encode_run(text, config, block_steps);
  std::shared_ptr<const dust::Program> program = load_program(text);
  dust::rec::StepDecoder decoder(*program, dust::rec::CodecContext::of(config));
  dust::rec::DecodedStep decoded;
  std::size_t step = 0;
  for (std::size_t b = 0; b + 1 < enc.block_offsets.size(); ++b) {
    std::string_view block = enc.bytes.view().substr(enc.block_offsets[b], enc.block_offsets[b + 1] - enc.block_offsets[b]);
    dust::rec::ByteReader in(block);
    decoder.begin_block(enc.block_starts[b], enc.block_ticks[b], dust::rec::kMaxTraceThreads, enc.block_rngs[b],
                        enc.block_states[b]);
    while (!in.at_end()) {
      std::string error;
      ASSERT_TRUE(decoder.decode(in, decoded, error)) << error;
      ASSERT_LT(step, enc.events.size());
      expect_same(decoded.event, enc.events[step]);
      ASSERT_EQ(decoded.threads.size(), enc.thread_changes[step].size()) << "step " << step;
      for (std::size_t i = 0; i < decoded.threads.size(); ++i) {
        EXPECT_EQ(decoded.threads[i].thread, enc.thread_changes[step][i].thread);
        EXPECT_EQ(decoded.threads[i].state, enc.thread_changes[step][i].state);
        EXPECT_EQ(decoded.threads[i].wait, enc.thread_changes[step][i].wait);
      }
      ++step;
    }
  }
  EXPECT_EQ(step, enc.events.size());
}

}  // namespace

TEST(StepCodec, ExamplesDecodeToTheirEvents) {
  for (const std::string& name : example_names()) {
    SCOPED_TRACE(name);
    std::string text = read_text(example(name));
    for (std::uint64_t seed : {0, 1, 5}) {
      for (std::uint64_t block : {1, 7, 4096}) check_round_trip(text, seeded(seed), block);
    }
  }
}

// The encoder writes a step straight into the caller's buffer and cuts it
// back to one byte when it echoes an earlier step: the bytes of a step must
// not depend on what the buffer already holds. The recorder appends every
// step of a block to one buffer; replay encodes each step into an emptied
// one and compares it with the recording.
TEST(StepCodec, AStepsBytesDoNotDependOnTheBufferBeforeThem) {
  for (const std::string& name : example_names()) {
    SCOPED_TRACE(name);
    std::string text = read_text(example(name));
    for (std::uint64_t seed : {0, 3, 7}) {
      const dust::RunConfig config = seeded(seed);
      Encoded whole = encode_run(text, config, 4096);
      dust::Machine machine(load_program(text), &intrinsics(), config);
      dust::rec::StepEncoder encoder(machine.program(), dust::rec::CodecContext::of(config));
      dust::rec::ByteBuffer one;
      std::string joined;
      dust::StepEvent event;
      std::size_t echoes = 0;
      while (!machine.done()) {
        if (machine.steps % 4096 == 0) encoder.begin_block(machine);
        machine.step(event);
        one.clear();
        encoder.encode(machine, event, one);
        if (one.size() == 1 && dust::rec::codec::is_echo(static_cast<std::uint8_t>(one.view()[0]))) ++echoes;
        joined.append(one.view());
      }
      EXPECT_EQ(joined, std::string(whole.bytes.view())) << "seed " << seed;
      if (name == "mutex_counter.dir.json") {
        EXPECT_GT(echoes, 0u) << "seed " << seed;
      }
    }
  }
}

// encode() takes shortcuts for plain steps and for steps after a thread
// switch the forecast predicted; each must give exactly the bytes and the
// change lists of the general path, and leave the predictor as it does,
// which the steps after it would show. Every example, many seeds, blocks
// of several sizes.
TEST(StepCodec, ShortcutsEncodeAsTheGeneralPath) {
  std::size_t switches = 0;
  for (const std::string& name : example_names()) {
    SCOPED_TRACE(name);
    std::string text = read_text(example(name));
    for (std::uint64_t seed = 0; seed < 24; ++seed) {
      for (std::uint64_t block : {7, 4096}) {
        const dust::RunConfig config = seeded(seed);
        dust::Machine machine(load_program(text), &intrinsics(), config);
        dust::rec::StepEncoder fast(machine.program(), dust::rec::CodecContext::of(config));
        dust::rec::StepEncoder general(machine.program(), dust::rec::CodecContext::of(config));
        dust::rec::ByteBuffer a, b;
        dust::StepEvent event;
        std::uint32_t previous = 0xffffffffu;
        while (!machine.done()) {
          if (machine.steps % block == 0) {
            fast.begin_block(machine);
            general.begin_block(machine);
            previous = 0xffffffffu;
          }
          machine.step(event);
          a.clear();
          b.clear();
          const bool plain = fast.encode(machine, event, a);
          general.encode_without_shortcuts(machine, event, b);
          ASSERT_EQ(std::string(a.view()), std::string(b.view())) << "seed " << seed << " step " << event.index;
          if (plain) {
            EXPECT_EQ(event.thread, previous) << "seed " << seed << " step " << event.index;
          } else {
            ASSERT_EQ(fast.thread_changes().size(), general.thread_changes().size()) << "step " << event.index;
            for (std::size_t i = 0; i < fast.thread_changes().size(); ++i) {
              EXPECT_EQ(fast.thread_changes()[i].thread, general.thread_changes()[i].thread);
              EXPECT_EQ(fast.thread_changes()[i].state, general.thread_changes()[i].state);
              EXPECT_EQ(fast.thread_changes()[i].wait, general.thread_changes()[i].wait);
            }
            ASSERT_EQ(fast.mutex_changes().size(), general.mutex_changes().size()) << "step " << event.index;
            for (std::size_t i = 0; i < fast.mutex_changes().size(); ++i) {
              EXPECT_EQ(fast.mutex_changes()[i].owner, general.mutex_changes()[i].owner);
              EXPECT_EQ(fast.mutex_changes()[i].waiters, general.mutex_changes()[i].waiters);
            }
            EXPECT_EQ(fast.new_keys().size(), general.new_keys().size()) << "step " << event.index;
            if (event.thread != previous && a.size() <= 2 && event.lib.empty()) ++switches;
          }
          previous = event.thread;
        }
      }
    }
  }
  // The threaded examples switch threads where the forecast says.
  EXPECT_GT(switches, 100u);
}

TEST(StepCodec, LoopDecodesToItsEvents) { check_round_trip(loop_program(300), dust::RunConfig{}, 64); }

TEST(StepCodec, ValuesOfEveryKindRoundTrip) {
  dust::rec::ByteBuffer unused;
  std::vector<dust::Value> values = {
      dust::Value::unit(), dust::Value::integer(-5), dust::Value::integer(INT64_MIN), dust::Value::boolean(true),
      dust::Value::string(std::string("a\0b", 3)),
      dust::Value::structure("P", {{"x", dust::Value::integer(1)}, {"y", dust::Value::array({dust::Value::unit()})}}),
      dust::Value::array({dust::Value::string("s"), dust::Value::boolean(false)})};
  for (const dust::Value& v : values) {
    std::string bytes;
    dust::rec::ByteWriter w(bytes);
    dust::rec::encode_value(w, v);
    dust::rec::ByteReader in(bytes);
    dust::Value back;
    ASSERT_TRUE(dust::rec::decode_value(in, back));
    EXPECT_TRUE(back == v) << dust::render_rust_debug(v);
    EXPECT_TRUE(in.at_end());
  }
}

TEST(StepCodec, ALoopCostsLessThanTwoBytesAStepRaw) {
  Encoded enc = encode_run(loop_program(5000), dust::RunConfig{}, 8192);
  double per_step = static_cast<double>(enc.bytes.size()) / static_cast<double>(enc.events.size());
  EXPECT_LT(per_step, 2.0);
}

TEST(StepCodec, MalformedBytesAreErrorsNotCrashes) {
  Encoded enc = encode_run(read_text(example("sync_bank_transfer.dir.json")), seeded(3), 100000);
  std::shared_ptr<const dust::Program> program = load_program(read_text(example("sync_bank_transfer.dir.json")));
  std::string bytes(enc.bytes.view());
  std::uint64_t state = 42;
  for (int round = 0; round < 200; ++round) {
    std::string damaged = bytes;
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    damaged[static_cast<std::size_t>(state >> 33) % damaged.size()] ^= static_cast<char>(1 + (state >> 20) % 255);
    damaged.resize(static_cast<std::size_t>(state >> 40) % (damaged.size() + 1));
    dust::rec::StepDecoder decoder(*program);
    decoder.begin_block(0, 0);
    dust::rec::ByteReader in(damaged);
    dust::rec::DecodedStep step;
    std::string error;
    while (!in.at_end() && decoder.decode(in, step, error)) {
    }
  }
}

namespace {

// Workers contend for the last of `mutexes` mutexes, one spawned thread
// each: mutex and thread ids past the codec's small-id tables (64) take
// its maps, ids below them its tables.
std::string many_ids_program(int mutexes, int threads, int rounds) {
  const std::string lock = R"({"Call": {"target": "mutex_lock", "args": ["m"], "result": null}})";
  const std::string unlock = R"({"Call": {"target": "mutex_unlock", "args": ["m"], "result": null}})";
  std::string worker = R"({"regime": "K", "name": "worker", "params": [{"name": "counter", "ty": "K[Int]"},)"
                       R"( {"name": "m", "ty": "K[Int]"}, {"name": "rounds", "ty": "K[Int]"}], "uses": [],)"
                       R"( "ret": "K[Int]", "qualifiers": [], "body": [{"For": {"var": "i", "start": "0",)"
                       R"( "end": "rounds", "body": [)" + lock +
                       R"(, {"Load": {"ptr": "counter", "result": "v"}}, {"Store": {"ptr": "counter",)"
                       R"( "value": "v Add 1"}}, )" + unlock + R"(]}}, {"Return": {"expr": "0"}}], "locals": []})";
  std::string body = R"({"Alloc": {"size": "8", "result": "counter"}})";
  for (int i = 0; i < mutexes; ++i) {
    body += ", {\"Let\": {\"name\": \"m" + std::to_string(i) + "\", \"expr\": \"mutex_new()\"}}";
  }
  const std::string last = "m" + std::to_string(mutexes - 1);
  for (int i = 0; i < threads; ++i) {
    body += R"(, {"Let": {"name": "t)" + std::to_string(i) + R"(", "expr": "spawn(worker, )" + std::to_string(i + 1) +
            ", counter, " + last + ", " + std::to_string(rounds) + ")\"}}";
  }
  for (int i = 0; i < threads; ++i) {
    body += R"(, {"Call": {"target": "join", "args": ["t)" + std::to_string(i) + R"("], "result": null}})";
  }
  body += R"(, {"Load": {"ptr": "counter", "result": "total"}}, {"Dealloc": {"ptr": "counter"}},)"
          R"( {"Return": {"expr": "total"}})";
  return R"({"forges": [{"name": "Ids", "shapes": [], "procs": [)" + worker +
         R"(, {"regime": "K", "name": "main", "params": [], "uses": [], "ret": null, "qualifiers": [], "body": [)" +
         body + R"(], "locals": []}], "binds": []}], "types": []})";
}

}  // namespace

TEST(StepCodec, LargeMutexAndThreadIdsRoundTrip) {
  for (const auto& [mutexes, threads] : {std::pair{3, 3}, std::pair{70, 3}, std::pair{3, 70}, std::pair{80, 68}}) {
    for (std::uint64_t seed : {0u, 7u}) {
      dust::RunConfig config;
      config.seed = seed;
      SCOPED_TRACE(std::to_string(mutexes) + " mutexes, " + std::to_string(threads) + " threads, seed " +
                   std::to_string(seed));
      const std::string text = many_ids_program(mutexes, threads, 3);
      check_round_trip(text, config, 4096);
      check_round_trip(text, config, 97);
    }
  }
}
