// modules.hpp — the registration function of each dustlib_k module; one
// source file per module defines its own (memory.cpp, threading.cpp,
// sync.cpp, io.cpp, unsafe.cpp) and dustlib_k.cpp calls them in order.
#pragma once

#include "dust/intrinsics.hpp"

namespace dust::k {

void register_memory(IntrinsicTable& table);
void register_threading(IntrinsicTable& table);
void register_sync(IntrinsicTable& table);
void register_io(IntrinsicTable& table);
void register_unsafe(IntrinsicTable& table);

}  // namespace dust::k
