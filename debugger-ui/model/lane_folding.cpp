// lane_folding.cpp — cull, fold and keep the important visible.
#include "model/lane_folding.hpp"

#include <algorithm>

namespace dust::dbg {

namespace {

// Collects narrow spans into one pending group and hands finished items to `out`.
class Folder {
 public:
  Folder(const FoldParams& params, std::vector<LaneItem>& out) : p_(params), out_(out) {}

  void add(float x0, float x1, const Span& s) {
    std::uint32_t count = std::max<std::uint32_t>(s.count, 1);
    if (x1 - x0 >= p_.min_px) {
      flush();
      emit(LaneItem{x0, x1, s.style, s.folded, count, s.ref});
      return;
    }
    // A fold stays a few pixels wide: a wait folded into a long run of
    // busy spans must not paint the whole run in the wait's colour.
    if (pending_ && x0 - group_.x1 < p_.min_px && x1 - group_.x0 < p_.min_px * 4) {
      group_.x1 = std::max(group_.x1, x1);
      group_.style = std::max(group_.style, s.style);
      group_.count += count;
      group_.folded = true;
      return;
    }
    flush();
    pending_ = true;
    group_ = LaneItem{x0, x1, s.style, s.folded, count, s.ref};
  }

  void flush() {
    if (!pending_) return;
    pending_ = false;
    LaneItem item = group_;
    // A lone narrow span still shows as a sliver; an important one, or a
    // fold, gets the full minimum width so it cannot be missed.
    float min_width = item.folded || item.style >= p_.important ? p_.min_px : 1.0f;
    if (item.x1 - item.x0 < min_width) {
      float mid = (item.x0 + item.x1) * 0.5f;
      item.x0 = mid - min_width * 0.5f;
      item.x1 = mid + min_width * 0.5f;
    }
    emit(item);
  }

 private:
  // Touching folds of one style become one item: a thread busy across a
  // zoomed-out range is one bar, not hundreds of markers to draw.
  void emit(const LaneItem& item) {
    if (item.folded && !out_.empty()) {
      LaneItem& last = out_.back();
      if (last.folded && last.style == item.style && item.x0 <= last.x1 + 0.5f) {
        last.x1 = std::max(last.x1, item.x1);
        last.count += item.count;
        return;
      }
    }
    out_.push_back(item);
  }

  const FoldParams& p_;
  std::vector<LaneItem>& out_;
  bool pending_ = false;
  LaneItem group_;
};

// The first span that may reach the visible range: spans are sorted and
// disjoint, so their ends are sorted too.
std::size_t first_visible(const std::vector<Span>& spans, double first_step) {
  auto it = std::partition_point(spans.begin(), spans.end(),
                                 [&](const Span& s) { return static_cast<double>(s.last) <= first_step; });
  return static_cast<std::size_t>(it - spans.begin());
}

void fold(const std::vector<Span>& spans, const TimeAxis& axis, const FoldParams& params,
          std::vector<LaneItem>& out) {
  const TimeRange& range = axis.visible();
  Folder folder(params, out);
  float limit = static_cast<float>(params.width_px);
  for (std::size_t i = params.disjoint ? first_visible(spans, range.first) : 0; i < spans.size(); ++i) {
    const Span& s = spans[i];
    if (static_cast<double>(s.first) >= range.last) break;
    std::uint64_t last = std::max(s.last, s.first + 1);
    if (static_cast<double>(last) <= range.first) continue;
    float x0 = static_cast<float>(axis.step_to_x(static_cast<double>(s.first), params.width_px));
    float x1 = static_cast<float>(axis.step_to_x(static_cast<double>(last), params.width_px));
    x0 = std::max(x0, -params.min_px);
    x1 = std::min(x1, limit + params.min_px);
    if (x1 < x0) continue;
    folder.add(x0, x1, s);
  }
  folder.flush();
}

}  // namespace

void fold_spans(const std::vector<Span>& spans, const TimeAxis& axis, const FoldParams& params,
                std::vector<LaneItem>& out) {
  fold(spans, axis, params, out);
}

void fold_instants(const std::vector<Span>& instants, const TimeAxis& axis, const FoldParams& params,
                   std::vector<LaneItem>& out) {
  fold(instants, axis, params, out);
}

}  // namespace dust::dbg
