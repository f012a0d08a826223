// file_kind.cpp — recognising recordings and DIR programs by their bytes.
#include "model/file_kind.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "dust/recorder/trace_format.hpp"

namespace dust::dbg {

namespace {

constexpr std::size_t kSniffBytes = 64;

// The first bytes, in hex, for the message about a file that is neither.
std::string hex_prefix(const char* bytes, std::size_t n) {
  std::string out;
  char buf[4];
  for (std::size_t i = 0; i < n && i < 8; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned char>(bytes[i]));
    if (i > 0) out += ' ';
    out += buf;
  }
  return out;
}

bool starts_like_json(const char* bytes, std::size_t n) {
  std::size_t i = 0;
  if (n >= 3 && std::memcmp(bytes, "\xEF\xBB\xBF", 3) == 0) i = 3;
  while (i < n && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r' || bytes[i] == '\n')) ++i;
  return i < n && bytes[i] == '{';
}

}  // namespace

FileSniff sniff_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return {FileKind::Unusable, path + ": no such file"};
  if (fs::is_directory(status)) return {FileKind::Unusable, path + ": is a directory, not a recording or a program"};
  if (!fs::is_regular_file(status)) return {FileKind::Unusable, path + ": not a regular file"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return {FileKind::Unusable, path + ": cannot be read (" + std::strerror(errno) + ")"};
  char bytes[kSniffBytes] = {};
  in.read(bytes, sizeof bytes);
  auto n = static_cast<std::size_t>(in.gcount());
  if (n == 0) return {FileKind::Unusable, path + ": the file is empty: neither a recording (.dtrace) nor a DIR program"};
  if (n >= sizeof rec::kFileMagic && std::memcmp(bytes, rec::kFileMagic, sizeof rec::kFileMagic) == 0) {
    return {FileKind::Trace, {}};
  }
  if (starts_like_json(bytes, n)) return {FileKind::DirProgram, {}};
  return {FileKind::Unusable, path + ": neither a recording (no .dtrace magic) nor a DIR program (not JSON); it starts with bytes " +
                                 hex_prefix(bytes, n)};
}

}  // namespace dust::dbg
