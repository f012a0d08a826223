// search_job.cpp — movements run to completion on a worker thread.
#include "model/search_job.hpp"

namespace dust::dbg {

std::unique_ptr<SearchContext> SearchContext::open(const std::string& path, const IntrinsicTable& intrinsics,
                                                   std::string& error) {
  auto context = std::make_unique<SearchContext>();
  context->reader = rec::TraceReader::open(path, intrinsics, error);
  if (!context->reader) return nullptr;
  context->source = std::make_unique<ReaderStepSource>(*context->reader);
  context->steps = std::make_unique<StepTable>(*context->source);
  return context;
}

bool is_movement(Command command) {
  switch (command) {
    case Command::StepInto:
    case Command::StepOver:
    case Command::StepOut:
    case Command::ReverseStepInto:
    case Command::ReverseStepOver:
    case Command::ReverseStepOut:
    case Command::Continue:
    case Command::ReverseContinue: return true;
    default: return false;
  }
}

std::optional<Stop> run_movement(Navigator& nav, Command command, std::uint64_t cursor, std::uint32_t focus) {
  switch (command) {
    case Command::StepInto: return nav.step_into(cursor, focus);
    case Command::StepOver: return nav.step_over(cursor, focus);
    case Command::StepOut: return nav.step_out(cursor, focus);
    case Command::ReverseStepInto: return nav.reverse_step_into(cursor, focus);
    case Command::ReverseStepOver: return nav.reverse_step_over(cursor, focus);
    case Command::ReverseStepOut: return nav.reverse_step_out(cursor, focus);
    case Command::Continue: return nav.continue_forward(cursor);
    case Command::ReverseContinue: return nav.continue_reverse(cursor);
    default: return std::nullopt;
  }
}

SearchJob::SearchJob(SearchRequest request, std::unique_ptr<SearchContext> context, std::string path,
                     const IntrinsicTable& intrinsics)
    : request_(std::move(request)), context_(std::move(context)) {
  position_.store(request_.cursor, std::memory_order_relaxed);
  worker_ = std::thread([this, path = std::move(path), &intrinsics] {
    if (!context_) context_ = SearchContext::open(path, intrinsics, error_);
    if (context_) {
      StepTable& steps = *context_->steps;
      session::BreakpointEvaluator evaluator(request_.breakpoints, steps, context_->reader.get());
      evaluator.prepare();
      steps.begin_scan(StepTable::ScanControl{UINT64_MAX, &cancel_, &position_});
      Navigator nav(steps, evaluator, request_.failure);
      std::optional<Stop> stop = run_movement(nav, request_.command, request_.cursor, request_.focus);
      if (!steps.interrupted()) result_ = stop;
      steps.begin_scan({});
    }
    finished_.store(true, std::memory_order_release);
  });
}

SearchJob::~SearchJob() {
  cancel();
  if (worker_.joinable()) worker_.join();
}

std::optional<Stop> SearchJob::result() const { return finished() ? result_ : std::nullopt; }

std::unique_ptr<SearchContext> SearchJob::take_context() {
  if (!finished()) return nullptr;
  if (worker_.joinable()) worker_.join();
  return std::move(context_);
}

}  // namespace dust::dbg
