// test_data.hpp — where the tests find the project's own data (tests/data/:
// the reference's conformance fixtures and golden traces, the compiler
// corpus). A missing folder is reported by the test that needs it, as a
// failure naming the path, never by an exception while tests are listed.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace dust_test {

// tests/data/<relative>.
std::filesystem::path data_path(const std::string& relative);

// The regular files under tests/data/<relative> (recursively when asked)
// that `keep` accepts, sorted by path; empty when the folder is missing or
// unreadable.
std::vector<std::filesystem::path> data_files(const std::string& relative, bool recursive,
                                              const std::function<bool(const std::filesystem::path&)>& keep);

// The message a test prints when data it needs is missing.
std::string missing_data_message(const std::string& relative);

}  // namespace dust_test
