// opening.cpp — a recording's reader prepared on a worker thread (see opening.hpp).
#include "model/opening.hpp"

namespace dust::dbg {

OpeningJob::OpeningJob(std::string path, std::unique_ptr<rec::TraceReader> reader)
    : path_(std::move(path)), reader_(std::move(reader)), all_(reader_->steps_to_prepare()) {
  worker_ = std::thread([this] {
    // The reader is the worker's alone until finished_: the window draws
    // from the counters above and never queries it meanwhile.
    prepared_ = reader_->prepare([this](std::uint64_t done, std::uint64_t) {
      done_.store(done, std::memory_order_relaxed);
      return !cancel_.load(std::memory_order_relaxed);
    });
    finished_.store(true, std::memory_order_release);
  });
}

OpeningJob::~OpeningJob() {
  cancel();
  if (worker_.joinable()) worker_.join();
}

std::unique_ptr<rec::TraceReader> OpeningJob::take_reader() {
  if (!finished() || !prepared_) return nullptr;
  return std::move(reader_);
}

}  // namespace dust::dbg
