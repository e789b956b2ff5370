// Bit-exact golden model of the softmax unit (docs/architecture.md section 3.1), forward and
// backward, with every intermediate exposed, and a double-precision reference of the same maths
// beside it. Formats, tables and the error bound: docs/training/softmax.md.
//
// Forward, per row of n scores x_i (Q7.8 in the log2 domain: x = z * log2(e) * 2^8 for natural
// scores z), with an optional mask (masked entries take no part and output 0):
//   m    = max x_i over kept entries
//   d_i  = m - x_i                       (UQ8.8, 0..65535)
//   e_i  = rnd_shr(E[d_i & 255], d_i >> 8) (UQ1.15; E = exp2_frac table; 0 once d_i >> 8 > 16)
//   S    = sum e_i                       (27 bits for n <= 2048)
//   S = 2^k * mant, mant in [1, 2): k = floor(log2 S), mn = S << (26 - k) (UQ1.26)
//   y0   = R[(mn >> 19) & 127]           (UQ0.16 seed of 1/mant, R = recip_seed table)
//   t    = rnd_shr(mn * y0, 26)          (UQ1.16, about 1.0)
//   y1   = rnd_shr(y0 * (2^17 - t), 16)  (UQ1.16, one Newton step: y0 * (2 - mant * y0))
//   p_i  = usat(rnd_shr(e_i * y1, k + 16 - F), F)   with F = 16 (training) or 8 (inference)
// All rounding is rnd_shr half up. p = 1.0 is not representable and saturates to 2^F - 1.
//
// Backward, per row, with p the UQ0.16 forward output and g the upstream gradient as INT16 with a
// per-row exponent (g_real = g * 2^Eg; Eg does not enter the integer maths):
//   dot   = sum p_i * g_i                                  (exact, 44 bits)
//   ds_i  = sat(rnd_shr(p_i * ((g_i << 16) - dot), 32 - ds_shift), 16)
// ds_real = ds * 2^(Eg - ds_shift): ds_shift (0..16) trades range for resolution, since |ds| is
// usually far below |g|. ds is the gradient with respect to the natural-domain scores z.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "golden/core/check.h"
#include "golden/core/lut.h"

namespace hycim::golden {

inline constexpr int kSoftmaxSumBits = 27;
inline constexpr uint32_t kSoftmaxMaxLen = 2048;  // what 27 sum bits allow (2048 * 2^15 = 2^26)

enum class SoftmaxFormat : uint8_t {
  kInference = 0,  // p as UQ0.8
  kTraining = 1,   // p as UQ0.16
};
int softmax_frac_bits(SoftmaxFormat f);

// The reciprocal of the scalar unit: 1/S for 1 <= S < 2^27, as 2^-k * y1 / 2^16.
struct Recip {
  int k = 0;        // floor(log2 S)
  uint32_t mn = 0;  // S normalised to UQ1.26
  uint16_t y0 = 0;  // table seed
  uint32_t t = 0;   // mant * y0, UQ1.16
  uint32_t y1 = 0;  // after one Newton step, UQ1.16
};
Recip recip(uint32_t s, const Luts& luts);

struct SoftmaxFwd {
  bool empty = false;       // every entry masked: p is all zero, no reciprocal
  int16_t max = 0;          // m
  std::vector<uint16_t> e;  // e_i (0 where masked)
  uint32_t sum = 0;         // S
  Recip r;
  std::vector<uint16_t> p;  // UQ0.F
};

// x: n scores, 1 <= n <= kSoftmaxMaxLen. keep: empty (all kept) or n flags (non-zero = kept).
SoftmaxFwd softmax_fwd(std::span<const int16_t> x, std::span<const uint8_t> keep, SoftmaxFormat fmt,
                       const Luts& luts = Luts::get());

struct SoftmaxBwd {
  int64_t dot = 0;
  std::vector<int16_t> ds;
};
// p: UQ0.16 forward output; g: INT16 gradient; ds_shift in 0..16. Sizes equal, 1..2048.
SoftmaxBwd softmax_bwd(std::span<const uint16_t> p, std::span<const int16_t> g, unsigned ds_shift);

// ---- Double-precision reference of the same maths ------------------------------------------
// p_i = 2^(x_i/256 - max) / sum_j 2^(x_j/256 - max) over kept entries (0 where masked).
std::vector<double> softmax_fwd_ref(std::span<const int16_t> x, std::span<const uint8_t> keep);
// ds_i = p_i * (g_i - sum_j p_j g_j), in real units.
std::vector<double> softmax_bwd_ref(std::span<const double> p, std::span<const double> g);

}  // namespace hycim::golden
