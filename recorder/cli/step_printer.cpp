// step_printer.cpp — formats a StepEvent as one line of `--trace` output:
//   step 3 tick 2->3 thread 0 main/body[2] statement x: 1 -> 2 | effect emit "hi"
#include "step_printer.hpp"

namespace dust {

namespace {

// Statement paths for the whole program in one walk, so tracing stays linear.
void collect_paths(const Program& p, std::uint32_t block, const std::string& prefix, const char* label,
                   std::vector<std::string>& paths) {
  const Block& b = p.blocks[block];
  for (std::uint32_t i = 0; i < b.count; ++i) {
    std::uint32_t id = b.first + i;
    std::string here = prefix + "/" + label + "[" + std::to_string(i) + "]";
    const Stmt& s = p.stmts[id];
    if (s.kind == StmtKind::If) {
      collect_paths(p, s.body, here, "then", paths);
      if (s.else_body != kNoBlock) collect_paths(p, s.else_body, here, "else", paths);
    } else if (s.kind == StmtKind::While || s.kind == StmtKind::For) {
      collect_paths(p, s.body, here, "body", paths);
    }
    paths[id] = std::move(here);
  }
}

}  // namespace

const std::string& StepPrinter::path_of(const Program& program, std::uint32_t stmt) {
  if (paths_.empty()) {
    paths_.resize(program.stmts.size());
    for (const Proc& proc : program.procs) {
      if (proc.body != kNoBlock) collect_paths(program, proc.body, proc.name, "body", paths_);
    }
  }
  static const std::string kNone = "-";
  return stmt < paths_.size() ? paths_[stmt] : kNone;
}

void StepPrinter::on_step(const Machine& machine, const StepEvent& event) {
  const Program& program = machine.program();
  std::string line = "step " + std::to_string(event.index) + " tick " + std::to_string(event.tick_before) + "->" +
                     std::to_string(event.tick) + " thread " + std::to_string(event.thread) + " " +
                     path_of(program, event.stmt) + " " + step_kind_name(event.kind);
  for (const BindingWrite& w : event.writes) {
    std::uint32_t proc = event.proc;
    const Thread& thread = machine.threads[event.thread];
    if (w.frame < thread.frames.size()) proc = thread.frames[w.frame].proc;
    line += " | " + machine.slot_name(proc, w.slot) + ": " +
            (w.old_value.is_bound() ? render_human(w.old_value) : std::string("<unbound>")) + " -> " +
            render_human(w.new_value);
  }
  if (event.has_effect) line += " | effect " + event.effect.kind + " " + rust_debug_string(event.effect.payload);
  for (const QEvent& q : event.q) line += std::string(" | ") + q_form_name(q.op) + " " + q.source + " " + q.resource;
  for (const PhiEvent& phi : event.phi) line += std::string(" | phi ") + phi_event_kind_name(phi.kind) + " " + phi.detail;
  for (const LibEvent& lib : event.lib) line += std::string(" | ") + lib_event_kind_name(lib.kind) + " " + std::to_string(lib.a);
  if (event.error) line += " | error " + event.error->display();
  line += "\n";
  out_ << line;
}

}  // namespace dust
