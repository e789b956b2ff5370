// Bit-exact golden model of LayerNorm forward and backward (docs/architecture.md section 3.2)
// with every intermediate exposed, and a double-precision reference of the same maths. The RTL is
// sfln_unit, which shares softmax's lanes. Formats and bounds: docs/training/layernorm.md.
//
// Forward, per token of n features x_i (INT16, real value x * 2^Ex; Ex never enters the maths):
//   Sx   = sum x_i,  Sxx = sum x_i^2                         (exact)
//   V    = (n * Sxx - Sx^2) * 2^8 + eps8 * n^2               (= 2^8 n^2 (var + eps), exact)
//   rsqrt(V) by the scalar unit: k = floor(log2 V), e = k rounded down to even,
//     mp = V / 2^e in [1, 4) as UQ2.30, y0 = Q[j] (rsqrt_seed; j = 64*(k odd) + 6 mantissa bits),
//     two Newton steps y <- y (3 - mp y^2) / 2 in UQ1.24 (seed << 8):  rs ~ 2^24 / sqrt(mp)
//   xhat = sat(rnd_shr((n * x_i - Sx) * rs, e/2 + 8), 16)    (Q3.12)
//   y    = sat(rnd_shr(gamma_i * xhat_i, 13) + beta_i, 16)   (gamma Q2.13, beta and y Q3.12)
// Saved per token for the backward pass: Sx (the mean is Sx / n), rs and e/2.
//
// Backward, per token (dy INT16 with a per-row exponent Edy):
//   g_i  = dy_i * gamma_i                                    (units 2^-13 dy)
//   G    = sum g_i,  H = rnd_shr(sum g_i * xhat_i, 12)       (H in units of g)
//   T_i  = n * g_i - G - rnd_shr(xhat_i * H, 12)             (= n (g - mean g - xhat mean(g xhat)))
//   dx_i = sat(rnd_shr(rs * T_i, 33 + e/2 - dx_shift), 16)   (dx_real = dx * 2^(Edy - dx_shift))
//   dgamma_i += dy_i * xhat_i (units 2^-12 dy),  dbeta_i += dy_i   (exact, over tokens)
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "golden/core/check.h"
#include "golden/core/lut.h"

namespace hycim::golden {

inline constexpr uint32_t kLayerNormMaxLen = 1024;

// 1/sqrt(V) = rs * 2^-(24 + e/2) for 1 <= V < 2^62.
struct Rsqrt {
  int k = 0;        // floor(log2 V)
  int e = 0;        // k rounded down to even
  uint64_t mp = 0;  // V / 2^e as UQ2.30 (rounded half up when e > 30)
  unsigned j = 0;   // seed index
  uint32_t y0 = 0;  // seed, UQ0.16
  uint32_t y1 = 0;  // after the first Newton step, UQ1.24
  uint32_t rs = 0;  // after the second, UQ1.24
};
Rsqrt rsqrt(uint64_t v, const Luts& luts);

struct LayerNormFwd {
  int64_t sx = 0;
  int64_t sxx = 0;
  uint64_t v = 0;
  Rsqrt r;
  std::vector<int16_t> xhat;  // Q3.12
  std::vector<int16_t> y;     // Q3.12
};

// x, gamma, beta: n = 1..kLayerNormMaxLen entries each; eps8 >= 1 (eps in units of x^2, with 8
// fraction bits).
LayerNormFwd layernorm_fwd(std::span<const int16_t> x, std::span<const int16_t> gamma,
                           std::span<const int16_t> beta, uint32_t eps8,
                           const Luts& luts = Luts::get());

struct LayerNormBwd {
  int64_t g_sum = 0;   // G
  int64_t gx_sum = 0;  // H
  std::vector<int16_t> dx;
  std::vector<int64_t> dgamma;  // this token's contribution: dy * xhat
  std::vector<int64_t> dbeta;   // this token's contribution: dy
};

// Recomputes xhat from x and the saved statistics of fwd (only sx and r are used).
LayerNormBwd layernorm_bwd(std::span<const int16_t> x, std::span<const int16_t> dy,
                           std::span<const int16_t> gamma, const LayerNormFwd& fwd,
                           unsigned dx_shift);

// ---- Double-precision reference -----------------------------------------------------------
struct LayerNormRef {
  std::vector<double> xhat, y;  // real values (xhat dimensionless, y in real units)
  double mean = 0, rstd = 0;
};
// gamma and beta as real numbers; eps in units of x^2.
LayerNormRef layernorm_fwd_ref(std::span<const double> x, std::span<const double> gamma,
                               std::span<const double> beta, double eps);
struct LayerNormBwdRef {
  std::vector<double> dx, dgamma, dbeta;
};
LayerNormBwdRef layernorm_bwd_ref(std::span<const double> x, std::span<const double> dy,
                                  std::span<const double> gamma, double eps);

}  // namespace hycim::golden
