// time_axis_test.cpp — zoom, pan and scrub arithmetic of the timeline axis.
#include <gtest/gtest.h>

#include "model/time_axis.hpp"
#include "model/view_state.hpp"

namespace dust::dbg {
namespace {

TEST(TimeAxis, StartsShowingTheWholeRun) {
  TimeAxis axis;
  axis.set_extent(1000);
  EXPECT_DOUBLE_EQ(axis.visible().first, 0);
  EXPECT_DOUBLE_EQ(axis.visible().last, 1000);
  EXPECT_DOUBLE_EQ(axis.step_to_x(500, 800), 400);
  EXPECT_DOUBLE_EQ(axis.x_to_step(200, 800), 250);
  EXPECT_DOUBLE_EQ(axis.steps_per_pixel(500), 2);
}

TEST(TimeAxis, ZoomKeepsTheAnchorUnderThePointer) {
  TimeAxis axis;
  axis.set_extent(1000);
  double anchor = axis.x_to_step(300, 1000);  // step 300
  axis.zoom(0.5, anchor);
  EXPECT_DOUBLE_EQ(axis.visible().width(), 500);
  EXPECT_NEAR(axis.step_to_x(anchor, 1000), 300, 1e-9);
  axis.zoom(2.0, anchor);
  EXPECT_NEAR(axis.visible().first, 0, 1e-9);
  EXPECT_NEAR(axis.visible().last, 1000, 1e-9);
}

TEST(TimeAxis, ZoomIsBoundedBothWays) {
  TimeAxis axis;
  axis.set_extent(1000);
  for (int i = 0; i < 100; ++i) axis.zoom(0.5, 700);
  EXPECT_DOUBLE_EQ(axis.visible().width(), TimeAxis::kMinVisibleSteps);
  EXPECT_LE(axis.visible().first, 700);
  EXPECT_GE(axis.visible().last, 700);
  for (int i = 0; i < 100; ++i) axis.zoom(3.0, 700);
  EXPECT_DOUBLE_EQ(axis.visible().first, 0);
  EXPECT_DOUBLE_EQ(axis.visible().last, 1000);
  axis.zoom(0.0, 5);  // nonsense factors are ignored
  axis.zoom(-1.0, 5);
  EXPECT_DOUBLE_EQ(axis.visible().width(), 1000);
}

TEST(TimeAxis, PanStopsAtTheEnds) {
  TimeAxis axis;
  axis.set_extent(1000);
  axis.set_visible(100, 200);
  axis.pan_pixels(-50, 100);  // dragging left by 50 px moves later by 50 steps
  EXPECT_DOUBLE_EQ(axis.visible().first, 150);
  axis.pan_steps(-1000);
  EXPECT_DOUBLE_EQ(axis.visible().first, 0);
  EXPECT_DOUBLE_EQ(axis.visible().width(), 100);
  axis.pan_steps(1e9);
  EXPECT_DOUBLE_EQ(axis.visible().last, 1000);
}

TEST(TimeAxis, ScrubPutsTheCursorOnTheNearestStepBoundary) {
  TimeAxis axis;
  axis.set_extent(10);
  EXPECT_EQ(axis.cursor_at_x(0, 100), 0u);
  EXPECT_EQ(axis.cursor_at_x(14, 100), 1u);
  EXPECT_EQ(axis.cursor_at_x(16, 100), 2u);
  EXPECT_EQ(axis.cursor_at_x(-40, 100), 0u);
  EXPECT_EQ(axis.cursor_at_x(1000, 100), 10u);
}

TEST(TimeAxis, RevealScrollsWithoutZooming) {
  TimeAxis axis;
  axis.set_extent(10000);
  axis.set_visible(0, 100);
  axis.reveal(5000);
  EXPECT_DOUBLE_EQ(axis.visible().width(), 100);
  EXPECT_GT(5000, axis.visible().first);
  EXPECT_LT(5000, axis.visible().last);
  axis.reveal(10);
  EXPECT_LE(axis.visible().first, 10);
}

TEST(TimeAxis, TinyRunsStillHaveAnAxis) {
  TimeAxis axis;
  axis.set_extent(0);
  EXPECT_DOUBLE_EQ(axis.visible().width(), 1);
  EXPECT_EQ(axis.cursor_at_x(50, 100), 0u);
  axis.set_extent(5);
  EXPECT_DOUBLE_EQ(axis.visible().width(), 5) << "a short run fills the axis";
  axis.zoom(0.1, 2);
  EXPECT_DOUBLE_EQ(axis.visible().width(), 5) << "and cannot be zoomed past its own length";
}

TEST(ViewState, CursorIsClampedAndRevisioned) {
  ViewState view;
  view.reset(500);
  std::uint64_t rev = view.cursor_revision();
  view.set_cursor(9999);
  EXPECT_EQ(view.cursor(), 500u);
  EXPECT_NE(view.cursor_revision(), rev);
  rev = view.cursor_revision();
  view.set_cursor(500);
  EXPECT_EQ(view.cursor_revision(), rev) << "an unchanged cursor invalidates nothing";
}

}  // namespace
}  // namespace dust::dbg
