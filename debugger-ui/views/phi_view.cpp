// phi_view.cpp — Φ resolution: under `--phi resolve` the recorded
// resolution (each constraint as written with its status, the witness of
// an admissible run, the conflict and counterfactuals of a non-existent
// one); then each constraint check and witness as the run made them. A
// click on a row jumps to its step.
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

const char* constraint_status(const PhiResolution& r, std::uint32_t i) {
  switch (r.outcome) {
    case PhiOutcome::Admissible: return "holds";
    case PhiOutcome::NonExistent: return r.in_conflict(i) ? "conflict" : "not in the conflict";
    case PhiOutcome::Undecided: return "undecided";
    case PhiOutcome::Invalid: return "not checked";
  }
  return "";
}

void draw_resolution(const PhiResolution& r) {
  switch (r.outcome) {
    case PhiOutcome::Admissible: ImGui::TextColored(color_vec(palette::kPhiHeld), "Admissible"); break;
    case PhiOutcome::NonExistent: ImGui::TextColored(color_vec(palette::kPhiFailed), "%s", kPhiNothingExecuted); break;
    case PhiOutcome::Undecided:
      ImGui::TextColored(color_vec(palette::kPhiRefused), "undecided within the resource limit: nothing executed");
      break;
    case PhiOutcome::Invalid: ImGui::TextColored(color_vec(palette::kPhiFailed), "%s", r.error.message.c_str()); return;
  }
  if (r.outcome == PhiOutcome::Admissible) {
    ImGui::TextDisabled("witness (the canonical configuration the run started from)");
    if (r.witness.empty()) ImGui::TextDisabled("  no unknowns");
    for (const auto& [name, value] : r.witness) {
      ImGui::Text("  %s =", name.c_str());
      ImGui::SameLine();
      ImGui::PushStyleColor(ImGuiCol_Text, color_vec(palette::kPhiWitness));
      text_or_tooltip(render_human(value));
      ImGui::PopStyleColor();
    }
  }
  ImGui::TextDisabled("constraints, as written");
  if (r.constraints.empty()) ImGui::TextDisabled("  none");
  for (std::uint32_t i = 0; i < r.constraints.size(); ++i) {
    palette::Rgb c = r.outcome == PhiOutcome::Admissible ? palette::kPhiHeld
                     : r.in_conflict(i)                   ? palette::kPhiFailed
                                                          : palette::kThreadRunnable;
    ImGui::TextColored(color_vec(c), "  [%s]", constraint_status(r, i));
    ImGui::SameLine();
    text_or_tooltip(r.constraints[i].text);
    if (r.is_counterfactual(i)) {
      ImGui::TextColored(color_vec(palette::kPhiCounterfactual), "      %s", kPhiCounterfactualNote);
    }
  }
  if (r.outcome == PhiOutcome::NonExistent && r.counterfactual.empty()) {
    ImGui::TextDisabled("no single removal makes the program admissible");
  }
  ImGui::Separator();
}

}  // namespace

void draw_phi(Debugger& dbg, UiState& ui) {
  (void)ui;
  const RunCatalog& cat = dbg.catalog();
  if (cat.phi_resolution) draw_resolution(*cat.phi_resolution);
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
  if (cat.phi_resolution) {
    // The resolution above already says it.
  } else if (failed_check) {
    ImGui::TextColored(color_vec(palette::kPhiFailed), "Inadmissible: a constraint failed, nothing ran");
  } else if (refused) {
    ImGui::TextColored(color_vec(palette::kPhiRefused), "Admissible, then refused by the engine");
  } else {
    ImGui::TextColored(color_vec(palette::kPhiHeld), "Admissible");
  }
  if (!cat.phi_resolution) {
    ImGui::TextDisabled("%zu constraints held, %zu witnesses", held, witnesses);
    if (cat.failure) ImGui::TextWrapped("%s", cat.failure_text.c_str());
  }
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
    text_or_tooltip(m.event.detail);
    if (!m.event.digest.empty()) {
      ImGui::SameLine();
      ImGui::TextDisabled("[%s]", m.event.digest.c_str());
    }
    ImGui::PopID();
  }
  ImGui::EndTable();
}

}  // namespace dust::dbg
