// program_listing.hpp — the whole program as lines of text, built once.
//
// Each proc becomes a signature line, its statements (compound ones with
// their blocks indented under them) and a closing brace. Every statement
// has exactly one line, so the Program view can highlight a thread's
// current statement and toggle a breakpoint by line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dust/program.hpp"
#include "dust/step_event.hpp"

namespace dust::session {

struct ListingLine {
  std::uint32_t proc = 0;
  std::uint32_t stmt = kNoStmt;  // kNoStmt: a forge or proc header, `else`, or a closing brace
  std::uint16_t indent = 0;
  std::string text;
};

class ProgramListing {
 public:
  explicit ProgramListing(const Program& program);

  const std::vector<ListingLine>& lines() const { return lines_; }
  // The whole listing as text, each line indented two spaces per level and
  // ended by a newline: the Program view's text, and the DAP source's.
  std::string text() const;
  // The line showing `stmt`, if the statement exists.
  std::optional<std::size_t> line_of(std::uint32_t stmt) const;
  // The statement's own text (no indentation); empty for an unknown one.
  const std::string& statement(std::uint32_t stmt) const;
  std::uint32_t proc_of(std::uint32_t stmt) const;
  // "main/body[3]/then[0]", computed from the listing's own walk.
  const std::string& path(std::uint32_t stmt) const;

 private:
  void add_block(const Program& p, std::uint32_t proc, std::uint32_t block, std::uint16_t indent,
                 const std::string& path_prefix, const char* label);

  std::vector<ListingLine> lines_;
  std::vector<std::uint32_t> line_by_stmt_;
  std::vector<std::string> paths_;
  std::string empty_;
};

}  // namespace dust::session
