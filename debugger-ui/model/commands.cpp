// commands.cpp — the command table and the keyboard map.
#include "model/commands.hpp"

namespace dust::dbg {

namespace {

constexpr CommandInfo kCommands[] = {
    {Command::StepInto, "Step Into", "F11"},
    {Command::StepOver, "Step Over", "F10"},
    {Command::StepOut, "Step Out", "Shift+F11"},
    {Command::ReverseStepInto, "Reverse Step Into", "Ctrl+F11"},
    {Command::ReverseStepOver, "Reverse Step Over", "Ctrl+F10"},
    {Command::ReverseStepOut, "Reverse Step Out", "Ctrl+Shift+F11"},
    {Command::Continue, "Continue", "F5"},
    {Command::ReverseContinue, "Reverse Continue", "Shift+F5"},
    {Command::GoToStart, "Go to Start", "Home"},
    {Command::GoToEnd, "Go to End", "End"},
    {Command::GoToFailure, "Go to Failure", "Ctrl+End"},
    {Command::ToggleBreakpoint, "Toggle Breakpoint", "F9"},
    {Command::LastWrite, "Last Write of Selection", "Ctrl+W"},
    {Command::WhereFrom, "Where Did This Value Come From", "Ctrl+O"},
    {Command::ZoomIn, "Zoom In", "Ctrl++"},
    {Command::ZoomOut, "Zoom Out", "Ctrl+-"},
    {Command::ZoomFit, "Zoom to Fit", "Ctrl+0"},
};

}  // namespace

std::span<const CommandInfo> all_commands() { return kCommands; }

const CommandInfo& command_info(Command c) {
  for (const CommandInfo& info : kCommands)
    if (info.command == c) return info;
  return kCommands[0];
}

std::optional<Command> command_for_key(Key key, KeyMods mods) {
  bool reverse = mods.ctrl || mods.alt;
  switch (key) {
    case Key::F11:
      if (mods.shift) return reverse ? Command::ReverseStepOut : Command::StepOut;
      return reverse ? Command::ReverseStepInto : Command::StepInto;
    case Key::F10:
      if (mods.shift) return std::nullopt;
      return reverse ? Command::ReverseStepOver : Command::StepOver;
    case Key::F5:
      if (reverse) return std::nullopt;
      return mods.shift ? Command::ReverseContinue : Command::Continue;
    case Key::F9: return mods.shift || reverse ? std::nullopt : std::optional(Command::ToggleBreakpoint);
    case Key::Home: return mods.shift ? std::nullopt : std::optional(Command::GoToStart);
    case Key::End:
      if (mods.shift) return std::nullopt;
      return mods.ctrl ? Command::GoToFailure : Command::GoToEnd;
    case Key::Plus: return mods.ctrl ? std::optional(Command::ZoomIn) : std::nullopt;
    case Key::Minus: return mods.ctrl ? std::optional(Command::ZoomOut) : std::nullopt;
    case Key::Zero: return mods.ctrl ? std::optional(Command::ZoomFit) : std::nullopt;
    case Key::W: return mods.ctrl ? std::optional(Command::LastWrite) : std::nullopt;
    case Key::O: return mods.ctrl ? std::optional(Command::WhereFrom) : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace dust::dbg
