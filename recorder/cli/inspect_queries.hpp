// inspect_queries.hpp — the options of `dustrun inspect` and its frame-exact
// queries: last write, origin, memory accesses with data races, and the
// queries' benchmark (inspect_queries.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dust/recorder/trace_reader.hpp"

namespace dust::cli {

struct InspectOptions {
  std::string path;
  std::string mode = "info";
  std::string name;
  std::uint64_t step = 0;
  bool has_step = false;
  std::uint64_t first = 0, last = 0;
  std::optional<std::uint32_t> thread;
  std::optional<std::uint32_t> frame;
  std::optional<std::uint32_t> depth;
  std::size_t max_links = 1000;
  std::int64_t address = 0, end = 0;  // --accesses: bytes [address, end)
  std::optional<std::uint64_t> from, to;
  bool json = false;
  std::uint64_t count = 0;
  std::uint64_t seed = 1;
};

int print_last_write(rec::TraceReader& reader, const InspectOptions& o);
int print_origin(rec::TraceReader& reader, const InspectOptions& o);
int print_accesses(rec::TraceReader& reader, const InspectOptions& o);
// Times `o.count` last-write and 10-link origin queries at random steps,
// names and frames; prints p50 and p99 of each.
int bench_queries(rec::TraceReader& reader, const InspectOptions& o);

}  // namespace dust::cli
