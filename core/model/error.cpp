// error.cpp — error kind names and display prefixes (see error.hpp).
#include "dust/error.hpp"

#include <array>

namespace dust {

namespace {

struct KindInfo {
  ErrorKind kind;
  std::string_view name;
  std::string_view prefix;
};

// The names are the trace surface; the prefixes are the reference's Display.
constexpr std::array<KindInfo, 9> kKinds{{
    {ErrorKind::DirLoad, "DirLoad", "DIR load error: "},
    {ErrorKind::DirValidate, "DirValidate", "DIR validation error: "},
    {ErrorKind::EntrypointNotFound, "EntrypointNotFound", "entrypoint not found: "},
    {ErrorKind::UnsupportedRegime, "UnsupportedRegime", "regime not supported by this execution path: "},
    {ErrorKind::Inadmissible, "Inadmissible", "inadmissible program: "},
    {ErrorKind::ConstraintFailure, "ConstraintFailure", "constraint failure: "},
    {ErrorKind::EffectViolation, "EffectViolation", "effect violation: "},
    {ErrorKind::TimeViolation, "TimeViolation", "time violation: "},
    {ErrorKind::Runtime, "Runtime", "runtime error: "},
}};

}  // namespace

std::string_view error_kind_name(ErrorKind kind) { return kKinds[static_cast<int>(kind)].name; }
std::string_view error_kind_prefix(ErrorKind kind) { return kKinds[static_cast<int>(kind)].prefix; }

bool error_kind_from_name(std::string_view name, ErrorKind& out) {
  for (const auto& k : kKinds) {
    if (k.name == name) {
      out = k.kind;
      return true;
    }
  }
  return false;
}

std::string DvmError::display() const {
  std::string out(error_kind_prefix(kind));
  out += message;
  return out;
}

}  // namespace dust
