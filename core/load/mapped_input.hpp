// mapped_input.hpp — a DIR file mapped into memory with simdjson's padding.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace dust {

// simdjson reads up to this many bytes past the end of its input.
inline constexpr std::size_t kJsonPadding = 64;

// A file mapped read-only with simdjson's padding after it. The padding
// lies in anonymous zero pages, so it is readable even when the file ends
// on a page boundary.
class MappedInput {
 public:
  ~MappedInput() {
    if (base_ != nullptr) munmap(base_, mapped_);
  }

  // Returns an empty string on success, else the OS error text.
  std::string open(const std::string& path) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is then
    // refused below as not a regular file.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return os_error(errno);
    struct stat st{};
    if (fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return os_error(e);
    }
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return os_error(EISDIR);
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return "not a regular file";
    }
    size_ = static_cast<std::size_t>(st.st_size);
    long page = sysconf(_SC_PAGESIZE);
    mapped_ = ((size_ + kJsonPadding) / page + 1) * page;
    void* region = mmap(nullptr, mapped_, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return os_error(e);
    }
    base_ = static_cast<char*>(region);
    if (size_ > 0 &&
        mmap(base_, size_, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return os_error(e);
    }
    ::close(fd);
    madvise(base_, size_, MADV_SEQUENTIAL);
    return {};
  }

  const char* data() const { return base_; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return mapped_; }

  // Gives the pages before `upto` back; they are re-read from the page
  // cache if an error message needs them.
  void release_before(const char* upto) {
    std::size_t end = static_cast<std::size_t>(upto - base_) & ~static_cast<std::size_t>(4095);
    if (end > released_ + (16u << 20)) {
      madvise(base_ + released_, end - released_, MADV_DONTNEED);
      released_ = end;
    }
  }

  void release_all() {
    if (size_ > 0) madvise(base_, size_, MADV_DONTNEED);
  }

 private:
  static std::string os_error(int e) {
    return std::string(std::strerror(e)) + " (os error " + std::to_string(e) + ")";
  }

  char* base_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;
  std::size_t released_ = 0;
};

}  // namespace dust
