// Golden model of the product-quantization front end of the sparse-attention path
// (docs/architecture.md sections 2.0-2.2): codebook training, ideal encoding, the mapping of
// centroids and tokens onto the crossbar's conductance and input levels, the integer tick model of
// the time-domain front end, and the winner-take-all that turns ticks into codes. Decisions and the
// derivation of the mapping: docs/attention/pq_encoder.md.
//
// Shapes: tokens are S x D INT8 (D = M * d); a codebook holds M x C centroids of d dimensions.
//
// Crossbar mapping (per head, one crossbar for Q and one for K), with offsets a = 2^(Bin-1) and
// b = 2^(Bg-1) and one shift s shared by tokens and centroids (they live in the same space):
//   x_q = sat(rnd_shr(x, s), Bin)            u_r  = x_q,r + a          (input level, 0..2^Bin-1)
//   c_q = sat(rnd_shr(c, s), Bg)             k_rc = c_q,r + b          (conductance level)
// Each group of C columns has one reference column whose cells all sit at the mid level b; its
// current is subtracted from every column of the group before the sense node (common-mode
// cancellation, docs/attention/pq_encoder.md explains why the spec's single-ended columns cannot
// resolve near-equal currents with a 10-bit tick). In units of one input level x half a level:
//   I_c = 2 * sum_{r in subspace m} u_r * (k_rc - b) + bias_c
//   bias_c = B0_m - |c_q|^2 - 2a * sum(c_q)   (carried by the bias row, driven at full scale)
// so that I_c = 2 x_q.c_q - |c_q|^2 + B0_m = B0_m + |x_q|^2 - |x_q - c_q|^2, and
// argmax_c I_c is the nearest quantized centroid. B0_m = max over the group of
// (|c_q|^2 + 2a sum(c_q)) is the smallest offset that keeps every bias non-negative.
//
// Time domain: a column discharges its sense node with its current and fires when the node
// crosses the comparator threshold: t = C dV / I. In ticks of the WTA clock, with the charge
// Q = C dV expressed in current units x ticks:  tick_c = min(2^TW - 1, ceil(Q / I_c)), and a
// column without current never fires before 2^TW - 1.
//
// WTA (td_wta_ctrl): a group locks on the first tick at which any of its columns has fired; the
// winner is the lowest firing index, `tie` is set when more than one column fired in that tick.
// A group with no column fired by tick t_max times out with code 0. Ticks count from 1.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "golden/core/check.h"
#include "golden/core/tensor.h"

namespace hycim::golden {

// ---- A0: codebooks ------------------------------------------------------------------------

struct Codebook {
  int subspaces = 0;               // M
  int centroids = 0;               // C
  int sub_dim = 0;                 // d
  std::vector<double> fcent;       // M x C x d, the k-means centroids in double
  Tensor<int8_t> cent;             // M x C x d, rounded to INT8 (half away from zero, saturated)
  std::vector<int> iterations;     // Lloyd iterations run per subspace
  std::vector<double> distortion;  // final mean squared distance per subspace (double centroids)
};

struct KmeansOptions {
  uint64_t seed = 1;
  int max_iters = 50;
};

// k-means per subspace on the rows of `x` (S x M*d INT8), k-means++ initialisation from `seed`
// (one Rng stream per subspace, derived from the seed), Lloyd iterations until no assignment
// changes or max_iters. A cluster that empties is re-seeded with the point farthest from its
// centroid. Needs S >= C.
Codebook train_codebook(const Tensor<int8_t>& x, int subspaces, int centroids,
                        const KmeansOptions& opt = {});

// Ideal encoding: per token and subspace, argmin_c |x - c|^2 over the INT8 centroids, computed
// exactly as argmax_c (2 x.c - |c|^2); ties go to the lowest index. Returns S x M codes.
Tensor<uint8_t> encode_nearest(const Tensor<int8_t>& x, const Codebook& cb);
// The same with the double centroids (the float nearest centroid of the study).
Tensor<uint8_t> encode_nearest_float(const Tensor<int8_t>& x, const Codebook& cb);

// ---- Crossbar mapping ---------------------------------------------------------------------

struct XbarSpec {
  int groups = 8;                                    // NG: one group of columns per subspace
  int cols_per_group = 16;                           // C
  int sub_dim = 8;                                   // d: rows per group
  int in_bits = 4;                                   // Bin: row input levels 0..2^Bin-1
  int g_bits = 4;                                    // Bg: conductance levels 0..2^Bg-1
  int tick_width = 10;                               // TW
  int rows() const { return groups * sub_dim + 1; }  // data rows + the bias row (the last)
  int cols() const { return groups * cols_per_group; }
  uint32_t tick_limit() const { return (1u << tick_width) - 1; }
  uint8_t full_scale() const { return static_cast<uint8_t>((1 << in_bits) - 1); }
};
void check_spec(const XbarSpec& s);

struct XbarMap {
  XbarSpec spec;
  unsigned shift = 0;         // s
  Tensor<int8_t> cq;          // M x C x d quantized centroids
  Tensor<uint8_t> level;      // (rows-1) x cols conductance levels; 0 off the block diagonal
  std::vector<int64_t> bias;  // per column: the bias row's current at full-scale drive
  std::vector<int64_t> b0;    // per group: B0_m
  int64_t max_b0() const;
};

XbarMap map_crossbar(const Codebook& cb, unsigned shift, const XbarSpec& spec);

// The smallest shift after which at most a fraction `clip` of the elements of `x` saturate in
// Bin signed bits: the input scale a host would choose for the head from sample tokens.
unsigned choose_shift(const Tensor<int8_t>& x, int in_bits, double clip = 1e-3);

// Row input levels of one token (D elements): D data rows then the bias row at full scale.
// Exactly what pq_encoder drives on its xb_level_o port.
std::vector<uint8_t> input_levels(std::span<const int8_t> x, unsigned shift, const XbarSpec& s);

// The ideal integer net column currents (column minus its group's reference column) for the
// given row input levels. A net current <= 0 never discharges the sense node.
std::vector<int64_t> ideal_currents(const XbarMap& map, std::span<const uint8_t> u);

// The nearest quantized centroid computed directly (2 x_q.c_q - |c_q|^2), per subspace: what the
// ideal crossbar's current argmax equals.
std::vector<uint8_t> encode_quantized(const XbarMap& map, std::span<const int8_t> x);

// ---- Time domain and WTA ------------------------------------------------------------------

// tick_c = min(2^TW-1, ceil(q / I_c)); a column with I_c <= 0 gets 2^TW-1. q > 0.
std::vector<uint32_t> ideal_ticks(std::span<const int64_t> currents, uint64_t q, int tick_width);

// The charge for which a column with net current max_m B0_m (a token at the origin and a centroid
// at the origin) fires at tick `ticks_full`: the WTA clock resolution knob.
uint64_t default_charge(const XbarMap& map, uint32_t ticks_full);
inline constexpr uint32_t kDefaultTicksFull = 128;

struct WtaResult {
  std::vector<uint8_t> code;       // per group (0 when timed out or inactive)
  std::vector<uint8_t> tie;        // per group
  std::vector<uint8_t> timeout;    // per group
  std::vector<uint16_t> win_tick;  // tick of the lock; t_max on a timeout; 0 when inactive
  uint32_t done_tick = 0;          // the tick at which the last active group finished
  uint32_t code_word() const;      // codes packed 4 bits per group, group 0 in bits 3:0
  uint32_t tie_mask() const;
  uint32_t timeout_mask() const;
};

// The WTA over `groups_active` groups of `cols_per_group` columns. ticks.size() must cover them;
// columns beyond are ignored. 1 <= groups_active, 1 <= t_max.
WtaResult wta(std::span<const uint32_t> ticks, int groups_active, int cols_per_group,
              uint32_t t_max);

// The whole ideal chain of one token: levels -> currents -> ticks -> WTA.
WtaResult encode_ideal_xbar(const XbarMap& map, std::span<const int8_t> x, uint64_t q,
                            uint32_t t_max, int groups_active);

}  // namespace hycim::golden
