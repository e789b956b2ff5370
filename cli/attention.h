// hycim attention: one attention head of real data (the all-MiniLM-L6-v2 fixture, or any .npy
// Q/K/V) or a random head of any length (--random S) through attn_top, sparse and then dense on the
// same RTL, every tensor compared with the golden model; prints kept density, cycles per stage, the
// speedup over dense mode, SRAM-CIM MAC utilization, the output error against the dense float
// reference, tensors compared and mismatches, and writes the same as JSON.
#pragma once

#include <cstdint>
#include <string>

namespace hycim::cli {

struct AttentionOptions {
  std::string config = "minilm";
  // Data: the fixture directory (tests/attention/data/minilm) with a sequence / layer / head
  // slot, or three .npy files (S x D float32, or int8 with --scales).
  std::string fixture;
  std::string sequence = "eval0";
  uint32_t layer = 0, head = 0;  // slots of the fixture
  std::string q_file, k_file, v_file;
  uint32_t random = 0;   // or a random head of this many tokens (tb::attn::random_data)
  std::string scales;    // "sq,sk,sv" for int8 files
  uint32_t seq_len = 0;  // 0: all tokens of the data (must fit the build)
  double density = 0.25;
  bool causal = false, match = false, force_first = false, force_diag = false;
  bool dense = true;  // also run dense mode (the speedup's baseline)
  std::string chip;   // analog parameter file (TOML); default: the ideal chip
  uint64_t seed = 1;  // chip seeds, stall-free runs
  std::string json = "reports/attention.json";
  std::string trace;  // waveform of the sparse run (FST or VCD by extension)
  bool quiet = false;
};

// Returns the process exit code (0: every tensor matched); throws hycim::Error on bad input.
int attention(const AttentionOptions& o);

}  // namespace hycim::cli
