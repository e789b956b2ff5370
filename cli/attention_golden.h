// hycim attention-golden: the sparse-attention head's golden model (bit-exact with attn_top) on
// every head of every sequence of one layer, written by a host script (scripts/
// minilm_attention_study.py): the HyCIM head outputs as float64 and per-head statistics as JSON.
//
// Input directory (one layer; N sequences, H heads, S tokens, d head dimension, T calibration
// tokens), every file .npy:
//   q_i8.npy, k_i8.npy, v_i8.npy      (N, H, S, d) int8    quantized Q, K, V
//   q_f32.npy, k_f32.npy, v_f32.npy   (N, H, S, d) float32 the float tensors (dense reference)
//   scales_f64.npy                    (3, H) float64       sq, sk, sv per head (real = int * s)
//   calib_q_i8.npy, calib_k_i8.npy    (H, T, d) int8       codebook training tokens per head
//   len_i64.npy                       (N,) int64           tokens per sequence (<= S; optional,
//                                                           default S; rows past it are padding)
// Output: <out>/out_f64.npy (N, H, S, d) dequantized head outputs (padding rows 0) and
// <out>/stats.json.
#pragma once

#include <cstdint>
#include <string>

namespace hycim::cli {

struct AttentionGoldenOptions {
  std::string in_dir;
  std::string out_dir;
  double density = 0.25;  // k = ceil(density * len); 1: dense-equivalent (k = len)
  bool match = false;     // relevance by code matches instead of tables
  bool dense = false;     // the head's dense mode (no relevance, every key)
  std::string chip;       // analog chip TOML (sim::AnalogParams); empty: ideal integer crossbar
  uint64_t seed = 1;      // codebook and chip seed
  uint32_t layer = 0;     // mixed into the chip seed (each layer has its own crossbars)
  bool quiet = false;
};

// Returns 0; throws hycim::Error on bad files or shapes.
int attention_golden(const AttentionGoldenOptions& o);

}  // namespace hycim::cli
