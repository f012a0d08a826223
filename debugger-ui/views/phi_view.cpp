// phi_view.cpp — Φ resolution: each constraint check, each witness
// created, and the admissibility outcome of the run. A click on a row
// jumps to its step.
#include <cinttypes>

#include "views/views.hpp"

namespace dust::dbg {

namespace {

palette::Rgb phi_color(PhiEventKind kind) {
  switch (kind) {
    case PhiEventKind::ConstraintHeld: return palette::kPhiHeld;
    case PhiEventKind::Witness: return palette::kPhiWitness;
    case PhiEventKind::ConstraintFailed: return palette::kPhiFailed;
    case PhiEventKind::Refused: return palette::kPhiRefused;
  }
  return palette::kPhiHeld;
}

}  // namespace

void draw_phi(Debugger& dbg, UiState& ui) {
  (void)ui;
  const RunCatalog& cat = dbg.catalog();
  if (cat.phi.empty()) {
    ImGui::TextDisabled("The run did no \u03a6 resolution.");
    return;
  }
  // The outcome first: what a developer opening a Φ run asks.
  bool failed_check = false, refused = false;
  std::size_t witnesses = 0, held = 0;
  for (const rec::PhiMark& m : cat.phi) {
    failed_check = failed_check || m.event.kind == PhiEventKind::ConstraintFailed;
    refused = refused || m.event.kind == PhiEventKind::Refused;
    witnesses += m.event.kind == PhiEventKind::Witness;
    held += m.event.kind == PhiEventKind::ConstraintHeld;
  }
  if (failed_check) {
    ImGui::TextColored(color_vec(palette::kPhiFailed), "Inadmissible: a constraint failed, nothing ran");
  } else if (refused) {
    ImGui::TextColored(color_vec(palette::kPhiRefused), "Admissible, then refused by the engine");
  } else {
    ImGui::TextColored(color_vec(palette::kPhiHeld), "Admissible");
  }
  ImGui::TextDisabled("%zu constraints held, %zu witnesses", held, witnesses);
  if (cat.failure) ImGui::TextWrapped("%s", cat.failure_text.c_str());
  ImGui::Separator();
  if (!ImGui::BeginTable("phi", 3, ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("step", ImGuiTableColumnFlags_WidthFixed, 60.0f);
  ImGui::TableSetupColumn("event", ImGuiTableColumnFlags_WidthFixed, 130.0f);
  ImGui::TableSetupColumn("detail", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  std::uint64_t cursor = dbg.view().cursor();
  for (std::size_t i = 0; i < cat.phi.size(); ++i) {
    const rec::PhiMark& m = cat.phi[i];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushID(static_cast<int>(i));
    char label[32];
    std::snprintf(label, sizeof label, "%" PRIu64, m.step);
    if (ImGui::Selectable(label, m.step == cursor, ImGuiSelectableFlags_SpanAllColumns)) dbg.go_to(m.step);
    ImGui::TableNextColumn();
    ImGui::TextColored(color_vec(phi_color(m.event.kind)), "%s", phi_event_kind_name(m.event.kind));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(m.event.detail.c_str());
    if (!m.event.digest.empty()) {
      ImGui::SameLine();
      ImGui::TextDisabled("[%s]", m.event.digest.c_str());
    }
    ImGui::PopID();
  }
  ImGui::EndTable();
}

}  // namespace dust::dbg
