// temp_dir.hpp — a folder of its own for a test that writes files, removed
// when the test ends. Named by a prefix and the process id, so parallel
// ctest processes never share one.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace dust_test {

struct TempDir {
  explicit TempDir(const std::string& prefix)
      : path(std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to `name` inside the folder and returns its path.
  std::string file(const std::string& name, const std::string& text) const {
    std::filesystem::path p = path / name;
    std::ofstream(p) << text;
    return p.string();
  }

  std::filesystem::path path;
};

}  // namespace dust_test
