// open_recording.cpp — see dust/recorder/session/open_recording.hpp.
#include "dust/recorder/session/open_recording.hpp"

namespace dust::session {

std::unique_ptr<rec::TraceReader> open_recording(const std::string& path, const IntrinsicTable& intrinsics,
                                                 std::string& error) {
  std::unique_ptr<rec::TraceReader> reader = rec::TraceReader::open(path, intrinsics, error);
  if (!reader) {
    if (error.empty()) error = path + ": cannot open the trace";
    return nullptr;
  }
  if (!reader->program()) {
    error = path + ": the trace holds no program";
    return nullptr;
  }
  return reader;
}

}  // namespace dust::session
