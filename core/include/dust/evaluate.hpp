// evaluate.hpp — a DIR expression evaluated in one frame of a stopped machine.
//
// A debugger asks for values the program never computed: a breakpoint's
// condition (`v Gt 3`), a logpoint's `{expr}` holes, a watch expression, a
// hovered name. Each is a DIR expression, compiled by the same compiler as
// the program and run by the same evaluator, against the bindings of one
// frame, so `a Add b` means exactly what it means in the program. It only
// reads: an expression with a call (of a proc or an intrinsic such as
// `load`) is refused, since running one could change the recorded run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dust/machine.hpp"
#include "dust/program.hpp"
#include "dust/value.hpp"

namespace dust {

// An expression compiled once against the names of one proc, to be
// evaluated in many frames of that proc (a condition at every hit).
class FrameExpression {
 public:
  FrameExpression(const Program& program, std::uint32_t proc, std::string_view text);

  // Why the text cannot be evaluated at all (a parse error, a call), or empty.
  const std::string& error() const { return error_; }
  std::uint32_t proc() const { return proc_; }
  const std::string& text() const { return text_; }

  // The value in frame `frame` of thread `thread` (depth from the bottom of
  // the thread's stack: the thread's first frame is 0). Returns nullopt with
  // `error` set when the frame does not exist, runs another proc, or the
  // evaluation fails (`unknown identifier: x` for a name not bound yet).
  std::optional<Value> evaluate(const Machine& machine, std::uint32_t thread, std::uint32_t frame,
                                std::string& error) const;

 private:
  std::shared_ptr<Program> scratch_;  // the proc's names, this expression's code and constants
  std::uint32_t proc_ = 0;
  std::string text_;
  CodeRef code_;
  std::string error_;
};

// Compiles and evaluates `text` in one go, for a frame of any proc.
std::optional<Value> evaluate_in_frame(const Machine& machine, std::uint32_t thread, std::uint32_t frame,
                                       std::string_view text, std::string& error);

}  // namespace dust
