// opening_view.cpp — the progress window while a checkpoint trace's steps
// are re-derived (model/opening.hpp).
//
// Unlike a recording, the work's length is known (the trace says how many
// steps the run took), so the bar fills; Cancel gives up the opening and
// keeps whatever was open before.
#include <cinttypes>

#include "model/opening.hpp"
#include "views/views.hpp"

namespace dust::dbg {

bool draw_opening(OpeningJob& job) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.4f),
                          ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(560, 0));
  ImGui::Begin("Opening", nullptr, ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove);
  ImGui::TextWrapped("Opening %s", job.path().c_str());
  ImGui::TextWrapped(
      "This checkpoint trace keeps only what makes its run reproducible: the run is re-executed once, checked "
      "against every checkpoint, to derive the steps the views show.");
  const std::uint64_t done = job.steps_done();
  const std::uint64_t all = job.steps_all();
  const float fraction = all == 0 ? 1.0f : static_cast<float>(static_cast<double>(done) / static_cast<double>(all));
  char overlay[96];
  std::snprintf(overlay, sizeof overlay, "%" PRIu64 " of %" PRIu64 " steps (%d%%)", done, all,
                static_cast<int>(fraction * 100.0f));
  ImGui::ProgressBar(fraction, ImVec2(-1, 0), overlay);
  const bool cancelling = job.cancelling();
  if (cancelling) ImGui::BeginDisabled();
  if (ImGui::Button(cancelling ? "Cancelling..." : "Cancel")) job.cancel();
  if (cancelling) ImGui::EndDisabled();
  ImGui::End();
  return !job.finished();
}

}  // namespace dust::dbg
