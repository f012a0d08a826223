// step_codec_test.cpp — step deltas decode to exactly the events that were
// encoded (every field the recorder keeps), for every example program and
// several scheduler seeds, with blocks of several sizes; a simple loop
// costs well under two bytes a step before compression; and what a block's
// back-references copy stays within the codec's bound, a forged block's
// (an error) and an honest one's (the encoder writes payloads out).
#include "../../recorder/src/step_codec.hpp"

#include "../../recorder/src/block_summary.hpp"
#include "recorder_harness.hpp"
#include "trace_rewriting.hpp"

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

// The codec's context for `config`, with `copy_bound` as the bound on what
// a block's back-references may copy.
dust::rec::CodecContext codec_context_of(const dust::RunConfig& config,
                                         std::uint64_t copy_bound = dust::rec::codec::kMaxCopiedBytes) {
  dust::rec::CodecContext context = dust::rec::CodecContext::of(config);
  context.max_copied_bytes = copy_bound;
  return context;
}

Encoded encode_run(const std::string& text, const dust::RunConfig& config, std::uint64_t block_steps,
                   std::uint64_t copy_bound = dust::rec::codec::kMaxCopiedBytes) {
  Encoded out;
  dust::Machine machine(load_program(text), &intrinsics(), config);
  dust::rec::StepEncoder encoder(machine.program(), codec_context_of(config, copy_bound));
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

void check_round_trip(const std::string& text, const dust::RunConfig& config, std::uint64_t block_steps,
                      std::uint64_t copy_bound = dust::rec::codec::kMaxCopiedBytes) {
  Encoded enc = encode_run(text, config, block_steps, copy_bound);
  std::shared_ptr<const dust::Program> program = load_program(text);
  dust::rec::StepDecoder decoder(*program, codec_context_of(config, copy_bound));
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

// ---- The bound on what a block's back-references copy ----
//
// A string of the block's table, a wait text, a waiter list, the woken
// waiters and an echo each make the decoder copy bytes the block already
// holds. A forged block whose every tiny step copies a long payload again
// must stop at the bound (a few kilobytes of file would otherwise make the
// reader build gigabytes), and an honest one, however often it repeats a
// payload, must decode.

namespace {

// main: `prelude` (JSON statements, each followed by a comma), then `body`
// (one JSON statement) `iterations` times in a While loop.
std::string copy_bound_loop(const std::string& prelude, int iterations, const std::string& body) {
  return R"({"forges":[{"name":"t","shapes":[],"binds":[],"procs":[{"regime":"K","name":"main","params":[],)"
         R"("uses":[],"ret":null,"qualifiers":[],"body":[)" + prelude + R"({"Let":{"name":"i","expr":"0"}},)"
         R"({"While":{"condition":"i Lt )" + std::to_string(iterations) + R"(","body":[)" + body +
         R"(,{"Assign":{"target":"i","expr":"i Add 1"}}]}},{"Return":{"expr":"i"}}],"locals":[]}]}]})";
}

// An Effect statement emitting `payload`, an expression written for JSON.
std::string copy_bound_effect(const std::string& payload) {
  return R"({"Effect":{"kind":"emit","payload":")" + payload + R"("}})";
}

// An Effect statement emitting the string literal `text` (no quotes or backslashes).
std::string copy_bound_effect_of_literal(const std::string& text) {
  return copy_bound_effect(R"(\")" + text + R"(\")");
}

// `bytes` with every payload that holds exactly `marker` (its length byte,
// then the marker) holding `grown` instead; the steps that echo such a
// step then copy `grown`. How many were grown goes to `count`.
std::string grow_written_out_marker(std::string_view bytes, const std::string& marker, const std::string& grown,
                                    int& count) {
  std::string written(1, static_cast<char>(marker.size()));
  written += marker;
  std::string out;
  dust::rec::ByteWriter w(out);
  count = 0;
  std::size_t from = 0;
  for (std::size_t at = bytes.find(written); at != std::string_view::npos; at = bytes.find(written, from)) {
    out.append(bytes.substr(from, at - from));
    w.bytes(grown);
    from = at + written.size();
    ++count;
  }
  out.append(bytes.substr(from));
  return out;
}

struct CopyBoundDecoding {
  std::uint64_t steps = 0;
  std::uint64_t built = 0;  // payload bytes of the decoded steps, as `measure` counts them
  std::string error;
};

// Decodes the steps of one block from `bytes` until its end or the first
// error, adding up what `measure` says each decoded step holds.
template <class Measure>
CopyBoundDecoding decode_measuring_payloads(dust::rec::StepDecoder& decoder, std::string_view bytes,
                                            Measure measure) {
  CopyBoundDecoding d;
  dust::rec::ByteReader in(bytes);
  dust::rec::DecodedStep step;
  while (!in.at_end() && decoder.decode(in, step, d.error)) {
    ++d.steps;
    d.built += measure(step);
  }
  return d;
}

std::uint64_t effect_payload_bytes(const dust::rec::DecodedStep& step) {
  return step.event.has_effect ? step.event.effect.payload.size() : 0;
}

// Steps of thread 0 at statement 0, each followed by the thread and mutex
// changes `changes` writes for it (given the step's number).
template <class Changes>
std::string steps_at_statement_zero(int steps, Changes changes) {
  using namespace dust::rec::codec;
  std::string bytes;
  dust::rec::ByteWriter w(bytes);
  for (int k = 0; k < steps; ++k) {
    // The first step names statement 0 against no prediction (code 0), the
    // second against statement 1 (the one after it); from the third the
    // block has seen 0 follow 0 and predicts it.
    w.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(dust::StepKind::Statement) | kHasExtras |
                                   (k >= 2 ? kStmtPredicted : 0)));
    w.varint(0);  // the thread
    if (k == 0) w.svarint(1);
    if (k == 1) w.svarint(-1);
    w.varint(0);  // no tick
    w.u8(kDepthExplicit | kHasChanges);
    w.varint(0);  // the depth
    changes(w, k);
  }
  return bytes;
}

}  // namespace

// Every step after the first two that print a marker is an echo, a byte;
// grown to a mebibyte, the two printed markers make each echo copy it
// again: 400 MiB from a block of a few kilobytes once compressed.
TEST(StepCodec, EchoesOfALongPayloadStopAtTheCopyBound) {
  const std::string marker = "copy-bound-marker";
  const std::string text = copy_bound_loop("", 400, copy_bound_effect_of_literal(marker));
  Encoded enc = encode_run(text, dust::RunConfig{}, std::uint64_t{1} << 40);
  ASSERT_EQ(enc.block_offsets.size(), 2u);
  int grown = 0;
  const std::string forged = grow_written_out_marker(enc.bytes.view(), marker, std::string(1u << 20, 'x'), grown);
  ASSERT_EQ(grown, 2);
  dust::rec::Lz4Compressor lz4;
  EXPECT_LT(lz4.compress(forged).size(), 64u << 10);

  std::shared_ptr<const dust::Program> program = load_program(text);
  dust::rec::StepDecoder decoder(*program);
  decoder.begin_block(0, 0, dust::rec::kMaxTraceThreads, enc.block_rngs[0], enc.block_states[0]);
  CopyBoundDecoding d = decode_measuring_payloads(decoder, forged, effect_payload_bytes);
  EXPECT_NE(d.error.find("malformed step"), std::string::npos) << d.error;
  EXPECT_NE(d.error.find("copies more than 67108864 bytes"), std::string::npos) << d.error;
  EXPECT_LE(d.built, dust::rec::codec::kMaxCopiedBytes + forged.size());
  // The forgery decodes up to the bound: what stops it is the bound.
  EXPECT_GT(d.built, dust::rec::codec::kMaxCopiedBytes / 2);
}

// The other back-references, in steps written by hand: a waiter list as
// last recorded, a wait text as last recorded, and a string of the block's
// table, each a mebibyte, copied again by every step of a few bytes.
TEST(StepCodec, ForgedBackReferencesStopAtTheCopyBound) {
  using namespace dust::rec::codec;
  constexpr std::uint64_t kWaiters = 1u << 18;  // a mebibyte of thread ids
  const std::string text(1u << 20, 'w');
  auto mutex_waiters = [&](dust::rec::ByteWriter& w, int k) {
    w.varint(1);   // one mutex change
    w.svarint(0);  // of mutex 0
    if (k == 0) {
      w.u8(kOwnerNone | kWaitersExplicit << kWaitersShift);
      w.varint(kWaiters);
      for (std::uint64_t i = 0; i < kWaiters; ++i) w.varint(1);
    } else {
      w.u8(kOwnerNone | kWaitersSame << kWaitersShift);
    }
    w.varint(0);  // no thread change
  };
  const std::uint8_t blocked_self = static_cast<std::uint8_t>(dust::ThreadState::Blocked) | kChangeSelf;
  auto wait_of_the_first_step = [&](dust::rec::ByteWriter& w) {
    w.varint(0);  // no mutex change
    w.varint(2);  // one thread change
    w.u8(blocked_self);
    w.u8(static_cast<std::uint8_t>(dust::WaitKind::Mutex));
    w.svarint(0);
    w.varint(0);  // a string written out
    w.bytes(text);
  };
  auto same_wait_text = [&](dust::rec::ByteWriter& w, int k) {
    if (k == 0) return wait_of_the_first_step(w);
    w.varint(0);
    w.varint(2);
    w.u8(blocked_self | kChangeSameWait | kChangeSameText);
  };
  auto first_string_of_the_table = [&](dust::rec::ByteWriter& w, int k) {
    if (k == 0) return wait_of_the_first_step(w);
    w.varint(0);
    w.varint(2);
    w.u8(blocked_self | kChangeSameWait);
    w.varint(1);  // the table's first string
  };
  auto waiter_bytes = [](const dust::rec::DecodedStep& step) {
    std::uint64_t n = 0;
    for (const dust::rec::MutexChange& c : step.mutexes) n += c.waiters.size() * sizeof(std::uint32_t);
    return n;
  };
  auto wait_bytes = [](const dust::rec::DecodedStep& step) {
    std::uint64_t n = 0;
    for (const dust::rec::ThreadChange& c : step.threads) n += c.wait.size();
    return n;
  };
  std::shared_ptr<const dust::Program> program = load_program(loop_program(3));
  auto check = [&](const std::string& label, const std::string& forged, auto measure) {
    SCOPED_TRACE(label);
    dust::rec::StepDecoder decoder(*program);
    decoder.begin_block(0, 0);
    CopyBoundDecoding d = decode_measuring_payloads(decoder, forged, measure);
    EXPECT_NE(d.error.find("copies more than"), std::string::npos) << d.error;
    EXPECT_LE(d.built, kMaxCopiedBytes + sizeof(std::uint32_t) * forged.size());
    EXPECT_GT(d.built, kMaxCopiedBytes / 2);
  };
  check("waiters", steps_at_statement_zero(200, mutex_waiters), waiter_bytes);
  check("wait text", steps_at_statement_zero(200, same_wait_text), wait_bytes);
  check("string table", steps_at_statement_zero(200, first_string_of_the_table), wait_bytes);
}

// Under bounds small enough that the examples pass them, the encoder
// writes out what a back-reference would have copied (strings, wait texts,
// waiter lists, woken waiters, echoes), and every block still decodes to
// its events: the decoder counts exactly what the encoder counted.
TEST(StepCodec, BlocksPastASmallCopyBoundDecodeToTheirEvents) {
  std::vector<std::pair<std::string, std::string>> programs;
  for (const std::string& name : example_names()) programs.emplace_back(name, read_text(example(name)));
  // Long waiter lists, and unlocks that wake many of them.
  programs.emplace_back("70 workers", many_ids_program(3, 70, 3));
  for (const auto& [name, text] : programs) {
    SCOPED_TRACE(name);
    for (std::uint64_t seed : {0, 7}) {
      for (std::uint64_t bound : {0, 64, 1000, 4096}) {
        SCOPED_TRACE("bound " + std::to_string(bound) + ", seed " + std::to_string(seed));
        for (std::uint64_t block : {7, 4096}) check_round_trip(text, seeded(seed), block, bound);
      }
    }
  }
  // The bound changes the bytes: without back-references the contended
  // mutexes of this example take more of them.
  const std::string contended = read_text(example("mutex_counter.dir.json"));
  EXPECT_GT(encode_run(contended, seeded(7), 4096, 0).bytes.size(),
            encode_run(contended, seeded(7), 4096).bytes.size());
}

// A program that prints one long string hundreds of times: in one block
// its echoes would copy past the bound, so the recorder's encoder writes
// the print out again there, and the trace reads back every print.
TEST(StepCodec, ALongStringPrintedPastTheCopyBoundStillReads) {
  constexpr int kLength = 128 << 10;
  constexpr int kPrints = 600;  // 75 MiB of copies, were every print echoed
  const std::string length = std::to_string(kLength);
  const std::string prelude = R"json({"Let":{"name":"p","expr":"alloc()json" + length + R"json()"}},)json"
                              R"json({"Let":{"name":"s","expr":"mem_read_str(p, )json" + length + R"json()"}},)json";
  const std::string text = copy_bound_loop(prelude, kPrints, copy_bound_effect("s"));
  TempDir dir;
  const fs::path trace = dir / "long_string.dtrace";
  dust::Machine ran = record(text, dust::RunConfig{}, trace, dust::rec::RecorderOptions{});
  ASSERT_EQ(ran.effects.size(), static_cast<std::size_t>(kPrints));
  std::string error;
  std::unique_ptr<dust::rec::TraceReader> reader = dust::rec::TraceReader::open(trace.string(), intrinsics(), error);
  ASSERT_TRUE(reader) << error;
  EXPECT_TRUE(reader->verify(error)) << error;
  const std::vector<dust::rec::EffectMark> marks = reader->effect_marks(0, reader->info().steps);
  EXPECT_EQ(reader->last_error(), "");
  ASSERT_EQ(marks.size(), static_cast<std::size_t>(kPrints));
  const std::string printed(kLength, '\0');
  for (const dust::rec::EffectMark& mark : marks) {
    ASSERT_TRUE(mark.effect.payload == printed) << "step " << mark.step;
  }
}

// The reader turns a block past the bound into an error naming the file
// and the block's offset, and the blocks before it still read.
TEST(StepCodec, ABlockPastTheCopyBoundIsAnErrorNamingItsFileAndOffset) {
  const std::string marker = "copy-bound-marker";
  const std::string text = copy_bound_loop("", 2000, copy_bound_effect_of_literal(marker));
  TempDir dir;
  const fs::path honest = dir / "honest.dtrace";
  dust::rec::RecorderOptions options;
  options.block_steps = 1024;
  record(text, dust::RunConfig{}, honest, options);
  TakenApart t = take_apart(honest);
  ASSERT_GE(t.index.blocks.size(), 3u);
  // The second block: its two printed markers grow to a mebibyte each.
  std::size_t chunk = 0;
  for (int blocks = 0; chunk < t.chunks.size(); ++chunk) {
    if (t.chunks[chunk].header.type == dust::rec::ChunkType::Block && ++blocks == 2) break;
  }
  ASSERT_LT(chunk, t.chunks.size());
  RawChunk& c = t.chunks[chunk];
  dust::rec::BlockSummary summary;
  std::string_view compressed;
  ASSERT_TRUE(dust::rec::decode_block_payload(c.payload, summary, compressed));
  std::string deltas;
  ASSERT_TRUE(dust::rec::lz4_decompress(compressed, c.header.raw_bytes, deltas));
  int grown = 0;
  deltas = grow_written_out_marker(deltas, marker, std::string(1u << 20, 'x'), grown);
  ASSERT_EQ(grown, 2);
  summary.raw_bytes = deltas.size();
  c.header.raw_bytes = static_cast<std::uint32_t>(deltas.size());
  dust::rec::Lz4Compressor lz4;
  dust::rec::ByteBuffer payload;
  dust::rec::encode_block_payload(summary, deltas, lz4, payload);
  c.payload = std::string(payload.view());
  for (dust::rec::BlockEntry& entry : t.index.blocks) {
    if (entry.offset == t.offsets[chunk]) entry.summary = summary;
  }
  const fs::path forged = dir / "forged.dtrace";
  put_together(t, forged);
  EXPECT_LT(fs::file_size(forged), fs::file_size(honest) + (64u << 10));

  std::string error;
  std::unique_ptr<dust::rec::TraceReader> reader = dust::rec::TraceReader::open(forged.string(), intrinsics(), error);
  ASSERT_TRUE(reader) << error;
  // The block before it reads.
  EXPECT_EQ(reader->events(0, summary.first_step).size(), summary.first_step);
  EXPECT_EQ(reader->last_error(), "");
  EXPECT_FALSE(reader->verify(error));
  EXPECT_EQ(error.rfind(forged.string() + ": malformed step ", 0), 0u) << error;
  const std::string offset = " at offset " + std::to_string(t.offsets[chunk]);
  EXPECT_NE(error.find("copies more than 67108864 bytes from earlier steps" + offset), std::string::npos) << error;
}
