// progress_window.cpp — the frame every window of work on a worker thread
// shares (a recording, an opening, a search): centred over the main
// window, fixed in size and place, with a Cancel button that Escape
// presses too.
#include "views/views.hpp"

namespace dust::dbg {

void begin_progress_window(const char* title, float width, float height_fraction) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(
      ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * height_fraction),
      ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(width, 0));
  ImGui::SetNextWindowBgAlpha(0.95f);
  ImGui::Begin(title, nullptr, ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove);
}

bool cancel_pressed(bool cancelling) {
  if (cancelling) {
    // The worker stops at its next look at the flag: say so, and take no
    // second press.
    ImGui::BeginDisabled();
    ImGui::Button("Cancelling...");
    ImGui::EndDisabled();
    return false;
  }
  return ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape));
}

}  // namespace dust::dbg
