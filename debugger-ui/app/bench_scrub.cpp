// bench_scrub.cpp — `--bench-scrub`: the cursor swept across a whole trace,
// one full frame (model update, every view, OpenGL render, glFinish) per
// position, with median and p99 frame times; `--idle-check`: frames in
// which nothing changes must allocate nothing; and `--key-check`: key taps
// whose press and release arrive in one batch of events still work.
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <GL/gl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "app/alloc_counter.hpp"
#include "app/frame_loop.hpp"
#include "app/headless.hpp"
#include "dustlib_k/dustlib_k.hpp"
#include "imgui.h"

namespace dust::dbg {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

struct Headless {
  Window window;
  std::unique_ptr<App> app;
  std::string path;

  bool open(const LaunchOptions& options) {
    // The timings' own storage is made up front: the idle check counts
    // every allocation, and must not count the benchmark's.
    std::size_t capacity = static_cast<std::size_t>(options.frames) + 256;
    ui_ms.reserve(capacity);
    render_ms.reserve(capacity);
    present_ms.reserve(capacity);
    vertices.reserve(capacity);
    draw_calls.reserve(capacity);
    std::string error;
    if (!window.create(WindowOptions::offscreen(options.width, options.height), error)) {
      std::fprintf(stderr, "dustdbg: %s\n", error.c_str());
      return false;
    }
    app = std::make_unique<App>(k::standard_intrinsics());
    path = options.file;
    auto start = Clock::now();
    if (!app->open(path, options, true, error)) {
      std::fprintf(stderr, "dustdbg: %s\n", error.c_str());
      return false;
    }
    std::printf("opened %s: %llu steps, %u threads in %.0f ms\n", path.c_str(),
                static_cast<unsigned long long>(app->debugger()->view().steps()), app->debugger()->thread_count(),
                ms_since(start));
    return true;
  }

  // Where a frame's time goes: building the UI, rendering it, presenting it.
  std::vector<double> ui_ms, render_ms, present_ms, vertices, draw_calls;

  void frame() {
    auto start = Clock::now();
    window.wait_events(0);
    window.begin_frame();
    app->frame();
    window.finish_ui();
    const ImDrawData* data = ImGui::GetDrawData();
    vertices.push_back(static_cast<double>(data->TotalVtxCount));
    int calls = 0;
    for (int i = 0; i < data->CmdListsCount; ++i) calls += data->CmdLists[i]->CmdBuffer.Size;
    draw_calls.push_back(static_cast<double>(calls));
    auto built = Clock::now();
    window.draw();
    glFinish();
    auto rendered = Clock::now();
    window.present();
    auto presented = Clock::now();
    ui_ms.push_back(std::chrono::duration<double, std::milli>(built - start).count());
    render_ms.push_back(std::chrono::duration<double, std::milli>(rendered - built).count());
    present_ms.push_back(std::chrono::duration<double, std::milli>(presented - rendered).count());
  }
};

// Frames at a fixed cursor with no input; returns allocations in the last `measured`.
std::uint64_t idle_allocations(Headless& h, int warmup, int measured) {
  for (int i = 0; i < warmup; ++i) h.frame();
  std::uint64_t before = allocation_count();
  for (int i = 0; i < measured; ++i) h.frame();
  return allocation_count() - before;
}

}  // namespace

int run_bench_scrub(const LaunchOptions& options) {
  Headless h;
  if (!h.open(options)) return 2;
  Debugger& dbg = *h.app->debugger();
  dbg.view().axis().fit();
  std::uint64_t steps = dbg.view().steps();
  dbg.go_to(0);
  for (int i = 0; i < 10; ++i) h.frame();

  h.ui_ms.clear();
  h.render_ms.clear();
  h.present_ms.clear();
  h.vertices.clear();
  h.draw_calls.clear();
  std::vector<double> frame_ms, state_ms;
  frame_ms.reserve(static_cast<std::size_t>(options.frames));
  for (int i = 0; i < options.frames; ++i) {
    std::uint64_t cursor = steps * static_cast<std::uint64_t>(i) / static_cast<std::uint64_t>(options.frames - 1);
    auto start = Clock::now();
    dbg.go_to(cursor);
    auto state_start = Clock::now();
    dbg.snapshot();
    state_ms.push_back(ms_since(state_start));
    h.frame();
    frame_ms.push_back(ms_since(start));
  }
  std::uint64_t idle = idle_allocations(h, 5, 30);
  std::printf("bench-scrub: %d frames across %llu steps, %dx%d\n", options.frames,
              static_cast<unsigned long long>(steps), options.width, options.height);
  std::printf("  frame time   median %.2f ms   p99 %.2f ms   max %.2f ms\n", percentile(frame_ms, 0.5),
              percentile(frame_ms, 0.99), percentile(frame_ms, 1.0));
  std::printf("  state_at     median %.2f ms   p99 %.2f ms\n", percentile(state_ms, 0.5), percentile(state_ms, 0.99));
  std::printf("  ui build     median %.2f ms   p99 %.2f ms\n", percentile(h.ui_ms, 0.5), percentile(h.ui_ms, 0.99));
  std::printf("  GL render    median %.2f ms   p99 %.2f ms\n", percentile(h.render_ms, 0.5),
              percentile(h.render_ms, 0.99));
  std::printf("  present      median %.2f ms   p99 %.2f ms\n", percentile(h.present_ms, 0.5),
              percentile(h.present_ms, 0.99));
  std::printf("  vertices     median %.0f per frame, %.0f draw calls\n", percentile(h.vertices, 0.5),
              percentile(h.draw_calls, 0.5));
  std::printf("  timeline lane rebuilds during the sweep: %llu\n",
              static_cast<unsigned long long>(dbg.timeline().rebuilds()));
  std::printf("  idle frames: %llu allocations in 30 frames\n", static_cast<unsigned long long>(idle));
  return 0;
}

// Selects the first binding of the focus thread's innermost frame and
// traces where it came from, so the idle check also covers the value plot
// and the where-from panel. False when there is no binding at the cursor.
bool select_a_binding(Debugger& dbg) {
  const CursorSnapshot& snap = dbg.snapshot();
  for (const ThreadView& t : snap.threads) {
    if (t.frames.empty() || t.frames.back().bindings.empty()) continue;
    const FrameView& f = t.frames.back();
    dbg.view().select(Selection{Selection::Kind::Binding, t.id, f.depth, f.bindings.front().name, 0});
    dbg.execute(Command::WhereFrom);
    return true;
  }
  return false;
}

int run_idle_check(const LaunchOptions& options) {
  Headless h;
  if (!h.open(options)) return 2;
  std::uint64_t idle = idle_allocations(h, 8, 30);
  // Again with a binding selected: its value over time and its origin are
  // cached like everything else.
  if (select_a_binding(*h.app->debugger())) idle += idle_allocations(h, 8, 30);
  std::printf("idle frames: %llu allocations in 30 frames\n", static_cast<unsigned long long>(idle));
  return idle == 0 ? 0 : 1;
}

namespace {

// One tap of `key`: press and release delivered back to back through the
// window's key callback, as glfwPollEvents delivers a fast tap, then
// frames drawn until the queue is empty.
void tap(Headless& h, int key) {
  GLFWwindow* w = h.window.handle();
  GLFWkeyfun callback = glfwSetKeyCallback(w, nullptr);
  glfwSetKeyCallback(w, callback);
  callback(w, key, glfwGetKeyScancode(key), GLFW_PRESS, 0);
  callback(w, key, glfwGetKeyScancode(key), GLFW_RELEASE, 0);
  for (int i = 0; i < 3 || h.window.input_pending(); ++i) h.frame();
}

}  // namespace

int run_key_check(const LaunchOptions& options) {
  Headless h;
  if (!h.open(options)) return 2;
  Debugger& dbg = *h.app->debugger();
  dbg.go_to(0);
  for (int i = 0; i < 3; ++i) h.frame();
  std::uint64_t steps = dbg.view().steps();
  // End goes to the end, or to the failure, which nothing steps past.
  tap(h, GLFW_KEY_END);
  std::uint64_t after_end = dbg.view().cursor();
  tap(h, GLFW_KEY_HOME);
  std::uint64_t after_home = dbg.view().cursor();
  tap(h, GLFW_KEY_F11);
  std::uint64_t after_step = dbg.view().cursor();
  bool ok = after_end > 0 && after_home == 0 && after_step > 0;
  std::printf("key taps: End -> %llu (of %llu), Home -> %llu, F11 -> %llu: %s\n",
              static_cast<unsigned long long>(after_end), static_cast<unsigned long long>(steps),
              static_cast<unsigned long long>(after_home), static_cast<unsigned long long>(after_step),
              ok ? "none lost" : "a tap was lost");
  return ok ? 0 : 1;
}

}  // namespace dust::dbg
