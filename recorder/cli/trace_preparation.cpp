// trace_preparation.cpp — see trace_preparation.hpp.
#include "trace_preparation.hpp"

#include <cstdio>

namespace dust::cli {

void prepare_reader(rec::TraceReader& reader, const char* command, bool show) {
  if (reader.steps_to_prepare() == 0) return;
  if (!show) {
    reader.prepare({});
    return;
  }
  std::uint64_t shown = 0;  // tenths printed so far
  reader.prepare([&](std::uint64_t done, std::uint64_t all) {
    const std::uint64_t tenths = all == 0 ? 10 : done / (all / 10 + 1);
    if (tenths > shown) {
      shown = tenths;
      std::fprintf(stderr, "%s: re-deriving the steps of a checkpoint trace: %llu of %llu steps (%llu%%)\n", command,
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(all),
                   static_cast<unsigned long long>(all == 0 ? 100 : done * 100 / all));
    }
    return true;
  });
}

}  // namespace dust::cli
