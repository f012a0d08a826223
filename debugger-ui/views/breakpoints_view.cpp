// breakpoints_view.cpp — the breakpoints: enable, disable, remove, edit a
// condition, hit condition, thread filter or log message; a logpoint's hits
// over the whole recording, each a button that moves there; watched writes
// (data breakpoints); and the watch expressions, evaluated at the cursor.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "views/views.hpp"

namespace dust::dbg {

namespace {

void copy_into(char* buffer, std::size_t size, const std::string& text) {
  std::snprintf(buffer, size, "%s", text.c_str());
}

void start_editing(UiState& ui, const Breakpoint& b) {
  ui.edit_stmt = b.stmt;
  copy_into(ui.edit_condition, sizeof ui.edit_condition, b.condition);
  copy_into(ui.edit_hits, sizeof ui.edit_hits, b.hit_condition);
  copy_into(ui.edit_thread, sizeof ui.edit_thread, b.thread ? std::to_string(*b.thread) : "");
  copy_into(ui.edit_log, sizeof ui.edit_log, b.log_message);
}

// The edited fields as a breakpoint on the same statement.
Breakpoint edited(const UiState& ui, const Breakpoint& b) {
  Breakpoint out = b;
  out.condition = ui.edit_condition;
  out.hit_condition = ui.edit_hits;
  out.log_message = ui.edit_log;
  out.thread.reset();
  if (ui.edit_thread[0] != '\0') {
    const char* text = ui.edit_thread[0] == 'T' ? ui.edit_thread + 1 : ui.edit_thread;
    char* end = nullptr;
    unsigned long t = std::strtoul(text, &end, 10);
    if (end != text && *end == '\0') out.thread = static_cast<std::uint32_t>(t);
  }
  return out;
}

void draw_editor(Debugger& dbg, UiState& ui, const Breakpoint& b, Breakpoint& apply, bool& applied) {
  ImGui::Indent();
  ImGui::SetNextItemWidth(260);
  ImGui::InputTextWithHint("condition", "v Gt 3", ui.edit_condition, sizeof ui.edit_condition);
  ImGui::SetNextItemWidth(80);
  ImGui::InputTextWithHint("hit count", "3, >= 3, % 2", ui.edit_hits, sizeof ui.edit_hits);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(60);
  ImGui::InputTextWithHint("thread", "any", ui.edit_thread, sizeof ui.edit_thread);
  ImGui::SetNextItemWidth(260);
  ImGui::InputTextWithHint("log message", "v is {v}", ui.edit_log, sizeof ui.edit_log);
  if (ImGui::SmallButton("Apply")) {
    apply = edited(ui, b);
    applied = true;
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("Close")) ui.edit_stmt = kNoStmt;
  (void)dbg;
  ImGui::Unindent();
}

std::string summary(const Breakpoint& b) {
  std::string out;
  if (!b.condition.empty()) out += " if " + b.condition;
  if (!b.hit_condition.empty()) out += " hits " + b.hit_condition;
  if (b.thread) out += " on T" + std::to_string(*b.thread);
  if (b.is_logpoint()) out += " log \"" + b.log_message + "\"";
  return out;
}

// A logpoint's hits over the recording: each moves the cursor there.
void draw_log_hits(Debugger& dbg, const session::BreakpointHits& hits) {
  constexpr std::size_t kShown = 200;
  ImGui::Indent();
  ImGui::TextDisabled("%zu hit(s) over the recording", hits.log.size());
  for (std::size_t i = 0; i < hits.log.size() && i < kShown; ++i) {
    const session::LogHit& h = hits.log[i];
    ImGui::PushID(static_cast<int>(i));
    std::string label = "step " + std::to_string(h.step) + " T" + std::to_string(h.thread);
    if (ImGui::SmallButton(label.c_str())) dbg.go_to(h.step);
    ImGui::SameLine();
    text_or_tooltip(h.message);
    ImGui::PopID();
  }
  if (hits.log.size() > kShown) ImGui::TextDisabled("... and %zu more", hits.log.size() - kShown);
  ImGui::Unindent();
}

void draw_statement_breakpoints(Debugger& dbg, UiState& ui) {
  Breakpoints& bps = dbg.view().breakpoints();
  if (bps.all().empty()) {
    ImGui::TextDisabled("No breakpoints. Click the Program gutter or press F9.");
    return;
  }
  if (ImGui::SmallButton("Remove all")) {
    bps.clear();
    return;
  }
  std::uint32_t remove = kNoStmt;
  std::uint32_t toggle = kNoStmt;
  Breakpoint apply;
  bool applied = false;
  for (const Breakpoint& b : bps.all()) {
    ImGui::PushID(static_cast<int>(b.stmt));
    bool enabled = b.enabled;
    if (ImGui::Checkbox("##on", &enabled)) toggle = b.stmt;
    ImGui::SameLine();
    text_or_tooltip(dbg.listing().path(b.stmt));
    ImGui::SameLine();
    ImGui::TextDisabled("%s%s", dbg.listing().statement(b.stmt).c_str(), summary(b).c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("edit")) start_editing(ui, b);
    ImGui::SameLine();
    if (ImGui::SmallButton("remove")) remove = b.stmt;
    if (ui.edit_stmt == b.stmt) draw_editor(dbg, ui, b, apply, applied);
    if (!b.is_plain() && b.enabled) {
      if (const session::BreakpointHits* hits = dbg.evaluator().hits(b.stmt)) {
        if (!hits->error.empty()) ImGui::TextColored(ImVec4(0.95f, 0.45f, 0.35f, 1.0f), "%s", hits->error.c_str());
        if (b.is_logpoint()) draw_log_hits(dbg, *hits);
      }
    }
    ImGui::PopID();
  }
  // Changed after the loop: the list must not change while it is walked.
  if (toggle != kNoStmt) bps.set_enabled(toggle, !bps.active(toggle));
  if (remove != kNoStmt) bps.remove(remove);
  if (applied) bps.put(apply);
}

void draw_data_breakpoints(Debugger& dbg) {
  Breakpoints& bps = dbg.view().breakpoints();
  ImGui::Separator();
  ImGui::TextUnformatted("Watched writes");
  const Selection& sel = dbg.view().selection();
  bool watchable = sel.kind == Selection::Kind::Binding || sel.kind == Selection::Kind::MemoryCell;
  if (!watchable) ImGui::BeginDisabled();
  if (ImGui::SmallButton("Watch writes of the selection")) {
    session::DataBreakpoint d;
    if (sel.kind == Selection::Kind::MemoryCell) {
      d.target = session::DataBreakpoint::Target::MemoryCell;
      d.address = sel.address;
    } else {
      d.name = sel.name;
      d.thread = sel.thread;
    }
    std::vector<session::DataBreakpoint> data = bps.data();
    data.push_back(d);
    bps.set_data(std::move(data));
  }
  if (!watchable) ImGui::EndDisabled();
  std::optional<std::size_t> remove;
  for (std::size_t i = 0; i < bps.data().size(); ++i) {
    ImGui::PushID(static_cast<int>(i) + 100000);
    text_or_tooltip(bps.data()[i].describe());
    ImGui::SameLine();
    if (ImGui::SmallButton("remove")) remove = i;
    ImGui::PopID();
  }
  if (remove) {
    std::vector<session::DataBreakpoint> data = bps.data();
    data.erase(data.begin() + static_cast<std::ptrdiff_t>(*remove));
    bps.set_data(std::move(data));
  }
}

void draw_watches(Debugger& dbg, UiState& ui) {
  ImGui::Separator();
  ImGui::TextUnformatted("Watch (focus thread, innermost frame, at the cursor)");
  ImGui::SetNextItemWidth(260);
  bool add = ImGui::InputTextWithHint("##watch", "a DIR expression: n Mul 2", ui.watch_text, sizeof ui.watch_text,
                                      ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  add |= ImGui::SmallButton("Add");
  if (add && ui.watch_text[0] != '\0') {
    ui.watches.emplace_back(ui.watch_text);
    ui.watch_text[0] = '\0';
  }
  std::optional<std::size_t> remove;
  for (std::size_t i = 0; i < ui.watches.size(); ++i) {
    ImGui::PushID(static_cast<int>(i) + 200000);
    Debugger::Evaluation v = dbg.evaluate_at_cursor(ui.watches[i]);
    ImGui::TextUnformatted(ui.watches[i].c_str());
    ImGui::SameLine();
    if (v.ok) text_or_tooltip("= " + v.text);
    else ImGui::TextDisabled("(%s)", v.text.c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("remove")) remove = i;
    ImGui::PopID();
  }
  if (remove) ui.watches.erase(ui.watches.begin() + static_cast<std::ptrdiff_t>(*remove));
}

}  // namespace

void draw_breakpoints(Debugger& dbg, UiState& ui) {
  draw_statement_breakpoints(dbg, ui);
  draw_data_breakpoints(dbg);
  draw_watches(dbg, ui);
}

}  // namespace dust::dbg
