// debug_target.hpp — the recording a DAP session debugs, and where it stands.
//
// One open trace: the recorder's query API, the step table and listing the
// window uses too, the breakpoints with their evaluator, and the cursor
// (the step about to run, as in the window) with the thread in focus. The
// machine at the cursor is rebuilt lazily, once per cursor position.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dust/intrinsics.hpp"
#include "dust/machine.hpp"
#include "dust/recorder/session/breakpoint_evaluator.hpp"
#include "dust/recorder/session/breakpoints.hpp"
#include "dust/recorder/session/navigation.hpp"
#include "dust/recorder/session/program_listing.hpp"
#include "dust/recorder/session/step_table.hpp"
#include "dust/recorder/trace_reader.hpp"

namespace dust::dap {

class DebugTarget {
 public:
  // Opens `trace_path`; null with `error` naming the file when it cannot.
  // `program_path` is the DIR file a launch recorded (empty: the one the
  // trace names), which setBreakpoints accepts as a source path.
  // `progress`, if given, hears how far the reader's preparation got
  // (a checkpoint trace re-derives its steps: TraceReader::prepare)
  // before the first query.
  static std::unique_ptr<DebugTarget> open(const std::string& trace_path, const std::string& program_path,
                                           const IntrinsicTable& intrinsics, std::string& error,
                                           const rec::PrepareProgress& progress = {});

  rec::TraceReader& reader() { return *reader_; }
  const Program& program() const { return *program_; }
  const session::ProgramListing& listing() const { return *listing_; }
  // The listing as text, one line per listing line: the Program view's text.
  const std::string& listing_text() const { return listing_text_; }
  // The program's DIR file, absolute when it was found.
  const std::string& program_path() const { return program_path_; }
  // Whether `path` names that file (setBreakpoints accepts it for the listing).
  bool is_program_path(const std::string& path) const;
  session::StepTable& steps() { return *steps_; }
  session::Breakpoints& breakpoints() { return breakpoints_; }
  session::BreakpointEvaluator& evaluator() { return *evaluator_; }
  const std::optional<rec::FailureMark>& failure() const { return failure_; }
  std::uint64_t step_count() const { return steps_->size(); }

  // Every K-thread of the run, by id, named `T<id> <proc>`.
  const std::vector<std::string>& thread_names() const { return thread_names_; }
  bool has_thread(std::uint32_t thread) const { return thread < thread_names_.size(); }

  std::uint64_t cursor() const { return cursor_; }
  std::uint32_t focus() const { return focus_; }
  void move_to(std::uint64_t step, std::optional<std::uint32_t> focus);
  // The thread whose step is at `step` (the failed one at the failure).
  std::uint32_t thread_at(std::uint64_t step);

  // The machine at the cursor.
  const Machine& state();

  // A movement, with the same meaning as the window's; the cursor moves.
  session::Navigator navigator();

  // The listing line (1-based) of frame `depth` of `thread` at the cursor.
  int frame_line(std::uint32_t thread, std::uint32_t depth);
  // The line (1-based) of a proc's signature.
  int proc_line(std::uint32_t proc) const {
    return proc < proc_lines_.size() ? proc_lines_[proc] : 1;
  }
  // The statement a frame is at: for the innermost one, the statement of
  // the thread's next step; for a caller, the statement making the call.
  std::uint32_t frame_statement(std::uint32_t thread, std::uint32_t depth);

 private:
  DebugTarget() = default;

  std::unique_ptr<rec::TraceReader> reader_;
  std::shared_ptr<const Program> program_;
  std::unique_ptr<session::ProgramListing> listing_;
  std::string listing_text_;
  std::string program_path_;
  std::unique_ptr<session::ReaderStepSource> source_;
  std::unique_ptr<session::StepTable> steps_;
  session::Breakpoints breakpoints_;
  std::unique_ptr<session::BreakpointEvaluator> evaluator_;
  std::optional<rec::FailureMark> failure_;
  std::vector<std::string> thread_names_;
  std::vector<int> proc_lines_;  // each proc's signature line (1-based)

  std::uint64_t cursor_ = 0;
  std::uint32_t focus_ = 0;
  std::optional<Machine> machine_;
  std::uint64_t machine_step_ = 0;
};

}  // namespace dust::dap
