// input_queue.hpp — key and character events held back so that every
// frame sees at most one key change.
//
// Dear ImGui 1.86 reads keys as state (io.KeysDown) when a frame begins,
// and the GLFW backend writes that state from its callbacks. A tap whose
// press and release arrive in one batch of events (a fast typist, a
// remote desktop, xdotool) sets and clears the key before any frame looks,
// so ImGui never sees it. The window queues the events here instead and
// hands the backend, per frame, the characters up to and including the
// next key event: a press and its release land in two frames, and every
// tap is seen. A fixed ring: queuing never allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace dust::dbg {

struct InputEvent {
  enum class Kind : std::uint8_t { Key, Char };
  Kind kind = Kind::Key;
  int key = 0;        // Key: the GLFW key code
  int scancode = 0;
  int action = 0;     // Key: GLFW_PRESS, GLFW_RELEASE or GLFW_REPEAT
  int mods = 0;
  unsigned codepoint = 0;  // Char: the Unicode code point
};

class InputQueue {
 public:
  static constexpr std::size_t kCapacity = 256;

  // False when the queue is full and the event was dropped (counted).
  bool push_key(int key, int scancode, int action, int mods);
  bool push_char(unsigned codepoint);

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  std::uint64_t dropped() const { return dropped_; }

  // Delivers this frame's events, oldest first: characters up to and
  // including the first key event. Returns how many were delivered.
  template <class Deliver>
  std::size_t feed_frame(Deliver&& deliver) {
    std::size_t n = 0;
    while (size_ > 0) {
      InputEvent e = events_[head_];
      head_ = (head_ + 1) % kCapacity;
      --size_;
      ++n;
      deliver(e);
      if (e.kind == InputEvent::Kind::Key) break;
    }
    return n;
  }

 private:
  bool push(const InputEvent& e);

  std::array<InputEvent, kCapacity> events_{};
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace dust::dbg
