// trace_io.cpp — file header, chunk framing, footer and LZ4 (see trace_io.hpp).
#include "trace_io.hpp"

#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <lz4hc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "byte_io.hpp"
#include "crc32.hpp"

namespace dust::rec {

const char* chunk_type_name(ChunkType type) {
  switch (type) {
    case ChunkType::Config: return "config";
    case ChunkType::Program: return "program";
    case ChunkType::Block: return "block";
    case ChunkType::Keyframe: return "keyframe";
    case ChunkType::Finish: return "finish";
    case ChunkType::Index: return "index";
    case ChunkType::Checkpoint: return "checkpoint";
  }
  return "unknown";
}

Lz4Compressor::Lz4Compressor() : stream_(LZ4_createStream()) {}

Lz4Compressor::~Lz4Compressor() {
  LZ4_freeStream(stream_);
  if (hc_stream_ != nullptr) LZ4_freeStreamHC(hc_stream_);
}

namespace {

// LZ4's high-compression level for dense payloads. Level 2 (two match
// candidates a position) keeps the 4-thread benchmark's trace at 1.24
// bytes a step at seed 7, inside the 1.5 its target allows, where level 4
// made 1.12 at 60% more compression time: recording, not size, is the
// target threaded runs miss. LZ4's own fast mode would cost 1.53.
constexpr int kDenseLevel = 2;

}  // namespace

int Lz4Compressor::compress_into(std::string_view raw, char* out, int capacity) {
  // Without a dictionary after the reset, the payload is compressed alone.
  LZ4_resetStream_fast(stream_);
  const int n = LZ4_compress_fast_continue(stream_, raw.data(), out, static_cast<int>(raw.size()), capacity, 1);
  return n > 0 ? n : 0;
}

std::string Lz4Compressor::compress(std::string_view raw) {
  std::string out;
  if (raw.empty()) return out;
  out.resize(static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(raw.size()))));
  out.resize(static_cast<std::size_t>(compress_into(raw, out.data(), static_cast<int>(out.size()))));
  return out;
}

void Lz4Compressor::compress_append(std::string_view raw, ByteBuffer& out, bool dense) {
  if (raw.empty()) return;
  const int bound = LZ4_compressBound(static_cast<int>(raw.size()));
  char* tail = out.tail(static_cast<std::size_t>(bound));
  if (dense) {
    if (hc_stream_ == nullptr) hc_stream_ = LZ4_createStreamHC();
    if (hc_stream_ != nullptr) {
      // A fast reset and a stream of one block give the bytes a freshly
      // initialised state would (LZ4 keeps no match from before the reset),
      // without clearing the state's quarter megabyte for every block.
      LZ4_resetStreamHC_fast(hc_stream_, kDenseLevel);
      const int n = LZ4_compress_HC_continue(hc_stream_, raw.data(), tail, static_cast<int>(raw.size()), bound);
      out.commit(static_cast<std::size_t>(n > 0 ? n : 0));
      return;
    }
  }
  out.commit(static_cast<std::size_t>(compress_into(raw, tail, bound)));
}

bool lz4_decompress(std::string_view stored, std::size_t raw_size, std::string& out) {
  // LZ4 expands a byte into at most 255: a size beyond that is a lie, and
  // is refused before it sizes anything.
  if (raw_size > stored.size() * kLz4MaxExpansion + kLz4MaxExpansion) return false;
  out.resize(raw_size);
  if (raw_size == 0) return stored.empty();
  int n = LZ4_decompress_safe(stored.data(), out.data(), static_cast<int>(stored.size()), static_cast<int>(raw_size));
  return n >= 0 && static_cast<std::size_t>(n) == raw_size;
}

std::string encode_file_header(std::uint32_t version, std::uint32_t min_readable) {
  std::string out(kFileMagic, sizeof kFileMagic);
  ByteWriter w(out);
  w.u32(version);
  w.u32(min_readable);
  w.u32(0);  // flags, none defined
  w.u32(crc32c(out.data(), out.size()));
  return out;
}

std::string encode_chunk_header(const ChunkHeader& h) {
  std::string out;
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(h.type));
  w.u8(static_cast<std::uint8_t>(h.codec));
  w.u8(0);
  w.u8(0);
  w.u32(h.stored_bytes);
  w.u32(h.raw_bytes);
  w.u32(h.step_count);
  w.u64(h.first_step);
  w.u32(h.payload_crc);
  w.u32(crc32c(out.data(), out.size()));
  return out;
}

std::string encode_footer(std::uint64_t index_offset, std::uint32_t index_size) {
  std::string out;
  ByteWriter w(out);
  w.u64(index_offset);
  w.u32(index_size);
  std::uint32_t crc = crc32c(out.data(), out.size());
  crc = crc32c(kFooterMagic, sizeof kFooterMagic, crc);
  w.u32(crc);
  w.raw(kFooterMagic, sizeof kFooterMagic);
  return out;
}

// ---- TraceWriter ----

TraceWriter::~TraceWriter() { close(); }

void TraceWriter::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool TraceWriter::open(const std::string& path, std::string& error, std::uint32_t version,
                       std::uint32_t min_readable) {
  close();
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    error = std::string("cannot create: ") + std::strerror(errno);
    return false;
  }
  offset_ = 0;
  std::string header = encode_file_header(version, min_readable);
  return write_all(header, {}, error);
}

bool TraceWriter::open_memory(const std::string& name, std::string& error) {
  close();
  path_ = name;
  fd_ = static_cast<int>(::memfd_create(name.c_str(), MFD_CLOEXEC));
  if (fd_ < 0) {
    error = std::string("cannot make an in-memory file: ") + std::strerror(errno);
    return false;
  }
  offset_ = 0;
  std::string header = encode_file_header(kStepsFormatVersion, kMinReadableVersion);
  return write_all(header, {}, error);
}

int TraceWriter::duplicate_fd() const { return fd_ >= 0 ? ::fcntl(fd_, F_DUPFD_CLOEXEC, 0) : -1; }

bool TraceWriter::write_all(std::string_view a, std::string_view b, std::string& error) {
  iovec parts[2] = {{const_cast<char*>(a.data()), a.size()}, {const_cast<char*>(b.data()), b.size()}};
  int count = b.empty() ? 1 : 2;
  iovec* iov = parts;
  std::size_t total = a.size() + b.size();
  while (total > 0) {
    ssize_t n = ::writev(fd_, iov, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = std::string("write failed: ") + std::strerror(errno);
      return false;
    }
    auto done = static_cast<std::size_t>(n);
    total -= done;
    offset_ += done;
    while (count > 0 && done >= iov->iov_len) {
      done -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + done;
      iov->iov_len -= done;
    }
  }
  return true;
}

bool TraceWriter::write_chunk(ChunkType type, Codec codec, std::uint32_t raw_bytes, std::uint64_t first_step,
                              std::uint32_t step_count, std::string_view payload, std::string& error) {
  if (payload.size() > kMaxChunkBytes) {
    error = std::string(chunk_type_name(type)) + " chunk too large";
    return false;
  }
  ChunkHeader h;
  h.type = type;
  h.codec = codec;
  h.stored_bytes = static_cast<std::uint32_t>(payload.size());
  h.raw_bytes = raw_bytes;
  h.step_count = step_count;
  h.first_step = first_step;
  h.payload_crc = crc32c(payload.data(), payload.size());
  return write_all(encode_chunk_header(h), payload, error);
}

bool TraceWriter::write_footer(std::uint64_t index_offset, std::uint32_t index_size, std::string& error) {
  return write_all(encode_footer(index_offset, index_size), {}, error);
}

// ---- TraceFile ----

TraceFile::TraceFile(TraceFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(std::exchange(other.size_, 0)) {}

TraceFile& TraceFile::operator=(TraceFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

TraceFile::~TraceFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool TraceFile::open(const std::string& path, std::string& error) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is then
  // refused below as not a regular file.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) {
    error = std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = "not a regular file";
    return false;
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
  return true;
}

bool TraceFile::adopt(int fd, std::string& error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  struct stat st {};
  if (fd_ < 0 || fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = "not a regular file";
    return false;
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
  return true;
}

std::string at_offset(const std::string& what, std::uint64_t offset) {
  return what + " at offset " + std::to_string(offset);
}

std::string in_file_at(const std::string& path, const std::string& what, std::uint64_t offset) {
  return path + ": " + at_offset(what, offset);
}

bool open_trace_file(const std::string& path, TraceFile& file, FileHeader& header, std::string& error) {
  std::string what;
  if (!file.open(path, what)) {
    error = path + ": cannot open: " + what;
    return false;
  }
  if (!read_file_header(file, header, what)) {
    error = in_file_at(path, what, 0);
    return false;
  }
  return true;
}

bool read_file_header(const TraceFile& file, FileHeader& out, std::string& what) {
  std::string head;
  if (!file.read(0, kFileHeaderSize, head)) {
    what = "too short to be a trace (" + std::to_string(file.size()) + " bytes)";
    return false;
  }
  if (std::memcmp(head.data(), kFileMagic, sizeof kFileMagic) != 0) {
    what = "not a Dust trace (bad magic)";
    return false;
  }
  ByteReader in(head);
  in.view(sizeof kFileMagic);
  out.version = in.u32();
  out.min_readable = in.u32();
  in.u32();  // flags
  if (in.u32() != crc32c(head.data(), kFileHeaderSize - 4)) {
    what = "corrupt file header (checksum mismatch)";
    return false;
  }
  return true;
}

bool TraceFile::read(std::uint64_t offset, std::size_t n, std::string& out) const {
  if (offset > size_ || n > size_ - offset) return false;
  out.resize(n);
  std::size_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd_, out.data() + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    done += static_cast<std::size_t>(got);
  }
  return true;
}

TraceFile::ChunkStatus TraceFile::read_chunk_header(std::uint64_t offset, ChunkHeader& h, std::string& what) const {
  std::string bytes;
  if (!read(offset, kChunkHeaderSize, bytes)) {
    what = "truncated chunk header";
    return ChunkStatus::Truncated;
  }
  ByteReader in(bytes);
  std::uint8_t type = in.u8();
  std::uint8_t codec = in.u8();
  std::uint8_t pad0 = in.u8();
  std::uint8_t pad1 = in.u8();
  h.stored_bytes = in.u32();
  h.raw_bytes = in.u32();
  h.step_count = in.u32();
  h.first_step = in.u64();
  h.payload_crc = in.u32();
  std::uint32_t header_crc = in.u32();
  if (header_crc != crc32c(bytes.data(), kChunkHeaderSize - 4)) {
    what = "corrupt chunk header (checksum mismatch)";
    return ChunkStatus::Corrupt;
  }
  // Chunk types this build does not know are framed like any other: a
  // newer writer may add some, and the reader decides whether to skip them.
  if (type < 1 || codec > 1 || pad0 != 0 || pad1 != 0 ||
      h.stored_bytes > kMaxChunkBytes || h.raw_bytes > kMaxChunkBytes) {
    what = "invalid chunk header";
    return ChunkStatus::Corrupt;
  }
  h.type = static_cast<ChunkType>(type);
  h.codec = static_cast<Codec>(codec);
  if (h.stored_bytes > size_ - offset - kChunkHeaderSize) {
    what = std::string("truncated ") + chunk_type_name(h.type) + " chunk";
    return ChunkStatus::Truncated;
  }
  return ChunkStatus::Ok;
}

TraceFile::ChunkStatus TraceFile::read_chunk(std::uint64_t offset, ChunkHeader& h, std::string& payload,
                                             std::string& what) const {
  ChunkStatus status = read_chunk_header(offset, h, what);
  if (status != ChunkStatus::Ok) return status;
  if (!read(offset + kChunkHeaderSize, h.stored_bytes, payload)) {
    what = std::string("truncated ") + chunk_type_name(h.type) + " chunk";
    return ChunkStatus::Truncated;
  }
  if (crc32c(payload.data(), payload.size()) != h.payload_crc) {
    what = std::string("corrupt ") + chunk_type_name(h.type) + " chunk (checksum mismatch)";
    return ChunkStatus::Corrupt;
  }
  return ChunkStatus::Ok;
}

}  // namespace dust::rec
