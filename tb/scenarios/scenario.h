// What every HyCIM scenario (an RTL-vs-golden run used by the hycim CLI and by the tests) takes
// and reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "error_log.h"
#include "golden/core/rng.h"
#include "harness.h"
#include "stream.h"
#include "trace_options.h"

namespace hycim::tb {

struct ScenarioOptions {
  std::string config = "ci";
  uint64_t seed = 1;
  StallProfile stall = StallProfile::random();
  unsigned runs = 4;  // starts, each with its own random configuration
  uint32_t len = 0;   // elements per run; 0: random in 1 .. the build maximum
  TraceOptions trace;
  std::string name = "scenario";  // names the waveform and coverage files
  bool progress = false;          // print a line per run
  int rand_reset = 0;             // 2: every flop starts random before reset (robustness runs)
};

struct TensorTally {
  std::string name;
  uint64_t expected = 0;
  uint64_t compared = 0;
  uint64_t mismatches = 0;
};

struct ScenarioReport {
  std::string scenario;
  std::string config;
  std::string top;
  uint64_t seed = 0;
  std::string stall;
  unsigned runs = 0;
  uint64_t cycles = 0;
  uint64_t elements = 0;
  std::vector<TensorTally> tensors;
  std::vector<std::string> errors;  // the first ones
  uint64_t error_count = 0;
  std::optional<uint64_t> first_error_cycle;  // the simulated cycle of the first error
  std::string waveform;
  std::string gtkwave_command;
  double wall_seconds = 0;
  bool passed = false;
};

// Steady-state throughput of one mode: `rows` rows of the maximum length in one start, no
// stalls; elements per cycle from the CYCLES register. Every output is still compared.
struct Throughput {
  uint32_t mode = 0;
  uint32_t len = 0;
  uint32_t rows = 0;
  uint32_t cycles = 0;
  double elements_per_cycle = 0;
  bool passed = false;
};

template <class SB>
TensorTally tally(const SB& sb) {
  return {sb.tensor(), sb.expected_total(), sb.compared(), sb.mismatches()};
}

// The bookkeeping every scenario shares: the report's header fields, the harness options (with
// the saved gtkwave view, if any), a stall RNG separate from the stimulus RNG (so stimulus does
// not depend on the back-pressure profile), and the closing fields.
class ScenarioRun {
 public:
  ScenarioRun(std::string scenario, std::string top, const ScenarioOptions& o,
              const std::string& view = "")
      : stall_rng(golden::splitmix64(o.seed ^ 0x5354414c4cull)),
        t0_(std::chrono::steady_clock::now()),
        trace_file_(o.trace.file) {
    rep.scenario = std::move(scenario);
    rep.config = o.config;
    rep.top = std::move(top);
    rep.seed = o.seed;
    rep.stall = o.stall.name;
    harness.name = o.name;
    harness.seed = o.seed;
    harness.trace = o.trace;
    harness.rand_reset = o.rand_reset;
    if (o.trace.enabled) harness.trace.view = view;
  }

  // Records cycles and the waveform while the harness still exists.
  template <class Dut>
  void record_sim(const Harness<Dut>& h) {
    rep.cycles = h.cycle();
    if (h.tracing()) {
      rep.waveform = std::filesystem::absolute(trace_file_).string();
      rep.gtkwave_command = harness.trace.gtkwave_command();
    }
  }

  ScenarioReport finish(const ErrorLog& log) {
    rep.error_count = log.count();
    rep.first_error_cycle = log.first_error_cycle();
    rep.errors = log.messages();
    rep.passed = log.ok();
    rep.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    return rep;
  }

  ScenarioReport rep;
  HarnessOptions harness;
  golden::Rng stall_rng;

 private:
  std::chrono::steady_clock::time_point t0_;
  std::string trace_file_;
};

}  // namespace hycim::tb
