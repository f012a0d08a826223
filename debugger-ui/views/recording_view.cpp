// recording_view.cpp — the progress window while a program is recorded.
//
// A run's length is not known until it ends, so the bar sweeps while the
// step count climbs; Cancel (or Escape) stops the run and opens what was
// recorded.
#include <cinttypes>
#include <cmath>

#include "model/recording.hpp"
#include "views/views.hpp"

namespace dust::dbg {

bool draw_recording(RecordingJob& job) {
  begin_progress_window("Recording", 560, 0.4f);
  ImGui::TextWrapped("Recording %s", job.request().program_path.c_str());
  ImGui::Text("seed %" PRIu64 ", entry %s", job.request().config.seed, job.request().config.entry.c_str());
  float sweep = static_cast<float>(std::fmod(ImGui::GetTime() * 0.5, 1.0));
  char overlay[64];
  std::snprintf(overlay, sizeof overlay, "%" PRIu64 " steps", job.steps());
  ImGui::ProgressBar(sweep, ImVec2(-1, 0), overlay);
  if (cancel_pressed(job.cancelling())) job.cancel();
  ImGui::End();
  return !job.finished();
}

}  // namespace dust::dbg
