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

// hycim erabs-layer: one linear layer in ERA-BS arithmetic for a host script (the MiniLM study,
// scripts/minilm_erabs_study.py): W (K x N float32, y = W^T x) compiled once, every row of X
// (rows x K float32) quantized to 8 bits with its own scale, the exact integer product
// (golden::matvec on the act_prune output: execute_layer's result on an ideal chip) dequantized
// to Y (rows x N float64, no bias), and the counters of the OU schedule (golden::count_reads)
// summed over the rows, with the ISAAC_LIKE reads of the same shape, as JSON. Returns 1 when an
// RTL output or counter differs from golden.
struct ErabsLayerOptions {
  std::string w_file, x_file, out_file, json;
  uint32_t terms = 2;
  double budget = 0.005;
  bool flip = true, squeeze = true, dynamic_skip = true;
  bool prune_like = false;  // the PRUNE_LIKE baseline: uniform, block pruning, static skip only
  uint32_t threshold = 0;
  // The first rtl_rows rows of X also through erabs_ctrl (ci build), tile by tile (the layer is
  // cut into tiles of the build's K x N, golden::plan_tiles; each tile's table is loaded once,
  // every row run through it; the driver adds the tiles' output beats into the layer's outputs),
  // in this setting and in ISAAC_LIKE: every beat and counter compared with the golden run of its
  // tile, the summed outputs with the whole layer's golden product; CYCLES summed over the tiles.
  uint32_t rtl_rows = 0;
  uint64_t seed = 1;  // back-pressure of the RTL runs
  bool quiet = false;
};
int erabs_layer(const ErabsLayerOptions& o);

}  // namespace hycim::cli
