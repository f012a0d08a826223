// window.hpp — the GLFW window, its OpenGL context and Dear ImGui.
//
// The only place that knows about GLFW and the ImGui backends. A window
// is created visible for interactive use, or hidden for headless
// screenshots and benchmarks under Xvfb; frames are begun and ended here.
// Key and character events go through an InputQueue (model/input_queue.hpp)
// before they reach the backend, one key event per frame, so that a press
// and release in one batch of events are never lost.
#pragma once

#include <string>

#include "model/input_queue.hpp"

struct GLFWwindow;

namespace dust::dbg {

struct WindowOptions {
  int width = 1600;
  int height = 1000;
  bool visible = true;
  bool vsync = true;
  const char* title = "dustdbg";

  // An invisible window without vsync, for screenshots and benchmarks.
  static WindowOptions offscreen(int width, int height) {
    WindowOptions o;
    o.width = width;
    o.height = height;
    o.visible = false;
    o.vsync = false;
    return o;
  }
};

class Window {
 public:
  Window() = default;
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  // Opens the window and sets up ImGui; false with `error` when there is no
  // display or no OpenGL 3.
  bool create(const WindowOptions& options, std::string& error);

  bool should_close() const;
  void request_close();
  // Waits up to `timeout` seconds for input (0: just polls). Returns
  // whether it was woken before the timeout, i.e. something happened.
  // While queued key events wait for their frames it only polls.
  bool wait_events(double timeout);
  // Key events not yet handed to ImGui (each frame takes one).
  bool input_pending() const { return !input_.empty(); }
  InputQueue& input() { return input_; }
  void begin_frame();
  // Ends the frame's UI, draws it into the bound framebuffer and swaps
  // when asked: finish_ui(), draw(), present().
  void end_frame(bool swap);
  void finish_ui();
  void draw();
  void present();
  int framebuffer_width() const;
  int framebuffer_height() const;
  GLFWwindow* handle() const { return window_; }

 private:
  void install_input_callbacks();

  GLFWwindow* window_ = nullptr;
  bool imgui_ready_ = false;
  InputQueue input_;
};

// The font: DejaVu Sans Mono when installed (it has Φ, arrows and box
// marks), else ImGui's built-in font.
void load_fonts(float size);

}  // namespace dust::dbg
