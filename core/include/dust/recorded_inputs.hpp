// recorded_inputs.hpp — what a recorded run read from outside files, as its
// replay takes it instead of reading the files again.
//
// The contents are made once, when a trace is opened, and never change; a
// replay's every machine reads them (each keyframe loaded, each state a
// query or the debugger keeps), and a machine is copied whenever a state
// is kept. So the contents are shared, immutable, by every copy of the
// configuration that holds them: copying a machine never copies the files
// a run read, however large. Two configurations compare by the contents,
// not by which copy they share.
#pragma once

#include <map>
#include <memory>
#include <string>

namespace dust {

class RecordedInputs {
 public:
  // The contents of each file, by its path relative to the root.
  using Files = std::map<std::string, std::string>;

  RecordedInputs() = default;
  explicit RecordedInputs(Files files)
      : files_(files.empty() ? nullptr : std::make_shared<const Files>(std::move(files))) {}

  // The recorded contents of `path`; null if the run read no such file.
  const std::string* find(const std::string& path) const {
    if (!files_) return nullptr;
    auto it = files_->find(path);
    return it == files_->end() ? nullptr : &it->second;
  }
  bool empty() const { return !files_; }
  // Every recorded file; the same object for every copy of these inputs.
  const Files& files() const { return files_ ? *files_ : no_files(); }

  friend bool operator==(const RecordedInputs& a, const RecordedInputs& b) {
    return a.files_ == b.files_ || a.files() == b.files();
  }

 private:
  static const Files& no_files() {
    static const Files none;
    return none;
  }

  std::shared_ptr<const Files> files_;
};

}  // namespace dust
