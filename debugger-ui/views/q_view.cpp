// q_view.cpp — the run's Q resources: each one's allocation, moves,
// consumption and any linearity violation, with its state at the cursor.
// Every step number is a button that jumps there.
#include <cinttypes>

#include "views/views.hpp"

namespace dust::dbg {

namespace {

void step_button(Debugger& dbg, const char* what, std::uint64_t step) {
  char label[48];
  std::snprintf(label, sizeof label, "%s %" PRIu64, what, step);
  if (ImGui::SmallButton(label)) dbg.go_to(step);
  ImGui::SameLine();
}

}  // namespace

void draw_q_resources(Debugger& dbg, UiState& ui) {
  (void)ui;
  const auto& q = dbg.catalog().q;
  if (q.empty()) {
    ImGui::TextDisabled("The run used no Q resources.");
    return;
  }
  std::uint64_t cursor = dbg.view().cursor();
  ImGui::BeginChild("q_list");
  for (std::size_t i = 0; i < q.size(); ++i) {
    const rec::QLifetime& r = q[i];
    ImGui::PushID(static_cast<int>(i));
    const char* state = cursor <= r.alloc_step                            ? "not yet allocated"
                        : r.consume_step && cursor > *r.consume_step      ? "consumed"
                        : r.violation_step && cursor > *r.violation_step  ? "violated"
                                                                          : "live";
    palette::Rgb c = r.violation_step ? palette::kMarkViolation : r.consume_step ? palette::kQEnded : palette::kQLive;
    ImGui::TextColored(color_vec(c), "%s", r.resource.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s, %s at the cursor", r.type.c_str(), state);
    // Never consumed: an implicit discard, which dustrun warns about.
    if (!r.consume_step && !r.violation_step) ImGui::TextColored(color_vec(palette::kMarkEnd), "  open at the end: never consumed");
    if (!r.bindings.empty()) {
      ImGui::TextDisabled("  bound to");
      for (const std::string& b : r.bindings) {
        ImGui::SameLine();
        text_or_tooltip(b);
      }
    }
    ImGui::Indent();
    step_button(dbg, "alloc", r.alloc_step);
    // Moves and uses in step order (each list is in recording order).
    std::size_t moves = 0, uses = 0;
    while (moves < r.move_steps.size() || uses < r.use_steps.size()) {
      bool move = uses >= r.use_steps.size() ||
                  (moves < r.move_steps.size() && r.move_steps[moves] < r.use_steps[uses]);
      if (move) step_button(dbg, "move", r.move_steps[moves++]);
      else step_button(dbg, "use", r.use_steps[uses++]);
    }
    if (r.consume_step) step_button(dbg, "consume", *r.consume_step);
    if (r.violation_step) {
      ImGui::PushStyleColor(ImGuiCol_Button, color_vec(palette::kMarkViolation, 0.7f));
      step_button(dbg, "violation", *r.violation_step);
      ImGui::PopStyleColor();
    }
    ImGui::NewLine();
    ImGui::Unindent();
    ImGui::PopID();
  }
  const auto& failure = dbg.catalog().failure;
  if (failure && failure->error.kind == ErrorKind::Inadmissible) {
    ImGui::Separator();
    ImGui::PushStyleColor(ImGuiCol_Text, color_vec(palette::kFailure));
    ImGui::TextWrapped("%s", dbg.catalog().failure_text.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::EndChild();
}

}  // namespace dust::dbg
