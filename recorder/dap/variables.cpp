// variables.cpp — scopes, variables and memory at the cursor.
//
// A frame's first scope is its bindings, each written as `inspect --at`
// writes it (render_human: an Int is `11`). The other scopes are the
// machine's shared state at that moment: heap blocks (each with a memory
// reference for readMemory), mutexes, Q resources and Φ witnesses.
#include <algorithm>

#include "adapter.hpp"

namespace dust::dap {

namespace {

const char* type_name(const Value& v) {
  switch (v.tag()) {
    case ValueTag::Unbound: return "Unbound";
    case ValueTag::Unit: return "Unit";
    case ValueTag::Int: return "Int";
    case ValueTag::Bool: return "Bool";
    case ValueTag::String: return "String";
    case ValueTag::Struct: return "Struct";
    case ValueTag::Array: return "Array";
  }
  return "Value";
}

std::string base64(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<std::uint32_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= bytes[i + 2];
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::string hex_bytes(const std::vector<std::uint8_t>& bytes, std::size_t limit) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < limit; ++i) {
    if (i > 0) out += ' ';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  if (bytes.size() > limit) out += " …";
  return out;
}

std::string address_text(std::int64_t address) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(address));
  return buffer;
}

}  // namespace

std::int64_t Adapter::add_container(Container c) {
  containers_.push_back(c);
  return static_cast<std::int64_t>(containers_.size());
}

json Adapter::scopes(const json& args) {
  auto [thread, depth] = frame_arg(args);
  const Machine& m = target().state();
  std::size_t bound = 0;
  if (thread < m.threads.size() && depth < m.threads[thread].frames.size()) {
    for (const Value& v : m.threads[thread].frames[depth].slots) bound += v.is_bound() ? 1 : 0;
  }
  json list = json::array();
  list.push_back(json{{"name", "Bindings"}, {"presentationHint", "locals"}, {"namedVariables", bound},
                      {"variablesReference", add_container(Container{Container::Kind::Bindings, thread, depth})},
                      {"expensive", false}});
  list.push_back(json{{"name", "Heap blocks"}, {"namedVariables", m.k.heap.blocks.size()},
                      {"variablesReference", add_container(Container{Container::Kind::Heap, 0, 0})}, {"expensive", false}});
  list.push_back(json{{"name", "Mutexes"}, {"namedVariables", m.k.mutexes.size()},
                      {"variablesReference", add_container(Container{Container::Kind::Mutexes, 0, 0})},
                      {"expensive", false}});
  list.push_back(json{{"name", "Q resources"}, {"namedVariables", m.q.resources.size()},
                      {"variablesReference", add_container(Container{Container::Kind::QResources, 0, 0})},
                      {"expensive", false}});
  list.push_back(json{{"name", "Φ witnesses"}, {"namedVariables", m.witnesses.size()},
                      {"variablesReference", add_container(Container{Container::Kind::Witnesses, 0, 0})},
                      {"expensive", false}});
  return json{{"scopes", list}};
}

json Adapter::variables(const json& args) {
  std::int64_t ref = int_argument(args, "variablesReference", 0);
  if (ref < 1 || static_cast<std::size_t>(ref) > containers_.size()) {
    throw RequestError("unknown variablesReference " + std::to_string(ref) + " (references last until the next stop)");
  }
  Container c = containers_[static_cast<std::size_t>(ref - 1)];
  const Machine& m = target().state();
  json list = json::array();
  auto add = [&](std::string name, std::string value, std::string type) {
    list.push_back(json{{"name", std::move(name)}, {"value", std::move(value)}, {"type", std::move(type)},
                        {"variablesReference", 0}});
  };
  switch (c.kind) {
    case Container::Kind::Bindings: {
      if (c.thread >= m.threads.size() || c.depth >= m.threads[c.thread].frames.size()) break;
      const Frame& f = m.threads[c.thread].frames[c.depth];
      const Proc& proc = m.program().procs[f.proc];
      for (std::uint32_t s = 0; s < f.slots.size() && s < proc.slot_count(); ++s) {
        if (!f.slots[s].is_bound()) continue;
        add(std::string(proc.slot_names.get(s)), render_human(f.slots[s]), type_name(f.slots[s]));
      }
      break;
    }
    case Container::Kind::Heap:
      for (const auto& [address, b] : m.k.heap.blocks) {
        std::string value = std::to_string(b.size) + " bytes, T" + std::to_string(b.owner_thread) +
                            (b.live ? ", live: " + hex_bytes(b.bytes, 32) : ", freed at step " + std::to_string(b.free_step));
        list.push_back(json{{"name", address_text(address)}, {"value", value}, {"type", "heap block"},
                            {"variablesReference", 0}, {"memoryReference", address_text(address)}});
      }
      break;
    case Container::Kind::Mutexes:
      for (const MutexState& mx : m.k.mutexes) {
        std::string value = mx.owner < 0 ? "free" : "held by T" + std::to_string(mx.owner);
        for (std::size_t i = 0; i < mx.waiters.size(); ++i) {
          value += (i == 0 ? ", waiting: T" : ", T") + std::to_string(mx.waiters[i]);
        }
        add("mutex " + std::to_string(mx.id), value, "mutex");
      }
      break;
    case Container::Kind::QResources:
      for (const QResource& r : m.q.resources) {
        std::string value = r.type + (r.state == QResourceState::Live ? ", live" : ", consumed");
        for (const QBinding& b : m.q.bindings) {
          if (&m.q.resources[b.resource] == &r && !b.moved) value += ", bound to " + b.name;
        }
        add(r.id, value, "Q resource");
      }
      break;
    case Container::Kind::Witnesses:
      for (const PhiWitness& w : m.witnesses) add(w.id, w.digest + " (step " + std::to_string(w.step) + ")", "Φ witness");
      break;
  }
  return json{{"variables", list}};
}

json Adapter::read_memory(const json& args) {
  std::string reference = args.value("memoryReference", "");
  std::int64_t base = 0;
  if (!parse_int64(reference, 0, base)) throw RequestError("bad memoryReference `" + reference + "`");
  std::int64_t count = int_argument(args, "count", 0);
  if (count < 0 || count > (16 << 20)) throw RequestError("readMemory count must be between 0 and 16 MiB");
  // The range must lie within int64: a memoryReference near its end plus an
  // offset or count would overflow.
  std::int64_t address = 0;
  std::int64_t end_address = 0;
  if (__builtin_add_overflow(base, int_argument(args, "offset", 0), &address) ||
      __builtin_add_overflow(address, count, &end_address)) {
    throw RequestError("readMemory range past the end of the address space");
  }
  const Machine& m = target().state();
  std::vector<std::uint8_t> bytes;
  // Bytes of live blocks, up to the first address no live block holds.
  for (std::int64_t a = address; a < end_address; ++a) {
    auto it = m.k.heap.blocks.upper_bound(a);
    if (it == m.k.heap.blocks.begin()) break;
    --it;
    const HeapBlock& b = it->second;
    if (!b.live || a >= b.address + static_cast<std::int64_t>(b.bytes.size())) break;
    bytes.push_back(b.bytes[static_cast<std::size_t>(a - b.address)]);
  }
  json body{{"address", address_text(address)}, {"data", base64(bytes)}};
  if (static_cast<std::int64_t>(bytes.size()) < count) body["unreadableBytes"] = count - static_cast<std::int64_t>(bytes.size());
  return body;
}

}  // namespace dust::dap
