// value_plot_view.cpp — the selected Int binding or memory cell over the
// visible range, as a line under the state panel.
//
// The samples come from the model (model/value_plot.hpp); hovering the
// plot names the step and the exact value there, and a click moves the
// cursor to that step.
#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "views/views.hpp"

namespace dust::dbg {

void draw_value_plot(Debugger& dbg) {
  const ValuePlot* plot = dbg.value_plot();
  if (plot == nullptr || plot->steps.empty()) return;
  if (!ImGui::TreeNodeEx("Value over time", ImGuiTreeNodeFlags_DefaultOpen | ImGuiTreeNodeFlags_NoTreePushOnOpen |
                                                ImGuiTreeNodeFlags_SpanAvailWidth)) {
    return;
  }
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s, steps %" PRIu64 "..%" PRIu64 " (%zu samples, %zu with no value: drawn level)",
                     plot->subject.c_str(), plot->steps.front(), plot->steps.back(), plot->steps.size(),
                     plot->steps.size() - plot->known_count);
  ImGui::PopStyleColor();
  if (plot->known_count == 0) {
    ImGui::TextDisabled("no Int value anywhere in the visible range");
    return;
  }
  char overlay[64];
  std::snprintf(overlay, sizeof overlay, "%" PRId64 " .. %" PRId64, plot->min, plot->max);
  float lo = static_cast<float>(plot->min), hi = static_cast<float>(plot->max);
  if (hi <= lo) hi = lo + 1;
  ImVec2 size(ImGui::GetContentRegionAvail().x, 70);
  ImGui::PushStyleColor(ImGuiCol_PlotLines, color_vec(palette::kCursor));
  ImGui::PlotLines("##value_over_time", plot->values.data(), static_cast<int>(plot->values.size()), 0, overlay, lo, hi,
                   size);
  ImGui::PopStyleColor();
  if (!ImGui::IsItemHovered()) return;
  ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  float t = (ImGui::GetIO().MousePos.x - a.x) / std::max(1.0f, b.x - a.x);
  auto i = static_cast<std::size_t>(std::clamp(t, 0.0f, 1.0f) * static_cast<float>(plot->steps.size() - 1) + 0.5f);
  // The tooltip replaces PlotLines' own, which shows the float, not the Int.
  if (plot->known[i]) {
    ImGui::SetTooltip("step %" PRIu64 ": %" PRId64 "\n(click to go there)", plot->steps[i], plot->exact[i]);
  } else {
    ImGui::SetTooltip("step %" PRIu64 ": no value\n(click to go there)", plot->steps[i]);
  }
  if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) dbg.go_to(plot->steps[i]);
}

}  // namespace dust::dbg
