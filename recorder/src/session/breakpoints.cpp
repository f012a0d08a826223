// breakpoints.cpp — the sorted set of statement breakpoints, the data
// breakpoints, and hit conditions.
#include "dust/recorder/session/breakpoints.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace dust::session {

namespace {
bool by_stmt(const Breakpoint& b, std::uint32_t stmt) { return b.stmt < stmt; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
}  // namespace

std::string DataBreakpoint::query_name() const {
  return target == Target::MemoryCell ? "mem:" + std::to_string(address) : name;
}

std::string DataBreakpoint::describe() const {
  if (target == Target::MemoryCell) return "mem:" + std::to_string(address);
  return thread ? name + " (T" + std::to_string(*thread) + ")" : name;
}

bool HitCondition::matches(std::uint64_t hit) const {
  switch (kind) {
    case Kind::Exactly: return hit == count;
    case Kind::AtLeast: return hit >= count;
    case Kind::Above: return hit > count;
    case Kind::Every: return hit % count == 0;
  }
  return false;
}

std::optional<HitCondition> parse_hit_condition(const std::string& text, std::string& error) {
  std::string_view s = trim(text);
  HitCondition h;
  if (s.starts_with(">=")) {
    h.kind = HitCondition::Kind::AtLeast;
    s.remove_prefix(2);
  } else if (s.starts_with("==")) {
    s.remove_prefix(2);
  } else if (s.starts_with(">")) {
    h.kind = HitCondition::Kind::Above;
    s.remove_prefix(1);
  } else if (s.starts_with("%")) {
    h.kind = HitCondition::Kind::Every;
    s.remove_prefix(1);
  }
  s = trim(s);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), h.count);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || h.count == 0) {
    error = "hit condition `" + text + "` is not N, == N, >= N, > N or % N with N a positive integer";
    return std::nullopt;
  }
  return h;
}

const Breakpoint* Breakpoints::get(std::uint32_t stmt) const {
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
  ++revision_;
  auto it = std::lower_bound(items_.begin(), items_.end(), stmt, by_stmt);
  if (it != items_.end() && it->stmt == stmt) {
    it->enabled = true;
    return;
  }
  Breakpoint b;
  b.stmt = stmt;
  items_.insert(it, std::move(b));
}

void Breakpoints::put(Breakpoint b) {
  ++revision_;
  auto it = std::lower_bound(items_.begin(), items_.end(), b.stmt, by_stmt);
  if (it != items_.end() && it->stmt == b.stmt) {
    *it = std::move(b);
    return;
  }
  items_.insert(it, std::move(b));
}

void Breakpoints::put_all(std::vector<Breakpoint> added) {
  ++revision_;
  std::stable_sort(added.begin(), added.end(),
                   [](const Breakpoint& a, const Breakpoint& b) { return a.stmt < b.stmt; });
  std::vector<Breakpoint> merged;
  merged.reserve(items_.size() + added.size());
  auto old = items_.begin();
  for (std::size_t i = 0; i < added.size(); ++i) {
    if (i + 1 < added.size() && added[i + 1].stmt == added[i].stmt) continue;  // a later one replaces it
    while (old != items_.end() && old->stmt < added[i].stmt) merged.push_back(std::move(*old++));
    if (old != items_.end() && old->stmt == added[i].stmt) ++old;
    merged.push_back(std::move(added[i]));
  }
  while (old != items_.end()) merged.push_back(std::move(*old++));
  items_ = std::move(merged);
}

void Breakpoints::remove(std::uint32_t stmt) {
  ++revision_;
  auto it = std::lower_bound(items_.begin(), items_.end(), stmt, by_stmt);
  if (it != items_.end() && it->stmt == stmt) items_.erase(it);
}

void Breakpoints::set_enabled(std::uint32_t stmt, bool enabled) {
  ++revision_;
  auto it = std::lower_bound(items_.begin(), items_.end(), stmt, by_stmt);
  if (it != items_.end() && it->stmt == stmt) it->enabled = enabled;
}

void Breakpoints::clear() {
  ++revision_;
  items_.clear();
}

bool Breakpoints::active(std::uint32_t stmt) const {
  const Breakpoint* b = get(stmt);
  return b != nullptr && b->enabled;
}

bool Breakpoints::any_active() const {
  return std::any_of(items_.begin(), items_.end(), [](const Breakpoint& b) { return b.enabled; });
}

void Breakpoints::set_data(std::vector<DataBreakpoint> data) {
  ++revision_;
  data_ = std::move(data);
}

bool Breakpoints::any_data() const {
  return std::any_of(data_.begin(), data_.end(), [](const DataBreakpoint& d) { return d.enabled; });
}

}  // namespace dust::session
