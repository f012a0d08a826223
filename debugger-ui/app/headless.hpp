// headless.hpp — the modes that draw without a user: a screenshot of one
// frame, the scrub benchmark and the idle-allocation check. Each opens a
// hidden window (under Xvfb when there is no display) and drives the same
// App::frame() the interactive debugger draws.
#pragma once

#include "model/launch_options.hpp"

namespace dust::dbg {

int run_screenshot(const LaunchOptions& options);
int run_bench_scrub(const LaunchOptions& options);
int run_idle_check(const LaunchOptions& options);
// Sends key taps (press and release in one batch of events) through the
// window's GLFW key callback and checks that each reached its command.
int run_key_check(const LaunchOptions& options);

}  // namespace dust::dbg
