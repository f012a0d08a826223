// effects_view.cpp — every effect of the run, in order; a click jumps to
// the step that emitted it. Effects already emitted at the cursor are
// bright, later ones dim, and the list follows the cursor.
#include <cinttypes>

#include "views/views.hpp"

namespace dust::dbg {

void draw_effects(Debugger& dbg, UiState& ui) {
  const auto& effects = dbg.catalog().effects;
  if (effects.empty()) {
    ImGui::TextDisabled("The run emitted no effects.");
    return;
  }
  std::uint64_t cursor = dbg.view().cursor();
  std::size_t next = dbg.catalog().effect_at_or_after(cursor);
  ImGui::TextDisabled("%zu effects, %zu before the cursor", effects.size(), next);
  ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV;
  if (!ImGui::BeginTable("effects", 4, flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("step", ImGuiTableColumnFlags_WidthFixed, 70.0f);
  ImGui::TableSetupColumn("thread", ImGuiTableColumnFlags_WidthFixed, 44.0f);
  ImGui::TableSetupColumn("kind", ImGuiTableColumnFlags_WidthFixed, 70.0f);
  ImGui::TableSetupColumn("payload", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  float row_h = ImGui::GetTextLineHeightWithSpacing();
  if (ui.effects_scroll_revision != dbg.view().cursor_revision()) {
    ui.effects_scroll_revision = dbg.view().cursor_revision();
    float target = static_cast<float>(next) * row_h;
    float visible = ImGui::GetWindowHeight();
    if (target < ImGui::GetScrollY() || target > ImGui::GetScrollY() + visible - 2 * row_h) {
      ImGui::SetScrollY(target > visible * 0.5f ? target - visible * 0.5f : 0.0f);
    }
  }
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(effects.size()), row_h);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const rec::EffectMark& e = effects[static_cast<std::size_t>(i)];
      bool past = static_cast<std::size_t>(i) < next;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushID(i);
      if (!past) ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
      char label[32];
      std::snprintf(label, sizeof label, "%" PRIu64, e.step);
      if (ImGui::Selectable(label, static_cast<std::size_t>(i) + 1 == next, ImGuiSelectableFlags_SpanAllColumns)) {
        dbg.go_to(e.step);
      }
      ImGui::TableNextColumn();
      ImGui::Text("T%u", e.thread);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(e.effect.kind.c_str());
      ImGui::TableNextColumn();
      text_or_tooltip(e.effect.payload);
      if (!past) ImGui::PopStyleColor();
      ImGui::PopID();
    }
  }
  ImGui::EndTable();
}

}  // namespace dust::dbg
