// view_state.hpp — what the debugger is looking at, apart from any window.
//
// The cursor step, the visible part of the timeline, the focus thread (the
// one stepping follows), the selection, the breakpoints and the last status
// line. Views read it and change it only through these members, so the
// whole interaction can be driven and checked by tests without a window.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/session_names.hpp"
#include "model/time_axis.hpp"

namespace dust::dbg {

// What the user last picked in a view, for "last write" and "where did this
// value come from", and for highlighting across views.
struct Selection {
  enum class Kind : std::uint8_t { None, Binding, MemoryCell, QResource, Mutex, HeapBlock };
  Kind kind = Kind::None;
  std::uint32_t thread = 0;
  std::uint32_t frame = 0;
  std::string name;          // binding name, or the Q resource id
  std::int64_t address = 0;  // memory cell / heap block address, mutex id
  friend bool operator==(const Selection&, const Selection&) = default;
};

// Something the user must not miss, shown as a banner across the window
// until dismissed: a trace cut short, a request that could not be met as
// asked (`--at failure` on a run that did not fail).
struct Notice {
  enum class Level : std::uint8_t { Warning, Error };
  Level level = Level::Warning;
  std::string text;
  bool dismissable = true;
};

class ViewState {
 public:
  void reset(std::uint64_t steps);

  std::uint64_t steps() const { return steps_; }
  std::uint64_t cursor() const { return cursor_; }
  // Moves the cursor (clamped to [0, steps]) and scrolls the timeline to
  // show it. Each change bumps cursor_revision(), which caches key on.
  void set_cursor(std::uint64_t step);
  std::uint64_t cursor_revision() const { return cursor_revision_; }

  std::uint32_t focus_thread() const { return focus_thread_; }
  void set_focus_thread(std::uint32_t thread) { focus_thread_ = thread; }

  TimeAxis& axis() { return axis_; }
  const TimeAxis& axis() const { return axis_; }
  Breakpoints& breakpoints() { return breakpoints_; }
  const Breakpoints& breakpoints() const { return breakpoints_; }

  const Selection& selection() const { return selection_; }
  void select(Selection s) { selection_ = std::move(s); }

  // The status line says what the last command did at the step it left
  // the cursor on. Once the cursor moves elsewhere it no longer applies:
  // status() is then empty, and the view describes the cursor instead.
  const std::string& status() const;
  void set_status(std::string text);

  const std::vector<Notice>& notices() const { return notices_; }
  void add_notice(Notice notice) { notices_.push_back(std::move(notice)); }
  void dismiss_notice(std::size_t index);

 private:
  std::uint64_t steps_ = 0;
  std::uint64_t cursor_ = 0;
  std::uint64_t cursor_revision_ = 1;
  std::uint32_t focus_thread_ = 0;
  TimeAxis axis_;
  Breakpoints breakpoints_;
  Selection selection_;
  std::string status_;
  std::uint64_t status_revision_ = 0;  // the cursor revision the status was said at
  std::vector<Notice> notices_;
};

}  // namespace dust::dbg
