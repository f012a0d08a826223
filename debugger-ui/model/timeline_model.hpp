// timeline_model.hpp — the timeline's lanes for the visible range.
//
// Lanes, top to bottom: one per K-thread (running / runnable / blocked /
// sleeping), one per mutex (held, waited, contended), Q resource lifetime
// rows, memory block lifetime rows, the Φ lane and the effects lane (each
// only when the run has anything for it); the
// failure is one marker across all of them. Each lane's items are culled
// and folded for the current range and width (lane_folding.hpp) and cached
// on that key: a frame that moves only the cursor, or nothing, reuses them
// and allocates nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dust/recorder/trace_reader.hpp"
#include "model/lane_folding.hpp"
#include "model/run_catalog.hpp"
#include "model/time_axis.hpp"

namespace dust::dbg {

enum class LaneKind : std::uint8_t { Thread, Mutex, QResource, Memory, Phi, Effects };

// Thread lane styles, by importance (the reader's fold order: a wait wins).
enum ThreadStyle : std::uint8_t {
  kThreadFinished = 0,
  kThreadRunnable = 1,
  kThreadSleeping = 2,
  kThreadRunning = 3,
  kThreadBlocked = 4,      // never hidden
};

enum MutexStyle : std::uint8_t {
  kMutexHeld = 1,
  kMutexHeldContended = 2,
  kMutexWaited = 3,        // never hidden
};

std::uint8_t thread_style(rec::ThreadActivity activity);
// The Φ lane's name: the resolution's outcome under `--phi resolve`.
std::string phi_lane_label(const RunCatalog& catalog);

struct Lane {
  LaneKind kind = LaneKind::Thread;
  std::uint32_t key = 0;   // thread id, mutex id, or row
  std::string label;
  std::vector<LaneItem> bars;    // spans across the lane (a mutex: held)
  std::vector<LaneItem> waits;   // mutex lanes: threads waiting, drawn under the held bar
  std::vector<LaneItem> marks;   // instants: moves, frees, violations, Φ checks, effects
  std::vector<LaneItem> accesses;  // memory lanes: reads and writes (access_style)
};

// A memory access mark's style: the thread, and whether it wrote. Drawn in
// the thread's hue; when folded, the highest thread's write shows.
constexpr std::uint8_t access_style(std::uint32_t thread, bool write) {
  return static_cast<std::uint8_t>(1 + (thread % 8) * 2 + (write ? 1 : 0));
}
constexpr std::uint32_t access_thread(std::uint8_t style) { return static_cast<std::uint32_t>((style - 1) / 2); }
constexpr bool access_wrote(std::uint8_t style) { return (style - 1) % 2 == 1; }

class TimelineModel {
 public:
  static constexpr float kFoldPixels = 3.0f;
  // Memory reads and writes are marked when at most this many steps are
  // visible: they come from the steps' events, read for the visible range.
  static constexpr std::uint64_t kAccessMarkSteps = 50000;

  // Builds the lane list (labels, one lane per thread, mutex and row).
  void attach(rec::TraceReader* reader, const RunCatalog* catalog);

  // The lanes for `axis`'s visible range drawn `width_px` wide; rebuilt
  // only when the range or the width changed since the last call.
  const std::vector<Lane>& lanes(const TimeAxis& axis, double width_px);
  // The lanes as last built (their kinds and labels are fixed at attach).
  const std::vector<Lane>& current_lanes() const { return lanes_; }
  std::uint64_t rebuilds() const { return rebuilds_; }

  // Details behind a thread or mutex lane item (for hover tooltips); valid
  // until the next rebuild.
  const rec::ThreadSegment* thread_segment(std::size_t lane, std::uint32_t ref) const;
  const rec::MutexSegment* mutex_segment(std::size_t lane, std::uint32_t ref) const;

 private:
  void rebuild(const TimeAxis& axis, double width_px);
  void build_thread_lane(std::size_t index, const TimeAxis& axis, const FoldParams& params, std::uint64_t first,
                         std::uint64_t last, std::uint64_t min_width);
  // Sorts the visible range's memory reads and writes into their blocks' rows.
  void collect_accesses(std::uint64_t first, std::uint64_t last);
  void build_mutex_lane(std::size_t index, const TimeAxis& axis, const FoldParams& params, std::uint64_t first,
                        std::uint64_t last, std::uint64_t min_width);

  rec::TraceReader* reader_ = nullptr;
  const RunCatalog* catalog_ = nullptr;
  std::vector<Lane> lanes_;
  // Per lane: the reader's segments behind its items (thread and mutex lanes).
  std::vector<std::vector<rec::ThreadSegment>> thread_segments_;
  std::vector<std::vector<rec::MutexSegment>> mutex_segments_;
  std::vector<Span> scratch_;
  std::vector<Span> scratch_waits_;
  std::vector<std::vector<Span>> access_rows_;  // per memory row
  TimeRange cached_range_{-1, -1};
  double cached_width_ = -1;
  std::uint64_t rebuilds_ = 0;
};

}  // namespace dust::dbg
