// trace_reader.cpp — opening a trace, reading its blocks and keyframes,
// seeking by re-execution and replaying (see reader_impl.hpp).
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "byte_io.hpp"
#include "crc32.hpp"
#include "dust/dir_loader.hpp"
#include "dust/recorder/machine_archive.hpp"
#include "dust/recorder/state_report.hpp"
#include "checkpointed_reader.hpp"
#include "reader_impl.hpp"

namespace dust::rec {

namespace {

constexpr std::size_t kDeltaCacheBlocks = 8;
constexpr std::size_t kDecodedCacheBlocks = 4;
// events() grows its result as it goes beyond this many steps.
constexpr std::uint64_t kDecodedStepsReserved = 65536;

template <class T>
void remember(std::deque<std::pair<std::size_t, T>>& cache, std::size_t key, T value, std::size_t capacity) {
  cache.emplace_front(key, std::move(value));
  while (cache.size() > capacity) cache.pop_back();
}

template <class T>
const T* recall(std::deque<std::pair<std::size_t, T>>& cache, std::size_t key) {
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->first == key) {
      if (it != cache.begin()) {
        auto entry = std::move(*it);
        cache.erase(it);
        cache.push_front(std::move(entry));
      }
      return &cache.front().second;
    }
  }
  return nullptr;
}

std::string describe_changes(std::span<const ThreadChange> threads, std::span<const MutexChange> mutexes) {
  std::string out;
  for (const ThreadChange& c : threads) {
    out += " | thread " + std::to_string(c.thread) + " -> " + thread_state_name(c.state);
    if (!c.wait.empty()) out += " (" + c.wait + ")";
  }
  for (const MutexChange& c : mutexes) {
    out += " | mutex " + std::to_string(c.id) + " owner " + std::to_string(c.owner) + " waiters [";
    for (std::size_t i = 0; i < c.waiters.size(); ++i) {
      if (i > 0) out += ',';
      out += std::to_string(c.waiters[i]);
    }
    out += "]";
  }
  return out;
}

// Whether a block's own summary is the one the index (or the scan) has.
bool same_summary(const BlockSummary& a, const BlockSummary& b) {
  std::string bytes_a, bytes_b;
  ByteWriter wa(bytes_a), wb(bytes_b);
  write_summary(wa, a);
  write_summary(wb, b);
  return bytes_a == bytes_b;
}

// How many Call instructions the program has (at least one): a step makes
// at most one intrinsic call per Call instruction of the expression it
// evaluates, and there are no more than in the whole program. Counted once
// per check, not once per block.
std::uint64_t call_instructions(const Program& program) {
  std::uint64_t calls = 0;
  for (const Instr& in : program.code) calls += in.op() == Op::Call ? 1 : 0;
  return std::max<std::uint64_t>(calls, 1);
}

// The most threads a run of a program with `calls` Call instructions can
// have after `steps` steps: the main thread, and at most one more for each
// intrinsic call.
std::uint64_t thread_limit(std::uint64_t calls, std::uint64_t steps) {
  return steps >= kMaxTraceThreads / calls ? kMaxTraceThreads : 1 + steps * calls;
}

}  // namespace

std::unique_ptr<TraceReader> TraceReader::open(const std::string& path, const IntrinsicTable& intrinsics,
                                               std::string& error) {
  try {
    // The header is read once, here: its version says which reader reads
    // the rest, and that reader goes on with the same open file.
    TraceFile file;
    FileHeader header;
    if (!open_trace_file(path, file, header, error)) return nullptr;
    if (header.version == kCheckpointFormatVersion) {
      auto reader = std::make_unique<CheckpointedReader>(path, intrinsics);
      if (!reader->open(std::move(file), header, error)) return nullptr;
      return reader;
    }
    auto reader = std::make_unique<ReaderImpl>(path, intrinsics);
    if (!reader->open(std::move(file), header, error)) return nullptr;
    return reader;
  } catch (const std::bad_alloc&) {
    error = path + ": out of memory opening the trace";
    return nullptr;
  }
}

std::string ReaderImpl::where(const std::string& what, std::uint64_t offset) const {
  return in_file_at(path_, what, offset);
}

bool ReaderImpl::accept_header(const FileHeader& header, std::string& error) {
  const std::uint32_t version = header.version;
  const std::uint32_t min_readable = header.min_readable;
  if (min_readable > kFormatVersion || (version > kFormatVersion && min_readable == 0)) {
    error = path_ + ": trace format version " + std::to_string(version) + " is newer than this dustrun supports (" +
            std::to_string(kFormatVersion) + ")";
    return false;
  }
  if (version < kOldestReadableVersion) {
    error = path_ + ": trace format version " + std::to_string(version) +
            " is older than this dustrun can read (oldest " + std::to_string(kOldestReadableVersion) + ")";
    return false;
  }
  info_.format_version = version;
  info_.min_readable_version = min_readable;
  return true;
}

bool ReaderImpl::open(TraceFile file, const FileHeader& header, std::string& error) {
  file_ = std::move(file);
  return open_body(header, error);
}

bool ReaderImpl::open_fd(int fd, std::string& error) {
  std::string os_error;
  if (!file_.adopt(fd, os_error)) {
    error = path_ + ": cannot read the re-derived steps: " + os_error;
    return false;
  }
  FileHeader header;
  std::string what;
  if (!read_file_header(file_, header, what)) {
    error = where(what, 0);
    return false;
  }
  return open_body(header, error);
}

bool ReaderImpl::open_body(const FileHeader& header, std::string& error) {
  if (!accept_header(header, error)) return false;
  if (info_.format_version > kStepsFormatVersion && info_.format_version <= kFormatVersion) {
    error = where("a steps trace cannot be format version " + std::to_string(info_.format_version), 0);
    return false;
  }

  ProgramChunks chunks;
  if (!read_program_chunks(file_, info_.format_version, path_, chunks, error)) return false;
  config_ = std::move(chunks.config);
  program_ = std::move(chunks.program);
  info_.program_bytes = chunks.text.size();
  std::uint64_t offset = chunks.end;

  bool found = false;
  if (!read_footer_index(offset, found, error)) return false;
  if (!found && !scan_chunks(offset, error)) return false;
  if (!check_structure(error)) return false;
  fill_info();
  replay_config_ = config_.config;
  if (!collect_inputs(error)) return false;
  encoder_ = std::make_unique<StepEncoder>(*program_, codec_context());
  return true;
}

bool ReaderImpl::read_footer_index(std::uint64_t body, bool& found, std::string& error) {
  found = false;
  std::uint64_t size = file_.size();
  if (size < body + kFooterSize) return true;
  std::uint64_t footer_at = size - kFooterSize;
  std::string footer;
  if (!file_.read(footer_at, kFooterSize, footer)) return true;
  if (std::memcmp(footer.data() + 16, kFooterMagic, sizeof kFooterMagic) != 0) return true;
  ByteReader in(footer);
  std::uint64_t index_offset = in.u64();
  std::uint32_t index_size = in.u32();
  std::uint32_t crc = in.u32();
  std::uint32_t expected = crc32c(footer.data(), 12);
  expected = crc32c(kFooterMagic, sizeof kFooterMagic, expected);
  if (crc != expected || index_offset < body || index_offset + index_size != footer_at) {
    error = where("corrupt footer", footer_at);
    return false;
  }
  ChunkHeader h;
  std::string payload, what, raw;
  IndexChunk index;
  if (file_.read_chunk(index_offset, h, payload, what) != TraceFile::ChunkStatus::Ok || h.type != ChunkType::Index ||
      !lz4_decompress(payload, h.raw_bytes, raw) || !decode_index(raw, index, info_.format_version)) {
    error = where(what.empty() ? "corrupt index" : what, index_offset);
    return false;
  }
  FinishChunk finish;
  if (file_.read_chunk(index.finish_offset, h, payload, what) != TraceFile::ChunkStatus::Ok ||
      h.type != ChunkType::Finish || !decode_finish(payload, finish)) {
    error = where(what.empty() ? "invalid finish chunk" : what, index.finish_offset);
    return false;
  }
  finish_ = finish;
  blocks_ = std::move(index.blocks);
  keyframes_ = std::move(index.keyframes);
  index_offset_ = index_offset;
  info_.complete = true;
  found = true;
  return true;
}

bool ReaderImpl::scan_chunks(std::uint64_t body, std::string& error) {
  std::uint64_t offset = body;
  ChunkHeader h;
  std::string payload, what;
  while (offset < file_.size()) {
    TraceFile::ChunkStatus status = file_.read_chunk(offset, h, payload, what);
    if (status == TraceFile::ChunkStatus::Truncated) {
      incomplete_reason_ = at_offset(what, offset);
      break;
    }
    if (status == TraceFile::ChunkStatus::Corrupt) {
      error = where(what, offset);
      return false;
    }
    if (h.type == ChunkType::Block) {
      BlockEntry entry;
      entry.offset = offset;
      entry.stored_bytes = h.stored_bytes;
      std::string_view deltas;
      if (!decode_block_payload(payload, entry.summary, deltas, info_.format_version) || entry.summary.first_step != h.first_step ||
          entry.summary.step_count != h.step_count) {
        error = where("invalid block summary", offset);
        return false;
      }
      blocks_.push_back(std::move(entry));
    } else if (h.type == ChunkType::Keyframe) {
      keyframes_.push_back(KeyframeEntry{h.first_step, offset, h.stored_bytes, h.raw_bytes});
    } else if (h.type == ChunkType::Finish) {
      FinishChunk finish;
      if (!decode_finish(payload, finish)) {
        error = where("invalid finish chunk", offset);
        return false;
      }
      finish_ = finish;
    } else if (h.type == ChunkType::Index) {
      offset += kChunkHeaderSize + h.stored_bytes;
      incomplete_reason_ = at_offset("missing or cut footer", offset);
      break;
    } else if (static_cast<std::uint8_t>(h.type) > static_cast<std::uint8_t>(ChunkType::Index) &&
               info_.format_version > kFormatVersion) {
      // A newer writer's addition that it declared readable without.
    } else {
      std::string what_chunk = "unexpected ";
      what_chunk += chunk_type_name(h.type);
      what_chunk += " chunk (type " + std::to_string(static_cast<int>(h.type)) + ")";
      error = where(what_chunk, offset);
      return false;
    }
    offset += kChunkHeaderSize + h.stored_bytes;
  }
  if (incomplete_reason_.empty()) incomplete_reason_ = "no index (the recorder did not finish)";
  index_offset_ = offset;
  return true;
}

bool ReaderImpl::check_structure(std::string& error) {
  if (keyframes_.empty()) {
    error = where("no keyframe: nothing was recorded", file_.size());
    return false;
  }
  for (std::size_t i = 0; i < keyframes_.size(); ++i) {
    const KeyframeEntry& k = keyframes_[i];
    if ((i > 0 && k.step <= keyframes_[i - 1].step) || k.offset >= index_offset_) {
      error = where("keyframes out of order", k.offset);
      return false;
    }
  }
  const std::uint64_t calls = call_instructions(*program_);
  std::uint64_t next = keyframes_.front().step;
  for (const BlockEntry& b : blocks_) {
    const BlockSummary& s = b.summary;
    if (s.first_step != next || s.step_count == 0 || s.step_count > kMaxBlockSteps ||
        next > UINT64_MAX - s.step_count || b.offset >= index_offset_) {
      error = where("blocks out of order", b.offset);
      return false;
    }
    next = s.end_step();
    // Counts the reader sizes tables by: a thread table, the block's steps.
    if (s.tick_last < s.tick_first || s.threads_at_end > thread_limit(calls, next) || s.step_count > s.raw_bytes) {
      error = where("invalid block summary", b.offset);
      return false;
    }
  }
  if (keyframes_.back().step > next) {
    error = where("a keyframe lies beyond the recorded steps", keyframes_.back().offset);
    return false;
  }
  if (finish_ && ((info_.complete && finish_->steps != next) || finish_->threads > thread_limit(calls, next))) {
    error = where("the finish record disagrees with the blocks", index_offset_);
    return false;
  }
  return true;
}

void ReaderImpl::fill_info() {
  info_.config = config_.config;
  info_.program_path = config_.program_path;
  info_.writer = config_.writer;
  info_.blocks = blocks_.size();
  info_.keyframes = keyframes_.size();
  info_.file_bytes = file_.size();
  info_.steps = blocks_.empty() ? keyframes_.front().step : blocks_.back().summary.end_step();
  info_.final_tick = blocks_.empty() ? 0 : blocks_.back().summary.tick_last;
  for (const BlockEntry& b : blocks_) {
    info_.raw_bytes += b.summary.raw_bytes;
    info_.delta_bytes += b.stored_bytes;
    info_.threads = std::max(info_.threads, b.summary.threads_at_end);
  }
  for (const KeyframeEntry& k : keyframes_) {
    info_.keyframe_bytes += k.stored_bytes;
    info_.keyframe_raw_bytes += k.raw_bytes;
  }
  if (finish_) {
    info_.status = finish_->status;
    info_.error = finish_->error;
    info_.error_thread = finish_->error_thread;
    info_.final_tick = finish_->tick;
    info_.threads = std::max(info_.threads, finish_->threads);
  }
  if (!info_.complete) info_.incomplete_reason = incomplete_reason_;
}

// Realize-mode runs, and simulate-mode runs seeded from --fs-root, read
// the outside world; replay takes what they read from the recorded IoOpen
// events instead, so it never touches the files again. The contents are
// gathered once here, and every machine the reader makes shares them.
bool ReaderImpl::collect_inputs(std::string& error) {
  if (config_.config.effects != EffectMode::Realize && config_.config.fs_root.empty()) return true;
  replay_config_.replaying = true;
  RecordedInputs::Files inputs;
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    if ((blocks_[b].summary.flags & kBlockIoOpen) == 0) continue;
    std::shared_ptr<const DecodedBlock> block = decoded(b);
    if (!block) {
      error = last_error_;
      return false;
    }
    for (const DecodedStep& step : block->steps) {
      for (const LibEvent& lib : step.event.lib) {
        // Only a file that existed was read from outside; the first read is what the run saw.
        if (lib.kind == LibEventKind::IoOpen && lib.b == 1) inputs.emplace(lib.text, lib.data);
      }
    }
  }
  replay_config_.recorded_inputs = RecordedInputs(std::move(inputs));
  return true;
}

// Everything --info shows is checked against what it summarises: every
// keyframe loads as a state of the program at its step and tick, every
// block agrees with its index entry and decodes step by step, with its
// ticks continuing the block before, and the finish record agrees with the
// last step.
bool ReaderImpl::verify(std::string& error) {
  try {
    return verify_chunks(error);
  } catch (const std::bad_alloc&) {
    error = path_ + ": out of memory verifying the trace";
    return false;
  }
}

bool ReaderImpl::verify_chunks(std::string& error, bool every_block) {
  auto fail = [&](const std::string& what, std::uint64_t offset) {
    error = where(what, offset);
    return false;
  };
  std::uint64_t tick = blocks_.empty() ? 0 : blocks_.front().summary.tick_first;
  std::optional<DvmError> last_error;
  DecodedStep last;
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    const BlockEntry& entry = blocks_[b];
    const bool decode = every_block || b + 1 == blocks_.size();
    if (decode && !decode_steps(b, nullptr, &last)) {
      error = last_error_;
      return false;
    }
    if (entry.summary.tick_first != tick || (decode && last.event.tick != entry.summary.tick_last)) {
      return fail("block ticks disagree with its steps", entry.offset);
    }
    tick = entry.summary.tick_last;
    last_error = last.event.error;
  }
  for (std::size_t k = 0; k < keyframes_.size(); ++k) {
    Machine machine(program_, &intrinsics_, replay_config_);
    if (!load_keyframe(k, machine)) {
      error = last_error_;
      return false;
    }
    std::size_t b = block_at(keyframes_[k].step);
    if (b < blocks_.size() && blocks_[b].summary.first_step == keyframes_[k].step &&
        blocks_[b].summary.tick_first != machine.tick) {
      return fail("keyframe tick disagrees with the blocks", keyframes_[k].offset);
    }
  }
  if (finish_ && info_.complete) {
    bool failed = finish_->status == MachineStatus::Failed;
    if (finish_->tick != tick || failed != finish_->error.has_value() ||
        (failed && !blocks_.empty() && (!last_error || last_error->message != finish_->error->message))) {
      return fail("the finish record disagrees with the last step", index_offset_);
    }
  }
  return true;
}

std::size_t ReaderImpl::block_at(std::uint64_t step) const {
  auto it = std::upper_bound(blocks_.begin(), blocks_.end(), step,
                             [](std::uint64_t s, const BlockEntry& b) { return s < b.summary.first_step; });
  if (it == blocks_.begin()) return blocks_.size();
  std::size_t b = static_cast<std::size_t>(it - blocks_.begin()) - 1;
  return step < blocks_[b].summary.end_step() ? b : blocks_.size();
}

std::shared_ptr<const std::string> ReaderImpl::block_deltas(std::size_t b) {
  if (const auto* hit = recall(delta_cache_, b)) return *hit;
  const BlockEntry& entry = blocks_[b];
  ChunkHeader h;
  std::string payload, what;
  if (file_.read_chunk(entry.offset, h, payload, what) != TraceFile::ChunkStatus::Ok) {
    last_error_ = where(what, entry.offset);
    return nullptr;
  }
  BlockSummary summary;
  std::string_view compressed;
  auto raw = std::make_shared<std::string>();
  if (h.type != ChunkType::Block || h.first_step != entry.summary.first_step ||
      h.step_count != entry.summary.step_count || h.raw_bytes != entry.summary.raw_bytes ||
      !decode_block_payload(payload, summary, compressed, info_.format_version) || !same_summary(summary, entry.summary) ||
      !lz4_decompress(compressed, h.raw_bytes, *raw)) {
    last_error_ = where("corrupt block", entry.offset);
    return nullptr;
  }
  remember(delta_cache_, b, std::shared_ptr<const std::string>(raw), kDeltaCacheBlocks);
  return raw;
}

std::shared_ptr<const DecodedBlock> ReaderImpl::decoded(std::size_t b) {
  if (b >= blocks_.size()) return nullptr;
  if (const auto* hit = recall(decoded_cache_, b)) return *hit;
  auto block = std::make_shared<DecodedBlock>();
  if (!decode_steps(b, &block->steps, nullptr)) return nullptr;
  std::shared_ptr<const DecodedBlock> result = block;
  remember(decoded_cache_, b, result, kDecodedCacheBlocks);
  return result;
}

// One decoding of a block, with the checks every reader of it needs: at
// least a byte per step (so `every` is sized only once that holds) and no
// bytes after the last step. Steps go into `every`, one per step, or, when
// it is null, each over `last`, which ends as the block's last step: verify
// reads every block once that way and keeps none of them.
bool ReaderImpl::decode_steps(std::size_t b, std::vector<DecodedStep>* every, DecodedStep* last) {
  std::shared_ptr<const std::string> raw = block_deltas(b);
  if (!raw) return false;
  const BlockSummary& summary = blocks_[b].summary;
  if (summary.step_count > raw->size()) {
    last_error_ = where("block has fewer bytes than steps", blocks_[b].offset);
    return false;
  }
  if (every != nullptr) every->resize(static_cast<std::size_t>(summary.step_count));
  StepDecoder decoder(*program_, codec_context());
  begin_decoding(decoder, summary);
  ByteReader in(*raw);
  std::string what;
  for (std::uint64_t k = 0; k < summary.step_count; ++k) {
    DecodedStep& step = every != nullptr ? (*every)[static_cast<std::size_t>(k)] : *last;
    if (!decoder.decode(in, step, what)) {
      last_error_ = where(what, blocks_[b].offset);
      return false;
    }
  }
  if (!in.at_end()) {
    last_error_ = where("block has bytes after its last step", blocks_[b].offset);
    return false;
  }
  return true;
}

const DecodedStep* ReaderImpl::decoded_step(std::uint64_t step, std::shared_ptr<const DecodedBlock>& holder) {
  std::size_t b = block_at(step);
  holder = decoded(b);
  if (!holder) return nullptr;
  return &holder->steps[static_cast<std::size_t>(step - blocks_[b].summary.first_step)];
}

bool ReaderImpl::load_keyframe(std::size_t k, Machine& out) {
  const KeyframeEntry& entry = keyframes_[k];
  ChunkHeader h;
  std::string payload, what, raw;
  if (file_.read_chunk(entry.offset, h, payload, what) != TraceFile::ChunkStatus::Ok) {
    last_error_ = where(what, entry.offset);
    return false;
  }
  if (h.type != ChunkType::Keyframe || h.first_step != entry.step || h.raw_bytes != entry.raw_bytes ||
      !lz4_decompress(payload, h.raw_bytes, raw)) {
    last_error_ = where("corrupt keyframe", entry.offset);
    return false;
  }
  Machine machine(program_, &intrinsics_, replay_config_);
  if (!load_machine(raw, machine, what)) {
    last_error_ = where(what, entry.offset);
    return false;
  }
  if (machine.steps != entry.step) {
    last_error_ = where("keyframe is not at its step", entry.offset);
    return false;
  }
  machine.config = replay_config_;
  out = std::move(machine);
  return true;
}

bool ReaderImpl::seek(std::uint64_t step) {
  step = std::min(step, info_.steps);
  auto it = std::upper_bound(keyframes_.begin(), keyframes_.end(), step,
                             [](std::uint64_t s, const KeyframeEntry& k) { return s < k.step; });
  std::size_t k = it == keyframes_.begin() ? 0 : static_cast<std::size_t>(it - keyframes_.begin()) - 1;
  bool reuse = cursor_.machine && !cursor_.diverged && cursor_.step <= step && cursor_.step >= keyframes_[k].step;
  if (!reuse) {
    Machine machine(program_, &intrinsics_, replay_config_);
    if (!load_keyframe(k, machine)) {
      cursor_.machine.reset();
      return false;
    }
    cursor_.machine = std::move(machine);
    cursor_.step = keyframes_[k].step;
    cursor_.raw.reset();
    cursor_.pos = 0;
    cursor_.diverged = false;
  }
  advance(step, false, NoEvents{});
  return true;
}

// The lane's hand-overs during advance_simple, checked as they come.
class ReaderImpl::LaneCheck final : public ExecutionObserver {
 public:
  explicit LaneCheck(ReaderImpl& reader) : reader_(reader) {}
  void on_step(const Machine& machine, const StepEvent& event) override { reader_.check_step(machine, event); }
  void on_simple_steps(const Machine& machine, const SimpleStepBatch& batch) override {
    reader_.check_batch(machine, batch);
  }

 private:
  ReaderImpl& reader_;
};

bool ReaderImpl::advance_simple(std::uint64_t target) {
  Machine& machine = *cursor_.machine;
  std::uint64_t end = std::min(target, blocks_[cursor_.block].summary.end_step());
  if (end <= cursor_.step) return false;
  const std::uint64_t before = cursor_.step;
  LaneCheck check(*this);
  lane_batch_.steps = lane_steps_.data();
  lane_batch_.size = 0;
  lane_batch_.capacity = static_cast<std::uint32_t>(std::min<std::uint64_t>(end - cursor_.step, lane_steps_.size()));
  // Multi-thread runs too: the lane hands over its call steps, blocks and
  // thread switches, each checked as step() would have been.
  lane_batch_.observer = &check;
  machine.run_simple(end - cursor_.step, &lane_batch_);
  lane_batch_.observer = nullptr;
  check_batch(machine, lane_batch_);
  return cursor_.step > before;
}

void ReaderImpl::check_step(const Machine& machine, const StepEvent& event) {
  lane_bytes_.clear();
  const bool plain = encoder_->encode(machine, event, lane_bytes_);
  if (!cursor_.diverged && cursor_.raw->compare(cursor_.pos, lane_bytes_.size(), lane_bytes_.view()) != 0) {
    note_divergence(event.index, event, plain);
    cursor_.diverged = true;
  }
  cursor_.pos += lane_bytes_.size();
  ++cursor_.step;
}

void ReaderImpl::check_batch(const Machine& machine, const SimpleStepBatch& batch) {
  const std::uint32_t n = batch.size;
  if (n == 0) return;
  lane_bytes_.clear();
  encoder_->encode_batch(machine, batch, 0, n, lane_bytes_, lane_event_, [](std::uint32_t) {},
                         [](const StepEvent&, bool) {});
  if (!cursor_.diverged && cursor_.raw->compare(cursor_.pos, lane_bytes_.size(), lane_bytes_.view()) != 0) {
    // The first step whose recording says something else diverged; the
    // bytes of the batch only tell that one did.
    std::uint32_t at = 0;
    std::shared_ptr<const DecodedBlock> holder;
    for (; at < n; ++at) {
      expand_simple_step(*program_, batch, at, lane_event_);
      const DecodedStep* recorded = decoded_step(batch.first_index + at, holder);
      if (recorded == nullptr || !recorded->threads.empty() || !recorded->mutexes.empty() ||
          describe_step(*program_, recorded->event) != describe_step(*program_, lane_event_)) {
        break;
      }
    }
    if (at == n) at = 0;
    expand_simple_step(*program_, batch, at, lane_event_);
    note_divergence(batch.first_index + at, lane_event_, true);
    cursor_.diverged = true;
  }
  cursor_.pos += lane_bytes_.size();
  cursor_.step += n;
}

template <class OnEvent>
void ReaderImpl::advance(std::uint64_t target, bool stop_on_divergence, OnEvent&& on_event) {
  if (!cursor_.machine) return;
  Machine& machine = *cursor_.machine;
  StepEvent event;
  ByteBuffer encoded;
  target = std::min(target, info_.steps);
  while (cursor_.step < target) {
    std::uint64_t s = cursor_.step;
    if (!cursor_.raw || s >= blocks_[cursor_.block].summary.end_step()) {
      if (check_summaries_ && cursor_.raw) check_block_end(machine);
      std::size_t b = block_at(s);
      if (b == blocks_.size() || blocks_[b].summary.first_step != s) {
        last_error_ = path_ + ": step " + std::to_string(s) + " is not at a block start";
        cursor_.diverged = true;
        return;
      }
      cursor_.raw = block_deltas(b);
      if (!cursor_.raw) {
        cursor_.diverged = true;
        return;
      }
      if (check_summaries_) check_block_start(machine, b);
      cursor_.block = b;
      cursor_.pos = 0;
      encoder_->begin_block(machine);
    }
    if (machine.done()) {
      if (!cursor_.diverged) {
        StepEvent none;
        none.index = s;
        note_divergence(s, none, true);
        cursor_.diverged = true;
      }
      return;
    }
    if constexpr (std::is_same_v<std::decay_t<OnEvent>, NoEvents>) {
      if (advance_simple(target)) {
        if (cursor_.diverged && stop_on_divergence) return;
        continue;
      }
    }
    machine.step(event);
    encoded.clear();
    bool plain = encoder_->encode(machine, event, encoded);
    if (!cursor_.diverged && cursor_.raw->compare(cursor_.pos, encoded.size(), encoded.view()) != 0) {
      note_divergence(s, event, plain);
      cursor_.diverged = true;
    }
    cursor_.pos += encoded.size();
    ++cursor_.step;
    on_event(event);
    if (cursor_.diverged && stop_on_divergence) return;
  }
}

void ReaderImpl::note_divergence(std::uint64_t step, const StepEvent& replayed, bool plain) {
  Divergence d;
  d.step = step;
  std::shared_ptr<const DecodedBlock> holder;
  if (const DecodedStep* recorded = decoded_step(step, holder)) {
    d.recorded = describe_step(*program_, recorded->event) + describe_changes(recorded->threads, recorded->mutexes);
  } else {
    d.recorded = "(unreadable: " + last_error_ + ")";
  }
  if (cursor_.machine && cursor_.machine->steps == step && cursor_.machine->done()) {
    d.replayed = "(the replayed run had already ended)";
  } else {
    d.replayed = describe_step(*program_, replayed);
    if (!plain) d.replayed += describe_changes(encoder_->thread_changes(), encoder_->mutex_changes());
  }
  last_error_ = path_ + ": replay diverges from the recording at step " + std::to_string(step);
  divergence_ = std::move(d);
}

Machine ReaderImpl::state_at(std::uint64_t step) {
  try {
    if (seek(step) && cursor_.machine) return *cursor_.machine;
  } catch (const std::bad_alloc&) {
    out_of_memory("re-executing to step " + std::to_string(step));
  }
  return Machine(program_, &intrinsics_, replay_config_);
}

void ReaderImpl::out_of_memory(const std::string& doing) {
  cursor_ = Cursor{};
  last_error_ = path_ + ": out of memory " + doing;
}

std::vector<StepEvent> ReaderImpl::events(std::uint64_t first, std::uint64_t last) {
  std::vector<StepEvent> out;
  last = std::min(last, info_.steps);
  try {
    if (first >= last || !seek(first)) return out;
    out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(last - first, kDecodedStepsReserved)));
    advance(last, false, [&](const StepEvent& e) { out.push_back(e); });
  } catch (const std::bad_alloc&) {
    out.clear();
    out.shrink_to_fit();
    out_of_memory("re-executing steps " + std::to_string(first) + ".." + std::to_string(last));
  }
  return out;
}

std::uint64_t ReaderImpl::tick_at(std::uint64_t step) {
  step = std::min(step, info_.steps);
  if (step == 0 || blocks_.empty()) return blocks_.empty() ? 0 : blocks_.front().summary.tick_first;
  std::size_t b = block_at(step - 1);
  if (b == blocks_.size()) return info_.final_tick;
  const BlockSummary& s = blocks_[b].summary;
  if (step == s.end_step()) return s.tick_last;
  std::shared_ptr<const DecodedBlock> block = decoded(b);
  if (!block) return s.tick_first;
  return block->steps[static_cast<std::size_t>(step - 1 - s.first_step)].event.tick;
}

Machine ReaderImpl::replay(std::optional<Divergence>& divergence, ExecutionObserver* observer) {
  try {
    return replay_checked(divergence, observer);
  } catch (const std::bad_alloc&) {
    divergence.reset();
    out_of_memory("replaying the run");
    return Machine(program_, &intrinsics_, replay_config_);
  }
}

std::optional<Machine> ReaderImpl::verify_and_replay(std::optional<Divergence>& divergence, std::string& error) {
  divergence.reset();
  try {
    if (!verify_chunks(error, false)) {
      // The first problem in the order verify() looks for them.
      verify(error);
      return std::nullopt;
    }
  } catch (const std::bad_alloc&) {
    error = path_ + ": out of memory verifying the trace";
    return std::nullopt;
  }
  check_summaries_ = true;
  summary_doubt_ = false;
  Machine machine = replay(divergence, nullptr);
  check_summaries_ = false;
  if (divergence || !last_error_.empty() || summary_doubt_) {
    // Decoding decides whether it is the trace that is bad, as verify()
    // before the replay would have.
    std::string what;
    if (!verify(what)) {
      error = what;
      return std::nullopt;
    }
  }
  return machine;
}

void ReaderImpl::check_block_start(const Machine& machine, std::size_t b) {
  const BlockSummary& s = blocks_[b].summary;
  if (s.tick_first != machine.tick) summary_doubt_ = true;
  if (codec_context().forecasts_threads() &&
      (s.sched_rng != machine.rng_state || s.sched_states != ThreadForecast::states_of(machine))) {
    summary_doubt_ = true;
  }
}

void ReaderImpl::check_block_end(const Machine& machine) {
  const BlockSummary& s = blocks_[cursor_.block].summary;
  if (cursor_.diverged || s.tick_last != machine.tick || cursor_.pos != cursor_.raw->size() ||
      s.threads_at_end < machine.threads.size()) {
    summary_doubt_ = true;
  }
}

Machine ReaderImpl::replay_checked(std::optional<Divergence>& divergence, ExecutionObserver* observer) {
  divergence.reset();
  divergence_.reset();
  last_error_.clear();
  cursor_ = Cursor{};
  Machine start(program_, &intrinsics_, replay_config_);
  if (!load_keyframe(0, start)) return start;
  cursor_.machine = std::move(start);
  cursor_.step = keyframes_.front().step;
  if (observer != nullptr) {
    observer->on_start(*cursor_.machine);
    advance(info_.steps, true, [&](const StepEvent& e) { observer->on_step(*cursor_.machine, e); });
  } else {
    // Nobody reads the events: the steps re-execute on the lane.
    advance(info_.steps, true, NoEvents{});
  }
  Machine& machine = *cursor_.machine;
  if (check_summaries_ && cursor_.raw) check_block_end(machine);
  if (!divergence_ && !cursor_.diverged && info_.complete && !machine.done()) {
    Divergence d;
    d.step = machine.steps;
    d.recorded = "(the recorded run ended here)";
    StepEvent next;
    Machine probe = machine;
    probe.step(next);
    d.replayed = describe_step(*program_, next);
    last_error_ = path_ + ": replay diverges from the recording at step " + std::to_string(d.step);
    divergence_ = std::move(d);
  }
  if (observer != nullptr && !divergence_) observer->on_finish(machine);
  divergence = divergence_;
  Machine result = machine;
  cursor_ = Cursor{};
  return result;
}

}  // namespace dust::rec
