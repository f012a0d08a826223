// step_printer.hpp — `dustrun --trace`: one line per executed step.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "dust/observer.hpp"

namespace dust {

class StepPrinter final : public ExecutionObserver {
 public:
  explicit StepPrinter(std::ostream& out) : out_(out) {}
  void on_step(const Machine& machine, const StepEvent& event) override;

 private:
  const std::string& path_of(const Program& program, std::uint32_t stmt);

  std::ostream& out_;
  std::vector<std::string> paths_;  // statement paths, computed on first use
};

}  // namespace dust
