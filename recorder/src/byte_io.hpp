// byte_io.hpp — the recorder's binary encoding primitives: little-endian
// fixed-width integers, LEB128 varints and zigzag for signed numbers.
//
// A ByteReader never reads past its end: every read reports failure
// instead, so a hostile or truncated trace is an error value, not a crash.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dust::rec {

inline std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// The most bytes a varint of 64 bits takes.
inline constexpr std::size_t kMaxVarintBytes = 10;

// Writes `v` as a LEB128 varint at `p` (room for kMaxVarintBytes); returns
// how many bytes it took.
inline std::size_t put_varint(char* p, std::uint64_t v) {
  std::size_t n = 0;
  for (; v >= 0x80; v >>= 7) p[n++] = static_cast<char>((v & 0x7f) | 0x80);
  p[n++] = static_cast<char>(v);
  return n;
}

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { fixed(v, 4); }
  void u64(std::uint64_t v) { fixed(v, 8); }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void svarint(std::int64_t v) { varint(zigzag(v)); }
  void bytes(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }
  void raw(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::size_t size() const { return out_.size(); }
  std::string& buffer() { return out_; }

 private:
  void fixed(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string& out_;
};

// A growable byte buffer whose hot path is a bounds check and a store:
// the recorder appends a few bytes per step to one of these.
class ByteBuffer {
 public:
  // Room for `n` more bytes; write them, then commit().
  char* tail(std::size_t n) {
    if (capacity_ - size_ < n) grow(n);
    return data_.get() + size_;
  }
  void commit(std::size_t n) { size_ += n; }
  void append(std::string_view s) {
    std::memcpy(tail(s.size()), s.data(), s.size());
    size_ += s.size();
  }
  std::string_view view() const { return {data_.get(), size_}; }
  char* data() { return data_.get(); }
  std::size_t size() const { return size_; }
  void clear() { size_ = 0; }
  // Drops the bytes after the first `n` (n <= size()).
  void truncate(std::size_t n) { size_ = n; }

 private:
  // Out of line, so that tail() stays a compare and an add at each call.
  [[gnu::noinline]] void grow(std::size_t n) {
    std::size_t capacity = std::max<std::size_t>({capacity_ * 2, size_ + n, 4096});
    std::unique_ptr<char[]> bigger(new char[capacity]);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// A ByteWriter's interface over a ByteBuffer, for the step encoder, which
// writes a few bytes per step: each write is a capacity check and stores,
// where a std::string's push_back is a call per byte.
class BufferWriter {
 public:
  explicit BufferWriter(ByteBuffer& out) : out_(out) {}

  [[gnu::always_inline]] void u8(std::uint8_t v) {
    *out_.tail(1) = static_cast<char>(v);
    out_.commit(1);
  }
  [[gnu::always_inline]] void varint(std::uint64_t v) { out_.commit(put_varint(out_.tail(kMaxVarintBytes), v)); }
  [[gnu::always_inline]] void svarint(std::int64_t v) { varint(zigzag(v)); }
  void bytes(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }
  std::size_t size() const { return out_.size(); }

 private:
  ByteBuffer& out_;
};

class ByteReader {
 public:
  ByteReader() = default;
  ByteReader(const char* data, std::size_t size) : p_(data), end_(data + size), begin_(data) {}
  explicit ByteReader(std::string_view s) : ByteReader(s.data(), s.size()) {}

  bool ok() const { return ok_; }
  bool at_end() const { return p_ == end_; }
  std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  // The bytes read since `offset`.
  std::string_view since(std::size_t offset) const {
    return {begin_ + offset, static_cast<std::size_t>(p_ - begin_) - offset};
  }

  std::uint8_t u8() {
    if (!need(1)) return 0;
    return static_cast<std::uint8_t>(*p_++);
  }
  std::uint32_t u32() { return static_cast<std::uint32_t>(fixed(4)); }
  std::uint64_t u64() { return fixed(8); }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!need(1)) return 0;
      auto b = static_cast<std::uint8_t>(*p_++);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok_ = false;
    return 0;
  }
  std::int64_t svarint() { return unzigzag(varint()); }
  std::uint32_t varint32() {
    std::uint64_t v = varint();
    if (v > 0xffffffffull) ok_ = false;
    return static_cast<std::uint32_t>(v);
  }
  // A length-prefixed string; `limit` guards against absurd lengths.
  std::string bytes() {
    std::uint64_t n = varint();
    if (!need(n)) return {};
    std::string s(p_, static_cast<std::size_t>(n));
    p_ += n;
    return s;
  }
  std::string_view view(std::size_t n) {
    if (!need(n)) return {};
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  void fail() { ok_ = false; }

 private:
  bool need(std::uint64_t n) {
    if (!ok_ || n > static_cast<std::uint64_t>(end_ - p_)) {
      ok_ = false;
      p_ = end_;
      return false;
    }
    return true;
  }
  std::uint64_t fixed(int n) {
    if (!need(static_cast<std::uint64_t>(n))) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(p_[i])) << (8 * i);
    p_ += n;
    return v;
  }

  const char* p_ = nullptr;
  const char* end_ = nullptr;
  const char* begin_ = nullptr;
  bool ok_ = true;
};

}  // namespace dust::rec
