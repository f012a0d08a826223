// breakpoints_view.cpp — the breakpoints: enable, disable, remove, and
// jump to a statement's next hit with Continue.
#include "views/views.hpp"

namespace dust::dbg {

void draw_breakpoints(Debugger& dbg, UiState& ui) {
  (void)ui;
  Breakpoints& bps = dbg.view().breakpoints();
  if (bps.all().empty()) {
    ImGui::TextDisabled("No breakpoints. Click the Program gutter or press F9.");
    return;
  }
  if (ImGui::SmallButton("Remove all")) {
    bps.clear();
    return;
  }
  std::uint32_t remove = kNoStmt;
  std::uint32_t toggle = kNoStmt;
  for (const Breakpoint& b : bps.all()) {
    ImGui::PushID(static_cast<int>(b.stmt));
    bool enabled = b.enabled;
    if (ImGui::Checkbox("##on", &enabled)) toggle = b.stmt;
    ImGui::SameLine();
    ImGui::TextUnformatted(dbg.listing().path(b.stmt).c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s", dbg.listing().statement(b.stmt).c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("remove")) remove = b.stmt;
    ImGui::PopID();
  }
  // Changed after the loop: the list must not change while it is walked.
  if (toggle != kNoStmt) bps.set_enabled(toggle, !bps.active(toggle));
  if (remove != kNoStmt) bps.remove(remove);
}

}  // namespace dust::dbg
