// toolbar_view.cpp — the menu bar, the movement buttons and the status line.
//
// Menus list every command of the command table with its shortcut, so
// everything the keyboard does is also a click away.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include "views/views.hpp"

namespace dust::dbg {

namespace {

void command_item(Debugger* dbg, Command c) {
  const CommandInfo& info = command_info(c);
  if (ImGui::MenuItem(info.menu, info.shortcut, false, dbg != nullptr)) dbg->execute(c);
}

// Starts a new row when the next group of widgets would not fit on this
// one, so a narrow window (900 pixels) wraps the toolbar instead of
// cutting it.
void fit_on_line(float width) {
  if (ImGui::GetContentRegionAvail().x < width) ImGui::NewLine();
}

bool button(Debugger& dbg, const char* label, Command c) {
  fit_on_line(ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2);
  bool pressed = ImGui::Button(label);
  if (ImGui::IsItemHovered()) {
    const CommandInfo& info = command_info(c);
    ImGui::SetTooltip("%s (%s)", info.menu, info.shortcut);
  }
  if (pressed) dbg.execute(c);
  ImGui::SameLine();
  return pressed;
}

// The status line can be wider than the window: the whole of it, and the
// step it is about, in a tooltip.
void status_tooltip(Debugger& dbg, const std::string& status, const CursorSnapshot& snap) {
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 50);
  if (!status.empty()) ImGui::TextUnformatted(status.c_str(), status.c_str() + status.size());
  if (snap.next) ImGui::Text("next at step %" PRIu64 ": %s", dbg.view().cursor(), snap.next_text.c_str());
  if (snap.last) ImGui::Text("last: %s", snap.last_text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

}  // namespace

void draw_open_popup(UiState& ui) {
  if (ui.open_popup) {
    ImGui::OpenPopup("Open");
    ui.open_popup = false;
  }
  if (!ImGui::BeginPopupModal("Open", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  ImGui::TextUnformatted("A recording (.dtrace) or a DIR program to record:");
  ImGui::SetNextItemWidth(560);
  bool enter = ImGui::InputText("##path", ui.open_path, sizeof ui.open_path, ImGuiInputTextFlags_EnterReturnsTrue);
  if (!ui.error_banner.empty()) ImGui::TextColored(color_vec(palette::kFailure), "%s", ui.error_banner.c_str());
  if (ImGui::Button("Open") || enter) {
    ui.open_request = ui.open_path;
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

void draw_save_popup(UiState& ui) {
  if (ui.save_popup) {
    ImGui::OpenPopup("Save Recording As");
    ui.save_popup = false;
  }
  if (!ImGui::BeginPopupModal("Save Recording As", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  ImGui::TextUnformatted("Save the open recording (.dtrace) to:");
  ImGui::SetNextItemWidth(560);
  bool enter = ImGui::InputText("##save_path", ui.save_path, sizeof ui.save_path, ImGuiInputTextFlags_EnterReturnsTrue);
  if ((ImGui::Button("Save") || enter) && ui.save_path[0] != '\0') {
    ui.save_request = ui.save_path;
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

void draw_menu_bar(Debugger* dbg, UiState& ui) {
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open...")) ui.open_popup = true;
    if (ImGui::MenuItem("Save Recording As...", nullptr, false, dbg != nullptr)) ui.save_popup = true;
    if (ImGui::MenuItem("Quit")) ui.quit = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Run")) {
    for (Command c : {Command::Continue, Command::ReverseContinue}) command_item(dbg, c);
    ImGui::Separator();
    for (Command c : {Command::StepInto, Command::StepOver, Command::StepOut}) command_item(dbg, c);
    ImGui::Separator();
    for (Command c : {Command::ReverseStepInto, Command::ReverseStepOver, Command::ReverseStepOut}) command_item(dbg, c);
    ImGui::Separator();
    for (Command c : {Command::GoToStart, Command::GoToEnd, Command::GoToFailure}) command_item(dbg, c);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Data")) {
    for (Command c : {Command::ToggleBreakpoint, Command::LastWrite, Command::WhereFrom}) command_item(dbg, c);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    for (Command c : {Command::ZoomIn, Command::ZoomOut, Command::ZoomFit}) command_item(dbg, c);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    ImGui::TextUnformatted("Timeline: wheel zooms, drag scrubs, right-drag pans.");
    ImGui::TextUnformatted("Program: click the gutter to toggle a breakpoint.");
    ImGui::TextUnformatted("State: right-click a binding for Last Write / Where From.");
    ImGui::Separator();
    for (const CommandInfo& info : all_commands()) ImGui::Text("%-18s %s", info.shortcut, info.menu);
    ImGui::Separator();
    if (ImGui::BeginMenu("Colours")) {
      draw_colour_legend();
      ImGui::EndMenu();
    }
    ImGui::EndMenu();
  }
  ImGui::EndMenuBar();
}

void draw_toolbar(Debugger& dbg, UiState& ui) {
  button(dbg, "|<", Command::GoToStart);
  button(dbg, "<< Cont", Command::ReverseContinue);
  button(dbg, "< Out", Command::ReverseStepOut);
  button(dbg, "< Over", Command::ReverseStepOver);
  button(dbg, "< Into", Command::ReverseStepInto);
  button(dbg, "Into >", Command::StepInto);
  button(dbg, "Over >", Command::StepOver);
  button(dbg, "Out >", Command::StepOut);
  button(dbg, "Cont >>", Command::Continue);
  button(dbg, ">|", Command::GoToEnd);
  if (dbg.catalog().failure) {
    ImGui::PushStyleColor(ImGuiCol_Button, color_vec(palette::kFailure, 0.75f));
    button(dbg, "Failure", Command::GoToFailure);
    ImGui::PopStyleColor();
  }

  const float text_w = ImGui::CalcTextSize("  focus ").x;
  fit_on_line(text_w + 110);
  ImGui::TextUnformatted("  step");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  if (ImGui::InputText("##goto", ui.goto_text, sizeof ui.goto_text,
                       ImGuiInputTextFlags_CharsDecimal | ImGuiInputTextFlags_EnterReturnsTrue)) {
    dbg.go_to(std::strtoull(ui.goto_text, nullptr, 10));
    ui.goto_text[0] = '\0';
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Go to step (Enter)");
  ImGui::SameLine();

  fit_on_line(text_w + 150);
  ImGui::TextUnformatted("  focus");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(150);
  const auto& threads = dbg.catalog().threads;
  std::uint32_t focus = dbg.view().focus_thread();
  const std::string* focus_name = dbg.catalog().thread_label(focus);
  const char* focus_label = focus_name != nullptr ? focus_name->c_str() : "-";
  if (ImGui::BeginCombo("##focus", focus_label)) {
    for (const ThreadName& t : threads) {
      if (ImGui::Selectable(t.label.c_str(), t.id == focus)) dbg.view().set_focus_thread(t.id);
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  const CursorSnapshot& snap = dbg.snapshot();
  char where[96];
  std::snprintf(where, sizeof where, "  step %" PRIu64 " / %" PRIu64 "   tick %" PRIu64, dbg.view().cursor(),
                dbg.view().steps(), snap.tick);
  fit_on_line(ImGui::CalcTextSize(where).x);
  ImGui::TextUnformatted(where);

  // The status line is about the cursor: what the last command did while
  // the cursor stays where it left it, else what runs next here.
  const std::string& status = dbg.view().status();
  if (dbg.catalog().failure && dbg.view().cursor() == dbg.catalog().failure->step) {
    ImGui::TextColored(color_vec(palette::kFailure), "\u2716 %s", dbg.catalog().failure_text.c_str());
  } else if (!status.empty()) {
    ImGui::TextDisabled("%s", status.c_str());
  } else if (snap.next) {
    ImGui::TextDisabled("step %" PRIu64 ": next %s", dbg.view().cursor(), snap.next_text.c_str());
  } else {
    ImGui::TextDisabled("step %" PRIu64 ": the end of the recording", dbg.view().cursor());
  }
  if (ImGui::IsItemHovered()) status_tooltip(dbg, status, snap);
}

}  // namespace dust::dbg
