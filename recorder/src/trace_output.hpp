// trace_output.hpp — the file a recorder writes, for both recorders (the
// steps recorder, recorder.cpp, and the checkpoint recorder,
// checkpoint_recorder.cpp): the chunk writer, the first failure, and the
// configuration and program chunks every trace starts with.
//
// A failure is final: it names the file, closes it, and every write after
// it is refused, so the trace keeps every chunk written before it and
// readers see it as cut short there.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "trace_chunks.hpp"
#include "trace_io.hpp"

namespace dust::rec {

class TraceOutput {
 public:
  explicit TraceOutput(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  TraceWriter& writer() { return writer_; }
  Lz4Compressor& lz4() { return lz4_; }
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  // The bytes written so far.
  std::uint64_t bytes() const { return writer_.offset(); }

  // Records "<path>: <what>" unless an earlier failure was, closes the
  // file; always false, for a caller's `return fail(...)`.
  bool fail(const std::string& what);
  // Writes one chunk unless writing failed before; `offset`, if given, gets
  // where it starts (for an index).
  bool write(ChunkType type, Codec codec, std::uint32_t raw_bytes, std::uint64_t first_step, std::uint32_t steps,
             std::string_view payload, std::uint64_t* offset = nullptr);
  // The chunks every trace starts with: `config` (encoded for `version`)
  // and the program's DIR text, compressed.
  void write_start(const ConfigChunk& config, std::uint32_t version, const std::string& program_text);

 private:
  std::string path_;
  TraceWriter writer_;
  Lz4Compressor lz4_;
  std::string error_;
  bool failed_ = false;
};

}  // namespace dust::rec
