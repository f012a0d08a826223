// step_codec.cpp — encoding and decoding step deltas (see step_codec.hpp).
#include "step_codec.hpp"

#include <algorithm>

namespace dust::rec {

using namespace codec;

namespace {

std::uint64_t usual_tick(StepKind kind) { return kind == StepKind::Statement || kind == StepKind::Check ? 1 : 0; }

// Statements are coded as stmt + 1 so that kNoStmt is 0.
std::int64_t stmt_code(std::uint32_t stmt) { return static_cast<std::int64_t>(static_cast<std::uint32_t>(stmt + 1u)); }

bool waits(ThreadState s) { return s == ThreadState::Blocked || s == ThreadState::Sleeping; }

template <class Writer>
void encode_value_body(Writer& w, const Value& v) {
  switch (v.tag()) {
    case ValueTag::Unbound:
    case ValueTag::Unit: break;
    case ValueTag::Int: w.svarint(v.as_int()); break;
    case ValueTag::Bool: w.u8(v.as_bool() ? 1 : 0); break;
    case ValueTag::String: w.bytes(v.as_string()); break;
    case ValueTag::Struct:
      w.bytes(v.struct_type());
      w.varint(v.struct_fields().size());
      for (const auto& [name, field] : v.struct_fields()) {
        w.bytes(name);
        encode_value(w, field);
      }
      break;
    case ValueTag::Array:
      w.varint(v.array_items().size());
      for (const Value& item : v.array_items()) encode_value(w, item);
      break;
  }
}

bool decode_value_body(ByteReader& in, ValueTag tag, Value& out, int depth) {
  switch (tag) {
    case ValueTag::Unbound: out = Value(); return true;
    case ValueTag::Unit: out = Value::unit(); return true;
    case ValueTag::Int: out = Value::integer(in.svarint()); return in.ok();
    case ValueTag::Bool: {
      std::uint8_t b = in.u8();
      if (b > 1) return false;
      out = Value::boolean(b != 0);
      return in.ok();
    }
    case ValueTag::String: {
      std::string s = in.bytes();
      if (!in.ok()) return false;
      out = Value::string(std::move(s));
      return true;
    }
    case ValueTag::Struct: {
      std::string type = in.bytes();
      std::uint64_t n = in.varint();
      if (!in.ok() || n > in.remaining()) return false;
      std::vector<std::pair<std::string, Value>> fields;
      fields.reserve(static_cast<std::size_t>(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        std::string name = in.bytes();
        Value field;
        if (!in.ok() || !decode_value(in, field, depth + 1)) return false;
        fields.emplace_back(std::move(name), std::move(field));
      }
      out = Value::structure(std::move(type), std::move(fields));
      return true;
    }
    case ValueTag::Array: {
      std::uint64_t n = in.varint();
      if (!in.ok() || n > in.remaining()) return false;
      std::vector<Value> items;
      items.reserve(static_cast<std::size_t>(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        Value item;
        if (!decode_value(in, item, depth + 1)) return false;
        items.push_back(std::move(item));
      }
      out = Value::array(std::move(items));
      return true;
    }
  }
  return false;
}

}  // namespace

void encode_value(ByteWriter& w, const Value& v) {
  w.u8(static_cast<std::uint8_t>(v.tag()));
  encode_value_body(w, v);
}

void encode_value(BufferWriter& w, const Value& v) {
  w.u8(static_cast<std::uint8_t>(v.tag()));
  encode_value_body(w, v);
}

bool decode_value(ByteReader& in, Value& out, int depth) {
  if (depth > kMaxValueDepth) return false;
  std::uint8_t tag = in.u8();
  if (!in.ok() || tag > static_cast<std::uint8_t>(ValueTag::Array)) return false;
  return decode_value_body(in, static_cast<ValueTag>(tag), out, depth);
}

// ---- StateTracker ----

void StateTracker::resync(const Machine& machine) {
  threads_.clear();
  sleeping_ = 0;
  for (const Thread& t : machine.threads) {
    threads_.push_back(ThreadShadow{t.state, t.wait.kind, t.wait.id});
    if (t.state == ThreadState::Sleeping) ++sleeping_;
  }
  mutexes_.clear();
  for (const MutexState& m : machine.k.mutexes) mutexes_.push_back(MutexShadow{m.owner, m.waiters});
}

void StateTracker::wait_text(const WaitInfo& wait, std::string& out) {
  constexpr std::size_t kRemembered = 16;
  if (wait.kind != WaitKind::Mutex || !wait.description.empty() || wait.holder < 0) {
    out = wait.text();
    return;
  }
  for (const MutexWaitText& known : wait_texts_) {
    if (known.id == wait.id && known.holder == wait.holder) {
      out = known.text;
      return;
    }
  }
  if (wait_texts_.size() == kRemembered) wait_texts_.erase(wait_texts_.begin());
  wait_texts_.push_back(MutexWaitText{wait.id, wait.holder, wait.text()});
  out = wait_texts_.back().text;
}

void StateTracker::compare_thread(const Machine& machine, std::uint32_t tid) {
  const Thread& t = machine.threads[tid];
  bool is_new = tid >= threads_.size();
  if (is_new) threads_.resize(tid + 1);
  ThreadShadow& shadow = threads_[tid];
  if (!is_new && shadow.state == t.state && shadow.wait_kind == t.wait.kind && shadow.wait_id == t.wait.id) return;
  if (!is_new && shadow.state == ThreadState::Sleeping) --sleeping_;
  if (t.state == ThreadState::Sleeping) ++sleeping_;
  shadow = ThreadShadow{t.state, t.wait.kind, t.wait.id};
  ThreadChange& change = next(thread_changes_, thread_count_);
  change.thread = tid;
  change.state = t.state;
  change.wait_kind = t.wait.kind;
  change.wait_id = t.wait.id;
  if (waits(t.state)) {
    wait_text(t.wait, change.wait);
  } else {
    change.wait.clear();
  }
}

void StateTracker::observe(const Machine& machine, const StepEvent& event) {
  thread_count_ = 0;
  mutex_count_ = 0;
  auto count = static_cast<std::uint32_t>(machine.threads.size());
  // Another thread's state, and a mutex's, can only change through a
  // library call other than a memory read or write (a Load or a Store
  // waits for nobody and wakes nobody), a wake-up by time, a thread
  // appearing or a step other than a statement, a check or a retry that
  // blocked again (a Blocked step without library events: the lock or
  // join it waits for is as it was); anything else can only touch the
  // thread that ran.
  bool sync = false;
  for (const LibEvent& lib : event.lib) {
    sync |= lib.kind != LibEventKind::MemRead && lib.kind != LibEventKind::MemWrite;
  }
  const bool retry = event.kind == StepKind::Blocked && event.lib.empty();
  bool everyone = count != threads_.size() || sync || sleeping_ > 0 ||
                  (event.kind != StepKind::Statement && event.kind != StepKind::Check && !retry);
  if (everyone) {
    // Most threads did not change: that test here, without a call, over
    // the threads both lists hold (compare_thread may grow threads_ only
    // past them); then the threads that are new.
    const auto known = static_cast<std::uint32_t>(std::min<std::size_t>(count, threads_.size()));
    const Thread* const current = machine.threads.data();
    for (std::uint32_t tid = 0; tid < known; ++tid) {
      const Thread& t = current[tid];
      const ThreadShadow& shadow = threads_[tid];
      if (shadow.state == t.state && shadow.wait_kind == t.wait.kind && shadow.wait_id == t.wait.id) continue;
      compare_thread(machine, tid);
    }
    for (std::uint32_t tid = known; tid < count; ++tid) compare_thread(machine, tid);
  } else if (event.thread < count) {
    const Thread& t = machine.threads[event.thread];
    const ThreadShadow& shadow = threads_[event.thread];
    if (shadow.state != t.state || shadow.wait_kind != t.wait.kind || shadow.wait_id != t.wait.id) {
      compare_thread(machine, event.thread);
    }
  }
  if (!sync) return;
  const std::vector<MutexState>& current = machine.k.mutexes;
  for (std::size_t i = 0; i < current.size(); ++i) {
    bool is_new = i >= mutexes_.size();
    if (is_new) mutexes_.resize(i + 1);
    MutexShadow& shadow = mutexes_[i];
    if (!is_new && shadow.owner == current[i].owner && shadow.waiters == current[i].waiters) continue;
    shadow.owner = current[i].owner;
    shadow.waiters = current[i].waiters;
    MutexChange& change = next(mutex_changes_, mutex_count_);
    change.id = current[i].id;
    change.owner = current[i].owner;
    change.waiters = current[i].waiters;
  }
}

// ---- StepPredictor ----

StepPredictor::StepPredictor(const Program& program, const CodecContext& context)
    : resumes_after_block_(context.version >= 3),
      forecast(context.forecasts_threads(), context.seed, context.schedule),
      predicts_lib(context.version >= 3),
      compact_changes(context.version >= 3),
      echoes(context.version >= 3),
      program_(program),
      max_copied_bytes_(context.max_copied_bytes) {
  stmt_proc_.assign(program.stmts.size(), 0);
  for (const Block& b : program.blocks) {
    for (std::uint32_t i = 0; i < b.count && b.first + i < stmt_proc_.size(); ++i) stmt_proc_[b.first + i] = b.proc;
  }
  std::uint32_t total = 0;
  for (const Proc& p : program.procs) {
    slot_base_.push_back(total);
    slot_count_.push_back(p.slot_count());
    total += p.slot_count();
  }
  int_slots_.resize(total + 1);
  successor_.resize(program.stmts.size() + 1);
}

void StepPredictor::reset() {
  if (++generation_ == 0) {
    // The generation counter wrapped: old stamps could look current again.
    std::fill(int_slots_.begin(), int_slots_.end(), IntSlot{});
    std::fill(successor_.begin(), successor_.end(), std::pair<std::uint32_t, std::uint32_t>{0, 0});
    threads_.clear();
    lib_templates_.clear();
    echo_.clear();
    lib_cache_.fill(LibCache{});
    echo_cache_.fill(EchoCache{});
    for (MutexLast& m : small_mutexes_) m.generation = 0;
    small_waits_.fill(SmallWait{});
    generation_ = 1;
  }
  previous_thread = kNoThread;
  mutex_last.clear();
  wait_last.clear();
  wait_text_last.clear();
  strings.clear();
  string_ids.clear();
  copied_bytes_ = 0;
}

// ---- StepEncoder ----

namespace {

// Periods longer than this are encoded step by step: finding them would
// cost more per step than copying saves.
constexpr std::uint32_t kMaxPeriod = 16;

// What identifies a simple step's statement and kind (see step_key).
std::uint64_t step_word(const SimpleStep& step) {
  std::uint64_t word;
  std::memcpy(&word, &step, sizeof word);
  return word;
}

// Whether any step of steps[from, to) differs from the step `back` earlier
// in its bytes (see repeat_periods). The recorder's hottest loop in a
// loop's recording: built twice, and the AVX2 build, four steps a pass
// where SSE2 takes two, is the one a processor that has it runs.
[[gnu::target_clones("avx2", "default")]] bool periods_differ(const SimpleStep* steps, std::uint32_t from,
                                                                std::uint32_t to, std::ptrdiff_t back) {
  std::uint64_t bits = 0;
  for (const SimpleStep* s = steps + from; s < steps + to; ++s) {
    const auto x0 = static_cast<std::uint64_t>(s->value);
    const auto x1 = static_cast<std::uint64_t>(s[-back].value);
    const auto x2 = static_cast<std::uint64_t>(s[-2 * back].value);
    const auto x3 = static_cast<std::uint64_t>(s[-3 * back].value);
    bits |= (step_word(*s) ^ step_word(s[-back])) | (x0 - x3 + 3 * (x2 - x1));
  }
  return bits != 0;
}

}  // namespace

std::uint32_t StepEncoder::repeating_period(const SimpleStepBatch& batch, std::uint32_t from, std::uint32_t to) const {
  const SimpleStep* steps = batch.steps + from;
  const std::uint32_t n = to - from;
  std::uint32_t period = 1;
  while (period <= kMaxPeriod && period < n && steps[period].stmt != steps[0].stmt) ++period;
  // Three periods encoded one by one, then at least two more to copy.
  if (period > kMaxPeriod || n < 5 * period) return 0;
  for (std::uint32_t k = 0; k < 2 * period; ++k) {
    if (step_word(steps[k]) != step_word(steps[k + period])) return 0;
  }
  // No statement twice in a period: then each follows the same statement
  // in every period, and every step of a repeat is plain as its model was.
  // No Int slot written twice: then the write before a step's own is the
  // one a period earlier, which the copy's check relies on.
  for (std::uint32_t a = 0; a < period; ++a) {
    if (steps[a].stmt + 1u >= simple_stmts_.size()) return 0;
    for (std::uint32_t b = a + 1; b < period; ++b) {
      if (steps[a].stmt == steps[b].stmt) return 0;
      if (steps[a].wrote && steps[b].wrote &&
          simple_stmts_[steps[a].stmt + 1u].int_slot == simple_stmts_[steps[b].stmt + 1u].int_slot) {
        return 0;
      }
    }
  }
  return period;
}

StepEncoder::Repeats StepEncoder::repeat_periods(const SimpleStepBatch& batch, std::uint32_t i, std::uint32_t to,
                                                 std::uint32_t period, const char* last_period, char* bytes) {
  const SimpleStep* const steps = batch.steps;
  // A step's bytes are those of the step a period earlier when it runs the
  // same statement the same way and, if it writes, with the same delta of
  // deltas: x[k] - 2x[k-p] + x[k-2p] = x[k-p] - 2x[k-2p] + x[k-3p], in the
  // encoder's wrapping arithmetic. A step that writes nothing has value 0,
  // so one test without branches covers every step of a period.
  const auto back = static_cast<std::ptrdiff_t>(period);
  auto differs = [&](std::uint32_t from, std::uint32_t to_step) { return periods_differ(steps, from, to_step, back); };
  // Usually every whole period left repeats, and one pass over them all
  // says so; otherwise the first that does not is looked for.
  std::uint32_t end = i + (to - i) / period * period;
  if (differs(i, end)) {
    std::uint32_t same = i;
    while (same < end && !differs(same, same + period)) same += period;
    end = same;
  }
  if (end == i) return {i, bytes};
  // The repeats are the last period's bytes over and over: each copy
  // doubles what is there to copy from.
  const auto length = static_cast<std::size_t>(bytes - last_period);
  const std::size_t total = static_cast<std::size_t>((end - i) / period) * length;
  for (std::size_t done = 0; done < total;) {
    const std::size_t n = std::min(done + length, total - done);
    std::memcpy(bytes + done, last_period, n);
    done += n;
  }
  // The Int slots as the last period's writes left them.
  for (std::uint32_t k = end - period; k < end; ++k) {
    if (!steps[k].wrote) continue;
    StepPredictor::IntSlot& s = predictor_.int_slots_[simple_stmts_[steps[k].stmt + 1u].int_slot];
    s.last = steps[k].value;
    s.delta = codec::wrapping_sub(steps[k].value, steps[k - period].value);
  }
  return {end, bytes + total};
}

void expand_simple_step(const Program& program, const SimpleStepBatch& batch, std::uint32_t i, StepEvent& event) {
  const SimpleStep& step = batch.steps[i];
  event.reset();
  event.index = batch.first_index + i;
  event.thread = batch.thread;
  event.proc = batch.proc;
  event.stmt = step.stmt;
  event.depth = batch.depth;
  event.tick_before = batch.first_tick + i;
  event.tick = event.tick_before + 1;
  event.kind = step.kind;
  if (step.wrote) {
    std::uint32_t slot = step.stmt < program.stmts.size() ? program.stmts[step.stmt].slot : kNoSlot;
    event.writes.push_back(BindingWrite{batch.depth, slot, Value(), Value::integer(step.value)});
  }
}

StepEncoder::StepEncoder(const Program& program, const CodecContext& context)
    : program_(program), predictor_(program, context) {
  const StepPredictor& p = predictor_;
  auto overflow = static_cast<std::uint32_t>(p.int_slots_.size() - 1);
  simple_stmts_.resize(program.stmts.size() + 1);
  simple_stmts_[0].proc = 0xffffffffu;
  for (std::size_t i = 0; i < program.stmts.size(); ++i) {
    std::uint32_t proc = p.stmt_proc_[i];
    std::uint32_t slot = program.stmts[i].slot;
    bool own = proc < p.slot_base_.size() && slot < p.slot_count_[proc];
    simple_stmts_[i + 1].proc = proc;
    simple_stmts_[i + 1].int_slot = own ? p.slot_base_[proc] + slot : overflow;
  }
}

void StepEncoder::begin_block(const Machine& machine) {
  predictor_.reset();
  predictor_.forecast.begin_block(machine);
  tracker_.resync(machine);
}

void StepEncoder::put_string(BufferWriter& w, const std::string& s) {
  auto it = predictor_.string_ids.find(s);
  const bool known = it != predictor_.string_ids.end();
  if (known && predictor_.afford_copy(s.size())) {
    w.varint(it->second + 1);
    return;
  }
  w.varint(0);
  w.bytes(s);
  // A known string written out again keeps its first id; the decoder adds
  // every string written out to its table, so the table grows here too.
  if (!known) predictor_.string_ids.emplace(s, static_cast<std::uint32_t>(predictor_.strings.size()));
  predictor_.strings.push_back(s);
}

void StepEncoder::put_write(BufferWriter& w, const StepEvent& event, const BindingWrite& write, bool more) {
  const Value& v = write.new_value;
  bool predicted = predictor_.slot_predicted(event, write);
  auto byte = static_cast<std::uint8_t>(v.tag());
  if (predicted) byte |= kSlotPredicted;
  if (more) byte |= kMoreWrites;
  std::int64_t payload = 0;
  IntMode mode = kIntAbsolute;
  StepPredictor::IntSlot& s = predictor_.int_slot(event, write.frame, write.slot);
  if (s.filter_generation != predictor_.generation() || s.filter_thread != event.thread || predictor_.is_overflow(s)) {
    add_new_key(s, event, write.slot);
  }
  if (v.is_int()) {
    std::int64_t x = v.as_int();
    if (predictor_.live(s)) {
      std::int64_t dd = wrapping_sub(x, wrapping_add(s.last, s.delta));
      mode = dd == 0 ? kIntAsPredicted : kIntDeltaOfDelta;
      payload = dd;
      s.delta = wrapping_sub(x, s.last);
    } else {
      payload = x;
      s.delta = 0;
    }
    s.last = x;
    predictor_.touch(s);
    byte |= static_cast<std::uint8_t>(mode << kModeShift);
  } else if (v.is_bool()) {
    if (v.as_bool()) byte |= 1u << kModeShift;
  }
  w.u8(byte);
  if (!predicted) {
    w.svarint(static_cast<std::int64_t>(event.depth) - static_cast<std::int64_t>(write.frame));
    w.varint(write.slot);
  }
  switch (v.tag()) {
    case ValueTag::Int:
      if (mode != kIntAsPredicted) w.svarint(payload);
      break;
    case ValueTag::Bool:
    case ValueTag::Unit:
    case ValueTag::Unbound: break;
    default: encode_value_body(w, v); break;
  }
}

void StepEncoder::put_lib(BufferWriter& w, const StepEvent& event, const LibEvent& lib, bool first) {
  std::uint8_t slot = 2;
  StepPredictor::LibTemplates* templates = first ? &predictor_.lib_templates(event.stmt) : nullptr;
  const StepPredictor::LibTemplate* t = templates ? predictor_.lib_template(*templates, lib.kind, slot) : nullptr;
  std::uint8_t byte = 0;
  if (!lib.text.empty()) byte |= kLibHasText;
  if (!lib.data.empty()) byte |= kLibHasData;
  std::int64_t c_delta = lib.c;
  if (t != nullptr) {
    byte |= kLibKindAsTemplate;
    if (slot == 1) byte |= kLibSecondTemplate;
    if (lib.a == t->a) byte |= kLibAAsTemplate;
    if (lib.b == t->b) byte |= kLibBAsTemplate;
    c_delta = wrapping_sub(lib.c, wrapping_add(t->c, t->dc));
    if (c_delta == 0) byte |= kLibCAsPredicted;
  }
  w.u8(byte);
  if (!(byte & kLibKindAsTemplate)) w.u8(static_cast<std::uint8_t>(lib.kind));
  if (!(byte & kLibAAsTemplate)) w.svarint(lib.a);
  if (!(byte & kLibBAsTemplate)) w.svarint(lib.b);
  if (!(byte & kLibCAsPredicted)) w.svarint(c_delta);
  if (byte & kLibHasText) w.bytes(lib.text);
  if (byte & kLibHasData) w.bytes(lib.data);
  if (templates != nullptr) predictor_.learn_lib(*templates, slot, lib);
}

namespace {

// Whether the thread changes are exactly the woken waiters (kWokeTheWaiters).
bool woke_the_waiters(const StepPredictor& p, std::span<const ThreadChange> changes) {
  if (!p.has_woken || p.woken.empty() || changes.size() != p.woken.size()) return false;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const ThreadChange& c = changes[i];
    if (c.thread != p.woken[i] || c.state != ThreadState::Runnable || c.wait_kind != WaitKind::None ||
        c.wait_id != 0 || !c.wait.empty()) {
      return false;
    }
  }
  return true;
}

}  // namespace

void StepEncoder::put_changes(BufferWriter& w, const StepEvent& event) {
  const std::span<const ThreadChange> thread_changes = tracker_.threads();
  const std::span<const MutexChange> mutex_changes = tracker_.mutexes();
  w.varint(mutex_changes.size());
  predictor_.has_woken = false;
  for (std::size_t i = 0; i < mutex_changes.size(); ++i) put_mutex_change(w, event, mutex_changes[i], i == 0);
  if (woke_the_waiters(predictor_, thread_changes) &&
      predictor_.afford_copy(predictor_.woken.size() * kCopiedThreadIdBytes)) {
    w.varint(kWokeTheWaiters);
    return;
  }
  w.varint(thread_changes.size() * 2);
  for (const ThreadChange& c : thread_changes) put_thread_change(w, event, c);
}

void StepEncoder::put_thread_change(BufferWriter& w, const StepEvent& event, const ThreadChange& c) {
  auto byte = static_cast<std::uint8_t>(c.state);
  if (c.thread == event.thread) byte |= kChangeSelf;
  if (!waits(c.state)) {
    w.u8(byte);
    if (!(byte & kChangeSelf)) w.varint(c.thread);
    return;
  }
  const StepPredictor::Wait wait{c.wait_kind, c.wait_id};
  const StepPredictor::Wait* last = predictor_.wait_last_of(c.thread);
  if (last != nullptr && *last == wait) byte |= kChangeSameWait;
  std::string& text = predictor_.wait_text_last[wait];
  if (text == c.wait && !text.empty() && predictor_.afford_copy(text.size())) byte |= kChangeSameText;
  w.u8(byte);
  if (!(byte & kChangeSelf)) w.varint(c.thread);
  if (!(byte & kChangeSameWait)) {
    w.u8(static_cast<std::uint8_t>(c.wait_kind));
    w.svarint(c.wait_id);
  }
  if (!(byte & kChangeSameText)) {
    put_string(w, c.wait);
    text = c.wait;
  }
  predictor_.set_wait_last(c.thread, wait);
}

void StepEncoder::put_mutex_change(BufferWriter& w, const StepEvent& event, const MutexChange& c, bool first) {
  StepPredictor::MutexLast* last = predictor_.mutex_last_of(c.id);
  predictor_.note_replaced(last, first);
  std::uint8_t owner = kOwnerExplicit;
  if (c.owner == static_cast<std::int64_t>(event.thread)) {
    owner = kOwnerSelf;
  } else if (c.owner == -1) {
    owner = kOwnerNone;
  } else if (last != nullptr && c.owner == last->owner) {
    owner = kOwnerSame;
  } else if (last != nullptr && !last->waiters.empty() &&
             c.owner == static_cast<std::int64_t>(last->waiters.front())) {
    owner = kOwnerLastFront;
  }
  std::uint8_t waiters = kWaitersExplicit;
  if (last != nullptr) {
    const std::vector<std::uint32_t>& l = last->waiters;
    if (c.waiters == l) {
      waiters = kWaitersSame;
    } else if (c.waiters.size() == l.size() + 1 && c.waiters.back() == event.thread &&
               std::equal(l.begin(), l.end(), c.waiters.begin())) {
      waiters = kWaitersAppendSelf;
    } else if (!l.empty() && c.waiters.size() + 1 == l.size() &&
               std::equal(c.waiters.begin(), c.waiters.end(), l.begin() + 1)) {
      waiters = kWaitersPopFront;
    }
    if (waiters != kWaitersExplicit && !predictor_.afford_copy(l.size() * kCopiedThreadIdBytes)) {
      waiters = kWaitersExplicit;
    }
  }
  w.svarint(c.id);
  w.u8(static_cast<std::uint8_t>(owner | (waiters << kWaitersShift)));
  if (owner == kOwnerExplicit) w.svarint(c.owner);
  if (waiters == kWaitersExplicit) {
    w.varint(c.waiters.size());
    for (std::uint32_t t : c.waiters) w.varint(t);
  }
  // Assigned in place, so the waiters' storage is reused rather than
  // allocated again for every lock and unlock.
  StepPredictor::MutexLast& kept = last != nullptr ? *last : predictor_.mutex_last_slot(c.id);
  kept.owner = c.owner;
  if (waiters != kWaitersSame) kept.waiters = c.waiters;
}

bool StepEncoder::encode_general(const Machine& machine, const StepEvent& event, ByteBuffer& out) {
  tracker_.observe(machine, event);
  const std::span<const ThreadChange> thread_changes = tracker_.threads();
  const std::span<const MutexChange> mutex_changes = tracker_.mutexes();
  new_keys_.clear();
  // The step is written where it belongs, and cut back to its echo byte
  // if it repeats an earlier encoding: most steps here are echoes, and
  // writing them aside first cost a copy of every step.
  BufferWriter w(out);
  const StepPredictor::ThreadPrediction* tp = predictor_.thread(event.thread);
  std::size_t head_at = out.size();
  w.u8(0);
  auto head = static_cast<std::uint8_t>(event.kind);

  if (event.thread == predictor_.forecast.next()) {
    head |= kSameThread;
  } else {
    w.varint(event.thread);
  }
  std::uint32_t predicted_stmt = predictor_.predicted_stmt(tp);
  if (event.stmt == predicted_stmt) {
    head |= kStmtPredicted;
  } else {
    w.svarint(stmt_code(event.stmt) - stmt_code(predicted_stmt));
  }
  std::uint64_t tick_delta = event.tick - event.tick_before;
  if (tick_delta == usual_tick(event.kind)) {
    head |= kUsualTick;
  } else {
    w.varint(tick_delta);
  }

  std::uint8_t extras = 0;
  if (event.proc != predictor_.predicted_proc(tp, event.stmt)) extras |= kProcExplicit;
  if (tp == nullptr || tp->depth != event.depth) extras |= kDepthExplicit;
  if (event.has_effect) extras |= kHasEffect;
  if (!event.q.empty()) extras |= kHasQ;
  if (!event.phi.empty()) extras |= kHasPhi;
  if (!event.lib.empty()) extras |= kHasLib;
  if (event.error) extras |= kHasError;
  if (!thread_changes.empty() || !mutex_changes.empty()) extras |= kHasChanges;
  if (extras != 0) {
    head |= kHasExtras;
    w.u8(extras);
    if (extras & kProcExplicit) w.varint(event.proc);
    if (extras & kDepthExplicit) w.varint(event.depth);
  }

  if (!event.writes.empty()) {
    head |= kHasWrites;
    for (std::size_t i = 0; i < event.writes.size(); ++i) put_write(w, event, event.writes[i], i + 1 < event.writes.size());
  }

  if (extras & kHasEffect) {
    put_string(w, event.effect.kind);
    w.bytes(event.effect.payload);
  }
  if (extras & kHasQ) {
    w.varint(event.q.size());
    for (const QEvent& q : event.q) {
      w.u8(static_cast<std::uint8_t>(q.op));
      put_string(w, q.binding);
      put_string(w, q.source);
      put_string(w, q.resource);
    }
  }
  if (extras & kHasPhi) {
    w.varint(event.phi.size());
    for (const PhiEvent& phi : event.phi) {
      w.u8(static_cast<std::uint8_t>(phi.kind));
      put_string(w, phi.detail);
      put_string(w, phi.digest);
    }
  }
  if (extras & kHasLib) {
    w.varint(event.lib.size());
    for (const LibEvent& lib : event.lib) {
      if (predictor_.predicts_lib) {
        put_lib(w, event, lib, &lib == &event.lib.front());
        continue;
      }
      w.u8(static_cast<std::uint8_t>(lib.kind));
      w.svarint(lib.a);
      w.svarint(lib.b);
      w.svarint(lib.c);
      w.bytes(lib.text);
      w.bytes(lib.data);
    }
  }
  if (extras & kHasError) {
    w.u8(static_cast<std::uint8_t>(event.error->kind));
    w.bytes(event.error->message);
  }
  if ((extras & kHasChanges) && predictor_.compact_changes) {
    put_changes(w, event);
  } else if (extras & kHasChanges) {
    w.varint(thread_changes.size());
    for (const ThreadChange& c : thread_changes) {
      w.varint(c.thread);
      w.u8(static_cast<std::uint8_t>(c.state));
      if (waits(c.state)) {
        w.u8(static_cast<std::uint8_t>(c.wait_kind));
        w.svarint(c.wait_id);
        put_string(w, c.wait);
      }
    }
    w.varint(mutex_changes.size());
    for (const MutexChange& c : mutex_changes) {
      w.svarint(c.id);
      w.svarint(c.owner);
      w.varint(c.waiters.size());
      for (std::uint32_t t : c.waiters) w.varint(t);
    }
  }
  out.data()[head_at] = static_cast<char>(head);
  predictor_.after_step(event);
  predictor_.forecast_after(event, thread_changes);
  if (predictor_.echoes && StepPredictor::echoable(head) && event.stmt != kNoStmt) {
    const std::string_view bytes(out.data() + head_at, out.size() - head_at);
    StepPredictor::Echoes& echoes = predictor_.echoes_of(event.stmt, event.kind);
    const std::uint8_t slot = echoes.find(bytes);
    if (slot < kEchoSlots && predictor_.afford_copy(bytes.size())) {
      out.data()[head_at] = static_cast<char>(echo_head(event.kind, slot));
      out.truncate(head_at + 1);
      echoes.touch(slot);
      return false;
    }
    echoes.learn(bytes);
  }
  return false;
}

// ---- StepDecoder ----

void StepDecoder::begin_block(std::uint64_t first_step, std::uint64_t tick, std::uint32_t threads,
                              std::uint64_t rng_state, std::span<const std::uint8_t> thread_states) {
  predictor_.reset();
  predictor_.forecast.begin_block(rng_state, thread_states);
  next_index_ = first_step;
  tick_ = tick;
  threads_ = std::min(threads, kMaxTraceThreads);
  over_copy_bound_ = false;
}

std::string StepDecoder::copy_bound_error() const {
  return "malformed step " + std::to_string(next_index_) + ": its block copies more than " +
         std::to_string(predictor_.max_copied_bytes()) + " bytes from earlier steps";
}

bool StepDecoder::get_string(ByteReader& in, std::string& s) {
  std::uint64_t id = in.varint();
  if (!in.ok()) return false;
  if (id == 0) {
    s = in.bytes();
    if (!in.ok()) return false;
    predictor_.strings.push_back(s);
    return true;
  }
  if (id > predictor_.strings.size()) return false;
  const std::string& known = predictor_.strings[static_cast<std::size_t>(id - 1)];
  if (!copy(known.size())) return false;
  s = known;
  return true;
}

bool StepDecoder::get_write(ByteReader& in, StepEvent& event, bool& more) {
  std::uint8_t byte = in.u8();
  if (!in.ok()) return false;
  std::uint8_t tag = byte & 0x07;
  if (tag > static_cast<std::uint8_t>(ValueTag::Array)) return false;
  more = (byte & kMoreWrites) != 0;
  auto mode = static_cast<IntMode>((byte >> kModeShift) & 0x03);
  BindingWrite write;
  write.frame = event.depth;
  if (byte & kSlotPredicted) {
    if (event.stmt >= program_.stmts.size()) return false;
    write.slot = program_.stmts[event.stmt].slot;
  } else {
    std::int64_t back = in.svarint();
    write.slot = in.varint32();
    std::int64_t frame = static_cast<std::int64_t>(event.depth) - back;
    if (!in.ok() || frame < 0 || frame > static_cast<std::int64_t>(kMaxDepthCeiling)) return false;
    write.frame = static_cast<std::uint32_t>(frame);
  }
  // A write to the step's own frame names a slot of its proc.
  if (write.frame == event.depth &&
      (event.proc >= program_.procs.size() || write.slot >= program_.procs[event.proc].slot_count())) {
    return false;
  }
  switch (static_cast<ValueTag>(tag)) {
    case ValueTag::Int: {
      StepPredictor::IntSlot& s = predictor_.int_slot(event, write.frame, write.slot);
      std::int64_t x = 0;
      bool live = predictor_.live(s);
      if (mode == kIntAbsolute) {
        if (live) return false;
        x = in.svarint();
        s.delta = 0;
      } else {
        if (!live || mode > kIntAbsolute) return false;
        std::int64_t dd = mode == kIntDeltaOfDelta ? in.svarint() : 0;
        if (mode == kIntDeltaOfDelta && dd == 0) return false;
        x = wrapping_add(wrapping_add(s.last, s.delta), dd);
        s.delta = wrapping_sub(x, s.last);
      }
      s.last = x;
      predictor_.touch(s);
      write.new_value = Value::integer(x);
      break;
    }
    case ValueTag::Bool: write.new_value = Value::boolean(mode != 0); break;
    default:
      if (!decode_value_body(in, static_cast<ValueTag>(tag), write.new_value, 0)) return false;
      break;
  }
  event.writes.push_back(std::move(write));
  return in.ok();
}

bool StepDecoder::get_lib(ByteReader& in, const StepEvent& event, LibEvent& lib, bool first) {
  std::uint8_t byte = in.u8();
  if (!in.ok() || (byte & ~kLibKnownBits) != 0) return false;
  StepPredictor::LibTemplates* templates = first ? &predictor_.lib_templates(event.stmt) : nullptr;
  const StepPredictor::LibTemplate* t = nullptr;
  std::uint8_t slot = 2;
  if (byte & kLibKindAsTemplate) {
    if (templates == nullptr) return false;
    slot = (byte & kLibSecondTemplate) ? 1 : 0;
    t = &templates->slot[slot];
    if (t->generation != predictor_.generation()) return false;
    lib.kind = t->kind;
  } else {
    if (byte & (kLibAAsTemplate | kLibBAsTemplate | kLibCAsPredicted | kLibSecondTemplate)) return false;
    std::uint8_t k = in.u8();
    if (k > static_cast<std::uint8_t>(LibEventKind::Leak)) return false;
    lib.kind = static_cast<LibEventKind>(k);
  }
  lib.a = (byte & kLibAAsTemplate) ? t->a : in.svarint();
  lib.b = (byte & kLibBAsTemplate) ? t->b : in.svarint();
  std::int64_t c_delta = (byte & kLibCAsPredicted) ? 0 : in.svarint();
  lib.c = t != nullptr ? wrapping_add(wrapping_add(t->c, t->dc), c_delta) : c_delta;
  if (byte & kLibHasText) {
    lib.text = in.bytes();
    if (lib.text.empty()) return false;
  }
  if (byte & kLibHasData) {
    lib.data = in.bytes();
    if (lib.data.empty()) return false;
  }
  if (!in.ok()) return false;
  // The encoder looks the kind up: a template is only named for its kind,
  // and the slot it found is the first with that kind.
  if (t != nullptr) {
    std::uint8_t found = 2;
    if (predictor_.lib_template(*templates, lib.kind, found) != t) return false;
  }
  if (templates != nullptr) predictor_.learn_lib(*templates, slot, lib);
  return true;
}

bool StepDecoder::get_changes(ByteReader& in, const StepEvent& event, DecodedStep& out) {
  std::uint64_t m = in.varint();
  if (!in.ok() || m > in.remaining()) return false;
  predictor_.has_woken = false;
  for (std::uint64_t i = 0; i < m; ++i) {
    MutexChange c;
    if (!get_mutex_change(in, event, c, i == 0)) return false;
    out.mutexes.push_back(std::move(c));
  }
  std::uint64_t n = in.varint();
  if (!in.ok()) return false;
  if (n == kWokeTheWaiters) {
    if (!predictor_.has_woken || predictor_.woken.empty() ||
        !copy(predictor_.woken.size() * kCopiedThreadIdBytes)) {
      return false;
    }
    for (std::uint32_t t : predictor_.woken) {
      out.threads.push_back(ThreadChange{t, ThreadState::Runnable, WaitKind::None, 0, {}});
    }
    return true;
  }
  if (n % 2 != 0 || n / 2 > in.remaining()) return false;
  for (std::uint64_t i = 0; i < n / 2; ++i) {
    ThreadChange c;
    if (!get_thread_change(in, event, c)) return false;
    out.threads.push_back(std::move(c));
  }
  return true;
}

bool StepDecoder::get_thread_change(ByteReader& in, const StepEvent& event, ThreadChange& c) {
  std::uint8_t byte = in.u8();
  if (!in.ok() || (byte & ~kChangeKnownBits) != 0) return false;
  c.state = static_cast<ThreadState>(byte & kChangeStateMask);
  c.thread = (byte & kChangeSelf) ? event.thread : in.varint32();
  if (!in.ok() || c.thread >= threads_) return false;
  if (!waits(c.state)) return (byte & (kChangeSameWait | kChangeSameText)) == 0;
  if (byte & kChangeSameWait) {
    const StepPredictor::Wait* last = predictor_.wait_last_of(c.thread);
    if (last == nullptr) return false;
    c.wait_kind = last->first;
    c.wait_id = last->second;
  } else {
    std::uint8_t kind = in.u8();
    if (kind > static_cast<std::uint8_t>(WaitKind::Sleep)) return false;
    c.wait_kind = static_cast<WaitKind>(kind);
    c.wait_id = in.svarint();
  }
  std::string& text = predictor_.wait_text_last[{c.wait_kind, c.wait_id}];
  if (byte & kChangeSameText) {
    if (text.empty() || !copy(text.size())) return false;
    c.wait = text;
  } else if (!get_string(in, c.wait)) {
    return false;
  }
  text = c.wait;
  predictor_.set_wait_last(c.thread, {c.wait_kind, c.wait_id});
  return in.ok();
}

bool StepDecoder::get_mutex_change(ByteReader& in, const StepEvent& event, MutexChange& c, bool first) {
  c.id = in.svarint();
  std::uint8_t byte = in.u8();
  if (!in.ok() || (byte & ~kMutexKnownBits) != 0) return false;
  const StepPredictor::MutexLast* last = predictor_.mutex_last_of(c.id);
  predictor_.note_replaced(last, first);
  const std::uint8_t owner = byte & kOwnerMask;
  const std::uint8_t waiters = static_cast<std::uint8_t>(byte >> kWaitersShift);
  switch (owner) {
    case kOwnerExplicit: c.owner = in.svarint(); break;
    case kOwnerSelf: c.owner = event.thread; break;
    case kOwnerNone: c.owner = -1; break;
    case kOwnerLastFront:
      if (last == nullptr || last->waiters.empty()) return false;
      c.owner = last->waiters.front();
      break;
    case kOwnerSame:
      if (last == nullptr) return false;
      c.owner = last->owner;
      break;
    default: return false;
  }
  if (waiters == kWaitersExplicit) {
    std::uint64_t count = in.varint();
    if (!in.ok() || count > in.remaining()) return false;
    for (std::uint64_t k = 0; k < count; ++k) {
      c.waiters.push_back(in.varint32());
      if (c.waiters.back() >= threads_) return false;
    }
  } else {
    if (last == nullptr || !copy(last->waiters.size() * kCopiedThreadIdBytes)) return false;
    c.waiters = last->waiters;
    if (waiters == kWaitersAppendSelf) c.waiters.push_back(event.thread);
    if (waiters == kWaitersPopFront) {
      if (c.waiters.empty()) return false;
      c.waiters.erase(c.waiters.begin());
    }
  }
  if (!in.ok()) return false;
  StepPredictor::MutexLast& kept = predictor_.mutex_last_slot(c.id);
  kept.owner = c.owner;
  kept.waiters = c.waiters;
  return true;
}

bool StepDecoder::decode(ByteReader& in, DecodedStep& out, std::string& error) {
  std::uint8_t head = in.u8();
  if (!in.ok()) {
    error = "malformed step " + std::to_string(next_index_) + ": missing";
    return false;
  }
  if (!predictor_.echoes || !is_echo(head)) return decode_step(in, head, out, error, true);
  const std::uint8_t kind = static_cast<std::uint8_t>((head >> kEchoKindShift) & kKindMask);
  const std::uint8_t slot = static_cast<std::uint8_t>(head >> kEchoSlotShift);
  if (kind > static_cast<std::uint8_t>(StepKind::Failed)) {
    error = "malformed step " + std::to_string(next_index_) + ": bad echo";
    return false;
  }
  // An echo: the bytes of the last step at the forecast thread's predicted
  // statement, decoded again here (a copy: decoding may not change them,
  // but the table may grow).
  const StepPredictor::ThreadPrediction* tp = predictor_.thread(predictor_.forecast.next());
  StepPredictor::Echoes* echoes =
      tp == nullptr ? nullptr : &predictor_.echoes_of(predictor_.predicted_stmt(tp), static_cast<StepKind>(kind));
  if (echoes == nullptr || !echoes->live(slot)) {
    error = "malformed step " + std::to_string(next_index_) + ": an echo of nothing";
    return false;
  }
  echoes->touch(slot);
  if (!copy(echoes->bytes[slot].size())) {
    error = copy_bound_error();
    return false;
  }
  const std::string bytes = echoes->bytes[slot];
  ByteReader again(bytes);
  std::uint8_t echoed = again.u8();
  if (!decode_step(again, echoed, out, error, false)) return false;
  if (!again.at_end()) {
    error = "malformed step " + std::to_string(next_index_ - 1) + ": bad echo";
    return false;
  }
  return true;
}

bool StepDecoder::decode_step(ByteReader& in, std::uint8_t head, DecodedStep& out, std::string& error, bool learn) {
  const std::size_t head_at = in.offset() - 1;
  StepEvent& ev = out.event;
  ev.reset();
  out.threads.clear();
  out.mutexes.clear();
  auto bad = [&](const char* what) {
    if (over_copy_bound_) {
      error = copy_bound_error();
    } else {
      error = std::string("malformed step ") + std::to_string(next_index_) + ": " + what;
    }
    return false;
  };
  std::uint8_t kind = head & kKindMask;
  if (kind > static_cast<std::uint8_t>(StepKind::Failed)) return bad("unknown step kind");
  ev.kind = static_cast<StepKind>(kind);
  ev.index = next_index_;
  ev.thread = (head & kSameThread) ? predictor_.forecast.next() : in.varint32();
  if (!in.ok() || ev.thread >= threads_) return bad("bad thread");
  const StepPredictor::ThreadPrediction* tp = predictor_.thread(ev.thread);
  std::uint32_t predicted_stmt = predictor_.predicted_stmt(tp);
  if (head & kStmtPredicted) {
    ev.stmt = predicted_stmt;
  } else {
    std::int64_t code = stmt_code(predicted_stmt) + in.svarint();
    if (!in.ok() || code < 0 || code > 0xffffffffll) return bad("bad statement");
    ev.stmt = static_cast<std::uint32_t>(code) - 1u;
  }
  if (ev.stmt != kNoStmt && ev.stmt >= program_.stmts.size()) return bad("statement out of range");
  std::uint64_t tick_delta = (head & kUsualTick) ? usual_tick(ev.kind) : in.varint();
  if (!in.ok()) return bad("bad tick");
  ev.tick_before = tick_;
  tick_ += tick_delta;
  ev.tick = tick_;

  std::uint8_t extras = (head & kHasExtras) ? in.u8() : 0;
  ev.proc = (extras & kProcExplicit) ? in.varint32() : predictor_.predicted_proc(tp, ev.stmt);
  if (!in.ok() || (ev.proc >= program_.procs.size() && !program_.procs.empty())) return bad("bad proc");
  // A statement runs in the frame of its own proc.
  if (ev.stmt != kNoStmt && predictor_.stmt_proc(ev.stmt) != ev.proc) return bad("statement of another proc");
  if (extras & kDepthExplicit) {
    ev.depth = in.varint32();
  } else if (tp != nullptr) {
    ev.depth = tp->depth;
  } else {
    return bad("missing depth");
  }
  if (!in.ok() || ev.depth > kMaxDepthCeiling) return bad("bad depth");

  if (head & kHasWrites) {
    bool more = true;
    while (more) {
      if (!get_write(in, ev, more)) return bad("bad binding write");
    }
  }
  if (extras & kHasEffect) {
    ev.has_effect = true;
    if (!get_string(in, ev.effect.kind)) return bad("bad effect");
    ev.effect.payload = in.bytes();
  }
  if (extras & kHasQ) {
    std::uint64_t n = in.varint();
    if (!in.ok() || n > in.remaining()) return bad("bad Q events");
    for (std::uint64_t i = 0; i < n; ++i) {
      QEvent q;
      std::uint8_t op = in.u8();
      if (op > static_cast<std::uint8_t>(QForm::Consume)) return bad("bad Q form");
      q.op = static_cast<QForm>(op);
      if (!get_string(in, q.binding) || !get_string(in, q.source) || !get_string(in, q.resource)) return bad("bad Q event");
      ev.q.push_back(std::move(q));
    }
  }
  if (extras & kHasPhi) {
    std::uint64_t n = in.varint();
    if (!in.ok() || n > in.remaining()) return bad("bad Φ events");
    for (std::uint64_t i = 0; i < n; ++i) {
      PhiEvent phi;
      std::uint8_t k = in.u8();
      if (k > static_cast<std::uint8_t>(PhiEventKind::Refused)) return bad("bad Φ kind");
      phi.kind = static_cast<PhiEventKind>(k);
      if (!get_string(in, phi.detail) || !get_string(in, phi.digest)) return bad("bad Φ event");
      ev.phi.push_back(std::move(phi));
    }
  }
  if (extras & kHasLib) {
    std::uint64_t n = in.varint();
    if (!in.ok() || n > in.remaining()) return bad("bad library events");
    for (std::uint64_t i = 0; i < n; ++i) {
      LibEvent lib;
      if (predictor_.predicts_lib) {
        if (!get_lib(in, ev, lib, i == 0)) return bad("bad library event");
        ev.lib.push_back(std::move(lib));
        continue;
      }
      std::uint8_t k = in.u8();
      if (k > static_cast<std::uint8_t>(LibEventKind::Leak)) return bad("bad library event kind");
      lib.kind = static_cast<LibEventKind>(k);
      lib.a = in.svarint();
      lib.b = in.svarint();
      lib.c = in.svarint();
      lib.text = in.bytes();
      lib.data = in.bytes();
      ev.lib.push_back(std::move(lib));
    }
  }
  if (extras & kHasError) {
    std::uint8_t k = in.u8();
    if (k > static_cast<std::uint8_t>(ErrorKind::Runtime)) return bad("bad error kind");
    ev.error = DvmError{static_cast<ErrorKind>(k), in.bytes()};
  }
  if ((extras & kHasChanges) && predictor_.compact_changes) {
    if (!get_changes(in, ev, out)) return bad("bad thread or mutex changes");
  } else if (extras & kHasChanges) {
    std::uint64_t n = in.varint();
    if (!in.ok() || n > in.remaining()) return bad("bad thread changes");
    for (std::uint64_t i = 0; i < n; ++i) {
      ThreadChange c;
      c.thread = in.varint32();
      std::uint8_t state = in.u8();
      if (!in.ok() || c.thread >= threads_ || state > static_cast<std::uint8_t>(ThreadState::Finished)) {
        return bad("bad thread change");
      }
      c.state = static_cast<ThreadState>(state);
      if (waits(c.state)) {
        std::uint8_t wk = in.u8();
        if (wk > static_cast<std::uint8_t>(WaitKind::Sleep)) return bad("bad wait kind");
        c.wait_kind = static_cast<WaitKind>(wk);
        c.wait_id = in.svarint();
        if (!get_string(in, c.wait)) return bad("bad wait");
      }
      out.threads.push_back(std::move(c));
    }
    std::uint64_t m = in.varint();
    if (!in.ok() || m > in.remaining()) return bad("bad mutex changes");
    for (std::uint64_t i = 0; i < m; ++i) {
      MutexChange c;
      c.id = in.svarint();
      c.owner = in.svarint();
      std::uint64_t waiters = in.varint();
      if (!in.ok() || waiters > in.remaining()) return bad("bad mutex change");
      for (std::uint64_t k = 0; k < waiters; ++k) {
        c.waiters.push_back(in.varint32());
        if (c.waiters.back() >= threads_) return bad("bad mutex waiter");
      }
      out.mutexes.push_back(std::move(c));
    }
  }
  if (!in.ok()) return bad("truncated");
  predictor_.after_step(ev);
  predictor_.forecast_after(ev, out.threads);
  if (learn && predictor_.echoes && StepPredictor::echoable(head) && ev.stmt != kNoStmt) {
    predictor_.echoes_of(ev.stmt, ev.kind).learn(in.since(head_at));
  }
  ++next_index_;
  return true;
}

}  // namespace dust::rec
