// test_data.cpp — the tests' view of tests/data/ (see test_data.hpp).
#include "test_data.hpp"

#include <algorithm>
#include <system_error>

namespace fs = std::filesystem;

namespace dust_test {

fs::path data_path(const std::string& relative) { return fs::path(DUST_TEST_DATA_DIR) / relative; }

namespace {

template <class Iterator>
void collect(const fs::path& root, const std::function<bool(const fs::path&)>& keep, std::vector<fs::path>& out) {
  std::error_code ec;
  Iterator it(root, ec);
  for (; !ec && it != Iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && keep(it->path())) out.push_back(it->path());
  }
}

}  // namespace

std::vector<fs::path> data_files(const std::string& relative, bool recursive,
                                 const std::function<bool(const fs::path&)>& keep) {
  std::vector<fs::path> out;
  fs::path root = data_path(relative);
  if (recursive) {
    collect<fs::recursive_directory_iterator>(root, keep, out);
  } else {
    collect<fs::directory_iterator>(root, keep, out);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string missing_data_message(const std::string& relative) {
  return "test data missing or empty: " + data_path(relative).string() +
         " (it is part of the repository: restore tests/data/ from a clean checkout)";
}

}  // namespace dust_test
