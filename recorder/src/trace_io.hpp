// trace_io.hpp — reading and writing the framing of a .dtrace file: the
// file header, checksummed chunks, the footer, and LZ4 payloads (the
// layout is described in dust/recorder/trace_format.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "byte_io.hpp"
#include "dust/recorder/trace_format.hpp"

union LZ4_stream_u;  // lz4.h's LZ4_stream_t
union LZ4_streamHC_u;  // lz4hc.h's LZ4_streamHC_t

namespace dust::rec {

// Compresses payloads with LZ4, each on its own (a reader decompresses any
// one alone). The compressor keeps LZ4's 16 KiB hash table from one payload
// to the next and only marks it stale: clearing it, as every one-shot LZ4
// call does, cost more than compressing a recorder block of repetitive
// deltas.
class Lz4Compressor {
 public:
  Lz4Compressor();
  ~Lz4Compressor();
  Lz4Compressor(const Lz4Compressor&) = delete;
  Lz4Compressor& operator=(const Lz4Compressor&) = delete;

  std::string compress(std::string_view raw);
  // The same bytes appended to `out`, whose buffer is reused: a std::string
  // result would be zero-filled to the compression bound first. `dense`:
  // bytes that repeat little (the deltas of a block where threads
  // interleave) are worth LZ4's slower high-compression match finder,
  // which stores them in about two thirds of the bytes; any LZ4 decoder
  // reads both, so this is not a format change.
  void compress_append(std::string_view raw, ByteBuffer& out, bool dense = false);

 private:
  int compress_into(std::string_view raw, char* out, int capacity);
  LZ4_stream_u* stream_;
  LZ4_streamHC_u* hc_stream_ = nullptr;  // made on the first dense payload
};

// How many bytes one stored LZ4 byte can stand for, at most.
inline constexpr std::size_t kLz4MaxExpansion = 255;
// False if `stored` is not LZ4 data of exactly `raw_size` bytes (or
// `raw_size` is more than it could expand to).
bool lz4_decompress(std::string_view stored, std::size_t raw_size, std::string& out);

std::string encode_file_header(std::uint32_t version, std::uint32_t min_readable);
std::string encode_chunk_header(const ChunkHeader& header);
std::string encode_footer(std::uint64_t index_offset, std::uint32_t index_size);

struct FileHeader {
  std::uint32_t version = 0;
  std::uint32_t min_readable = 0;
};

// How every reader names a bad place in a trace: "<what> at offset N",
// and with the file, "<path>: <what> at offset N".
std::string at_offset(const std::string& what, std::uint64_t offset);
std::string in_file_at(const std::string& path, const std::string& what, std::uint64_t offset);

class TraceFile;
// Reads and checks the file header of `file` (its magic and checksum);
// false with `what` saying what is wrong, the offset being 0.
bool read_file_header(const TraceFile& file, FileHeader& out, std::string& what);
// Opens the trace at `path` into `file` and reads its header: false with
// `error` naming the path (and offset 0 for a bad header), as every reader
// reports it.
bool open_trace_file(const std::string& path, TraceFile& file, FileHeader& header, std::string& error);

// Appends chunks to a new file, each with one write(2) as it comes, so a
// killed writer leaves whole chunks behind.
class TraceWriter {
 public:
  TraceWriter() = default;
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;
  ~TraceWriter();

  bool open(const std::string& path, std::string& error, std::uint32_t version = kStepsFormatVersion,
            std::uint32_t min_readable = kMinReadableVersion);
  // A steps trace in memory (memfd_create), for a checkpoint trace's
  // re-derived steps: read it back through duplicate_fd().
  bool open_memory(const std::string& name, std::string& error);
  int duplicate_fd() const;
  bool write_chunk(ChunkType type, Codec codec, std::uint32_t raw_bytes, std::uint64_t first_step,
                   std::uint32_t step_count, std::string_view payload, std::string& error);
  bool write_footer(std::uint64_t index_offset, std::uint32_t index_size, std::string& error);
  std::uint64_t offset() const { return offset_; }
  void close();

 private:
  bool write_all(std::string_view a, std::string_view b, std::string& error);

  int fd_ = -1;
  std::string path_;
  std::uint64_t offset_ = 0;
};

// A trace opened for reading with pread: nothing is read until asked.
class TraceFile {
 public:
  TraceFile() = default;
  TraceFile(const TraceFile&) = delete;
  TraceFile& operator=(const TraceFile&) = delete;
  // Moves hand the open file on, so one opened to read its header is the
  // one its reader goes on with.
  TraceFile(TraceFile&& other) noexcept;
  TraceFile& operator=(TraceFile&& other) noexcept;
  ~TraceFile();

  bool open(const std::string& path, std::string& error);
  // Reads the open file `fd` (owned from now on), as open() would a path.
  bool adopt(int fd, std::string& error);
  std::uint64_t size() const { return size_; }
  bool read(std::uint64_t offset, std::size_t n, std::string& out) const;

  enum class ChunkStatus { Ok, Truncated, Corrupt };
  // Reads the chunk at `offset` and checks both checksums; `what` says
  // what is wrong otherwise.
  ChunkStatus read_chunk(std::uint64_t offset, ChunkHeader& header, std::string& payload, std::string& what) const;
  // Reads and checks only the chunk header.
  ChunkStatus read_chunk_header(std::uint64_t offset, ChunkHeader& header, std::string& what) const;

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace dust::rec
