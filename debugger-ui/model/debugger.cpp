// debugger.cpp — opening a recording, running commands, the cursor snapshot.
#include "model/debugger.hpp"

#include <cmath>
#include <filesystem>

#include "dust/evaluate.hpp"
#include "dust/recorder/session/open_recording.hpp"
#include <chrono>
#include <thread>

namespace dust::dbg {

std::unique_ptr<Debugger> Debugger::open(const std::string& path, const IntrinsicTable& intrinsics,
                                         std::string& error) {
  std::unique_ptr<rec::TraceReader> reader = session::open_recording(path, intrinsics, error);
  if (!reader) return nullptr;
  return std::make_unique<Debugger>(std::move(reader), path, intrinsics);
}

Debugger::Debugger(std::unique_ptr<rec::TraceReader> reader, std::string path, const IntrinsicTable& intrinsics)
    : path_(std::move(path)), intrinsics_(&intrinsics), reader_(std::move(reader)), program_(reader_->program()) {
  listing_ = std::make_unique<ProgramListing>(*program_);
  catalog_.load(*reader_);
  step_source_ = std::make_unique<ReaderStepSource>(*reader_);
  steps_ = std::make_unique<StepTable>(*step_source_);
  view_.reset(reader_->info().steps);
  evaluator_ = std::make_unique<session::BreakpointEvaluator>(view_.breakpoints(), *steps_, reader_.get());
  timeline_.attach(reader_.get(), &catalog_);
  if (!reader_->info().complete) view_.add_notice(truncation_notice(reader_->info()));
}

Notice truncation_notice(const rec::TraceInfo& info) {
  std::string text = "TRUNCATED TRACE: it reads only up to step " + std::to_string(info.steps) +
                     ". The recording was cut short";
  if (!info.incomplete_reason.empty()) text += " (" + info.incomplete_reason + ")";
  text += "; whatever the run did after step " + std::to_string(info.steps) +
          ", and how it ended, is not in the file.";
  return Notice{Notice::Level::Warning, std::move(text), false};
}

Debugger::~Debugger() = default;

std::optional<std::uint64_t> Debugger::failure_step() const {
  if (catalog_.failure) return catalog_.failure->step;
  return std::nullopt;
}

void Debugger::land_on_open() {
  if (catalog_.failure) {
    view_.set_cursor(catalog_.failure->step);
    view_.set_focus_thread(catalog_.failure->thread);
    view_.set_status("The run failed at step " + std::to_string(catalog_.failure->step) + " on T" +
                     std::to_string(catalog_.failure->thread) + ": " + catalog_.failure->error.display());
    return;
  }
  view_.set_cursor(0);
  view_.set_focus_thread(0);
  const rec::TraceInfo& info = reader_->info();
  view_.set_status(info.complete ? "Recorded run of " + std::to_string(info.steps) + " steps"
                                 : "Trace cut short: readable up to step " + std::to_string(info.steps));
}

void Debugger::go_to(std::uint64_t step) {
  view_.set_cursor(step);
  // One event, not the step table: scrubbing visits a new chunk of the
  // table nearly every frame, and filling one costs thousands of events.
  if (auto next = event_at(view_.cursor())) view_.set_focus_thread(next->thread);
}

void Debugger::report(const char* what, const Stop& stop) {
  std::string text = std::string(what) + ": ";
  switch (stop.reason) {
    case StopReason::ThreadDone:
      text += 'T';
      text += std::to_string(view_.focus_thread());
      text += " has no more steps that way";
      break;
    case StopReason::Failure: text += "stopped at the failure, step " + std::to_string(stop.step); break;
    case StopReason::Breakpoint: text += "breakpoint hit at step " + std::to_string(stop.step); break;
    case StopReason::DataBreakpoint: text += "watched write at step " + std::to_string(stop.step); break;
    case StopReason::End: text += "reached the end, step " + std::to_string(stop.step); break;
    case StopReason::Start: text += "at the start"; break;
    case StopReason::Stepped: text += "step " + std::to_string(stop.step); break;
  }
  view_.set_status(std::move(text));
}

void Debugger::apply(Command command, const Stop& stop) {
  if (command == Command::Continue || command == Command::ReverseContinue || stop.reason == StopReason::Breakpoint ||
      stop.reason == StopReason::DataBreakpoint) {
    go_to(stop.step);  // the focus follows the thread that hit the breakpoint
  } else {
    view_.set_cursor(stop.step);
  }
  report(command_info(command).menu, stop);
}

std::optional<Stop> Debugger::execute(Command command) {
  std::uint64_t cursor = view_.cursor();
  if (search_ != nullptr && is_movement(command)) {
    view_.set_status("Still searching; cancel the search first");
    return std::nullopt;
  }
  if (is_movement(command)) {
    Navigator nav = navigator();
    evaluator_->prepare();  // walks the whole table once per change of the breakpoints: not a bounded scan
    steps_->begin_scan(StepTable::ScanControl{kSyncScanSteps, nullptr, nullptr});
    std::optional<Stop> stop = run_movement(nav, command, cursor, view_.focus_thread());
    bool interrupted = steps_->interrupted();
    steps_->begin_scan({});
    if (interrupted) {
      SearchRequest request{command, cursor, view_.focus_thread(), view_.breakpoints(), failure_step()};
      search_ = std::make_unique<SearchJob>(std::move(request), std::move(search_context_), path_, *intrinsics_);
      view_.set_status(std::string(command_info(command).menu) + ": searching the trace...");
      return std::nullopt;
    }
    if (stop) apply(command, *stop);
    return stop;
  }
  switch (command) {
    case Command::GoToStart:
    case Command::GoToEnd: {
      Stop stop = navigator().go_to(command == Command::GoToStart ? 0 : view_.steps());
      go_to(stop.step);
      report(command_info(command).menu, stop);
      return stop;
    }
    case Command::GoToFailure: {
      if (!catalog_.failure) {
        view_.set_status("The run did not fail");
        return std::nullopt;
      }
      Stop stop = navigator().go_to(catalog_.failure->step);
      view_.set_cursor(stop.step);
      view_.set_focus_thread(catalog_.failure->thread);
      report(command_info(command).menu, stop);
      return stop;
    }
    case Command::ToggleBreakpoint: toggle_breakpoint_at_focus(); return std::nullopt;
    case Command::LastWrite: return last_write();
    case Command::WhereFrom: trace_origin(); return std::nullopt;
    case Command::ZoomIn: view_.axis().zoom(0.5, static_cast<double>(cursor)); return std::nullopt;
    case Command::ZoomOut: view_.axis().zoom(2.0, static_cast<double>(cursor)); return std::nullopt;
    case Command::ZoomFit: view_.axis().fit(); return std::nullopt;
    default: return std::nullopt;
  }
}

void Debugger::poll_search() {
  if (search_ == nullptr || !search_->finished()) return;
  Command command = search_->request().command;
  std::optional<Stop> stop = search_->result();
  std::string error = search_->error();
  search_context_ = search_->take_context();
  search_.reset();
  if (stop) {
    apply(command, *stop);
  } else {
    view_.set_status(error.empty() ? std::string(command_info(command).menu) + ": search cancelled"
                                   : "Search failed: " + error);
  }
}

void Debugger::cancel_search() {
  if (search_ != nullptr) search_->cancel();
}

void Debugger::wait_for_search() {
  while (search_ != nullptr && !search_->finished()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  poll_search();
}

void Debugger::toggle_breakpoint_at_focus() {
  const CursorSnapshot& snap = snapshot();
  for (const ThreadView& t : snap.threads) {
    if (t.id != view_.focus_thread()) continue;
    std::uint32_t stmt = t.current_stmt();
    if (stmt == kNoStmt) break;
    bool set = view_.breakpoints().toggle(stmt);
    view_.set_status(std::string(set ? "Breakpoint set at " : "Breakpoint removed from ") + listing_->path(stmt));
    return;
  }
  view_.set_status("The focus thread has no current statement");
}

Debugger::Evaluation Debugger::evaluate_at_cursor(const std::string& expression) {
  const CursorSnapshot& snap = snapshot();
  if (!snap.machine) return {false, "no state at this step"};
  const Machine& m = *snap.machine;
  std::uint32_t thread = view_.focus_thread();
  if (thread >= m.threads.size() || m.threads[thread].frames.empty()) {
    return {false, "T" + std::to_string(thread) + " has no frame at step " + std::to_string(view_.cursor())};
  }
  std::string error;
  auto frame = static_cast<std::uint32_t>(m.threads[thread].frames.size() - 1);
  std::optional<Value> v = evaluate_in_frame(m, thread, frame, expression, error);
  if (!v) return {false, error};
  return {true, render_human(*v)};
}

bool Debugger::save_as(const std::string& destination, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (destination.empty()) {
    error = "Save As: no file name given";
    return false;
  }
  if (fs::equivalent(path_, destination, ec)) {
    error = destination + ": that is the open recording itself";
    return false;
  }
  if (fs::is_directory(destination, ec)) {
    error = destination + ": is a directory; give a file name";
    return false;
  }
  ec.clear();
  fs::copy_file(path_, destination, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    error = destination + ": cannot save the recording: " + ec.message();
    return false;
  }
  view_.set_status("Saved the recording to " + destination);
  return true;
}

std::optional<StepEvent> Debugger::event_at(std::uint64_t step) {
  if (step >= view_.steps()) return std::nullopt;
  std::vector<StepEvent> events = reader_->events(step, step + 1);
  if (events.empty()) return std::nullopt;
  return std::move(events.front());
}

const CursorSnapshot& Debugger::snapshot() {
  std::uint64_t cursor = view_.cursor();
  std::uint32_t focus = view_.focus_thread();
  if (snapshot_revision_ == view_.cursor_revision() && snapshot_focus_ == focus) return snapshot_;
  std::uint64_t first = cursor > 0 ? cursor - 1 : 0;
  std::uint64_t last = std::min(cursor + 1, view_.steps());
  std::vector<StepEvent> around = first < last ? reader_->events(first, last) : std::vector<StepEvent>{};
  const StepEvent* previous = nullptr;
  const StepEvent* next = nullptr;
  for (const StepEvent& e : around) {
    if (e.index + 1 == cursor) previous = &e;
    if (e.index == cursor) next = &e;
  }
  std::optional<StepEvent> focus_last;
  if (cursor > 1) {
    if (auto p = steps_->prev_of_thread(cursor, focus); p && *p + 1 < cursor) focus_last = event_at(*p);
  }
  build_snapshot(reader_->state_at(cursor), cursor, *listing_, previous, focus_last ? &*focus_last : nullptr, next,
                 snapshot_);
  snapshot_revision_ = view_.cursor_revision();
  snapshot_focus_ = focus;
  return snapshot_;
}

std::optional<Stop> Debugger::last_write() {
  const Selection& sel = view_.selection();
  std::string name;
  std::string subject;
  switch (sel.kind) {
    case Selection::Kind::Binding:
      name = sel.name;
      subject = sel.name + " (thread " + std::to_string(sel.thread) + " frame " + std::to_string(sel.frame) + ")";
      break;
    case Selection::Kind::MemoryCell:
    case Selection::Kind::HeapBlock:
      name = "mem:" + std::to_string(sel.address);
      subject = "memory " + std::to_string(sel.address);
      break;
    default:
      view_.set_status("Last write: select a binding or a memory cell first");
      return std::nullopt;
  }
  // The binding of the frame that was selected, not any binding of that name.
  rec::LastWrite w = reader_->last_write(name, view_.cursor(), rec::FrameSelector{sel.thread, sel.frame});
  if (!w.step) {
    view_.set_status("Last write: " + (w.error.empty() ? "nothing wrote " + subject + " before step " +
                                                             std::to_string(view_.cursor())
                                                       : w.error));
    return std::nullopt;
  }
  go_to(*w.step);
  Stop stop{*w.step, StopReason::Stepped};
  view_.set_status("Last write of " + subject + ": step " + std::to_string(*w.step) + ", " +
                   rec::write_kind_name(w.kind) + " at " + w.statement);
  return stop;
}

void Debugger::trace_origin() {
  const Selection& sel = view_.selection();
  std::string name;
  switch (sel.kind) {
    case Selection::Kind::Binding: name = sel.name; break;
    case Selection::Kind::MemoryCell:
    case Selection::Kind::HeapBlock: name = "mem:" + std::to_string(sel.address); break;
    default: view_.set_status("Where from: select a binding or a memory cell first"); return;
  }
  origin_selection_ = sel;
  compute_origin();
  if (!origin_.error.empty()) {
    view_.set_status("Where from: " + origin_.error);
  } else if (origin_.chain.empty()) {
    view_.set_status("Where from: no recorded write of " + name + " before step " + std::to_string(view_.cursor()));
  } else {
    // Say what the links are, and whether the walk reached the end.
    std::size_t n = origin_.chain.size();
    view_.set_status("Where from: " + std::to_string(n) + (n == 1 ? " step" : " steps") + " produced " + name +
                     (origin_.complete ? " (followed to the end)" : " (cut: " + origin_.cut + ")"));
  }
}

void Debugger::compute_origin() {
  const Selection& sel = origin_selection_;
  std::string name = sel.kind == Selection::Kind::Binding ? sel.name : "mem:" + std::to_string(sel.address);
  origin_ = reader_->origin(name, view_.cursor(), rec::FrameSelector{sel.thread, sel.frame});
  origin_subject_ = name + " at step " + std::to_string(view_.cursor());
  origin_revision_ = view_.cursor_revision();
}

const rec::Origin& Debugger::origin() {
  if (!origin_subject_.empty() && origin_revision_ != view_.cursor_revision()) compute_origin();
  return origin_;
}

}  // namespace dust::dbg
