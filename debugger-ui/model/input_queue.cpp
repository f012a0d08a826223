// input_queue.cpp — the ring of held-back key and character events.
#include "model/input_queue.hpp"

namespace dust::dbg {

bool InputQueue::push(const InputEvent& e) {
  if (size_ == kCapacity) {
    ++dropped_;
    return false;
  }
  events_[(head_ + size_) % kCapacity] = e;
  ++size_;
  return true;
}

bool InputQueue::push_key(int key, int scancode, int action, int mods) {
  InputEvent e;
  e.kind = InputEvent::Kind::Key;
  e.key = key;
  e.scancode = scancode;
  e.action = action;
  e.mods = mods;
  return push(e);
}

bool InputQueue::push_char(unsigned codepoint) {
  InputEvent e;
  e.kind = InputEvent::Kind::Char;
  e.codepoint = codepoint;
  return push(e);
}

}  // namespace dust::dbg
