// frame_loop.hpp — the debugger application: what is open, and one frame of it.
//
// The App holds the open recording (a Debugger), the recording job that
// will produce one or the opening that prepares one, and draws a frame:
// their progress, the debugger's views, or a welcome screen with the
// reason nothing is open.
// The interactive loop, the screenshot mode and the benchmarks all drive
// the same frame() so they show exactly what a user sees.
#pragma once

#include <memory>
#include <string>

#include "app/window.hpp"
#include "model/debugger.hpp"
#include "model/launch_options.hpp"
#include "model/opening.hpp"
#include "model/recording.hpp"
#include "views/views.hpp"

namespace dust::dbg {

class App {
 public:
  explicit App(const IntrinsicTable& intrinsics) : intrinsics_(intrinsics) {}
  ~App();

  // Opens a recording now, or starts recording a DIR program (`wait`: on
  // this thread, before returning); the file is recognised by its first
  // bytes (model/file_kind.hpp). False with `error` when neither works; the
  // error is then also shown in the window, over whatever is open.
  bool open(const std::string& path, const LaunchOptions& options, bool wait, std::string& error);

  // Draws one frame's UI (between Window::begin_frame and end_frame).
  void frame();
  // Whether something is changing on its own (a recording, an opening or a search running).
  bool busy() const { return job_ != nullptr || opening_ != nullptr || (dbg_ != nullptr && dbg_->searching()); }
  bool quit_requested() const { return ui_.quit; }

  Debugger* debugger() { return dbg_.get(); }
  UiState& ui() { return ui_; }

 private:
  bool open_file(const std::string& path, const LaunchOptions& options, bool wait, std::string& error);
  // Opens a recording: at once, or, when its reader has work to do first
  // and the caller does not `wait`, through an OpeningJob that frame()
  // finishes.
  bool open_trace(const std::string& path, bool wait, std::string& error);
  void show(std::unique_ptr<rec::TraceReader> reader, const std::string& path);
  void finish_opening();
  RecordRequest request_for(const std::string& program, const LaunchOptions& options) const;
  void finish_recording();

  const IntrinsicTable& intrinsics_;
  std::unique_ptr<Debugger> dbg_;
  std::unique_ptr<RecordingJob> job_;
  std::unique_ptr<OpeningJob> opening_;
  std::vector<std::string> temporary_traces_;
  LaunchOptions options_;
  UiState ui_;
};

// The demo shipped in assets/demo, found beside the sources.
std::string bundled_demo_path();

// The interactive debugger; returns the process exit code.
int run_interactive(const LaunchOptions& options);

}  // namespace dust::dbg
