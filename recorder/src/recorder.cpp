// recorder.cpp — the ExecutionObserver that writes traces (see recorder.hpp).
#include "dust/recorder/recorder.hpp"

#include <cstdio>

#include "block_summary.hpp"
#include "dust/recorder/machine_archive.hpp"
#include "step_codec.hpp"
#include "trace_chunks.hpp"
#include "trace_io.hpp"

namespace dust::rec {

namespace {

constexpr const char* kWriter = "dustrun recorder 1";
constexpr std::uint64_t kProgressEvery = 1ull << 22;
constexpr std::uint64_t kKeyframeDeltaBytes = 4u << 20;

}  // namespace

struct Recorder::Impl {
  std::string trace_path;
  std::string program_text;
  std::string program_path;
  RecorderOptions options;
  RecorderStats stats;
  std::string error;
  bool started = false;
  bool failed = false;
  bool recording = false;  // started and not failed

  TraceWriter writer;
  std::unique_ptr<StepEncoder> encoder;
  std::unique_ptr<SummaryBuilder> summary;
  ByteBuffer deltas;
  IndexChunk index;
  std::uint64_t block_first_step = 0;
  std::uint32_t block_steps = 0;  // steps in the block being built
  std::uint64_t next_progress = kProgressEvery;
  std::uint64_t last_keyframe_step = 0;
  std::uint64_t keyframe_interval = 0;
  std::uint64_t delta_bytes_since_keyframe = 0;

  bool fail(const std::string& what) {
    if (!failed) error = trace_path + ": " + what;
    failed = true;
    recording = false;
    writer.close();
    return false;
  }

  bool write(ChunkType type, Codec codec, std::uint32_t raw, std::uint64_t first_step, std::uint32_t steps,
             std::string_view payload, std::uint64_t* offset = nullptr) {
    if (failed) return false;
    if (offset != nullptr) *offset = writer.offset();
    std::string what;
    if (!writer.write_chunk(type, codec, raw, first_step, steps, payload, what)) return fail(what);
    stats.file_bytes = writer.offset();
    return true;
  }

  void write_keyframe(const Machine& machine) {
    std::string state = save_machine(machine);
    std::string stored = lz4_compress(state);
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
    last_keyframe_step = machine.steps;
    delta_bytes_since_keyframe = 0;
    keyframe_interval = options.keyframe_steps;
    if (options.keyframe_bytes_per_step > 0) {
      auto spread = static_cast<std::uint64_t>(static_cast<double>(stored.size()) / options.keyframe_bytes_per_step);
      keyframe_interval = std::max(keyframe_interval, spread);
    }
  }

  void begin_block(const Machine& machine) {
    block_first_step = machine.steps;
    block_steps = 0;
    deltas.clear();
    encoder->begin_block(machine);
    summary->begin(machine, machine.steps);
  }

  void flush_block() {
    if (summary->steps() == 0 || failed) return;
    BlockSummary s = summary->finish(deltas.size());
    std::string compressed = lz4_compress(deltas.view());
    std::string payload = encode_block_payload(s, compressed);
    BlockEntry entry;
    entry.stored_bytes = payload.size();
    auto steps = static_cast<std::uint32_t>(s.step_count);
    if (!write(ChunkType::Block, Codec::Lz4, static_cast<std::uint32_t>(deltas.size()), s.first_step, steps, payload,
               &entry.offset)) {
      return;
    }
    entry.summary = std::move(s);
    index.blocks.push_back(std::move(entry));
    ++stats.blocks;
    stats.raw_delta_bytes += deltas.size();
    delta_bytes_since_keyframe += deltas.size();
  }

  bool keyframe_due(const Machine& machine) const {
    return machine.steps - last_keyframe_step >= keyframe_interval ||
           delta_bytes_since_keyframe >= kKeyframeDeltaBytes;
  }

  void report_progress(bool last) {
    std::fprintf(stderr, "\rrecording: %llu steps, %.1f MiB written%s",
                 static_cast<unsigned long long>(stats.steps),
                 static_cast<double>(stats.file_bytes) / (1024.0 * 1024.0), last ? "\n" : "");
    std::fflush(stderr);
  }
};

Recorder::Recorder(std::string trace_path, std::string program_text, std::string program_path,
                   RecorderOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->trace_path = std::move(trace_path);
  impl_->program_text = std::move(program_text);
  impl_->program_path = std::move(program_path);
  if (options.block_steps == 0) options.block_steps = 1;
  if (options.keyframe_steps == 0) options.keyframe_steps = 1;
  impl_->options = options;
}

Recorder::~Recorder() = default;

bool Recorder::ok() const { return !impl_->failed; }
const std::string& Recorder::error() const { return impl_->error; }
const RecorderStats& Recorder::stats() const { return impl_->stats; }

void Recorder::on_start(const Machine& machine) {
  Impl& r = *impl_;
  r.started = true;
  std::string what;
  if (!r.writer.open(r.trace_path, what)) {
    r.fail(what);
    return;
  }
  ConfigChunk config;
  config.config = machine.config;
  config.program_path = r.program_path;
  config.block_steps = r.options.block_steps;
  config.keyframe_steps = r.options.keyframe_steps;
  config.writer = kWriter;
  std::string config_bytes = encode_config(config);
  r.write(ChunkType::Config, Codec::Raw, static_cast<std::uint32_t>(config_bytes.size()), 0, 0, config_bytes);
  std::string program = lz4_compress(r.program_text);
  r.write(ChunkType::Program, Codec::Lz4, static_cast<std::uint32_t>(r.program_text.size()), 0, 0, program);
  r.encoder = std::make_unique<StepEncoder>(machine.program());
  r.summary = std::make_unique<SummaryBuilder>();
  r.write_keyframe(machine);
  r.begin_block(machine);
  r.recording = !r.failed;
}

void Recorder::on_step(const Machine& machine, const StepEvent& event) {
  Impl& r = *impl_;
  if (!r.recording) return;
  if (r.encoder->encode(machine, event, r.deltas)) [[likely]] {
    r.summary->add_plain();
  } else {
    r.summary->add(event, r.encoder->thread_changes(), r.encoder->mutex_changes(), r.encoder->new_keys());
  }
  if (++r.block_steps < r.options.block_steps && r.deltas.size() < r.options.block_bytes) [[likely]] return;
  r.stats.steps += r.block_steps;
  r.block_steps = 0;
  r.flush_block();
  if (!machine.done()) {
    if (r.keyframe_due(machine)) r.write_keyframe(machine);
    r.begin_block(machine);
  }
  if (r.options.progress && r.stats.steps >= r.next_progress) {
    r.report_progress(false);
    r.next_progress += kProgressEvery;
  }
}

void Recorder::on_finish(const Machine& machine) {
  Impl& r = *impl_;
  if (r.failed || !r.started) return;
  r.stats.steps += r.block_steps;
  r.block_steps = 0;
  r.flush_block();
  FinishChunk finish;
  finish.status = machine.outcome.status;
  if (machine.outcome.status == MachineStatus::Failed) finish.error = machine.outcome.error;
  finish.error_thread = machine.outcome.error_thread;
  finish.tick = machine.tick;
  finish.steps = machine.steps;
  finish.threads = static_cast<std::uint32_t>(machine.threads.size());
  std::string finish_bytes = encode_finish(finish);
  r.write(ChunkType::Finish, Codec::Raw, static_cast<std::uint32_t>(finish_bytes.size()), machine.steps, 0,
          finish_bytes, &r.index.finish_offset);
  std::string index_raw = encode_index(r.index);
  std::string index_stored = lz4_compress(index_raw);
  std::uint64_t index_offset = 0;
  if (!r.write(ChunkType::Index, Codec::Lz4, static_cast<std::uint32_t>(index_raw.size()), 0, 0, index_stored,
               &index_offset)) {
    return;
  }
  std::string what;
  if (!r.writer.write_footer(index_offset, static_cast<std::uint32_t>(kChunkHeaderSize + index_stored.size()), what)) {
    r.fail(what);
    return;
  }
  r.stats.file_bytes = r.writer.offset();
  r.writer.close();
  if (r.options.progress) r.report_progress(true);
}

}  // namespace dust::rec
