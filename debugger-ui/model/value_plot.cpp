// value_plot.cpp — sampling a binding or a memory cell over the visible range.
#include "model/value_plot.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "dust/evaluate.hpp"

namespace dust::dbg {

namespace {

bool plottable(const Selection& s) {
  return s.kind == Selection::Kind::Binding || s.kind == Selection::Kind::MemoryCell;
}

// The eight bytes at `address`, little-endian, from the block holding it.
std::optional<std::int64_t> cell_value(const Machine& m, std::int64_t address) {
  const auto& blocks = m.k.heap.blocks;
  auto it = blocks.upper_bound(address);
  if (it == blocks.begin()) return std::nullopt;
  --it;
  const HeapBlock& block = it->second;
  if (!block.live || address < block.address || address >= block.address + block.size) return std::nullopt;
  auto offset = static_cast<std::size_t>(address - block.address);
  std::uint64_t word = 0;
  for (std::size_t k = 0; k < 8 && offset + k < block.bytes.size(); ++k) {
    word |= static_cast<std::uint64_t>(block.bytes[offset + k]) << (8 * k);
  }
  return static_cast<std::int64_t>(word);
}

}  // namespace

std::optional<std::int64_t> selected_int(const Machine& machine, const Selection& selection) {
  if (selection.kind == Selection::Kind::MemoryCell) return cell_value(machine, selection.address);
  if (selection.kind != Selection::Kind::Binding) return std::nullopt;
  if (selection.thread >= machine.threads.size()) return std::nullopt;
  if (selection.frame >= machine.threads[selection.thread].frames.size()) return std::nullopt;
  std::string error;
  std::optional<Value> v = evaluate_in_frame(machine, selection.thread, selection.frame, selection.name, error);
  if (!v || !v->is_int()) return std::nullopt;
  return v->as_int();
}

const ValuePlot* ValuePlotter::plot(rec::TraceReader& reader, const Selection& selection, TimeRange visible,
                                    std::uint64_t steps) {
  if (!plottable(selection)) return nullptr;
  if (!(selection == cached_selection_) || !(visible == cached_range_) || steps != cached_steps_) {
    rebuild(reader, selection, visible, steps);
    cached_selection_ = selection;
    cached_range_ = visible;
    cached_steps_ = steps;
  }
  return &plot_;
}

void ValuePlotter::rebuild(rec::TraceReader& reader, const Selection& selection, TimeRange visible,
                           std::uint64_t steps) {
  ++rebuilds_;
  plot_ = ValuePlot{};
  plot_.subject = selection.kind == Selection::Kind::Binding
                      ? selection.name + " (T" + std::to_string(selection.thread) + " frame " +
                            std::to_string(selection.frame) + ")"
                      : "memory " + std::to_string(selection.address);
  auto first = static_cast<std::uint64_t>(std::clamp(std::floor(visible.first), 0.0, static_cast<double>(steps)));
  auto last = static_cast<std::uint64_t>(std::clamp(std::ceil(visible.last), 0.0, static_cast<double>(steps)));
  if (last < first) last = first;
  std::uint64_t span = last - first;
  std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(span + 1, kMaxSamples));
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t step = n == 1 ? first : first + span * i / (n - 1);
    std::optional<std::int64_t> v = selected_int(reader.state_at(step), selection);
    plot_.steps.push_back(step);
    plot_.exact.push_back(v.value_or(0));
    plot_.known.push_back(v.has_value());
    if (v) {
      if (plot_.known_count == 0 || *v < plot_.min) plot_.min = *v;
      if (plot_.known_count == 0 || *v > plot_.max) plot_.max = *v;
      ++plot_.known_count;
    }
  }
  // An unknown sample is drawn level with its known neighbour (the one
  // before it, or the first one for those at the start), so the line
  // neither dives to zero nor jumps where the value merely does not exist;
  // the view says how many samples have no value.
  std::optional<std::int64_t> held;
  for (std::size_t i = 0; i < n; ++i) {
    if (plot_.known[i]) held = plot_.exact[i];
    if (!held) {
      for (std::size_t j = i; j < n && !held; ++j) {
        if (plot_.known[j]) held = plot_.exact[j];
      }
    }
    plot_.values.push_back(static_cast<float>(plot_.known[i] ? plot_.exact[i] : held.value_or(0)));
  }
}

}  // namespace dust::dbg
