// breakpoints.hpp — statement breakpoints.
//
// A breakpoint names a statement; it is hit by every step that begins an
// execution of that statement, on any thread (a statement resumed after a
// call or a wait is not hit again). Kept sorted by statement so the
// navigator's test is a binary search.
#pragma once

#include <cstdint>
#include <vector>

namespace dust::dbg {

struct Breakpoint {
  std::uint32_t stmt = 0;
  bool enabled = true;
};

class Breakpoints {
 public:
  // Adds a breakpoint on `stmt`, or removes the one there. Returns whether
  // one is set afterwards.
  bool toggle(std::uint32_t stmt);
  void set(std::uint32_t stmt);
  void remove(std::uint32_t stmt);
  void set_enabled(std::uint32_t stmt, bool enabled);
  void clear() { items_.clear(); }

  bool has(std::uint32_t stmt) const { return find(stmt) != nullptr; }
  // Set and enabled.
  bool active(std::uint32_t stmt) const;
  bool any_active() const;
  const std::vector<Breakpoint>& all() const { return items_; }

 private:
  const Breakpoint* find(std::uint32_t stmt) const;
  std::vector<Breakpoint> items_;
};

}  // namespace dust::dbg
