// trace_queries.hpp — the answers of the frame-exact queries: which step
// last wrote a binding of one frame of one thread, where a value came from
// (followed through calls, memory, joins and Q moves), and who read and
// wrote a range of memory, with the pairs of accesses that race.
//
// A frame is named by its thread and its depth from the bottom of that
// thread's stack: a thread's entry proc (main, or the spawned proc) is
// depth 0. Two activations of one recursive proc are different frames, so
// a query about one never answers with a write to the other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dust::rec {

// Which frame a binding query is about. Without a depth, the innermost
// frame of the thread at the step asked about.
struct FrameSelector {
  std::uint32_t thread = 0;
  std::optional<std::uint32_t> depth;
  // A watch by name rather than a question about one frame (what a data
  // breakpoint on a binding asks): a write of the name by any frame of the
  // thread whose proc has such a binding; `depth` is then not used, and
  // parameters bound by calls do not count.
  bool every_frame = false;
};

// How a binding came to hold its value.
enum class WriteKind : std::uint8_t {
  Statement,      // a Let, Assign, loop variable or call result written by a statement
  CallBinding,    // a parameter bound by the call step that pushed the frame
  SpawnBinding,   // a parameter of a thread's entry proc, bound by the spawn
  MemoryStore,    // a store (Store, store, store8, mem_write_str, unsafe) to memory
};
const char* write_kind_name(WriteKind k);

// The reverse watchpoint's answer. `step` is null when nothing in that
// frame wrote the name before the step asked about (a local not yet
// assigned); `error` is set instead when the question names no binding
// (no such thread, frame or name).
struct LastWrite {
  std::string name;
  std::uint64_t before = 0;
  std::uint32_t thread = 0;            // the frame asked about
  std::uint32_t frame = 0;
  std::string proc;                    // that frame's proc
  std::optional<std::uint64_t> step;
  WriteKind kind = WriteKind::Statement;
  std::uint32_t writer_thread = 0;     // who ran the step (a spawn: the spawning thread)
  std::uint32_t writer_frame = 0;      // and in which of its frames
  std::string value;                   // the value written, rendered
  std::string statement;               // where the writing statement sits ("main/body[2]")
  std::string error;
};

// What one link of an origin is.
enum class LinkKind : std::uint8_t {
  Write,          // a statement wrote the binding
  Parameter,      // a call bound the parameter (the caller's argument expression read the next links)
  SpawnArgument,  // a spawn bound the thread's parameter
  Return,         // a callee's Return produced the value a call gave back
  Store,          // a store wrote the memory a load read
  Join,           // the joined thread's Return produced the value join gave back
  QAlloc,         // a Q resource was allocated
  QMove,          // a Q resource moved from another binding
  Unwritten,      // the binding was not written in its frame before (nothing earlier produced it)
};
const char* link_kind_name(LinkKind k);

// One link: a step that produced (part of) the value, and what it read.
// `from` is the index of the link this one explains (null for the first
// link, the write of the value asked about); `distance` counts the links
// between them and the value asked about.
struct OriginLink {
  std::uint64_t step = 0;
  std::uint32_t thread = 0;
  std::uint32_t frame = 0;
  LinkKind kind = LinkKind::Write;
  std::string name;                    // the binding (or mem:ADDRESS) that received the value
  std::string value;                   // rendered
  std::string statement;               // where the statement sits
  std::string what;                    // one line: what happened and what was read
  std::vector<std::string> reads;      // the bindings the statement's expression read
  std::optional<std::size_t> from;
  std::uint32_t distance = 0;
};

// How far an origin is followed. `depth`: how many levels of links (1: the
// write of the value alone; null: no limit); `max_links`: links in all.
struct OriginLimits {
  std::optional<std::uint32_t> depth;
  std::size_t max_links = 1000;
};

// The graph of writes a value came from, breadth first. `complete` is
// true only when every link was followed to its end (a write that read
// nothing, an allocation, or the start of the run); when a limit or an
// unreadable block cut it, `cut` says which.
struct Origin {
  std::string name;
  std::uint32_t thread = 0;
  std::uint32_t frame = 0;
  std::uint64_t at = 0;
  std::vector<OriginLink> chain;
  bool complete = true;
  std::string cut;
  std::string error;                   // the question names no binding
};

// One read or write of memory by a library call.
struct MemoryAccess {
  std::uint64_t step = 0;
  std::uint32_t thread = 0;
  std::uint32_t frame = 0;
  bool write = false;
  std::int64_t address = 0;
  std::int64_t bytes = 0;
  std::int64_t value = 0;              // the word or byte (0 for a string of bytes)
  std::string statement;
  std::vector<std::int64_t> locks;     // mutexes the thread held
};

// Two accesses to one address from different threads, at least one a
// write, with no mutex held by both and neither ordered before the other
// by spawn and join.
struct DataRace {
  std::int64_t address = 0;
  MemoryAccess first;
  MemoryAccess second;
};

struct MemoryHistory {
  std::int64_t address = 0, end = 0;   // bytes [address, end)
  std::uint64_t from = 0, to = 0;      // steps [from, to)
  std::vector<MemoryAccess> accesses;
  std::vector<DataRace> races;
  // Why the scan ended before `to`, empty when it covered the steps: a
  // block it could not read, or more threads than the race check follows.
  // `accesses` and `races` then hold what it found up to there.
  std::string stopped;
};

// Every data race of a run (TraceReader::data_races).
struct RaceReport {
  std::vector<DataRace> races;
  std::string stopped;  // as MemoryHistory::stopped, for the whole run
};

}  // namespace dust::rec
