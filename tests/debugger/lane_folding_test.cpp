// lane_folding_test.cpp — culling and folding of timeline lanes: narrow
// spans fold, and a wait or a violation is never folded out of sight.
#include <gtest/gtest.h>

#include "model/lane_folding.hpp"
#include "model/run_catalog.hpp"

namespace dust::dbg {
namespace {

constexpr std::uint8_t kBusy = 1;
constexpr std::uint8_t kWait = 4;

FoldParams params(double width) { return FoldParams{width, 3.0f, kWait, true}; }

TEST(LaneFolding, WideSpansPassThroughInPixels) {
  TimeAxis axis;
  axis.set_extent(100);
  std::vector<Span> spans{{0, 50, kBusy, 0}, {50, 100, kWait, 1}};
  std::vector<LaneItem> out;
  fold_spans(spans, axis, params(1000), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FLOAT_EQ(out[0].x0, 0);
  EXPECT_FLOAT_EQ(out[0].x1, 500);
  EXPECT_EQ(out[1].style, kWait);
  EXPECT_FALSE(out[0].folded);
}

TEST(LaneFolding, CullsWhatIsOutsideTheRange) {
  TimeAxis axis;
  axis.set_extent(1000);
  axis.set_visible(400, 500);
  std::vector<Span> spans{{0, 100, kBusy, 0}, {390, 410, kBusy, 1}, {450, 460, kBusy, 2}, {600, 700, kBusy, 3}};
  std::vector<LaneItem> out;
  fold_spans(spans, axis, params(100), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].ref, 1u);
  EXPECT_EQ(out[1].ref, 2u);
  EXPECT_LT(out[0].x0, 0.0f) << "a span entering from the left starts off screen";
}

TEST(LaneFolding, NarrowSpansFoldIntoCountedMarkers) {
  TimeAxis axis;
  axis.set_extent(100000);
  std::vector<Span> spans;
  for (std::uint64_t s = 0; s < 100000; ++s) spans.push_back(Span{s, s + 1, kBusy, static_cast<std::uint32_t>(s)});
  std::vector<LaneItem> out;
  fold_spans(spans, axis, params(1000), out);
  ASSERT_EQ(out.size(), 1u) << "100 spans per pixel of one style become one busy bar";
  EXPECT_TRUE(out[0].folded);
  EXPECT_EQ(out[0].count, 100000u) << "every span is in it";
  EXPECT_NEAR(out[0].x0, 0.0f, 2.0f);
  EXPECT_NEAR(out[0].x1, 1000.0f, 2.0f);

  // Two halves of different styles make two bars.
  for (Span& s : spans) s.style = (s.first / 50000) == 0 ? kBusy : 2;
  out.clear();
  fold_spans(spans, axis, params(1000), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].style, kBusy);
  EXPECT_EQ(out[1].style, 2);
  EXPECT_EQ(out[0].count + out[1].count, 100000u);
}

TEST(LaneFolding, AWaitOfOneStepIsNeverHidden) {
  TimeAxis axis;
  axis.set_extent(10000000);
  std::vector<Span> spans;
  // Busy spans of 1000 steps (0.1 px each at 1000 px wide), one wait of one step.
  for (std::uint64_t s = 0; s < 10000000; s += 1000) {
    if (s == 5000000) {
      spans.push_back(Span{s, s + 1, kWait, 999999});
      spans.push_back(Span{s + 1, s + 1000, kBusy, 1});
    } else {
      spans.push_back(Span{s, s + 1000, kBusy, 0});
    }
  }
  std::vector<LaneItem> out;
  fold_spans(spans, axis, params(1000), out);
  bool found = false;
  for (const LaneItem& it : out) {
    if (it.style != kWait) continue;
    found = true;
    EXPECT_GE(it.x1 - it.x0, 3.0f) << "a folded wait keeps the minimum width";
    EXPECT_NEAR((it.x0 + it.x1) * 0.5f, 500.0f, 8.0f);
  }
  EXPECT_TRUE(found);
}

TEST(LaneFolding, ALoneNarrowWaitIsWidenedNotDropped) {
  TimeAxis axis;
  axis.set_extent(1000000);
  std::vector<Span> spans{{0, 400000, kBusy, 0}, {400000, 400001, kWait, 1}, {600000, 1000000, kBusy, 2}};
  std::vector<LaneItem> out;
  fold_spans(spans, axis, params(1000), out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].style, kWait);
  EXPECT_FALSE(out[1].folded);
  EXPECT_GE(out[1].x1 - out[1].x0, 3.0f);
}

TEST(LaneFolding, InstantsFoldAndKeepTheMostImportant) {
  TimeAxis axis;
  axis.set_extent(1000);
  std::vector<Span> marks{{10, 11, 1, 0}, {11, 12, kWait, 1}, {12, 13, 1, 2}, {900, 901, 1, 3}};
  std::vector<LaneItem> out;
  fold_instants(marks, axis, params(100), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].folded);
  EXPECT_EQ(out[0].count, 3u);
  EXPECT_EQ(out[0].style, kWait);
  EXPECT_EQ(out[1].count, 1u);
}

TEST(LaneFolding, OverlappingWaitsAreAllSeen) {
  TimeAxis axis;
  axis.set_extent(1000);
  axis.set_visible(500, 600);
  // Two threads wait for one mutex; the first wait began long before.
  std::vector<Span> waits{{0, 550, kWait, 0}, {100, 120, kWait, 1}, {520, 580, kWait, 2}};
  FoldParams p = params(100);
  p.disjoint = false;
  std::vector<LaneItem> out;
  fold_spans(waits, axis, p, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].ref, 0u);
  EXPECT_EQ(out[1].ref, 2u);
}

TEST(RowPacking, LifetimesShareRowsWhenTheyDoNotOverlap) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> intervals{{0, 10}, {5, 20}, {10, 15}, {16, 30}, {21, 22}};
  std::vector<std::uint32_t> rows = pack_rows(intervals);
  EXPECT_EQ(rows, (std::vector<std::uint32_t>{0, 1, 0, 0, 1}));
}

}  // namespace
}  // namespace dust::dbg
