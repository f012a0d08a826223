// clipped_text.cpp — text in a cell too narrow for it.
//
// A value, a hex dump or a witness can be wider than its column; ImGui
// then cuts it at the edge. Such text is written as usual, and when it
// does not fit, hovering it shows the whole of it, wrapped, in a tooltip,
// so nothing is ever cut without a way to read it.
#include "views/views.hpp"

namespace dust::dbg {

void text_or_tooltip(const char* begin, const char* end) {
  float room = ImGui::GetContentRegionAvail().x;
  ImGui::TextUnformatted(begin, end);
  if (ImGui::CalcTextSize(begin, end).x <= room || !ImGui::IsItemHovered()) return;
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 60);
  ImGui::TextUnformatted(begin, end);
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

void text_or_tooltip(const std::string& text) { text_or_tooltip(text.c_str(), text.c_str() + text.size()); }

}  // namespace dust::dbg
