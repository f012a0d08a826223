// search_view.cpp — the progress of a movement searching a long trace
// (a continue with the next breakpoint millions of steps away), with
// Cancel; Escape cancels too.
#include <algorithm>
#include <cinttypes>

#include "views/views.hpp"

namespace dust::dbg {

void draw_search(Debugger& dbg) {
  const SearchJob* job = dbg.search();
  if (job == nullptr) return;
  const SearchRequest& request = job->request();
  std::uint64_t steps = std::max<std::uint64_t>(dbg.view().steps(), 1);
  std::uint64_t at = job->position();
  bool forward = request.command == Command::StepInto || request.command == Command::StepOver ||
                 request.command == Command::StepOut || request.command == Command::Continue;
  // How much of the way to the end (or the start, going back) is searched.
  double done = forward ? static_cast<double>(at - std::min(at, request.cursor)) /
                              static_cast<double>(std::max<std::uint64_t>(steps - std::min(steps, request.cursor), 1))
                        : static_cast<double>(request.cursor - std::min(at, request.cursor)) /
                              static_cast<double>(std::max<std::uint64_t>(request.cursor, 1));

  begin_progress_window("Searching", 480, 0.3f);
  ImGui::Text("%s from step %" PRIu64, command_info(request.command).menu, request.cursor);
  char overlay[48];
  std::snprintf(overlay, sizeof overlay, "step %" PRIu64, at);
  ImGui::ProgressBar(static_cast<float>(std::clamp(done, 0.0, 1.0)), ImVec2(-1, 0), overlay);
  if (cancel_pressed(false)) dbg.cancel_search();
  ImGui::End();
}

}  // namespace dust::dbg
