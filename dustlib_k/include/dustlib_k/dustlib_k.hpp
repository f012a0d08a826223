// dustlib_k.hpp — the K-regime library: memory, threading, sync, io and
// unsafe, as deterministic intrinsics of the DVM.
//
// Each module is one source file under src/ whose header comment is its
// reference (names, arguments, results, events, errors and the choices the
// semantics doc leaves open). The library keeps no state of its own: all of
// it lives in Machine::k (core/include/dust/k_state.hpp), so a Machine copy
// is a complete snapshot and the recorder can serialise it.
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

// Warnings about a finished run that are not failures, one line each, in
// this fixed order: blocks still live (`leak: <size> bytes at <addr>
// allocated by thread <t> at step <s>`, by address), files never closed (by
// fd), mutexes still held (by id), threads that ended inside an unsafe
// block, and threads never joined (by id; main, thread 0, is never listed).
std::vector<std::string> exit_warnings(const Machine& machine);

}  // namespace dust::k
