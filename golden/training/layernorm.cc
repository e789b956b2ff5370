#include "golden/training/layernorm.h"

#include <bit>
#include <cmath>

#include "golden/core/int_ops.h"

namespace hycim::golden {

Rsqrt rsqrt(uint64_t v, const Luts& luts) {
  HYCIM_CHECK(v >= 1 && v < (uint64_t{1} << 62), "V = {} outside 1 .. 2^62 - 1", v);
  HYCIM_CHECK(luts.rsqrt_seed.size() == 128, "rsqrt_seed has {} entries", luts.rsqrt_seed.size());
  Rsqrt r;
  r.k = std::bit_width(v) - 1;
  r.e = r.k & ~1;
  if (r.e <= 30) {
    r.mp = v << (30 - r.e);
  } else {
    r.mp = static_cast<uint64_t>(rnd_shr(static_cast<int64_t>(v), static_cast<unsigned>(r.e - 30)));
    if (r.mp >= (uint64_t{1} << 32)) r.mp = (uint64_t{1} << 32) - 1;  // rounded up to 4.0
  }
  const bool odd = (r.mp >> 31) & 1u;  // mp in [2, 4)
  r.j = odd ? 64u + static_cast<unsigned>((r.mp >> 25) & 63u)
            : static_cast<unsigned>((r.mp >> 24) & 63u);
  r.y0 = luts.rsqrt_seed[r.j];
  // Newton steps carry 24 fraction bits (UQ1.24), so their rounding stays far below the seed's
  // error after two steps.
  auto newton = [&](uint32_t y) {
    const int64_t sq = rnd_shr(int64_t{y} * y, 24);                  // y^2, UQ2.24
    const int64_t h = rnd_shr(static_cast<int64_t>(r.mp) * sq, 30);  // mp y^2 ~ 2^24
    const int64_t three_minus = 3 * (int64_t{1} << 24) - h;          // UQ2.24
    HYCIM_CHECK(three_minus > 0, "Newton step diverged: mp {} y {}", r.mp, y);
    return static_cast<uint32_t>(rnd_shr(int64_t{y} * three_minus, 25));  // y (3 - h) / 2
  };
  r.y1 = newton(r.y0 << 8);
  r.rs = newton(r.y1);
  return r;
}

LayerNormFwd layernorm_fwd(std::span<const int16_t> x, std::span<const int16_t> gamma,
                           std::span<const int16_t> beta, uint32_t eps8, const Luts& luts) {
  const size_t n = x.size();
  HYCIM_CHECK(n >= 1 && n <= kLayerNormMaxLen, "{} features outside 1..{}", n, kLayerNormMaxLen);
  HYCIM_CHECK(gamma.size() == n && beta.size() == n, "gamma {} and beta {} for {} features",
              gamma.size(), beta.size(), n);
  HYCIM_CHECK(eps8 >= 1, "eps must be positive (a constant row would divide by zero)");
  LayerNormFwd f;
  for (auto v : x) {
    f.sx += v;
    f.sxx += int64_t{v} * v;
  }
  const auto nn = static_cast<int64_t>(n);
  const int64_t var_num = nn * f.sxx - f.sx * f.sx;  // n^2 var >= 0
  HYCIM_CHECK(var_num >= 0, "negative variance numerator {}", var_num);
  f.v = (static_cast<uint64_t>(var_num) << 8) + uint64_t{eps8} * static_cast<uint64_t>(nn * nn);
  f.r = rsqrt(f.v, luts);
  const auto half_e = static_cast<unsigned>(f.r.e / 2);
  f.xhat.resize(n);
  f.y.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t d = nn * x[i] - f.sx;  // 28 bits signed
    f.xhat[i] = static_cast<int16_t>(sat(rnd_shr(d * f.r.rs, half_e + 8), 16));
    f.y[i] = static_cast<int16_t>(sat(rnd_shr(int64_t{gamma[i]} * f.xhat[i], 13) + beta[i], 16));
  }
  return f;
}

LayerNormBwd layernorm_bwd(std::span<const int16_t> x, std::span<const int16_t> dy,
                           std::span<const int16_t> gamma, const LayerNormFwd& fwd,
                           unsigned dx_shift) {
  const size_t n = x.size();
  HYCIM_CHECK(n >= 1 && n <= kLayerNormMaxLen, "{} features outside 1..{}", n, kLayerNormMaxLen);
  HYCIM_CHECK(dy.size() == n && gamma.size() == n, "sizes differ");
  HYCIM_CHECK(dx_shift <= 16, "dx_shift {} above 16", dx_shift);
  const auto nn = static_cast<int64_t>(n);
  const auto half_e = static_cast<unsigned>(fwd.r.e / 2);
  LayerNormBwd b;
  std::vector<int64_t> g(n), xh(n);
  int64_t gx = 0;
  for (size_t i = 0; i < n; ++i) {
    xh[i] = sat(rnd_shr((nn * x[i] - fwd.sx) * fwd.r.rs, half_e + 8), 16);
    g[i] = int64_t{dy[i]} * gamma[i];
    b.g_sum += g[i];
    gx += g[i] * xh[i];
  }
  b.gx_sum = rnd_shr(gx, 12);
  b.dx.resize(n);
  b.dgamma.resize(n);
  b.dbeta.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t t = nn * g[i] - b.g_sum - rnd_shr(xh[i] * b.gx_sum, 12);
    const unsigned shift = 33 + half_e - dx_shift;
    // |t| < 2^42 and rs < 2^25: the product needs up to 67 bits. Half-up shift in 128 bits.
    const __int128 p = static_cast<__int128>(t) * fwd.r.rs;
    const __int128 q = (p + (static_cast<__int128>(1) << (shift - 1))) >> shift;
    b.dx[i] = static_cast<int16_t>(q > 32767 ? 32767 : (q < -32768 ? -32768 : q));
    b.dgamma[i] = int64_t{dy[i]} * xh[i];
    b.dbeta[i] = dy[i];
  }
  return b;
}

LayerNormRef layernorm_fwd_ref(std::span<const double> x, std::span<const double> gamma,
                               std::span<const double> beta, double eps) {
  const size_t n = x.size();
  LayerNormRef r;
  for (double v : x) r.mean += v;
  r.mean /= static_cast<double>(n);
  double var = 0;
  for (double v : x) var += (v - r.mean) * (v - r.mean);
  var /= static_cast<double>(n);
  r.rstd = 1.0 / std::sqrt(var + eps);
  r.xhat.resize(n);
  r.y.resize(n);
  for (size_t i = 0; i < n; ++i) {
    r.xhat[i] = (x[i] - r.mean) * r.rstd;
    r.y[i] = gamma[i] * r.xhat[i] + beta[i];
  }
  return r;
}

LayerNormBwdRef layernorm_bwd_ref(std::span<const double> x, std::span<const double> dy,
                                  std::span<const double> gamma, double eps) {
  const size_t n = x.size();
  const std::vector<double> zero(n, 0.0);
  const auto f = layernorm_fwd_ref(x, gamma, zero, eps);
  LayerNormBwdRef r;
  r.dx.resize(n);
  r.dgamma.resize(n);
  r.dbeta.resize(n);
  double a = 0, b = 0;
  for (size_t i = 0; i < n; ++i) {
    const double g = dy[i] * gamma[i];
    a += g;
    b += g * f.xhat[i];
    r.dgamma[i] = dy[i] * f.xhat[i];
    r.dbeta[i] = dy[i];
  }
  a /= static_cast<double>(n);
  b /= static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    r.dx[i] = f.rstd * (dy[i] * gamma[i] - a - f.xhat[i] * b);
  }
  return r;
}

}  // namespace hycim::golden
