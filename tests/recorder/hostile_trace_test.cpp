// hostile_trace_test.cpp — traces crafted with valid checksums, as an
// attacker who knows the format would make them: keyframes whose slots,
// cursors, ids or pc are out of range of their program, counts that would
// have the reader allocate gigabytes, blocks that lie about their size or
// threads. Each is refused as "not a readable trace" naming the offset
// (dustrun exits 12, printing no state), never a crash; and every state a
// real run passes through is accepted.
#include <sys/resource.h>

#include <functional>

#include "dust/recorder/machine_archive.hpp"
#include "dust/recorder/state_report.hpp"
#include "process_runner.hpp"
#include "recorder_harness.hpp"
#include "trace_rewriting.hpp"

using namespace rec_test;
using dust_test::run_process;

namespace {

constexpr std::uint64_t kKeyframeStep = 32;

// A run with two threads, a mutex, memory and calls, recorded with a
// keyframe every 32 steps.
fs::path recorded(const TempDir& dir) {
  fs::path path = dir / "good.dtrace";
  record(read_text(example("sync_bank_transfer.dir.json")), seeded(2), path, small_blocks(kKeyframeStep));
  return path;
}

dust::Machine keyframe_machine(TakenApart& t, std::uint64_t step) {
  RawChunk* chunk = keyframe_at(t, step);
  EXPECT_NE(chunk, nullptr);
  std::unique_ptr<dust::rec::TraceReader> reader;
  std::string text;
  for (const RawChunk& c : t.chunks) {
    if (c.header.type == dust::rec::ChunkType::Program) text = decompressed(c);
  }
  dust::Machine machine(load_program(text), &intrinsics(), dust::RunConfig{});
  std::string error;
  EXPECT_TRUE(dust::rec::load_machine(decompressed(*chunk), machine, error)) << error;
  return machine;
}

// The recorded trace with its keyframe at kKeyframeStep changed by `mutate`.
fs::path with_keyframe(const TempDir& dir, const std::function<void(dust::Machine&)>& mutate) {
  TakenApart t = take_apart(recorded(dir));
  dust::Machine machine = keyframe_machine(t, kKeyframeStep);
  mutate(machine);
  set_keyframe(*keyframe_at(t, kKeyframeStep), dust::rec::save_machine(machine));
  fs::path path = dir / "crafted.dtrace";
  put_together(t, path);
  return path;
}

// The reader opens the trace but refuses the state at the crafted keyframe,
// and dustrun inspect --at exits 12 with the reason and prints no state.
void expect_refused(const fs::path& path, const std::string& reason) {
  std::string error;
  auto reader = dust::rec::TraceReader::open(path.string(), intrinsics(), error);
  if (reader) {
    reader->state_at(kKeyframeStep + 3);
    EXPECT_NE(reader->last_error().find(reason), std::string::npos) << reader->last_error();
    EXPECT_NE(reader->last_error().find("at offset"), std::string::npos) << reader->last_error();
    EXPECT_FALSE(reader->verify(error));
    EXPECT_NE(error.find(reason), std::string::npos) << error;
  } else {
    EXPECT_NE(error.find(reason), std::string::npos) << error;
  }
  dust_test::ProcessResult at =
      run_process(DUSTRUN_PATH, {"inspect", path.string(), "--at", std::to_string(kKeyframeStep + 3)});
  EXPECT_EQ(at.exit_code, 12) << at.err;
  EXPECT_EQ(at.out, "");
  EXPECT_NE(at.err.find(reason), std::string::npos) << at.err;
  EXPECT_NE(at.err.find("at offset"), std::string::npos) << at.err;
  dust_test::ProcessResult info = run_process(DUSTRUN_PATH, {"inspect", path.string(), "--info"});
  EXPECT_EQ(info.exit_code, 12) << info.err;
  dust_test::ProcessResult replay = run_process(DUSTRUN_PATH, {"--replay", path.string()});
  EXPECT_EQ(replay.exit_code, 12) << replay.err;
}

struct KeyframeCase {
  const char* label;
  std::function<void(dust::Machine&)> mutate;
  const char* reason;
};

dust::Frame& top_frame(dust::Machine& m) { return m.threads[m.current].frames.back(); }

std::vector<KeyframeCase> keyframe_cases() {
  return {
      {"too few slots", [](dust::Machine& m) { top_frame(m).slots.resize(1); }, "slots, but proc"},
      {"too many slots", [](dust::Machine& m) { top_frame(m).slots.resize(100000); }, "slots, but proc"},
      {"cursor block out of range", [](dust::Machine& m) { top_frame(m).cursors.back().block = 9999; },
       "is not a block of proc"},
      {"cursor in another proc's block",
       [](dust::Machine& m) {
         const dust::Program& p = m.program();
         for (std::uint32_t b = 0; b < p.blocks.size(); ++b) {
           if (p.blocks[b].proc != top_frame(m).proc) {
             top_frame(m).cursors.back().block = b;
             return;
           }
         }
       },
       "is not a block of proc"},
      {"statement index past the block", [](dust::Machine& m) { top_frame(m).cursors.back().index = 1u << 30; },
       "of a block of"},
      {"loop check outside a loop", [](dust::Machine& m) { top_frame(m).cursors.front().for_checking = true; },
       "loop check outside a loop"},
      {"loop statement out of range",
       [](dust::Machine& m) {
         dust::Frame& f = top_frame(m);
         f.cursors.push_back(dust::BlockCursor{f.cursors.back().block, 0, 123456});
       },
       "loop statement out of range"},
      {"proc out of range", [](dust::Machine& m) { top_frame(m).proc = 77; }, "proc 77 out of range"},
      {"entry proc out of range", [](dust::Machine& m) { m.threads[0].entry_proc = 1000; }, "entry proc"},
      {"thread id", [](dust::Machine& m) { m.threads[0].id = 5; }, "id 5"},
      {"next thread", [](dust::Machine& m) { m.current = 40; }, "does not exist"},
      {"thread state", [](dust::Machine& m) { m.threads[0].state = static_cast<dust::ThreadState>(9); },
       "unknown state"},
      {"finished thread with frames", [](dust::Machine& m) { m.threads[0].state = dust::ThreadState::Finished; },
       "frames while finished"},
      {"suspended evaluation at a bad pc",
       [](dust::Machine& m) {
         dust::Frame& f = top_frame(m);
         f.evaluating = true;
         f.pc = 1u << 20;
       },
       "past its code"},
      {"value stack too deep",
       [](dust::Machine& m) {
         dust::Frame& f = top_frame(m);
         f.stack.assign(50, dust::Value::integer(1));
       },
       "value stack outside an evaluation"},
      {"caller not in a call",
       [](dust::Machine& m) {
         dust::Thread& t = m.threads[m.current];
         t.frames.push_back(t.frames.back());
       },
       "caller frame"},
      {"mutex owner", [](dust::Machine& m) { m.k.mutexes.at(0).owner = 999; }, "mutex 1: owner 999"},
      {"mutex waiter", [](dust::Machine& m) { m.k.mutexes.at(0).waiters.push_back(4000); }, "mutex 1: waiter 4000"},
      {"heap block bytes",
       [](dust::Machine& m) {
         dust::HeapBlock b;
         b.address = m.k.heap.next;
         b.size = 64;
         m.k.heap.blocks[b.address] = b;
         m.k.heap.next += 64;
         m.k.heap.live_bytes += 64;
       },
       "wrong number of bytes"},
      {"Q binding", [](dust::Machine& m) { m.q.bindings.push_back(dust::QBinding{"x", 7, false}); }, "Q binding x"},
      {"fd position", [](dust::Machine& m) { m.k.fds[3] = dust::OpenFile{3, "f", "r", -5, true}; }, "fd 3"},
  };
}


// Rewrites the summary of the block that starts at the keyframe step with
// `lie` (which may also change the chunk's header), keeping its compressed
// steps, and the index's copy of that summary with it.
template <typename Lie>
void lie_in_keyframe_block_summary(TakenApart& t, Lie lie) {
  for (std::size_t i = 0; i < t.chunks.size(); ++i) {
    RawChunk& c = t.chunks[i];
    if (c.header.type != dust::rec::ChunkType::Block || c.header.first_step != kKeyframeStep) continue;
    dust::rec::BlockSummary summary;
    std::string_view deltas;
    ASSERT_TRUE(dust::rec::decode_block_payload(c.payload, summary, deltas));
    std::string compressed(deltas);
    lie(summary, c.header);
    std::string prefix, summary_bytes;
    dust::rec::ByteWriter s(summary_bytes);
    dust::rec::write_summary(s, summary);
    dust::rec::ByteWriter w(prefix);
    w.bytes(summary_bytes);
    c.payload = prefix + compressed;
    for (auto& b : t.index.blocks)
      if (b.offset == t.offsets[i]) b.summary = summary;
  }
}

}  // namespace

TEST(HostileTrace, KeyframesOutOfRangeOfTheirProgramAreRefused) {
  for (const KeyframeCase& c : keyframe_cases()) {
    SCOPED_TRACE(c.label);
    TempDir dir;
    expect_refused(with_keyframe(dir, c.mutate), c.reason);
  }
}

// The 14.5 KB trace had the reader allocate 2 GiB: a count in the
// keyframe drives the allocation. Under a 1 GiB address-space limit the
// old reader died of it; now the count is refused against the bytes left.
TEST(HostileTrace, AHugeCountInAKeyframeAllocatesNothing) {
  TempDir dir;
  TakenApart t = take_apart(recorded(dir));
  std::string raw = decompressed(*keyframe_at(t, kKeyframeStep));
  // The machine's first field is the run configuration, whose first is the
  // entry name: a 4-byte class version each, then the string's 8-byte size.
  ASSERT_GT(raw.size(), 16u);
  const std::uint64_t huge = std::uint64_t{1} << 31;
  std::memcpy(raw.data() + 8, &huge, sizeof huge);
  set_keyframe(*keyframe_at(t, kKeyframeStep), raw);
  fs::path path = dir / "huge.dtrace";
  put_together(t, path);

#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer reserves terabytes of address space for its shadow
  // memory, which the limit forbids: there the refusal alone is checked.
  const std::string limit;
#else
  const std::string limit = "ulimit -v 1048576; ";
#endif
  dust_test::ProcessResult at = run_process("/bin/sh", {"-c", limit + "exec \"$0\" inspect \"$1\" --at 40",
                                                   DUSTRUN_PATH, path.string()});
  EXPECT_EQ(at.exit_code, 12) << at.err;
  EXPECT_EQ(at.out, "");
  EXPECT_NE(at.err.find("a count of 2147483648"), std::string::npos) << at.err;
}

TEST(HostileTrace, DeeplyNestedValuesAreRefusedNotRecursedInto) {
  dust::Machine machine(load_program(loop_program(3)), &intrinsics(), dust::RunConfig{});
  machine.outcome.returned = dust::Value::array({dust::Value::unit()});
  std::string bytes = dust::rec::save_machine(machine);
  // A Value is its tag then its body; an Array's body is its 8-byte count
  // and its items. The one-item array becomes one nested a million deep.
  std::string level(1, static_cast<char>(dust::ValueTag::Array));
  const std::uint64_t one = 1;
  level.append(reinterpret_cast<const char*>(&one), sizeof one);
  const std::string item = level + std::string(1, static_cast<char>(dust::ValueTag::Unit));
  std::size_t at = bytes.find(item);
  ASSERT_NE(at, std::string::npos);
  std::string deep;
  for (int i = 0; i < 1000000; ++i) deep += level;
  bytes.replace(at, level.size(), deep);
  dust::Machine target(machine.program_ptr(), &intrinsics(), dust::RunConfig{});
  std::string error;
  EXPECT_FALSE(dust::rec::load_machine(bytes, target, error));
  EXPECT_NE(error.find("nested deeper than"), std::string::npos) << error;
}

// A block chunk that claims a gigabyte of deltas in a few bytes, more
// steps than bytes, or millions of threads (a table by thread id) is
// refused before anything is sized by it.
TEST(HostileTrace, BlocksThatLieAboutTheirSizeAreRefused) {
  TempDir dir;
  for (int variant = 0; variant < 3; ++variant) {
    SCOPED_TRACE(variant);
    TakenApart t = take_apart(recorded(dir));
    lie_in_keyframe_block_summary(t, [&](dust::rec::BlockSummary& summary, auto& header) {
      if (variant == 0) {
        summary.raw_bytes = dust::rec::kMaxChunkBytes;
      } else if (variant == 1) {
        summary.step_count = summary.raw_bytes + 1;
      } else {
        summary.threads_at_end = 1u << 23;
      }
      header.raw_bytes = static_cast<std::uint32_t>(summary.raw_bytes);
      header.step_count = static_cast<std::uint32_t>(summary.step_count);
    });
    if (HasFatalFailure()) return;
    fs::path path = dir / "lying.dtrace";
    put_together(t, path);
    std::string error;
    auto reader = dust::rec::TraceReader::open(path.string(), intrinsics(), error);
    if (reader) {
      reader->events(kKeyframeStep, kKeyframeStep + 5);
      EXPECT_FALSE(reader->last_error().empty());
      EXPECT_FALSE(reader->verify(error));
    }
    EXPECT_NE(error.find("at offset"), std::string::npos) << error;
    dust_test::ProcessResult info = run_process(DUSTRUN_PATH, {"inspect", path.string(), "--info"});
    EXPECT_EQ(info.exit_code, 12) << info.err;
  }
}

// Every state a real run passes through is accepted: the checks are the
// machine's own invariants, not guesses. The examples, the crash-trace
// programs and the compiler corpus (where tests/data has it), over several
// scheduler seeds.
TEST(HostileTrace, EveryStateOfEveryProgramIsAccepted) {
  std::vector<fs::path> programs;
  for (const std::string& name : example_names()) programs.push_back(example(name));
  for (const char* dir : {DUST_SOURCE_DIR "/traces/crash", DUST_SOURCE_DIR "/tests/data/corpus/compiler-lowered"}) {
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().string().ends_with(".dir.json")) programs.push_back(entry.path());
    }
  }
  for (const fs::path& path : programs) {
    SCOPED_TRACE(path.filename().string());
    dust::LoadResult loaded = dust::load_dir_text(read_text(path));
    if (!loaded.ok()) continue;
    std::shared_ptr<const dust::Program> program = loaded.program;
    for (std::uint64_t seed : {0, 1, 2, 7}) {
      dust::Machine machine(program, &intrinsics(), seeded(seed));
      dust::StepEvent event;
      for (;;) {
        dust::Machine loaded(program, &intrinsics(), machine.config);
        std::string error;
        ASSERT_TRUE(dust::rec::load_machine(dust::rec::save_machine(machine), loaded, error))
            << "seed " << seed << " step " << machine.steps << ": " << error;
        if (machine.done() || machine.steps == 20000) break;
        machine.step(event);
      }
    }
  }
}

// --info checks every chunk of a good trace and says nothing is wrong.
TEST(HostileTrace, InfoVerifiesAGoodTrace) {
  TempDir dir;
  fs::path path = recorded(dir);
  dust_test::ProcessResult info = run_process(DUSTRUN_PATH, {"inspect", path.string(), "--info"});
  EXPECT_EQ(info.exit_code, 0) << info.err;
  for (const std::string& name : example_names()) {
    SCOPED_TRACE(name);
    fs::path trace = dir / "example.dtrace";
    record(read_text(example(name)), seeded(3), trace, small_blocks(8));
    auto reader = open_trace(trace);
    std::string error;
    EXPECT_TRUE(reader->verify(error)) << error;
  }
}

// dustrun --replay leaves the decoding of the steps to the replay's own
// byte-for-byte check (TraceReader::verify_and_replay): a block whose
// bytes replay exactly but whose summary lies about what decoding it
// depends on (its ticks, its scheduler state) gets the answer
// and message verify() gives before a replay, and a good trace replays to
// the machine replay() gives.
TEST(HostileTrace, ReplayingWithoutDecodingFindsWhatVerifyFinds) {
  TempDir dir;
  {
    fs::path good = recorded(dir);
    auto reader = open_trace(good);
    std::optional<dust::rec::Divergence> divergence, fast_divergence;
    dust::Machine replayed = reader->replay(divergence);
    std::string error;
    std::optional<dust::Machine> fast = open_trace(good)->verify_and_replay(fast_divergence, error);
    ASSERT_TRUE(fast.has_value()) << error;
    EXPECT_FALSE(divergence || fast_divergence);
    EXPECT_EQ(fast->steps, replayed.steps);
    EXPECT_EQ(fast->tick, replayed.tick);
    EXPECT_EQ(fast->outcome.status, replayed.outcome.status);
  }
  for (int variant = 0; variant < 2; ++variant) {
    SCOPED_TRACE(variant);
    TakenApart t = take_apart(recorded(dir));
    lie_in_keyframe_block_summary(t, [&](dust::rec::BlockSummary& summary, auto&) {
      if (variant == 0) {
        summary.tick_last += 1;
      } else {
        summary.sched_rng ^= 0x5a5a;
      }
    });
    if (HasFatalFailure()) return;
    fs::path path = dir / "lying.dtrace";
    put_together(t, path);
    std::string open_error;
    auto reader = dust::rec::TraceReader::open(path.string(), intrinsics(), open_error);
    ASSERT_TRUE(reader) << open_error;
    std::string verify_error;
    const bool verified = reader->verify(verify_error);
    EXPECT_FALSE(verified);
    std::string error;
    std::optional<dust::rec::Divergence> divergence;
    std::optional<dust::Machine> fast =
        dust::rec::TraceReader::open(path.string(), intrinsics(), open_error)->verify_and_replay(divergence, error);
    EXPECT_EQ(fast.has_value(), verified);
    if (!verified) {
      EXPECT_EQ(error, verify_error);
      dust_test::ProcessResult replay = run_process(DUSTRUN_PATH, {"--replay", path.string(), "--quiet"});
      EXPECT_EQ(replay.exit_code, 12) << replay.err;
      EXPECT_NE(replay.err.find(verify_error), std::string::npos) << replay.err;
    }
  }
}
