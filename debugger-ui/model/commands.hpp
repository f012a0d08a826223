// commands.hpp — everything the user can ask for, with its keys.
//
// One table names each command, its menu text and its shortcut; the menus
// and the keyboard both read it, so a shortcut shown in a menu is always
// the one that works. Keys are named here, not by any windowing library:
// the app translates its key codes into these.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace dust::dbg {

enum class Command : std::uint8_t {
  StepInto,
  StepOver,
  StepOut,
  ReverseStepInto,
  ReverseStepOver,
  ReverseStepOut,
  Continue,
  ReverseContinue,
  GoToStart,
  GoToEnd,
  GoToFailure,
  ToggleBreakpoint,   // on the focus thread's current statement
  LastWrite,          // of the selected binding or memory cell
  WhereFrom,          // the origin chain of the selected binding
  ZoomIn,
  ZoomOut,
  ZoomFit,
};

enum class Key : std::uint8_t { F5, F9, F10, F11, Home, End, Plus, Minus, Zero, W, O };

struct KeyMods {
  bool ctrl = false;
  bool shift = false;
  bool alt = false;
};

struct CommandInfo {
  Command command;
  const char* menu;       // "Step Over"
  const char* shortcut;   // "F10"
};

// Every command, in menu order.
std::span<const CommandInfo> all_commands();
const CommandInfo& command_info(Command c);

// The command a key press means. Reverse movement takes Ctrl or Alt (some
// desktops keep Ctrl+F-keys for themselves).
std::optional<Command> command_for_key(Key key, KeyMods mods);

}  // namespace dust::dbg
