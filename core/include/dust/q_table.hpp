// q_table.hpp — the Q regime's linear resource table.
//
// Bindings name resources; a move marks its source moved; consume ends the
// resource. Every failure is kind Inadmissible with the reference's exact
// message. Names live in their own map, apart from the value environment,
// exactly as in the reference.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dust/error.hpp"

namespace dust {

enum class QResourceState : std::uint8_t { Live, Consumed };

struct QResource {
  std::string id;         // qres:<name>:<n>
  std::string type;       // the q_alloc argument
  QResourceState state = QResourceState::Live;
};

struct QBinding {
  std::string name;
  std::uint32_t resource = 0;  // index into resources
  bool moved = false;
};

struct QTable {
  std::vector<QResource> resources;  // in allocation order
  std::vector<QBinding> bindings;    // in binding order
  std::uint64_t alloc_counter = 0;

  std::optional<DvmError> alloc(const std::string& name, const std::string& type);
  std::optional<DvmError> move(const std::string& src, const std::string& dst);
  std::optional<DvmError> use(const std::string& name);
  std::optional<DvmError> consume(const std::string& name);

  const QBinding* find(const std::string& name) const;
};

}  // namespace dust
