// commands_test.cpp — the keyboard map and the command table, and the
// breakpoint set the Program view toggles.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "model/session_names.hpp"
#include "model/commands.hpp"

namespace dust::dbg {
namespace {

std::optional<Command> press(Key k, bool ctrl = false, bool shift = false, bool alt = false) {
  return command_for_key(k, KeyMods{ctrl, shift, alt});
}

TEST(Commands, FunctionKeysStepAndContinue) {
  EXPECT_EQ(press(Key::F11), Command::StepInto);
  EXPECT_EQ(press(Key::F10), Command::StepOver);
  EXPECT_EQ(press(Key::F11, false, true), Command::StepOut);
  EXPECT_EQ(press(Key::F5), Command::Continue);
  EXPECT_EQ(press(Key::F5, false, true), Command::ReverseContinue);
  EXPECT_EQ(press(Key::Home), Command::GoToStart);
  EXPECT_EQ(press(Key::End), Command::GoToEnd);
  EXPECT_EQ(press(Key::F9), Command::ToggleBreakpoint);
}

TEST(Commands, CtrlOrAltReverses) {
  for (bool ctrl : {true, false}) {
    bool alt = !ctrl;
    EXPECT_EQ(press(Key::F11, ctrl, false, alt), Command::ReverseStepInto);
    EXPECT_EQ(press(Key::F10, ctrl, false, alt), Command::ReverseStepOver);
    EXPECT_EQ(press(Key::F11, ctrl, true, alt), Command::ReverseStepOut);
  }
  EXPECT_EQ(press(Key::End, true), Command::GoToFailure);
  EXPECT_FALSE(press(Key::F5, true).has_value());
  EXPECT_FALSE(press(Key::W).has_value()) << "a plain letter is typing, not a command";
  EXPECT_EQ(press(Key::W, true), Command::LastWrite);
}

TEST(Commands, EveryCommandHasAMenuEntryWithADistinctShortcut) {
  std::set<std::string> shortcuts;
  std::size_t count = 0;
  for (const CommandInfo& info : all_commands()) {
    ++count;
    EXPECT_NE(std::string(info.menu), "");
    EXPECT_TRUE(shortcuts.insert(info.shortcut).second) << "duplicate shortcut " << info.shortcut;
    EXPECT_EQ(command_info(info.command).menu, info.menu);
  }
  EXPECT_EQ(count, static_cast<std::size_t>(Command::ZoomFit) + 1);
}

TEST(Breakpoints, ToggleEnableRemove) {
  Breakpoints bps;
  EXPECT_TRUE(bps.toggle(7));
  EXPECT_TRUE(bps.toggle(3));
  EXPECT_TRUE(bps.active(7));
  ASSERT_EQ(bps.all().size(), 2u);
  EXPECT_EQ(bps.all()[0].stmt, 3u) << "kept sorted";
  bps.set_enabled(7, false);
  EXPECT_TRUE(bps.has(7));
  EXPECT_FALSE(bps.active(7));
  EXPECT_TRUE(bps.any_active());
  EXPECT_FALSE(bps.toggle(3));
  EXPECT_FALSE(bps.any_active());
  bps.set(7);
  EXPECT_TRUE(bps.active(7)) << "setting again re-enables";
  bps.remove(7);
  EXPECT_TRUE(bps.all().empty());
}

}  // namespace
}  // namespace dust::dbg
