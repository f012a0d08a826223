// legend_view.cpp — what each colour means, under Help.
//
// One row per palette entry the timeline, the listing and the banners
// draw with, grouped by where it appears; each row shows its swatch, so
// the legend can never disagree with what is drawn.
#include "views/views.hpp"

namespace dust::dbg {

namespace {

struct LegendEntry {
  palette::Rgb rgb;
  const char* meaning;
};

struct LegendGroup {
  const char* title;
  const LegendEntry* entries;
  std::size_t count;
};

constexpr LegendEntry kThreads[] = {
    {palette::kThreadRunning, "running (zoomed in: one box per statement)"},
    {palette::kThreadRunnable, "runnable, waiting for its turn"},
    {palette::kThreadBlocked, "blocked (a lock, a join): never folded away"},
    {palette::kThreadSleeping, "sleeping"},
};
constexpr LegendEntry kMutexes[] = {
    {palette::kMutexHeld, "held (a strip and tag in the holder's hue on top)"},
    {palette::kMutexContended, "held while another thread waits"},
    {palette::kMutexWaited, "waited for (under the bar, the waiter's hue and tag)"},
    {palette::kWaitCycle, "at a deadlock: who waits for whom (arrows across the thread lanes)"},
};
constexpr LegendEntry kLifetimes[] = {
    {palette::kQLive, "Q resource alive"},
    {palette::kQEnded, "Q resource consumed"},
    {palette::kMemoryLive, "memory block allocated"},
    {palette::kMemoryFreed, "memory block freed"},
    {palette::kMarkUse, "Q use (read in place)"},
    {palette::kMarkMove, "Q move"},
    {palette::kMarkEnd, "Q consumption or memory free"},
    {palette::kMarkViolation, "linearity violation or memory misuse"},
    {palette::kDataRace, "data race: two threads, one writes, no common lock"},
};
constexpr LegendEntry kPhiAndEffects[] = {
    {palette::kPhiHeld, "\u03a6 constraint held"},
    {palette::kPhiFailed, "\u03a6 constraint failed"},
    {palette::kPhiWitness, "\u03a6 witness created"},
    {palette::kPhiRefused, "\u03a6 run refused"},
    {palette::kEffect, "effect (emit, print, file I/O)"},
};
constexpr LegendEntry kMarks[] = {
    {palette::kCursor, "the cursor; the focus thread's tag"},
    {palette::kFailure, "the failure"},
    {palette::kBreakpoint, "breakpoint"},
    {palette::kChanged, "changed by the last step"},
    {palette::kFocusLine, "the focus thread's statement"},
    {palette::kOtherThreadLine, "another thread's statement"},
    {palette::kErrorBanner, "banner: an error (a file that would not open)"},
    {palette::kWarningBanner, "banner: a warning (a trace cut short)"},
};

constexpr LegendGroup kGroups[] = {
    {"Thread lanes", kThreads, std::size(kThreads)},
    {"Mutex lanes", kMutexes, std::size(kMutexes)},
    {"Q and memory lanes", kLifetimes, std::size(kLifetimes)},
    {"\u03a6 and effects lanes", kPhiAndEffects, std::size(kPhiAndEffects)},
    {"Everywhere", kMarks, std::size(kMarks)},
};

void swatch(palette::Rgb rgb) {
  ImVec2 pos = ImGui::GetCursorScreenPos();
  float h = ImGui::GetTextLineHeight();
  ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(pos.x, pos.y + 2), ImVec2(pos.x + 2 * h, pos.y + h - 2), color(rgb));
  ImGui::Dummy(ImVec2(2 * h, h));
  ImGui::SameLine();
}

}  // namespace

void draw_colour_legend() {
  for (const LegendGroup& g : kGroups) {
    ImGui::TextDisabled("%s", g.title);
    for (std::size_t i = 0; i < g.count; ++i) {
      swatch(g.entries[i].rgb);
      ImGui::TextUnformatted(g.entries[i].meaning);
    }
  }
  ImGui::TextDisabled("Memory lanes");
  ImGui::TextUnformatted("reads (half height) and writes (full height) in the hue of the thread:");
  for (std::uint32_t t = 0; t < 8; ++t) {
    swatch(palette::thread_hue(t));
    ImGui::Text("T%u%s", t, t == 7 ? " (then again from T8)" : "");
  }
}

}  // namespace dust::dbg
