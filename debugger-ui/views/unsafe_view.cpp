// unsafe_view.cpp — the unsafe audit log: every unsafe_begin of the run
// with its thread and reason; a click jumps to it.
#include <cinttypes>

#include "views/views.hpp"

namespace dust::dbg {

void draw_unsafe(Debugger& dbg, UiState& ui) {
  (void)ui;
  const auto& log = dbg.catalog().unsafe;
  if (log.empty()) {
    ImGui::TextDisabled("The run entered no unsafe region.");
    return;
  }
  if (!ImGui::BeginTable("unsafe", 3, ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("step", ImGuiTableColumnFlags_WidthFixed, 70.0f);
  ImGui::TableSetupColumn("thread", ImGuiTableColumnFlags_WidthFixed, 50.0f);
  ImGui::TableSetupColumn("reason", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  for (std::size_t i = 0; i < log.size(); ++i) {
    const UnsafeRecord& r = log[i];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushID(static_cast<int>(i));
    char label[32];
    std::snprintf(label, sizeof label, "%" PRIu64, r.step);
    if (ImGui::Selectable(label, r.step == dbg.view().cursor(), ImGuiSelectableFlags_SpanAllColumns)) dbg.go_to(r.step);
    ImGui::TableNextColumn();
    ImGui::Text("T%u", r.thread);
    ImGui::TableNextColumn();
    text_or_tooltip(r.reason);
    ImGui::PopID();
  }
  ImGui::EndTable();
}

}  // namespace dust::dbg
