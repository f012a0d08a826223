// machine_archive.hpp — a whole Machine as bytes and back: the keyframes
// of a trace.
//
// Serialised with cereal's binary archive; every class carries a version
// (CEREAL_CLASS_VERSION) so a later build can read an older keyframe. The
// program and the intrinsic table are not part of the state: a machine is
// loaded into one constructed over the same program.
#pragma once

#include <string>
#include <string_view>

#include "dust/machine.hpp"

namespace dust::rec {

std::string save_machine(const Machine& machine);
// Replaces the state of `machine` with the saved one; false (and `error`)
// if the bytes are not a machine, or not a state of `machine`'s program
// (see machine_check.hpp): a trace recorded elsewhere is untrusted.
bool load_machine(std::string_view bytes, Machine& machine, std::string& error);

}  // namespace dust::rec
