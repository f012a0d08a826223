// query_json.hpp — the one JSON schema of the recorder's queries
// (`dustrun inspect ... --json`), documented in the README.
//
// Every answer is an object with "query" naming it. Strings that are not
// UTF-8 (a binding name or statement never is, a value may be) are written
// with the project's escape (dust/json_text.hpp): {"bytes": "<latin-1>"}.
//   last write: {"query": "last-write", "name", "before", "thread", "frame", "proc",
//                "step": N or null, "kind", "writer_thread", "writer_frame", "value", "statement"}
//   origin:     {"query": "origin", "name", "at", "thread", "frame",
//                "chain": [{"step", "thread", "frame", "what", "kind", "name", "value",
//                           "statement", "reads", "from", "distance"}, ...],
//                "complete": bool, "cut": why (only when not complete)}
//   accesses:   {"query": "accesses", "address", "end", "from", "to",
//                "accesses": [{"step", "thread", "frame", "access": "read"|"write",
//                              "address", "bytes", "value", "statement", "locks"}, ...],
//                "races": [{"address", "first": access, "second": access}, ...],
//                "stopped": why the scan ended early (only when it did)}
// A question that names nothing (no such thread, frame or binding) adds
// "error" with the reason.
#pragma once

#include <string>

#include "dust/recorder/trace_queries.hpp"

namespace dust::rec {

std::string last_write_json(const LastWrite& answer);
std::string origin_json(const Origin& answer);
std::string memory_history_json(const MemoryHistory& answer);

}  // namespace dust::rec
