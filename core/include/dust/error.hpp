// error.hpp — DVM error values.
//
// Errors are values, never exceptions that escape to the user. Each carries
// a kind (the nine kinds of the reference executor) and an exact message;
// where it happened (thread, proc, statement) travels beside it in the
// StepEvent and the RunOutcome.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dust {

enum class ErrorKind : std::uint8_t {
  DirLoad,
  DirValidate,
  EntrypointNotFound,
  UnsupportedRegime,
  Inadmissible,
  ConstraintFailure,
  EffectViolation,
  TimeViolation,
  Runtime,
};

// The kind as written in traces: "DirLoad", "Runtime", ...
std::string_view error_kind_name(ErrorKind kind);

// The prefix the reference's Display adds: "DIR load error: ", "runtime error: ", ...
std::string_view error_kind_prefix(ErrorKind kind);

// Parses a trace kind name back; returns false for an unknown name.
bool error_kind_from_name(std::string_view name, ErrorKind& out);

struct DvmError {
  ErrorKind kind = ErrorKind::Runtime;
  std::string message;

  // "<prefix><message>", as the reference prints it after "dustrun: ".
  std::string display() const;

  friend bool operator==(const DvmError&, const DvmError&) = default;
};

inline DvmError runtime_error(std::string message) {
  return DvmError{ErrorKind::Runtime, std::move(message)};
}

}  // namespace dust
