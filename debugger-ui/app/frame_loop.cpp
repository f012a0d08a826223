// frame_loop.cpp — opening files, drawing frames, the interactive loop.
#include "app/frame_loop.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "app/key_input.hpp"
#include "dustlib_k/dustlib_k.hpp"
#include "dust/recorder/session/open_recording.hpp"
#include "model/file_kind.hpp"

namespace dust::dbg {

namespace {

volatile std::sig_atomic_t g_stop_requested = 0;

void request_stop(int) { g_stop_requested = 1; }

std::string temporary_trace_path(const std::string& program) {
  const char* tmp = std::getenv("TMPDIR");
  std::filesystem::path dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  std::string stem = std::filesystem::path(program).stem().string();
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".dir") == 0) stem.resize(stem.size() - 4);
  return (dir / ("dustdbg-" + stem + "-" + std::to_string(::getpid()) + ".dtrace")).string();
}

void draw_welcome(UiState& ui) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("dustdbg", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_MenuBar |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  draw_menu_bar(nullptr, ui);
  draw_banners(nullptr, ui);
  ImGui::TextUnformatted("dustdbg \u2014 the Dust time-travel debugger");
  ImGui::Spacing();
  ImGui::TextUnformatted("File > Open... takes a recording (.dtrace) or a DIR program to record.");
  draw_open_popup(ui);
  ImGui::End();
}

}  // namespace

std::string bundled_demo_path() {
  const std::filesystem::path in_sources = std::filesystem::path(DUST_SOURCE_DIR) / "assets/demo/two_lock_deadlock.dir.json";
  std::error_code ec;
  if (std::filesystem::exists(in_sources, ec)) return in_sources.string();
  // An installed or moved build: look beside the executable.
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (std::filesystem::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    std::filesystem::path candidate = dir / "assets/demo/two_lock_deadlock.dir.json";
    if (std::filesystem::exists(candidate, ec)) return candidate.string();
  }
  return in_sources.string();
}

App::~App() {
  job_.reset();
  opening_.reset();
  dbg_.reset();
  for (const std::string& path : temporary_traces_) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
}

RecordRequest App::request_for(const std::string& program, const LaunchOptions& options) const {
  RecordRequest request;
  request.program_path = program;
  request.trace_path = temporary_trace_path(program);
  request.config = run_config_for(options);
  return request;
}

bool App::open_trace(const std::string& path, bool wait, std::string& error) {
  std::unique_ptr<rec::TraceReader> reader = session::open_recording(path, intrinsics_, error);
  if (!reader) return false;
  opening_.reset();  // an earlier opening still preparing would replace this one
  if (!wait && reader->steps_to_prepare() > 0) {
    opening_ = std::make_unique<OpeningJob>(path, std::move(reader));
    return true;
  }
  show(std::move(reader), path);
  return true;
}

void App::show(std::unique_ptr<rec::TraceReader> reader, const std::string& path) {
  dbg_ = std::make_unique<Debugger>(std::move(reader), path, intrinsics_);
  dbg_->land_on_open();
  ui_ = UiState{};
  ui_.side_tab_request = tab_for_failure(*dbg_);
}

void App::finish_opening() {
  std::unique_ptr<rec::TraceReader> reader = opening_->take_reader();
  const std::string path = opening_->path();
  opening_.reset();
  if (reader) {
    show(std::move(reader), path);
  } else if (dbg_ != nullptr) {
    dbg_->view().set_status("Opening " + path + " cancelled");
  } else {
    ui_.error_banner = "Opening " + path + " cancelled";
  }
}

bool App::open(const std::string& path, const LaunchOptions& options, bool wait, std::string& error) {
  options_ = options;
  if (!open_file(path, options, wait, error)) {
    ui_.error_banner = error;  // shown in the window, not only on stderr
    return false;
  }
  return true;
}

bool App::open_file(const std::string& path, const LaunchOptions& options, bool wait, std::string& error) {
  FileSniff sniff = sniff_file(path);
  if (sniff.kind == FileKind::Unusable) {
    error = sniff.error;
    return false;
  }
  if (sniff.kind == FileKind::Trace) {
    if (!open_trace(path, wait, error)) return false;
    job_.reset();  // a recording still running would replace what was just opened
    return true;
  }
  RecordRequest request = request_for(path, options);
  temporary_traces_.push_back(request.trace_path);
  if (wait) {
    RecordOutcome outcome = record_program(request, intrinsics_, nullptr, nullptr);
    if (!outcome.ok) {
      error = outcome.error;
      return false;
    }
    return open_trace(request.trace_path, true, error);
  }
  opening_.reset();
  job_ = std::make_unique<RecordingJob>(request, intrinsics_);
  return true;
}

void App::finish_recording() {
  RecordOutcome outcome = job_->outcome();
  std::string trace = job_->request().trace_path;
  job_.reset();
  if (!outcome.ok) {
    ui_.error_banner = outcome.error;
    return;
  }
  std::string error;
  if (!open_trace(trace, false, error)) {
    ui_.error_banner = error;
    return;
  }
  if (outcome.cancelled && opening_ == nullptr) {
    dbg_->view().set_status("Recording cancelled after " + std::to_string(outcome.steps) +
                            " steps; the trace holds every whole block before that");
  }
}

void App::frame() {
  if (!ui_.open_request.empty()) {
    std::string path = std::move(ui_.open_request);
    ui_.open_request.clear();
    std::string error;
    // A failed open keeps what is open, with the error shown over it.
    if (open(path, options_, false, error)) ui_.open_path[0] = '\0';
  }
  if (!ui_.save_request.empty() && dbg_ != nullptr) {
    std::string destination = std::move(ui_.save_request);
    ui_.save_request.clear();
    std::string error;
    if (!dbg_->save_as(destination, error)) ui_.error_banner = error;
  }
  if (job_ != nullptr) {
    if (!draw_recording(*job_) && job_->finished()) finish_recording();
    if (dbg_ == nullptr) return;
  }
  if (opening_ != nullptr) {
    if (!draw_opening(*opening_) && opening_->finished()) finish_opening();
    if (dbg_ == nullptr) return;
  }
  if (dbg_ == nullptr) {
    draw_welcome(ui_);
    return;
  }
  dbg_->poll_search();
  dispatch_shortcuts(*dbg_);
  draw_debugger(*dbg_, ui_);
  draw_search(*dbg_);
}

int run_interactive(const LaunchOptions& options) {
  Window window;
  std::string error;
  WindowOptions wo;
  wo.width = options.width;
  wo.height = options.height;
  if (!window.create(wo, error)) {
    std::fprintf(stderr, "dustdbg: %s\n", error.c_str());
    return 2;
  }
  App app(k::standard_intrinsics());
  std::string path = options.file.empty() ? bundled_demo_path() : options.file;
  if (!app.open(path, options, false, error)) std::fprintf(stderr, "dustdbg: %s\n", error.c_str());
  // Ctrl+C or a kill closes the window the normal way, so recordings made
  // for this session are removed.
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  // Frames are drawn when something happens (input, a recording running,
  // at most 60 a second then); otherwise the loop sleeps, so an idle
  // debugger costs nothing.
  int quiet_frames = 0;
  while (!window.should_close() && !app.quit_requested() && !g_stop_requested) {
    double timeout = app.busy() ? 1.0 / 60.0 : quiet_frames < 3 ? 0.0 : 0.25;
    bool woken = window.wait_events(timeout);
    if (woken && quiet_frames >= 3) quiet_frames = 0;
    window.begin_frame();
    app.frame();
    // Input settles over a few frames (a click opens a popup, a drag
    // scrolls); keep drawing while anything moves.
    bool active = ImGui::IsAnyItemActive() || ImGui::IsMouseDragging(ImGuiMouseButton_Left) ||
                  ImGui::IsMouseDragging(ImGuiMouseButton_Right);
    quiet_frames = active ? 0 : quiet_frames + 1;
    window.end_frame(true);
  }
  return 0;
}

}  // namespace dust::dbg
