// reader_impl.hpp — the TraceReader behind the interface: the open file,
// its index, caches of decoded blocks and keyframes, and the re-execution
// cursor. Split over trace_reader.cpp (opening, blocks, seeking, replay),
// trace_queries.cpp (lifetimes and marks), binding_history.cpp (frame-exact
// last writes), origin_graph.cpp (where a value came from),
// memory_history.cpp (memory accesses and data races) and
// thread_lanes.cpp (timeline lanes).
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dust/recorder/trace_reader.hpp"
#include "step_codec.hpp"
#include "trace_chunks.hpp"
#include "trace_io.hpp"

namespace dust::rec {

struct DecodedBlock {
  std::vector<DecodedStep> steps;
};

class ReaderImpl final : public TraceReader {
 public:
  ReaderImpl(std::string path, const IntrinsicTable& intrinsics) : path_(std::move(path)), intrinsics_(intrinsics) {}
  // Reads the trace in `file`, opened at path(), whose `header` the caller
  // has read.
  bool open(TraceFile file, const FileHeader& header, std::string& error);
  // Opens the steps trace in the open file `fd` (owned from now on), with
  // path() still naming the trace it was re-derived from.
  bool open_fd(int fd, std::string& error);

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
  const std::string& last_error() const override { return last_error_; }
  bool verify(std::string& error) override;
  Machine replay(std::optional<Divergence>& divergence, ExecutionObserver* observer) override;
  std::optional<Machine> verify_and_replay(std::optional<Divergence>& divergence, std::string& error) override;
  const RunConfig& replay_config() const override { return replay_config_; }
  // How this trace's steps are encoded: its version's rules, its run's scheduling.
  CodecContext codec_context() const { return CodecContext::of(config_.config, info_.format_version); }

  // ---- for the query and lane code ----
  const std::vector<BlockEntry>& blocks() const { return blocks_; }
  // The block holding `step`, or blocks().size() if none does.
  std::size_t block_at(std::uint64_t step) const;
  // The decoded steps of block `b`; null (and last_error) if it is unreadable.
  std::shared_ptr<const DecodedBlock> decoded(std::size_t b);
  // Decodes block `b` with decoded()'s checks into `every` (one per step)
  // or, when it is null, step by step over `last`, which ends as the
  // block's last step. False (and last_error) if it is unreadable.
  bool decode_steps(std::size_t b, std::vector<DecodedStep>* every, DecodedStep* last);
  // The decoded step `step`, or null.
  const DecodedStep* decoded_step(std::uint64_t step, std::shared_ptr<const DecodedBlock>& holder);

  // ---- the frame-exact queries' parts (binding_history.cpp) ----

  // One frame of one thread over its lifetime: `proc` is what it runs.
  struct FrameRef {
    std::uint32_t thread = 0;
    std::uint32_t depth = 0;
    std::uint32_t proc = 0;
  };
  // Where a binding or memory cell got its value: the step (null: no
  // write found), who ran it, and that step's event. `readable` is false
  // when a block on the way could not be read (last_error says which).
  struct FoundWrite {
    std::optional<std::uint64_t> step;
    WriteKind kind = WriteKind::Statement;
    std::uint32_t writer_thread = 0;
    std::uint32_t writer_frame = 0;
    std::uint32_t writer_proc = 0;
    StepEvent event;
    bool readable = true;
    // The write is step `e`, run by its thread in frame `frame`.
    void written_by(StepEvent e, std::uint32_t frame) {
      step = e.index;
      writer_thread = e.thread;
      writer_frame = frame;
      writer_proc = e.proc;
      event = std::move(e);
    }
  };
  // The frame `selector` names at step `at`; false with `error` if none.
  bool resolve_frame(std::uint64_t at, FrameSelector selector, FrameRef& out, std::string& error);
  // The last write of `slot` in `frame` before step `before`, stopping at
  // the call or spawn that created the frame (which binds its parameters).
  FoundWrite find_binding_write(const FrameRef& frame, std::uint32_t slot, std::uint64_t before);
  // The last write of `name` by any frame of `thread` (FrameSelector::every_frame).
  FoundWrite find_watched_write(const std::string& name, std::uint32_t thread, std::uint64_t before);
  // The last store covering byte `address` before step `before`, by any thread.
  FoundWrite find_store(std::int64_t address, std::uint64_t before);
  // The Return steps of the calls that statement step `event` made from
  // frame depth `depth` of its thread (the callees' frames are depth + 1).
  std::vector<StepEvent> callee_returns(const StepEvent& event, std::uint32_t depth, bool& readable);
  // The step at which thread `thread` returned from its entry proc, if before `before`.
  std::optional<StepEvent> thread_exit(std::uint32_t thread, std::uint64_t before, bool& readable);
  // Visits block `b`'s steps before step `before` in order. A block in the
  // decoded cache is read from it; any other is decoded step by step into
  // one reused event, never whole, so a search through a block of tens of
  // thousands of steps allocates nothing per step. False if unreadable.
  bool for_each_step(std::size_t b, std::uint64_t before, const std::function<void(const StepEvent&)>& visit);
  // Runs memory_history.cpp's race scan over the steps before `to`; why it
  // stopped early, or empty.
  template <class Scan>
  std::string scan_blocks(Scan& scan, std::uint64_t to);
  // The newest step before `before`, in the blocks `relevant` admits, that
  // `match` accepts, copied into `found`. False if a block was unreadable.
  template <class Relevant, class Match>
  bool find_back(std::uint64_t before, Relevant&& relevant, Match&& match, std::optional<StepEvent>& found) {
    found.reset();
    before = std::min(before, info_.steps);
    if (before == 0) return true;
    StepEvent best;
    bool matched = false;
    for (std::size_t b = block_at(before - 1) + 1; b-- > 0;) {
      if (b >= blocks_.size() || !relevant(blocks_[b].summary)) continue;
      bool ok = for_each_step(b, before, [&](const StepEvent& e) {
        if (!match(e)) return;
        best = e;
        matched = true;
      });
      if (!ok) return false;
      if (matched) {
        found = std::move(best);
        return true;
      }
    }
    return true;
  }

 private:
  struct Cursor {
    std::optional<Machine> machine;
    std::uint64_t step = 0;
    std::size_t block = 0;
    std::size_t pos = 0;
    std::shared_ptr<const std::string> raw;  // deltas of `block`, once entered
    bool diverged = false;
  };

  std::string where(const std::string& what, std::uint64_t offset) const;
  bool open_body(const FileHeader& header, std::string& error);
  // Whether this reader reads a trace with `header`'s versions.
  bool accept_header(const FileHeader& header, std::string& error);
  bool read_footer_index(std::uint64_t body, bool& found, std::string& error);
  bool scan_chunks(std::uint64_t body, std::string& error);
  bool check_structure(std::string& error);
  bool collect_inputs(std::string& error);
  void fill_info();
  std::shared_ptr<const std::string> block_deltas(std::size_t b);
  bool load_keyframe(std::size_t k, Machine& out);
  bool seek(std::uint64_t step);
  // Runs the cursor forward to `target`, checking each step against the
  // recording; `on_event` sees each event. Stops early on a divergence when
  // `stop_on_divergence`.
  template <class OnEvent>
  void advance(std::uint64_t target, bool stop_on_divergence, OnEvent&& on_event);
  // What advance is given when nobody looks at the events (a seek): it may
  // then run simple steps on the machine's lane (advance_simple).
  struct NoEvents {
    void operator()(const StepEvent&) const {}
  };
  // Runs the simple steps that come next, up to `target` and the end of the
  // cursor's block, with Machine::run_simple, and checks their bytes
  // against the recording at once; false if the next step is not simple.
  bool advance_simple(std::uint64_t target);
  // What advance_simple's lane hands over: a step that is not simple (a
  // call, a block, a thread switch) and a batch of simple ones, each
  // encoded and compared with the recording where the cursor is.
  class LaneCheck;
  void check_step(const Machine& machine, const StepEvent& event);
  void check_batch(const Machine& machine, const SimpleStepBatch& batch);
  void note_divergence(std::uint64_t step, const StepEvent& replayed, bool plain);
  // An allocation the host refused while `doing` (a query re-executing a
  // run that needs more memory than there is): a last_error, not an abort.
  void out_of_memory(const std::string& doing);
  // verify() and replay() themselves, which those wrap in that.
  // `every_block`: decode every block's steps; else only the last block's
  // (for the finish record), the others being left to the replay of
  // verify_and_replay.
  bool verify_chunks(std::string& error, bool every_block = true);
  // While verify_and_replay replays: whether each block the replay enters
  // and leaves agrees with the replayed run in what decoding it depends on
  // and verify checks (its ticks, its scheduler state and thread count,
  // all its bytes taken); summary_doubt_ is set where one does not.
  void check_block_start(const Machine& machine, std::size_t b);
  void check_block_end(const Machine& machine);
  bool check_summaries_ = false;
  bool summary_doubt_ = false;
  Machine replay_checked(std::optional<Divergence>& divergence, ExecutionObserver* observer);

  std::string path_;
  const IntrinsicTable& intrinsics_;
  TraceFile file_;
  TraceInfo info_;
  ConfigChunk config_;
  std::optional<FinishChunk> finish_;
  std::shared_ptr<const Program> program_;
  RunConfig replay_config_;
  std::vector<BlockEntry> blocks_;
  std::vector<KeyframeEntry> keyframes_;
  std::uint64_t index_offset_ = 0;  // where the chunks end (the index, or the end of the file)
  std::string incomplete_reason_;
  std::string last_error_;
  std::optional<Divergence> divergence_;

  std::deque<std::pair<std::size_t, std::shared_ptr<const std::string>>> delta_cache_;
  std::deque<std::pair<std::size_t, std::shared_ptr<const DecodedBlock>>> decoded_cache_;
  std::unique_ptr<StepEncoder> encoder_;
  Cursor cursor_;
  // advance_simple's batch of simple steps, their bytes, and one of them as
  // a StepEvent when it is not plain.
  std::vector<SimpleStep> lane_steps_ = std::vector<SimpleStep>(4096);
  SimpleStepBatch lane_batch_;
  ByteBuffer lane_bytes_;
  StepEvent lane_event_;

  // Computed once, on first use.
  std::optional<std::vector<QLifetime>> q_lifetimes_;
  std::optional<std::vector<MemoryLifetime>> memory_lifetimes_;
  std::optional<std::vector<PhiMark>> phi_marks_;
  std::optional<RaceReport> data_races_;  // a check that ran to the run's end

 public:
  const std::string& incomplete_reason() const { return incomplete_reason_; }
};

}  // namespace dust::rec
