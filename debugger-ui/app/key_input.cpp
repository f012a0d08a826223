// key_input.cpp — reading this frame's key presses from Dear ImGui (which
// the GLFW backend feeds with GLFW key codes in ImGui 1.86) and turning
// them into commands through the model's key table.
#define GLFW_INCLUDE_NONE
#include "app/key_input.hpp"

#include <GLFW/glfw3.h>

#include "imgui.h"

namespace dust::dbg {

namespace {

struct KeyBinding {
  int glfw_key;
  Key key;
};

constexpr KeyBinding kKeys[] = {
    {GLFW_KEY_F5, Key::F5},         {GLFW_KEY_F9, Key::F9},           {GLFW_KEY_F10, Key::F10},
    {GLFW_KEY_F11, Key::F11},       {GLFW_KEY_HOME, Key::Home},       {GLFW_KEY_END, Key::End},
    {GLFW_KEY_EQUAL, Key::Plus},    {GLFW_KEY_KP_ADD, Key::Plus},     {GLFW_KEY_MINUS, Key::Minus},
    {GLFW_KEY_KP_SUBTRACT, Key::Minus}, {GLFW_KEY_0, Key::Zero},      {GLFW_KEY_W, Key::W},
    {GLFW_KEY_O, Key::O},
};

}  // namespace

void dispatch_shortcuts(Debugger& dbg) {
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  KeyMods mods{io.KeyCtrl, io.KeyShift, io.KeyAlt};
  for (const KeyBinding& b : kKeys) {
    if (!ImGui::IsKeyPressed(b.glfw_key, true)) continue;
    if (auto command = command_for_key(b.key, mods)) dbg.execute(*command);
  }
}

}  // namespace dust::dbg
