// fuzz_targets.hpp — the fuzzing harnesses, as plain functions: libFuzzer's
// entry points (dir_fuzzer.cpp, trace_fuzzer.cpp) call them with generated
// inputs, and the test suite (fuzz_replay_test.cpp) calls them with every
// input of the committed corpora and every past finding, in a normal build.
//
// A harness returns 0 for any input. What it finds is a crash, a sanitizer
// report, an uncaught exception, a hang or an allocation past libFuzzer's
// limit; or a broken promise, which it reports by aborting: JSON output
// that does not parse, or an error message that does not name its file.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dust_fuzz {

// The DIR loader: loads the bytes as DIR text and, if they load, runs the
// program a bounded number of steps and renders its trace JSON.
int fuzz_dir_loader(const std::uint8_t* data, std::size_t size);

// The trace reader: opens the bytes as a .dtrace file, with every checksum
// made right first (the checksums only catch accidents), and, if it opens,
// asks what dustrun inspect and --replay ask: the info, a full verify, the
// state at a few steps (as text and JSON), events, lanes, lifetimes, the
// failure, and a replay.
int fuzz_trace_reader(const std::uint8_t* data, std::size_t size);

}  // namespace dust_fuzz
