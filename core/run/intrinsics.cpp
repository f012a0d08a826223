// intrinsics.cpp — the intrinsic table (see intrinsics.hpp).
#include "dust/intrinsics.hpp"

namespace dust {

const char* wait_kind_name(WaitKind k) {
  switch (k) {
    case WaitKind::None: return "none";
    case WaitKind::Mutex: return "mutex";
    case WaitKind::Join: return "join";
    case WaitKind::Sleep: return "sleep";
  }
  return "none";
}

std::string WaitInfo::text() const {
  if (kind == WaitKind::Mutex && description.empty() && holder >= 0) {
    return "mutex " + std::to_string(id) + " (held by thread " + std::to_string(holder) + ")";
  }
  return description;
}

void IntrinsicTable::add(IntrinsicDef def, std::vector<std::string> aliases) {
  defs_.push_back(std::move(def));
  std::size_t index = defs_.size() - 1;
  const IntrinsicDef& d = defs_.back();
  by_name_[d.name] = index;
  by_name_[d.module + "." + d.name] = index;
  by_name_["dustlib_k::" + d.module + "::" + d.name] = index;
  for (const std::string& alias : aliases) {
    by_name_[alias] = index;
    by_name_[d.module + "." + alias] = index;
    by_name_["dustlib_k::" + d.module + "::" + alias] = index;
  }
}

const IntrinsicDef* IntrinsicTable::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &defs_[it->second];
}

}  // namespace dust
