// debugger.hpp — one open recording and everything derived from it.
//
// Owns the trace reader (the recorder's query API, the only way a run is
// seen), the program listing, the run catalog, the step table, the view
// state and the caches the views draw from. Commands move the cursor
// through the navigator; the snapshot at the cursor is rebuilt lazily, once
// per cursor position. Nothing here touches a window.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dust/intrinsics.hpp"
#include "dust/recorder/trace_reader.hpp"
#include "model/commands.hpp"
#include "model/cursor_snapshot.hpp"
#include "model/session_names.hpp"
#include "model/run_catalog.hpp"
#include "model/search_job.hpp"
#include "model/timeline_model.hpp"
#include "model/value_plot.hpp"
#include "model/view_state.hpp"

namespace dust::dbg {

// The banner of a trace cut short: how far it reads, and why it stops.
Notice truncation_notice(const rec::TraceInfo& info);

class Debugger {
 public:
  // Opens a .dtrace; on failure returns null with `error` naming the file.
  static std::unique_ptr<Debugger> open(const std::string& path, const IntrinsicTable& intrinsics,
                                        std::string& error);
  Debugger(std::unique_ptr<rec::TraceReader> reader, std::string path, const IntrinsicTable& intrinsics);
  ~Debugger();

  const std::string& path() const { return path_; }
  rec::TraceReader& reader() { return *reader_; }
  const rec::TraceInfo& info() const { return reader_->info(); }
  const Program& program() const { return *program_; }
  const ProgramListing& listing() const { return *listing_; }
  const RunCatalog& catalog() const { return catalog_; }
  StepTable& steps() { return *steps_; }
  TimelineModel& timeline() { return timeline_; }
  ViewState& view() { return view_; }
  const ViewState& view() const { return view_; }

  // Where a run opens: its failure if it failed, else step 0.
  void land_on_open();

  // Runs a command; returns where it stopped (for movement commands) and
  // sets the status line. A movement that must look through more than
  // kSyncScanSteps steps continues as a background search instead (and
  // returns nullopt): see searching().
  std::optional<Stop> execute(Command command);
  static constexpr std::uint64_t kSyncScanSteps = 100000;

  // The background search, if one runs; poll_search() applies its result
  // once it is done (the app calls it every frame).
  const SearchJob* search() const { return search_.get(); }
  bool searching() const { return search_ != nullptr; }
  void poll_search();
  void cancel_search();
  // Blocks until the search, if any, is done and applied (tests, headless).
  void wait_for_search();
  // Moves the cursor; the focus follows the thread that runs there.
  void go_to(std::uint64_t step);

  // The snapshot at the cursor, rebuilt when the cursor or focus moved.
  const CursorSnapshot& snapshot();
  // The event of step `step`, if it exists (cached for the cursor's neighbours).
  std::optional<StepEvent> event_at(std::uint64_t step);

  // "Last write" of the selection (a binding or a memory cell): moves the
  // cursor to the step that wrote it, or says why not.
  std::optional<Stop> last_write();
  // The origin chain of the selected binding at the cursor, kept for the
  // view. It follows the cursor: asked for after the cursor moved, the
  // chain of the same binding (or cell) is traced again at the new step,
  // so the where-from panel never shows an answer about another step.
  void trace_origin();
  const rec::Origin& origin();
  const std::string& origin_subject() const { return origin_subject_; }

  // Conditions, hit counts, logpoints and data breakpoints, evaluated over
  // the recording (logpoint hits with their steps, for the Breakpoints view).
  session::BreakpointEvaluator& evaluator() { return *evaluator_; }

  // A watch expression (or a hovered name): a DIR expression evaluated in
  // the focus thread's innermost frame at the cursor. The value is written
  // as `inspect --at` writes it; `ok` false: `text` is the error.
  struct Evaluation {
    bool ok = false;
    std::string text;
  };
  Evaluation evaluate_at_cursor(const std::string& expression);

  // The selection's value over the visible range (null: the selection has
  // no value over time), cached on the selection and the range.
  const ValuePlot* value_plot() {
    return plotter_.plot(*reader_, view_.selection(), view_.axis().visible(), view_.steps());
  }

  // Save As: copies the open recording to `destination` (a recording made
  // in the window lives in a temporary file removed on exit). False with
  // `error` naming the file when it cannot.
  bool save_as(const std::string& destination, std::string& error);

  // Threads that ever existed in the run.
  std::uint32_t thread_count() const { return static_cast<std::uint32_t>(catalog_.threads.size()); }

 private:
  Navigator navigator() { return Navigator(*steps_, *evaluator_, failure_step()); }
  void apply(Command command, const Stop& stop);
  std::optional<std::uint64_t> failure_step() const;
  void report(const char* what, const Stop& stop);
  void toggle_breakpoint_at_focus();

  std::string path_;
  const IntrinsicTable* intrinsics_;
  std::unique_ptr<rec::TraceReader> reader_;
  std::shared_ptr<const Program> program_;
  std::unique_ptr<ProgramListing> listing_;
  RunCatalog catalog_;
  std::unique_ptr<ReaderStepSource> step_source_;
  std::unique_ptr<StepTable> steps_;
  TimelineModel timeline_;
  ViewState view_;
  std::unique_ptr<session::BreakpointEvaluator> evaluator_;  // over view_'s breakpoints

  CursorSnapshot snapshot_;
  std::uint64_t snapshot_revision_ = 0;
  std::uint32_t snapshot_focus_ = 0xffffffffu;

  void compute_origin();

  ValuePlotter plotter_;
  rec::Origin origin_;
  std::string origin_subject_;
  Selection origin_selection_;
  std::uint64_t origin_revision_ = 0;

  std::unique_ptr<SearchJob> search_;
  std::unique_ptr<SearchContext> search_context_;  // kept between searches
};

}  // namespace dust::dbg
