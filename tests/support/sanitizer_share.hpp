// sanitizer_share.hpp — how much of a long test loop runs in the test
// script's sanitizer pass.
//
// scripts/test.sh runs the suite twice: in full in the Release build, then
// under AddressSanitizer and UndefinedBehaviorSanitizer, where the same code
// runs several times slower. The sanitizer pass is there to catch memory and
// undefined-behaviour errors, which show on a code path the first time it
// runs, not the two-hundredth: so the heaviest loops (scheduler seeds, shard
// counts, repeated dustrun runs) run a smaller share of their values there,
// while every code path they reach (every example, every case, every command)
// still runs. The Release pass keeps the full loops. No test is left out.
#pragma once

#include <initializer_list>
#include <vector>

namespace dust_test {

// True in the sanitizer pass: tests/CMakeLists.txt defines
// DUST_TEST_SANITIZER_PASS for the tests of a DUST_SANITIZE build.
#if defined(DUST_TEST_SANITIZER_PASS)
inline constexpr bool kSanitizerPass = true;
#else
inline constexpr bool kSanitizerPass = false;
#endif

// `full` in the Release pass, `share` in the sanitizer pass.
template <typename T>
constexpr T full_or_sanitizer_share(T full, T share) {
  return kSanitizerPass ? share : full;
}

// The values a loop runs over: all of `full` in the Release pass, `share`
// (which a test picks so it still reaches every path) in the sanitizer pass.
template <typename T>
std::vector<T> values_or_sanitizer_share(std::initializer_list<T> full, std::initializer_list<T> share) {
  return kSanitizerPass ? std::vector<T>(share) : std::vector<T>(full);
}

}  // namespace dust_test
