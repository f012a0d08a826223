// checkpointed_reader.cpp — reading a checkpoint trace and re-deriving its
// steps (see checkpointed_reader.hpp).
#include "checkpointed_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <utility>

#include "checkpoint_runs.hpp"
#include "dust/dir_loader.hpp"
#include "dust/machine_hash.hpp"
#include "dust/recorder/checkpoint_recorder.hpp"
#include "dust/recorder/recorder.hpp"
#include "dust/recorder/state_report.hpp"
#include "reader_impl.hpp"

namespace dust::rec {

namespace {

// Steps re-executed between two looks at the re-derived trace's size, so
// that a run whose steps take many bytes stops near the limit.
constexpr std::uint64_t kDerivationSlice = 4096;

std::string describe_end(const FinishChunk& finish) {
  std::string out = std::string("the run ended ") + machine_status_name(finish.status) + " at step " +
                    std::to_string(finish.steps) + ", tick " + std::to_string(finish.tick);
  if (finish.error) out += ": " + finish.error->message;
  return out;
}

bool same_end(const FinishChunk& a, const FinishChunk& b) {
  return a.status == b.status && a.steps == b.steps && a.tick == b.tick && a.error_thread == b.error_thread &&
         a.threads == b.threads && a.error.has_value() == b.error.has_value() &&
         (!a.error || a.error->message == b.error->message);
}

}  // namespace

bool read_program_chunks(const TraceFile& file, std::uint32_t version, const std::string& path, ProgramChunks& out,
                         std::string& error, const ProgramChunks* known) {
  std::uint64_t offset = kFileHeaderSize;
  ChunkHeader h;
  std::string payload, what;
  if (file.read_chunk(offset, h, payload, what) != TraceFile::ChunkStatus::Ok || h.type != ChunkType::Config ||
      !decode_config(payload, out.config, version)) {
    error = in_file_at(path, what.empty() ? "invalid config chunk" : what, offset);
    return false;
  }
  offset += kChunkHeaderSize + h.stored_bytes;
  if (file.read_chunk(offset, h, payload, what) != TraceFile::ChunkStatus::Ok || h.type != ChunkType::Program ||
      h.codec != Codec::Lz4 || !lz4_decompress(payload, h.raw_bytes, out.text)) {
    error = in_file_at(path, what.empty() ? "invalid program chunk" : what, offset);
    return false;
  }
  if (known != nullptr && known->program && known->text == out.text) {
    // Loading is deterministic: the same text is the same program.
    out.program = known->program;
  } else {
    LoadResult loaded = load_dir_text(out.text);
    if (!loaded.ok()) {
      error = in_file_at(path, "the embedded program does not load (" + loaded.error.display() + ")", offset);
      return false;
    }
    out.program = loaded.program;
  }
  if (const std::optional<PhiResolution>& phi = out.config.config.phi_resolution) {
    for (const PhiConstraint& c : phi->constraints) {
      if (c.stmt >= out.program->stmts.size()) {
        error = in_file_at(path, "invalid config chunk (a Φ constraint names no statement of the program)",
                           kFileHeaderSize);
        return false;
      }
    }
  }
  out.end = offset + kChunkHeaderSize + h.stored_bytes;
  return true;
}

CheckpointedReader::CheckpointedReader(std::string path, const IntrinsicTable& intrinsics)
    : path_(std::move(path)), intrinsics_(intrinsics) {}

CheckpointedReader::~CheckpointedReader() = default;

std::string CheckpointedReader::where(const std::string& what, std::uint64_t offset) const {
  return in_file_at(path_, what, offset);
}

bool CheckpointedReader::open(TraceFile file, const FileHeader& header, std::string& error) {
  file_ = std::move(file);
  return open_body(header, nullptr, error);
}

bool CheckpointedReader::reopen(const ProgramChunks& known, std::string& error) {
  FileHeader header;
  if (!open_trace_file(path_, file_, header, error)) return false;
  return open_body(header, &known, error);
}

bool CheckpointedReader::open_body(const FileHeader& header, const ProgramChunks* known, std::string& error) {
  info_.format_version = header.version;
  info_.min_readable_version = header.min_readable;
  if (info_.format_version != kCheckpointFormatVersion || info_.min_readable_version > kFormatVersion) {
    error = where("not a checkpoint trace of format version " + std::to_string(kCheckpointFormatVersion), 0);
    return false;
  }
  if (!read_program_chunks(file_, info_.format_version, path_, chunks_, error, known)) return false;
  // Re-deriving the steps runs the program here: a run that read outside
  // files (or would write them) is never recorded as checkpoints, and a
  // file that says otherwise must not make this reader touch any.
  if (!reproducible_from_config(chunks_.config.config)) {
    error = where("invalid config chunk (a checkpoint trace of a run that reads outside files)", kFileHeaderSize);
    return false;
  }
  program_ = chunks_.program;
  if (!scan_chunks(error)) return false;

  info_.config = chunks_.config.config;
  info_.program_path = chunks_.config.program_path;
  info_.writer = chunks_.config.writer;
  info_.file_bytes = file_.size();
  info_.program_bytes = chunks_.text.size();
  info_.checkpoints = checkpoints_.size();
  info_.steps = checkpoints_.empty() ? 0 : checkpoints_.back().step;
  info_.final_tick = checkpoints_.empty() ? 0 : checkpoints_.back().tick;
  for (const CheckpointChunk& c : checkpoints_) info_.threads = std::max(info_.threads, c.threads);
  // A step is some thread's, even the one that fails a run before its
  // main thread exists (an inadmissible Φ entry): a steps trace counts it.
  if (info_.steps > 0) info_.threads = std::max<std::uint32_t>(info_.threads, 1);
  if (finish_) {
    info_.complete = true;
    info_.status = finish_->status;
    info_.error = finish_->error;
    info_.error_thread = finish_->error_thread;
    info_.final_tick = finish_->tick;
    info_.threads = std::max(info_.threads, finish_->threads);
  }
  return true;
}

// The chunks after the program: checkpoints, each continuing the one
// before, then the finish record, which must agree with the last one.
// A chunk cut short ends a trace whose recorder was killed.
bool CheckpointedReader::scan_chunks(std::string& error) {
  std::uint64_t offset = chunks_.end;
  ChunkHeader h;
  std::string payload, what;
  std::uint64_t step = 0;
  while (offset < file_.size()) {
    TraceFile::ChunkStatus status = file_.read_chunk(offset, h, payload, what);
    if (status == TraceFile::ChunkStatus::Truncated) {
      info_.incomplete_reason = at_offset(what, offset);
      return true;
    }
    if (status == TraceFile::ChunkStatus::Corrupt) {
      error = where(what, offset);
      return false;
    }
    if (finish_) {
      error = where(std::string("unexpected ") + chunk_type_name(h.type) + " chunk after the finish record", offset);
      return false;
    }
    if (h.type == ChunkType::Checkpoint) {
      CheckpointChunk c;
      if (h.codec != Codec::Raw || !decode_checkpoint(payload, c) || h.first_step != step || c.step <= step ||
          c.step - step > kMaxBlockSteps || h.step_count != c.step - step || c.threads > kMaxTraceThreads ||
          (c.threads > 0 && c.current >= c.threads)) {
        error = where("invalid checkpoint chunk", offset);
        return false;
      }
      step = c.step;
      checkpoints_.push_back(c);
    } else if (h.type == ChunkType::Finish) {
      FinishChunk finish;
      if (h.codec != Codec::Raw || !decode_finish(payload, finish) || finish.steps != step ||
          finish.threads > kMaxTraceThreads || (!checkpoints_.empty() && finish.tick != checkpoints_.back().tick)) {
        error = where("the finish record disagrees with the checkpoints", offset);
        return false;
      }
      finish_ = finish;
    } else {
      error = where(std::string("unexpected ") + chunk_type_name(h.type) + " chunk (type " +
                        std::to_string(static_cast<int>(h.type)) + ")",
                    offset);
      return false;
    }
    offset += kChunkHeaderSize + h.stored_bytes;
  }
  if (!finish_ && info_.incomplete_reason.empty()) {
    info_.incomplete_reason = "no finish record (the recorder did not finish)";
  }
  return true;
}

Machine CheckpointedReader::fresh_machine() const { return Machine(program_, &intrinsics_, chunks_.config.config); }

bool CheckpointedReader::reexecute(Machine& machine, ExecutionObserver* observer,
                                   std::optional<Divergence>& divergence, const std::function<bool()>& stop,
                                   std::size_t checkpoints) {
  divergence.reset();
  matched_ = 0;
  const MachineHasher hasher(*program_);
  std::size_t effects_from = 0;
  std::uint64_t last_good = 0;
  auto diverge = [&](std::string recorded, std::string replayed) {
    Divergence d;
    d.step = machine.steps;
    d.recorded = std::move(recorded);
    d.replayed = std::move(replayed) + " (the runs part somewhere after step " + std::to_string(last_good) + ")";
    problem_ = path_ + ": re-execution diverges from the recording by step " + std::to_string(machine.steps) +
               " (recorded by " + (info_.writer.empty() ? std::string("an unnamed writer") : info_.writer) + ")";
    divergence = std::move(d);
    return false;
  };
  checkpoints = std::min(checkpoints, checkpoints_.size());
  for (std::size_t k = 0; k < checkpoints; ++k) {
    const CheckpointChunk& recorded = checkpoints_[k];
    // The recorder puts checkpoints no farther apart than the state it
    // hashes justifies; a file that claims more re-executes no further,
    // so its size bounds the work it can ask of a reader.
    if (!machine.done() && recorded.step - machine.steps > checkpoint_interval(machine)) {
      return diverge("checkpoint: " + describe_checkpoint(recorded),
                     "the recorder puts a checkpoint within " + std::to_string(checkpoint_interval(machine)) +
                         " steps of the one before");
    }
    while (!machine.done() && machine.steps < recorded.step) {
      const std::uint64_t target = std::min(recorded.step, machine.steps + kDerivationSlice);
      if (observer != nullptr) {
        run_observed_until(machine, target, *observer);
      } else {
        run_until(machine, target);
      }
      if (stop && stop()) return false;
    }
    CheckpointChunk replayed = checkpoint_of(machine, hasher, effects_from);
    if (replayed != recorded) {
      return diverge("checkpoint: " + describe_checkpoint(recorded), "re-executed: " + describe_checkpoint(replayed));
    }
    effects_from = machine.effects.size();
    last_good = machine.steps;
    matched_ = k + 1;
  }
  if (!finish_ || checkpoints < checkpoints_.size()) return false;
  if (!machine.done()) {
    Machine probe = machine;
    StepEvent next;
    probe.step(next);
    return diverge("(the recorded run ended here)", "the run goes on: " + describe_step(*program_, next));
  }
  const FinishChunk replayed = finish_of(machine);
  if (!same_end(replayed, *finish_)) return diverge(describe_end(*finish_), describe_end(replayed));
  return true;
}

Machine CheckpointedReader::replay(std::optional<Divergence>& divergence, ExecutionObserver* observer) {
  divergence.reset();
  Machine machine = fresh_machine();
  try {
    if (observer != nullptr) observer->on_start(machine);
    const bool whole = reexecute(machine, observer, divergence, {}, checkpoints_.size());
    // As a steps trace's replay: the observer sees the end unless the
    // re-execution diverged (a trace cut short ends where it ends).
    if (observer != nullptr && !divergence) observer->on_finish(machine);
    (void)whole;
  } catch (const std::bad_alloc&) {
    divergence.reset();
    problem_ = path_ + ": out of memory replaying the run";
    return fresh_machine();
  }
  return machine;
}

std::optional<Machine> CheckpointedReader::verify_and_replay(std::optional<Divergence>& divergence,
                                                             std::string& error) {
  divergence.reset();
  if (!verify(error)) return std::nullopt;
  return replay(divergence, nullptr);
}

// Opening read every chunk and checked its checksum and how it continues
// the one before; verifying reads them all again, for a file that may
// have changed since. Only the program is not loaded again while the file
// holds the same text.
bool CheckpointedReader::verify(std::string& error) {
  CheckpointedReader again(path_, intrinsics_);
  try {
    if (!again.reopen(chunks_, error)) return false;
  } catch (const std::bad_alloc&) {
    error = path_ + ": out of memory verifying the trace";
    return false;
  }
  if (again.checkpoints_ != checkpoints_ || again.finish_.has_value() != finish_.has_value()) {
    error = path_ + ": the file changed while it was open";
    return false;
  }
  return true;
}

const std::string& CheckpointedReader::last_error() const {
  if (steps_ && !steps_->last_error().empty()) return steps_->last_error();
  return problem_;
}

TraceReader* CheckpointedReader::steps() {
  if (!derived_) derive_once(nullptr);
  return steps_.get();
}

bool CheckpointedReader::prepare(const PrepareProgress& progress) { return derived_ || derive_once(&progress); }

bool CheckpointedReader::derive_once(const PrepareProgress* progress) {
  try {
    if (!derive(progress)) return false;
  } catch (const std::bad_alloc&) {
    steps_.reset();
    problem_ = path_ + ": out of memory re-deriving the steps";
  }
  derived_ = true;
  return true;
}

// The re-derived steps of one recorded run, shared by every reader of it
// in this process while one holds them: the debugger's window and its
// search worker each have a reader, and the second would otherwise
// re-execute the whole run again. Found by what the derivation depends on
// and nothing else (the program, the configuration, the checkpoints and the
// finish record), so a file rewritten in place is derived afresh however
// quickly it was rewritten.
struct SharedSteps {
  int fd = -1;                    // the in-memory steps trace; -1: none could be made
  bool whole = false;
  std::string reason;             // problem_ without the path
  std::string program_text;
  ConfigChunk config;
  std::vector<CheckpointChunk> checkpoints;
  std::optional<FinishChunk> finish;
  ~SharedSteps() {
    if (fd >= 0) ::close(fd);
  }
};

namespace {

bool same_run(const SharedSteps& s, const ProgramChunks& chunks, const std::vector<CheckpointChunk>& checkpoints,
              const std::optional<FinishChunk>& finish) {
  return s.checkpoints == checkpoints && s.finish.has_value() == finish.has_value() &&
         (!finish || same_end(*s.finish, *finish)) && s.config.config == chunks.config.config &&
         s.config.block_steps == chunks.config.block_steps && s.config.keyframe_steps == chunks.config.keyframe_steps &&
         s.config.keyframe_milli_bytes_per_step == chunks.config.keyframe_milli_bytes_per_step &&
         s.config.program_path == chunks.config.program_path && s.program_text == chunks.text;
}

std::mutex shared_steps_mutex;
std::vector<std::weak_ptr<SharedSteps>> shared_steps;

std::shared_ptr<SharedSteps> find_shared_steps(const ProgramChunks& chunks,
                                               const std::vector<CheckpointChunk>& checkpoints,
                                               const std::optional<FinishChunk>& finish) {
  std::lock_guard<std::mutex> lock(shared_steps_mutex);
  std::erase_if(shared_steps, [](const std::weak_ptr<SharedSteps>& s) { return s.expired(); });
  for (const std::weak_ptr<SharedSteps>& weak : shared_steps) {
    std::shared_ptr<SharedSteps> steps = weak.lock();
    if (steps && same_run(*steps, chunks, checkpoints, finish)) return steps;
  }
  return nullptr;
}

void share_steps(const std::shared_ptr<SharedSteps>& steps) {
  std::lock_guard<std::mutex> lock(shared_steps_mutex);
  shared_steps.push_back(steps);
}

}  // namespace

// Re-executes the run with a Recorder writing its steps trace into memory
// (or finds a reader of the same run has), then opens that. Where the
// re-execution stops early (a divergence, a trace cut short, the size
// limit) the steps trace is cut there as a killed recorder would leave it,
// and reads as incomplete.
bool CheckpointedReader::derive(const PrepareProgress* progress) {
  std::shared_ptr<SharedSteps> shared = find_shared_steps(chunks_, checkpoints_, finish_);
  if (!shared) {
    shared = std::make_shared<SharedSteps>();
    std::optional<Divergence> divergence;
    Derivation d = derive_steps(checkpoints_.size(), divergence, progress);
    if (divergence) {
      // The steps after the last checkpoint that matched are not the
      // recorded run's: derive again, only that far.
      const std::string why = problem_;
      std::optional<Divergence> ignored;
      if (d.fd >= 0) ::close(d.fd);
      d = derive_steps(matched_, ignored, progress);
      if (problem_.empty()) problem_ = why;
    }
    if (d.stopped) {
      // Nothing is kept, so the next try starts as this one did.
      problem_.clear();
      return false;
    }
    shared->fd = d.fd;
    shared->whole = d.whole;
    shared->reason = problem_.empty() ? std::string() : problem_.substr(path_.size() + 2);
    shared->program_text = chunks_.text;
    shared->config = chunks_.config;
    shared->checkpoints = checkpoints_;
    shared->finish = finish_;
    share_steps(shared);
  } else if (!shared->reason.empty()) {
    problem_ = path_ + ": " + shared->reason;
  }
  shared_ = shared;
  if (shared->fd < 0) return true;
  const int fd = ::fcntl(shared->fd, F_DUPFD_CLOEXEC, 0);
  auto reader = std::make_unique<ReaderImpl>(path_, intrinsics_);
  std::string error;
  if (fd < 0 || !reader->open_fd(fd, error)) {
    if (problem_.empty()) problem_ = fd < 0 ? path_ + ": cannot read the re-derived steps" : error;
    return true;
  }
  info_.rederived_bytes = reader->info().file_bytes;
  if (!shared->whole) {
    // What the queries can reach now ends where the steps do.
    info_.complete = false;
    info_.steps = std::min(info_.steps, reader->info().steps);
    if (!shared->reason.empty()) info_.incomplete_reason = shared->reason;
  }
  steps_ = std::move(reader);
  return true;
}

CheckpointedReader::Derivation CheckpointedReader::derive_steps(std::size_t checkpoints,
                                                                std::optional<Divergence>& divergence,
                                                                const PrepareProgress* progress) {
  RecorderOptions options;
  options.block_steps = chunks_.config.block_steps;
  options.keyframe_steps = chunks_.config.keyframe_steps;
  options.keyframe_bytes_per_step = chunks_.config.keyframe_milli_bytes_per_step / 1000.0;
  options.in_memory = true;
  Recorder recorder("re-derived steps of " + path_, chunks_.text, chunks_.config.program_path, options);
  Machine machine = fresh_machine();
  recorder.on_start(machine);
  Derivation d;
  d.fd = recorder.take_memory_fd();
  if (d.fd < 0 || !recorder.ok()) {
    if (d.fd >= 0) ::close(d.fd);
    d.fd = -1;
    problem_ = path_ + ": cannot re-derive the steps: " + recorder.error();
    return d;
  }
  bool too_large = false;
  const std::uint64_t all = checkpoints == 0 ? 0 : checkpoints_[std::min(checkpoints, checkpoints_.size()) - 1].step;
  d.whole = reexecute(machine, &recorder, divergence, [&] {
    too_large = recorder.stats().file_bytes > kMaxRederivedBytes;
    d.stopped = progress != nullptr && *progress && !(*progress)(machine.steps, all);
    return too_large || d.stopped || !recorder.ok();
  }, checkpoints);
  if (d.stopped) {
    ::close(d.fd);
    d.fd = -1;
    return d;
  }
  if (d.whole) {
    recorder.on_finish(machine);
  } else {
    recorder.cut();
  }
  if (!recorder.ok()) {
    problem_ = path_ + ": cannot re-derive the steps: " + recorder.error();
  } else if (too_large) {
    problem_ = path_ + ": the re-derived steps pass " + std::to_string(kMaxRederivedBytes >> 20) +
               " MiB; record the run with --every-step to read more of it";
  }
  return d;
}

Machine CheckpointedReader::state_at(std::uint64_t step) {
  if (TraceReader* s = steps()) return s->state_at(step);
  return fresh_machine();
}

std::vector<StepEvent> CheckpointedReader::events(std::uint64_t first, std::uint64_t last) {
  if (TraceReader* s = steps()) return s->events(first, last);
  return {};
}

std::uint64_t CheckpointedReader::tick_at(std::uint64_t step) {
  if (TraceReader* s = steps()) return s->tick_at(step);
  return 0;
}

std::vector<ThreadSegment> CheckpointedReader::thread_lane(std::uint32_t thread, std::uint64_t first,
                                                           std::uint64_t last, std::uint64_t min_width) {
  if (TraceReader* s = steps()) return s->thread_lane(thread, first, last, min_width);
  return {};
}

std::vector<MutexSegment> CheckpointedReader::mutex_lane(std::int64_t mutex, std::uint64_t first, std::uint64_t last,
                                                         std::uint64_t min_width) {
  if (TraceReader* s = steps()) return s->mutex_lane(mutex, first, last, min_width);
  return {};
}

std::vector<std::int64_t> CheckpointedReader::mutexes() {
  if (TraceReader* s = steps()) return s->mutexes();
  return {};
}

std::vector<QLifetime> CheckpointedReader::q_lifetimes() {
  if (TraceReader* s = steps()) return s->q_lifetimes();
  return {};
}

std::vector<MemoryLifetime> CheckpointedReader::memory_lifetimes() {
  if (TraceReader* s = steps()) return s->memory_lifetimes();
  return {};
}

std::vector<PhiMark> CheckpointedReader::phi_marks() {
  if (TraceReader* s = steps()) return s->phi_marks();
  return {};
}

std::vector<EffectMark> CheckpointedReader::effect_marks(std::uint64_t first, std::uint64_t last) {
  if (TraceReader* s = steps()) return s->effect_marks(first, last);
  return {};
}

std::optional<FailureMark> CheckpointedReader::failure() {
  if (TraceReader* s = steps()) return s->failure();
  return std::nullopt;
}

LastWrite CheckpointedReader::last_write(const std::string& name, std::uint64_t before, FrameSelector frame) {
  if (TraceReader* s = steps()) return s->last_write(name, before, frame);
  LastWrite none;
  none.name = name;
  none.before = before;
  none.error = problem_;
  return none;
}

Origin CheckpointedReader::origin(const std::string& name, std::uint64_t at, FrameSelector frame,
                                  OriginLimits limits) {
  if (TraceReader* s = steps()) return s->origin(name, at, frame, limits);
  Origin none;
  none.name = name;
  none.at = at;
  none.complete = false;
  none.error = problem_;
  return none;
}

MemoryHistory CheckpointedReader::memory_accesses(std::int64_t address, std::int64_t end, std::uint64_t from,
                                                  std::uint64_t to) {
  if (TraceReader* s = steps()) return s->memory_accesses(address, end, from, to);
  MemoryHistory none;
  none.address = address;
  none.end = end;
  none.from = from;
  none.to = to;
  none.stopped = no_steps();
  return none;
}

RaceReport CheckpointedReader::data_races() {
  if (TraceReader* s = steps()) return s->data_races();
  return RaceReport{{}, no_steps()};
}

// Why a query over the steps has none to read: they could not be derived.
std::string CheckpointedReader::no_steps() const {
  return problem_.empty() ? path_ + ": the recorded steps could not be re-derived" : problem_;
}

}  // namespace dust::rec
