// dustrun_main.cpp — the `dustrun` command: picks the subcommand (see
// commands.hpp); a plain `dustrun <DIR>` runs the program (semantics doc §1.5).
#include <string>
#include <vector>

#include "commands.hpp"
#include "dustlib_k/dustlib_k.hpp"

namespace dust::cli {

const IntrinsicTable& intrinsics() { return dust::k::standard_intrinsics(); }

}  // namespace dust::cli

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "explore") return dust::cli::explore_command({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "record") return dust::cli::record_command({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "inspect") return dust::cli::inspect_command({args.begin() + 1, args.end()});
  for (const std::string& arg : args) {
    if (arg == "--replay" || arg.rfind("--replay=", 0) == 0) return dust::cli::replay_command(args);
  }
  return dust::cli::run_command(args);
}
