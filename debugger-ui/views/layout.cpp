// layout.cpp — the main window: where each view sits.
//
// Dear ImGui 1.86 from Debian has no docking, so the arrangement is fixed
// and computed from the window size: the toolbar, the timeline across the
// top 42%, then Program | State | a tab bar of the list views.
#include <algorithm>
#include <cmath>

#include "views/views.hpp"

namespace dust::dbg {

void draw_debugger(Debugger& dbg, UiState& ui) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                           ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_MenuBar |
                           ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse;
  ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0.0f);
  ImGui::Begin("dustdbg", nullptr, flags);
  ImGui::PopStyleVar();
  draw_menu_bar(&dbg, ui);
  draw_banners(&dbg, ui);
  draw_toolbar(dbg, ui);

  float avail = ImGui::GetContentRegionAvail().y;
  // As tall as its lanes need, between a fifth and a half of the window.
  float timeline_height = std::clamp(timeline_wanted_height(dbg), std::max(120.0f, avail * 0.2f), avail * 0.5f);
  draw_timeline(dbg, ui, timeline_height);

  float lower = ImGui::GetContentRegionAvail().y;
  float width = ImGui::GetContentRegionAvail().x;
  float spacing = ImGui::GetStyle().ItemSpacing.x;
  float program_w = std::floor(width * 0.36f);
  float state_w = std::floor(width * 0.34f);
  float side_w = width - program_w - state_w - 2 * spacing;

  ImGui::BeginChild("program_panel", ImVec2(program_w, lower), true);
  draw_program(dbg, ui);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("state_panel", ImVec2(state_w, lower), true);
  draw_state(dbg, ui);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("side_panel", ImVec2(side_w, lower), true);
  // When the tabs do not all fit they shrink, so every tab stays in view;
  // a shortened name is whole in the tab's tooltip and in the list of
  // tabs behind the button at the bar's left.
  if (ImGui::BeginTabBar("side_tabs", ImGuiTabBarFlags_TabListPopupButton)) {
    auto tab = [&](const char* label, SideTab which, void (*draw)(Debugger&, UiState&)) {
      ImGuiTabItemFlags tab_flags = ui.side_tab_request == which ? ImGuiTabItemFlags_SetSelected : 0;
      bool open = ImGui::BeginTabItem(label, nullptr, tab_flags);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", label);
      if (open) {
        draw(dbg, ui);
        ImGui::EndTabItem();
      }
    };
    tab("Effects", SideTab::Effects, draw_effects);
    tab("Q resources", SideTab::Q, draw_q_resources);
    tab("\u03a6 witnesses", SideTab::Phi, draw_phi);
    tab("Memory", SideTab::Memory, draw_memory);
    tab("Breakpoints", SideTab::Breakpoints, draw_breakpoints);
    tab("Unsafe", SideTab::Unsafe, draw_unsafe);
    ui.side_tab_request = SideTab::None;
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  draw_open_popup(ui);
  draw_save_popup(ui);
  ImGui::End();
}

SideTab tab_for_failure(const Debugger& dbg) {
  const auto& failure = dbg.catalog().failure;
  if (!dbg.catalog().phi.empty()) return SideTab::Phi;
  if (!failure) return SideTab::Effects;
  const std::string& message = failure->error.message;
  if (message.find("Q ") != std::string::npos && failure->error.kind == ErrorKind::Inadmissible) return SideTab::Q;
  if (message.find("free") != std::string::npos || message.find("out of bounds") != std::string::npos) {
    return SideTab::Memory;
  }
  return SideTab::Effects;
}

}  // namespace dust::dbg
