// thread_lanes.cpp — timeline lanes: what a thread or a mutex was doing
// over a range of steps, folded to the width the caller can draw.
//
// Blocks are taken from their summaries where that is exact (a thread that
// did one thing all block long) or where the block is narrow enough to be
// folded anyway; only the rest are decoded. A folded segment takes the most
// important activity in it, so a wait or a failure is never hidden.
#include <algorithm>
#include <map>

#include "block_summary.hpp"
#include "reader_impl.hpp"

namespace dust::rec {

namespace {

ThreadActivity activity_of(ThreadState s) {
  switch (s) {
    case ThreadState::Runnable: return ThreadActivity::Runnable;
    case ThreadState::Blocked: return ThreadActivity::Blocked;
    case ThreadState::Sleeping: return ThreadActivity::Sleeping;
    case ThreadState::Finished: return ThreadActivity::Finished;
  }
  return ThreadActivity::Runnable;
}

int importance(ThreadActivity a) {
  switch (a) {
    case ThreadActivity::Blocked: return 4;
    case ThreadActivity::Sleeping: return 3;
    case ThreadActivity::Running: return 2;
    case ThreadActivity::Runnable: return 1;
    case ThreadActivity::Finished: return 0;
  }
  return 0;
}

bool contains(const ThreadSegment& s, std::optional<std::uint64_t> step) {
  return step && s.first <= *step && *step < s.last;
}

// Appends `seg`, extending the previous segment when `seg` continues it.
void append(std::vector<ThreadSegment>& out, ThreadSegment seg, std::optional<std::uint64_t> keep) {
  if (!out.empty()) {
    ThreadSegment& back = out.back();
    if (!back.folded && !seg.folded && back.last == seg.first && back.activity == seg.activity &&
        back.waits_for == seg.waits_for && !contains(back, keep) && !contains(seg, keep)) {
      back.last = seg.last;
      return;
    }
  }
  out.push_back(std::move(seg));
}

// Folds runs of segments narrower than `min_width`; `keep` (a failure step)
// stays a segment of its own.
std::vector<ThreadSegment> fold_threads(std::vector<ThreadSegment> segs, std::uint64_t min_width,
                                        std::optional<std::uint64_t> keep) {
  if (min_width <= 1) return segs;
  std::vector<ThreadSegment> out;
  std::optional<ThreadSegment> group;
  ThreadSegment single;
  std::uint32_t members = 0;
  std::uint32_t count = 0;
  auto flush = [&] {
    if (!group) return;
    if (members == 1) {
      out.push_back(single);
    } else {
      group->folded = true;
      group->folded_count = count;
      out.push_back(*group);
    }
    group.reset();
    members = count = 0;
  };
  for (ThreadSegment& seg : segs) {
    std::uint32_t weight = seg.folded ? std::max<std::uint32_t>(seg.folded_count, 1) : 1;
    if (seg.last - seg.first >= min_width || contains(seg, keep)) {
      flush();
      out.push_back(std::move(seg));
      continue;
    }
    if (group && seg.first - group->last >= min_width) flush();
    if (!group) {
      group = seg;
      single = seg;
    } else {
      group->last = seg.last;
      if (importance(seg.activity) > importance(group->activity)) {
        group->activity = seg.activity;
        group->stmt = seg.stmt;
        group->waits_for = seg.waits_for;
      }
    }
    ++members;
    count += weight;
    if (group->last - group->first >= min_width) flush();
  }
  flush();
  return out;
}

struct HeldOrWaiting {
  std::int64_t owner = -1;
  std::vector<std::uint32_t> waiters;
};

// Builds a mutex's segments from its state changes, in step order.
class MutexLaneBuilder {
 public:
  explicit MutexLaneBuilder(std::int64_t id) : id_(id) {}

  void open(std::uint64_t at, const HeldOrWaiting& state) {
    state_ = state;
    if (state_.owner >= 0) holder_ = MutexSegment{id_, at, at, true, static_cast<std::uint32_t>(state_.owner), !state_.waiters.empty()};
    for (std::uint32_t w : state_.waiters) waiting_[w] = at;
  }

  void close_all(std::uint64_t at) {
    if (holder_) finish_holder(at);
    for (const auto& [thread, since] : waiting_) push(MutexSegment{id_, since, at, false, thread, false});
    waiting_.clear();
  }

  void change(std::uint64_t at, std::int64_t owner, const std::vector<std::uint32_t>& waiters) {
    if (owner != state_.owner) {
      if (holder_) finish_holder(at);
      if (owner >= 0) holder_ = MutexSegment{id_, at, at, true, static_cast<std::uint32_t>(owner), false};
    }
    end_waits_of_threads_not_in(at, waiters);
    for (std::uint32_t w : waiters) waiting_.emplace(w, at);
    state_.owner = owner;
    state_.waiters = waiters;
    if (holder_ && !waiters.empty()) holder_->contended = true;
  }

  void folded(std::uint64_t first, std::uint64_t last, const MutexSpan& span) {
    MutexSegment seg{id_, first, last, span.start_owner >= 0 || span.end_owner >= 0 || span.changes > 0,
                     static_cast<std::uint32_t>(span.end_owner >= 0 ? span.end_owner : std::max<std::int64_t>(span.start_owner, 0)),
                     span.contended};
    seg.folded = true;
    seg.folded_count = span.changes;
    push(seg);
  }

  std::vector<MutexSegment>& segments() { return out_; }

 private:
  // Ends the wait of every waiting thread that `waiters` no longer lists,
  // in thread order. A mutex can have thousands of waiters (a forged trace
  // any number), so `waiters` is sorted once and walked beside waiting_
  // (ordered by thread too) rather than searched once per waiting thread.
  void end_waits_of_threads_not_in(std::uint64_t at, const std::vector<std::uint32_t>& waiters) {
    sorted_waiters_.assign(waiters.begin(), waiters.end());
    std::sort(sorted_waiters_.begin(), sorted_waiters_.end());
    auto still = sorted_waiters_.begin();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      still = std::lower_bound(still, sorted_waiters_.end(), it->first);
      if (still != sorted_waiters_.end() && *still == it->first) {
        ++it;
        continue;
      }
      push(MutexSegment{id_, it->second, at, false, it->first, false});
      it = waiting_.erase(it);
    }
  }
  void finish_holder(std::uint64_t at) {
    holder_->last = at;
    push(*holder_);
    holder_.reset();
  }
  void push(MutexSegment seg) {
    if (seg.last > seg.first) out_.push_back(seg);
  }

  std::int64_t id_;
  HeldOrWaiting state_;
  std::optional<MutexSegment> holder_;
  std::map<std::uint32_t, std::uint64_t> waiting_;
  std::vector<std::uint32_t> sorted_waiters_;  // kept between changes for its capacity
  std::vector<MutexSegment> out_;
};

// Folds one track of mutex segments (the holders, or one waiting thread).
std::vector<MutexSegment> fold_track(const std::vector<MutexSegment>& segs, std::uint64_t min_width) {
  if (min_width <= 1) return segs;
  std::vector<MutexSegment> out;
  std::optional<MutexSegment> group;
  std::uint32_t members = 0, count = 0;
  MutexSegment single;
  auto flush = [&] {
    if (!group) return;
    if (members == 1) {
      out.push_back(single);
    } else {
      group->folded = true;
      group->folded_count = count;
      out.push_back(*group);
    }
    group.reset();
    members = count = 0;
  };
  for (const MutexSegment& seg : segs) {
    std::uint32_t weight = seg.folded ? std::max<std::uint32_t>(seg.folded_count, 1) : 1;
    if (seg.last - seg.first >= min_width) {
      flush();
      out.push_back(seg);
      continue;
    }
    if (group && seg.first - group->last >= min_width) flush();
    if (!group) {
      group = seg;
      single = seg;
    } else {
      group->last = seg.last;
      group->contended = group->contended || seg.contended;
    }
    ++members;
    count += weight;
    if (group->last - group->first >= min_width) flush();
  }
  flush();
  return out;
}

}  // namespace

std::vector<ThreadSegment> ReaderImpl::thread_lane(std::uint32_t thread, std::uint64_t first, std::uint64_t last,
                                                   std::uint64_t min_width) {
  last = std::min(last, info_.steps);
  std::size_t b0 = block_at(first);
  if (first >= last || b0 == blocks_.size()) return {};
  std::optional<std::uint64_t> keep;
  if (std::optional<FailureMark> f = failure(); f && f->thread == thread) keep = f->step;

  struct Carried {
    bool exists = false;
    ThreadState state = ThreadState::Runnable;
    std::string wait;
  } carried;
  for (std::size_t b = b0; b-- > 0;) {
    if (const ThreadSpan* span = blocks_[b].summary.thread(thread)) {
      carried = Carried{true, span->end_state, span->end_wait};
      break;
    }
  }

  std::vector<ThreadSegment> segs;
  for (std::size_t b = b0; b < blocks_.size() && blocks_[b].summary.first_step < last; ++b) {
    const BlockSummary& sum = blocks_[b].summary;
    std::uint64_t s = std::max(first, sum.first_step);
    std::uint64_t e = std::min(last, sum.end_step());
    const ThreadSpan* span = sum.thread(thread);
    if (span == nullptr) {
      if (carried.exists) {
        append(segs, ThreadSegment{s, e, activity_of(carried.state), kNoStmt, carried.wait}, keep);
      }
      continue;
    }
    bool whole = s == sum.first_step && e == sum.end_step();
    bool failure_here = keep && *keep >= s && *keep < e;
    if (whole && !failure_here && span->existed_at_start) {
      int kinds = (span->running > 0) + (span->runnable > 0) + (span->blocked > 0) + (span->sleeping > 0) +
                  (span->finished > 0);
      if (kinds == 1) {
        ThreadActivity a = span->running > 0    ? ThreadActivity::Running
                           : span->runnable > 0 ? ThreadActivity::Runnable
                           : span->blocked > 0  ? ThreadActivity::Blocked
                           : span->sleeping > 0 ? ThreadActivity::Sleeping
                                                : ThreadActivity::Finished;
        std::string wait = a == ThreadActivity::Blocked || a == ThreadActivity::Sleeping ? span->start_wait : "";
        append(segs, ThreadSegment{s, e, a, a == ThreadActivity::Running ? span->first_stmt : kNoStmt, wait}, keep);
        carried = Carried{true, span->end_state, span->end_wait};
        continue;
      }
      if (e - s <= 2 * min_width) {
        ThreadSegment seg{s, e, ThreadActivity::Runnable, span->first_stmt, ""};
        for (auto [count, a] : {std::pair{span->finished, ThreadActivity::Finished},
                                std::pair{span->runnable, ThreadActivity::Runnable},
                                std::pair{span->running, ThreadActivity::Running},
                                std::pair{span->sleeping, ThreadActivity::Sleeping},
                                std::pair{span->blocked, ThreadActivity::Blocked}}) {
          if (count > 0) seg.activity = a;
        }
        if (seg.activity == ThreadActivity::Blocked || seg.activity == ThreadActivity::Sleeping) {
          seg.waits_for = span->start_wait.empty() ? span->end_wait : span->start_wait;
        }
        seg.folded = true;
        seg.folded_count = span->segments;
        segs.push_back(std::move(seg));
        carried = Carried{true, span->end_state, span->end_wait};
        continue;
      }
    }
    std::shared_ptr<const DecodedBlock> block = decoded(b);
    if (!block) break;
    bool exists = span->existed_at_start;
    ThreadState state = span->start_state;
    std::string wait = span->start_wait;
    for (std::uint64_t step = sum.first_step; step < e; ++step) {
      const DecodedStep& st = block->steps[static_cast<std::size_t>(step - sum.first_step)];
      if (step >= s) {
        if (st.event.thread == thread) {
          append(segs, ThreadSegment{step, step + 1, ThreadActivity::Running, st.event.stmt, ""}, keep);
        } else if (exists) {
          bool waiting = state == ThreadState::Blocked || state == ThreadState::Sleeping;
          append(segs, ThreadSegment{step, step + 1, activity_of(state), kNoStmt, waiting ? wait : ""}, keep);
        }
      }
      for (const ThreadChange& c : st.threads) {
        if (c.thread != thread) continue;
        exists = true;
        state = c.state;
        wait = c.wait;
      }
    }
    carried = Carried{true, span->end_state, span->end_wait};
  }
  return fold_threads(std::move(segs), min_width, keep);
}

std::vector<MutexSegment> ReaderImpl::mutex_lane(std::int64_t mutex, std::uint64_t first, std::uint64_t last,
                                                 std::uint64_t min_width) {
  last = std::min(last, info_.steps);
  std::size_t b0 = block_at(first);
  if (first >= last || b0 == blocks_.size()) return {};
  HeldOrWaiting state;
  for (std::size_t b = b0; b-- > 0;) {
    if (const MutexSpan* span = blocks_[b].summary.mutex(mutex)) {
      state = HeldOrWaiting{span->end_owner, span->end_waiters};
      break;
    }
  }
  MutexLaneBuilder lane(mutex);
  bool opened = false;
  for (std::size_t b = b0; b < blocks_.size() && blocks_[b].summary.first_step < last; ++b) {
    const BlockSummary& sum = blocks_[b].summary;
    std::uint64_t s = std::max(first, sum.first_step);
    std::uint64_t e = std::min(last, sum.end_step());
    const MutexSpan* span = sum.mutex(mutex);
    std::shared_ptr<const DecodedBlock> block;
    if (!opened) {
      if (span != nullptr && s > sum.first_step) {
        block = decoded(b);
        if (!block) break;
        for (std::uint64_t step = sum.first_step; step + 1 <= s; ++step) {
          for (const MutexChange& c : block->steps[static_cast<std::size_t>(step - sum.first_step)].mutexes) {
            if (c.id == mutex) state = HeldOrWaiting{c.owner, c.waiters};
          }
        }
      }
      lane.open(s, state);
      opened = true;
    }
    if (span == nullptr) continue;
    bool whole = s == sum.first_step && e == sum.end_step();
    if (whole && span->changes > 1 && e - s <= 2 * min_width) {
      lane.close_all(s);
      lane.folded(s, e, *span);
      lane.open(e, HeldOrWaiting{span->end_owner, span->end_waiters});
      continue;
    }
    if (!block) block = decoded(b);
    if (!block) break;
    for (std::uint64_t step = sum.first_step; step < e; ++step) {
      std::uint64_t at = step + 1;
      if (at <= s) continue;
      for (const MutexChange& c : block->steps[static_cast<std::size_t>(step - sum.first_step)].mutexes) {
        if (c.id == mutex) lane.change(at, c.owner, c.waiters);
      }
    }
  }
  lane.close_all(last);

  // Fold each track on its own: the holders, and each waiting thread.
  std::map<std::int64_t, std::vector<MutexSegment>> tracks;  // -1: holders
  for (const MutexSegment& seg : lane.segments()) tracks[seg.held ? -1 : seg.thread].push_back(seg);
  std::vector<MutexSegment> out;
  for (auto& [track, segs] : tracks) {
    std::sort(segs.begin(), segs.end(), [](const MutexSegment& a, const MutexSegment& b) { return a.first < b.first; });
    for (MutexSegment& seg : fold_track(segs, min_width)) out.push_back(seg);
  }
  std::sort(out.begin(), out.end(), [](const MutexSegment& a, const MutexSegment& b) {
    if (a.first != b.first) return a.first < b.first;
    if (a.held != b.held) return a.held;
    return a.thread < b.thread;
  });
  return out;
}

std::vector<std::int64_t> ReaderImpl::mutexes() {
  std::vector<std::int64_t> ids;
  for (const BlockEntry& b : blocks_) {
    for (const MutexSpan& m : b.summary.mutexes) ids.push_back(m.id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace dust::rec
