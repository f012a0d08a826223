// debug_target.cpp — opening a recording for a DAP session; frames and lines.
#include "debug_target.hpp"

#include <filesystem>

#include "dust/recorder/session/open_recording.hpp"

namespace dust::dap {

namespace {

// The program's DIR file as an absolute path when it can be found (a trace
// names it as it was given when recording, often relative to where the
// recorder ran: the current directory or the trace's own).
std::string resolve_program_path(const std::string& path, const std::string& trace_path) {
  namespace fs = std::filesystem;
  if (path.empty()) return path;
  std::error_code ec;
  fs::path p(path);
  if (p.is_relative()) {
    fs::path beside = fs::path(trace_path).parent_path() / p;
    if (!fs::exists(p, ec) && fs::exists(beside, ec)) p = beside;
  }
  if (!fs::exists(p, ec)) return path;
  fs::path absolute = fs::absolute(p, ec);
  return ec ? path : absolute.lexically_normal().string();
}

}  // namespace

bool DebugTarget::is_program_path(const std::string& path) const {
  namespace fs = std::filesystem;
  if (path.empty() || program_path_.empty()) return false;
  if (path == program_path_) return true;
  std::error_code ec;
  return fs::equivalent(fs::path(path), fs::path(program_path_), ec) && !ec;
}

std::unique_ptr<DebugTarget> DebugTarget::open(const std::string& trace_path, const std::string& program_path,
                                               const IntrinsicTable& intrinsics, std::string& error,
                                               const rec::PrepareProgress& progress) {
  std::unique_ptr<rec::TraceReader> reader = session::open_recording(trace_path, intrinsics, error);
  if (!reader) return nullptr;
  if (progress && reader->steps_to_prepare() > 0) reader->prepare(progress);
  std::unique_ptr<DebugTarget> t(new DebugTarget());
  t->reader_ = std::move(reader);
  t->program_ = t->reader_->program();
  t->listing_ = std::make_unique<session::ProgramListing>(*t->program_);
  t->listing_text_ = t->listing_->text();
  t->program_path_ = resolve_program_path(program_path.empty() ? t->reader_->info().program_path : program_path,
                                          trace_path);
  t->source_ = std::make_unique<session::ReaderStepSource>(*t->reader_);
  t->steps_ = std::make_unique<session::StepTable>(*t->source_);
  t->evaluator_ = std::make_unique<session::BreakpointEvaluator>(t->breakpoints_, *t->steps_, t->reader_.get());
  t->failure_ = t->reader_->failure();
  // Thread names come from the end of the run, where every thread that ever existed is.
  Machine last = t->reader_->state_at(t->steps_->size());
  for (const Thread& th : last.threads) {
    std::string proc = th.entry_proc < t->program_->procs.size() ? t->program_->procs[th.entry_proc].name : "?";
    t->thread_names_.push_back("T" + std::to_string(th.id) + " " + proc);
  }
  if (t->thread_names_.empty()) t->thread_names_.push_back("T0 " + t->reader_->info().config.entry);
  t->proc_lines_.assign(t->program_->procs.size(), 1);
  const auto& lines = t->listing_->lines();
  for (std::size_t i = lines.size(); i-- > 0;) {
    if (lines[i].stmt == kNoStmt && lines[i].text.ends_with(" {") && lines[i].indent == 0 &&
        lines[i].proc < t->proc_lines_.size()) {
      t->proc_lines_[lines[i].proc] = static_cast<int>(i + 1);
    }
  }
  return t;
}

std::uint32_t DebugTarget::thread_at(std::uint64_t step) {
  if (failure_ && step == failure_->step) return failure_->thread;
  if (step < steps_->size()) {
    std::uint32_t t = steps_->at(step).thread;
    if (has_thread(t)) return t;
  }
  return focus_;
}

void DebugTarget::move_to(std::uint64_t step, std::optional<std::uint32_t> focus) {
  cursor_ = step < steps_->size() ? step : steps_->size();
  focus_ = focus ? *focus : thread_at(cursor_);
}

const Machine& DebugTarget::state() {
  if (!machine_ || machine_step_ != cursor_) {
    machine_.emplace(reader_->state_at(cursor_));
    machine_step_ = cursor_;
  }
  return *machine_;
}

session::Navigator DebugTarget::navigator() {
  std::optional<std::uint64_t> failure_step;
  if (failure_) failure_step = failure_->step;
  evaluator_->prepare();
  return session::Navigator(*steps_, *evaluator_, failure_step);
}

std::uint32_t DebugTarget::frame_statement(std::uint32_t thread, std::uint32_t depth) {
  const Machine& m = state();
  if (thread >= m.threads.size() || depth >= m.threads[thread].frames.size()) return kNoStmt;
  const Thread& th = m.threads[thread];
  if (depth + 1 == th.frames.size()) {
    if (auto next = steps_->next_of_thread(cursor_, thread)) {
      session::StepInfo info = steps_->at(*next);
      if (info.depth == depth && info.stmt != kNoStmt) return info.stmt;
    }
  }
  const Frame& f = th.frames[depth];
  if (f.cursors.empty()) return kNoStmt;
  const BlockCursor& c = f.cursors.back();
  if (c.for_checking) return c.loop_stmt;
  if (c.block < program_->blocks.size() && c.index < program_->blocks[c.block].count) {
    return program_->blocks[c.block].first + c.index;
  }
  return c.loop_stmt;
}

int DebugTarget::frame_line(std::uint32_t thread, std::uint32_t depth) {
  std::uint32_t stmt = frame_statement(thread, depth);
  if (auto line = listing_->line_of(stmt)) return static_cast<int>(*line + 1);
  const Machine& m = state();
  if (thread < m.threads.size() && depth < m.threads[thread].frames.size()) {
    std::uint32_t proc = m.threads[thread].frames[depth].proc;
    if (proc < proc_lines_.size()) return proc_lines_[proc];
  }
  return 1;
}

}  // namespace dust::dap
