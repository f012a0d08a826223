// trace_chunks.cpp — encoding of config, finish, block and index payloads.
#include "trace_chunks.hpp"

#include <cstdio>

#include "byte_io.hpp"
#include "step_codec.hpp"
#include "trace_io.hpp"

namespace dust::rec {

namespace {

void put_error(ByteWriter& w, const DvmError& e) {
  w.u8(static_cast<std::uint8_t>(e.kind));
  w.bytes(e.message);
}

bool get_error(ByteReader& in, DvmError& e) {
  std::uint8_t kind = in.u8();
  if (kind > static_cast<std::uint8_t>(ErrorKind::Runtime)) return false;
  e.kind = static_cast<ErrorKind>(kind);
  e.message = in.bytes();
  return in.ok();
}

// Format version 2: the Φ mode and resolution follow the v1 fields, so
// replay and inspect take the witness from the recording and never call
// the solver. A v1 config ends before them (reference mode).
void put_phi(ByteWriter& w, const RunConfig& c) {
  w.u8(static_cast<std::uint8_t>(c.phi));
  w.u8(c.phi_resolution ? 1 : 0);
  if (!c.phi_resolution) return;
  const PhiResolution& r = *c.phi_resolution;
  w.u8(static_cast<std::uint8_t>(r.outcome));
  w.varint(r.constraints.size());
  for (const PhiConstraint& k : r.constraints) {
    w.varint(k.stmt);
    w.bytes(k.text);
  }
  w.varint(r.witness.size());
  for (const auto& [name, value] : r.witness) {
    w.bytes(name);
    encode_value(w, value);
  }
  for (const std::vector<std::uint32_t>* list : {&r.conflict, &r.counterfactual}) {
    w.varint(list->size());
    for (std::uint32_t i : *list) w.varint(i);
  }
  put_error(w, r.error);
}

bool get_indices(ByteReader& in, std::size_t bound, std::vector<std::uint32_t>& out) {
  std::uint64_t n = in.varint();
  if (!in.ok() || n > bound) return false;
  for (std::uint64_t k = 0; k < n; ++k) {
    std::uint32_t i = in.varint32();
    if (!in.ok() || i >= bound) return false;
    out.push_back(i);
  }
  return true;
}

bool get_phi(ByteReader& in, RunConfig& c) {
  std::uint8_t mode = in.u8();
  std::uint8_t has = in.u8();
  if (!in.ok() || mode > static_cast<std::uint8_t>(PhiMode::Resolve) || has > 1) return false;
  c.phi = static_cast<PhiMode>(mode);
  if (has == 0) return true;
  PhiResolution r;
  std::uint8_t outcome = in.u8();
  if (outcome > static_cast<std::uint8_t>(PhiOutcome::Invalid)) return false;
  r.outcome = static_cast<PhiOutcome>(outcome);
  std::uint64_t n = in.varint();
  if (!in.ok() || n > in.remaining()) return false;
  for (std::uint64_t k = 0; k < n; ++k) {
    PhiConstraint constraint;
    constraint.stmt = in.varint32();
    constraint.text = in.bytes();
    if (!in.ok()) return false;
    r.constraints.push_back(std::move(constraint));
  }
  n = in.varint();
  if (!in.ok() || n > in.remaining()) return false;
  for (std::uint64_t k = 0; k < n; ++k) {
    std::string name = in.bytes();
    Value value;
    if (!in.ok() || !decode_value(in, value)) return false;
    r.witness.emplace_back(std::move(name), std::move(value));
  }
  if (!get_indices(in, r.constraints.size(), r.conflict) || !get_indices(in, r.constraints.size(), r.counterfactual) ||
      !get_error(in, r.error)) {
    return false;
  }
  c.phi_resolution = std::move(r);
  return true;
}

}  // namespace

std::string encode_config(const ConfigChunk& c, std::uint32_t format_version) {
  std::string out;
  ByteWriter w(out);
  w.bytes(c.config.entry);
  w.u8(static_cast<std::uint8_t>(c.config.effects));
  w.u64(c.config.seed);
  w.bytes(c.config.fs_root);
  w.bytes(c.program_path);
  w.varint(c.block_steps);
  w.varint(c.keyframe_steps);
  w.bytes(c.writer);
  w.varint(c.config.max_memory);
  w.varint(c.config.max_steps);
  put_phi(w, c.config);
  w.bytes(c.config.schedule ? c.config.schedule->text() : std::string());
  w.varint(c.config.max_depth);
  if (format_version >= 4) w.varint(c.keyframe_milli_bytes_per_step);
  return out;
}

bool decode_config(std::string_view bytes, ConfigChunk& c, std::uint32_t format_version) {
  ByteReader in(bytes);
  c.config.entry = in.bytes();
  std::uint8_t effects = in.u8();
  if (effects > static_cast<std::uint8_t>(EffectMode::Realize)) return false;
  c.config.effects = static_cast<EffectMode>(effects);
  c.config.seed = in.u64();
  c.config.fs_root = in.bytes();
  c.program_path = in.bytes();
  c.block_steps = in.varint32();
  c.keyframe_steps = in.varint32();
  c.writer = in.bytes();
  // Version 1 ends here; its runs had no budget, no step limit, no Φ
  // resolution and no schedule token, so a replay must not impose them.
  c.config.max_memory = 0;
  c.config.max_steps = 0;
  c.config.schedule.reset();
  // Before version 3 the call depth limit was fixed.
  c.config.max_depth = kLegacyMaxDepth;
  if (format_version >= 2) {
    c.config.max_memory = in.varint();
    c.config.max_steps = in.varint();
    if (!get_phi(in, c.config)) return false;
    std::string token = in.bytes();
    if (!token.empty()) {
      std::string why;
      c.config.schedule = ScheduleToken::parse(token, why);
      if (!c.config.schedule) return false;
    }
  }
  if (format_version >= 3) {
    std::uint64_t depth = in.varint();
    if (depth == 0 || depth > kMaxDepthCeiling) return false;
    c.config.max_depth = static_cast<std::uint32_t>(depth);
  }
  if (format_version >= 4) c.keyframe_milli_bytes_per_step = in.varint32();
  return in.ok() && in.at_end();
}

std::string encode_checkpoint(const CheckpointChunk& c) {
  std::string out;
  ByteWriter w(out);
  w.varint(c.step);
  w.varint(c.tick);
  w.varint(c.current);
  w.u64(c.rng_state);
  w.varint(c.threads);
  w.varint(c.effects);
  w.u64(c.digest_lo);
  w.u64(c.digest_hi);
  return out;
}

bool decode_checkpoint(std::string_view bytes, CheckpointChunk& c) {
  ByteReader in(bytes);
  c.step = in.varint();
  c.tick = in.varint();
  c.current = in.varint32();
  c.rng_state = in.u64();
  c.threads = in.varint32();
  c.effects = in.varint();
  c.digest_lo = in.u64();
  c.digest_hi = in.u64();
  return in.ok() && in.at_end();
}

std::string describe_checkpoint(const CheckpointChunk& c) {
  char digest[40];
  std::snprintf(digest, sizeof digest, "%016llx%016llx", static_cast<unsigned long long>(c.digest_hi),
                static_cast<unsigned long long>(c.digest_lo));
  return "step " + std::to_string(c.step) + ", tick " + std::to_string(c.tick) + ", thread " +
         std::to_string(c.current) + " next, " + std::to_string(c.threads) + " threads, " + std::to_string(c.effects) +
         " effects, state digest " + digest;
}

std::string encode_finish(const FinishChunk& f) {
  std::string out;
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(f.status));
  w.u8(f.error ? 1 : 0);
  if (f.error) put_error(w, *f.error);
  w.varint(f.error_thread);
  w.varint(f.tick);
  w.varint(f.steps);
  w.varint(f.threads);
  return out;
}

FinishChunk finish_of(const Machine& machine) {
  FinishChunk finish;
  finish.status = machine.outcome.status;
  if (machine.outcome.status == MachineStatus::Failed) finish.error = machine.outcome.error;
  finish.error_thread = machine.outcome.error_thread;
  finish.tick = machine.tick;
  finish.steps = machine.steps;
  finish.threads = static_cast<std::uint32_t>(machine.threads.size());
  return finish;
}

bool decode_finish(std::string_view bytes, FinishChunk& f) {
  ByteReader in(bytes);
  std::uint8_t status = in.u8();
  if (status > static_cast<std::uint8_t>(MachineStatus::Failed)) return false;
  f.status = static_cast<MachineStatus>(status);
  if (in.u8() != 0) {
    DvmError e;
    if (!get_error(in, e)) return false;
    f.error = std::move(e);
  }
  f.error_thread = in.varint32();
  f.tick = in.varint();
  f.steps = in.varint();
  f.threads = in.varint32();
  return in.ok() && in.at_end();
}

void encode_block_payload(const BlockSummary& summary, std::string_view deltas, Lz4Compressor& lz4, ByteBuffer& out) {
  std::string summary_bytes;
  ByteWriter s(summary_bytes);
  write_summary(s, summary);
  std::string prefix;
  ByteWriter w(prefix);
  w.bytes(summary_bytes);
  out.append(prefix);
  // Where threads interleave the deltas repeat little (a loop's periods are
  // copies already), and the high-compression finder pays.
  lz4.compress_append(deltas, out, summary.threads.size() > 1);
}

bool decode_block_payload(std::string_view payload, BlockSummary& summary, std::string_view& compressed_deltas,
                          std::uint32_t version) {
  ByteReader in(payload);
  std::uint64_t n = in.varint();
  std::string_view summary_bytes = in.view(static_cast<std::size_t>(n));
  if (!in.ok()) return false;
  ByteReader s(summary_bytes);
  if (!read_summary(s, summary, version) || !s.at_end()) return false;
  compressed_deltas = payload.substr(in.offset());
  return true;
}

std::string encode_index(const IndexChunk& index) {
  std::string out;
  ByteWriter w(out);
  w.varint(index.blocks.size());
  for (const BlockEntry& b : index.blocks) {
    w.varint(b.offset);
    w.varint(b.stored_bytes);
    write_summary(w, b.summary);
  }
  w.varint(index.keyframes.size());
  for (const KeyframeEntry& k : index.keyframes) {
    w.varint(k.step);
    w.varint(k.offset);
    w.varint(k.stored_bytes);
    w.varint(k.raw_bytes);
  }
  w.varint(index.finish_offset);
  return out;
}

// Entries are appended as they are read, never sized from the stored
// counts: an entry takes a few bytes of the index but a few hundred in
// memory, so a forged count would otherwise allocate a hundredfold what
// the file holds.
bool decode_index(std::string_view bytes, IndexChunk& index, std::uint32_t version) {
  ByteReader in(bytes);
  std::uint64_t blocks = in.varint();
  if (!in.ok() || blocks > in.remaining()) return false;
  index.blocks.clear();
  for (std::uint64_t i = 0; i < blocks; ++i) {
    BlockEntry& b = index.blocks.emplace_back();
    b.offset = in.varint();
    b.stored_bytes = in.varint();
    if (!read_summary(in, b.summary, version)) return false;
  }
  std::uint64_t keyframes = in.varint();
  if (!in.ok() || keyframes > in.remaining()) return false;
  index.keyframes.clear();
  for (std::uint64_t i = 0; i < keyframes; ++i) {
    KeyframeEntry& k = index.keyframes.emplace_back();
    k.step = in.varint();
    k.offset = in.varint();
    k.stored_bytes = in.varint();
    k.raw_bytes = in.varint();
    if (!in.ok()) return false;
  }
  index.finish_offset = in.varint();
  return in.ok() && in.at_end();
}

}  // namespace dust::rec
