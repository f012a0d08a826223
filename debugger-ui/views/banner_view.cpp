// banner_view.cpp — what the user must not miss, across the top of the
// window: an error (a file that would not open, a recording that failed)
// and the debugger's notices (a trace cut short, an --at that could not
// be met as asked).
//
// Each banner is a strip of its own colour with the whole message wrapped
// inside it, never cut, and a Dismiss button when it may go away.
#include <algorithm>

#include "views/views.hpp"

namespace dust::dbg {

namespace {

// One strip; returns true when its Dismiss button was pressed.
bool banner(const char* id, const std::string& text, palette::Rgb background, palette::Rgb ink, bool dismissable) {
  ImGui::PushID(id);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImGuiStyle& style = ImGui::GetStyle();
  ImVec2 pos = ImGui::GetCursorScreenPos();
  float width = ImGui::GetContentRegionAvail().x;
  const char* dismiss = "Dismiss";
  float button_w = dismissable ? ImGui::CalcTextSize(dismiss).x + style.FramePadding.x * 2 + 8 : 0.0f;
  float wrap = width - button_w - 16;
  ImVec2 size = ImGui::CalcTextSize(text.c_str(), text.c_str() + text.size(), false, wrap);
  float height = std::max(size.y, ImGui::GetFrameHeight()) + 8;
  dl->AddRectFilled(pos, ImVec2(pos.x + width, pos.y + height), color(background));
  ImGui::SetCursorScreenPos(ImVec2(pos.x + 8, pos.y + 4));
  ImGui::PushStyleColor(ImGuiCol_Text, color_vec(ink));
  ImGui::PushTextWrapPos(pos.x + 8 + wrap - ImGui::GetWindowPos().x);
  ImGui::TextUnformatted(text.c_str(), text.c_str() + text.size());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  bool pressed = false;
  if (dismissable) {
    ImGui::SetCursorScreenPos(ImVec2(pos.x + width - button_w + 4, pos.y + 4));
    pressed = ImGui::SmallButton(dismiss);
  }
  ImGui::SetCursorScreenPos(ImVec2(pos.x, pos.y + height + 2));
  ImGui::Dummy(ImVec2(width, 0));
  ImGui::PopID();
  return pressed;
}

}  // namespace

void draw_banners(Debugger* dbg, UiState& ui) {
  if (!ui.error_banner.empty() && banner("error_banner", ui.error_banner, palette::kErrorBanner, palette::kBannerLightInk, true)) {
    ui.error_banner.clear();
  }
  if (dbg == nullptr) return;
  const std::vector<Notice>& notices = dbg->view().notices();
  for (std::size_t i = 0; i < notices.size(); ++i) {
    const Notice& n = notices[i];
    bool error = n.level == Notice::Level::Error;
    ImGui::PushID(static_cast<int>(i));
    bool dismissed = banner("notice", n.text, error ? palette::kErrorBanner : palette::kWarningBanner,
                           error ? palette::kBannerLightInk : palette::kBannerDarkInk, n.dismissable);
    ImGui::PopID();
    if (dismissed) {
      dbg->view().dismiss_notice(i);
      break;
    }
  }
}

}  // namespace dust::dbg
