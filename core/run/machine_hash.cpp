// machine_hash.cpp — the canonical machine hash (machine_hash.hpp). Every
// field is fed in a fixed order, each variable-length part with its length
// first, so two different states never feed the same words.
//
// The liveness analysis walks each K proc's structured body backwards:
// a Let or a call's result kills its slot, an Assign reads its target (it
// must be bound), a loop's check is a fixpoint over its body, Break takes
// the set after its loop and Continue the set at its check, Return keeps
// only what its expression reads. Anything it does not model (Q forms,
// Φ procs, very large procs) keeps every slot live.
#include "dust/machine_hash.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "dust/machine.hpp"
#include "dust/opcodes.hpp"

namespace dust {

namespace {

// Procs beyond these sizes are not analysed (every slot stays live), so the
// analysis stays small beside the program.
constexpr std::uint32_t kMaxAnalysedSlots = 4096;
constexpr std::size_t kMaxAnalysisWords = std::size_t{1} << 24;

using Bits = std::vector<std::uint64_t>;

class LivenessBuilder {
 public:
  LivenessBuilder(const Program& p, MachineHasher::Liveness& out) : p_(p), out_(out) {
    out_.block_offset.assign(p.blocks.size(), MachineHasher::Liveness::kNone);
    out_.check_offset.assign(p.stmts.size(), MachineHasher::Liveness::kNone);
    out_.words.assign(p.blocks.size(), 0);
  }

  void proc(const Proc& proc) {
    if (proc.regime != Regime::K || proc.body == kNoBlock || proc.slot_count() > kMaxAnalysedSlots) return;
    words_ = (proc.slot_count() + 63) / 64;
    all_ = Bits(words_, ~std::uint64_t{0});
    failed_ = false;
    std::size_t mark = out_.bits.size();
    std::vector<std::uint32_t> touched;
    block(proc.body, Bits(words_, 0), nullptr, nullptr, touched);
    if (failed_) {
      // Too large: forget this proc's sets.
      out_.bits.resize(mark);
      for (std::uint32_t b : touched) out_.block_offset[b] = MachineHasher::Liveness::kNone;
      for (std::size_t i = 0; i < out_.check_offset.size(); ++i)
        if (out_.check_offset[i] != MachineHasher::Liveness::kNone && out_.check_offset[i] >= mark)
          out_.check_offset[i] = MachineHasher::Liveness::kNone;
    }
  }

 private:
  static void unite(Bits& a, const Bits& b) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] |= b[i];
  }
  static void set(Bits& a, std::uint32_t slot) {
    if (slot / 64 < a.size()) a[slot / 64] |= std::uint64_t{1} << (slot % 64);
  }
  static void clear(Bits& a, std::uint32_t slot) {
    if (slot / 64 < a.size()) a[slot / 64] &= ~(std::uint64_t{1} << (slot % 64));
  }

  void reads(Bits& live, const CodeRef& code) const {
    for (std::uint32_t i = 0; i < code.length; ++i) {
      Instr in = p_.code[code.offset + i];
      Op op = in.op();
      if (op == Op::Load || (is_fused(op) && fused_form(op) == FusedForm::Slot)) set(live, in.a());
    }
  }

  // Stores a set; the first time a block is met it gets room for all of its.
  void store(std::uint32_t b, std::uint32_t index, const Bits& live, std::vector<std::uint32_t>& touched) {
    if (out_.block_offset[b] == MachineHasher::Liveness::kNone) {
      std::size_t need = (std::size_t{p_.blocks[b].count} + 1) * words_;
      if (out_.bits.size() + need > kMaxAnalysisWords) {
        failed_ = true;
        return;
      }
      out_.block_offset[b] = out_.bits.size();
      out_.words[b] = words_;
      out_.bits.resize(out_.bits.size() + need, 0);
      touched.push_back(b);
    }
    std::copy(live.begin(), live.end(), out_.bits.begin() + static_cast<std::ptrdiff_t>(out_.block_offset[b] + index * words_));
  }

  Bits block(std::uint32_t b, Bits live, const Bits* after_loop, const Bits* at_check,
             std::vector<std::uint32_t>& touched) {
    const Block& blk = p_.blocks[b];
    store(b, blk.count, live, touched);
    for (std::uint32_t i = blk.count; i-- > 0 && !failed_;) {
      std::uint32_t id = blk.first + i;
      live = stmt(id, std::move(live), after_loop, at_check, touched);
      store(b, i, live, touched);
    }
    return live;
  }

  Bits stmt(std::uint32_t id, Bits after, const Bits* after_loop, const Bits* at_check,
            std::vector<std::uint32_t>& touched) {
    const Stmt& s = p_.stmts[id];
    Bits live = after;
    switch (s.kind) {
      case StmtKind::Let:
        if (s.q_form != QForm::None || s.phi_witness) return all_;
        if (s.slot != kNoSlot) clear(live, s.slot);
        reads(live, s.expr);
        return live;
      case StmtKind::Eval:
        if (s.slot != kNoSlot) clear(live, s.slot);
        reads(live, s.expr);
        return live;
      case StmtKind::Assign:
        if (s.slot != kNoSlot) set(live, s.slot);
        reads(live, s.expr);
        return live;
      case StmtKind::Effect:
      case StmtKind::Constrain:
      case StmtKind::Prove:
        if (s.slot != kNoSlot) set(live, s.slot);
        reads(live, s.expr);
        return live;
      case StmtKind::Return:
        live.assign(words_, 0);
        if (s.has_expr) reads(live, s.expr);
        return live;
      case StmtKind::If: {
        Bits then_live = block(s.body, after, after_loop, at_check, touched);
        Bits else_live = s.else_body == kNoBlock ? after : block(s.else_body, after, after_loop, at_check, touched);
        unite(live, then_live);
        unite(live, else_live);
        reads(live, s.expr);
        return live;
      }
      case StmtKind::While:
      case StmtKind::For: {
        const bool is_for = s.kind == StmtKind::For;
        Bits head = after;
        if (is_for) {
          set(head, s.slot);
        } else {
          reads(head, s.expr);
        }
        for (int round = 0; round < 1000 && !failed_; ++round) {
          Bits next = after;
          if (is_for) {
            set(next, s.slot);
          } else {
            reads(next, s.expr);
          }
          unite(next, block(s.body, head, &after, &head, touched));
          if (next == head) break;
          head = std::move(next);
        }
        if (out_.check_offset[id] == MachineHasher::Liveness::kNone) {
          out_.check_offset[id] = out_.bits.size();
          out_.bits.insert(out_.bits.end(), head.begin(), head.end());
        } else {
          std::copy(head.begin(), head.end(), out_.bits.begin() + static_cast<std::ptrdiff_t>(out_.check_offset[id]));
        }
        live = head;
        if (is_for) {
          reads(live, s.expr);
          if (s.else_body < p_.for_ends.size()) reads(live, p_.for_ends[s.else_body]);
        }
        return live;
      }
      case StmtKind::Break: return after_loop != nullptr ? *after_loop : all_;
      case StmtKind::Continue: return at_check != nullptr ? *at_check : all_;
    }
    return all_;
  }

  const Program& p_;
  MachineHasher::Liveness& out_;
  std::uint32_t words_ = 0;
  Bits all_;
  bool failed_ = false;
};

// Two 64-bit lanes, each updated per word by a step that is a bijection
// of the lane for a fixed word and of the word for a fixed lane: two word
// sequences of one length that differ in one word never meet in either
// lane, and the lanes differ in kind (xor then multiply and xorshift;
// add, rotate and multiply) so that differences cancelling in one do not
// cancel in the other. The full mixing is left to the end, once per
// state: the explorer hashes a state at every branch, and a full mix per
// word was most of the hash's cost.
class Hasher {
 public:
  void word(std::uint64_t w) {
    a_ = (a_ ^ w) * 0x9e3779b97f4a7c15ull;
    a_ ^= a_ >> 29;
    b_ = std::rotl(b_ + w, 23) * 0xff51afd7ed558ccdull;
  }
  // Eight bytes a word (the last one zero-filled); the length comes first,
  // so the padding cannot be mistaken for bytes.
  void text(std::string_view s) {
    word(s.size());
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      word(w);
    }
    if (i < s.size()) {
      std::uint64_t w = 0;
      std::memcpy(&w, s.data() + i, s.size() - i);
      word(w);
    }
  }
  void value(const Value& v) {
    word(static_cast<std::uint64_t>(v.tag()));
    switch (v.tag()) {
      case ValueTag::Unbound:
      case ValueTag::Unit: return;
      case ValueTag::Int:
      case ValueTag::Bool: word(static_cast<std::uint64_t>(v.as_int())); return;
      case ValueTag::String: text(v.as_string()); return;
      case ValueTag::Struct:
        text(v.struct_type());
        word(v.struct_fields().size());
        for (const auto& [name, field] : v.struct_fields()) {
          text(name);
          value(field);
        }
        return;
      case ValueTag::Array:
        word(v.array_items().size());
        for (const Value& item : v.array_items()) value(item);
        return;
    }
  }
  void error(const DvmError& e) {
    word(static_cast<std::uint64_t>(e.kind));
    text(e.message);
  }
  MachineHash result() const { return {mix(a_ ^ 0x2545f4914f6cdd1dull), mix(b_ + a_)}; }

 private:
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t a_ = 0x6a09e667f3bcc908ull;
  std::uint64_t b_ = 0xbb67ae8584caa73bull;
};

// The live slots of a frame at its position, or null when every slot is
// to be hashed (not analysed, or in the middle of something not modelled).
const std::uint64_t* live_slots(const Program& p, const MachineHasher::Liveness& live, const Frame& f,
                                std::vector<std::uint64_t>& scratch) {
  if (f.cursors.empty()) return nullptr;
  const BlockCursor& c = f.cursors.back();
  if (c.block >= live.block_offset.size() || live.block_offset[c.block] == MachineHasher::Liveness::kNone) return nullptr;
  const std::uint32_t words = live.words[c.block];
  if (c.for_checking) {
    if (f.evaluating || live.check_offset[c.loop_stmt] == MachineHasher::Liveness::kNone) return nullptr;
    return live.bits.data() + live.check_offset[c.loop_stmt];
  }
  if (c.index > p.blocks[c.block].count) return nullptr;
  const std::uint64_t* at = live.bits.data() + live.block_offset[c.block] + std::size_t{c.index} * words;
  if (!f.evaluating) return at;
  // Suspended inside a statement (at a call): what the rest of it reads,
  // its own slot, and what is live after it.
  if (c.index >= p.blocks[c.block].count) return nullptr;
  const Stmt& s = p.stmts[p.blocks[c.block].first + c.index];
  if (s.kind != StmtKind::Let && s.kind != StmtKind::Assign && s.kind != StmtKind::Eval && s.kind != StmtKind::Effect) {
    return nullptr;
  }
  scratch.assign(at + words, at + 2 * std::size_t{words});
  auto mark = [&](std::uint32_t slot) {
    if (slot / 64 < scratch.size()) scratch[slot / 64] |= std::uint64_t{1} << (slot % 64);
  };
  if (s.slot != kNoSlot) mark(s.slot);
  for (std::uint32_t i = 0; i < s.expr.length; ++i) {
    Instr in = p.code[s.expr.offset + i];
    if (in.op() == Op::Load || (is_fused(in.op()) && fused_form(in.op()) == FusedForm::Slot)) mark(in.a());
  }
  return scratch.data();
}

// Small fields are packed into shared words (each in bits of its own), so
// that a state costs fewer words to hash.
void hash_frame(Hasher& h, const Frame& f, const Program& p, const MachineHasher::Liveness& live,
                std::vector<std::uint64_t>& scratch) {
  h.word(f.proc | (std::uint64_t{f.slots.size()} << 32));
  const std::uint64_t* alive = live_slots(p, live, f, scratch);
  for (std::size_t i = 0; i < f.slots.size(); ++i) {
    if (alive == nullptr || ((alive[i / 64] >> (i % 64)) & 1) != 0) {
      h.value(f.slots[i]);
    } else {
      h.word(f.slots[i].is_bound() ? 0x6f : 0x7f);
    }
  }
  h.word(f.cursors.size());
  for (const BlockCursor& c : f.cursors) {
    h.word(c.block | (std::uint64_t{c.index} << 32));
    h.word(c.loop_stmt | (std::uint64_t{c.for_checking} << 32));
    h.word(static_cast<std::uint64_t>(c.for_counter));
    h.word(static_cast<std::uint64_t>(c.for_end));
  }
  h.word(std::uint64_t{f.evaluating} | (std::uint64_t{f.part} << 8) | (std::uint64_t{f.pc} << 32));
  h.word(f.stack.size());
  for (const Value& v : f.stack) h.value(v);
  h.value(f.part_value);
  h.value(f.returned);
  h.word(f.has_returned);
}

void hash_thread(Hasher& h, const Thread& t, const Program& p, const MachineHasher::Liveness& live,
                 std::vector<std::uint64_t>& scratch) {
  h.word(t.id | (std::uint64_t{t.entry_proc} << 32));
  h.word(t.spawn_seed);
  h.word(static_cast<std::uint64_t>(t.state) | (static_cast<std::uint64_t>(t.wait.kind) << 8));
  h.word(static_cast<std::uint64_t>(t.wait.id));
  // What the wait's text() is made of, without making the text: a mutex
  // wait's holder when it has no description, else the description.
  if (t.wait.kind == WaitKind::Mutex && t.wait.description.empty() && t.wait.holder >= 0) {
    h.word(1);
    h.word(static_cast<std::uint64_t>(t.wait.holder));
  } else {
    h.word(0);
    h.text(t.wait.description);
  }
  h.word(t.frames.size());
  for (const Frame& f : t.frames) hash_frame(h, f, p, live, scratch);
  h.word(t.result.has_value());
  if (t.result) h.value(*t.result);
  h.word(t.joined);
}

void hash_k(Hasher& h, const KState& k) {
  h.word(static_cast<std::uint64_t>(k.heap.next));
  h.word(static_cast<std::uint64_t>(k.heap.live_bytes));
  h.word(k.heap.blocks.size());
  for (const auto& [address, b] : k.heap.blocks) {
    h.word(static_cast<std::uint64_t>(address));
    h.word(static_cast<std::uint64_t>(b.size));
    h.word(b.live);
    h.word(b.owner_thread);
    h.word(b.alloc_step);
    h.text(std::string_view(reinterpret_cast<const char*>(b.bytes.data()), b.bytes.size()));
  }
  h.word(k.heap.stray_bytes.size());
  for (const auto& [address, byte] : k.heap.stray_bytes) {
    h.word(static_cast<std::uint64_t>(address));
    h.word(byte);
  }
  h.word(k.mutexes.size());
  for (const MutexState& m : k.mutexes) {
    h.word(static_cast<std::uint64_t>(m.id));
    h.word(static_cast<std::uint64_t>(m.owner));
    h.word(m.waiters.size());
    for (std::uint32_t w : m.waiters) h.word(w);
  }
  h.word(k.files.size());
  for (const auto& [path, contents] : k.files) {
    h.text(path);
    h.text(contents);
  }
  h.word(k.consulted_paths.size());
  for (const std::string& path : k.consulted_paths) h.text(path);
  h.word(k.fds.size());
  for (const auto& [fd, f] : k.fds) {
    h.word(static_cast<std::uint64_t>(fd));
    h.text(f.path);
    h.text(f.mode);
    h.word(static_cast<std::uint64_t>(f.position));
    h.word(f.open);
  }
  h.word(static_cast<std::uint64_t>(k.next_fd));
  for (const auto* cells : {&k.ports, &k.mmio}) {
    h.word(cells->size());
    for (const auto& [at, value] : *cells) {
      h.word(static_cast<std::uint64_t>(at));
      h.word(static_cast<std::uint64_t>(value));
    }
  }
  h.word(k.unsafe_log.size());
  for (const UnsafeRecord& r : k.unsafe_log) {
    h.word(r.thread);
    h.word(r.step);
    h.text(r.reason);
  }
  h.word(k.unsafe_depth.size());
  for (std::uint32_t d : k.unsafe_depth) h.word(d);
  h.word(k.sleep_until.size());
  for (const auto& [thread, tick] : k.sleep_until) {
    h.word(thread);
    h.word(tick);
  }
  h.word(k.lock_pending.size());
  k.lock_pending.for_each([&](std::uint32_t thread, std::int64_t mutex) {
    h.word(thread);
    h.word(static_cast<std::uint64_t>(mutex));
  });
}

}  // namespace

MachineHasher::MachineHasher(const Program& program) : program_(program) {
  LivenessBuilder builder(program, live_);
  for (const Proc& proc : program.procs) builder.proc(proc);
}

MachineHash machine_hash(const Machine& machine) { return MachineHasher(machine.program())(machine); }

MachineHash MachineHasher::operator()(const Machine& m) const { return (*this)(m, 0); }

MachineHash MachineHasher::operator()(const Machine& m, std::size_t effects_from) const {
  Hasher h;
  std::vector<std::uint64_t> scratch;
  h.word(m.tick);
  h.word(m.started);
  h.word(m.threads.size());
  for (const Thread& t : m.threads) hash_thread(h, t, program_, live_, scratch);
  h.word(m.effects.size());
  for (std::size_t i = effects_from; i < m.effects.size(); ++i) {
    const EffectEvent& e = m.effects[i];
    h.text(e.kind);
    h.text(e.payload);
  }
  h.word(m.q.resources.size());
  for (const QResource& r : m.q.resources) {
    h.text(r.id);
    h.text(r.type);
    h.word(static_cast<std::uint64_t>(r.state));
  }
  h.word(m.q.bindings.size());
  for (const QBinding& b : m.q.bindings) {
    h.text(b.name);
    h.word(b.resource);
    h.word(b.moved);
  }
  h.word(m.q.alloc_counter);
  h.word(m.phi_witness_count);
  h.word(m.witnesses.size());
  for (const PhiWitness& w : m.witnesses) {
    h.text(w.id);
    h.text(w.digest);
    h.word(w.step);
  }
  hash_k(h, m.k);
  h.word(static_cast<std::uint64_t>(m.outcome.status));
  h.word(m.outcome.returned.has_value());
  if (m.outcome.returned) h.value(*m.outcome.returned);
  h.error(m.outcome.error);
  h.word(m.outcome.error_thread);
  h.word(m.outcome.carries_context);
  return h.result();
}

}  // namespace dust
