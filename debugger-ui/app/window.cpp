// window.cpp — GLFW + OpenGL 3 + Dear ImGui setup and the frame boundary.
#define GLFW_INCLUDE_NONE
#include "app/window.hpp"

#include <GLFW/glfw3.h>
#include <GL/gl.h>

#include <cstdio>
#include <filesystem>

#include "app/alloc_counter.hpp"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"

namespace dust::dbg {

namespace {

std::string g_glfw_error;

InputQueue* queue_of(GLFWwindow* window) { return static_cast<InputQueue*>(glfwGetWindowUserPointer(window)); }

void queue_key(GLFWwindow* window, int key, int scancode, int action, int mods) {
  queue_of(window)->push_key(key, scancode, action, mods);
}

void queue_char(GLFWwindow* window, unsigned codepoint) { queue_of(window)->push_char(codepoint); }

void on_glfw_error(int code, const char* description) {
  g_glfw_error = "GLFW error " + std::to_string(code) + ": " + (description ? description : "");
}

void apply_style() {
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0.0f;
  style.ChildRounding = 2.0f;
  style.FrameRounding = 2.0f;
  style.ItemSpacing = ImVec2(6, 4);
  style.WindowPadding = ImVec2(6, 6);
  // The window and panel backgrounds are the clear colour, not quads: with
  // software OpenGL every full-window layer costs milliseconds of fill, so
  // nothing is drawn where glClear already painted.
  style.Colors[ImGuiCol_WindowBg] = ImVec4(0, 0, 0, 0);
  style.Colors[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
  style.Colors[ImGuiCol_ScrollbarBg] = ImVec4(0, 0, 0, 0);
  style.Colors[ImGuiCol_MenuBarBg] = ImVec4(0.13f, 0.14f, 0.17f, 1.0f);
}

}  // namespace

void load_fonts(float size) {
  ImGuiIO& io = ImGui::GetIO();
  // Latin, Greek (Φ), punctuation (— …), arrows, geometric shapes (▶ ◀),
  // dingbats (✖) and the angle brackets of ⟨parse error⟩.
  static const ImWchar kRanges[] = {0x0020, 0x00FF, 0x0370, 0x03FF, 0x2000, 0x206F, 0x2190, 0x21FF,
                                    0x25A0, 0x25FF, 0x2700, 0x27BF, 0x27E8, 0x27E9, 0};
  const char* const candidates[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
                                    "/usr/share/fonts/TTF/DejaVuSansMono.ttf"};
  for (const char* path : candidates) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    ImFontConfig config;
    config.OversampleH = 2;
    config.OversampleV = 1;
    if (io.Fonts->AddFontFromFileTTF(path, size, &config, kRanges) != nullptr) return;
  }
  io.Fonts->AddFontDefault();
}

Window::~Window() {
  if (imgui_ready_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (window_ != nullptr) glfwDestroyWindow(window_);
  glfwTerminate();
}

bool Window::create(const WindowOptions& options, std::string& error) {
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    error = g_glfw_error.empty() ? "cannot initialise GLFW (is there a display? try xvfb-run)" : g_glfw_error;
    return false;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_VISIBLE, options.visible ? GLFW_TRUE : GLFW_FALSE);
  window_ = glfwCreateWindow(options.width, options.height, options.title, nullptr, nullptr);
  if (window_ == nullptr) {
    error = g_glfw_error.empty() ? "cannot create an OpenGL 3.3 window" : g_glfw_error;
    return false;
  }
  glfwMakeContextCurrent(window_);
  glfwSwapInterval(options.vsync ? 1 : 0);

  ImGui::SetAllocatorFunctions(imgui_counting_alloc, imgui_counting_free, nullptr);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout is fixed; nothing to remember
  apply_style();
  load_fonts(15.0f);
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");
  install_input_callbacks();
  imgui_ready_ = true;
  return true;
}

// The backend installed its callbacks; keys and characters are taken back
// and queued, everything else (mouse, focus, scroll) still goes straight
// to it. The backend's own callbacks receive the queued events later, so
// it stays exactly as shipped.
void Window::install_input_callbacks() {
  glfwSetWindowUserPointer(window_, &input_);
  glfwSetKeyCallback(window_, queue_key);
  glfwSetCharCallback(window_, queue_char);
}

bool Window::should_close() const { return glfwWindowShouldClose(window_) != 0; }
void Window::request_close() { glfwSetWindowShouldClose(window_, GLFW_TRUE); }

bool Window::wait_events(double timeout) {
  if (timeout <= 0 || !input_.empty()) {
    glfwPollEvents();
    return true;
  }
  double start = glfwGetTime();
  glfwWaitEventsTimeout(timeout);
  return glfwGetTime() - start < timeout * 0.95;
}

void Window::begin_frame() {
  input_.feed_frame([this](const InputEvent& e) {
    if (e.kind == InputEvent::Kind::Key) {
      ImGui_ImplGlfw_KeyCallback(window_, e.key, e.scancode, e.action, e.mods);
    } else {
      ImGui_ImplGlfw_CharCallback(window_, e.codepoint);
    }
  });
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

void Window::finish_ui() { ImGui::Render(); }

void Window::draw() {
  glViewport(0, 0, framebuffer_width(), framebuffer_height());
  glClearColor(0.09f, 0.10f, 0.12f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void Window::present() { glfwSwapBuffers(window_); }

void Window::end_frame(bool swap) {
  finish_ui();
  draw();
  if (swap) present();
}

int Window::framebuffer_width() const {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  return w;
}

int Window::framebuffer_height() const {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  return h;
}

}  // namespace dust::dbg
