// Collects the failures of one simulation (scoreboards, monitors, the harness itself). A hook
// forwards each message as it happens (the gtest glue turns it into a test failure at once; the
// CLI prints it), and the log keeps them for the final report.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hycim::tb {

class ErrorLog {
 public:
  void error(std::string msg) {
    if (count_ == 0 && cycle_ != nullptr) first_cycle_ = *cycle_;
    ++count_;
    if (hook_) hook_(msg);
    if (messages_.size() < kMaxKept) messages_.push_back(std::move(msg));
  }
  size_t count() const { return count_; }
  bool ok() const { return count_ == 0; }
  const std::vector<std::string>& messages() const { return messages_; }
  void set_hook(std::function<void(const std::string&)> hook) { hook_ = std::move(hook); }
  // The simulation whose cycle counter dates the first error (the harness sets it while it
  // lives); the waveform of a failure is recorded around that cycle.
  void set_cycle_source(const uint64_t* cycle) { cycle_ = cycle; }
  std::optional<uint64_t> first_error_cycle() const { return first_cycle_; }

 private:
  static constexpr size_t kMaxKept = 100;
  size_t count_ = 0;
  std::vector<std::string> messages_;
  std::function<void(const std::string&)> hook_;
  const uint64_t* cycle_ = nullptr;
  std::optional<uint64_t> first_cycle_;
};

}  // namespace hycim::tb
