// commands.hpp — dustrun's subcommands. Each lives in its own file and
// takes the arguments after its name.
//
//   dustrun <DIR> [options]                 run_command.cpp
//   dustrun explore --seeds A..B <DIR>      explore_command.cpp
//   dustrun explore-merge SHARD.json...     explore_command.cpp
//   dustrun record <DIR> -o run.dtrace      record_command.cpp
//   dustrun --replay run.dtrace             replay_command.cpp
//   dustrun inspect run.dtrace --info ...   inspect_command.cpp
//   dustrun export --chrome T -o J          export_command.cpp
//   dustrun dap [--port N]                  ../dap/server.cpp (the debug adapter, ../dap/)
#pragma once

#include <string>
#include <vector>

#include "dust/intrinsics.hpp"

namespace dust::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitLoad = 3;
inline constexpr int kExitFailure = 10;
// Exit codes of the trace commands (record, --replay, inspect).
inline constexpr int kExitTraceIncomplete = 11;  // the trace was cut short; read as far as it goes
inline constexpr int kExitBadTrace = 12;         // not a readable trace, or it could not be written
inline constexpr int kExitDivergence = 13;       // a replay did not do what the recording says

// The intrinsics every command runs programs with.
const IntrinsicTable& intrinsics();

int run_command(const std::vector<std::string>& args);
int explore_command(const std::vector<std::string>& args);
int explore_merge_command(const std::vector<std::string>& args);
int record_command(const std::vector<std::string>& args);
int replay_command(const std::vector<std::string>& args);  // takes all of dustrun's arguments
int inspect_command(const std::vector<std::string>& args);
int dap_command(const std::vector<std::string>& args);
int export_command(const std::vector<std::string>& args);

}  // namespace dust::cli
