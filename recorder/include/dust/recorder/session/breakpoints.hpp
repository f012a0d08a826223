// breakpoints.hpp — statement breakpoints, logpoints and data breakpoints.
//
// A breakpoint names a statement; it is hit by every step that begins an
// execution of that statement (a statement resumed after a call or a wait
// is not hit again). It may carry a thread filter, a condition (a DIR
// expression evaluated in the thread's frame, such as `v Gt 3`), a hit
// condition (`3` stops at the third hit, `>= 3` from the third on, `% 2` at
// every second) and a log message with `{expr}` holes, which makes it a
// logpoint: it never stops, it lists every hit. Hits are counted from the
// start of the recording, so a hit count means the same thing whichever way
// the cursor came. Statement breakpoints are kept sorted by statement, so
// the navigator's test is a binary search.
//
// A data breakpoint watches writes: to a binding (by name, in one thread or
// any) or to a memory cell.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dust::session {

struct Breakpoint {
  std::uint32_t stmt = 0;
  bool enabled = true;
  std::string condition;                // empty: always
  std::string hit_condition;            // empty: every hit
  std::optional<std::uint32_t> thread;  // only this thread's hits
  std::string log_message;              // non-empty: a logpoint

  bool is_logpoint() const { return !log_message.empty(); }
  // Hit by every step that begins its statement, with nothing to evaluate.
  bool is_plain() const { return condition.empty() && hit_condition.empty() && !thread && log_message.empty(); }
  friend bool operator==(const Breakpoint&, const Breakpoint&) = default;
};

struct DataBreakpoint {
  enum class Target : std::uint8_t { Binding, MemoryCell };
  Target target = Target::Binding;
  std::string name;                     // Binding: the binding's name
  std::optional<std::uint32_t> thread;  // Binding: the thread whose writes count (none: any)
  std::int64_t address = 0;             // MemoryCell
  bool enabled = true;

  // The name the recorder's queries use: the binding's, or "mem:<address>".
  std::string query_name() const;
  // "n (T1)" or "mem 0x1000", for messages.
  std::string describe() const;
  friend bool operator==(const DataBreakpoint&, const DataBreakpoint&) = default;
};

// Parses a hit condition; nullopt (with `error`) for one that is not
// `N`, `== N`, `>= N`, `> N` or `% N` with N a positive integer.
struct HitCondition {
  enum class Kind : std::uint8_t { Exactly, AtLeast, Above, Every };
  Kind kind = Kind::Exactly;
  std::uint64_t count = 1;
  bool matches(std::uint64_t hit) const;  // hit counts from 1
};
std::optional<HitCondition> parse_hit_condition(const std::string& text, std::string& error);

class Breakpoints {
 public:
  // Adds a plain breakpoint on `stmt`, or removes the one there. Returns
  // whether one is set afterwards.
  bool toggle(std::uint32_t stmt);
  void set(std::uint32_t stmt);
  // Adds `b`, replacing any breakpoint on its statement.
  void put(Breakpoint b);
  // put() for each of `added` in turn (a later one on a statement replaces
  // an earlier), sorted once: a DAP client may send its breakpoints in any
  // order, and put one by one in reverse they would move all before each.
  void put_all(std::vector<Breakpoint> added);
  void remove(std::uint32_t stmt);
  void set_enabled(std::uint32_t stmt, bool enabled);
  void clear();

  bool has(std::uint32_t stmt) const { return get(stmt) != nullptr; }
  const Breakpoint* get(std::uint32_t stmt) const;
  // Set and enabled.
  bool active(std::uint32_t stmt) const;
  bool any_active() const;
  const std::vector<Breakpoint>& all() const { return items_; }

  void set_data(std::vector<DataBreakpoint> data);
  const std::vector<DataBreakpoint>& data() const { return data_; }
  bool any_data() const;

  // Bumped by every change, so caches of evaluated hits know when to drop.
  std::uint64_t revision() const { return revision_; }

 private:
  std::vector<Breakpoint> items_;
  std::vector<DataBreakpoint> data_;
  std::uint64_t revision_ = 0;
};

}  // namespace dust::session
