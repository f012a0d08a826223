// breakpoints.cpp — the sorted set of statement breakpoints.
#include "model/breakpoints.hpp"

#include <algorithm>

namespace dust::dbg {

namespace {
bool by_stmt(const Breakpoint& b, std::uint32_t stmt) { return b.stmt < stmt; }
}  // namespace

const Breakpoint* Breakpoints::find(std::uint32_t stmt) const {
  auto it = std::lower_bound(items_.begin(), items_.end(), stmt, by_stmt);
  return it != items_.end() && it->stmt == stmt ? &*it : nullptr;
}

bool Breakpoints::toggle(std::uint32_t stmt) {
  if (has(stmt)) {
    remove(stmt);
    return false;
  }
  set(stmt);
  return true;
}

void Breakpoints::set(std::uint32_t stmt) {
  auto it = std::lower_bound(items_.begin(), items_.end(), stmt, by_stmt);
  if (it != items_.end() && it->stmt == stmt) {
    it->enabled = true;
    return;
  }
  items_.insert(it, Breakpoint{stmt, true});
}

void Breakpoints::remove(std::uint32_t stmt) {
  auto it = std::lower_bound(items_.begin(), items_.end(), stmt, by_stmt);
  if (it != items_.end() && it->stmt == stmt) items_.erase(it);
}

void Breakpoints::set_enabled(std::uint32_t stmt, bool enabled) {
  auto it = std::lower_bound(items_.begin(), items_.end(), stmt, by_stmt);
  if (it != items_.end() && it->stmt == stmt) it->enabled = enabled;
}

bool Breakpoints::active(std::uint32_t stmt) const {
  const Breakpoint* b = find(stmt);
  return b != nullptr && b->enabled;
}

bool Breakpoints::any_active() const {
  return std::any_of(items_.begin(), items_.end(), [](const Breakpoint& b) { return b.enabled; });
}

}  // namespace dust::dbg
