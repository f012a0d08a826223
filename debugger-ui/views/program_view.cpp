// program_view.cpp — the DIR of every proc, pretty-printed, with where
// each thread is.
//
// Each thread's current statement is highlighted (the focus thread's
// strongest, callers' call sites faintly) and tagged with the thread; the
// gutter shows breakpoints and a click there toggles one. When the cursor
// moves, the listing scrolls to the focus thread's statement. Under
// `--phi resolve` the Φ entry's constraints are marked: the conflict of a
// non-existent run highlighted, its counterfactuals named.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "views/views.hpp"

namespace dust::dbg {

namespace {

constexpr float kGutter = 20.0f;
constexpr float kNumberWidth = 44.0f;
constexpr float kTagWidth = 84.0f;  // two tags and a "+k"
constexpr float kMoreWidth = 22.0f;

// Hovering a name in the listing shows its value in the focus thread's
// frame at the cursor (or why it has none); hovering a line the panel
// cuts shows the whole line as well.
void hover_value(Debugger& dbg, const std::string& text, bool cut) {
  float x = ImGui::GetIO().MousePos.x - ImGui::GetItemRectMin().x;
  auto is_name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (std::size_t b = 0; b < text.size();) {
    if (!is_name_char(text[b]) || std::isdigit(static_cast<unsigned char>(text[b]))) {
      ++b;
      continue;
    }
    std::size_t e = b;
    while (e < text.size() && is_name_char(text[e])) ++e;
    float x0 = ImGui::CalcTextSize(text.c_str(), text.c_str() + b).x;
    float x1 = ImGui::CalcTextSize(text.c_str(), text.c_str() + e).x;
    if (x >= x0 && x < x1) {
      std::string name = text.substr(b, e - b);
      Debugger::Evaluation v = dbg.evaluate_at_cursor(name);
      ImGui::BeginTooltip();
      if (cut) ImGui::TextUnformatted(text.c_str(), text.c_str() + text.size());
      if (v.ok) ImGui::Text("%s = %s", name.c_str(), v.text.c_str());
      else ImGui::Text("%s: %s", name.c_str(), v.text.c_str());
      ImGui::EndTooltip();
      return;
    }
    b = e;
  }
  if (cut) ImGui::SetTooltip("%s", text.c_str());
}

// The threads whose current statement is `stmt`, each tagged "Tn▶" in the
// tag column (the focus thread brightest), and the call sites of their
// callers shaded. Tags that do not fit the column end in "+k", and
// hovering the column lists every thread there.
void draw_thread_tags(const CursorSnapshot& snap, std::uint32_t focus_thread, std::uint32_t stmt, ImDrawList* dl,
                      ImVec2 pos, ImVec2 row_max) {
  if (stmt == kNoStmt) return;
  const float tag_left = pos.x + kGutter + kNumberWidth;
  const float tag_right = tag_left + kTagWidth - 4;
  float tag_x = tag_left;
  int here_total = 0, here_count = 0, hidden = 0;
  for (const ThreadView& t : snap.threads) here_total += !t.frames.empty() && t.current_stmt() == stmt;
  for (const ThreadView& t : snap.threads) {
    if (t.frames.empty()) continue;
    bool here = t.current_stmt() == stmt;
    bool caller = false;
    for (std::size_t f = 0; f + 1 < t.frames.size(); ++f) caller = caller || t.frames[f].stmt == stmt;
    if (!here && !caller) continue;
    bool focus = t.id == focus_thread;
    if (!here) {
      dl->AddRectFilled(pos, row_max, color(palette::kOtherThreadLine, 90));
      continue;
    }
    ++here_count;
    dl->AddRectFilled(pos, row_max, color(focus ? palette::kFocusLine : palette::kOtherThreadLine));
    char tag[16];
    std::snprintf(tag, sizeof tag, "T%u\u25b6", t.id);
    float w = ImGui::CalcTextSize(tag).x;
    // Keep room for "+k" unless this is the last thread here.
    float limit = here_count == here_total ? tag_right : tag_right - kMoreWidth;
    if (hidden > 0 || tag_x + w > limit) {
      ++hidden;
      continue;
    }
    dl->AddText(ImVec2(tag_x, pos.y), focus ? color(palette::kCursor) : color(palette::thread_hue(t.id)), tag);
    tag_x += w + 4;
  }
  if (hidden > 0) {
    char more[16];
    std::snprintf(more, sizeof more, "+%d", hidden);
    dl->AddText(ImVec2(tag_x, pos.y), color(palette::kCursor), more);
  }
  if (here_count > 1 && ImGui::IsMouseHoveringRect(ImVec2(tag_left, pos.y), ImVec2(tag_left + kTagWidth, row_max.y))) {
    ImGui::BeginTooltip();
    ImGui::TextUnformatted("Threads at this statement:");
    for (const ThreadView& t : snap.threads) {
      if (!t.frames.empty() && t.current_stmt() == stmt) {
        ImGui::TextColored(color_vec(palette::thread_hue(t.id)), "%s", t.title.c_str());
      }
    }
    ImGui::EndTooltip();
  }
}

}  // namespace

void draw_program(Debugger& dbg, UiState& ui) {
  const ProgramListing& listing = dbg.listing();
  const CursorSnapshot& snap = dbg.snapshot();
  ViewState& view = dbg.view();
  const auto& lines = listing.lines();

  // The heading's hint is dropped, never cut, when the panel is narrow;
  // hovering the heading always gives it.
  static const char* const kHint = "  click the gutter to toggle a breakpoint";
  ImGui::TextDisabled("Program");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The program; %s", kHint + 2);
  ImGui::SameLine();
  if (ImGui::CalcTextSize(kHint).x <= ImGui::GetContentRegionAvail().x) ImGui::TextDisabled("%s", kHint);
  else ImGui::NewLine();
  ImGui::BeginChild("listing", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float line_h = ImGui::GetTextLineHeightWithSpacing();

  // The focus thread's line, to scroll to when the cursor moved.
  std::uint32_t focus_stmt = kNoStmt;
  for (const ThreadView& t : snap.threads) {
    if (t.id == view.focus_thread()) focus_stmt = t.current_stmt();
  }
  if (ui.program_scroll_revision != view.cursor_revision()) {
    ui.program_scroll_revision = view.cursor_revision();
    if (auto line = listing.line_of(focus_stmt)) {
      float target = static_cast<float>(*line) * line_h;
      float scroll = ImGui::GetScrollY();
      float visible = ImGui::GetWindowHeight();
      if (target < scroll + line_h || target > scroll + visible - 3 * line_h) {
        ImGui::SetScrollY(std::max(0.0f, target - visible * 0.35f));
      }
    }
  }

  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(lines.size()), line_h);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const ListingLine& line = lines[static_cast<std::size_t>(i)];
      ImVec2 pos = ImGui::GetCursorScreenPos();
      float width = std::max(ImGui::GetContentRegionAvail().x, 600.0f);
      ImVec2 row_max(pos.x + width, pos.y + line_h);

      // The conflict of a Φ entry with no admissible configuration.
      const std::optional<PhiResolution>& phi = dbg.catalog().phi_resolution;
      std::optional<std::uint32_t> constraint;
      if (phi && line.stmt != kNoStmt) {
        for (std::uint32_t c = 0; c < phi->constraints.size(); ++c) {
          if (phi->constraints[c].stmt == line.stmt) constraint = c;
        }
      }
      if (constraint && phi->in_conflict(*constraint)) dl->AddRectFilled(pos, row_max, color(palette::kPhiConflictLine));

      // Highlights: where threads are now, and their callers' call sites.
      draw_thread_tags(snap, view.focus_thread(), line.stmt, dl, pos, row_max);
      ImGui::PushID(i);
      if (line.stmt != kNoStmt) {
        if (ImGui::InvisibleButton("##gutter", ImVec2(kGutter, line_h))) view.breakpoints().toggle(line.stmt);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("Toggle breakpoint at %s", listing.path(line.stmt).c_str());
      } else {
        ImGui::Dummy(ImVec2(kGutter, line_h));
      }
      ImGui::PopID();
      if (line.stmt != kNoStmt && view.breakpoints().has(line.stmt)) {
        ImVec2 c(pos.x + kGutter * 0.5f, pos.y + line_h * 0.5f);
        if (view.breakpoints().active(line.stmt)) {
          dl->AddCircleFilled(c, 5.0f, color(palette::kBreakpoint));
        } else {
          dl->AddCircle(c, 5.0f, color(palette::kBreakpoint), 0, 1.5f);
        }
      }
      ImGui::SameLine(0, 0);
      ImGui::TextDisabled("%4d", i + 1);
      ImGui::SameLine(kGutter + kNumberWidth + kTagWidth + static_cast<float>(line.indent) * 18.0f);
      if (line.stmt == kNoStmt) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.62f, 0.70f, 0.85f, 1.0f));
        text_or_tooltip(line.text);
        ImGui::PopStyleColor();
      } else {
        ImGui::TextUnformatted(line.text.c_str(), line.text.c_str() + line.text.size());
        if (ImGui::IsItemHovered()) {
          bool cut = ImGui::GetItemRectMax().x > ImGui::GetWindowPos().x + ImGui::GetWindowWidth();
          hover_value(dbg, line.text, cut);
        }
      }
      // Only with a mark to draw: a SameLine with no item after it would
      // put the next listing line on this one.
      if (constraint && (phi->in_conflict(*constraint) || phi->outcome == PhiOutcome::Admissible)) {
        ImGui::SameLine();
        if (phi->is_counterfactual(*constraint)) {
          ImGui::TextColored(color_vec(palette::kPhiCounterfactual), "  \u2190 conflict: %s", kPhiCounterfactualNote);
        } else if (phi->in_conflict(*constraint)) {
          ImGui::TextColored(color_vec(palette::kPhiFailed), "  \u2190 conflict");
        } else {
          ImGui::TextColored(color_vec(palette::kPhiHeld), "  \u2190 holds");
        }
      }
    }
  }
  clipper.End();
  ImGui::EndChild();
}

}  // namespace dust::dbg
