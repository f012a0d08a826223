// program_file.cpp — a DIR file's whole text, regular files only (see
// program_file.hpp).
#include "dust/recorder/program_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace dust::rec {

bool read_program_file(const std::string& path, std::uint64_t max_bytes, std::string& text, std::string& why) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (ec) {
    why = ec.message();
    return false;
  }
  if (std::filesystem::is_directory(status)) {
    why = "is a directory";
    return false;
  }
  if (!std::filesystem::is_regular_file(status)) {
    why = "not a regular file";
    return false;
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && max_bytes != 0 && size > max_bytes) {
    why = "a file of " + std::to_string(size) + " bytes, over the memory budget of " + std::to_string(max_bytes);
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = std::move(buffer).str();
  if (in.bad()) {
    why = "read error";
    return false;
  }
  return true;
}

}  // namespace dust::rec
