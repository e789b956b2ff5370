// Golden model of attn_top, one sparse-attention head (docs/architecture.md section 2,
// docs/attention/attn_top.md), with every intermediate tensor exposed, the configuration checks
// of a start, the choice of the two requantization multipliers, and a dense double-precision
// reference of the same head.
//
// Per query row i (the RTL's order of operations):
//   relevance r_ij      relevance_row (table or match mode, causal mask)      [sparse only]
//   kept indices        topk_select (k, forced keeps, ascending)              [sparse]
//                       every unmasked key, ascending                         [dense: k = S]
//   scores s_t          q_i . K[kept_t]  (exact INT32)
//   softmax input x_t   sat16(rnd_shr(s_t * SM_MULT, SM_SHIFT))  (Q7.8, log2 domain)
//   probabilities p     softmax_fwd over LEN = k (dense: S) slots, slots past the kept count
//                       masked, UQ0.16
//   accumulator acc_d   sum_t p_t * V[kept_t][d]
//   output o_d          sat8(rnd_shr(acc_d * AV_MULT, AV_SHIFT))
// Elements past HEAD_DIM are zero in Q, K and V (the RTL masks them on input).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "golden/attention/relevance.h"
#include "golden/attention/topk.h"
#include "golden/core/tensor.h"
#include "golden/training/softmax.h"

namespace hycim::golden {

struct AttnConfig {
  uint32_t seq_len = 0;  // S
  uint32_t topk = 1;     // k (sparse)
  bool dense = false;
  bool causal = false;
  bool match = false;  // relevance in code-match mode
  bool force_first = false;
  bool force_diag = false;
  uint32_t head_dim = 0;  // active elements (0: the build's D)
  uint32_t enc_shift = 4;
  uint32_t enc_tmax = 1023;
  uint32_t sm_mult = 1;
  uint32_t sm_shift = 0;
  uint32_t av_mult = 1;
  uint32_t av_shift = 16;
};

// The build sizes a configuration is checked against.
struct AttnBuild {
  uint32_t dim = 64;
  uint32_t subspaces = 8;
  uint32_t seq_max = 64;
  uint32_t tick_width = 10;
};

// ERR bits (hycim::regs::attn_top masks) that a start with this configuration raises.
uint32_t attn_config_errors(const AttnConfig& c, const AttnBuild& b, bool tables_loaded);

struct AttnInputs {
  Tensor<int8_t> q, k, v;          // S x D
  Tensor<uint8_t> qcodes, kcodes;  // S x M (sparse): the encoders' codes
  Tensor<int8_t> tables;           // M x C x C (sparse, table mode)
};

struct AttnRow {
  RelevanceRow rel;            // sparse only
  std::vector<uint32_t> kept;  // ascending
  std::vector<int32_t> score;  // per kept key
  std::vector<int16_t> x;      // LEN slots (past the kept count: 0)
  std::vector<uint8_t> keep;   // LEN slots
  SoftmaxFwd sm;               // LEN slots
  std::vector<int64_t> acc;    // D
  std::vector<int8_t> out;     // D
};

struct AttnResult {
  std::vector<AttnRow> rows;  // S
  Tensor<int8_t> out;         // S x D
  uint64_t kept_total = 0;    // sum of kept keys over the rows
  uint64_t valid_total = 0;   // sum of unmasked keys over the rows (the dense count)
  double density() const {
    return valid_total ? static_cast<double>(kept_total) / static_cast<double>(valid_total) : 0.0;
  }
};

// One query row (the bench computes rows as their codes become known). Throws hycim::Error on
// an illegal configuration or inconsistent shapes.
AttnRow attn_row(const AttnConfig& c, const AttnBuild& b, const AttnInputs& in, size_t i);

// The whole head. Throws hycim::Error on an illegal configuration or inconsistent shapes.
AttnResult attn_head(const AttnConfig& c, const AttnBuild& b, const AttnInputs& in);

// A (multiplier, shift) pair with mult <= 0xFFFF and shift <= 47 that represents `factor` as
// mult / 2^shift as closely as 16 bits allow (factor > 0).
struct MultShift {
  uint32_t mult = 1;
  uint32_t shift = 0;
  double value() const;
};
MultShift choose_mult_shift(double factor);

// The score scale: x = s * SM_MULT / 2^SM_SHIFT = s * sq * sk * log2(e) * 256 / sqrt(d), for
// INT8 Q and K with per-tensor scales sq and sk (real = int * scale) and head dimension d.
MultShift softmax_scale(double sq, double sk, uint32_t head_dim);
// The output scale: o = acc * AV_MULT / 2^AV_SHIFT = acc / 2^16 * sv / so.
MultShift output_scale(double sv, double so);

// Dense reference in double: softmax(q k^T / sqrt(d)) v with the causal mask, q, k, v as S x D
// row-major doubles. Returns S x D.
std::vector<double> attn_dense_ref(std::span<const double> q, std::span<const double> k,
                                   std::span<const double> v, size_t s, size_t d, bool causal);

// The same with a given kept set per row (the sparse head in double: what the kept keys would
// give with exact arithmetic).
std::vector<double> attn_sparse_ref(std::span<const double> q, std::span<const double> k,
                                    std::span<const double> v, size_t s, size_t d,
                                    const std::vector<std::vector<uint32_t>>& kept);

}  // namespace hycim::golden
