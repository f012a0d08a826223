// views.hpp — the debugger's views, one per file, each drawing one part of
// the model with Dear ImGui.
//
// A view is a function over the Debugger (model) and the little state the
// widgets need between frames (UiState). Views change the run's view only
// through the model (cursor, selection, breakpoints, commands), so what a
// click does is what a test of the model checks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "imgui.h"
#include "model/debugger.hpp"
#include "model/palette.hpp"

namespace dust::dbg {

struct RecordingJob;
class OpeningJob;

enum class SideTab : std::uint8_t { None, Effects, Q, Phi, Memory, Breakpoints, Unsafe };

// Widget state carried between frames; nothing here is about the run.
struct UiState {
  bool scrubbing = false;                 // the left button is dragging the cursor on the timeline
  std::uint64_t program_scroll_revision = 0;  // the cursor revision the listing last scrolled to
  std::uint64_t effects_scroll_revision = 0;
  char goto_text[24] = {};
  char open_path[1024] = {};
  bool open_popup = false;
  std::string open_request;               // set by File > Open; the app opens it after the frame
  std::string error_banner;               // why the last open or save failed; a banner until dismissed
  bool save_popup = false;
  char save_path[1024] = {};
  std::string save_request;               // set by File > Save Recording As; the app copies after the frame
  bool quit = false;
  std::int64_t memory_block = -1;         // the block the memory view shows (-1: the selection's)
  SideTab side_tab_request = SideTab::None;  // a tab to bring forward on the next frame
  // The breakpoint being edited in the Breakpoints tab, and its fields.
  std::uint32_t edit_stmt = 0xffffffffu;
  char edit_condition[256] = {};
  char edit_hits[32] = {};
  char edit_thread[16] = {};
  char edit_log[256] = {};
  // Watch expressions, evaluated at the cursor.
  std::vector<std::string> watches;
  char watch_text[256] = {};
};

// The side panel tab that best explains a run's failure (Q for a linearity
// violation, Φ for an inadmissible run, Memory for a heap error).
SideTab tab_for_failure(const Debugger& dbg);

ImU32 color(palette::Rgb c, std::uint8_t alpha = 255);

// Text that may not fit where it is drawn: when it is cut, hovering it
// shows all of it (views/clipped_text.cpp).
void text_or_tooltip(const char* begin, const char* end);
void text_or_tooltip(const std::string& text);
ImVec4 color_vec(palette::Rgb c, float alpha = 1.0f);

// The fixed arrangement of the main window: toolbar, timeline, then the
// program, state and tabbed side panels. Deterministic, so screenshots of
// the same trace look the same.
void draw_debugger(Debugger& dbg, UiState& ui);

void draw_menu_bar(Debugger* dbg, UiState& ui);
// Each colour's meaning with its swatch (Help > Colours).
void draw_colour_legend();
// The error of a failed open (dbg may be null: nothing open) and the
// debugger's notices, as banners across the window.
void draw_banners(Debugger* dbg, UiState& ui);
void draw_toolbar(Debugger& dbg, UiState& ui);
void draw_timeline(Debugger& dbg, UiState& ui, float height);
// The height the timeline needs to show every lane without scrolling.
float timeline_wanted_height(Debugger& dbg);
void draw_program(Debugger& dbg, UiState& ui);
void draw_state(Debugger& dbg, UiState& ui);
// The selection's value over the visible range (part of the state panel).
void draw_value_plot(Debugger& dbg);
void draw_effects(Debugger& dbg, UiState& ui);
void draw_q_resources(Debugger& dbg, UiState& ui);
void draw_phi(Debugger& dbg, UiState& ui);
void draw_memory(Debugger& dbg, UiState& ui);
void draw_breakpoints(Debugger& dbg, UiState& ui);
void draw_unsafe(Debugger& dbg, UiState& ui);
// The frame of the progress windows below (views/progress_window.cpp):
// begin_progress_window opens it (end it with ImGui::End), `height_fraction`
// down the main window; cancel_pressed draws its Cancel button, which
// Escape presses too, disabled once `cancelling`.
void begin_progress_window(const char* title, float width, float height_fraction);
bool cancel_pressed(bool cancelling);
// The progress window of a background search (a far continue), if any.
void draw_search(Debugger& dbg);
// The progress window of a run being recorded; returns true while it shows.
bool draw_recording(RecordingJob& job);
// The progress window of a recording being opened; returns true while it shows.
bool draw_opening(OpeningJob& job);
void draw_open_popup(UiState& ui);
void draw_save_popup(UiState& ui);

}  // namespace dust::dbg
