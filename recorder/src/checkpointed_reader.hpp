// checkpointed_reader.hpp — the TraceReader of a checkpoint trace (format
// 4, checkpoint_recorder.hpp).
//
// Opening reads the file's few chunks: the configuration, the program, the
// checkpoints and how the run finished, which is all info() gives. The
// steps are re-derived once, when a query first needs them: the run is
// re-executed from its start with a Recorder writing the steps trace
// (format 3) into memory, and every checkpoint is compared on the way; a
// ReaderImpl over that answers every query from then on. replay() and
// verify_and_replay() re-execute without deriving anything: they compare
// the checkpoints only, so they cost about what the run did.
//
// A re-execution that reaches a checkpoint in another state diverges: the
// steps are then derived again up to the checkpoint before, the last the
// run is known to have passed as recorded (the trace reads as cut short
// there, with the reason), and replay() reports the divergence. That is
// what a trace recorded by a dustrun whose semantics differ gives, and a
// forged one.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dust/recorder/trace_reader.hpp"
#include "trace_chunks.hpp"
#include "trace_io.hpp"

namespace dust::rec {

class ReaderImpl;
struct SharedSteps;

// The configuration and program at the start of every trace, as read and
// checked by both readers; `end` is the offset after them.
struct ProgramChunks {
  ConfigChunk config;
  std::string text;
  std::shared_ptr<const Program> program;
  std::uint64_t end = 0;
};
// `known`, when given, holds a program this process already loaded from a
// trace: if the file's program text is the same, that program is taken
// instead of loading it again.
bool read_program_chunks(const TraceFile& file, std::uint32_t version, const std::string& path, ProgramChunks& out,
                         std::string& error, const ProgramChunks* known = nullptr);

// The most bytes the re-derived steps of one trace may take in memory.
inline constexpr std::uint64_t kMaxRederivedBytes = 2ull << 30;

class CheckpointedReader final : public TraceReader {
 public:
  CheckpointedReader(std::string path, const IntrinsicTable& intrinsics);
  ~CheckpointedReader() override;
  // Reads the trace in `file`, opened at path(), whose `header` the caller
  // has read.
  bool open(TraceFile file, const FileHeader& header, std::string& error);

  const TraceInfo& info() const override { return info_; }
  std::shared_ptr<const Program> program() const override { return program_; }
  Machine state_at(std::uint64_t step) override;
  std::vector<StepEvent> events(std::uint64_t first, std::uint64_t last) override;
  std::uint64_t tick_at(std::uint64_t step) override;
  std::vector<ThreadSegment> thread_lane(std::uint32_t thread, std::uint64_t first, std::uint64_t last,
                                         std::uint64_t min_width) override;
  std::vector<MutexSegment> mutex_lane(std::int64_t mutex, std::uint64_t first, std::uint64_t last,
                                       std::uint64_t min_width) override;
  std::vector<std::int64_t> mutexes() override;
  std::vector<QLifetime> q_lifetimes() override;
  std::vector<MemoryLifetime> memory_lifetimes() override;
  std::vector<PhiMark> phi_marks() override;
  std::vector<EffectMark> effect_marks(std::uint64_t first, std::uint64_t last) override;
  std::optional<FailureMark> failure() override;
  LastWrite last_write(const std::string& name, std::uint64_t before, FrameSelector frame) override;
  Origin origin(const std::string& name, std::uint64_t at, FrameSelector frame, OriginLimits limits) override;
  MemoryHistory memory_accesses(std::int64_t address, std::int64_t end, std::uint64_t from,
                                std::uint64_t to) override;
  RaceReport data_races() override;
  const std::string& last_error() const override;
  bool verify(std::string& error) override;
  Machine replay(std::optional<Divergence>& divergence, ExecutionObserver* observer) override;
  std::optional<Machine> verify_and_replay(std::optional<Divergence>& divergence, std::string& error) override;
  const RunConfig& replay_config() const override { return chunks_.config.config; }
  std::uint64_t steps_to_prepare() const override { return derived_ ? 0 : info_.steps; }
  bool prepare(const PrepareProgress& progress) override;

 private:
  std::string no_steps() const;
  std::string where(const std::string& what, std::uint64_t offset) const;
  // Opens path() and reads it whole, as verify() does to read the file
  // again, taking `known`'s program if the file still holds its text.
  bool reopen(const ProgramChunks& known, std::string& error);
  bool open_body(const FileHeader& header, const ProgramChunks* known, std::string& error);
  bool scan_chunks(std::string& error);
  // The reader of the re-derived steps, derived on the first call; null
  // (and last_error) if they could not be.
  TraceReader* steps();
  // Derives the steps unless that was done; false if `progress` stopped
  // it, with nothing kept.
  bool derive_once(const PrepareProgress* progress);
  bool derive(const PrepareProgress* progress);
  // Re-executes `machine` from its start through the first `checkpoints`
  // checkpoints and, when that is all of them, to the recorded end,
  // handing each step to `observer` if there is one; matched_ counts the
  // checkpoints it reached as recorded. False where it stopped before the
  // end: a divergence (then `divergence` says where), `stop` said so
  // between slices of steps, or it was asked to.
  bool reexecute(Machine& machine, ExecutionObserver* observer, std::optional<Divergence>& divergence,
                 const std::function<bool()>& stop, std::size_t checkpoints);
  // One re-execution through `checkpoints` checkpoints into a steps trace
  // in memory: its descriptor (-1 if none could be made) and whether it
  // reached the recorded end, or that `progress` stopped it (then there
  // is no descriptor).
  struct Derivation {
    int fd = -1;
    bool whole = false;
    bool stopped = false;
  };
  Derivation derive_steps(std::size_t checkpoints, std::optional<Divergence>& divergence,
                          const PrepareProgress* progress);
  Machine fresh_machine() const;

  std::string path_;
  const IntrinsicTable& intrinsics_;
  TraceFile file_;
  ProgramChunks chunks_;
  std::shared_ptr<const Program> program_;
  std::vector<CheckpointChunk> checkpoints_;
  std::optional<FinishChunk> finish_;
  TraceInfo info_;
  bool derived_ = false;
  std::shared_ptr<SharedSteps> shared_;  // the re-derived steps, held while this reader lives
  std::unique_ptr<ReaderImpl> steps_;
  std::string problem_;  // why the steps end early or are missing
  std::size_t matched_ = 0;
};

}  // namespace dust::rec
