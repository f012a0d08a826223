// dustlib_k.hpp — the K-regime library: memory, threading, sync, io and
// unsafe, as deterministic intrinsics of the DVM.
#pragma once

#include <string>
#include <vector>

#include "dust/intrinsics.hpp"
#include "dust/machine.hpp"

namespace dust::k {

// Registers every dustlib_k intrinsic into `table`.
void register_all(IntrinsicTable& table);

// The process-wide table with dustlib_k registered, built on first use.
const IntrinsicTable& standard_intrinsics();

// Warnings about a finished run that are not failures: blocks still live
// (leaks) and threads never joined, one line each, in a fixed order.
std::vector<std::string> exit_warnings(const Machine& machine);

}  // namespace dust::k
