// state_view.cpp — the machine at the cursor.
//
// Every thread with every frame and its bindings, then heap blocks,
// mutexes and open files, the Q table and Φ witnesses. Whatever the last
// step changed is drawn in the change colour. A binding's context menu
// offers "last write" (the reverse watchpoint) and "where did this value
// come from"; the origin chain shows below and each link jumps to its step.
#include <cinttypes>
#include <cstdio>

#include "views/views.hpp"

namespace dust::dbg {

namespace {

// A section heading: a tree node without a filled frame (fill is what
// software OpenGL pays for), open by default.
bool section(const char* label) {
  return ImGui::TreeNodeEx(label, ImGuiTreeNodeFlags_DefaultOpen | ImGuiTreeNodeFlags_NoTreePushOnOpen |
                                      ImGuiTreeNodeFlags_SpanAvailWidth);
}

void binding_row(Debugger& dbg, const ThreadView& t, const FrameView& f, const BindingView& b) {
  ViewState& view = dbg.view();
  const Selection& sel = view.selection();
  bool selected = sel.kind == Selection::Kind::Binding && sel.thread == t.id && sel.frame == f.depth && sel.name == b.name;
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::PushID(static_cast<int>(b.slot));
  if (b.changed) ImGui::PushStyleColor(ImGuiCol_Text, color_vec(palette::kChanged));
  if (ImGui::Selectable(b.name.c_str(), selected, ImGuiSelectableFlags_SpanAllColumns)) {
    view.select(Selection{Selection::Kind::Binding, t.id, f.depth, b.name, 0});
  }
  if (ImGui::BeginPopupContextItem("binding_menu")) {
    view.select(Selection{Selection::Kind::Binding, t.id, f.depth, b.name, 0});
    if (ImGui::MenuItem("Last write", command_info(Command::LastWrite).shortcut)) dbg.execute(Command::LastWrite);
    if (ImGui::MenuItem("Where did this value come from?", command_info(Command::WhereFrom).shortcut)) {
      dbg.execute(Command::WhereFrom);
    }
    ImGui::EndPopup();
  }
  ImGui::TableNextColumn();
  text_or_tooltip(b.value);
  if (b.changed) ImGui::PopStyleColor();
  ImGui::PopID();
}

void threads_section(Debugger& dbg, const CursorSnapshot& snap) {
  ViewState& view = dbg.view();
  for (const ThreadView& t : snap.threads) {
    ImGui::PushID(static_cast<int>(t.id));
    bool focus = t.id == view.focus_thread();
    ImGuiTreeNodeFlags flags = ImGuiTreeNodeFlags_SpanAvailWidth;
    if (focus || t.runs_next) flags |= ImGuiTreeNodeFlags_DefaultOpen;
    if (t.state == ThreadState::Blocked) ImGui::PushStyleColor(ImGuiCol_Text, color_vec(palette::kThreadBlocked));
    else if (focus) ImGui::PushStyleColor(ImGuiCol_Text, color_vec(palette::kCursor));
    else ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_Text));
    bool open = ImGui::TreeNodeEx("thread", flags, "%s%s", t.title.c_str(), t.runs_next ? "   \u25c0 runs next" : "");
    ImGui::PopStyleColor();
    // A thread's title (its state and what it waits for) can be wider than the panel.
    if (ImGui::IsItemHovered() &&
        ImGui::CalcTextSize(t.title.c_str()).x + ImGui::GetTreeNodeToLabelSpacing() > ImGui::GetItemRectSize().x) {
      ImGui::SetTooltip("%s", t.title.c_str());
    }
    if (ImGui::IsItemClicked(ImGuiMouseButton_Right)) view.set_focus_thread(t.id);
    if (open) {
      for (std::size_t k = t.frames.size(); k > 0; --k) {
        const FrameView& f = t.frames[k - 1];
        ImGui::PushID(static_cast<int>(f.depth));
        ImGuiTreeNodeFlags fflags = ImGuiTreeNodeFlags_SpanAvailWidth;
        if (k == t.frames.size()) fflags |= ImGuiTreeNodeFlags_DefaultOpen;
        if (ImGui::TreeNodeEx("frame", fflags, "#%u %s", f.depth, f.title.c_str())) {
          if (f.bindings.empty()) {
            ImGui::TextDisabled("no bindings yet");
          } else if (ImGui::BeginTable("bindings", 2, ImGuiTableFlags_BordersInnerV)) {
            ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_WidthFixed, 130.0f);
            ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
            for (const BindingView& b : f.bindings) binding_row(dbg, t, f, b);
            ImGui::EndTable();
          }
          ImGui::TreePop();
        }
        ImGui::PopID();
      }
      ImGui::TreePop();
    }
    ImGui::PopID();
  }
}

void heap_section(Debugger& dbg, const CursorSnapshot& snap) {
  if (snap.heap.empty()) return;
  if (!section("Heap blocks")) return;
  if (!ImGui::BeginTable("heap", 4, ImGuiTableFlags_BordersInnerV)) return;
  ImGui::TableSetupColumn("address", ImGuiTableColumnFlags_WidthFixed, 90.0f);
  ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_WidthFixed, 50.0f);
  ImGui::TableSetupColumn("owner", ImGuiTableColumnFlags_WidthFixed, 40.0f);
  ImGui::TableSetupColumn("bytes", ImGuiTableColumnFlags_WidthStretch);
  ViewState& view = dbg.view();
  for (const HeapView& h : snap.heap) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushID(static_cast<int>(h.address));
    bool pushed = false;
    if (h.changed) {
      ImGui::PushStyleColor(ImGuiCol_Text, color_vec(palette::kChanged));
      pushed = true;
    } else if (!h.live) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
      pushed = true;
    }
    const Selection& sel = view.selection();
    bool selected = sel.kind == Selection::Kind::HeapBlock && sel.address == h.address;
    char label[32];
    std::snprintf(label, sizeof label, "%" PRId64, h.address);
    if (ImGui::Selectable(label, selected, ImGuiSelectableFlags_SpanAllColumns)) {
      view.select(Selection{Selection::Kind::HeapBlock, h.owner, 0, {}, h.address});
    }
    if (ImGui::BeginPopupContextItem("heap_menu")) {
      view.select(Selection{Selection::Kind::HeapBlock, h.owner, 0, {}, h.address});
      if (ImGui::MenuItem("Last write")) dbg.execute(Command::LastWrite);
      if (ImGui::MenuItem("Go to allocation")) dbg.go_to(h.alloc_step);
      if (!h.live && ImGui::MenuItem("Go to free")) dbg.go_to(h.free_step);
      ImGui::EndPopup();
    }
    ImGui::TableNextColumn();
    ImGui::Text("%" PRId64, h.size);
    ImGui::TableNextColumn();
    ImGui::Text("T%u", h.owner);
    ImGui::TableNextColumn();
    text_or_tooltip(h.preview);
    if (pushed) ImGui::PopStyleColor();
    ImGui::PopID();
  }
  ImGui::EndTable();
}

void simple_rows(const char* title, const std::vector<MutexView>& mutexes) {
  if (mutexes.empty() || !section(title)) return;
  for (const MutexView& m : mutexes) {
    ImVec4 c = m.changed ? color_vec(palette::kChanged) : ImGui::GetStyleColorVec4(ImGuiCol_Text);
    ImGui::PushStyleColor(ImGuiCol_Text, c);
    char head[32];
    int n = std::snprintf(head, sizeof head, "mutex %" PRId64 ": ", m.id);
    ImGui::TextUnformatted(head, head + n);
    ImGui::SameLine(0, 0);
    text_or_tooltip(m.text);
    ImGui::PopStyleColor();
  }
}

void file_rows(const std::vector<FileView>& files) {
  if (files.empty() || !section("Files")) return;
  for (const FileView& f : files) {
    ImVec4 c = f.changed ? color_vec(palette::kChanged)
               : f.open  ? ImGui::GetStyleColorVec4(ImGuiCol_Text)
                         : ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
    ImGui::PushStyleColor(ImGuiCol_Text, c);
    text_or_tooltip(f.text);
    ImGui::PopStyleColor();
  }
}

void origin_section(Debugger& dbg) {
  const rec::Origin& origin = dbg.origin();
  if (dbg.origin_subject().empty()) return;
  if (!section("Where did this value come from?")) return;
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s: what produced it, then what that read", dbg.origin_subject().c_str());
  ImGui::PopStyleColor();
  if (!origin.error.empty()) {
    ImGui::TextColored(color_vec(palette::kFailure), "%s", origin.error.c_str());
    return;
  }
  if (origin.chain.empty()) ImGui::TextDisabled("nothing wrote it before this step");
  if (!origin.complete && !origin.chain.empty()) ImGui::TextColored(color_vec(palette::kFailure), "incomplete: %s", origin.cut.c_str());
  for (std::size_t i = 0; i < origin.chain.size(); ++i) {
    const rec::OriginLink& link = origin.chain[i];
    ImGui::PushID(static_cast<int>(i));
    char label[48];
    std::snprintf(label, sizeof label, "step %" PRIu64, link.step);
    if (ImGui::SmallButton(label)) dbg.go_to(link.step);
    ImGui::SameLine();
    ImGui::TextColored(color_vec(palette::thread_hue(link.thread)), "T%u", link.thread);
    ImGui::SameLine();
    ImGui::TextWrapped("frame %u %s%s: %s", link.frame, link.from ? "\u2190 " : "", rec::link_kind_name(link.kind),
                       link.what.c_str());
    ImGui::PopID();
  }
}

}  // namespace

void draw_state(Debugger& dbg, UiState& ui) {
  (void)ui;
  const CursorSnapshot& snap = dbg.snapshot();
  ImGui::TextDisabled("State at step %" PRIu64 ", tick %" PRIu64 ", %s", snap.step, snap.tick, snap.outcome.c_str());
  ImGui::BeginChild("state_scroll", ImVec2(0, 0), false);
  if (snap.next) {
    bool fails = snap.next->kind == StepKind::Failed;
    ImGui::TextColored(fails ? color_vec(palette::kFailure) : color_vec(palette::kCursor), "next");
    ImGui::SameLine();
    ImGui::TextWrapped("%s", snap.next_text.c_str());
  } else {
    ImGui::TextDisabled("the end of the recording");
  }
  if (snap.last) {
    ImGui::TextDisabled("last");
    ImGui::SameLine();
    ImGui::TextWrapped("%s", snap.last_text.c_str());
  }
  for (const std::string& c : snap.changes) {
    ImGui::TextColored(color_vec(palette::kChanged), "  %s", c.c_str());
  }
  ImGui::Separator();
  threads_section(dbg, snap);
  heap_section(dbg, snap);
  simple_rows("Mutexes", snap.mutexes);
  file_rows(snap.files);
  if (!snap.q.empty() && section("Q table")) {
    for (const QView& q : snap.q) {
      ImGui::PushStyleColor(ImGuiCol_Text,
                            q.live ? color_vec(palette::kQLive) : ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
      text_or_tooltip(q.text);
      ImGui::PopStyleColor();
    }
  }
  if (!snap.witnesses.empty() && section("\u03a6 witnesses")) {
    for (const std::string& w : snap.witnesses) text_or_tooltip(w);
  }
  draw_value_plot(dbg);
  origin_section(dbg);
  ImGui::EndChild();
}

}  // namespace dust::dbg
