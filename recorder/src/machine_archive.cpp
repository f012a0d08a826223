// machine_archive.cpp — cereal save/load for every part of the Machine.
//
// Non-intrusive: core knows nothing of cereal. When a struct in core gains
// a field, it is added here and the class's version goes up; load reads
// the field only from archives of that version or later.
//
// Keyframes come from files recorded elsewhere, so loading trusts nothing.
// KeyframeInputArchive reads exactly the bytes cereal's BinaryOutputArchive
// writes, but every count must fit in the bytes that remain, vectors grow
// as their elements are read (never sized up front from a count), Bools
// are 0 or 1 and Values nest at most kMaxValueDepth deep. A machine that
// loads is then checked against its program (machine_check.hpp) before
// anyone uses an index in it.
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
#include <cstring>
#include <sstream>
#include <type_traits>

#include "machine_check.hpp"
#include "step_codec.hpp"

namespace dust::rec {

class KeyframeInputArchive : public cereal::InputArchive<KeyframeInputArchive, cereal::AllowEmptyClassElision> {
 public:
  explicit KeyframeInputArchive(std::string_view bytes)
      : InputArchive(this), begin_(bytes.data()), p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  void loadBinary(void* data, std::size_t n) {
    if (n > remaining()) {
      throw cereal::Exception("cut short at byte " + std::to_string(offset()) + " (" + std::to_string(n) +
                              " bytes wanted, " + std::to_string(remaining()) + " left)");
    }
    if (n == 0) return;  // an empty string or vector: `data` may be null
    std::memcpy(data, p_, n);
    p_ += n;
  }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }

  // Counts one more level of Value nesting for as long as it lives.
  class Nesting {
   public:
    explicit Nesting(KeyframeInputArchive& ar) : ar_(ar) {
      if (++ar_.depth_ > kMaxValueDepth) {
        throw cereal::Exception("values nested deeper than " + std::to_string(kMaxValueDepth) + " at byte " +
                                std::to_string(ar_.offset()));
      }
    }
    ~Nesting() { --ar_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    KeyframeInputArchive& ar_;
  };

 private:
  const char* begin_;
  const char* p_;
  const char* end_;
  int depth_ = 0;
};

template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_LOAD_FUNCTION_NAME(KeyframeInputArchive& ar, T& t) {
  if constexpr (std::is_same_v<T, bool>) {
    std::uint8_t byte = 0;
    ar.loadBinary(&byte, 1);
    if (byte > 1) {
      throw cereal::Exception("a Bool of " + std::to_string(byte) + " at byte " + std::to_string(ar.offset() - 1));
    }
    t = byte != 0;
  } else {
    ar.loadBinary(std::addressof(t), sizeof t);
  }
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(KeyframeInputArchive& ar, cereal::NameValuePair<T>& t) {
  ar(t.value);
}

// Every element takes at least one byte, so a count beyond the bytes left
// is a lie: refused before anything is sized by it.
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(KeyframeInputArchive& ar, cereal::SizeTag<T>& tag) {
  ar(tag.size);
  if (tag.size > ar.remaining()) {
    throw cereal::Exception("a count of " + std::to_string(tag.size) + " with " + std::to_string(ar.remaining()) +
                            " bytes left, at byte " + std::to_string(ar.offset()));
  }
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(KeyframeInputArchive& ar, cereal::BinaryData<T>& data) {
  ar.loadBinary(data.data, static_cast<std::size_t>(data.size));
}

// More specialised than cereal's own vector loads, which size the vector
// from the count first: elements are appended as they are read, so memory
// follows the bytes actually there.
template <class T, class A>
void CEREAL_LOAD_FUNCTION_NAME(KeyframeInputArchive& ar, std::vector<T, A>& vector) {
  cereal::size_type n = 0;
  ar(cereal::make_size_tag(n));
  vector.clear();
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    if (n > ar.remaining() / sizeof(T)) {
      throw cereal::Exception("a vector longer than its bytes at byte " + std::to_string(ar.offset()));
    }
    vector.resize(static_cast<std::size_t>(n));
    ar(cereal::binary_data(vector.data(), static_cast<std::size_t>(n) * sizeof(T)));
  } else {
    for (cereal::size_type i = 0; i < n; ++i) {
      vector.emplace_back();
      ar(vector.back());
    }
  }
}

}  // namespace dust::rec

// Enums are loaded through load_minimal, which needs to know the output
// archive that wrote them.
namespace cereal::traits::detail {
template <>
struct get_output_from_input<dust::rec::KeyframeInputArchive> {
  using type = cereal::BinaryOutputArchive;
};
}  // namespace cereal::traits::detail

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

void load(rec::KeyframeInputArchive& ar, Value& v, std::uint32_t /*version*/) {
  rec::KeyframeInputArchive::Nesting nesting(ar);
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
    default: throw cereal::Exception("unknown value tag " + std::to_string(static_cast<int>(tag)));
  }
}

// ---- plain structs ----

// Version 2 added the schedule token, as its text ("" when the run
// followed its seed).
template <class Archive>
void save(Archive& ar, const RunConfig& c, std::uint32_t /*version*/) {
  ar(c.entry, c.effects, c.seed, c.fs_root, c.replaying, c.recorded_inputs.files());
  ar(c.schedule ? c.schedule->text() : std::string());
}

template <class Archive>
void load(Archive& ar, RunConfig& c, std::uint32_t version) {
  RecordedInputs::Files inputs;
  ar(c.entry, c.effects, c.seed, c.fs_root, c.replaying, inputs);
  c.recorded_inputs = RecordedInputs(std::move(inputs));
  c.schedule.reset();
  if (version < 2) return;
  std::string token;
  ar(token);
  if (token.empty()) return;
  std::string why;
  c.schedule = ScheduleToken::parse(token, why);
  if (!c.schedule) throw cereal::Exception("run configuration: " + why);
}

template <class Archive>
void serialize(Archive& ar, BlockCursor& c, std::uint32_t /*version*/) {
  ar(c.block, c.index, c.loop_stmt, c.for_checking, c.for_counter, c.for_end);
}

template <class Archive>
void serialize(Archive& ar, Frame& f, std::uint32_t /*version*/) {
  ar(f.proc, f.slots, f.cursors, f.evaluating, f.part, f.pc, f.stack, f.part_value, f.returned, f.has_returned);
}

// A wait is stored as its text; a mutex wait read back keeps the text and
// no holder (WaitInfo::text() gives the same either way).
template <class Archive>
void save(Archive& ar, const WaitInfo& w, std::uint32_t /*version*/) {
  const std::string text = w.text();
  ar(w.kind, w.id, text);
}

template <class Archive>
void load(Archive& ar, WaitInfo& w, std::uint32_t /*version*/) {
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

// The pending locks, in the bytes cereal gives the std::map they once were.
template <class Archive>
void save(Archive& ar, const PendingLocks& pending) {
  ar(cereal::make_size_tag(static_cast<cereal::size_type>(pending.size())));
  pending.for_each([&](std::uint32_t thread, std::int64_t mutex) { ar(cereal::make_map_item(thread, mutex)); });
}

// No reserve for the stored count: the entries are read one by one, so a
// forged count runs out of bytes instead of allocating; then they are
// sorted once (PendingLocks::assign), whatever their order in the file.
template <class Archive>
void load(Archive& ar, PendingLocks& pending) {
  cereal::size_type count = 0;
  ar(cereal::make_size_tag(count));
  std::vector<PendingLocks::Entry> entries;
  for (cereal::size_type i = 0; i < count; ++i) {
    std::uint32_t thread = 0;
    std::int64_t mutex = 0;
    ar(cereal::make_map_item(thread, mutex));
    entries.emplace_back(thread, mutex);
  }
  pending.assign(std::move(entries));
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
CEREAL_CLASS_VERSION(dust::RunConfig, 2);
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
  try {
    KeyframeInputArchive archive(bytes);
    archive(machine);
    if (archive.remaining() != 0) {
      error = "not a machine state (" + std::to_string(archive.remaining()) + " bytes after its end)";
      return false;
    }
  } catch (const cereal::Exception& e) {
    error = std::string("not a machine state (") + e.what() + ")";
    return false;
  }
  std::string invalid;
  if (!check_machine(machine, invalid)) {
    error = "invalid machine state (" + invalid + ")";
    return false;
  }
  // The memory budget's running totals are not in the snapshot.
  recount_memory(machine);
  return true;
}

}  // namespace dust::rec
