// memory_view.cpp — the bytes of a heap block at the cursor.
//
// Shows the selected block (pick one in the list or in the State view) as
// 8-byte little-endian words, the way load/store see them. Clicking a word
// selects that memory cell; "Last write" then jumps to the step that last
// stored to it — the reverse watchpoint over memory.
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "views/views.hpp"

namespace dust::dbg {

void draw_memory(Debugger& dbg, UiState& ui) {
  const CursorSnapshot& snap = dbg.snapshot();
  if (!snap.machine || snap.machine->k.heap.blocks.empty()) {
    ImGui::TextDisabled("No heap blocks at this step.");
    return;
  }
  const Heap& heap = snap.machine->k.heap;
  ViewState& view = dbg.view();
  const Selection& sel = view.selection();
  std::int64_t shown = ui.memory_block;
  if (sel.kind == Selection::Kind::HeapBlock || sel.kind == Selection::Kind::MemoryCell) {
    auto it = heap.blocks.upper_bound(sel.address);
    if (it != heap.blocks.begin()) {
      --it;
      if (sel.address < it->first + std::max<std::int64_t>(it->second.size, 1)) shown = it->first;
    }
  }
  auto block_it = heap.blocks.find(shown);
  if (block_it == heap.blocks.end()) block_it = heap.blocks.begin();

  char preview[64];
  std::snprintf(preview, sizeof preview, "%" PRId64 " (%" PRId64 " bytes)%s", block_it->first, block_it->second.size,
                block_it->second.live ? "" : " freed");
  ImGui::SetNextItemWidth(260);
  if (ImGui::BeginCombo("block", preview)) {
    for (const auto& [address, block] : heap.blocks) {
      char label[64];
      std::snprintf(label, sizeof label, "%" PRId64 " (%" PRId64 " bytes)%s##%" PRId64, address, block.size,
                    block.live ? "" : " freed", address);
      if (ImGui::Selectable(label, address == block_it->first)) {
        ui.memory_block = address;
        view.select(Selection{Selection::Kind::HeapBlock, block.owner_thread, 0, {}, address});
      }
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (ImGui::Button("Last write")) dbg.execute(Command::LastWrite);
  ImGui::SameLine();
  if (ImGui::Button("Where from")) dbg.execute(Command::WhereFrom);

  const HeapBlock& block = block_it->second;
  ImGui::TextDisabled("allocated by T%u at step %" PRIu64 "%s", block.owner_thread, block.alloc_step,
                      block.live ? "" : ", freed");
  if (!block.live) {
    ImGui::TextColored(color_vec(palette::kMemoryFreed), "freed at step %" PRIu64 "; its bytes are gone", block.free_step);
    return;
  }
  if (!ImGui::BeginTable("words", 3, ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("address", ImGuiTableColumnFlags_WidthFixed, 90.0f);
  // Wide enough for a whole word of hex at the font in use.
  ImGui::TableSetupColumn("bytes", ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("00 00 00 00 00 00 00 00").x + 8);
  ImGui::TableSetupColumn("as i64", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  const auto& bytes = block.bytes;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>((bytes.size() + 7) / 8));
  while (clipper.Step()) {
  for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
    std::size_t offset = static_cast<std::size_t>(row) * 8;
    std::int64_t address = block_it->first + static_cast<std::int64_t>(offset);
    std::uint64_t word = 0;
    char hex[32] = {};
    int pos = 0;
    for (std::size_t k = 0; k < 8 && offset + k < bytes.size(); ++k) {
      word |= static_cast<std::uint64_t>(bytes[offset + k]) << (8 * k);
      pos += std::snprintf(hex + pos, sizeof hex - static_cast<std::size_t>(pos), "%02x ", bytes[offset + k]);
    }
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    char label[32];
    std::snprintf(label, sizeof label, "%" PRId64, address);
    bool selected = sel.kind == Selection::Kind::MemoryCell && sel.address == address;
    if (ImGui::Selectable(label, selected, ImGuiSelectableFlags_SpanAllColumns)) {
      view.select(Selection{Selection::Kind::MemoryCell, block.owner_thread, 0, {}, address});
    }
    ImGui::TableNextColumn();
    text_or_tooltip(hex, hex + std::strlen(hex));
    ImGui::TableNextColumn();
    ImGui::Text("%" PRId64, static_cast<std::int64_t>(word));
  }
  }
  ImGui::EndTable();
}

}  // namespace dust::dbg
