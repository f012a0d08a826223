// trace_rewriting.hpp — crafting hostile traces for the tests: a recorded
// trace is taken apart into its chunks, a test changes what it likes, and
// the trace is written back with every checksum, offset and the index made
// valid again, as an attacker with the format description would.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../../recorder/src/trace_chunks.hpp"
#include "../../recorder/src/trace_io.hpp"
#include "dust/recorder/trace_format.hpp"

namespace rec_test {

struct RawChunk {
  dust::rec::ChunkHeader header;
  std::string payload;  // as stored (compressed where the codec says so)
};

struct TakenApart {
  std::vector<RawChunk> chunks;  // everything before the index
  dust::rec::IndexChunk index;   // its offsets are those of the original file
  std::vector<std::uint64_t> offsets;  // of each chunk in the original file
};

inline TakenApart take_apart(const std::filesystem::path& path) {
  TakenApart out;
  dust::rec::TraceFile file;
  std::string error;
  EXPECT_TRUE(file.open(path.string(), error)) << error;
  std::uint64_t offset = dust::rec::kFileHeaderSize;
  while (offset + dust::rec::kFooterSize < file.size()) {
    RawChunk c;
    std::string what;
    if (file.read_chunk(offset, c.header, c.payload, what) != dust::rec::TraceFile::ChunkStatus::Ok) {
      ADD_FAILURE() << what << " at offset " << offset;
      break;
    }
    if (c.header.type == dust::rec::ChunkType::Index) {
      std::string raw;
      EXPECT_TRUE(dust::rec::lz4_decompress(c.payload, c.header.raw_bytes, raw));
      EXPECT_TRUE(dust::rec::decode_index(raw, out.index));
      break;
    }
    out.offsets.push_back(offset);
    offset += dust::rec::kChunkHeaderSize + c.header.stored_bytes;
    out.chunks.push_back(std::move(c));
  }
  return out;
}

// Writes the chunks back, with a fresh index (the original's entries moved
// to where their chunks now are) and footer.
inline void put_together(const TakenApart& t, const std::filesystem::path& path) {
  dust::rec::TraceWriter writer;
  std::string error;
  ASSERT_TRUE(writer.open(path.string(), error)) << error;
  auto chunk_index = [&](std::uint64_t old_offset) {
    for (std::size_t i = 0; i < t.offsets.size(); ++i)
      if (t.offsets[i] == old_offset) return i;
    return t.offsets.size();
  };
  std::vector<std::uint64_t> offsets;
  for (const RawChunk& c : t.chunks) {
    offsets.push_back(writer.offset());
    ASSERT_TRUE(writer.write_chunk(c.header.type, c.header.codec, c.header.raw_bytes, c.header.first_step,
                                   c.header.step_count, c.payload, error))
        << error;
  }
  dust::rec::IndexChunk index = t.index;
  for (auto& b : index.blocks) {
    std::size_t i = chunk_index(b.offset);
    if (i == offsets.size()) continue;
    b.offset = offsets[i];
    b.stored_bytes = t.chunks[i].payload.size();
  }
  for (auto& k : index.keyframes) {
    std::size_t i = chunk_index(k.offset);
    if (i == offsets.size()) continue;
    k.offset = offsets[i];
    k.stored_bytes = t.chunks[i].payload.size();
    k.raw_bytes = t.chunks[i].header.raw_bytes;
  }
  if (std::size_t i = chunk_index(t.index.finish_offset); i < offsets.size()) index.finish_offset = offsets[i];
  std::string raw = dust::rec::encode_index(index);
  dust::rec::Lz4Compressor lz4;
  std::string stored = lz4.compress(raw);
  const std::uint64_t index_offset = writer.offset();
  ASSERT_TRUE(writer.write_chunk(dust::rec::ChunkType::Index, dust::rec::Codec::Lz4,
                                 static_cast<std::uint32_t>(raw.size()), 0, 0, stored, error));
  ASSERT_TRUE(writer.write_footer(index_offset, static_cast<std::uint32_t>(dust::rec::kChunkHeaderSize + stored.size()),
                                  error));
}

// The chunk of a keyframe at `step`, or null.
inline RawChunk* keyframe_at(TakenApart& t, std::uint64_t step) {
  for (RawChunk& c : t.chunks)
    if (c.header.type == dust::rec::ChunkType::Keyframe && c.header.first_step == step) return &c;
  return nullptr;
}

inline std::string decompressed(const RawChunk& c) {
  std::string raw;
  EXPECT_TRUE(dust::rec::lz4_decompress(c.payload, c.header.raw_bytes, raw));
  return raw;
}

// Replaces a keyframe's contents with `raw` (compressed as the recorder would).
inline void set_keyframe(RawChunk& c, const std::string& raw) {
  dust::rec::Lz4Compressor lz4;
  c.payload = lz4.compress(raw);
  c.header.raw_bytes = static_cast<std::uint32_t>(raw.size());
}

}  // namespace rec_test
