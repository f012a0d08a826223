// timeline_view.cpp — the run laid out in time.
//
// A step ruler, then lanes: K-threads, mutexes, Q resource lifetimes,
// memory block lifetimes, Φ resolution and effects, with the cursor line
// and the failure marker across all of them. When the race check stopped
// before the end of the run, a line between the ruler and the lanes says
// the race marks are incomplete. The lanes' items come culled
// and folded from the TimelineModel (cached on the visible range); this
// file only draws them and turns the mouse into model calls: the wheel
// zooms about the pointer, a left drag scrubs the cursor, a right drag pans.
#include <algorithm>
#include <array>
#include <cinttypes>
#include <cmath>
#include <cstdio>

#include "views/views.hpp"

namespace dust::dbg {

namespace {

constexpr float kLabelWidth = 150.0f;
constexpr float kRulerHeight = 24.0f;

// Lifetime rows are roomy while there are few of them, and thin when a
// run has many, so every row still fits.
constexpr std::size_t kRoomyRows = 12;

float lane_height(LaneKind kind, bool dense) {
  switch (kind) {
    case LaneKind::Thread: return 22.0f;
    case LaneKind::Mutex: return 20.0f;
    case LaneKind::QResource:
    case LaneKind::Memory: return dense ? 9.0f : 16.0f;
    case LaneKind::Phi:
    case LaneKind::Effects: return 20.0f;
  }
  return 20.0f;
}

bool dense_rows(const std::vector<Lane>& lanes) {
  std::size_t rows = 0;
  for (const Lane& lane : lanes) rows += lane.kind == LaneKind::QResource || lane.kind == LaneKind::Memory;
  return rows > kRoomyRows;
}

// Zoomed in this far, every step of a thread gets its own cell with its
// statement written in it.
constexpr double kStepCellPixels = 48.0;

palette::Rgb bar_color(LaneKind kind, std::uint8_t style) {
  switch (kind) {
    case LaneKind::Thread:
      switch (style) {
        case kThreadRunning: return palette::kThreadRunning;
        case kThreadBlocked: return palette::kThreadBlocked;
        case kThreadSleeping: return palette::kThreadSleeping;
        default: return palette::kThreadRunnable;
      }
    case LaneKind::Mutex:
      switch (style) {
        case kMutexHeldContended: return palette::kMutexContended;
        case kMutexWaited: return palette::kMutexWaited;
        default: return palette::kMutexHeld;
      }
    case LaneKind::QResource: return style == kLifetimeEnded ? palette::kQEnded : palette::kQLive;
    case LaneKind::Memory: return style == kLifetimeEnded ? palette::kMemoryFreed : palette::kMemoryLive;
    case LaneKind::Phi:
    case LaneKind::Effects: break;
  }
  return palette::kEffect;
}

palette::Rgb mark_color(LaneKind kind, std::uint8_t style) {
  if (kind == LaneKind::Phi) {
    switch (style) {
      case kPhiWitness: return palette::kPhiWitness;
      case kPhiFailed: return palette::kPhiFailed;
      case kPhiRefused: return palette::kPhiRefused;
      default: return palette::kPhiHeld;
    }
  }
  if (kind == LaneKind::Effects) return palette::kEffect;
  switch (style) {
    case kMarkUse: return palette::kMarkUse;
    case kMarkMove: return palette::kMarkMove;
    case kMarkEnd: return palette::kMarkEnd;
    case kMarkViolation: return palette::kMarkViolation;
    case kMarkRace: return palette::kDataRace;
    default: return palette::kMarkMove;
  }
}

// Ruler labels: "3M", "250k" when the marks are that far apart, else the
// whole step number in groups of three ("5 000 020"), so a zoomed-in ruler
// never shows six-digit fractions.
void format_step(char* buf, std::size_t size, double step, double interval) {
  if (interval >= 1e6) {
    std::snprintf(buf, size, "%.4gM", step / 1e6);
  } else if (interval >= 1e3 && step >= 1e4) {
    std::snprintf(buf, size, "%.6gk", step / 1e3);
  } else {
    char digits[24];
    int n = std::snprintf(digits, sizeof digits, "%.0f", step);
    std::size_t out = 0;
    for (int i = 0; i < n && out + 2 < size; ++i) {
      if (i > 0 && (n - i) % 3 == 0) buf[out++] = ' ';
      buf[out++] = digits[i];
    }
    buf[out] = '\0';
  }
}

double nice_interval(double raw) {
  if (raw <= 1) return 1;
  double base = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (base * m >= raw) return base * m;
  }
  return base * 10;
}

void draw_ruler(Debugger& dbg, ImDrawList* dl, ImVec2 origin, float width) {
  const TimeAxis& axis = dbg.view().axis();
  dl->AddRectFilled(origin, ImVec2(origin.x + width, origin.y + kRulerHeight), color(palette::kLaneBackgroundAlt));
  double interval = nice_interval(axis.steps_per_pixel(width) * 110.0);
  double first = std::ceil(axis.visible().first / interval) * interval;
  char buf[32];
  for (double s = first; s <= axis.visible().last; s += interval) {
    float x = origin.x + static_cast<float>(axis.step_to_x(s, width));
    dl->AddLine(ImVec2(x, origin.y + kRulerHeight - 7), ImVec2(x, origin.y + kRulerHeight), IM_COL32(180, 180, 190, 255));
    format_step(buf, sizeof buf, s, interval);
    dl->AddText(ImVec2(x + 3, origin.y + 3), IM_COL32(190, 190, 200, 255), buf);
  }
}

// How a folded item looks. Its style is the most important of what it
// holds, not the most common, so painting it in that colour would make a
// busy thread with one short wait look blocked throughout. A fold is drawn
// as a dim "busy" body with the important part as a strip along it: the
// wait stays visible without taking over the lane.
struct FoldLook {
  palette::Rgb body;
  bool strip = false;
  palette::Rgb strip_color{0, 0, 0};
};

FoldLook fold_look(LaneKind kind, std::uint8_t style, bool waits) {
  if (kind == LaneKind::Thread && (style == kThreadBlocked || style == kThreadSleeping)) {
    return FoldLook{palette::kThreadRunning, true, bar_color(kind, style)};
  }
  if (kind == LaneKind::Mutex && !waits && style == kMutexHeldContended) {
    return FoldLook{palette::kMutexHeld, true, palette::kMutexContended};
  }
  return FoldLook{bar_color(kind, style)};
}

void draw_bar_items(ImDrawList* dl, const Lane& lane, const std::vector<LaneItem>& items, float x0, float top,
                    float bottom, std::uint8_t important, bool waits = false) {
  // Ordinary items first, then the important ones on top, so a widened
  // wait is never covered by its neighbours.
  for (int pass = 0; pass < 2; ++pass) {
    for (const LaneItem& it : items) {
      bool is_important = it.style >= important || (lane.kind == LaneKind::Mutex && it.style == kMutexHeldContended);
      if (is_important != (pass == 1)) continue;
      ImVec2 a(x0 + it.x0, top), b(x0 + std::max(it.x1, it.x0 + 1.0f), bottom);
      if (!it.folded || waits) {
        dl->AddRectFilled(a, b, color(bar_color(lane.kind, it.style)));
        continue;
      }
      // Body and strip side by side, not stacked: every pixel is drawn once.
      FoldLook look = fold_look(lane.kind, it.style, waits);
      float strip = look.strip ? std::max(3.0f, (bottom - top) * 0.4f) : 0.0f;
      dl->AddRectFilled(a, ImVec2(b.x, bottom - strip), color(look.body, 150));
      if (look.strip) dl->AddRectFilled(ImVec2(a.x, bottom - strip), b, color(look.strip_color));
    }
  }
}

// A run that followed a schedule token (`dustdbg PROG --schedule TOKEN`,
// say the shrunk token of a failing outcome of `dustrun explore`) marks
// its preemption points: where the token handed the next step to this
// lane's thread instead of letting the last thread go on, a small
// triangle at the top of the lane at that step.
void draw_schedule_switches(Debugger& dbg, ImDrawList* dl, const Lane& lane, float x0, float width, float top) {
  const std::optional<ScheduleToken>& schedule = dbg.info().config.schedule;
  if (!schedule) return;
  const TimeAxis& axis = dbg.view().axis();
  for (const ScheduleEntry& e : schedule->entries) {
    if (e.thread != lane.key) continue;
    float x = x0 + static_cast<float>(axis.step_to_x(static_cast<double>(e.step), width));
    if (x < x0 - 5 || x > x0 + width + 5) continue;
    dl->AddTriangleFilled(ImVec2(x - 5, top), ImVec2(x + 5, top), ImVec2(x, top + 7), color(palette::kCursor));
  }
}

void draw_mark_items(ImDrawList* dl, const Lane& lane, float x0, float top, float bottom) {
  float mid = (top + bottom) * 0.5f;
  float half = (bottom - top) * 0.5f;
  const auto& marks = lane.marks;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    const LaneItem& it = marks[i];
    ImU32 fill = color(mark_color(lane.kind, it.style));
    // Several marks of one step (two constraint checks, a witness) share
    // its cell side by side instead of covering each other.
    std::size_t first = i, last = i;
    while (first > 0 && marks[first - 1].x0 == it.x0 && marks[first - 1].x1 == it.x1) --first;
    while (last + 1 < marks.size() && marks[last + 1].x0 == it.x0 && marks[last + 1].x1 == it.x1) ++last;
    float share = static_cast<float>(i - first + 1) / static_cast<float>(last - first + 2);
    float cx = x0 + it.x0 + (it.x1 - it.x0) * share;
    if (lane.kind == LaneKind::Phi || lane.kind == LaneKind::Effects) {
      float r = it.folded ? half : half * 0.75f;
      dl->AddQuadFilled(ImVec2(cx, mid - r), ImVec2(cx + r, mid), ImVec2(cx, mid + r), ImVec2(cx - r, mid), fill);
    } else {
      // A tick in the middle of its step: a move, an end, a violation.
      float w = std::clamp(it.x1 - it.x0, 2.0f, it.style == kMarkViolation ? 6.0f : 4.0f);
      dl->AddRectFilled(ImVec2(cx - w * 0.5f, top - 1), ImVec2(cx + w * 0.5f, bottom + 1), fill);
    }
  }
}

// A memory block's reads and writes, as ticks from the lane's foot in the
// colour of the thread: a write the lane's whole height, a read half.
void draw_access_items(ImDrawList* dl, const Lane& lane, float x0, float top, float bottom) {
  for (const LaneItem& it : lane.accesses) {
    ImU32 fill = color(palette::thread_hue(access_thread(it.style)));
    float cx = x0 + (it.x0 + it.x1) * 0.5f;
    float w = std::clamp(it.x1 - it.x0, 1.0f, 3.0f);
    float y = access_wrote(it.style) ? top : (top + bottom) * 0.5f;
    dl->AddRectFilled(ImVec2(cx - w * 0.5f, y), ImVec2(cx + w * 0.5f, bottom), fill);
  }
}

// Running segments wide enough get their statement written inside.
void draw_thread_texts(Debugger& dbg, ImDrawList* dl, std::size_t lane_index, const Lane& lane, float x0, float top,
                       float bottom) {
  const float text_h = ImGui::GetTextLineHeight();
  for (const LaneItem& it : lane.bars) {
    if (it.folded || it.style != kThreadRunning || it.x1 - it.x0 < 60.0f) continue;
    const rec::ThreadSegment* seg = dbg.timeline().thread_segment(lane_index, it.ref);
    if (seg == nullptr || seg->stmt == kNoStmt) continue;
    const std::string& text = dbg.listing().statement(seg->stmt);
    ImVec4 clip(x0 + it.x0 + 2, top, x0 + it.x1 - 2, bottom);
    dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(x0 + it.x0 + 4, (top + bottom - text_h) * 0.5f),
                IM_COL32(12, 24, 12, 255), text.c_str(), text.c_str() + text.size(), 0.0f, &clip);
  }
}

// When each step is wide enough, the thread's own steps are drawn as cells
// with their statements, since the query API merges a thread's consecutive
// running steps into one segment.
void draw_step_cells(Debugger& dbg, ImDrawList* dl, const Lane& lane, float x0, float width, float top,
                     float bottom) {
  const TimeAxis& axis = dbg.view().axis();
  auto first = static_cast<std::uint64_t>(std::max(0.0, std::floor(axis.visible().first)));
  auto last = static_cast<std::uint64_t>(std::max(0.0, std::ceil(axis.visible().last)));
  last = std::min<std::uint64_t>(last, dbg.steps().size());
  const float text_h = ImGui::GetTextLineHeight();
  for (std::uint64_t s = first; s < last; ++s) {
    StepInfo info = dbg.steps().at(s);
    if (info.thread != lane.key) continue;
    float a = x0 + static_cast<float>(axis.step_to_x(static_cast<double>(s), width));
    float b = x0 + static_cast<float>(axis.step_to_x(static_cast<double>(s + 1), width));
    dl->AddLine(ImVec2(a, top), ImVec2(a, bottom), IM_COL32(20, 40, 20, 255), 1.0f);
    if (info.stmt == kNoStmt) continue;
    const std::string& text = dbg.listing().statement(info.stmt);
    ImVec4 clip(a + 2, top, b - 2, bottom);
    dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(a + 4, (top + bottom - text_h) * 0.5f),
                IM_COL32(12, 24, 12, 255), text.c_str(), text.c_str() + text.size(), 0.0f, &clip);
  }
}

// Who holds a mutex and who waits for it: each unfolded hold and wait
// carries a strip in its thread's hue along its top, and its thread's tag
// ("T1", "T2 waits") when wide enough to read.
void draw_mutex_threads(Debugger& dbg, ImDrawList* dl, std::size_t lane_index, const std::vector<LaneItem>& items,
                        float x0, float top, float bottom) {
  char tag[24];
  const float font = ImGui::GetFontSize();
  for (const LaneItem& it : items) {
    if (it.folded) continue;
    const rec::MutexSegment* seg = dbg.timeline().mutex_segment(lane_index, it.ref);
    if (seg == nullptr) continue;
    ImU32 hue = color(palette::thread_hue(seg->thread));
    float a = x0 + it.x0, b = x0 + std::max(it.x1, it.x0 + 1.0f);
    dl->AddRectFilled(ImVec2(a, top), ImVec2(b, top + std::min(3.0f, bottom - top)), hue);
    if (b - a < 28.0f || bottom - top < font - 4) continue;
    std::snprintf(tag, sizeof tag, seg->held ? "T%u" : "T%u waits", seg->thread);
    ImVec4 clip(a + 2, top, b - 2, bottom);
    dl->AddText(ImGui::GetFont(), font, ImVec2(a + 4, top + (bottom - top - font) * 0.5f + 1), IM_COL32(10, 14, 30, 255),
                tag, nullptr, 0.0f, &clip);
  }
}

// Wide lifetime bars say what they hold: the Q resource's type, the
// memory block's size.
void draw_lifetime_texts(Debugger& dbg, ImDrawList* dl, const Lane& lane, float x0, float top, float bottom) {
  if (bottom - top < ImGui::GetFontSize() - 2) return;
  const RunCatalog& cat = dbg.catalog();
  char buf[48];
  for (const LaneItem& it : lane.bars) {
    if (it.folded || it.x1 - it.x0 < 80.0f) continue;
    const char* text = buf;
    if (lane.kind == LaneKind::QResource && it.ref < cat.q.size()) {
      text = cat.q[it.ref].type.c_str();
    } else if (lane.kind == LaneKind::Memory && it.ref < cat.memory.size()) {
      std::snprintf(buf, sizeof buf, "%" PRId64 " bytes", cat.memory[it.ref].size);
    } else {
      continue;
    }
    ImVec4 clip(x0 + it.x0 + 2, top, x0 + it.x1 - 2, bottom);
    dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(x0 + it.x0 + 4, top + (bottom - top - ImGui::GetFontSize()) * 0.5f),
                IM_COL32(10, 20, 24, 255), text, nullptr, 0.0f, &clip);
  }
}

void thread_tooltip(Debugger& dbg, std::size_t lane_index, const Lane& lane, const LaneItem& it,
                    std::uint64_t step_under_mouse) {
  const rec::ThreadSegment* seg = dbg.timeline().thread_segment(lane_index, it.ref);
  ImGui::BeginTooltip();
  ImGui::TextUnformatted(lane.label.c_str());
  if (step_under_mouse < dbg.steps().size()) {
    StepInfo info = dbg.steps().at(step_under_mouse);
    if (info.thread == lane.key && info.stmt != kNoStmt) {
      ImGui::Text("step %" PRIu64 " (%s): %s", step_under_mouse, step_kind_name(info.kind),
                  dbg.listing().path(info.stmt).c_str());
      ImGui::TextColored(color_vec(palette::kCursor), "%s", dbg.listing().statement(info.stmt).c_str());
      ImGui::Separator();
    }
  }
  if (it.folded) ImGui::Text("%u spans folded; the most important shown", it.count);
  if (seg != nullptr) {
    static const char* const kActivity[] = {"running", "runnable", "blocked", "sleeping", "finished"};
    ImGui::Text("%s, steps %" PRIu64 "..%" PRIu64, kActivity[static_cast<int>(seg->activity)], seg->first, seg->last);
    if (seg->stmt != kNoStmt) {
      ImGui::Text("%s", dbg.listing().path(seg->stmt).c_str());
      ImGui::Text("%s", dbg.listing().statement(seg->stmt).c_str());
    }
    if (!seg->waits_for.empty()) ImGui::TextColored(color_vec(palette::kThreadBlocked), "waits for %s", seg->waits_for.c_str());
  }
  ImGui::EndTooltip();
}

void mutex_tooltip(Debugger& dbg, std::size_t lane_index, const Lane& lane, const LaneItem& it) {
  const rec::MutexSegment* seg = dbg.timeline().mutex_segment(lane_index, it.ref);
  ImGui::BeginTooltip();
  ImGui::TextUnformatted(lane.label.c_str());
  if (it.folded) ImGui::Text("%u spans folded", it.count);
  if (seg != nullptr) {
    ImGui::Text("%s by T%u, steps %" PRIu64 "..%" PRIu64, seg->held ? "held" : "waited for", seg->thread, seg->first,
                seg->last);
    if (seg->contended) ImGui::TextColored(color_vec(palette::kMutexContended), "contended: another thread waited");
  }
  ImGui::EndTooltip();
}

void lifetime_tooltip(Debugger& dbg, const Lane& lane, const LaneItem& it) {
  const RunCatalog& cat = dbg.catalog();
  ImGui::BeginTooltip();
  if (it.folded) ImGui::Text("%u items folded", it.count);
  if (lane.kind == LaneKind::QResource && it.ref < cat.q.size()) {
    const rec::QLifetime& q = cat.q[it.ref];
    ImGui::Text("%s  (%s)", q.resource.c_str(), q.type.c_str());
    ImGui::Text("allocated at step %" PRIu64 ", %zu moves, %zu uses", q.alloc_step, q.move_steps.size(),
                q.use_steps.size());
    for (const std::string& b : q.bindings) ImGui::BulletText("bound to %s", b.c_str());
    if (q.consume_step) ImGui::Text("consumed at step %" PRIu64, *q.consume_step);
    if (q.violation_step) {
      ImGui::TextColored(color_vec(palette::kMarkViolation), "linearity violation at step %" PRIu64, *q.violation_step);
    }
  } else if (lane.kind == LaneKind::Memory && it.ref < cat.memory.size()) {
    const rec::MemoryLifetime& m = cat.memory[it.ref];
    ImGui::Text("block %" PRId64 ", %" PRId64 " bytes, by T%u", m.address, m.size, m.thread);
    ImGui::Text("allocated at step %" PRIu64, m.alloc_step);
    if (m.free_step) ImGui::Text("freed at step %" PRIu64, *m.free_step);
    else ImGui::TextUnformatted("never freed");
    if (it.style == kMarkViolation && cat.failure) {
      ImGui::TextColored(color_vec(palette::kMarkViolation), "%s", cat.failure_text.c_str());
    }
    if (it.style == kMarkRace) {
      ImGui::TextColored(color_vec(palette::kDataRace), "data races: no common lock, no spawn or join between");
      if (!cat.race_check_stopped.empty()) {
        ImGui::TextColored(color_vec(palette::kDataRace), "only those found before the check stopped: %s",
                           cat.race_check_stopped.c_str());
      }
      int shown = 0;
      for (const rec::DataRace& race : cat.races) {
        if (cat.memory_block_at(race.first.address, race.first.step) != it.ref || ++shown > 6) continue;
        ImGui::BulletText("%" PRId64 ": step %" PRIu64 " T%u %s, step %" PRIu64 " T%u %s", race.address,
                          race.first.step, race.first.thread, race.first.write ? "write" : "read", race.second.step,
                          race.second.thread, race.second.write ? "write" : "read");
      }
    }
  }
  ImGui::EndTooltip();
}

void instant_tooltip(Debugger& dbg, const Lane& lane, const LaneItem& it) {
  const RunCatalog& cat = dbg.catalog();
  ImGui::BeginTooltip();
  if (it.folded) ImGui::Text("%u marks folded; zoom in to separate them", it.count);
  if (lane.kind == LaneKind::Phi && it.ref < cat.phi.size()) {
    const rec::PhiMark& m = cat.phi[it.ref];
    ImGui::Text("step %" PRIu64 ": %s", m.step, phi_event_kind_name(m.event.kind));
    ImGui::TextWrapped("%s", m.event.detail.c_str());
    if (!m.event.digest.empty()) ImGui::Text("digest %s", m.event.digest.c_str());
  } else if (lane.kind == LaneKind::Effects && it.ref < cat.effects.size()) {
    const rec::EffectMark& e = cat.effects[it.ref];
    ImGui::Text("step %" PRIu64 ", T%u: %s %s", e.step, e.thread, e.effect.kind.c_str(), e.effect.payload.c_str());
  }
  ImGui::EndTooltip();
}

// At a deadlock, the wait-for cycle across the thread lanes just before
// the failure: from each waiting thread's lane an arrow curves to the lane
// of the thread it waits for, labelled with the mutex (or the join).
constexpr std::size_t kMaxCycleLanes = 64;

void draw_wait_cycle(Debugger& dbg, ImDrawList* dl, float x, const std::array<float, kMaxCycleLanes>& thread_mid) {
  const std::vector<WaitEdge>& cycle = dbg.catalog().wait_cycle;
  ImU32 ink = color(palette::kWaitCycle);
  char label[24];
  for (std::size_t k = 0; k < cycle.size(); ++k) {
    const WaitEdge& e = cycle[k];
    if (e.waiter >= kMaxCycleLanes || e.holder >= kMaxCycleLanes) continue;
    float y0 = thread_mid[e.waiter], y1 = thread_mid[e.holder];
    if (y0 < 0 || y1 < 0) continue;
    float bulge = 30.0f + 28.0f * static_cast<float>(k);
    dl->AddBezierCubic(ImVec2(x, y0), ImVec2(x - bulge, y0), ImVec2(x - bulge, y1), ImVec2(x - 2, y1), ink, 2.5f);
    dl->AddTriangleFilled(ImVec2(x, y1), ImVec2(x - 9, y1 - 5), ImVec2(x - 9, y1 + 5), ink);
    dl->AddCircleFilled(ImVec2(x, y0), 3.5f, ink);
    if (e.kind == WaitKind::Mutex) {
      std::snprintf(label, sizeof label, "m%" PRId64, e.id);
    } else {
      std::snprintf(label, sizeof label, "join");
    }
    ImVec2 size = ImGui::CalcTextSize(label);
    // Each label beside its own curve: the curves of a two-thread cycle
    // span the same lanes, so their labels take different heights.
    float along = cycle.size() > 1 ? (static_cast<float>(k) + 1.0f) / (static_cast<float>(cycle.size()) + 1.0f) : 0.5f;
    ImVec2 at(x - bulge * 0.75f - size.x - 3, y0 + (y1 - y0) * along - size.y * 0.5f);
    dl->AddRectFilled(ImVec2(at.x - 1, at.y), ImVec2(at.x + size.x + 1, at.y + size.y), IM_COL32(20, 20, 24, 230));
    dl->AddText(at, ink, label);
  }
}

// A race check that stopped before the end of the run (more threads than
// it follows, an unreadable block) found only some of the races: a line
// between the ruler and the lanes says the race marks are incomplete, and
// why, for as long as the trace is open.
bool race_check_stopped(const Debugger& dbg) { return !dbg.catalog().race_check_stopped.empty(); }

void draw_race_check_warning(const Debugger& dbg) {
  ImGui::PushStyleColor(ImGuiCol_Text, color_vec(palette::kDataRace));
  ImGui::TextUnformatted("Race marks incomplete:");
  ImGui::SameLine();
  text_or_tooltip(dbg.catalog().race_check_stopped);
  ImGui::PopStyleColor();
}

float lanes_height(const std::vector<Lane>& lanes) {
  bool dense = dense_rows(lanes);
  float h = 0;
  LaneKind previous = LaneKind::Thread;
  for (const Lane& lane : lanes) {
    if (lane.kind != previous) h += 5;
    previous = lane.kind;
    h += lane_height(lane.kind, dense);
  }
  return h;
}

}  // namespace

float timeline_wanted_height(Debugger& dbg) {
  const ImGuiStyle& style = ImGui::GetStyle();
  float warning = race_check_stopped(dbg) ? ImGui::GetTextLineHeightWithSpacing() : 0.0f;
  return lanes_height(dbg.timeline().current_lanes()) + kRulerHeight + 2 + warning + 2 * style.WindowPadding.y + 8;
}

void draw_timeline(Debugger& dbg, UiState& ui, float height) {
  ViewState& view = dbg.view();
  TimeAxis& axis = view.axis();
  ImGui::BeginChild("timeline_panel", ImVec2(0, height), true, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImVec2 panel = ImGui::GetCursorScreenPos();
  float panel_w = ImGui::GetContentRegionAvail().x;
  float lanes_w = std::max(50.0f, panel_w - kLabelWidth);
  float x0 = panel.x + kLabelWidth;

  ImGui::TextDisabled("Timeline");
  draw_ruler(dbg, dl, ImVec2(x0, panel.y), lanes_w);
  ImGui::SetCursorScreenPos(ImVec2(panel.x, panel.y + kRulerHeight + 2));
  if (race_check_stopped(dbg)) draw_race_check_warning(dbg);

  const std::vector<Lane>& lanes = dbg.timeline().lanes(axis, lanes_w);
  float body_h = ImGui::GetContentRegionAvail().y;
  ImGui::BeginChild("lanes", ImVec2(0, body_h), false, ImGuiWindowFlags_NoScrollWithMouse);
  ImDrawList* ldl = ImGui::GetWindowDrawList();
  ImVec2 top_left = ImGui::GetCursorScreenPos();
  ImVec2 clip_min = ImGui::GetWindowPos();
  ImVec2 clip_max(clip_min.x + ImGui::GetWindowSize().x, clip_min.y + ImGui::GetWindowSize().y);
  ImVec2 mouse = ImGui::GetIO().MousePos;
  bool lanes_hovered = ImGui::IsWindowHovered();

  // The failing step's cell is tinted red behind the lanes and closed by a
  // strong line (at the end of the step: the cursor parked on the failure
  // sits just before it); a flag on the ruler marks it at any zoom. Both
  // stay inside the lanes, so a failure at the very end is still seen. The
  // draw list is split so the tint lies over lane backgrounds and under
  // lane contents.
  constexpr int kBackgroundChannel = 0, kTintChannel = 1, kContentChannel = 2;
  ldl->ChannelsSplit(3);
  ldl->ChannelsSetCurrent(kTintChannel);
  std::optional<std::pair<float, float>> failure_cell;
  if (const auto& failure = dbg.catalog().failure) {
    float a = x0 + static_cast<float>(axis.step_to_x(static_cast<double>(failure->step), lanes_w));
    float b = x0 + static_cast<float>(axis.step_to_x(static_cast<double>(failure->step) + 1.0, lanes_w));
    if (b >= x0 && a <= x0 + lanes_w) {
      b = std::clamp(std::max(b, a + 3.0f), x0 + 2.0f, x0 + lanes_w - 2.0f);
      a = std::min(a, b - 3.0f);
      failure_cell = std::make_pair(a, b);
      float bottom = std::min(clip_max.y, top_left.y + lanes_height(lanes));
      ldl->AddRectFilled(ImVec2(a, clip_min.y), ImVec2(b, bottom), color(palette::kFailure, 60));
    }
  }

  float y = top_left.y;
  LaneKind previous = LaneKind::Thread;
  bool dense = dense_rows(lanes);
  const LaneItem* hovered_item = nullptr;
  std::size_t hovered_lane = 0;
  std::array<float, kMaxCycleLanes> thread_mid;
  thread_mid.fill(-1.0f);
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const Lane& lane = lanes[i];
    if (lane.kind != previous) y += 5;
    previous = lane.kind;
    float h = lane_height(lane.kind, dense);
    float top = y, bottom = y + h;
    y += h;
    if (lane.kind == LaneKind::Thread && lane.key < kMaxCycleLanes) thread_mid[lane.key] = (top + bottom) * 0.5f;
    if (bottom < clip_min.y || top > clip_max.y) continue;
    // Lanes have no background fill (fill is what software OpenGL pays
    // for); a hairline under each thread and mutex lane keeps them apart.
    if (lane.kind == LaneKind::Thread || lane.kind == LaneKind::Mutex) {
      ldl->ChannelsSetCurrent(kBackgroundChannel);
      ldl->AddLine(ImVec2(x0, bottom - 0.5f), ImVec2(x0 + lanes_w, bottom - 0.5f), color(palette::kLaneBackgroundAlt));
    }
    ldl->ChannelsSetCurrent(kContentChannel);
    if (!lane.label.empty()) {
      bool focus = lane.kind == LaneKind::Thread && lane.key == view.focus_thread();
      ImU32 label_color = focus ? color(palette::kCursor) : IM_COL32(200, 200, 210, 255);
      ImVec4 clip(top_left.x, top, x0 - 4, bottom + 4);
      ldl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(top_left.x + 6, top + (h - ImGui::GetFontSize()) * 0.5f),
                   label_color, lane.label.c_str(), nullptr, 0.0f, &clip);
      // The thread's hue, which marks its accesses, holds and waits elsewhere.
      if (lane.kind == LaneKind::Thread) {
        ldl->AddRectFilled(ImVec2(top_left.x, top + 3), ImVec2(top_left.x + 3, bottom - 3),
                           color(palette::thread_hue(lane.key)));
      }
      if (lane.kind == LaneKind::Thread && lanes_hovered && ImGui::IsMouseClicked(ImGuiMouseButton_Left) &&
          mouse.x < x0 && mouse.y >= top && mouse.y < bottom) {
        view.set_focus_thread(lane.key);
      }
    }
    float pad = lane.kind == LaneKind::QResource || lane.kind == LaneKind::Memory ? 1.0f : 2.0f;
    float bar_top = top + pad, bar_bottom = bottom - pad;
    ImGui::PushClipRect(ImVec2(x0, top), ImVec2(x0 + lanes_w, bottom), true);
    if (lane.kind == LaneKind::Mutex) {
      float split = top + (h - 2 * pad) * 0.6f + pad;
      draw_bar_items(ldl, lane, lane.bars, x0, bar_top, split, kMutexWaited);
      draw_bar_items(ldl, lane, lane.waits, x0, split + 1, bar_bottom, kMutexWaited, true);
      draw_mutex_threads(dbg, ldl, i, lane.bars, x0, bar_top, split);
      draw_mutex_threads(dbg, ldl, i, lane.waits, x0, split + 1, bar_bottom);
    } else {
      draw_bar_items(ldl, lane, lane.bars, x0, bar_top, bar_bottom, lane.kind == LaneKind::Thread ? kThreadBlocked : 255);
    }
    if (lane.kind == LaneKind::Thread) {
      if (axis.steps_per_pixel(lanes_w) <= 1.0 / kStepCellPixels) {
        draw_step_cells(dbg, ldl, lane, x0, lanes_w, bar_top, bar_bottom);
      } else {
        draw_thread_texts(dbg, ldl, i, lane, x0, bar_top, bar_bottom);
      }
    }
    if (lane.kind == LaneKind::QResource || lane.kind == LaneKind::Memory) {
      draw_lifetime_texts(dbg, ldl, lane, x0, bar_top, bar_bottom);
    }
    draw_access_items(ldl, lane, x0, bar_top, bar_bottom);
    draw_mark_items(ldl, lane, x0, bar_top, bar_bottom);
    if (lane.kind == LaneKind::Thread) draw_schedule_switches(dbg, ldl, lane, x0, lanes_w, top);
    ImGui::PopClipRect();

    if (lanes_hovered && mouse.y >= top && mouse.y < bottom && mouse.x >= x0) {
      float mx = mouse.x - x0;
      for (const LaneItem& it : lane.marks) {
        if (mx >= it.x0 - 4 && mx <= it.x1 + 4) {
          hovered_item = &it;
          hovered_lane = i;
        }
      }
      if (hovered_item == nullptr) {
        for (const std::vector<LaneItem>* items : {&lane.bars, &lane.waits}) {
          for (const LaneItem& it : *items) {
            if (mx >= it.x0 && mx <= it.x1) {
              hovered_item = &it;
              hovered_lane = i;
            }
          }
        }
      }
    }
  }
  ldl->ChannelsMerge();
  ImGui::Dummy(ImVec2(panel_w, std::max(1.0f, y - top_left.y)));

  // The failure marker and the cursor line cross every lane.
  float lanes_bottom = std::min(clip_max.y, std::max(y, top_left.y));
  if (failure_cell) {
    auto [a, b] = *failure_cell;
    ldl->AddLine(ImVec2(b, clip_min.y), ImVec2(b, lanes_bottom), color(palette::kFailure), 3.0f);
    dl->AddLine(ImVec2(b, panel.y), ImVec2(b, panel.y + kRulerHeight), color(palette::kFailure), 3.0f);
    float fx = (a + b) * 0.5f;
    dl->AddTriangleFilled(ImVec2(fx - 8, panel.y), ImVec2(fx + 8, panel.y), ImVec2(fx, panel.y + 12),
                          color(palette::kFailure));
    if (!dbg.catalog().wait_cycle.empty()) draw_wait_cycle(dbg, ldl, a - 4, thread_mid);
  }
  float cursor_x = x0 + static_cast<float>(axis.step_to_x(static_cast<double>(view.cursor()), lanes_w));
  if (cursor_x >= x0 - 1 && cursor_x <= x0 + lanes_w + 1) {
    cursor_x = std::clamp(cursor_x, x0 + 1.0f, x0 + lanes_w - 1.0f);
    ldl->AddLine(ImVec2(cursor_x, clip_min.y), ImVec2(cursor_x, lanes_bottom), color(palette::kCursor), 2.0f);
    dl->AddLine(ImVec2(cursor_x, panel.y), ImVec2(cursor_x, panel.y + kRulerHeight), color(palette::kCursor), 2.0f);
    // The cursor's step and logical tick, on the ruler beside the line.
    char label[48];
    std::snprintf(label, sizeof label, "%" PRIu64 "  t%" PRIu64, view.cursor(), dbg.snapshot().tick);
    ImVec2 size = ImGui::CalcTextSize(label);
    float lx = cursor_x + 4 + size.x + 4 > x0 + lanes_w ? cursor_x - size.x - 8 : cursor_x + 4;
    dl->AddRectFilled(ImVec2(lx - 2, panel.y + 2), ImVec2(lx + size.x + 2, panel.y + 2 + size.y),
                      color(palette::kCursor));
    dl->AddText(ImVec2(lx, panel.y + 2), IM_COL32(20, 20, 10, 255), label);
  }

  if (hovered_item != nullptr && !ui.scrubbing) {
    const Lane& lane = lanes[hovered_lane];
    switch (lane.kind) {
      case LaneKind::Thread: {
        double step = std::floor(axis.x_to_step(mouse.x - x0, lanes_w));
        thread_tooltip(dbg, hovered_lane, lane, *hovered_item, step < 0 ? UINT64_MAX : static_cast<std::uint64_t>(step));
        break;
      }
      case LaneKind::Mutex: mutex_tooltip(dbg, hovered_lane, lane, *hovered_item); break;
      case LaneKind::QResource:
      case LaneKind::Memory: lifetime_tooltip(dbg, lane, *hovered_item); break;
      case LaneKind::Phi:
      case LaneKind::Effects: instant_tooltip(dbg, lane, *hovered_item); break;
    }
  }

  // Mouse: wheel zooms about the pointer, left drag scrubs, right drag pans.
  ImGuiIO& io = ImGui::GetIO();
  bool over_lanes = lanes_hovered && mouse.x >= x0;
  if (over_lanes && io.MouseWheel != 0.0f) {
    double anchor = axis.x_to_step(mouse.x - x0, lanes_w);
    axis.zoom(std::pow(0.8, static_cast<double>(io.MouseWheel)), anchor);
  }
  if (over_lanes && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) ui.scrubbing = true;
  if (ui.scrubbing) {
    if (!ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
      ui.scrubbing = false;
    } else {
      std::uint64_t step = axis.cursor_at_x(mouse.x - x0, lanes_w);
      if (step != view.cursor()) dbg.go_to(step);
    }
  }
  if (lanes_hovered && ImGui::IsMouseDragging(ImGuiMouseButton_Right, 0.0f)) {
    axis.pan_pixels(io.MouseDelta.x, lanes_w);
    ImGui::SetScrollY(ImGui::GetScrollY() - io.MouseDelta.y);
  }
  ImGui::EndChild();

  // The ruler takes clicks too.
  ImVec2 ruler_min(x0, panel.y), ruler_max(x0 + lanes_w, panel.y + kRulerHeight);
  if (ImGui::IsMouseHoveringRect(ruler_min, ruler_max) && ImGui::IsWindowHovered(ImGuiHoveredFlags_ChildWindows)) {
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) ui.scrubbing = true;
    if (io.MouseWheel != 0.0f) {
      axis.zoom(std::pow(0.8, static_cast<double>(io.MouseWheel)), axis.x_to_step(mouse.x - x0, lanes_w));
    }
  }
  ImGui::EndChild();
}

}  // namespace dust::dbg
