// The LayerNorm golden model (golden/training/layernorm.h) against independent
// references: the rsqrt unit against sqrt, forward against the double reference with the bound of
// docs/training/layernorm.md, backward against the same maths in double given the golden
// intermediates and end to end, and the double reference's gradients against finite differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "golden/training/layernorm.h"
#include "hycim_test.h"
#include "layernorm_stimulus.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;

// The rsqrt unit's relative error bound (RsqrtRelativeErrorBelowTwoToMinus20 measures it).
constexpr double kRsqrtRel = 1.0 / (1 << 20);

class LayerNormGolden : public HycimTest {
 protected:
  const Luts& luts = Luts::get();

  // The RTL testbenches draw their tokens from the same generator (layernorm_stimulus.h).
  struct Token {
    std::vector<int16_t> x, gamma, beta, dy;
    uint32_t eps8 = 1;
  };
  Token random_token(size_t n, double outlier_prob = 0.01) {
    const auto p = tb::layernorm::random_params(rng(), n);
    auto t = tb::layernorm::random_token(rng(), n, outlier_prob);
    return {std::move(t.x), p.gamma, p.beta, std::move(t.dy), tb::layernorm::random_eps8(rng())};
  }
  static std::vector<double> real(const std::vector<int16_t>& v, int frac) {
    std::vector<double> r(v.size());
    for (size_t i = 0; i < v.size(); ++i) r[i] = std::ldexp(static_cast<double>(v[i]), -frac);
    return r;
  }
};

TEST_F(LayerNormGolden, RsqrtRelativeErrorBelowTwoToMinus20) {
  double worst = 0.0;
  uint64_t worst_v = 0;
  auto check = [&](uint64_t v) {
    const Rsqrt r = rsqrt(v, luts);
    const double approx = r.rs * std::ldexp(1.0, -(24 + r.e / 2));
    const double rel = std::abs(approx * std::sqrt(static_cast<double>(v)) - 1.0);
    if (rel > worst) {
      worst = rel;
      worst_v = v;
    }
  };
  for (uint64_t v = 1; v < (1u << 20); ++v) check(v);
  for (int i = 0; i < 300000; ++i) {
    const int bits = static_cast<int>(rng().uniform_int(20, 61));
    check(static_cast<uint64_t>(
        rng().uniform_int(int64_t{1} << (bits - 1), (int64_t{1} << bits) - 1)));
  }
  for (uint64_t v : {uint64_t{1} << 61, (uint64_t{1} << 62) - 1, (uint64_t{1} << 33) - 1}) check(v);
  fmt::print("rsqrt: worst relative error {:.3e} = 2^{:.2f} at V = {}\n", worst, std::log2(worst),
             worst_v);
  EXPECT_LT(worst, kRsqrtRel);
  EXPECT_THROW(rsqrt(0, luts), hycim::Error);
  EXPECT_THROW(rsqrt(uint64_t{1} << 62, luts), hycim::Error);
}

// Per element: |xhat - xhat_ref| <= 2^-20 |xhat_ref| + 2^-13 + saturation;
// |y - y_ref| <= |gamma| * (that) + 2^-13 + saturation (docs/training/layernorm.md).
TEST_F(LayerNormGolden, ForwardWithinTheBoundOfTheDoubleReference) {
  double max_xh = 0, sum_xh = 0, max_y = 0, sum_y = 0;
  uint64_t count = 0, saturated = 0;
  const double top = 32767.0 / 4096.0;
  for (int tok = 0; tok < 300; ++tok) {
    const size_t n = tok < 4 ? kLayerNormMaxLen : static_cast<size_t>(rng().uniform_int(1, 1024));
    const auto t = random_token(n);
    const auto f = layernorm_fwd(t.x, t.gamma, t.beta, t.eps8);
    const auto gr = real(t.gamma, 13), br = real(t.beta, 12), xr = real(t.x, 0);
    const auto ref = layernorm_fwd_ref(xr, gr, br, t.eps8 / 256.0);
    for (size_t i = 0; i < n; ++i) {
      const double xh = f.xhat[i] / 4096.0, y = f.y[i] / 4096.0;
      const double sat_xh = std::max(0.0, std::abs(ref.xhat[i]) - top);
      const double bxh = kRsqrtRel * std::abs(ref.xhat[i]) + std::ldexp(1.0, -13) + sat_xh;
      const double by =
          std::abs(gr[i]) * bxh + std::ldexp(1.0, -13) + std::max(0.0, std::abs(ref.y[i]) - top);
      ASSERT_LE(std::abs(xh - ref.xhat[i]), bxh) << "token " << tok << " i " << i;
      ASSERT_LE(std::abs(y - ref.y[i]), by) << "token " << tok << " i " << i;
      if (sat_xh > 0 || std::abs(ref.y[i]) > top) {
        ++saturated;
        continue;
      }
      max_xh = std::max(max_xh, std::abs(xh - ref.xhat[i]));
      max_y = std::max(max_y, std::abs(y - ref.y[i]));
      sum_xh += std::abs(xh - ref.xhat[i]);
      sum_y += std::abs(y - ref.y[i]);
      ++count;
    }
  }
  fmt::print("forward: {} elements with |xhat| or |y| >= 8 (saturated) left out of the figures\n",
             saturated);
  fmt::print(
      "forward: {} elements; xhat (Q3.12) max |err| {:.3e} ({:.2f} LSB), mean {:.3e}; "
      "y (Q3.12) max |err| {:.3e} ({:.2f} LSB), mean {:.3e}\n",
      count, max_xh, max_xh * 4096, sum_xh / count, max_y, max_y * 4096, sum_y / count);
}

TEST_F(LayerNormGolden, ZeroVarianceAndSingleFeatureRowsGiveBeta) {
  for (size_t n : {size_t{1}, size_t{5}, size_t{kLayerNormMaxLen}}) {
    const std::vector<int16_t> x(n, -1234), gamma(n, 8192), beta(n, 777);
    const auto f = layernorm_fwd(x, gamma, beta, 1);
    EXPECT_EQ(f.sx, -1234 * static_cast<int64_t>(n));
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(f.xhat[i], 0);
      EXPECT_EQ(f.y[i], 777);
    }
  }
}

TEST_F(LayerNormGolden, ExtremesSaturateAndBadShapesAreErrors) {
  // Two features at the extremes: xhat = +-1 exactly for eps -> 0; an outlier among equals
  // reaches xhat = sqrt(n - 1), beyond Q3.12 for n = 1024, and saturates.
  std::vector<int16_t> x(kLayerNormMaxLen, 0), g(kLayerNormMaxLen, 8192), b(kLayerNormMaxLen, 0);
  x[3] = 32767;
  const auto f = layernorm_fwd(x, g, b, 1);
  EXPECT_EQ(f.xhat[3], 32767);
  const int16_t x2[] = {-32768, 32767}, g2[] = {8192, 8192}, b2[] = {0, 0};
  const auto f2 = layernorm_fwd(x2, g2, b2, 1);
  EXPECT_NEAR(f2.xhat[0], -4096, 1);
  EXPECT_NEAR(f2.xhat[1], 4096, 1);
  EXPECT_THROW(layernorm_fwd(x2, g2, b2, 0), hycim::Error) << "eps 0";
  const std::vector<int16_t> big(kLayerNormMaxLen + 1, 0);
  EXPECT_THROW(layernorm_fwd(big, big, big, 1), hycim::Error);
  const int16_t one[] = {1};
  EXPECT_THROW(layernorm_fwd(x2, one, b2, 1), hycim::Error);
  EXPECT_THROW(layernorm_bwd(x2, x2, g2, f2, 17), hycim::Error);
}

// Given the golden xhat and rs, the backward pass differs from the same maths in double only by
// its roundings: H (half a unit of g, times |xhat| <= 8), xhat*H (half) and the final shift.
TEST_F(LayerNormGolden, BackwardMatchesDoubleGivenTheGoldenIntermediates) {
  double worst_lsb = 0;
  for (int tok = 0; tok < 200; ++tok) {
    const size_t n = static_cast<size_t>(rng().uniform_int(1, 1024));
    const auto t = random_token(n);
    const auto f = layernorm_fwd(t.x, t.gamma, t.beta, t.eps8);
    const auto dx_shift = static_cast<unsigned>(rng().uniform_int(0, 16));
    const auto b = layernorm_bwd(t.x, t.dy, t.gamma, f, dx_shift);
    double gs = 0, gxs = 0;
    std::vector<double> g(n);
    for (size_t i = 0; i < n; ++i) {
      g[i] = static_cast<double>(t.dy[i]) * t.gamma[i];
      gs += g[i];
      gxs += g[i] * f.xhat[i] / 4096.0;
    }
    const double scale = f.r.rs * std::ldexp(1.0, -(33 + f.r.e / 2 - static_cast<int>(dx_shift)));
    const double slack = (4.0 + 0.5 + 1.0) * scale + 0.5;  // in dx LSBs
    for (size_t i = 0; i < n; ++i) {
      const double tt = static_cast<double>(n) * g[i] - gs - f.xhat[i] / 4096.0 * gxs;
      const double want = tt * scale;
      if (std::abs(want) > 32767 + slack) {
        EXPECT_EQ(std::abs(b.dx[i]), want > 0 ? 32767 : 32768);
        continue;
      }
      const double lsb = std::abs(b.dx[i] - want);
      worst_lsb = std::max(worst_lsb, lsb / std::max(slack, 1e-9));
      ASSERT_LE(lsb, slack) << "token " << tok << " i " << i;
      EXPECT_EQ(b.dgamma[i], int64_t{t.dy[i]} * f.xhat[i]);
      EXPECT_EQ(b.dbeta[i], t.dy[i]);
    }
  }
  fmt::print("backward given golden intermediates: worst error / allowance {:.2f}\n", worst_lsb);
}

// End to end against the all-double pipeline: the relative error of the dx vector (2-norm).
TEST_F(LayerNormGolden, BackwardEndToEndAgainstTheDoubleReference) {
  double worst = 0, sum = 0, dg_worst = 0;
  int count = 0, skipped = 0;
  for (int tok = 0; tok < 200; ++tok) {
    const size_t n = static_cast<size_t>(rng().uniform_int(2, 1024));
    auto t = random_token(n, 0.0);
    const auto f = layernorm_fwd(t.x, t.gamma, t.beta, t.eps8);
    const auto ref =
        layernorm_bwd_ref(real(t.x, 0), real(t.dy, 0), real(t.gamma, 13), t.eps8 / 256.0);
    // dx_real = dx * 2^-dx_shift (Edy = 0). Choose dx_shift for 12-ish bits of headroom.
    const std::vector<double> zeros(n, 0.0);
    const auto fr = layernorm_fwd_ref(real(t.x, 0), real(t.gamma, 13), zeros, t.eps8 / 256.0);
    if (std::any_of(fr.xhat.begin(), fr.xhat.end(),
                    [](double v) { return std::abs(v) >= 32767.0 / 4096.0; })) {
      ++skipped;  // xhat beyond Q3.12: covered by the saturation tests, not by this bound
      continue;
    }
    double amax = 0;
    for (double v : ref.dx) amax = std::max(amax, std::abs(v));
    if (amax == 0) continue;
    const int dx_shift = std::clamp(static_cast<int>(std::floor(std::log2(16000.0 / amax))), 0, 16);
    const auto b = layernorm_bwd(t.x, t.dy, t.gamma, f, static_cast<unsigned>(dx_shift));
    double num = 0, den = 0;
    for (size_t i = 0; i < n; ++i) {
      const double got = std::ldexp(static_cast<double>(b.dx[i]), -dx_shift);
      num += (got - ref.dx[i]) * (got - ref.dx[i]);
      den += ref.dx[i] * ref.dx[i];
    }
    // dgamma_i = dy_i xhat_i (units 2^-12 dy) within |dy_i| times the xhat bound; dbeta exact.
    for (size_t i = 0; i < n; ++i) {
      const double dg = std::ldexp(static_cast<double>(b.dgamma[i]), -12);
      const double err = std::abs(dg - ref.dgamma[i]);
      ASSERT_LE(err, std::abs(t.dy[i]) * (kRsqrtRel * std::abs(fr.xhat[i]) + std::ldexp(1.0, -13)))
          << "token " << tok << " i " << i;
      ASSERT_EQ(static_cast<double>(b.dbeta[i]), ref.dbeta[i]);
      dg_worst = std::max(dg_worst, err / std::max(1.0, std::abs(static_cast<double>(t.dy[i]))));
    }
    const double rel = std::sqrt(num / den);
    worst = std::max(worst, rel);
    sum += rel;
    ++count;
  }
  fmt::print(
      "backward end to end: relative 2-norm error of dx max {:.3e}, mean {:.3e} over {} "
      "tokens\n",
      worst, sum / count, count);
  fmt::print("backward: dgamma max |err| / |dy| {:.3e} ({:.2f} xhat LSB); dbeta exact\n", dg_worst,
             dg_worst * 4096);
  EXPECT_LT(worst, std::ldexp(1.0, -9));  // the bound of docs/training/layernorm.md
}

// The double reference's gradients are the derivatives of L = sum dy_i y_i(x, gamma, beta).
TEST_F(LayerNormGolden, ReferenceGradientsMatchFiniteDifferences) {
  for (int tok = 0; tok < 30; ++tok) {
    const size_t n = static_cast<size_t>(rng().uniform_int(2, 24));
    std::vector<double> x(n), g(n), b(n), dy(n);
    for (auto& v : x) v = rng().normal(3.0, 2.0);
    for (auto& v : g) v = rng().normal();
    for (auto& v : b) v = rng().normal();
    for (auto& v : dy) v = rng().normal();
    const double eps = 1e-3;
    auto loss = [&](const std::vector<double>& xx, const std::vector<double>& gg,
                    const std::vector<double>& bb) {
      const auto f = layernorm_fwd_ref(xx, gg, bb, eps);
      double l = 0;
      for (size_t i = 0; i < n; ++i) l += dy[i] * f.y[i];
      return l;
    };
    const auto ref = layernorm_bwd_ref(x, dy, g, eps);
    const double h = 1e-6;
    for (size_t j = 0; j < n; ++j) {
      auto xp = x, xm = x, gp = g, gm = g, bp = b, bm = b;
      xp[j] += h;
      xm[j] -= h;
      gp[j] += h;
      gm[j] -= h;
      bp[j] += h;
      bm[j] -= h;
      EXPECT_NEAR(ref.dx[j], (loss(xp, g, b) - loss(xm, g, b)) / (2 * h), 1e-5) << j;
      EXPECT_NEAR(ref.dgamma[j], (loss(x, gp, b) - loss(x, gm, b)) / (2 * h), 1e-5) << j;
      EXPECT_NEAR(ref.dbeta[j], (loss(x, g, bp) - loss(x, g, bm)) / (2 * h), 1e-5) << j;
    }
  }
}

}  // namespace
}  // namespace hycim::golden
