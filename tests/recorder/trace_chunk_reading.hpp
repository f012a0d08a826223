// trace_chunk_reading.hpp — a trace's chunks as the recorder tests compare
// them: each chunk's place and its content decompressed (a block's summary
// followed by its raw step deltas).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "../../recorder/src/trace_chunks.hpp"
#include "../../recorder/src/trace_io.hpp"
#include "dust/recorder/trace_format.hpp"

namespace rec_test {

struct Chunk {
  dust::rec::ChunkType type;
  std::uint64_t first_step;
  std::uint32_t step_count;
  std::string content;  // decompressed; a block: its summary, then its raw deltas
};

// Every chunk of a trace, in file order.
inline std::vector<Chunk> chunks_of(const std::filesystem::path& path) {
  std::vector<Chunk> out;
  dust::rec::TraceFile file;
  std::string error;
  EXPECT_TRUE(file.open(path.string(), error)) << error;
  std::uint64_t offset = dust::rec::kFileHeaderSize;
  while (offset + dust::rec::kFooterSize < file.size()) {
    dust::rec::ChunkHeader h;
    std::string payload, what;
    if (file.read_chunk(offset, h, payload, what) != dust::rec::TraceFile::ChunkStatus::Ok) {
      ADD_FAILURE() << path << ": " << what << " at offset " << offset;
      break;
    }
    Chunk c{h.type, h.first_step, h.step_count, {}};
    if (h.type == dust::rec::ChunkType::Block) {
      dust::rec::BlockSummary summary;
      std::string_view deltas;
      EXPECT_TRUE(dust::rec::decode_block_payload(payload, summary, deltas));
      std::string raw;
      EXPECT_TRUE(dust::rec::lz4_decompress(deltas, h.raw_bytes, raw));
      c.content = payload.substr(0, payload.size() - deltas.size()) + raw;
    } else if (h.codec == dust::rec::Codec::Lz4) {
      EXPECT_TRUE(dust::rec::lz4_decompress(payload, h.raw_bytes, c.content));
    } else {
      c.content = payload;
    }
    out.push_back(std::move(c));
    offset += dust::rec::kChunkHeaderSize + h.stored_bytes;
  }
  return out;
}

// The chunks of one type.
inline std::vector<Chunk> chunks_of(const std::filesystem::path& path, dust::rec::ChunkType only) {
  std::vector<Chunk> out;
  for (Chunk& c : chunks_of(path)) {
    if (c.type == only) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace rec_test
