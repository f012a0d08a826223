// state_report.cpp — rendering steps and machine states (see state_report.hpp).
#include "dust/recorder/state_report.hpp"

#include <nlohmann/json.hpp>

#include "dust/json_text.hpp"

namespace dust::rec {

namespace {

std::string stmt_location(const Program& program, std::uint32_t stmt) {
  return stmt < program.stmts.size() ? program.stmt_path(stmt) : std::string("-");
}

// The statement a frame runs next, or kNoStmt at the end of its body.
std::uint32_t next_stmt(const Program& program, const Frame& frame) {
  if (frame.cursors.empty()) return kNoStmt;
  const BlockCursor& c = frame.cursors.back();
  if (c.for_checking) return c.loop_stmt;
  if (c.block >= program.blocks.size()) return kNoStmt;
  const Block& b = program.blocks[c.block];
  return c.index < b.count ? b.first + c.index : kNoStmt;
}

std::string binding_name(const Program& program, std::uint32_t proc, std::uint32_t slot) {
  if (proc < program.procs.size() && slot < program.procs[proc].slot_count()) {
    return std::string(program.procs[proc].slot_names.get(slot));
  }
  return "slot" + std::to_string(slot);
}

std::string hex(std::int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string wait_text(const Thread& t) {
  if (t.state != ThreadState::Blocked && t.state != ThreadState::Sleeping) return "";
  std::string text = t.wait.text();
  return text.empty() ? std::string(wait_kind_name(t.wait.kind)) : text;
}

}  // namespace

std::string describe_step(const Program& program, const StepEvent& e) {
  std::string line = "step " + std::to_string(e.index) + " tick " + std::to_string(e.tick_before) + "->" +
                     std::to_string(e.tick) + " thread " + std::to_string(e.thread) + " " +
                     stmt_location(program, e.stmt) + " " + step_kind_name(e.kind);
  for (const BindingWrite& w : e.writes) {
    std::string name = w.frame == e.depth ? binding_name(program, e.proc, w.slot) : "slot" + std::to_string(w.slot);
    line += " | " + name + " = " + render_human(w.new_value);
  }
  if (e.has_effect) line += " | effect " + e.effect.kind + " " + rust_debug_string(e.effect.payload);
  for (const QEvent& q : e.q) line += std::string(" | ") + q_form_name(q.op) + " " + q.source + " " + q.resource;
  for (const PhiEvent& phi : e.phi) line += std::string(" | phi ") + phi_event_kind_name(phi.kind) + " " + phi.detail;
  for (const LibEvent& lib : e.lib) {
    line += std::string(" | ") + lib_event_kind_name(lib.kind) + " " + std::to_string(lib.a) + " " +
            std::to_string(lib.b) + " " + std::to_string(lib.c);
    if (!lib.text.empty()) line += " " + rust_debug_string(lib.text);
  }
  if (e.error) line += " | error " + e.error->display();
  return line;
}

std::string state_text(const Machine& m) {
  const Program& p = m.program();
  std::string out;
  out += "step " + std::to_string(m.steps) + "  tick " + std::to_string(m.tick) + "  status " +
         machine_status_name(m.outcome.status) + "  next thread " + std::to_string(m.current) + "\n";
  out += "threads (" + std::to_string(m.threads.size()) + "):\n";
  for (const Thread& t : m.threads) {
    out += "  thread " + std::to_string(t.id) + " (" + p.procs[t.entry_proc].name + ") " + thread_state_name(t.state);
    std::string wait = wait_text(t);
    if (!wait.empty()) out += ": waits for " + wait;
    if (t.state == ThreadState::Finished) {
      out += ", returned " + (t.result ? render_human(*t.result) : std::string("<none>"));
      if (t.joined) out += ", joined";
    }
    out += "\n";
    for (std::size_t d = t.frames.size(); d-- > 0;) {
      const Frame& f = t.frames[d];
      out += "    frame " + std::to_string(d) + " " + p.procs[f.proc].name + " at " +
             stmt_location(p, next_stmt(p, f)) + (f.evaluating ? " (in a call)" : "") + "\n";
      for (std::uint32_t s = 0; s < f.slots.size(); ++s) {
        if (!f.slots[s].is_bound()) continue;
        out += "      " + binding_name(p, f.proc, s) + " = " + render_human(f.slots[s]) + "\n";
      }
    }
  }
  if (!m.k.heap.blocks.empty()) {
    out += "heap blocks (" + std::to_string(m.k.heap.blocks.size()) + "):\n";
    for (const auto& [address, b] : m.k.heap.blocks) {
      out += "  " + hex(address) + " size " + std::to_string(b.size) + " thread " + std::to_string(b.owner_thread) +
             " allocated at step " + std::to_string(b.alloc_step) +
             (b.live ? " live" : " freed at step " + std::to_string(b.free_step)) + "\n";
    }
  }
  if (!m.k.mutexes.empty()) {
    out += "mutexes (" + std::to_string(m.k.mutexes.size()) + "):\n";
    for (const MutexState& mx : m.k.mutexes) {
      out += "  mutex " + std::to_string(mx.id) + " " +
             (mx.owner < 0 ? std::string("free") : "held by thread " + std::to_string(mx.owner));
      if (!mx.waiters.empty()) {
        out += ", waiting:";
        for (std::uint32_t w : mx.waiters) out += " " + std::to_string(w);
      }
      out += "\n";
    }
  }
  if (!m.k.fds.empty()) {
    out += "files (" + std::to_string(m.k.fds.size()) + "):\n";
    for (const auto& [fd, f] : m.k.fds) {
      out += "  fd " + std::to_string(fd) + " " + rust_debug_string(f.path) + " mode " + f.mode + " position " +
             std::to_string(f.position) + (f.open ? " open" : " closed") + "\n";
    }
  }
  if (!m.q.resources.empty()) {
    out += "Q resources (" + std::to_string(m.q.resources.size()) + "):\n";
    for (std::size_t r = 0; r < m.q.resources.size(); ++r) {
      const QResource& res = m.q.resources[r];
      out += "  " + res.id + " (" + res.type + ") " + (res.state == QResourceState::Live ? "live" : "consumed");
      std::string names;
      for (const QBinding& b : m.q.bindings) {
        if (b.resource != r) continue;
        names += (names.empty() ? "" : ", ") + b.name + (b.moved ? " (moved)" : "");
      }
      if (!names.empty()) out += "; bound to " + names;
      out += "\n";
    }
  }
  if (!m.witnesses.empty()) {
    out += "Φ witnesses (" + std::to_string(m.witnesses.size()) + "):\n";
    for (const PhiWitness& w : m.witnesses) {
      out += "  " + w.id + " digest " + rust_debug_string(w.digest) + " at step " + std::to_string(w.step) + "\n";
    }
  }
  if (m.effects.empty()) {
    out += "effects: <none>\n";
  } else {
    out += "effects (" + std::to_string(m.effects.size()) + "):\n";
    for (std::size_t i = 0; i < m.effects.size(); ++i) {
      out += "  " + std::to_string(i + 1) + ". " + m.effects[i].kind + " " + m.effects[i].payload + "\n";
    }
  }
  if (m.outcome.status == MachineStatus::Finished) {
    out += "returned: " + (m.outcome.returned ? render_human(*m.outcome.returned) : std::string("<none>")) + "\n";
  } else if (m.outcome.status == MachineStatus::Failed) {
    out += "failed in thread " + std::to_string(m.outcome.error_thread) + ": " + m.outcome.error.display() + "\n";
  }
  return out;
}

std::string state_json(const Machine& m) {
  using nlohmann::json;
  auto text = [](std::string_view s) { return json_text_value<json>(s); };
  const Program& p = m.program();
  json j;
  j["step"] = m.steps;
  j["tick"] = m.tick;
  j["status"] = machine_status_name(m.outcome.status);
  j["next_thread"] = m.current;
  json threads = json::array();
  for (const Thread& t : m.threads) {
    json jt;
    jt["id"] = t.id;
    jt["proc"] = p.procs[t.entry_proc].name;
    jt["state"] = thread_state_name(t.state);
    std::string wait = wait_text(t);
    if (!wait.empty()) jt["waits_for"] = text(wait);
    if (t.state == ThreadState::Finished && t.result) jt["returned"] = json::parse(value_to_tagged_json(*t.result));
    json frames = json::array();
    for (std::size_t d = 0; d < t.frames.size(); ++d) {
      const Frame& f = t.frames[d];
      json jf;
      jf["depth"] = d;
      jf["proc"] = p.procs[f.proc].name;
      jf["at"] = stmt_location(p, next_stmt(p, f));
      json bindings = json::object();
      for (std::uint32_t s = 0; s < f.slots.size(); ++s) {
        if (f.slots[s].is_bound()) bindings[binding_name(p, f.proc, s)] = json::parse(value_to_tagged_json(f.slots[s]));
      }
      jf["bindings"] = std::move(bindings);
      frames.push_back(std::move(jf));
    }
    jt["frames"] = std::move(frames);
    threads.push_back(std::move(jt));
  }
  j["threads"] = std::move(threads);
  json heap = json::array();
  for (const auto& [address, b] : m.k.heap.blocks) {
    json jb{{"address", address}, {"size", b.size}, {"thread", b.owner_thread}, {"alloc_step", b.alloc_step},
            {"live", b.live}};
    if (!b.live) jb["free_step"] = b.free_step;
    heap.push_back(std::move(jb));
  }
  j["heap"] = std::move(heap);
  json mutexes = json::array();
  for (const MutexState& mx : m.k.mutexes) {
    mutexes.push_back(json{{"id", mx.id}, {"owner", mx.owner}, {"waiters", mx.waiters}});
  }
  j["mutexes"] = std::move(mutexes);
  json files = json::array();
  for (const auto& [fd, f] : m.k.fds) {
    files.push_back(json{
        {"fd", fd}, {"path", text(f.path)}, {"mode", text(f.mode)}, {"position", f.position}, {"open", f.open}});
  }
  j["files"] = std::move(files);
  json q = json::array();
  for (std::size_t r = 0; r < m.q.resources.size(); ++r) {
    const QResource& res = m.q.resources[r];
    json bindings = json::array();
    for (const QBinding& b : m.q.bindings) {
      if (b.resource == r) bindings.push_back(json{{"name", text(b.name)}, {"moved", b.moved}});
    }
    q.push_back(json{{"id", text(res.id)},
                     {"type", text(res.type)},
                     {"state", res.state == QResourceState::Live ? "live" : "consumed"},
                     {"bindings", std::move(bindings)}});
  }
  j["q"] = std::move(q);
  json witnesses = json::array();
  for (const PhiWitness& w : m.witnesses) {
    witnesses.push_back(json{{"id", text(w.id)}, {"digest", text(w.digest)}, {"step", w.step}});
  }
  j["witnesses"] = std::move(witnesses);
  json effects = json::array();
  for (const EffectEvent& e : m.effects) effects.push_back(json{{"kind", text(e.kind)}, {"payload", text(e.payload)}});
  j["effects"] = std::move(effects);
  if (m.outcome.status == MachineStatus::Finished && m.outcome.returned) {
    j["returned"] = json::parse(value_to_tagged_json(*m.outcome.returned));
  }
  if (m.outcome.status == MachineStatus::Failed) {
    j["error"] = json{{"kind", std::string(error_kind_name(m.outcome.error.kind))},
                      {"message", text(m.outcome.error.message)},
                      {"thread", m.outcome.error_thread}};
  }
  // Keys are program names, which the loader checked are UTF-8; the
  // replacing handler only keeps a broken promise from aborting the dump.
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace dust::rec
