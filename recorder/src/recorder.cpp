// recorder.cpp — the ExecutionObserver that writes traces (see recorder.hpp).
#include "dust/recorder/recorder.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "block_summary.hpp"
#include "dust/recorder/machine_archive.hpp"
#include "step_codec.hpp"
#include "trace_chunks.hpp"
#include "trace_io.hpp"
#include "trace_output.hpp"

namespace dust::rec {

namespace {

constexpr const char* kWriter = "dustrun recorder 1";
constexpr std::uint64_t kProgressEvery = 1ull << 22;
constexpr std::uint64_t kKeyframeDeltaBytes = 4u << 20;
// Simple steps handed over at a time: enough that the hand-over costs
// nothing per step, few enough that the batch stays in the L2 cache.
constexpr std::uint32_t kBatchSteps = 2048;
// Replay work of a step (see Impl::step_work).
constexpr std::uint64_t kStepWork = 4;
constexpr std::uint64_t kLaneStepWork = 1;
// More than any simple step can take in the deltas, plain (12 bytes) or
// not (a thread switch, a statement jump, explicit proc and depth and an
// absolute Int: under 40). A batch never holds more steps than fit in what
// is left of the block's byte budget at this rate, so a block never
// overruns that budget inside a batch.
constexpr std::size_t kMaxSimpleStepBytes = 64;

}  // namespace

struct Recorder::Impl {
  explicit Impl(std::string trace_path) : out(std::move(trace_path)) {}

  TraceOutput out;
  std::string program_text;
  std::string program_path;
  RecorderOptions options;
  RecorderStats stats;
  bool started = false;
  bool recording = false;  // started and not failed

  int memory_fd = -1;  // in_memory: a second descriptor of the trace, until taken
  std::unique_ptr<StepEncoder> encoder;
  std::unique_ptr<SummaryBuilder> summary;
  ByteBuffer deltas;
  ByteBuffer payload;  // the block chunk being written
  IndexChunk index;
  std::uint64_t block_first_step = 0;
  std::uint32_t block_steps = 0;  // steps in the block being built
  std::uint64_t block_work = 0;   // and their replay work (see step_work)
  std::uint64_t work_since_keyframe = 0;
  std::uint64_t next_progress = kProgressEvery;
  std::uint64_t keyframe_interval = 0;
  std::uint64_t delta_bytes_since_keyframe = 0;
  std::vector<SimpleStep> batch_storage = std::vector<SimpleStep>(kBatchSteps);
  SimpleStepBatch batch;
  StepEvent expanded;  // a simple step that is not plain, as a StepEvent for the general path

  // A failure stops the recording as well as the writing.
  bool fail(const std::string& what) {
    recording = false;
    return out.fail(what);
  }

  bool write(ChunkType type, Codec codec, std::uint32_t raw, std::uint64_t first_step, std::uint32_t steps,
             std::string_view payload, std::uint64_t* offset = nullptr) {
    if (out.write(type, codec, raw, first_step, steps, payload, offset)) return true;
    recording = false;
    return false;
  }

  void write_keyframe(const Machine& machine) {
    std::string state = save_machine(machine);
    std::string stored = out.lz4().compress(state);
    KeyframeEntry entry;
    entry.step = machine.steps;
    entry.stored_bytes = stored.size();
    entry.raw_bytes = state.size();
    if (!write(ChunkType::Keyframe, Codec::Lz4, static_cast<std::uint32_t>(state.size()), machine.steps, 0, stored,
               &entry.offset)) {
      return;
    }
    index.keyframes.push_back(entry);
    ++stats.keyframes;
    work_since_keyframe = 0;
    delta_bytes_since_keyframe = 0;
    keyframe_interval = options.keyframe_steps;
    if (options.keyframe_bytes_per_step > 0) {
      auto spread = static_cast<std::uint64_t>(static_cast<double>(stored.size()) / options.keyframe_bytes_per_step);
      keyframe_interval = std::max(keyframe_interval, spread);
    }
  }

  void begin_block(const Machine& machine) { begin_block_at(machine, machine.steps, machine.tick); }

  // A block starting at `first_step` (tick `tick`), with `machine` as then
  // or, inside a batch of simple steps, as after the batch: the encoder and
  // the summary read only thread and mutex states from it, which simple
  // steps do not change.
  void begin_block_at(const Machine& machine, std::uint64_t first_step, std::uint64_t tick) {
    block_first_step = first_step;
    block_steps = 0;
    block_work = 0;
    deltas.clear();
    encoder->begin_block(machine);
    summary->begin(machine, first_step, tick);
  }

  // Closes the block whose last step was just encoded and starts the next
  // one at `next_step`. `exact` says `machine` is as at `next_step`; it is
  // not when the block ends inside a batch, and then no keyframe can be
  // taken there: it waits for the next block that starts at a batch end.
  void end_block(const Machine& machine, std::uint64_t next_step, std::uint64_t tick, bool exact) {
    stats.steps += block_steps;
    block_steps = 0;
    work_since_keyframe += block_work;
    flush_block();
    if (exact) {
      // A new (empty) block even at the end, so that on_finish has nothing
      // left to flush: the block just written must not be written twice.
      if (!machine.done() && keyframe_due()) write_keyframe(machine);
      begin_block(machine);
    } else {
      begin_block_at(machine, next_step, tick);
    }
    if (options.progress && stats.steps >= next_progress) {
      report_progress(false);
      next_progress += kProgressEvery;
    }
  }

  // Sizes the batch for what is left of the current block (see
  // kMaxSimpleStepBytes), so that a block closes at a batch end. Called
  // whenever the batch is empty: the machine only appends to it.
  void size_batch() {
    batch.capacity = static_cast<std::uint32_t>(recording ? std::min<std::uint64_t>(kBatchSteps, block_room()) : kBatchSteps);
  }

  // How many simple steps can be encoded before the last of them may
  // close the block (at least one).
  std::uint64_t block_room() const {
    std::uint64_t steps_left = work_limit() > block_work ? (work_limit() - block_work) / kStepWork : 0;
    std::size_t bytes_left = options.block_bytes > deltas.size() ? options.block_bytes - deltas.size() : 0;
    return std::max<std::uint64_t>(1, std::min<std::uint64_t>(steps_left, bytes_left / kMaxSimpleStepBytes));
  }

  bool block_full() const {
    return block_work >= work_limit() || deltas.size() >= options.block_bytes;
  }

  // A block's replay work: `block_steps` steps through step().
  std::uint64_t work_limit() const { return std::uint64_t{options.block_steps} * kStepWork; }

  // What re-executing a step costs a seek, in quarters of a step: a plain
  // step of the only thread is re-executed by the machine's simple-step
  // lane, about four times faster than step() runs any other. Blocks and
  // keyframes are spaced by this work, so that runs on the lane get
  // longer blocks (fewer chunks to write) and every seek still replays
  // about the same time's worth of steps. It depends only on the steps, so
  // recording in batches or step by step closes blocks at the same steps.
  static std::uint64_t step_work(bool plain, const Machine& machine) {
    return plain && machine.threads.size() == 1 ? kLaneStepWork : kStepWork;
  }

  // Tells the block summary what an encoded step was and counts it in
  // the block.
  void count_step(const Machine& machine, const StepEvent& event, bool plain) {
    if (plain) [[likely]] {
      summary->add_plain();
    } else {
      summary->add(event, encoder->thread_changes(), encoder->mutex_changes(), encoder->new_keys());
    }
    ++block_steps;
    block_work += step_work(plain, machine);
  }

  // Encodes a batch of simple steps exactly as on_step would encode them
  // one by one, closing blocks where on_step would.
  void take_batch(const Machine& machine, const SimpleStepBatch& b) {
    std::uint32_t i = 0;
    while (i < b.size && recording) {
      auto end = static_cast<std::uint32_t>(std::min<std::uint64_t>(b.size, i + block_room()));
      encoder->encode_batch(
          machine, b, i, end, deltas, expanded,
          [&](std::uint32_t plain) {
            summary->add_plain(plain);
            block_steps += plain;
            block_work += std::uint64_t{plain} * step_work(true, machine);
          },
          [&](const StepEvent& event, bool plain) { count_step(machine, event, plain); });
      i = end;
      if (block_full()) {
        end_block(machine, b.first_index + i, b.first_tick + i, i == b.size);
      }
    }
  }

  void flush_block() {
    if (summary->steps() == 0 || out.failed()) return;
    BlockSummary s = summary->finish(deltas.size());
    payload.clear();
    encode_block_payload(s, deltas.view(), out.lz4(), payload);
    BlockEntry entry;
    entry.stored_bytes = payload.size();
    auto steps = static_cast<std::uint32_t>(s.step_count);
    if (!write(ChunkType::Block, Codec::Lz4, static_cast<std::uint32_t>(deltas.size()), s.first_step, steps,
               payload.view(), &entry.offset)) {
      return;
    }
    entry.summary = std::move(s);
    index.blocks.push_back(std::move(entry));
    ++stats.blocks;
    stats.raw_delta_bytes += deltas.size();
    delta_bytes_since_keyframe += deltas.size();
  }

  bool keyframe_due() const {
    return work_since_keyframe >= keyframe_interval * kStepWork ||
           delta_bytes_since_keyframe >= kKeyframeDeltaBytes;
  }

  void report_progress(bool last) {
    std::fprintf(stderr, "\rrecording: %llu steps, %.1f MiB written%s",
                 static_cast<unsigned long long>(stats.steps),
                 static_cast<double>(out.bytes()) / (1024.0 * 1024.0), last ? "\n" : "");
    std::fflush(stderr);
  }
};

Recorder::Recorder(std::string trace_path, std::string program_text, std::string program_path,
                   RecorderOptions options)
    : impl_(std::make_unique<Impl>(std::move(trace_path))) {
  impl_->program_text = std::move(program_text);
  impl_->program_path = std::move(program_path);
  // A block holds at most kStepWork (4) steps of work per block step.
  options.block_steps =
      std::clamp<std::uint32_t>(options.block_steps, 1, kMaxBlockSteps / static_cast<std::uint32_t>(kStepWork));
  if (options.keyframe_steps == 0) options.keyframe_steps = 1;
  impl_->options = options;
  impl_->batch.steps = impl_->batch_storage.data();
  // The lane hands over its call steps, blocks and thread switches too,
  // each through on_step exactly as step() would give it.
  impl_->batch.observer = this;
  impl_->size_batch();
}

Recorder::~Recorder() {
  if (impl_->memory_fd >= 0) ::close(impl_->memory_fd);
}

int Recorder::take_memory_fd() { return std::exchange(impl_->memory_fd, -1); }

bool Recorder::ok() const { return !impl_->out.failed(); }
const std::string& Recorder::error() const { return impl_->out.error(); }
const RecorderStats& Recorder::stats() const {
  impl_->stats.file_bytes = impl_->out.bytes();
  return impl_->stats;
}

void Recorder::on_start(const Machine& machine) {
  Impl& r = *impl_;
  r.started = true;
  std::string what;
  TraceWriter& writer = r.out.writer();
  if (!(r.options.in_memory ? writer.open_memory(r.out.path(), what) : writer.open(r.out.path(), what))) {
    r.fail(what);
    return;
  }
  if (r.options.in_memory && (r.memory_fd = writer.duplicate_fd()) < 0) {
    r.fail(std::string("cannot keep the in-memory trace: ") + std::strerror(errno));
    return;
  }
  ConfigChunk config;
  config.config = machine.config;
  config.program_path = r.program_path;
  config.block_steps = r.options.block_steps;
  config.keyframe_steps = r.options.keyframe_steps;
  config.writer = kWriter;
  r.out.write_start(config, kStepsFormatVersion, r.program_text);
  r.encoder = std::make_unique<StepEncoder>(machine.program(), CodecContext::of(machine.config));
  r.summary = std::make_unique<SummaryBuilder>();
  r.write_keyframe(machine);
  r.begin_block(machine);
  r.recording = !r.out.failed();
  r.size_batch();
}

void Recorder::on_step(const Machine& machine, const StepEvent& event) {
  Impl& r = *impl_;
  if (!r.recording) return;
  r.count_step(machine, event, r.encoder->encode(machine, event, r.deltas));
  if (r.block_full()) [[unlikely]] {
    r.end_block(machine, machine.steps, machine.tick, true);
  }
  r.size_batch();
}

SimpleStepBatch* Recorder::simple_steps() { return &impl_->batch; }

void Recorder::on_simple_steps(const Machine& machine, const SimpleStepBatch& batch) {
  Impl& r = *impl_;
  if (r.recording) r.take_batch(machine, batch);
  // The next batch must end where the block does; the machine empties the
  // batch before it refills it (observer.hpp).
  r.size_batch();
}

void Recorder::cut() {
  Impl& r = *impl_;
  if (!r.recording) return;
  r.stats.steps += r.block_steps;
  r.block_steps = 0;
  r.flush_block();
  r.recording = false;
  r.out.writer().close();
}

void Recorder::on_finish(const Machine& machine) {
  Impl& r = *impl_;
  if (r.out.failed() || !r.started) return;
  r.stats.steps += r.block_steps;
  r.block_steps = 0;
  r.flush_block();
  std::string finish_bytes = encode_finish(finish_of(machine));
  r.write(ChunkType::Finish, Codec::Raw, static_cast<std::uint32_t>(finish_bytes.size()), machine.steps, 0,
          finish_bytes, &r.index.finish_offset);
  std::string index_raw = encode_index(r.index);
  std::string index_stored = r.out.lz4().compress(index_raw);
  std::uint64_t index_offset = 0;
  if (!r.write(ChunkType::Index, Codec::Lz4, static_cast<std::uint32_t>(index_raw.size()), 0, 0, index_stored,
               &index_offset)) {
    return;
  }
  std::string what;
  if (!r.out.writer().write_footer(index_offset, static_cast<std::uint32_t>(kChunkHeaderSize + index_stored.size()),
                                   what)) {
    r.fail(what);
    return;
  }
  r.out.writer().close();
  if (r.options.progress) r.report_progress(true);
}

}  // namespace dust::rec
