// machine_archive_test.cpp — a keyframe is the whole machine: a machine
// saved and loaded at any step runs on to exactly the same events and
// outcome as the original, for programs with threads, mutexes, memory, io,
// Q and Φ; so a field of Machine or KState left out of the archive fails
// here.
#include "dust/recorder/machine_archive.hpp"

#include "dust/recorder/state_report.hpp"
#include "dust/trace_json.hpp"
#include "recorder_harness.hpp"

using namespace rec_test;

namespace {

std::vector<std::string> run_on(dust::Machine& m) {
  std::vector<std::string> lines;
  dust::StepEvent e;
  while (!m.done()) {
    m.step(e);
    lines.push_back(dust::rec::describe_step(m.program(), e));
  }
  lines.push_back(dust::outcome_trace_json(m));
  return lines;
}

}  // namespace

TEST(MachineArchive, ResumingFromASavedMachineEndsTheSame) {
  for (const std::string& name : example_names()) {
    SCOPED_TRACE(name);
    std::string text = read_text(example(name));
    for (std::uint64_t seed : {0, 2}) {
      DirectRun run = run_direct(text, seeded(seed), true);
      std::size_t n = run.states.size();
      for (std::size_t k : {std::size_t{0}, n / 3, n / 2, (2 * n) / 3, n - 1}) {
        dust::Machine original = run.states[k];
        dust::Machine loaded(original.program_ptr(), &intrinsics(), original.config);
        std::string error;
        std::string saved = dust::rec::save_machine(original);
        ASSERT_TRUE(dust::rec::load_machine(saved, loaded, error)) << error;
        EXPECT_EQ(dust::rec::save_machine(loaded), saved) << "step " << k;
        EXPECT_EQ(dust::rec::state_json(loaded), dust::rec::state_json(original)) << "step " << k;
        EXPECT_EQ(run_on(loaded), run_on(original)) << "resumed at step " << k;
      }
    }
  }
}

TEST(MachineArchive, GarbageIsAnErrorNotACrash) {
  std::string text = read_text(example("memory_linked_list.dir.json"));
  DirectRun run = run_direct(text, dust::RunConfig{}, true);
  std::string saved = dust::rec::save_machine(run.states[run.states.size() / 2]);
  dust::Machine target(run.states[0].program_ptr(), &intrinsics(), dust::RunConfig{});
  std::string error;
  EXPECT_FALSE(dust::rec::load_machine(saved.substr(0, saved.size() / 2), target, error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(dust::rec::load_machine("", target, error));
}

// A thread's pending lock survives the archive for any thread id, and an
// archive naming a thread id far past any real one loads without the
// table by thread id growing to it (PendingLocks::kTabled).
TEST(MachineArchive, PendingLocksLoadForEveryThreadId) {
  std::string text = read_text(example("memory_linked_list.dir.json"));
  DirectRun run = run_direct(text, dust::RunConfig{}, true);
  dust::Machine original = run.states[0];
  original.k.lock_pending.set(2, 1);
  original.k.lock_pending.set(4'000'000'000u, 3);
  dust::Machine loaded(original.program_ptr(), &intrinsics(), original.config);
  std::string error;
  ASSERT_TRUE(dust::rec::load_machine(dust::rec::save_machine(original), loaded, error)) << error;
  EXPECT_EQ(loaded.k.lock_pending, original.k.lock_pending);
  EXPECT_EQ(loaded.k.lock_pending.mutex_for(2), 1);
  EXPECT_EQ(loaded.k.lock_pending.mutex_for(4'000'000'000u), 3);
  EXPECT_EQ(loaded.k.lock_pending.mutex_for(3), 0);
}
