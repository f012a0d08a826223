// expr_compiler.cpp — DIR expression strings to postfix code.
//
// Grammar (lowest precedence first, all binary levels left-associative):
//   or      := and ("Or" and)*
//   and     := cmp ("And" cmp)*
//   cmp     := bits (("Eq"|"Ne"|"Lt"|"Le"|"Gt"|"Ge") bits)*
//   bits    := add (("BitAnd"|"BitOr"|"BitXor"|"Shl"|"Shr") add)*
//   add     := mul (("Add"|"Sub") mul)*
//   mul     := postfix (("Mul"|"Div"|"Rem") postfix)*
//   postfix := primary ("." ident | "[" or "]")*
//   primary := int | bool | string | "(" or ")" | "[" list "]"
//            | ("Not"|"Neg") "(" or ")" | path "(" list ")" | ident "{" fields "}" | ident
//   path    := ident ("::" ident)* | ident "." ident       (callee names)
// Operators are identifiers, as the compiler emits them. v0.1 has only
// literals, names, parentheses and the operators up to Or; the rest is v0.2.
#include "expr_compiler.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <array>
#include <charconv>
#include <cstring>
#include <string>

#include "code_folding.hpp"
#include "text_scan.hpp"

namespace dust {

CompileShared::CompileShared(Program& p) : program(p) {
  if (program.constants.empty()) {
    program.constants.push_back(Value::boolean(false));
    program.constants.push_back(Value::boolean(true));
  }
}

std::uint32_t CompileShared::intern_callee(std::string_view name) {
  std::string key = std::to_string(current_forge) + '\x1f' + std::string(name);
  auto [it, inserted] = callee_index.try_emplace(key, 0);
  if (inserted) {
    it->second = static_cast<std::uint32_t>(program.callees.size());
    program.callees.push_back(Callee{key, -1});
  }
  return it->second;
}

std::uint32_t CompileShared::intern_text(std::string_view text) {
  auto [it, inserted] = text_index.try_emplace(std::string(text), 0);
  if (inserted) it->second = program.texts.add(text);
  return it->second;
}

namespace {

enum class TokKind : std::uint8_t {
  LParen, RParen, Comma, Dot, LBrace, RBrace, Colon, LBracket, RBracket,
  Ident, Int, Bool, Str, Eof,
};

struct Token {
  TokKind kind = TokKind::Eof;
  std::string_view text;   // Ident
  std::string str;         // Str (unescaped)
  std::int64_t number = 0; // Int, Bool
  Op binary = Op::Fail;    // Ident naming a binary operator: the operator
  std::int8_t level = -1;  // and its precedence level (0 = Or ... 5 = Mul/Div)
};

// Operators are identifiers; classifying them once, when lexed, keeps the
// parser from comparing strings at every level. Inline: the fast path asks
// for every name it meets.
struct OperatorClass {
  Op binary = Op::Fail;
  std::int8_t level = -1;  // -1: not a binary operator
};

// Peephole: a binary operator whose right operand is a single push takes
// the operand straight from the slot, immediate or constant. Rewrites
// `last` and answers true when it applies.
[[gnu::always_inline]] inline bool fuse_binary(Instr& last, Instr binary) {
  FusedForm form;
  switch (last.op()) {
    case Op::Load: form = FusedForm::Slot; break;
    case Op::PushInt: form = FusedForm::Imm; break;
    case Op::PushConst: form = FusedForm::Const; break;
    default: return false;
  }
  last = Instr{static_cast<std::uint32_t>(fused_op(binary.op(), form)) | (last.bits & ~0xffu)};
  return true;
}

[[gnu::always_inline]] inline OperatorClass classify_name(std::string_view n) {
  // Dispatch on length and letters: an ordinary name costs a compare or two.
  switch (n.size()) {
    case 2:
      if (n[0] == 'O' && n[1] == 'r') return {Op::Or, 0};
      if (n[0] == 'E' && n[1] == 'q') return {Op::Eq, 2};
      if (n[0] == 'N' && n[1] == 'e') return {Op::Ne, 2};
      if (n[0] == 'L' && n[1] == 't') return {Op::Lt, 2};
      if (n[0] == 'L' && n[1] == 'e') return {Op::Le, 2};
      if (n[0] == 'G' && n[1] == 't') return {Op::Gt, 2};
      if (n[0] == 'G' && n[1] == 'e') return {Op::Ge, 2};
      return {};
    case 3: {
      // The three bytes as one number, built in registers.
      std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(n[0])) |
                        static_cast<std::uint32_t>(static_cast<unsigned char>(n[1])) << 8 |
                        static_cast<std::uint32_t>(static_cast<unsigned char>(n[2])) << 16;
      constexpr auto code = [](const char (&s)[4]) {
        return static_cast<std::uint32_t>(s[0]) | static_cast<std::uint32_t>(s[1]) << 8 |
               static_cast<std::uint32_t>(s[2]) << 16;
      };
      switch (v) {
        case code("And"): return {Op::And, 1};
        case code("Add"): return {Op::Add, 4};
        case code("Sub"): return {Op::Sub, 4};
        case code("Mul"): return {Op::Mul, 5};
        case code("Div"): return {Op::Div, 5};
        case code("Rem"): return {Op::Rem, 5};
        case code("Shl"): return {Op::Shl, 3};
        case code("Shr"): return {Op::Shr, 3};
        default: return {};
      }
    }
    case 5:
      if (same(n, "BitOr")) return {Op::BitOr, 3};
      return {};
    case 6:
      if (same(n, "BitAnd")) return {Op::BitAnd, 3};
      if (same(n, "BitXor")) return {Op::BitXor, 3};
      return {};
    default: return {};
  }
}

void classify_operator(Token& t) {
  OperatorClass c = classify_name(t.text);
  t.binary = c.binary;
  t.level = c.level;
}

// Rust's Debug form of a token, as the reference prints it in messages.
std::string describe(const Token& t) {
  switch (t.kind) {
    case TokKind::LParen: return "LParen";
    case TokKind::RParen: return "RParen";
    case TokKind::Comma: return "Comma";
    case TokKind::Dot: return "Dot";
    case TokKind::LBrace: return "LBrace";
    case TokKind::RBrace: return "RBrace";
    case TokKind::Colon: return "Colon";
    case TokKind::LBracket: return "LBracket";
    case TokKind::RBracket: return "RBracket";
    case TokKind::Ident: return "Ident(" + rust_debug_string(t.text) + ")";
    case TokKind::Int: return "Int(" + std::to_string(t.number) + ")";
    case TokKind::Bool: return t.number ? "Bool(true)" : "Bool(false)";
    case TokKind::Str: return "Str(" + rust_debug_string(t.str) + ")";
    case TokKind::Eof: return "Eof";
  }
  return "Eof";
}

// Decodes one UTF-8 scalar at s[i]; returns its length (1 for a bad byte).
std::size_t utf8_length(std::string_view s, std::size_t i, char32_t& cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
  if (n == 1 || i + n > s.size()) { cp = c; return 1; }
  cp = c & (0x7f >> n);
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  return n;
}

// Rust's char::is_whitespace (Unicode White_Space).
bool is_whitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
         c == 0x205f || c == 0x3000;
}

constexpr char32_t kPhi = 0x03a6;

bool is_ident_start(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == kPhi;
}
bool is_ident_char(char32_t c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  // Reads the next token into `t`; false (with `error`) on a lexical error.
  bool next(Token& t, std::string& error) {
    while (pos_ < s_.size()) {
      auto b = static_cast<unsigned char>(s_[pos_]);
      if (b < 0x80) {
        if (b == ' ' || (b >= 0x09 && b <= 0x0d)) {
          ++pos_;
          continue;
        }
        break;
      }
      char32_t c;
      std::size_t n = utf8_length(s_, pos_, c);
      if (!is_whitespace(c)) break;
      pos_ += n;
    }
    if (pos_ >= s_.size()) { t.kind = TokKind::Eof; return true; }
    char ch = s_[pos_];
    switch (ch) {
      case '(': ++pos_; t.kind = TokKind::LParen; return true;
      case ')': ++pos_; t.kind = TokKind::RParen; return true;
      case ',': ++pos_; t.kind = TokKind::Comma; return true;
      case '.': ++pos_; t.kind = TokKind::Dot; return true;
      case '{': ++pos_; t.kind = TokKind::LBrace; return true;
      case '}': ++pos_; t.kind = TokKind::RBrace; return true;
      case ':': ++pos_; t.kind = TokKind::Colon; return true;
      case '[': ++pos_; t.kind = TokKind::LBracket; return true;
      case ']': ++pos_; t.kind = TokKind::RBracket; return true;
      case '"': return lex_string(t, error);
      default: break;
    }
    if (ch == '-' || (ch >= '0' && ch <= '9')) return lex_int(t, error);
    char32_t c;
    std::size_t n = utf8_length(s_, pos_, c);
    if (is_ident_start(c)) {
      std::size_t start = pos_;
      pos_ += n;
      while (pos_ < s_.size()) {
        auto b = static_cast<unsigned char>(s_[pos_]);
        if (b < 0x80) {
          if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_') {
            ++pos_;
            continue;
          }
          break;
        }
        std::size_t m = utf8_length(s_, pos_, c);
        if (!is_ident_char(c)) break;
        pos_ += m;
      }
      t.text = s_.substr(start, pos_ - start);
      if (same(t.text, "true") || same(t.text, "false")) {
        t.kind = TokKind::Bool;
        t.number = same(t.text, "true");
      } else {
        t.kind = TokKind::Ident;
        classify_operator(t);
      }
      return true;
    }
    error = "unexpected character in expression: " + std::string(s_.substr(pos_, n));
    return false;
  }

 private:
  bool lex_string(Token& t, std::string& error) {
    ++pos_;
    t.kind = TokKind::Str;
    t.str.clear();
    // An unterminated string simply ends with the input, as in the reference.
    while (pos_ < s_.size()) {
      std::size_t stop = s_.find_first_of("\"\\", pos_);
      if (stop == std::string_view::npos) {
        t.str.append(s_.substr(pos_));
        pos_ = s_.size();
        return true;
      }
      t.str.append(s_.substr(pos_, stop - pos_));
      pos_ = stop + 1;
      if (s_[stop] == '"') return true;
      if (pos_ >= s_.size()) { error = "unterminated string escape"; return false; }
      char32_t c;
      std::size_t n = utf8_length(s_, pos_, c);
      switch (c) {
        case '"': t.str.push_back('"'); break;
        case '\\': t.str.push_back('\\'); break;
        case 'n': t.str.push_back('\n'); break;
        case 't': t.str.push_back('\t'); break;
        case 'r': t.str.push_back('\r'); break;
        default:
          error = "unsupported string escape: \\" + std::string(s_.substr(pos_, n));
          return false;
      }
      pos_ += n;
    }
    return true;
  }

  bool lex_int(Token& t, std::string& error) {
    std::size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    std::string_view digits = s_.substr(start, pos_ - start);
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      error = "invalid int literal: " + std::string(digits);
      return false;
    }
    t.kind = TokKind::Int;
    t.number = value;
    return true;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

// fold_code's view of compiled code: names are slots, and constants are
// compared by value, since every literal gets a constant of its own.
struct CompiledOperands {
  const Instr* code;
  const std::vector<Value>& constants;

  static bool has_constant_operand(Op op) {
    return op == Op::PushConst || (is_fused(op) && fused_form(op) == FusedForm::Const);
  }
  bool same(std::uint32_t i, std::uint32_t j) const {
    if (code[i].bits == code[j].bits) return true;
    return code[i].op() == code[j].op() && has_constant_operand(code[i].op()) && same_constant(code[i].a(), code[j].a());
  }
  bool same_constant(std::uint32_t a, std::uint32_t b) const { return constants[a] == constants[b]; }
  void moved(std::uint32_t, std::uint32_t) const {}
};

class Compiler {
 public:
  Compiler(CompileShared& shared, NameIndex& slots)
      : shared_(shared), program_(shared.program), slots_(slots) {}

  // The fast path: a character-level compiler for the common grammar
  // (ASCII names, integers, plain strings, parentheses, binary operators).
  // It produces exactly the code the general path would, and gives up —
  // rolling back everything it appended — on anything else, including
  // every error, so all messages come from the general path.
  bool fast_expression(std::string_view text) {
    fp_ = text.data();
    fend_ = text.data() + text.size();
    std::size_t constants = program_.constants.size();
    if (fast_run()) {
      fast_done_ = true;
      return true;
    }
    program_.code.resize(start_);
    program_.constants.resize(constants);
    depth_ = 0;
    max_depth_ = 0;
    return false;
  }

  // Compiles one expression string; appends its code to program.code.
  void expression(std::string_view text) {
    lexer_ = Lexer(text);
    advance();
    if (!failed_) parse_level(0);
    if (!failed_ && tok_.kind != TokKind::Eof) {
      fail("unexpected token in expression: " + describe(tok_));
    }
    // The reference lexes the whole string before it parses: a lexical
    // error anywhere is the error, whatever the parser met first.
    while (!lex_failed_ && tok_.kind != TokKind::Eof) advance();
  }

  void call(std::string_view target, const std::vector<std::string_view>& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (i == 0 && names_spawn(target) && is_bare_identifier(args[0])) {
        // As in expressions: spawn's first argument names the proc.
        emit(Instr::make(Op::PushConst, add_constant(Value::string(std::string(trim_spaces(args[0]))))), 1);
        continue;
      }
      if (!sub_expression(args[i])) return;
    }
    emit_call(target, static_cast<std::uint32_t>(args.size()));
  }

  static std::string_view trim_spaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  }

  static bool is_bare_identifier(std::string_view text) {
    std::string_view s = trim_spaces(text);
    if (s.empty() || !(ascii_alpha(s[0]))) return false;
    for (char c : s) {
      if (!ascii_alpha(c) && !ascii_digit(c)) return false;
    }
    return !same(s, "true") && !same(s, "false");
  }

  void parts(const std::vector<std::string_view>& texts, Instr tail, int pops) {
    for (std::string_view t : texts) {
      if (!sub_expression(t)) return;
    }
    emit(tail, 1 - pops);
  }

  CodeRef finish() {
    CodeRef ref;
    if (lex_failed_) {
      program_.code.resize(start_);
      program_.code.push_back(Instr::make(Op::Fail, shared_.intern_text(lex_error_)));
      ref.max_stack = 0;
    } else {
      ref.max_stack = static_cast<std::uint32_t>(max_depth_);
    }
    ref.offset = static_cast<std::uint32_t>(start_);
    ref.length = static_cast<std::uint32_t>(program_.code.size() - start_);
    ref.pure = true;
    // The fast path's grammar has no calls; anything else is checked.
    for (std::size_t i = start_; !fast_done_ && i < program_.code.size(); ++i) {
      if (program_.code[i].op() == Op::Call) ref.pure = false;
    }
    if (ref.pure && !lex_failed_) {
      CompiledOperands operands{program_.code.data() + start_, program_.constants};
      ref.length = fold_code(program_.code.data() + start_, ref.length, operands);
      program_.code.resize(start_ + ref.length);
    }
    return ref;
  }

  void begin() { start_ = program_.code.size(); }

 private:
  // Compiles one of several separate expression strings (the arguments of
  // a Call statement) in place. Each string is lexed on its own, so a lexical
  // error in one becomes a Fail at its place, after the earlier arguments.
  bool sub_expression(std::string_view text) {
    Compiler sub(shared_, slots_);
    sub.begin();
    sub.expression(text);
    if (sub.lex_failed_) {
      program_.code.resize(sub.start_);
      fail(sub.lex_error_);
      return false;
    }
    if (depth_ + sub.max_depth_ > max_depth_) max_depth_ = depth_ + sub.max_depth_;
    if (sub.failed_) {
      failed_ = true;
      return false;
    }
    ++depth_;
    return true;
  }

  // Character classes for the fast path's loops: a table load instead of
  // several range compares per character.
  static constexpr std::uint8_t kNameChar = 1, kSpaceChar = 2, kDigitChar = 4;
  static constexpr std::array<std::uint8_t, 256> kCharClass = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 'a'; c <= 'z'; ++c) t[c] = kNameChar;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = kNameChar;
    t['_'] = kNameChar;
    for (int c = '0'; c <= '9'; ++c) t[c] = kNameChar | kDigitChar;
    t[' '] = kSpaceChar;
    for (int c = 0x09; c <= 0x0d; ++c) t[c] = kSpaceChar;
    return t;
  }();
  static std::uint8_t char_class(char c) { return kCharClass[static_cast<unsigned char>(c)]; }

  // The end of the run of name characters ([A-Za-z0-9_]) from `p`. Names
  // are short and of every length, so a byte loop mispredicts its exit at
  // nearly every name; where 16 bytes remain, one vector compare finds it.
  [[gnu::always_inline]] static const char* name_end(const char* p, const char* end) {
#if defined(__SSE2__)
    while (end - p >= 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      // Letters: ORing 0x20 folds upper case onto lower case and maps no
      // other byte into 'a'..'z'; a range test is an unsigned minimum.
      __m128i letter = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
      __m128i digit = _mm_sub_epi8(v, _mm_set1_epi8('0'));
      __m128i name = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(letter, _mm_set1_epi8(25)), letter),
                                  _mm_cmpeq_epi8(_mm_min_epu8(digit, _mm_set1_epi8(9)), digit));
      name = _mm_or_si128(name, _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
      unsigned stop = ~static_cast<unsigned>(_mm_movemask_epi8(name)) & 0xffffu;
      if (stop != 0) return p + __builtin_ctz(stop);
      p += 16;
    }
#endif
    while (p < end && (char_class(*p) & kNameChar)) ++p;
    return p;
  }

  static bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
  static bool ascii_digit(char c) { return c >= '0' && c <= '9'; }

  // One pass over the text with an explicit stack of pending operators and
  // open parentheses (shunting-yard). For left-associative binary operators
  // this emits exactly what the general path's precedence climbing emits:
  // an operator is emitted when an operator of the same or a lower level,
  // a closing parenthesis or the end follows its right operand.
  bool fast_run() { return fast_scan(fp_, fend_, *this); }

 public:
  // The fast path's grammar, writing through `out`: the Compiler itself
  // (emit, push_int, load_name, push_string below), or a Prescan, which
  // compiles off the builder's thread into a buffer. Sharing the loop is
  // what makes the two produce the same code.
  template <class Out>
  static bool fast_scan(const char*& fp, const char* fend, Out& out) {
    static constexpr std::int8_t kParen = -1;
    struct Pending {
      Op binary;
      std::int8_t level;  // kParen: an open parenthesis
    };
    static constexpr int kStack = 512;  // beyond: the general path
    Pending stack[kStack];
    int top = 0;
    int parens = 0;
    const char* p = fp;
    const char* end = fend;
    auto skip_space = [&] {
      while (p < end && (char_class(*p) & kSpaceChar)) ++p;
    };
    // After an operand or a closing parenthesis: a field access, an index or
    // a non-ASCII character is for the general path.
    auto operand_end_ok = [&] {
      skip_space();
      return p == end || (*p != '.' && *p != '[' && static_cast<unsigned char>(*p) < 0x80);
    };
    while (true) {
      // An operand, after any number of opening parentheses.
      skip_space();
      if (p == end) return false;
      char c = *p;
      if (c == '(') {
        if (parens + 1 > kMaxExpressionNesting || top == kStack) return false;
        ++parens;
        stack[top++] = Pending{Op::Fail, kParen};
        ++p;
        continue;
      }
      if (c == '-' || ascii_digit(c)) {
        bool negative = c == '-';
        if (negative) ++p;
        const char* digits = p;
        std::uint64_t magnitude = 0;
        while (p < end && ascii_digit(*p)) {
          if (p - digits >= 18) return false;  // long literals: the general path checks range
          magnitude = magnitude * 10 + static_cast<std::uint64_t>(*p - '0');
          ++p;
        }
        if (p == digits) return false;
        auto value = static_cast<std::int64_t>(magnitude);
        if (!out.push_int(negative ? -value : value)) return false;
        if (!operand_end_ok()) return false;
      } else if (ascii_alpha(c)) {
        const char* begin = p;
        p = name_end(p, end);
        std::string_view name(begin, static_cast<std::size_t>(p - begin));
        if (p < end && static_cast<unsigned char>(*p) >= 0x80) return false;
        skip_space();
        // Calls, struct literals, paths, fields and indexes: the general path.
        if (p < end && (*p == '(' || *p == '{' || *p == ':' || *p == '.' || *p == '[')) return false;
        if (p < end && static_cast<unsigned char>(*p) >= 0x80) return false;
        if ((c == 't' || c == 'f') && (same(name, "true") || same(name, "false"))) {
          out.emit(Instr::make(Op::PushConst, same(name, "true") ? 1 : 0), 1);
        } else {
          out.load_name(name);
        }
        // The spaces after the name are skipped and what follows checked
        // (what operand_end_ok does for the other operands).
      } else if (c == '"') {
        const char* begin = ++p;
        while (p < end && *p != '"' && *p != '\\') ++p;
        if (p == end || *p != '"') return false;
        if (!out.push_string(std::string_view(begin, static_cast<std::size_t>(p - begin)))) return false;
        ++p;
        if (!operand_end_ok()) return false;
      } else {
        return false;
      }
      // Closing parentheses and the operator after the operand; spaces
      // are already skipped here (each is skipped once: the loops' exits
      // are hard to predict, so every needless call costs).
      while (true) {
        if (p == end) {
          if (parens > 0) return false;
          while (top > 0) out.emit(Instr::make(stack[--top].binary), -1);
          fp = p;
          return true;
        }
        if (*p == ')') {
          if (parens == 0) return false;
          while (stack[top - 1].level != kParen) out.emit(Instr::make(stack[--top].binary), -1);
          --top;
          --parens;
          ++p;
          if (!operand_end_ok()) return false;
          continue;
        }
        if (!ascii_alpha(*p)) return false;
        const char* begin = p;
        p = name_end(p, end);
        if (p < end && static_cast<unsigned char>(*p) >= 0x80) return false;
        OperatorClass op = classify_name(std::string_view(begin, static_cast<std::size_t>(p - begin)));
        if (op.level < 0) return false;  // a trailing name: the general path reports it
        while (top > 0 && stack[top - 1].level >= op.level) out.emit(Instr::make(stack[--top].binary), -1);
        if (top == kStack) return false;
        stack[top++] = Pending{op.binary, op.level};
        break;
      }
    }
  }

 private:
  void advance() {
    std::string error;
    if (!lexer_.next(tok_, error)) {
      lex_failed_ = true;
      lex_error_ = std::move(error);
      failed_ = true;
      tok_.kind = TokKind::Eof;
    }
  }

  // Inline: the fast path emits an instruction for nearly every token.
  [[gnu::always_inline]] void emit(Instr ins, int stack_delta) {
    if (is_binary(ins.op()) && program_.code.size() > start_ && fuse_binary(program_.code.back(), ins)) {
      depth_ += stack_delta;
      return;
    }
    program_.code.push_back(ins);
    depth_ += stack_delta;
    if (depth_ > max_depth_) max_depth_ = depth_;
  }

  void load_name(std::string_view name) { emit(Instr::make(Op::Load, slots_.intern(name)), 1); }

  bool push_string(std::string_view text) {
    emit(Instr::make(Op::PushConst, add_constant(Value::string(std::string(text)))), 1);
    return true;
  }

  void fail(const std::string& message) {
    if (failed_ && !lex_failed_) return;
    failed_ = true;
    program_.code.push_back(Instr::make(Op::Fail, shared_.intern_text(message)));
  }

  bool expect(TokKind kind, const char* name) {
    if (tok_.kind != kind) {
      if (!lex_failed_) fail(std::string("expected ") + name + ", got " + describe(tok_));
      return false;
    }
    advance();
    return !failed_;
  }

  bool push_int(std::int64_t n) {
    if (n >= Instr::kImmMin && n <= Instr::kImmMax) {
      emit(Instr::make_int(static_cast<std::int32_t>(n)), 1);
    } else {
      emit(Instr::make(Op::PushConst, add_constant(Value::integer(n))), 1);
    }
    return true;
  }

  std::uint32_t add_constant(Value v) {
    program_.constants.push_back(std::move(v));
    return static_cast<std::uint32_t>(program_.constants.size() - 1);
  }

  void emit_call(std::string_view target, std::uint32_t argc) {
    std::uint32_t callee = shared_.intern_callee(target);
    program_.callsites.push_back(Callsite{callee, argc});
    emit(Instr::make(Op::Call, static_cast<std::uint32_t>(program_.callsites.size() - 1)),
         1 - static_cast<int>(argc));
  }

  // Precedence climbing over the binary levels (0 = Or ... 5 = Mul/Div),
  // all left-associative: operands are emitted before their operator, the
  // order in which the reference evaluates them.
  void parse_level(int min_level) {
    parse_postfix();
    while (!failed_ && tok_.kind == TokKind::Ident && tok_.level >= min_level) {
      Op op = tok_.binary;
      int level = tok_.level;
      advance();
      if (failed_) return;
      parse_level(level + 1);
      if (failed_) return;
      emit(Instr::make(op), -1);
    }
  }

  void parse_postfix() {
    parse_primary();
    while (!failed_) {
      if (tok_.kind == TokKind::Dot) {
        advance();
        if (failed_) return;
        if (tok_.kind != TokKind::Ident) { fail("expected identifier, got " + describe(tok_)); return; }
        emit(Instr::make(Op::Field, shared_.intern_text(tok_.text)), 0);
        advance();
      } else if (tok_.kind == TokKind::LBracket) {
        advance();
        if (failed_) return;
        nested([&] { parse_level(0); });
        if (failed_) return;
        if (!expect(TokKind::RBracket, "RBracket")) return;
        emit(Instr::make(Op::Index), -1);
      } else {
        return;
      }
    }
  }

  template <class F>
  void nested(F&& f) {
    if (++nesting_ > kMaxExpressionNesting) {
      fail("expression nesting too deep (limit " + std::to_string(kMaxExpressionNesting) + ")");
      return;
    }
    f();
    --nesting_;
  }

  static bool names_spawn(std::string_view path) {
    return same(path, "spawn") || same(path, "threading.spawn") || same(path, "dustlib_k::threading::spawn");
  }

  // At `.`: whether `name (` follows, making `a.name(` a qualified call
  // rather than a field access.
  bool dotted_call_follows() const {
    Lexer ahead = lexer_;
    Token name, paren;
    std::string error;
    if (!ahead.next(name, error) || name.kind != TokKind::Ident) return false;
    if (!ahead.next(paren, error)) return false;
    return paren.kind == TokKind::LParen;
  }

  // Whether the current token is an identifier standing alone as an argument.
  bool bare_identifier_argument() const {
    if (tok_.kind != TokKind::Ident) return false;
    Lexer ahead = lexer_;
    Token next;
    std::string error;
    if (!ahead.next(next, error)) return false;
    return next.kind == TokKind::Comma || next.kind == TokKind::RParen;
  }

  // Parses `( a, b, ... )` after the opening paren has been consumed.
  bool parse_list(TokKind close, const char* close_name, std::uint32_t& count) {
    count = 0;
    if (tok_.kind == close) { advance(); return !failed_; }
    return parse_list_items(close, close_name, count);
  }

  // Parses `a, b, ... )`: at least one item, then the closing token.
  bool parse_list_items(TokKind close, const char* close_name, std::uint32_t& count) {
    while (true) {
      nested([&] { parse_level(0); });
      if (failed_) return false;
      ++count;
      if (tok_.kind == TokKind::Comma) {
        advance();
        if (failed_) return false;
        continue;
      }
      return expect(close, close_name);
    }
  }

  void parse_primary() {
    Token t = std::move(tok_);
    switch (t.kind) {
      case TokKind::Int: advance(); push_int(t.number); return;
      case TokKind::Bool: advance(); emit(Instr::make(Op::PushConst, t.number ? 1 : 0), 1); return;
      case TokKind::Str:
        advance();
        emit(Instr::make(Op::PushConst, add_constant(Value::string(std::move(t.str)))), 1);
        return;
      case TokKind::LParen:
        advance();
        if (failed_) return;
        nested([&] { parse_level(0); });
        if (failed_) return;
        expect(TokKind::RParen, "RParen");
        return;
      case TokKind::LBracket: {
        advance();
        if (failed_) return;
        std::uint32_t count = 0;
        if (!parse_list(TokKind::RBracket, "RBracket", count)) return;
        emit(Instr::make(Op::MakeArray, count), 1 - static_cast<int>(count));
        return;
      }
      case TokKind::Ident: advance(); parse_identifier(t.text); return;
      default:
        // Like the reference, the offending token is consumed first.
        tok_ = std::move(t);
        fail("unexpected token in expression: " + describe(tok_));
        return;
    }
  }

  void parse_identifier(std::string_view name) {
    if (failed_) {
      // Lexing failed right after the identifier; the Fail is already placed.
      return;
    }
    std::string path(name);
    if (tok_.kind == TokKind::Colon) {
      // dustlib_k::module::name
      while (tok_.kind == TokKind::Colon) {
        advance();
        if (failed_) return;
        if (!expect(TokKind::Colon, "Colon")) return;
        if (tok_.kind != TokKind::Ident) { fail("expected identifier, got " + describe(tok_)); return; }
        path += "::";
        path += tok_.text;
        advance();
        if (failed_) return;
      }
      if (tok_.kind != TokKind::LParen) { fail("expected LParen, got " + describe(tok_)); return; }
    }
    if (tok_.kind == TokKind::Dot && path.find("::") == std::string::npos && dotted_call_follows()) {
      // module.name(...): an intrinsic named with its module.
      advance();
      path += ".";
      path += tok_.text;
      advance();
      if (failed_) return;
    }
    if (tok_.kind == TokKind::LParen) {
      advance();
      if (failed_) return;
      if (same(path, "Not") || same(path, "Neg")) {
        nested([&] { parse_level(0); });
        if (failed_) return;
        if (!expect(TokKind::RParen, "RParen")) return;
        emit(Instr::make(same(path, "Not") ? Op::Not : Op::Neg), 0);
        return;
      }
      std::uint32_t argc = 0;
      if (names_spawn(path) && bare_identifier_argument()) {
        // spawn(worker, ...) names the proc to run: the identifier is the
        // proc's name, not a variable to look up.
        emit(Instr::make(Op::PushConst, add_constant(Value::string(std::string(tok_.text)))), 1);
        advance();
        if (failed_) return;
        argc = 1;
        if (tok_.kind == TokKind::Comma) {
          advance();
          if (failed_) return;
          std::uint32_t rest = 0;
          if (!parse_list_items(TokKind::RParen, "RParen", rest)) return;
          argc += rest;
        } else if (!expect(TokKind::RParen, "RParen")) {
          return;
        }
      } else if (!parse_list(TokKind::RParen, "RParen", argc)) {
        return;
      }
      emit_call(path, argc);
      return;
    }
    if (tok_.kind == TokKind::LBrace) {
      parse_struct_literal(path);
      return;
    }
    emit(Instr::make(Op::Load, slots_.intern(name)), 1);
  }

  void parse_struct_literal(const std::string& type) {
    advance();
    if (failed_) return;
    StructShape shape;
    shape.type = type;
    if (tok_.kind == TokKind::RBrace) {
      advance();
    } else {
      while (true) {
        if (tok_.kind != TokKind::Ident) { fail("expected identifier, got " + describe(tok_)); return; }
        shape.fields.emplace_back(tok_.text);
        advance();
        if (failed_) return;
        if (!expect(TokKind::Colon, "Colon")) return;
        nested([&] { parse_level(0); });
        if (failed_) return;
        if (tok_.kind == TokKind::Comma) {
          advance();
          if (failed_) return;
          continue;
        }
        if (!expect(TokKind::RBrace, "RBrace")) return;
        break;
      }
    }
    if (failed_) return;
    auto count = static_cast<int>(shape.fields.size());
    program_.shapes.push_back(std::move(shape));
    emit(Instr::make(Op::MakeStruct, static_cast<std::uint32_t>(program_.shapes.size() - 1)), 1 - count);
  }

  CompileShared& shared_;
  Program& program_;
  NameIndex& slots_;
  Lexer lexer_{std::string_view()};
  Token tok_;
  bool failed_ = false;
  bool lex_failed_ = false;
  std::string lex_error_;
  std::size_t start_ = 0;
  int depth_ = 0;
  int max_depth_ = 0;
  int nesting_ = 0;
  const char* fp_ = nullptr;   // fast path cursor
  const char* fend_ = nullptr;
  bool fast_done_ = false;  // the fast path compiled the expression
};

// The fast path's output for a Prescanned expression: the code goes to a
// small local array, and a name becomes a Load whose operand is the name's
// ordinal in the expression, to be replaced by its slot when the builder
// interns the names. Anything that would touch the program (a constant)
// gives up, and so does an expression of more than kMax instructions.
class Prescan {
 public:
  static constexpr std::size_t kMax = 64;  // Prescanned::name_operands has a bit per instruction

  [[gnu::always_inline]] void emit(Instr ins, int stack_delta) {
    if (is_binary(ins.op()) && count_ > 0 && fuse_binary(code_[count_ - 1], ins)) {
      depth_ += stack_delta;
      return;
    }
    if (count_ == kMax) {
      overflow_ = true;
      return;
    }
    code_[count_++] = ins;
    depth_ += stack_delta;
    if (depth_ > max_depth_) max_depth_ = depth_;
  }

  void load_name(std::string_view name) {
    if (count_ == kMax) {
      overflow_ = true;
      return;
    }
    name_operands_ |= std::uint64_t{1} << count_;
    names_[names_count_] = Name{name.data(), name.size()};
    emit(Instr::make(Op::Load, names_count_++), 1);
  }

  bool push_int(std::int64_t n) {
    if (n < Instr::kImmMin || n > Instr::kImmMax) return false;
    emit(Instr::make_int(static_cast<std::int32_t>(n)), 1);
    return true;
  }

  bool push_string(std::string_view) { return false; }

  // Folds the code as compile_expression would and appends the result to
  // `buffer`; false if the scan overflowed.
  bool finish(PrescanBuffer& buffer, Prescanned& out) {
    if (overflow_) return false;
    PrescannedOperands operands{*this};
    count_ = fold_code(code_, count_, operands);
    if (operands.rewrote) name_operands_ = operands.name_operands;
    out.code_begin = static_cast<std::uint32_t>(buffer.code.size());
    out.code_count = count_;
    out.names_begin = static_cast<std::uint32_t>(buffer.names.size());
    out.names_count = names_count_;
    out.max_stack = static_cast<std::uint32_t>(max_depth_);
    out.name_operands = name_operands_;
    buffer.code.insert(buffer.code.end(), code_, code_ + count_);
    for (std::uint32_t i = 0; i < names_count_; ++i) buffer.names.emplace_back(names_[i].data, names_[i].size);
    return true;
  }

 private:
  // Left uninitialized (a string_view array would be zeroed, a kilobyte
  // per expression): only the first count_ and names_count_ are read.
  struct Name {
    const char* data;
    std::size_t size;
  };

  // fold_code's view of prescanned code: an operand marked in
  // name_operands_ is a name ordinal, and two of them are the same when
  // they spell the same name. Prescanned code has no constants. The marks
  // follow the instructions as folding moves them.
  struct PrescannedOperands {
    const Prescan& scan;
    std::uint64_t name_operands = 0;
    bool rewrote = false;

    bool is_name(std::uint32_t i) const { return (scan.name_operands_ >> i) & 1; }
    bool same(std::uint32_t i, std::uint32_t j) const {
      const Instr a = scan.code_[i], b = scan.code_[j];
      if (is_name(i) != is_name(j) || a.op() != b.op()) return false;
      if (!is_name(i)) return a.bits == b.bits;
      const Name& x = scan.names_[a.a()];
      const Name& y = scan.names_[b.a()];
      return x.size == y.size && std::memcmp(x.data, y.data, x.size) == 0;
    }
    bool same_constant(std::uint32_t, std::uint32_t) const { return false; }
    void moved(std::uint32_t from, std::uint32_t to) {
      rewrote = true;
      if (is_name(from)) name_operands |= std::uint64_t{1} << to;
    }
  };
  Instr code_[kMax];
  Name names_[kMax];
  std::uint32_t count_ = 0;
  std::uint32_t names_count_ = 0;
  std::uint64_t name_operands_ = 0;
  int depth_ = 0;
  int max_depth_ = 0;
  bool overflow_ = false;
};

}  // namespace

bool prescan_expression(std::string_view text, PrescanBuffer& buffer, Prescanned& out) {
  out = Prescanned{};
  Prescan prescan;
  const char* p = text.data();
  out.ok = Compiler::fast_scan(p, text.data() + text.size(), prescan) && prescan.finish(buffer, out);
  return out.ok;
}

CodeRef compile_prescanned(const PrescanBuffer& buffer, const Prescanned& pre, NameIndex& slots, Program& program) {
  // Names are interned in the order the fast path would meet them, so the
  // slots are the ones compile_expression would give.
  std::uint32_t slot_of[Prescan::kMax];
  for (std::uint32_t i = 0; i < pre.names_count; ++i) slot_of[i] = slots.intern(buffer.names[pre.names_begin + i]);
  std::vector<Instr>& code = program.code;
  CodeRef ref;
  ref.offset = static_cast<std::uint32_t>(code.size());
  ref.length = pre.code_count;
  ref.max_stack = pre.max_stack;
  ref.pure = true;  // the fast path's grammar has no calls
  const Instr* from = buffer.code.data() + pre.code_begin;
  code.insert(code.end(), from, from + pre.code_count);
  Instr* to = code.data() + ref.offset;
  for (std::uint64_t mask = pre.name_operands; mask != 0; mask &= mask - 1) {
    Instr& ins = to[__builtin_ctzll(mask)];
    ins = Instr{(ins.bits & 0xffu) | (slot_of[ins.a()] << 8)};
  }
  return ref;
}

CodeRef compile_expression(std::string_view text, CompileShared& shared, NameIndex& slots) {
  Compiler c(shared, slots);
  c.begin();
  if (!c.fast_expression(text)) c.expression(text);
  return c.finish();
}

CodeRef compile_expression_general(std::string_view text, CompileShared& shared, NameIndex& slots) {
  Compiler c(shared, slots);
  c.begin();
  c.expression(text);
  return c.finish();
}

CodeRef compile_call(std::string_view target, const std::vector<std::string_view>& args,
                     CompileShared& shared, NameIndex& slots) {
  Compiler c(shared, slots);
  c.begin();
  c.call(target, args);
  return c.finish();
}

CodeRef compile_parts(const std::vector<std::string_view>& parts, Instr tail, int tail_pops,
                      CompileShared& shared, NameIndex& slots) {
  Compiler c(shared, slots);
  c.begin();
  c.parts(parts, tail, tail_pops);
  return c.finish();
}

}  // namespace dust
