// trace_output.cpp — see trace_output.hpp.
#include "trace_output.hpp"

namespace dust::rec {

bool TraceOutput::fail(const std::string& what) {
  if (!failed_) error_ = path_ + ": " + what;
  failed_ = true;
  writer_.close();
  return false;
}

bool TraceOutput::write(ChunkType type, Codec codec, std::uint32_t raw_bytes, std::uint64_t first_step,
                        std::uint32_t steps, std::string_view payload, std::uint64_t* offset) {
  if (failed_) return false;
  if (offset != nullptr) *offset = writer_.offset();
  std::string what;
  if (!writer_.write_chunk(type, codec, raw_bytes, first_step, steps, payload, what)) return fail(what);
  return true;
}

void TraceOutput::write_start(const ConfigChunk& config, std::uint32_t version, const std::string& program_text) {
  const std::string config_bytes = encode_config(config, version);
  write(ChunkType::Config, Codec::Raw, static_cast<std::uint32_t>(config_bytes.size()), 0, 0, config_bytes);
  const std::string program = lz4_.compress(program_text);
  write(ChunkType::Program, Codec::Lz4, static_cast<std::uint32_t>(program_text.size()), 0, 0, program);
}

}  // namespace dust::rec
