// hycim erabs: a real network through the ERA-BS path (docs/bitsparse/networks.md). The network is
// a directory of .npy layers (scripts/digits_train.py writes the digits MLP; the checked-in copy
// is tests/bitsparse/data/digits). For each technique setting (full ERA-BS, each technique
// switched off in turn, the PRUNE_LIKE baseline, the ISAAC_LIKE baseline of full-column reads of
// 2-bit cells) every test image runs through the golden arithmetic: test accuracy against the
// float network, crossbars, OUs stored, OU reads, ADC conversions. The first --rtl images run
// through erabs_ctrl as well (ERA-BS, PRUNE_LIKE, ISAAC_LIKE), every output beat and counter
// compared with the golden model, with the cycles from the CYCLES register. Prints a table and
// writes JSON.
#pragma once

#include <cstdint>
#include <string>

namespace hycim::cli {

struct ErabsOptions {
  std::string network;  // default: tests/bitsparse/data/digits of the source tree
  uint32_t rtl_images = 20;
  double budget = 0.005;   // bit-flip and block-pruning budget (docs/bitsparse/networks.md)
  uint32_t threshold = 0;  // act_prune threshold
  uint64_t seed = 1;       // back-pressure of the RTL run
  std::string json = "reports/erabs.json";
  bool quiet = false;
};

// Returns the process exit code (0: every RTL output matched); throws hycim::Error on bad input.
int erabs(const ErabsOptions& o);

}  // namespace hycim::cli
