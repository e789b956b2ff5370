// Reset in the middle of a run (docs/conventions.md, "Reset in the middle of a run"): the pieces
// a <Block>Reset.MidOperation test is made of.
//
//   - ResetPoint and run_to_reset_point(): where in the interrupted job rst_ni falls (a few
//     cycles after the start, after a random share of the outputs, or while an output beat is
//     held by back-pressure), drawn from the test's seeded RNG;
//   - QuietMonitor: output valids (and done) that must stay low from the moment rst_ni falls
//     until the next job starts;
//   - read_registers() / expect_reset_values(): every register of a generated map
//     (<build>/gen/regs/<top>_regs.h, kRegisters) reads after the reset what the description
//     fixes (RegInfo::reset) and, for the rest, what it read after the power-on reset.
//
// Harness::reset_mid_run() asserts the reset and tells every plug-in (StreamSource,
// StreamSink, ResetHook for scoreboards and bench state) to drop its in-flight state.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "error_log.h"
#include "golden/core/rng.h"
#include "harness.h"

namespace hycim::tb {

// Where the interrupted job is reset.
enum class ResetPoint {
  kEarly,          // 0..8 cycles after the start
  kMid,            // after a random share of the job's output beats
  kBackPressured,  // the output sink holds ready low and an output beat is waiting
};
inline constexpr ResetPoint kResetPoints[] = {ResetPoint::kEarly, ResetPoint::kMid,
                                              ResetPoint::kBackPressured};

inline const char* to_string(ResetPoint p) {
  switch (p) {
    case ResetPoint::kEarly:
      return "early";
    case ResetPoint::kMid:
      return "mid";
    case ResetPoint::kBackPressured:
      return "back-pressured";
  }
  return "?";
}

// gtest prints a ResetPoint parameter by its name.
inline void PrintTo(ResetPoint p, std::ostream* os) { *os << to_string(p); }

// gtest's name for a test parameterized on ResetPoint ("early", "mid", "back_pressured").
template <class ParamInfo>
std::string reset_point_name(const ParamInfo& info) {
  std::string n = to_string(info.param);
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

// What run_to_reset_point() needs of the interrupted job's output stream.
struct ResetTarget {
  std::function<uint64_t()> received;    // output beats taken so far in this job
  uint64_t beats = 0;                    // output beats the job would give in all
  std::function<bool()> out_valid;       // the output stream's valid
  std::function<void(bool)> pause_sink;  // holds the output sink's ready low (true) or not
  uint64_t limit = 100000;               // cycles to wait for the point at most
};

// Steps a started job to the reset point `p`, drawn from `rng`. Returns a description of the
// point ("mid: after 13 of 40 output beats, +2 cycles") for messages. A job that ends before
// the point is reached is not an error: the reset then hits an idle or finishing unit.
template <class Dut>
std::string run_to_reset_point(Harness<Dut>& h, ResetPoint p, golden::Rng& rng,
                               const ResetTarget& t) {
  if (t.beats == 0 && p != ResetPoint::kEarly) {
    // A job without output beats (a parameter load): somewhere in its input.
    const auto n = static_cast<uint64_t>(rng.uniform_int(1, 40));
    h.step(n);
    return fmt::format("{} (a job without output): {} cycles after the start (cycle {})",
                       to_string(p), n, h.cycle());
  }
  switch (p) {
    case ResetPoint::kEarly: {
      const auto n = static_cast<uint64_t>(rng.uniform_int(0, 8));
      h.step(n);
      return fmt::format("early: {} cycles after the start (cycle {})", n, h.cycle());
    }
    case ResetPoint::kMid: {
      const uint64_t last = t.beats > 1 ? t.beats - 1 : 1;
      const auto k = static_cast<uint64_t>(rng.uniform_int(1, static_cast<int64_t>(last)));
      h.run_until([&] { return t.received() >= k; }, t.limit, "the mid-run reset point");
      const auto extra = static_cast<uint64_t>(rng.uniform_int(0, 3));
      h.step(extra);
      return fmt::format("mid: after {} of {} output beats, +{} cycles (cycle {})", k, t.beats,
                         extra, h.cycle());
    }
    case ResetPoint::kBackPressured: {
      // Let some beats through first, then hold ready low until an output beat waits.
      const auto k = static_cast<uint64_t>(
          rng.uniform_int(0, static_cast<int64_t>(t.beats > 1 ? t.beats / 2 : 0)));
      h.run_until([&] { return t.received() >= k; }, t.limit, "the back-pressure point");
      t.pause_sink(true);
      h.step(1);
      h.run_until([&] { return t.out_valid(); }, t.limit, "an output beat held by back-pressure");
      const auto held = static_cast<uint64_t>(rng.uniform_int(1, 6));
      h.step(held);
      if (!t.out_valid()) {
        h.log().error("back-pressure point: the held output beat's valid dropped before reset");
      }
      return fmt::format(
          "back-pressured: after {} of {} output beats, an output beat held {} cycles (cycle {})",
          t.received(), t.beats, held, h.cycle());
    }
  }
  return "?";
}

// The signals that must be low while rst_ni is low and after it until the next job starts
// (release()): every output stream's valid, done. Checked each cycle in sample(); armed by
// every reset in the middle of a run, or by arm().
class QuietMonitor : public ClockPlugin {
 public:
  using Signal = std::pair<std::string, std::function<bool()>>;

  QuietMonitor(ErrorLog& log, std::vector<Signal> signals)
      : log_(log), signals_(std::move(signals)) {}

  void arm() { armed_ = true; }
  // The next job starts: its outputs may rise.
  void release() { armed_ = false; }
  bool armed() const { return armed_; }
  // Cycles in which the signals were checked (a test asserts on it, so the check ran).
  uint64_t checked() const { return checked_; }

  void reset_begin(uint64_t) override { armed_ = true; }
  void sample(uint64_t cycle) override {
    if (!armed_) return;
    ++checked_;
    for (const auto& [name, high] : signals_) {
      if (high() && reported_++ < kMaxReported) {
        log_.error(
            fmt::format("{} high at cycle {} after a reset in the middle of a run, "
                        "before the next job started",
                        name, cycle));
      }
    }
  }

 private:
  static constexpr uint64_t kMaxReported = 5;
  ErrorLog& log_;
  std::vector<Signal> signals_;
  bool armed_ = false;
  uint64_t checked_ = 0;
  uint64_t reported_ = 0;
};

// Every register of a generated map, read over APB, in the table's order.
template <class Apb, class Table>
std::vector<uint32_t> read_registers(Apb& apb, const Table& registers) {
  std::vector<uint32_t> v;
  for (const auto& r : registers) v.push_back(apb.read_ok(r.offset));
  return v;
}

// After a reset in the middle of a run: every register reads its reset value where the
// description fixes it (RegInfo::reset_known), and otherwise (the block's counters and status
// registers, values given by a build parameter) what it read after the power-on reset
// (`power_on`, from read_registers() before the first job). Registers named in `skip` are
// windows into memories without reset (a conventions-allowed buffer: their content after reset
// does not matter) and are not compared. Errors go to `log`, naming the register. Returns the
// number of registers compared.
template <class Apb, class Table>
unsigned expect_reset_values(Apb& apb, const Table& registers,
                             const std::vector<uint32_t>& power_on, ErrorLog& log,
                             std::vector<std::string_view> skip = {}) {
  unsigned n = 0;
  size_t i = 0;
  for (const auto& r : registers) {
    const uint32_t before = i < power_on.size() ? power_on[i] : 0;
    ++i;
    if (std::find(skip.begin(), skip.end(), r.name) != skip.end()) continue;
    const uint32_t got = apb.read_ok(r.offset);
    if (r.reset_known && before != r.reset) {
      log.error(
          fmt::format("register {} ({:#04x}) read {:#x} after the power-on reset; its reset "
                      "value is {:#x}",
                      r.name, r.offset, before, r.reset));
    }
    const uint32_t want = r.reset_known ? r.reset : before;
    if (got != want) {
      log.error(
          fmt::format("register {} ({:#04x}) reads {:#x} after a reset in the middle of a "
                      "run; expected {:#x} ({})",
                      r.name, r.offset, got, want,
                      r.reset_known ? "its reset value" : "as after the power-on reset"));
    }
    ++n;
  }
  return n;
}

}  // namespace hycim::tb
