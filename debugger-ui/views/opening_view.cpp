// opening_view.cpp — the progress window while a checkpoint trace's steps
// are re-derived (model/opening.hpp).
//
// Unlike a recording, the work's length is known (the trace says how many
// steps the run took), so the bar fills; Cancel (or Escape) gives up the
// opening and keeps whatever was open before.
#include <cinttypes>

#include "model/opening.hpp"
#include "views/views.hpp"

namespace dust::dbg {

bool draw_opening(OpeningJob& job) {
  begin_progress_window("Opening", 560, 0.4f);
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
  if (cancel_pressed(job.cancelling())) job.cancel();
  ImGui::End();
  return !job.finished();
}

}  // namespace dust::dbg
