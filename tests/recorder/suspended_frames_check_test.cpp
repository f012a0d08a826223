// suspended_frames_check_test.cpp — checking a keyframe whose frames are
// suspended deep in one long expression. Each frame's pc is checked against
// the stack depth its expression reaches there; a forged state with many
// such frames (deep recursion, many threads) once had every frame walk the
// expression again from its start, frames times its length. Now each
// expression is walked once per check, and every bad pc, stack and call
// point is still refused with the message it had.
#include "../../recorder/src/machine_check.hpp"

#include "dust/recorder/machine_archive.hpp"
#include "recorder_harness.hpp"
#include "trace_rewriting.hpp"

using namespace rec_test;

namespace {

// Terms of the long expression `down` suspends in, and how deep a machine
// recurses before it is checked.
constexpr int kChainTerms = 300;
constexpr std::size_t kSuspendedFrames = 200;
// A frame far from either end of the stack, where a forged value goes.
constexpr std::size_t kForgedFrame = 150;

// main calls down(400); down(n) returns n added up kChainTerms times plus
// down(n - 1), with the recursive call at the end of that expression
// (`call_last`) or at its start, so that every frame waits there.
std::string chain_recursion_program(bool call_last) {
  std::string terms;
  for (int i = 0; i < kChainTerms; ++i) terms += i == 0 ? "n" : " Add n";
  const std::string expr = call_last ? terms + " Add down(n Sub 1)" : "down(n Sub 1) Add " + terms;
  auto proc = [](const std::string& name, const std::string& params, const std::string& body) {
    return R"J({"regime":"K","name":")J" + name + R"J(","params":[)J" + params +
           R"J(],"uses":[],"ret":"K[Int]","qualifiers":[],"body":[)J" + body + R"J(],"locals":[]})J";
  };
  const std::string down =
      proc("down", R"J({"name":"n","ty":"K[Int]"})J",
           R"J({"If":{"condition":"n Eq 0","then_body":[{"Return":{"expr":"0"}}],"else_body":[]}},
               {"Return":{"expr":")J" + expr + R"J("}})J");
  const std::string main = proc("main", "", R"J({"Let":{"name":"r","expr":"down(400)"}},{"Return":{"expr":"r"}})J");
  return R"J({"forges":[{"name":"t","shapes":[],"binds":[],"procs":[)J" + main + "," + down +
         R"J(]}],"types":[]})J";
}

// The machine of that program once its thread holds kSuspendedFrames
// frames, every one below the top suspended at its call.
dust::Machine suspended_in_chain(bool call_last) {
  dust::Machine m(load_program(chain_recursion_program(call_last)), &intrinsics(), dust::RunConfig{});
  dust::StepEvent event;
  while (!m.done() && (m.threads.empty() || m.threads[0].frames.size() < kSuspendedFrames)) m.step(event);
  EXPECT_FALSE(m.done()) << m.outcome.error.message;
  return m;
}

// The expression a suspended frame resumes: its Return statement's.
dust::CodeRef resumed_expression(const dust::Machine& m, const dust::Frame& f) {
  const dust::Program& p = m.program();
  const dust::BlockCursor& c = f.cursors.back();
  return p.stmts[p.blocks[c.block].first + c.index].expr;
}

// Why `m`'s state, loaded over `program` (a copy of its own, perhaps
// changed), is refused; "" if it is not.
std::string refusal_over(const dust::Machine& m, std::shared_ptr<const dust::Program> program) {
  dust::Machine target(std::move(program), &intrinsics(), m.config);
  std::string error;
  return dust::rec::load_machine(dust::rec::save_machine(m), target, error) ? std::string() : error;
}

std::string refusal(const dust::Machine& m) { return refusal_over(m, m.program_ptr()); }

std::string refused_because(const std::string& why) { return "invalid machine state (" + why + ")"; }

// `m`'s program with instruction `pc` of `code` replaced by `in`.
std::shared_ptr<const dust::Program> with_instruction(const dust::Machine& m, const dust::CodeRef& code,
                                                      std::uint32_t pc, dust::Instr in) {
  auto changed = std::make_shared<dust::Program>(m.program());
  changed->code[code.offset + pc] = in;
  return changed;
}

}  // namespace

TEST(SuspendedFramesCheck, EachExpressionIsWalkedOnceHoweverManyFramesWaitInIt) {
  const dust::Machine m = suspended_in_chain(true);
  ASSERT_EQ(m.threads.at(0).frames.size(), kSuspendedFrames);
  const dust::Frame& waiting = m.threads[0].frames[1];
  ASSERT_TRUE(waiting.evaluating);
  ASSERT_GE(waiting.pc, static_cast<std::uint32_t>(kChainTerms));
  // Walking each frame's expression from its start would cost far more
  // than the whole program's code.
  const std::size_t code_size = m.program().code.size();
  ASSERT_GT((kSuspendedFrames - 2) * waiting.pc, 10 * code_size);

  std::string error;
  dust::rec::MachineCheckCost cost;
  ASSERT_TRUE(dust::rec::check_machine(m, error, &cost)) << error;
  EXPECT_GT(cost.instructions_walked, 0u);
  EXPECT_LE(cost.instructions_walked, code_size);
  EXPECT_EQ(refusal(m), "");
}

TEST(SuspendedFramesCheck, AFrameOffItsCallOrItsStackIsRefusedAsBefore) {
  const dust::Machine m = suspended_in_chain(true);
  const std::uint32_t call_pc = m.threads.at(0).frames.at(kForgedFrame).pc;
  const std::string frame = "thread 0 frame " + std::to_string(kForgedFrame) + ": ";

  dust::Machine off_call = m;
  off_call.threads[0].frames[kForgedFrame].pc = call_pc - 1;
  EXPECT_EQ(refusal(off_call),
            refused_because(frame + "suspended at pc " + std::to_string(call_pc - 1) + ", not at a call"));

  dust::Machine short_stack = m;
  std::vector<dust::Value>& stack = short_stack.threads[0].frames[kForgedFrame].stack;
  const std::size_t depth = stack.size();
  stack.pop_back();
  EXPECT_EQ(refusal(short_stack),
            refused_because(frame + std::to_string(depth - 1) + " values on the stack at pc " +
                            std::to_string(call_pc) + ", not " + std::to_string(depth)));

  dust::Machine past_code = m;
  const std::uint32_t length = resumed_expression(m, m.threads[0].frames[kForgedFrame]).length;
  past_code.threads[0].frames[kForgedFrame].pc = length;
  EXPECT_EQ(refusal(past_code), refused_because(frame + "pc " + std::to_string(length) + " past its code"));
}

// The frames below kForgedFrame wait at their call, early in the
// expression, and are accepted; the walk their check made must still know
// that a later pc lies past a Fail, or past a pop below the stack's bottom,
// when kForgedFrame is checked after them.
TEST(SuspendedFramesCheck, APcBeyondWhereItsExpressionStopsIsRefusedAsBefore) {
  const dust::Machine m = suspended_in_chain(false);
  const dust::Frame& waiting = m.threads.at(0).frames.at(kForgedFrame);
  const dust::CodeRef code = resumed_expression(m, waiting);
  const std::uint32_t stop = waiting.pc + 10;
  ASSERT_LT(stop + 1, code.length);
  const std::string frame = "thread 0 frame " + std::to_string(kForgedFrame) + ": ";
  auto forged_pc = [&](std::uint32_t pc) {
    dust::Machine forged = m;
    forged.threads[0].frames[kForgedFrame].pc = pc;
    return forged;
  };

  const auto fails = with_instruction(m, code, stop, dust::Instr::make(dust::Op::Fail));
  EXPECT_EQ(refusal_over(m, fails), "");
  EXPECT_EQ(refusal_over(forged_pc(stop + 1), fails),
            refused_because(frame + "pc " + std::to_string(stop + 1) + " lies past the end of its expression"));
  EXPECT_EQ(refusal_over(forged_pc(stop), fails),
            refused_because(frame + "suspended at pc " + std::to_string(stop) + ", not at a call"));

  const auto pops = with_instruction(m, code, stop, dust::Instr::make(dust::Op::MakeArray, 1000));
  EXPECT_EQ(refusal_over(m, pops), "");
  EXPECT_EQ(refusal_over(forged_pc(stop + 1), pops),
            refused_because(frame + "pc " + std::to_string(stop + 1) + " is not a point of its expression"));
  EXPECT_EQ(refusal_over(forged_pc(stop), pops),
            refused_because(frame + "suspended at pc " + std::to_string(stop) + ", not at a call"));
}

// The same from a trace: every keyframe of the deep recursion loads, and
// one forged in a frame far down its stack is refused by the reader with
// the frame named and the keyframe's offset.
TEST(SuspendedFramesCheck, ATraceOfDeepRecursionLoadsAndAForgedFrameInItIsRefused) {
  TempDir dir;
  const fs::path good = dir / "deep.dtrace";
  record(chain_recursion_program(true), dust::RunConfig{}, good, small_blocks(64));
  auto reader = open_trace(good);
  ASSERT_TRUE(reader);
  std::string error;
  EXPECT_TRUE(reader->verify(error)) << error;

  TakenApart t = take_apart(good);
  std::string program_text;
  for (const RawChunk& c : t.chunks) {
    if (c.header.type == dust::rec::ChunkType::Program) program_text = decompressed(c);
  }
  const std::shared_ptr<const dust::Program> program = load_program(program_text);
  RawChunk* deep = nullptr;
  dust::Machine forged(program, &intrinsics(), dust::RunConfig{});
  for (RawChunk& c : t.chunks) {
    if (c.header.type != dust::rec::ChunkType::Keyframe) continue;
    ASSERT_TRUE(dust::rec::load_machine(decompressed(c), forged, error)) << error;
    if (!forged.threads.empty() && forged.threads[0].frames.size() > kForgedFrame + 1) {
      deep = &c;
      break;
    }
  }
  ASSERT_NE(deep, nullptr);
  const std::uint64_t step = deep->header.first_step;
  const std::uint32_t call_pc = forged.threads[0].frames[kForgedFrame].pc;
  forged.threads[0].frames[kForgedFrame].pc = call_pc - 1;
  set_keyframe(*deep, dust::rec::save_machine(forged));
  const fs::path crafted = dir / "crafted.dtrace";
  put_together(t, crafted);

  auto crafted_reader = open_trace(crafted);
  ASSERT_TRUE(crafted_reader);
  crafted_reader->state_at(step + 1);
  const std::string& why = crafted_reader->last_error();
  EXPECT_NE(why.find("thread 0 frame " + std::to_string(kForgedFrame) + ": suspended at pc " +
                     std::to_string(call_pc - 1) + ", not at a call"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("at offset"), std::string::npos) << why;
  EXPECT_FALSE(crafted_reader->verify(error));
}
