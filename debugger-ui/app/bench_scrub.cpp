// bench_scrub.cpp — `--bench-scrub`: the cursor swept across a whole trace,
// one full frame (model update, every view, OpenGL render, glFinish) per
// position, with median and p99 frame times; and `--idle-check`: frames in
// which nothing changes must allocate nothing.
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

int run_idle_check(const LaunchOptions& options) {
  Headless h;
  if (!h.open(options)) return 2;
  std::uint64_t idle = idle_allocations(h, 8, 30);
  std::printf("idle frames: %llu allocations in 30 frames\n", static_cast<unsigned long long>(idle));
  return idle == 0 ? 0 : 1;
}

}  // namespace dust::dbg
