// What every HyCIM scenario (an RTL-vs-golden run used by the hycim CLI and by the tests) takes
// and reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
  std::string waveform;
  std::string gtkwave_command;
  double wall_seconds = 0;
  bool passed = false;
};

template <class SB>
TensorTally tally(const SB& sb) {
  return {sb.tensor(), sb.expected_total(), sb.compared(), sb.mismatches()};
}

}  // namespace hycim::tb
