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
// asks what dustrun inspect, --replay and a debugging session ask: the
// info, a full verify, the state at several steps (seeks from keyframes,
// backwards too; as text and JSON), events, lanes, lifetimes, the failure,
// last writes and origin graphs of the program's own names, memory
// histories (each answer as inspect --json writes it), a replay, a Chrome
// timeline export, and a debug adapter's movements over the steps.
int fuzz_trace_reader(const std::uint8_t* data, std::size_t size);

// The debug adapter: serves the bytes as a DAP client's input stream
// (framing, requests and all) and checks that what it writes back is
// framed JSON. Relative paths in the requests resolve in a scratch folder
// holding recordings t.dtrace (threaded) and f.dtrace (a deadlock) and the
// program p.dir.json (dap_session_target.cpp).
int fuzz_dap_session(const std::uint8_t* data, std::size_t size);

}  // namespace dust_fuzz
