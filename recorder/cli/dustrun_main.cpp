// dustrun_main.cpp — the `dustrun` command: picks the subcommand (see
// commands.hpp); a plain `dustrun <DIR>` runs the program (semantics doc §1.5).
#include <string>
#include <vector>

#include "commands.hpp"

namespace dust::cli {

const IntrinsicTable& intrinsics() {
  static const IntrinsicTable table;
  return table;
}

}  // namespace dust::cli

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return dust::cli::run_command(args);
}
