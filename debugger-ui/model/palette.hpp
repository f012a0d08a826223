// palette.hpp — the debugger's colours, one name per meaning.
//
// Kept apart from any drawing library so the screenshot test can look for
// exactly these colours in a rendered frame: a lane is drawn if its colour
// is there. Each meaning has a colour no other shares, so a wait, a
// contended lock, a violation and the failure read at a glance.
#pragma once

#include <cstdint>

namespace dust::dbg::palette {

struct Rgb {
  std::uint8_t r, g, b;
};

inline constexpr Rgb kThreadRunning{72, 190, 96};
inline constexpr Rgb kThreadRunnable{70, 84, 104};
inline constexpr Rgb kThreadBlocked{232, 86, 40};
inline constexpr Rgb kThreadSleeping{128, 104, 200};
inline constexpr Rgb kMutexHeld{66, 140, 230};
inline constexpr Rgb kMutexContended{246, 200, 36};
inline constexpr Rgb kMutexWaited{236, 60, 120};
inline constexpr Rgb kQLive{40, 200, 200};
inline constexpr Rgb kQEnded{32, 128, 140};
inline constexpr Rgb kMemoryLive{170, 180, 60};
inline constexpr Rgb kMemoryFreed{110, 116, 52};
inline constexpr Rgb kMarkUse{150, 230, 255};
inline constexpr Rgb kMarkMove{240, 240, 240};
inline constexpr Rgb kMarkEnd{250, 170, 60};
inline constexpr Rgb kMarkViolation{255, 0, 200};
inline constexpr Rgb kPhiHeld{90, 210, 130};
inline constexpr Rgb kPhiWitness{120, 170, 255};
inline constexpr Rgb kPhiFailed{255, 40, 40};
inline constexpr Rgb kPhiRefused{200, 60, 255};
inline constexpr Rgb kPhiConflictLine{120, 28, 36};
inline constexpr Rgb kPhiCounterfactual{255, 150, 60};
inline constexpr Rgb kEffect{255, 214, 90};
inline constexpr Rgb kFailure{255, 24, 24};
inline constexpr Rgb kCursor{255, 255, 120};
inline constexpr Rgb kBreakpoint{220, 40, 40};
inline constexpr Rgb kChanged{255, 220, 110};
inline constexpr Rgb kFocusLine{60, 90, 150};
inline constexpr Rgb kOtherThreadLine{52, 64, 84};
inline constexpr Rgb kLaneBackgroundAlt{34, 36, 43};
inline constexpr Rgb kDataRace{255, 96, 0};
inline constexpr Rgb kWaitCycle{255, 235, 235};  // a deadlock's wait-for arrows
// Banners across the window: an error (a file that would not open) and a
// warning (a trace cut short), with the ink their text is written in.
inline constexpr Rgb kErrorBanner{170, 22, 44};
inline constexpr Rgb kWarningBanner{236, 150, 20};
inline constexpr Rgb kBannerLightInk{255, 255, 255};
inline constexpr Rgb kBannerDarkInk{24, 16, 0};

// Which thread did something (a memory block lane's reads and writes): a
// hue per thread, repeating after eight.
inline constexpr Rgb kThreadHues[8] = {{96, 200, 255},  {255, 150, 200}, {180, 255, 120}, {255, 190, 120},
                                       {200, 150, 255}, {120, 255, 220}, {230, 230, 140}, {160, 200, 160}};
constexpr Rgb thread_hue(std::uint32_t thread) { return kThreadHues[thread % 8]; }

}  // namespace dust::dbg::palette
