// query_names.hpp — how the frame-exact queries name what they look for:
// the slots a statement's expressions read, a binding's slot in a proc,
// "mem:ADDRESS" memory cells, and the names of write and link kinds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dust/program.hpp"
#include "dust/value.hpp"

namespace dust::rec {

// The slots of `proc` that statement `stmt`'s expressions read, in the
// order they are first read (a For's end expression included).
std::vector<std::uint32_t> statement_read_slots(const Program& program, std::uint32_t proc, std::uint32_t stmt);

// Whether statement `stmt`'s expressions call a user proc (not only
// intrinsics): only then can a callee's Return have fed its value.
bool statement_calls_a_proc(const Program& program, std::uint32_t stmt);

// The slot named `name` in `proc`, if it has one.
std::optional<std::uint32_t> slot_of(const Program& program, std::uint32_t proc, const std::string& name);

// The binding name of a slot ("slotN" when the program has no such slot).
std::string slot_name(const Program& program, std::uint32_t proc, std::uint32_t slot);

// A value as the queries report it: as dustrun renders it (render_human),
// except that a String's bytes are kept as they are, between quotes, not
// replaced where they are not UTF-8, so JSON output (json_text.hpp) can
// carry them exactly.
std::string value_text(const Value& value);

// "main/body[2]", or "-" for a frame-level step.
std::string statement_place(const Program& program, std::uint32_t stmt);

// The end of the bytes [address, address + bytes) a memory event names, at
// least one byte, saturated rather than overflowing (a trace is hostile
// input: its addresses and sizes can be anything).
std::int64_t access_end(std::int64_t address, std::int64_t bytes);
// Whether a memory event of `bytes` bytes at `address` covers byte `byte`.
inline bool covers(std::int64_t address, std::int64_t bytes, std::int64_t byte) {
  return address <= byte && byte < access_end(address, bytes);
}

// Parses "mem:ADDRESS" (decimal or 0x hex, within int64); false for any
// other name.
bool parse_memory_name(const std::string& name, std::int64_t& address);

}  // namespace dust::rec
