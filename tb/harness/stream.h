// Valid/ready stream drivers and monitors (docs/conventions.md, "Streams (valid/ready)").
//
// StreamSource feeds beats into a DUT input stream and StreamSink takes beats from a DUT output
// stream. Both insert random stalls with a StallProfile (valid gaps on sources, ready drops on
// sinks) or run without any. The sink also checks that the DUT obeys the stream rules: once
// valid, valid and the payload hold until the handshake.
//
// Ports are bound with small lambdas, so one driver serves any port width or payload struct.
//
// On a reset in the middle of a run (Harness::reset_mid_run) the source withdraws every queued
// beat and restarts its count; the sink forgets a stalled beat, restarts its count, and reports
// any valid it sees while rst_ni is low (docs/conventions.md, "Reset in the middle of a run").
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <ostream>
#include <string>
#include <utility>

#include "describe.h"
#include "error_log.h"
#include "golden/core/rng.h"
#include "harness.h"

namespace hycim::tb {

// Probability that a source offers a queued beat in a cycle, and that a sink is ready.
struct StallProfile {
  std::string name = "none";
  double valid_prob = 1.0;
  double ready_prob = 1.0;

  static StallProfile none() { return {"none", 1.0, 1.0}; }
  static StallProfile random() { return {"random", 0.7, 0.6}; }
  static StallProfile heavy() { return {"heavy", 0.3, 0.25}; }
  // "none", "random" or "heavy"; throws hycim::Error otherwise.
  static StallProfile parse(const std::string& name);
};

// gtest prints parameters with PrintTo; a profile prints as its name.
inline void PrintTo(const StallProfile& p, std::ostream* os) { *os << p.name; }

template <class Beat>
class StreamSource : public ClockPlugin {
 public:
  struct Ports {
    std::function<void(bool)> set_valid;
    std::function<bool()> get_ready;
    std::function<void(const Beat&)> set_data;
  };

  StreamSource(std::string name, Ports ports, golden::Rng& rng, double valid_prob)
      : name_(std::move(name)), ports_(std::move(ports)), rng_(rng), valid_prob_(valid_prob) {
    ports_.set_valid(false);
  }

  void push(const Beat& b) { queue_.push_back(b); }
  template <class Range>
  void push_all(const Range& r) {
    for (const auto& b : r) queue_.push_back(b);
  }
  bool idle() const { return queue_.empty(); }
  // Withdraws every queued beat, including one on offer that the DUT has not taken.
  void clear() {
    queue_.clear();
    offering_ = false;
  }
  uint64_t sent() const { return sent_; }
  const std::string& name() const { return name_; }

  void drive(uint64_t) override {
    // A beat once offered stays offered until it is taken (the stream rules).
    if (!offering_ && !queue_.empty() && rng_.bernoulli(valid_prob_)) offering_ = true;
    ports_.set_valid(offering_);
    if (offering_) ports_.set_data(queue_.front());
  }

  // The interrupted job's beats are gone with the reset: the next job queues its own.
  void reset_begin(uint64_t) override {
    clear();
    sent_ = 0;
  }

  void sample(uint64_t) override {
    if (offering_ && ports_.get_ready()) {
      queue_.pop_front();
      offering_ = false;
      ++sent_;
    }
  }

 private:
  std::string name_;
  Ports ports_;
  golden::Rng& rng_;
  double valid_prob_;
  std::deque<Beat> queue_;
  bool offering_ = false;
  uint64_t sent_ = 0;
};

template <class Beat>
class StreamSink : public ClockPlugin {
 public:
  struct Ports {
    std::function<bool()> get_valid;
    std::function<void(bool)> set_ready;
    std::function<Beat()> get_data;
  };
  // Called at every handshake with the beat and its index on this stream.
  using OnBeat = std::function<void(const Beat&, uint64_t)>;

  StreamSink(std::string name, Ports ports, golden::Rng& rng, double ready_prob, ErrorLog& log,
             OnBeat on_beat)
      : name_(std::move(name)),
        ports_(std::move(ports)),
        rng_(rng),
        ready_prob_(ready_prob),
        log_(log),
        on_beat_(std::move(on_beat)) {
    ports_.set_ready(false);
  }

  uint64_t received() const { return received_; }
  const std::string& name() const { return name_; }
  // Stop taking beats (ready low) from the next cycle on.
  void pause(bool p) { paused_ = p; }

  void drive(uint64_t) override {
    ready_ = !paused_ && rng_.bernoulli(ready_prob_);
    ports_.set_ready(ready_);
  }

  // A reset may drop a beat that waited for ready: that is no stream-rule violation. While
  // rst_ni is low the stream must stay quiet.
  void reset_begin(uint64_t) override {
    in_reset_ = true;
    stalled_ = false;
    received_ = 0;
  }
  void reset_end(uint64_t) override { in_reset_ = false; }

  void sample(uint64_t cycle) override {
    const bool valid = ports_.get_valid();
    if (in_reset_) {
      if (valid) {
        log_.error(
            fmt::format("stream '{}': valid high while rst_ni is low (cycle {})", name_, cycle));
      }
      return;
    }
    if (stalled_) {
      if (!valid) {
        log_.error(
            fmt::format("stream '{}': valid dropped before the handshake of beat {} "
                        "(cycle {})",
                        name_, received_, cycle));
      } else if (!(ports_.get_data() == held_)) {
        log_.error(
            fmt::format("stream '{}': payload of beat {} changed while stalled (cycle {}): "
                        "was {}, now {}",
                        name_, received_, cycle, describe(held_), describe(ports_.get_data())));
      }
    }
    stalled_ = valid && !ready_;
    if (stalled_) held_ = ports_.get_data();
    if (valid && ready_) on_beat_(ports_.get_data(), received_++);
  }

 private:
  std::string name_;
  Ports ports_;
  golden::Rng& rng_;
  double ready_prob_;
  ErrorLog& log_;
  OnBeat on_beat_;
  bool ready_ = false;
  bool paused_ = false;
  bool in_reset_ = false;
  bool stalled_ = false;
  Beat held_{};
  uint64_t received_ = 0;
};

}  // namespace hycim::tb
