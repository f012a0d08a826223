// q_table.cpp — Q-regime linearity checks, in the reference's order and words.
#include "dust/q_table.hpp"

namespace dust {

namespace {

DvmError inadmissible(std::string message) { return DvmError{ErrorKind::Inadmissible, std::move(message)}; }

}  // namespace

const QBinding* QTable::find(const std::string& name) const {
  for (const QBinding& b : bindings)
    if (b.name == name) return &b;
  return nullptr;
}

std::optional<DvmError> QTable::alloc(const std::string& name, const std::string& type) {
  if (find(name) != nullptr) return inadmissible("Q alloc failed: name already bound: " + name);
  ++alloc_counter;
  resources.push_back(QResource{"qres:" + name + ":" + std::to_string(alloc_counter), type, QResourceState::Live});
  bindings.push_back(QBinding{name, static_cast<std::uint32_t>(resources.size() - 1), false});
  return std::nullopt;
}

// A resource consumed through another alias: the reference names the op.
static std::optional<DvmError> ensure_live(const QTable& t, const QBinding& b, const char* op) {
  const QResource& r = t.resources[b.resource];
  if (r.state == QResourceState::Consumed) {
    return inadmissible("Q use failed: resource already consumed: " + r.id + " (binding=" + b.name +
                        " op=" + op + ")");
  }
  return std::nullopt;
}

std::optional<DvmError> QTable::move(const std::string& src, const std::string& dst) {
  if (find(dst) != nullptr) return inadmissible("Q move failed: destination already bound: " + dst);
  const QBinding* source = find(src);
  if (source == nullptr) return inadmissible("Q move failed: unknown binding: " + src);
  if (source->moved) return inadmissible("Q move failed: binding already moved: " + src);
  if (auto e = ensure_live(*this, *source, "q_move")) return e;
  std::uint32_t resource = source->resource;
  const_cast<QBinding*>(source)->moved = true;
  bindings.push_back(QBinding{dst, resource, false});
  return std::nullopt;
}

std::optional<DvmError> QTable::use(const std::string& name) {
  const QBinding* b = find(name);
  if (b == nullptr) return inadmissible("Q use failed: unknown binding: " + name + " (op=q_use)");
  if (b->moved) return inadmissible("Q use failed: binding already moved: " + name + " (op=q_use)");
  return ensure_live(*this, *b, "q_use");
}

std::optional<DvmError> QTable::consume(const std::string& name) {
  const QBinding* b = find(name);
  if (b == nullptr) return inadmissible("Q consume failed: unknown binding: " + name);
  if (b->moved) return inadmissible("Q consume failed: binding already moved: " + name);
  if (auto e = ensure_live(*this, *b, "q_consume")) return e;
  resources[b->resource].state = QResourceState::Consumed;
  const_cast<QBinding*>(b)->moved = true;
  return std::nullopt;
}

}  // namespace dust
