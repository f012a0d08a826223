#!/usr/bin/env bash
# The whole test suite: installs missing packages, builds and runs every test
# in build/ (Release), then builds and runs it again under AddressSanitizer
# and UndefinedBehaviorSanitizer in build-asan/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

# The project's own code builds without a warning (-Werror); third-party
# headers are system headers and stay out of it.
"$root/scripts/build.sh" -DDUST_WERROR=ON
ctest --test-dir "$root/build" --output-on-failure -j"$jobs"

# -O1 with line tables: what the sanitizers need for exact reports, at half
# the compile time of -O2 -g (the suite must stay well inside CI's budget).
# Each target builds in unity batches, which parse the shared headers and
# instantiate the shared templates once a batch rather than once a file; the
# Release pass above still builds every file on its own, so a file that does
# not compile alone is caught there. The benchmark executables, which no test
# runs and the Release pass has built, are left out. Each test area's
# executable runs as a few GoogleTest shards rather than one process a test
# (the sanitizers' start-up and leak scan cost about 0.15 CPU seconds a
# process; the Release pass above runs each test alone), and the heaviest
# test loops run a smaller share of their values (tests/support/
# sanitizer_share.hpp); every test still runs under the sanitizers.
cmake -S "$root" -B "$root/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DDUST_SANITIZE=ON \
  -DCMAKE_UNITY_BUILD=ON -DDUST_BUILD_BENCH=OFF -DDUST_TEST_PROCESS_PER_TEST=OFF >/dev/null
cmake --build "$root/build-asan" -j"$jobs"
# LeakSanitizer is on by default with ASan; dustdbg alone opts out in its
# own __asan_default_options, for the GL driver's allocations at exit.
ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j"$jobs"
