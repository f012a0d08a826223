// machine_check.hpp — whether a machine state read from a trace is one the
// machine can run.
//
// A keyframe is decoded from a file recorded elsewhere, and its checksum
// only says the bytes arrived as they were written: a crafted file can
// carry any frame, cursor or id. Machine::step, the simple-step lane,
// dustlib_k and the state reports index the program with these numbers
// without checking them, as they may for states they made themselves. So
// before a loaded state is used, every number in it that indexes something
// is checked against the program: thread ids, entry procs, frame procs and
// slot counts, block cursors (block, statement, loop), a suspended
// evaluation's pc and value stack, the current thread, Q bindings, heap
// blocks, mutexes and open files. A state that passes may still disagree
// with the recording; re-executing it then diverges, which is reported as
// such, but it never reads outside what it owns.
#pragma once

#include <cstdint>
#include <string>

#include "dust/machine.hpp"

namespace dust::rec {

// What one check did, for the tests that prove its cost linear in the
// state and the program: a forged state may hold any number of frames
// suspended deep in one long expression.
struct MachineCheckCost {
  // Instructions walked to learn the stack depth at suspended pcs; each
  // expression is walked at most once per check, however many frames are
  // suspended in it.
  std::uint64_t instructions_walked = 0;
};

// True if `machine` (a state of `machine.program()`) is safe to run and
// report; otherwise false and `error` names the first thing out of range,
// as "thread 1 frame 0: cursor 2: block 9 is not a block of proc worker".
// `cost`, when given, is filled with what the check did.
bool check_machine(const Machine& machine, std::string& error, MachineCheckCost* cost = nullptr);

}  // namespace dust::rec
