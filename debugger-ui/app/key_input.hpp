// key_input.hpp — GLFW key codes to the model's command keys.
#pragma once

#include "model/debugger.hpp"

namespace dust::dbg {

// Runs the command of every shortcut pressed this frame, unless a text
// field has the keyboard.
void dispatch_shortcuts(Debugger& dbg);

}  // namespace dust::dbg
