// schedule_token.cpp — schedule tokens: text form, parsing and lookup, the
// non-preemptive rule tokens are written relative to, and the seeded rule
// for readers outside the machine (schedule.hpp).
#include <algorithm>

#include "dust/schedule.hpp"
#include "thread_pick.hpp"

namespace dust {

namespace {

constexpr std::uint64_t kMaxStep = 1ull << 62;  // far beyond any run; keeps sums from overflowing

void append_base36(std::string& out, std::uint64_t n) {
  char digits[16];
  int count = 0;
  do {
    std::uint64_t d = n % 36;
    digits[count++] = static_cast<char>(d < 10 ? '0' + d : 'a' + (d - 10));
    n /= 36;
  } while (n != 0);
  while (count > 0) out += digits[--count];
}

void append_base26(std::string& out, std::uint32_t n) {
  char letters[8];
  int count = 0;
  do {
    letters[count++] = static_cast<char>('A' + n % 26);
    n /= 26;
  } while (n != 0);
  while (count > 0) out += letters[--count];
}

bool is_gap_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }
bool is_thread_letter(char c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

std::string ScheduleToken::text() const {
  std::string out = "S";
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += '.';
    append_base36(out, entries[i].step - previous);
    append_base26(out, entries[i].thread);
    previous = entries[i].step;
  }
  return out;
}

std::optional<ScheduleToken> ScheduleToken::parse(std::string_view text, std::string& error) {
  auto fail = [&](std::size_t at, const std::string& what) {
    error = "invalid schedule token at character " + std::to_string(at + 1) + ": " + what;
    return std::nullopt;
  };
  if (text.empty() || text[0] != 'S') return fail(0, "a token starts with 'S'");
  ScheduleToken token;
  std::size_t i = 1;
  std::uint64_t previous = 0;
  while (i < text.size()) {
    if (!token.entries.empty()) {
      if (text[i] != '.') return fail(i, "expected '.' between entries");
      ++i;
    }
    std::size_t start = i;
    std::uint64_t gap = 0;
    for (; i < text.size() && is_gap_digit(text[i]); ++i) {
      char c = text[i];
      gap = gap * 36 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
      if (gap > kMaxStep) return fail(start, "step gap too large");
    }
    if (i == start) return fail(i, "expected a step gap (base-36 digits 0-9a-z)");
    if (!token.entries.empty() && gap == 0) return fail(start, "a gap after the first entry is at least 1");
    std::size_t thread_start = i;
    std::uint64_t thread = 0;
    for (; i < text.size() && is_thread_letter(text[i]); ++i) {
      thread = thread * 26 + static_cast<std::uint64_t>(text[i] - 'A');
      if (thread > UINT32_MAX) return fail(thread_start, "thread number too large");
    }
    if (i == thread_start) return fail(i, "expected a thread (letters A-Z)");
    std::uint64_t step = previous + gap;
    if (step > kMaxStep) return fail(start, "step index too large");
    token.entries.push_back({step, static_cast<std::uint32_t>(thread)});
    previous = step;
  }
  return token;
}

std::optional<std::uint32_t> ScheduleToken::thread_at(std::uint64_t step) const {
  auto it = std::lower_bound(entries.begin(), entries.end(), step,
                             [](const ScheduleEntry& e, std::uint64_t s) { return e.step < s; });
  if (it == entries.end() || it->step != step) return std::nullopt;
  return it->thread;
}

std::uint32_t non_preemptive_choice(std::uint32_t previous, std::span<const std::uint32_t> runnable) {
  auto next = std::lower_bound(runnable.begin(), runnable.end(), previous);
  if (next != runnable.end() && *next == previous) return previous;
  return next == runnable.end() ? runnable.front() : *next;
}

std::uint32_t seeded_choice(std::uint32_t previous, std::span<const std::uint32_t> runnable, std::uint64_t seed,
                            std::uint64_t& rng_state) {
  return pick_thread(runnable.data(), runnable.size(), previous, seed, rng_state);
}

}  // namespace dust
