// dustlib_k.cpp — the library's entry points: registering every module into
// an intrinsic table, the shared standard table, and the warnings about a
// finished run (see dustlib_k.hpp).
#include "dustlib_k/dustlib_k.hpp"

#include "modules.hpp"

namespace dust::k {

void register_all(IntrinsicTable& table) {
  register_memory(table);
  register_threading(table);
  register_sync(table);
  register_io(table);
  register_unsafe(table);
}

const IntrinsicTable& standard_intrinsics() {
  static const IntrinsicTable table = [] {
    IntrinsicTable t;
    register_all(t);
    return t;
  }();
  return table;
}

namespace {

std::string thread_label(const Machine& machine, const Thread& thread) {
  return "thread " + std::to_string(thread.id) + " (" + machine.program().procs[thread.entry_proc].name + ")";
}

}  // namespace

// The order is fixed so the output is the same on every run: leaked blocks
// by address, files never closed by fd, mutexes still held by id, threads
// still inside an unsafe block, then threads never joined, by id.
std::vector<std::string> exit_warnings(const Machine& machine) {
  std::vector<std::string> out;
  const KState& k = machine.k;
  for (const auto& [address, block] : k.heap.blocks) {
    if (!block.live) continue;
    out.push_back("leak: " + std::to_string(block.size) + " bytes at " + std::to_string(address) +
                  " allocated by thread " + std::to_string(block.owner_thread) + " at step " +
                  std::to_string(block.alloc_step));
  }
  for (const auto& [fd, file] : k.fds) {
    if (file.open) out.push_back("fd " + std::to_string(fd) + " (" + file.path + ") never closed");
  }
  for (const MutexState& mutex : k.mutexes) {
    if (mutex.owner >= 0) {
      out.push_back("mutex " + std::to_string(mutex.id) + " still held by thread " + std::to_string(mutex.owner));
    }
  }
  for (std::size_t tid = 0; tid < k.unsafe_depth.size() && tid < machine.threads.size(); ++tid) {
    if (k.unsafe_depth[tid] > 0) {
      out.push_back(thread_label(machine, machine.threads[tid]) + " ended inside " +
                    std::to_string(k.unsafe_depth[tid]) + " unsafe block(s)");
    }
  }
  for (std::size_t tid = 1; tid < machine.threads.size(); ++tid) {
    const Thread& thread = machine.threads[tid];
    if (thread.joined) continue;
    if (thread.state == ThreadState::Finished) {
      out.push_back(thread_label(machine, thread) + " was never joined");
    } else {
      out.push_back(thread_label(machine, thread) + " was still " + thread_state_name(thread.state) +
                    " when the run ended and was never joined");
    }
  }
  return out;
}

}  // namespace dust::k
