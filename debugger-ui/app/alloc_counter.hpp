// alloc_counter.hpp — counts heap allocations, to prove an idle frame makes none.
//
// dustdbg replaces the global operator new and hands Dear ImGui counting
// allocation functions, so every allocation by the debugger's own code and
// by ImGui is counted. The count is read before and after frames.
#pragma once

#include <cstdint>

namespace dust::dbg {

std::uint64_t allocation_count();

// ImGui::SetAllocatorFunctions arguments.
void* imgui_counting_alloc(std::size_t size, void* user);
void imgui_counting_free(void* ptr, void* user);

}  // namespace dust::dbg
