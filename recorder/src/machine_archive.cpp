// machine_archive.cpp — cereal save/load for every part of the Machine.
//
// Non-intrusive: core knows nothing of cereal. When a struct in core gains
// a field, it is added here and the class's version goes up; load reads
// the field only from archives of that version or later.
#include "dust/recorder/machine_archive.hpp"

#include <cereal/archives/binary.hpp>
#include <cereal/cereal.hpp>
#include <cereal/types/common.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>
#include <sstream>

namespace dust {

// ---- Value: a tag and its payload, recursively ----

template <class Archive>
void save(Archive& ar, const Value& v, std::uint32_t /*version*/) {
  ar(v.tag());
  switch (v.tag()) {
    case ValueTag::Unbound:
    case ValueTag::Unit: break;
    case ValueTag::Int: ar(v.as_int()); break;
    case ValueTag::Bool: ar(v.as_bool()); break;
    case ValueTag::String: ar(v.as_string()); break;
    case ValueTag::Struct: ar(v.struct_type(), v.struct_fields()); break;
    case ValueTag::Array: ar(v.array_items()); break;
  }
}

template <class Archive>
void load(Archive& ar, Value& v, std::uint32_t /*version*/) {
  ValueTag tag{};
  ar(tag);
  switch (tag) {
    case ValueTag::Unbound: v = Value(); break;
    case ValueTag::Unit: v = Value::unit(); break;
    case ValueTag::Int: {
      std::int64_t n = 0;
      ar(n);
      v = Value::integer(n);
      break;
    }
    case ValueTag::Bool: {
      bool b = false;
      ar(b);
      v = Value::boolean(b);
      break;
    }
    case ValueTag::String: {
      std::string s;
      ar(s);
      v = Value::string(std::move(s));
      break;
    }
    case ValueTag::Struct: {
      std::string type;
      std::vector<std::pair<std::string, Value>> fields;
      ar(type, fields);
      v = Value::structure(std::move(type), std::move(fields));
      break;
    }
    case ValueTag::Array: {
      std::vector<Value> items;
      ar(items);
      v = Value::array(std::move(items));
      break;
    }
    default: throw cereal::Exception("unknown value tag");
  }
}

// ---- plain structs ----

template <class Archive>
void serialize(Archive& ar, RunConfig& c, std::uint32_t /*version*/) {
  ar(c.entry, c.effects, c.seed, c.fs_root, c.replaying, c.recorded_inputs);
}

template <class Archive>
void serialize(Archive& ar, BlockCursor& c, std::uint32_t /*version*/) {
  ar(c.block, c.index, c.loop_stmt, c.for_checking, c.for_counter, c.for_end);
}

template <class Archive>
void serialize(Archive& ar, Frame& f, std::uint32_t /*version*/) {
  ar(f.proc, f.slots, f.cursors, f.evaluating, f.part, f.pc, f.stack, f.part_value, f.returned, f.has_returned);
}

template <class Archive>
void serialize(Archive& ar, WaitInfo& w, std::uint32_t /*version*/) {
  ar(w.kind, w.id, w.description);
}

template <class Archive>
void serialize(Archive& ar, Thread& t, std::uint32_t /*version*/) {
  ar(t.id, t.entry_proc, t.spawn_seed, t.state, t.wait, t.frames, t.result, t.joined);
}

template <class Archive>
void serialize(Archive& ar, EffectEvent& e, std::uint32_t /*version*/) {
  ar(e.kind, e.payload);
}

template <class Archive>
void serialize(Archive& ar, QResource& r, std::uint32_t /*version*/) {
  ar(r.id, r.type, r.state);
}

template <class Archive>
void serialize(Archive& ar, QBinding& b, std::uint32_t /*version*/) {
  ar(b.name, b.resource, b.moved);
}

template <class Archive>
void serialize(Archive& ar, QTable& q, std::uint32_t /*version*/) {
  ar(q.resources, q.bindings, q.alloc_counter);
}

template <class Archive>
void serialize(Archive& ar, PhiWitness& w, std::uint32_t /*version*/) {
  ar(w.id, w.digest, w.step);
}

template <class Archive>
void serialize(Archive& ar, DvmError& e, std::uint32_t /*version*/) {
  ar(e.kind, e.message);
}

template <class Archive>
void serialize(Archive& ar, RunOutcome& o, std::uint32_t /*version*/) {
  ar(o.status, o.returned, o.error, o.error_thread, o.carries_context);
}

template <class Archive>
void serialize(Archive& ar, HeapBlock& b, std::uint32_t /*version*/) {
  ar(b.address, b.size, b.live, b.owner_thread, b.alloc_step, b.free_step, b.bytes);
}

template <class Archive>
void serialize(Archive& ar, Heap& h, std::uint32_t /*version*/) {
  ar(h.next, h.live_bytes, h.blocks, h.stray_bytes);
}

template <class Archive>
void serialize(Archive& ar, MutexState& m, std::uint32_t /*version*/) {
  ar(m.id, m.owner, m.waiters);
}

template <class Archive>
void serialize(Archive& ar, OpenFile& f, std::uint32_t /*version*/) {
  ar(f.fd, f.path, f.mode, f.position, f.open);
}

template <class Archive>
void serialize(Archive& ar, UnsafeRecord& r, std::uint32_t /*version*/) {
  ar(r.thread, r.step, r.reason);
}

template <class Archive>
void serialize(Archive& ar, KState& k, std::uint32_t /*version*/) {
  ar(k.heap, k.mutexes, k.files, k.consulted_paths, k.fds, k.next_fd, k.ports, k.mmio, k.unsafe_log,
     k.unsafe_depth, k.sleep_until, k.lock_pending);
}

// The machine's state; its program and intrinsics stay those of the
// machine loaded into.
template <class Archive>
void save(Archive& ar, const Machine& m, std::uint32_t /*version*/) {
  ar(m.config, m.tick, m.steps, m.threads, m.current, m.rng_state, m.effects, m.q, m.phi_witness_count, m.witnesses,
     m.k, m.started, m.outcome);
}

template <class Archive>
void load(Archive& ar, Machine& m, std::uint32_t /*version*/) {
  ar(m.config, m.tick, m.steps, m.threads, m.current, m.rng_state, m.effects, m.q, m.phi_witness_count, m.witnesses,
     m.k, m.started, m.outcome);
}

}  // namespace dust

CEREAL_CLASS_VERSION(dust::Value, 1);
CEREAL_CLASS_VERSION(dust::RunConfig, 1);
CEREAL_CLASS_VERSION(dust::BlockCursor, 1);
CEREAL_CLASS_VERSION(dust::Frame, 1);
CEREAL_CLASS_VERSION(dust::WaitInfo, 1);
CEREAL_CLASS_VERSION(dust::Thread, 1);
CEREAL_CLASS_VERSION(dust::EffectEvent, 1);
CEREAL_CLASS_VERSION(dust::QResource, 1);
CEREAL_CLASS_VERSION(dust::QBinding, 1);
CEREAL_CLASS_VERSION(dust::QTable, 1);
CEREAL_CLASS_VERSION(dust::PhiWitness, 1);
CEREAL_CLASS_VERSION(dust::DvmError, 1);
CEREAL_CLASS_VERSION(dust::RunOutcome, 1);
CEREAL_CLASS_VERSION(dust::HeapBlock, 1);
CEREAL_CLASS_VERSION(dust::Heap, 1);
CEREAL_CLASS_VERSION(dust::MutexState, 1);
CEREAL_CLASS_VERSION(dust::OpenFile, 1);
CEREAL_CLASS_VERSION(dust::UnsafeRecord, 1);
CEREAL_CLASS_VERSION(dust::KState, 1);
CEREAL_CLASS_VERSION(dust::Machine, 1);

namespace dust::rec {

std::string save_machine(const Machine& machine) {
  std::ostringstream out(std::ios::binary);
  {
    cereal::BinaryOutputArchive archive(out);
    archive(machine);
  }
  return std::move(out).str();
}

bool load_machine(std::string_view bytes, Machine& machine, std::string& error) {
  std::istringstream in(std::string(bytes), std::ios::binary);
  try {
    cereal::BinaryInputArchive archive(in);
    archive(machine);
  } catch (const std::exception& e) {
    error = std::string("not a machine state (") + e.what() + ")";
    return false;
  }
  return true;
}

}  // namespace dust::rec
