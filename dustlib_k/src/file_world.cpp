// file_world.cpp — path sandboxing and real-file access (see file_world.hpp).
//
// Real files are opened relative to a directory fd of the root, never by a
// path name checked first and opened later: openat2 with RESOLVE_BENEATH
// and RESOLVE_NO_SYMLINKS resolves the key inside the root in the kernel,
// atomically, so no symbolic link (dangling, or swapped in by another
// process while we look) is ever followed and nothing outside is created.
// A kernel without openat2 (before Linux 5.6) gets the same guarantee from a
// walk one component at a time, each opened with O_NOFOLLOW relative to the
// directory fd before it. Files are opened with O_NONBLOCK and must then be
// regular files: a FIFO or a device inside the root is refused, never
// waited on.
#include "file_world.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
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

std::string os_error(int error) { return std::strerror(error); }

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// The outcome of opening a key beneath the root: an fd, the file's
// absence, or an error.
struct Opened {
  Fd fd;
  bool missing = false;
  std::optional<DvmError> error;
};

DvmError through_link(const std::string& key) {
  return effect_violation("path escapes --fs-root through a symbolic link: " + key);
}

// openat2 with the kernel's own confinement; ENOSYS where it has none.
int open_with_openat2(int root, const std::string& key, int flags) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags);
  how.mode = (flags & O_CREAT) != 0 ? 0644 : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd;
  do {
    fd = ::syscall(SYS_openat2, root, key.c_str(), &how, sizeof how);
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return static_cast<int>(fd);
}

// The same confinement by hand: each directory of the key is opened with
// O_NOFOLLOW relative to the one before, starting from the root's fd, so
// a component that is (or becomes) a symbolic link is never followed.
// Returns -1 with errno set; ELOOP for a link on the way.
int open_by_walking(int root, const std::string& key, int flags) {
  Fd dir(::fcntl(root, F_DUPFD_CLOEXEC, 0));
  if (dir.get() < 0) return -1;
  std::size_t begin = 0;
  for (std::size_t slash = key.find('/'); slash != std::string::npos; slash = key.find('/', begin)) {
    const std::string part = key.substr(begin, slash - begin);
    Fd next(::openat(dir.get(), part.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0) return -1;
    struct stat st {};
    if (::fstat(next.get(), &st) != 0) return -1;
    if (S_ISLNK(st.st_mode)) {
      errno = ELOOP;
      return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
      errno = ENOTDIR;
      return -1;
    }
    dir = std::move(next);
    begin = slash + 1;
  }
  return ::openat(dir.get(), key.c_str() + begin, flags | O_NOFOLLOW, 0644);
}

// Opens `key` (a normalised path relative to the root: no "", "." or ".."
// component) under --fs-root with `flags`. The file must be a regular one.
Opened open_beneath(const RunConfig& config, const std::string& key, int flags) {
  Opened out;
  Fd root(::open(config.fs_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) {
    out.error = effect_violation("--fs-root is not a directory: " + config.fs_root);
    return out;
  }
  flags |= O_CLOEXEC | O_NONBLOCK;
  int fd = open_with_openat2(root.get(), key, flags);
  if (fd < 0 && errno == ENOSYS) fd = open_by_walking(root.get(), key, flags);
  if (fd < 0) {
    const int error = errno;
    if (error == ELOOP || error == EXDEV) {
      out.error = through_link(key);
    } else if (error == ENOENT && (flags & O_CREAT) == 0) {
      out.missing = true;
    } else {
      out.error = effect_violation("cannot open " + key + ": " + os_error(error));
    }
    return out;
  }
  out.fd = Fd(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    out.error = effect_violation("cannot open " + key + ": " + os_error(errno));
  } else if (S_ISDIR(st.st_mode)) {
    out.error = effect_violation("cannot open " + key + ": is a directory");
  } else if (!S_ISREG(st.st_mode)) {
    out.error = effect_violation("cannot open " + key + ": not a regular file");
  } else if ((flags & O_ACCMODE) == O_RDONLY && static_cast<std::uintmax_t>(st.st_size) > kMaxFileBytes) {
    out.error = effect_violation("cannot open " + key + ": larger than " + std::to_string(kMaxFileBytes) + " bytes");
  }
  return out;
}

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
    if (const std::string* recorded = config.recorded_inputs.find(key)) {
      out.existed = true;
      out.contents = *recorded;
    }
    return std::nullopt;
  }
  Opened file = open_beneath(config, key, O_RDONLY);
  if (file.error) return file.error;
  if (file.missing) return std::nullopt;
  std::string contents;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(file.fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return effect_violation("cannot read " + key + ": " + os_error(errno));
    if (n == 0) break;
    if (contents.size() + static_cast<std::size_t>(n) > kMaxFileBytes) {
      return effect_violation("cannot open " + key + ": larger than " + std::to_string(kMaxFileBytes) + " bytes");
    }
    contents.append(buffer, static_cast<std::size_t>(n));
  }
  out.existed = true;
  out.contents = std::move(contents);
  return std::nullopt;
}

std::optional<DvmError> truncate_outside(const RunConfig& config, const std::string& key) {
  return open_beneath(config, key, O_WRONLY | O_CREAT | O_TRUNC).error;
}

std::optional<DvmError> write_outside(const RunConfig& config, const std::string& key, std::int64_t offset,
                                      std::string_view bytes) {
  Opened file = open_beneath(config, key, O_WRONLY | O_CREAT);
  if (file.error) return file.error;
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pwrite(file.fd.get(), bytes.data() + done, bytes.size() - done,
                         static_cast<off_t>(offset) + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return effect_violation("cannot write " + key + ": " + os_error(errno));
    done += static_cast<std::size_t>(n);
  }
  return std::nullopt;
}

}  // namespace dust::k
