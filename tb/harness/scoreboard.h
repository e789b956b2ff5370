// In-order scoreboard for one output tensor (docs/conventions.md, "Tests"). expect() queues golden
// values, observe() compares the RTL's beats with them at the handshake. The first mismatches are
// reported with the tensor name, the element's index, the expected and the actual value; all are
// counted. finish() requires an empty queue and compared == expected. reset() withdraws what an
// interrupted job would still have given (a reset in the middle of a run).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "describe.h"
#include "error_log.h"

namespace hycim::tb {

// Elements compared by every scoreboard of this process; the test main prints the total when the
// tests end, which is how the regression runner counts stream elements per block.
inline uint64_t& compared_in_process() {
  static uint64_t n = 0;
  return n;
}

template <class T>
class Scoreboard {
 public:
  // index_name turns an element's position into a readable index ("beat 7", "[row 2, col 5]").
  using IndexName = std::function<std::string(uint64_t)>;

  Scoreboard(std::string tensor, ErrorLog& log, IndexName index_name = {})
      : tensor_(std::move(tensor)), log_(log), index_name_(std::move(index_name)) {
    if (!index_name_) index_name_ = [](uint64_t i) { return fmt::format("beat {}", i); };
  }

  void expect(const T& v) {
    expected_.push_back(v);
    ++expected_total_;
  }
  template <class Range>
  void expect_all(const Range& r) {
    for (const auto& v : r) expect(static_cast<T>(v));
  }

  void observe(const T& actual) {
    const uint64_t idx = compared_ + unexpected_;
    if (expected_.empty()) {
      ++unexpected_;
      if (reported_++ < kMaxReported) {
        log_.error(
            fmt::format("tensor '{}' {}: unexpected element {} (all {} expected elements "
                        "were already seen)",
                        tensor_, index_name_(idx), describe(actual), expected_total_));
      }
      return;
    }
    const T want = expected_.front();
    expected_.pop_front();
    ++compared_;
    ++compared_in_process();
    if (!(want == actual)) {
      ++mismatches_;
      if (!first_mismatch_) first_mismatch_ = idx;
      if (reported_++ < kMaxReported) {
        log_.error(fmt::format("tensor '{}' {}: expected {}, got {}", tensor_, index_name_(idx),
                               describe(want), describe(actual)));
      } else if (reported_ == kMaxReported + 1) {
        log_.error(
            fmt::format("tensor '{}': further mismatches are counted, not printed", tensor_));
      }
    }
  }

  // A reset in the middle of a run: the elements still expected are withdrawn (they no longer
  // count as expected); what was compared stays compared. Returns how many were withdrawn.
  uint64_t reset() {
    const uint64_t n = expected_.size();
    expected_.clear();
    expected_total_ -= n;
    withdrawn_ += n;
    return n;
  }

  // Final check: every expected element was seen, none more. Returns true when all matched.
  bool finish() {
    if (mismatches_ != 0 || unexpected_ != 0) {
      log_.error(
          fmt::format("tensor '{}': {} of {} elements compared, {} mismatches (first at {}), "
                      "{} unexpected",
                      tensor_, compared_, expected_total_, mismatches_,
                      first_mismatch_ ? index_name_(*first_mismatch_) : "-", unexpected_));
    }
    if (!expected_.empty()) {
      log_.error(
          fmt::format("tensor '{}': {} of {} expected elements never arrived (first "
                      "missing: {}, expected {})",
                      tensor_, expected_.size(), expected_total_, index_name_(compared_),
                      describe(expected_.front())));
    }
    return expected_.empty() && unexpected_ == 0 && mismatches_ == 0 &&
           compared_ == expected_total_;
  }

  const std::string& tensor() const { return tensor_; }
  uint64_t compared() const { return compared_; }
  uint64_t mismatches() const { return mismatches_; }
  uint64_t expected_total() const { return expected_total_; }
  uint64_t pending() const { return expected_.size(); }
  uint64_t withdrawn() const { return withdrawn_; }

 private:
  static constexpr uint64_t kMaxReported = 5;
  std::string tensor_;
  ErrorLog& log_;
  IndexName index_name_;
  std::deque<T> expected_;
  uint64_t expected_total_ = 0;
  uint64_t compared_ = 0;
  uint64_t mismatches_ = 0;
  uint64_t unexpected_ = 0;
  uint64_t withdrawn_ = 0;
  uint64_t reported_ = 0;
  std::optional<uint64_t> first_mismatch_;
};

}  // namespace hycim::tb
