// trace_chunks.hpp — the payloads of a trace's chunks other than
// keyframes (machine_archive) and step deltas (step_codec): the run
// configuration, how the run finished, block payloads and the index.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "block_summary.hpp"
#include "dust/recorder/trace_format.hpp"
#include "trace_io.hpp"
#include "dust/machine.hpp"

namespace dust::rec {

struct ConfigChunk {
  RunConfig config;
  std::string program_path;
  std::uint32_t block_steps = 0;
  std::uint32_t keyframe_steps = 0;
  std::string writer;  // the dustrun build that wrote the trace
  // Format 4: the recorder's keyframe_bytes_per_step in thousandths, which
  // the re-derived steps trace is built with.
  std::uint32_t keyframe_milli_bytes_per_step = 500;
};
// Version 2 added the schedule token (empty when the run followed its
// seed), version 3 the call depth limit (--max-depth; earlier runs had
// kLegacyMaxDepth), version 4 (a checkpoint trace) the keyframe spacing
// in bytes per step; a version 1 payload ends after the writer.
std::string encode_config(const ConfigChunk& c, std::uint32_t format_version = kStepsFormatVersion);
bool decode_config(std::string_view bytes, ConfigChunk& c, std::uint32_t format_version);

struct FinishChunk {
  MachineStatus status = MachineStatus::Running;
  std::optional<DvmError> error;
  std::uint32_t error_thread = 0;
  std::uint64_t tick = 0;
  std::uint64_t steps = 0;
  std::uint32_t threads = 0;
};
std::string encode_finish(const FinishChunk& f);
// How `machine`, which is done, ended.
FinishChunk finish_of(const Machine& machine);

// Format 4: the machine after `step` steps, as much as tells a
// re-execution that it is still the recorded run. `digest` is the
// MachineHasher's hash with only the effects since the checkpoint before
// hashed by content (machine_hash.hpp), so the chain covers every effect
// once; the scheduler's position (current thread, PRNG) is given apart,
// because the hash leaves it out.
struct CheckpointChunk {
  std::uint64_t step = 0;
  std::uint64_t tick = 0;
  std::uint32_t current = 0;
  std::uint64_t rng_state = 0;
  std::uint32_t threads = 0;
  std::uint64_t effects = 0;
  std::uint64_t digest_lo = 0;
  std::uint64_t digest_hi = 0;
  friend bool operator==(const CheckpointChunk&, const CheckpointChunk&) = default;
};
std::string encode_checkpoint(const CheckpointChunk& c);
bool decode_checkpoint(std::string_view bytes, CheckpointChunk& c);
// One line: "step N, tick T, thread C next, K threads, E effects, digest H".
std::string describe_checkpoint(const CheckpointChunk& c);
bool decode_finish(std::string_view bytes, FinishChunk& f);

// A block chunk's payload: its summary, then its LZ4-compressed deltas.
// The recorder builds one per block into a buffer it keeps, so it is
// appended to `out` rather than returned.
void encode_block_payload(const BlockSummary& summary, std::string_view deltas, Lz4Compressor& lz4, ByteBuffer& out);
// `version`: the trace's format version (its summaries' layout).
bool decode_block_payload(std::string_view payload, BlockSummary& summary, std::string_view& compressed_deltas,
                          std::uint32_t version = kStepsFormatVersion);

struct BlockEntry {
  std::uint64_t offset = 0;       // of the chunk header
  std::uint64_t stored_bytes = 0; // payload bytes on disk
  BlockSummary summary;
};

struct KeyframeEntry {
  std::uint64_t step = 0;
  std::uint64_t offset = 0;
  std::uint64_t stored_bytes = 0;
  std::uint64_t raw_bytes = 0;
};

struct IndexChunk {
  std::vector<BlockEntry> blocks;
  std::vector<KeyframeEntry> keyframes;
  std::uint64_t finish_offset = 0;
};
std::string encode_index(const IndexChunk& index);
bool decode_index(std::string_view bytes, IndexChunk& index, std::uint32_t version = kStepsFormatVersion);

}  // namespace dust::rec
