// hycim attention-model: the attn_top cycle model (golden/attention/attn_cycles.h) swept over the
// knobs that balance a head: encoder instances E, kept density, and the softmax's lanes (Banks,
// or a wider softmax behind a gearbox). Race lengths and kept indices come from one random head
// of the given size encoded on the ideal integer crossbar (golden::encode_ideal_xbar at the
// default charge, 128 ticks full scale) and run through the golden head, unless --race fixes
// every race. Prints a table and writes it as JSON. No RTL runs: figures are the model's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hycim::cli {

struct AttentionModelOptions {
  uint32_t seq_len = 512;
  uint32_t banks = 8, rel_lanes = 32, queue_depth = 8;
  std::vector<uint32_t> encoders = {8, 16, 32, 64};
  std::vector<double> densities = {0.125, 0.25, 1.0 / 3};
  std::vector<uint32_t> sm_factors = {1, 2};  // softmax lanes = factor x banks
  uint32_t race = 0;  // 0: per-token races of a random head on the ideal crossbar
  bool causal = false;
  uint64_t seed = 1;
  std::string json = "reports/attention_model.json";
  bool quiet = false;
};

// Returns 0; throws hycim::Error on bad options.
int attention_model(const AttentionModelOptions& o);

}  // namespace hycim::cli
