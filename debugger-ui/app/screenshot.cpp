// screenshot.cpp — `dustdbg --screenshot out.png --at STEP FILE`: one frame
// rendered offscreen into a framebuffer object, read back and written as
// a PNG (stb_image_write, from Debian's libstb).
#define GLFW_INCLUDE_NONE
#define GL_GLEXT_PROTOTYPES
#include <GLFW/glfw3.h>
#include <GL/gl.h>
#include <GL/glext.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "app/frame_loop.hpp"
#include "app/headless.hpp"
#include "dustlib_k/dustlib_k.hpp"
#include "stb_image_write.h"

namespace dust::dbg {

namespace {

// An offscreen colour buffer the size of the frame.
class OffscreenTarget {
 public:
  bool create(int width, int height) {
    width_ = width;
    height_ = height;
    glGenFramebuffers(1, &fbo_);
    glGenRenderbuffers(1, &color_);
    glBindRenderbuffer(GL_RENDERBUFFER, color_);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, width, height);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, color_);
    return glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
  }
  ~OffscreenTarget() {
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    if (color_ != 0) glDeleteRenderbuffers(1, &color_);
    if (fbo_ != 0) glDeleteFramebuffers(1, &fbo_);
  }
  void bind() const { glBindFramebuffer(GL_FRAMEBUFFER, fbo_); }

  // The pixels top row first, RGB.
  std::vector<unsigned char> read() const {
    std::vector<unsigned char> rgba(static_cast<std::size_t>(width_) * height_ * 4);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, fbo_);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width_, height_, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
    std::vector<unsigned char> rgb(static_cast<std::size_t>(width_) * height_ * 3);
    for (int y = 0; y < height_; ++y) {
      const unsigned char* src = rgba.data() + static_cast<std::size_t>(height_ - 1 - y) * width_ * 4;
      unsigned char* dst = rgb.data() + static_cast<std::size_t>(y) * width_ * 3;
      for (int x = 0; x < width_; ++x) {
        dst[x * 3 + 0] = src[x * 4 + 0];
        dst[x * 3 + 1] = src[x * 4 + 1];
        dst[x * 3 + 2] = src[x * 4 + 2];
      }
    }
    return rgb;
  }

 private:
  int width_ = 0, height_ = 0;
  GLuint fbo_ = 0, color_ = 0;
};

// Binary PPM: what tests read back without an image library.
bool write_ppm(const std::string& path, int width, int height, const std::vector<unsigned char>& rgb) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  std::fprintf(f, "P6\n%d %d\n255\n", width, height);
  bool ok = std::fwrite(rgb.data(), 1, rgb.size(), f) == rgb.size();
  return std::fclose(f) == 0 && ok;
}

bool ends_with(const std::string& s, const char* suffix) {
  std::size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

}  // namespace

int run_screenshot(const LaunchOptions& options) {
  Window window;
  std::string error;
  if (!window.create(WindowOptions::offscreen(options.width, options.height), error)) {
    std::fprintf(stderr, "dustdbg: %s\n", error.c_str());
    return 2;
  }
  App app(k::standard_intrinsics());
  std::string path = options.file.empty() ? bundled_demo_path() : options.file;
  // A file that does not open still gets its frame: the window as a user
  // would see it, with the error across it. The exit code says it failed.
  int exit_code = 0;
  if (!app.open(path, options, true, error)) {
    std::fprintf(stderr, "dustdbg: %s\n", error.c_str());
    exit_code = 3;
  }
  Debugger* dbg = app.debugger();
  if (dbg != nullptr) {
    std::optional<std::uint64_t> failure;
    if (dbg->catalog().failure) failure = dbg->catalog().failure->step;
    auto step = resolve_step(options.at, dbg->view().steps(), failure, dbg->info().complete, error);
    if (!step) {
      std::fprintf(stderr, "dustdbg: %s\n", error.c_str());
      return 2;
    }
    if (!(options.at == "failure" && failure)) dbg->go_to(step->step);
    // What was asked for and not found is said, never clamped silently.
    if (!step->note.empty()) {
      std::printf("dustdbg: %s\n", step->note.c_str());
      dbg->view().add_notice(Notice{Notice::Level::Warning, step->note, true});
      dbg->view().set_status(step->note);
    }
    if (options.range) dbg->view().axis().set_visible(options.range->first, options.range->second);
  }

  int width = window.framebuffer_width();
  int height = window.framebuffer_height();
  OffscreenTarget target;
  if (!target.create(width, height)) {
    std::fprintf(stderr, "dustdbg: cannot create an offscreen framebuffer\n");
    return 2;
  }
  // A few frames: ImGui sizes windows and tables from the frame before.
  for (int i = 0; i < 4; ++i) {
    window.wait_events(0);
    window.begin_frame();
    app.frame();
    target.bind();
    window.end_frame(false);
  }
  std::vector<unsigned char> pixels = target.read();
  bool written = ends_with(options.screenshot_path, ".ppm")
                     ? write_ppm(options.screenshot_path, width, height, pixels)
                     : stbi_write_png(options.screenshot_path.c_str(), width, height, 3, pixels.data(), width * 3) != 0;
  if (!written) {
    std::fprintf(stderr, "dustdbg: cannot write %s\n", options.screenshot_path.c_str());
    return 2;
  }
  if (dbg != nullptr) {
    std::printf("wrote %s (%dx%d) at step %llu of %s\n", options.screenshot_path.c_str(), width, height,
                static_cast<unsigned long long>(dbg->view().cursor()), path.c_str());
  } else {
    std::printf("wrote %s (%dx%d): %s did not open\n", options.screenshot_path.c_str(), width, height, path.c_str());
  }
  return exit_code;
}

}  // namespace dust::dbg
