// program_listing.cpp — laying the program out as numbered lines.
#include "dust/recorder/session/program_listing.hpp"

#include "dust/recorder/session/dir_pretty.hpp"

namespace dust::session {

namespace {
constexpr std::uint32_t kNoLine = 0xffffffffu;
}

ProgramListing::ProgramListing(const Program& program)
    : line_by_stmt_(program.stmts.size(), kNoLine), paths_(program.stmts.size()) {
  bool several_forges = program.forges.size() > 1;
  for (const Forge& forge : program.forges) {
    if (several_forges) lines_.push_back(ListingLine{forge.procs.empty() ? 0 : forge.procs[0], kNoStmt, 0, "forge " + forge.name});
    for (std::uint32_t proc : forge.procs) {
      lines_.push_back(ListingLine{proc, kNoStmt, 0, proc_signature(program, proc) + " {"});
      const Proc& pr = program.procs[proc];
      if (pr.body != kNoBlock && pr.body < program.blocks.size()) add_block(program, proc, pr.body, 1, pr.name, "body");
      lines_.push_back(ListingLine{proc, kNoStmt, 0, "}"});
      lines_.push_back(ListingLine{proc, kNoStmt, 0, ""});
    }
  }
  if (!lines_.empty()) lines_.pop_back();
}

void ProgramListing::add_block(const Program& p, std::uint32_t proc, std::uint32_t block, std::uint16_t indent,
                               const std::string& path_prefix, const char* label) {
  const Block& b = p.blocks[block];
  for (std::uint32_t i = 0; i < b.count; ++i) {
    std::uint32_t id = b.first + i;
    if (id >= p.stmts.size()) break;
    const Stmt& s = p.stmts[id];
    std::string path = path_prefix + "/" + label + "[" + std::to_string(i) + "]";
    line_by_stmt_[id] = static_cast<std::uint32_t>(lines_.size());
    paths_[id] = path;
    bool compound = s.kind == StmtKind::If || s.kind == StmtKind::While || s.kind == StmtKind::For;
    lines_.push_back(ListingLine{proc, id, indent, statement_text(p, proc, id) + (compound ? " {" : "")});
    if (!compound) continue;
    auto valid = [&](std::uint32_t blk) { return blk != kNoBlock && blk < p.blocks.size(); };
    if (s.kind == StmtKind::If) {
      if (valid(s.body)) add_block(p, proc, s.body, static_cast<std::uint16_t>(indent + 1), path, "then");
      if (valid(s.else_body)) {
        lines_.push_back(ListingLine{proc, kNoStmt, indent, "} else {"});
        add_block(p, proc, s.else_body, static_cast<std::uint16_t>(indent + 1), path, "else");
      }
    } else if (valid(s.body)) {
      add_block(p, proc, s.body, static_cast<std::uint16_t>(indent + 1), path, "body");
    }
    lines_.push_back(ListingLine{proc, kNoStmt, indent, "}"});
  }
}

std::string ProgramListing::text() const {
  std::string out;
  for (const ListingLine& line : lines_) {
    out.append(static_cast<std::size_t>(line.indent) * 2, ' ');
    out += line.text;
    out += '\n';
  }
  return out;
}

std::optional<std::size_t> ProgramListing::line_of(std::uint32_t stmt) const {
  if (stmt >= line_by_stmt_.size() || line_by_stmt_[stmt] == kNoLine) return std::nullopt;
  return line_by_stmt_[stmt];
}

const std::string& ProgramListing::statement(std::uint32_t stmt) const {
  auto line = line_of(stmt);
  return line ? lines_[*line].text : empty_;
}

std::uint32_t ProgramListing::proc_of(std::uint32_t stmt) const {
  auto line = line_of(stmt);
  return line ? lines_[*line].proc : 0;
}

const std::string& ProgramListing::path(std::uint32_t stmt) const {
  return stmt < paths_.size() ? paths_[stmt] : empty_;
}

}  // namespace dust::session
