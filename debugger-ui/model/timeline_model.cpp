// timeline_model.cpp — building and caching the visible lanes.
#include "model/timeline_model.hpp"

#include <algorithm>
#include <cmath>

namespace dust::dbg {

std::uint8_t thread_style(rec::ThreadActivity activity) {
  switch (activity) {
    case rec::ThreadActivity::Running: return kThreadRunning;
    case rec::ThreadActivity::Runnable: return kThreadRunnable;
    case rec::ThreadActivity::Blocked: return kThreadBlocked;
    case rec::ThreadActivity::Sleeping: return kThreadSleeping;
    case rec::ThreadActivity::Finished: return kThreadFinished;
  }
  return kThreadRunnable;
}

std::string phi_lane_label(const RunCatalog& catalog) {
  if (!catalog.phi_resolution) return "\u03a6 resolution";
  switch (catalog.phi_resolution->outcome) {
    case PhiOutcome::Admissible: return "\u03a6 admissible";
    case PhiOutcome::NonExistent: return "\u03a6 non-existent";
    case PhiOutcome::Undecided: return "\u03a6 undecided";
    case PhiOutcome::Invalid: return "\u03a6 invalid";
  }
  return "\u03a6 resolution";
}

void TimelineModel::attach(rec::TraceReader* reader, const RunCatalog* catalog) {
  reader_ = reader;
  catalog_ = catalog;
  lanes_.clear();
  cached_range_ = TimeRange{-1, -1};
  cached_width_ = -1;
  if (reader == nullptr || catalog == nullptr) return;
  for (const ThreadName& t : catalog->threads) {
    lanes_.push_back(Lane{LaneKind::Thread, t.id, t.label, {}, {}, {}, {}});
  }
  for (std::int64_t m : catalog->mutexes) {
    lanes_.push_back(Lane{LaneKind::Mutex, static_cast<std::uint32_t>(m), "mutex " + std::to_string(m), {}, {}, {}, {}});
  }
  // A row holding one lifetime is named after it; shared rows by count.
  for (std::size_t r = 0; r < catalog->q_rows.bars.size(); ++r) {
    const auto& row = catalog->q_rows.bars[r];
    std::string label = row.size() == 1 ? catalog->q[row[0].ref].resource : std::to_string(row.size()) + " Q resources";
    lanes_.push_back(Lane{LaneKind::QResource, static_cast<std::uint32_t>(r), std::move(label), {}, {}, {}, {}});
  }
  for (std::size_t r = 0; r < catalog->memory_rows.bars.size(); ++r) {
    const auto& row = catalog->memory_rows.bars[r];
    std::string label = row.size() == 1 ? "block " + std::to_string(catalog->memory[row[0].ref].address)
                                        : std::to_string(row.size()) + " blocks";
    lanes_.push_back(Lane{LaneKind::Memory, static_cast<std::uint32_t>(r), std::move(label), {}, {}, {}, {}});
  }
  // A lane with nothing ever on it is left out: a program with no Φ has
  // no Φ lane, one with no effects no effects lane.
  if (!catalog->phi.empty() || catalog->phi_resolution) {
    lanes_.push_back(Lane{LaneKind::Phi, 0, phi_lane_label(*catalog), {}, {}, {}, {}});
  }
  if (!catalog->effects.empty()) lanes_.push_back(Lane{LaneKind::Effects, 0, "effects", {}, {}, {}, {}});
  thread_segments_.assign(lanes_.size(), {});
  mutex_segments_.assign(lanes_.size(), {});
}

const std::vector<Lane>& TimelineModel::lanes(const TimeAxis& axis, double width_px) {
  if (!(axis.visible() == cached_range_) || width_px != cached_width_) {
    rebuild(axis, width_px);
    cached_range_ = axis.visible();
    cached_width_ = width_px;
  }
  return lanes_;
}

void TimelineModel::rebuild(const TimeAxis& axis, double width_px) {
  ++rebuilds_;
  const TimeRange& range = axis.visible();
  std::uint64_t extent = axis.extent();
  auto first = static_cast<std::uint64_t>(std::max(0.0, std::floor(range.first)));
  auto last = static_cast<std::uint64_t>(std::max(0.0, std::ceil(range.last)));
  last = std::min(last, extent);
  auto min_width = static_cast<std::uint64_t>(std::max(1.0, std::floor(axis.steps_per_pixel(width_px) * kFoldPixels)));
  collect_accesses(first, last);

  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    Lane& lane = lanes_[i];
    lane.bars.clear();
    lane.waits.clear();
    lane.marks.clear();
    lane.accesses.clear();
    FoldParams params{width_px, kFoldPixels, 255, true};
    switch (lane.kind) {
      case LaneKind::Thread:
        params.important = kThreadBlocked;
        if (first < last) build_thread_lane(i, axis, params, first, last, min_width);
        break;
      case LaneKind::Mutex:
        params.important = kMutexWaited;
        if (first < last) build_mutex_lane(i, axis, params, first, last, min_width);
        break;
      case LaneKind::QResource:
      case LaneKind::Memory: {
        const LifetimeRows& rows = lane.kind == LaneKind::QResource ? catalog_->q_rows : catalog_->memory_rows;
        params.important = kMarkViolation;
        fold_spans(rows.bars[lane.key], axis, params, lane.bars);
        fold_instants(rows.marks[lane.key], axis, params, lane.marks);
        if (lane.kind == LaneKind::Memory && lane.key < access_rows_.size()) {
          params.important = 255;
          fold_instants(access_rows_[lane.key], axis, params, lane.accesses);
        }
        break;
      }
      case LaneKind::Phi:
        params.important = kPhiFailed;
        fold_instants(catalog_->phi_instants, axis, params, lane.marks);
        break;
      case LaneKind::Effects:
        fold_instants(catalog_->effect_instants, axis, params, lane.marks);
        break;
    }
  }
}

void TimelineModel::collect_accesses(std::uint64_t first, std::uint64_t last) {
  for (std::vector<Span>& row : access_rows_) row.clear();
  if (catalog_->memory.empty() || first >= last || last - first > kAccessMarkSteps) return;
  access_rows_.resize(catalog_->memory_rows.bars.size());
  for (const StepEvent& e : reader_->events(first, last)) {
    for (const LibEvent& lib : e.lib) {
      if (lib.kind != LibEventKind::MemRead && lib.kind != LibEventKind::MemWrite) continue;
      std::optional<std::size_t> block = catalog_->memory_block_at(lib.a, e.index);
      if (!block || *block >= catalog_->memory_row.size()) continue;
      access_rows_[catalog_->memory_row[*block]].push_back(
          Span{e.index, e.index + 1, access_style(e.thread, lib.kind == LibEventKind::MemWrite),
               static_cast<std::uint32_t>(*block)});
    }
  }
}

void TimelineModel::build_thread_lane(std::size_t index, const TimeAxis& axis, const FoldParams& params,
                                      std::uint64_t first, std::uint64_t last, std::uint64_t min_width) {
  Lane& lane = lanes_[index];
  std::vector<rec::ThreadSegment>& segments = thread_segments_[index];
  segments = reader_->thread_lane(lane.key, first, last, min_width);
  scratch_.clear();
  for (std::size_t k = 0; k < segments.size(); ++k) {
    const rec::ThreadSegment& seg = segments[k];
    if (seg.activity == rec::ThreadActivity::Finished) continue;
    scratch_.push_back(Span{seg.first, seg.last, thread_style(seg.activity), static_cast<std::uint32_t>(k), seg.folded,
                            seg.folded_count});
  }
  fold_spans(scratch_, axis, params, lane.bars);
}

void TimelineModel::build_mutex_lane(std::size_t index, const TimeAxis& axis, const FoldParams& params,
                                     std::uint64_t first, std::uint64_t last, std::uint64_t min_width) {
  Lane& lane = lanes_[index];
  std::vector<rec::MutexSegment>& segments = mutex_segments_[index];
  segments = reader_->mutex_lane(static_cast<std::int64_t>(lane.key), first, last, min_width);
  scratch_.clear();
  scratch_waits_.clear();
  for (std::size_t k = 0; k < segments.size(); ++k) {
    const rec::MutexSegment& seg = segments[k];
    auto ref = static_cast<std::uint32_t>(k);
    if (seg.held) {
      scratch_.push_back(Span{seg.first, seg.last, seg.contended ? kMutexHeldContended : kMutexHeld, ref, seg.folded,
                              seg.folded_count});
    } else {
      scratch_waits_.push_back(Span{seg.first, seg.last, kMutexWaited, ref, seg.folded, seg.folded_count});
    }
  }
  auto by_first = [](const Span& a, const Span& b) { return a.first < b.first; };
  std::sort(scratch_.begin(), scratch_.end(), by_first);
  std::sort(scratch_waits_.begin(), scratch_waits_.end(), by_first);
  fold_spans(scratch_, axis, params, lane.bars);
  FoldParams waits = params;
  waits.disjoint = false;
  fold_spans(scratch_waits_, axis, waits, lane.waits);
}

const rec::ThreadSegment* TimelineModel::thread_segment(std::size_t lane, std::uint32_t ref) const {
  if (lane >= thread_segments_.size() || ref >= thread_segments_[lane].size()) return nullptr;
  return &thread_segments_[lane][ref];
}

const rec::MutexSegment* TimelineModel::mutex_segment(std::size_t lane, std::uint32_t ref) const {
  if (lane >= mutex_segments_.size() || ref >= mutex_segments_[lane].size()) return nullptr;
  return &mutex_segments_[lane][ref];
}

}  // namespace dust::dbg
