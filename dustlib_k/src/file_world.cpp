// file_world.cpp — path sandboxing and real-file access (see file_world.hpp).
#include "file_world.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace dust::k {

namespace fs = std::filesystem;

namespace {

// Files larger than this are refused rather than read into the machine.
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{256} * 1024 * 1024;

DvmError effect_violation(std::string message) { return DvmError{ErrorKind::EffectViolation, std::move(message)}; }

DvmError escape(const RunConfig& config, std::string_view path) {
  if (config.fs_root.empty()) {
    return effect_violation("path escapes the root of the simulated file system: " + std::string(path));
  }
  return effect_violation("path escapes --fs-root: " + std::string(path));
}

// Whether `inner` names `root` itself or something below it.
bool lies_under(const fs::path& inner, const fs::path& root) {
  fs::path rel = inner.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

// The real file a key names, checked through symlinks to lie under the root.
std::optional<DvmError> real_path(const RunConfig& config, const std::string& key, fs::path& out) {
  std::error_code ec;
  fs::path root = fs::canonical(config.fs_root, ec);
  if (ec || !fs::is_directory(root, ec)) return effect_violation("--fs-root is not a directory: " + config.fs_root);
  fs::path full = fs::weakly_canonical(root / key, ec);
  if (ec) return effect_violation("cannot resolve " + key + " under --fs-root: " + ec.message());
  fs::path rel = full.lexically_relative(root);
  if (!lies_under(full, root) || rel == ".") {
    return effect_violation("path escapes --fs-root through a symbolic link: " + key);
  }
  out = std::move(full);
  return std::nullopt;
}

std::string os_error() { return std::strerror(errno); }

}  // namespace

bool has_outside(const RunConfig& config) {
  return config.effects == EffectMode::Realize || !config.fs_root.empty();
}

std::optional<DvmError> resolve_path(const RunConfig& config, std::string_view path, std::string& key) {
  if (path.empty() || path.find('\0') != std::string_view::npos) {
    return DvmError{ErrorKind::ConstraintFailure, "invalid path: " + rust_debug_string(path)};
  }
  if (config.effects == EffectMode::Realize && config.fs_root.empty()) {
    return effect_violation("file I/O in realize mode needs --fs-root (path " + std::string(path) + ")");
  }
  std::string relative(path);
  if (path.front() == '/') {
    if (config.fs_root.empty()) {
      relative.erase(0, relative.find_first_not_of('/'));
    } else {
      std::string root_text = fs::absolute(config.fs_root).lexically_normal().generic_string();
      while (root_text.size() > 1 && root_text.back() == '/') root_text.pop_back();
      fs::path root(root_text);
      fs::path normal = fs::path(path).lexically_normal();
      if (!lies_under(normal, root)) return escape(config, path);
      relative = normal.lexically_relative(root).generic_string();
    }
  }
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (begin <= relative.size()) {
    std::size_t end = relative.find('/', begin);
    if (end == std::string::npos) end = relative.size();
    std::string part = relative.substr(begin, end - begin);
    if (part == "..") {
      if (parts.empty()) return escape(config, path);
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    begin = end + 1;
  }
  if (parts.empty()) return effect_violation("not a file: " + std::string(path) + " names the root directory");
  key.clear();
  for (const std::string& part : parts) {
    if (!key.empty()) key += '/';
    key += part;
  }
  return std::nullopt;
}

std::optional<DvmError> consult_outside(const RunConfig& config, const std::string& key, OutsideFile& out) {
  out = OutsideFile{};
  if (config.replaying) {
    auto it = config.recorded_inputs.find(key);
    if (it != config.recorded_inputs.end()) {
      out.existed = true;
      out.contents = it->second;
    }
    return std::nullopt;
  }
  fs::path full;
  if (auto error = real_path(config, key, full)) return error;
  std::error_code ec;
  fs::file_status status = fs::status(full, ec);
  if (!fs::exists(status)) return std::nullopt;
  if (fs::is_directory(status)) return effect_violation("cannot open " + key + ": is a directory");
  std::uintmax_t size = fs::file_size(full, ec);
  if (!ec && size > kMaxFileBytes) {
    return effect_violation("cannot open " + key + ": larger than " + std::to_string(kMaxFileBytes) + " bytes");
  }
  std::ifstream in(full, std::ios::binary);
  if (!in) return effect_violation("cannot read " + key + ": " + os_error());
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return effect_violation("cannot read " + key + ": " + os_error());
  out.existed = true;
  out.contents = std::move(contents).str();
  return std::nullopt;
}

std::optional<DvmError> truncate_outside(const RunConfig& config, const std::string& key) {
  fs::path full;
  if (auto error = real_path(config, key, full)) return error;
  int fd = ::open(full.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return effect_violation("cannot write " + key + ": " + os_error());
  ::close(fd);
  return std::nullopt;
}

std::optional<DvmError> write_outside(const RunConfig& config, const std::string& key, std::int64_t offset,
                                      std::string_view bytes) {
  fs::path full;
  if (auto error = real_path(config, key, full)) return error;
  int fd = ::open(full.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return effect_violation("cannot write " + key + ": " + os_error());
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset) + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string reason = os_error();
      ::close(fd);
      return effect_violation("cannot write " + key + ": " + reason);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return std::nullopt;
}

}  // namespace dust::k
