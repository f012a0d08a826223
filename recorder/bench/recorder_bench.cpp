// recorder_bench.cpp — the recorder's speed and size on a 10,000,000-step
// program (a While loop updating two counters), run on purpose, never by
// ctest:
//
//   build/bin/recorder_bench
//
// Reports the plain run (run_to_end without an observer, which takes the
// machine's simple-step lane) against the recorded run: the recording
// overhead in CPU time of the whole process (every thread the recorder may
// use counts) and in wall time, each the best of fifteen rounds in which the
// runs take turns, so that other load on the machine counts as little as
// possible. For context it also
// times a run observed step by step by a no-op observer and one handing
// batches of simple steps to a no-op observer. Then bytes per step on disk,
// and `state_at` latency for 1,000 random steps (p50, p99) with the
// reader's peak memory, measured in a child process that does nothing but
// read.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "dust/dir_loader.hpp"
#include "dust/machine.hpp"
#include "dust/observer.hpp"
#include "dust/recorder/recorder.hpp"
#include "dust/recorder/trace_reader.hpp"
#include "dustlib_k/dustlib_k.hpp"

namespace {

namespace fs = std::filesystem;

// 3,333,333 iterations of check + two assignments, plus the set-up: 10,000,004 steps.
const std::string kProgram = R"({"forges":[{"name":"bench","shapes":[],"binds":[],"procs":[{"regime":"K",
"name":"main","params":[],"uses":[],"ret":null,"qualifiers":[],"body":[{"Let":{"name":"i","expr":"0"}},
{"Let":{"name":"acc","expr":"0"}},{"While":{"condition":"i Lt 3333333","body":[
{"Assign":{"target":"i","expr":"i Add 1"}},{"Assign":{"target":"acc","expr":"acc Add i Mul 3"}}]}},
{"Effect":{"kind":"emit","payload":"acc"}},{"Return":{"expr":"acc"}}],"locals":[]}]}]})";

// Best CPU (whole process) and wall time over the runs of one benchmark.
struct Timing {
  double cpu = 1e9;
  double wall = 1e9;
};

struct Figures {
  Timing plain, observed, batched, recorded;
  std::uint64_t steps = 0;
  std::uint64_t file_bytes = 0;
} figures;

constexpr int kRuns = 15;

fs::path trace_path() { return fs::temp_directory_path() / "dust_recorder_bench.dtrace"; }

std::shared_ptr<const dust::Program> program() {
  static std::shared_ptr<const dust::Program> p = dust::load_dir_text(kProgram).program;
  return p;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

double cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
double thread_cpu_seconds() { return cpu_seconds(CLOCK_THREAD_CPUTIME_ID); }

// Runs `body` and keeps the best CPU and wall time. CPU time is the whole
// process's, so work moved to another thread is not hidden.
template <class Body>
void timed(Timing& t, Body&& body) {
  double cpu = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  auto wall = std::chrono::steady_clock::now();
  body();
  t.wall = std::min(t.wall, seconds_since(wall));
  t.cpu = std::min(t.cpu, cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu);
}

void plain_run() {
  dust::Machine m(program(), &dust::k::standard_intrinsics(), dust::RunConfig{});
  timed(figures.plain, [&] { dust::run_to_end(m); });
  figures.steps = m.steps;
}

// An observer that does nothing with each step: the machine then builds
// full step events (bindings with old and new values) for every step.
class NullObserver final : public dust::ExecutionObserver {
 public:
  void on_step(const dust::Machine&, const dust::StepEvent& e) override { benchmark::DoNotOptimize(e.index); }
};

void observed_run() {
  dust::Machine m(program(), &dust::k::standard_intrinsics(), dust::RunConfig{});
  NullObserver observer;
  timed(figures.observed, [&] { dust::run_to_end(m, &observer); });
}

// An observer that takes simple steps in batches (as the recorder does)
// and does nothing with them: the cost of the lane handing steps out.
class NullBatchObserver final : public dust::ExecutionObserver {
 public:
  NullBatchObserver() : storage_(2048) {
    batch_.steps = storage_.data();
    batch_.capacity = static_cast<std::uint32_t>(storage_.size());
  }
  void on_step(const dust::Machine&, const dust::StepEvent& e) override { benchmark::DoNotOptimize(e.index); }
  dust::SimpleStepBatch* simple_steps() override { return &batch_; }
  void on_simple_steps(const dust::Machine&, const dust::SimpleStepBatch& b) override {
    benchmark::DoNotOptimize(b.steps[b.size - 1]);
  }

 private:
  std::vector<dust::SimpleStep> storage_;
  dust::SimpleStepBatch batch_;
};

void batch_observed_run() {
  dust::Machine m(program(), &dust::k::standard_intrinsics(), dust::RunConfig{});
  NullBatchObserver observer;
  timed(figures.batched, [&] { dust::run_to_end(m, &observer); });
}

// The recorder is made and destroyed inside the timed part: everything it
// does for the trace, to the last byte on disk, counts.
bool recorded_run(std::string& error) {
  dust::Machine m(program(), &dust::k::standard_intrinsics(), dust::RunConfig{});
  bool ok = true;
  timed(figures.recorded, [&] {
    dust::rec::Recorder recorder(trace_path().string(), kProgram, "bench.dir.json");
    dust::run_to_end(m, &recorder);
    figures.file_bytes = recorder.stats().file_bytes;
    ok = recorder.ok();
    error = recorder.error();
  });
  return ok;
}

// The four runs take turns, round after round, and each keeps its best
// time: load from elsewhere on a shared machine comes and goes, and runs
// measured minutes apart would compare different loads.
void BM_RecordingOverhead(benchmark::State& state) {
  for (auto _ : state) {
    plain_run();
    batch_observed_run();
    std::string error;
    if (!recorded_run(error)) state.SkipWithError(error.c_str());
    observed_run();
  }
  state.counters["steps"] = static_cast<double>(figures.steps);
  state.counters["bytes_per_step"] = static_cast<double>(figures.file_bytes) / static_cast<double>(figures.steps);
}
BENCHMARK(BM_RecordingOverhead)->Unit(benchmark::kMillisecond)->Iterations(kRuns);

// Seeks in a child process, so its peak RSS is the reader's alone. Wall
// time is what a user waits; CPU time is the same work without the waits
// of a loaded machine.
void seek_figures(double (&figures_out)[5], double& peak_mib) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    close(pipe_fds[0]);
    std::string error;
    auto reader = dust::rec::TraceReader::open(trace_path().string(), dust::k::standard_intrinsics(), error);
    double out[5] = {0, 0, 0, 0, 0};
    if (reader) {
      std::mt19937_64 rng(12345);
      std::vector<double> ms, cpu_ms;
      for (int i = 0; i < 1000; ++i) {
        std::uint64_t target = rng() % (reader->info().steps + 1);
        auto start = std::chrono::steady_clock::now();
        double cpu_start = thread_cpu_seconds();
        dust::Machine m = reader->state_at(target);
        cpu_ms.push_back((thread_cpu_seconds() - cpu_start) * 1000.0);
        ms.push_back(seconds_since(start) * 1000.0);
        if (m.steps != target) _exit(3);
      }
      std::sort(ms.begin(), ms.end());
      std::sort(cpu_ms.begin(), cpu_ms.end());
      out[0] = ms[500];
      out[1] = ms[990];
      out[2] = ms.back();
      out[3] = cpu_ms[500];
      out[4] = cpu_ms[990];
    }
    ssize_t ignored = write(pipe_fds[1], out, sizeof out);
    (void)ignored;
    _exit(reader ? 0 : 2);
  }
  close(pipe_fds[1]);
  double in[5] = {0, 0, 0, 0, 0};
  ssize_t got = read(pipe_fds[0], in, sizeof in);
  close(pipe_fds[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (got == sizeof in) std::copy(std::begin(in), std::end(in), std::begin(figures_out));
  peak_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void BM_StateAtRandom(benchmark::State& state) {
  double f[5] = {0, 0, 0, 0, 0};
  double peak = 0;
  for (auto _ : state) seek_figures(f, peak);
  state.counters["p50_ms"] = f[0];
  state.counters["p99_ms"] = f[1];
  state.counters["max_ms"] = f[2];
  state.counters["reader_peak_MiB"] = peak;
  std::printf("state_at, 1000 random steps: wall p50 %.3f ms, p99 %.3f ms, max %.3f ms; CPU p50 %.3f ms, "
              "p99 %.3f ms; reader peak RSS %.1f MiB\n",
              f[0], f[1], f[2], f[3], f[4], peak);
}
BENCHMARK(BM_StateAtRandom)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (figures.steps > 0 && figures.recorded.cpu < 1e9) {
    const Figures& f = figures;
    std::printf("\n%llu steps, best of %d interleaved rounds (CPU time of the whole process / wall time):\n"
                "  plain run (no observer)           %.3f s / %.3f s\n"
                "  observed step by step (no-op)     %.3f s / %.3f s\n"
                "  observed in batches (no-op)       %.3f s / %.3f s\n"
                "  recorded                          %.3f s / %.3f s\n"
                "recording overhead over the plain run: %.2fx CPU, %.2fx wall\n"
                "trace %llu bytes, %.3f bytes/step\n",
                static_cast<unsigned long long>(f.steps), kRuns, f.plain.cpu, f.plain.wall, f.observed.cpu,
                f.observed.wall, f.batched.cpu, f.batched.wall, f.recorded.cpu, f.recorded.wall,
                f.recorded.cpu / f.plain.cpu, f.recorded.wall / f.plain.wall,
                static_cast<unsigned long long>(f.file_bytes),
                static_cast<double>(f.file_bytes) / static_cast<double>(f.steps));
  }
  std::error_code ignored;
  fs::remove(trace_path(), ignored);
  return 0;
}
