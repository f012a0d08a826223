// dustrun_main.cpp — the `dustrun` command: picks the subcommand (see
// commands.hpp); a plain `dustrun <DIR>` runs the program (semantics doc §1.5).
#include <cstdio>
#include <new>
#include <string>
#include <vector>

#include "commands.hpp"
#include "dustlib_k/dustlib_k.hpp"

namespace dust::cli {

const IntrinsicTable& intrinsics() { return dust::k::standard_intrinsics(); }

}  // namespace dust::cli

namespace {

int dispatch(const std::vector<std::string>& args) {
  using namespace dust::cli;
  if (!args.empty() && args[0] == "explore") return explore_command({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "explore-merge") return explore_merge_command({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "record") return record_command({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "export") return export_command({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "dap") return dap_command({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "inspect") return inspect_command({args.begin() + 1, args.end()});
  for (const std::string& arg : args) {
    if (arg == "--replay" || arg.rfind("--replay=", 0) == 0) return replay_command(args);
  }
  return run_command(args);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // An allocation the host refuses is reported, naming the command, never
  // an abort. (Loading reports its own, naming the file; a trace being
  // recorded stays readable up to its last whole block.)
  try {
    return dispatch(args);
  } catch (const std::bad_alloc&) {
    std::string command = "dustrun";
    for (const std::string& arg : args) command += " " + arg;
    std::fprintf(stderr, "dustrun: out of memory (the host refused an allocation) while running: %s\n",
                 command.c_str());
    return dust::cli::kExitFailure;
  }
}
