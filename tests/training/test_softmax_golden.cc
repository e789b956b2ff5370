// The softmax golden model (golden/training/softmax.h) against independent
// references: the lookup tables against their formulas, the reciprocal against exact division,
// forward and backward against the double reference with the documented error bounds
// (docs/training/softmax.md), and the double reference's gradient against finite differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <vector>

#include "golden/training/softmax.h"
#include "hycim_test.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;

class SoftmaxGolden : public HycimTest {
 protected:
  const Luts& luts = Luts::get();

  // A random row: scores spread over `spread` units of log2 around a random centre, some rows
  // with outliers, some with masked entries.
  struct Row {
    std::vector<int16_t> x;
    std::vector<uint8_t> keep;
  };
  Row random_row(size_t n, double spread, double mask_prob) {
    Row r;
    r.x.resize(n);
    const double centre = rng().uniform(-60.0, 60.0);
    for (auto& v : r.x) {
      const double z = centre + spread * rng().normal();
      v = static_cast<int16_t>(std::clamp<int64_t>(std::llround(z * 256.0), -32768, 32767));
    }
    if (mask_prob > 0) {
      r.keep.resize(n);
      for (auto& k : r.keep) k = rng().bernoulli(mask_prob) ? 0 : 1;
    }
    return r;
  }
};

// ---- Tables ---------------------------------------------------------------------------------

TEST_F(SoftmaxGolden, TablesMatchTheirFormulas) {
  ASSERT_EQ(luts.exp2_frac.size(), 256u);
  for (int f = 0; f < 256; ++f) {
    EXPECT_EQ(luts.exp2_frac[f], std::llround(32768.0 * std::exp2(-f / 256.0))) << "f=" << f;
  }
  EXPECT_EQ(luts.exp2_frac[0], 0x8000) << "2^0 = 1.0 in UQ1.15";
  ASSERT_EQ(luts.recip_seed.size(), 128u);
  for (int i = 0; i < 128; ++i) {
    EXPECT_EQ(luts.recip_seed[i], std::llround(65536.0 / (1.0 + (i + 0.5) / 128.0))) << i;
  }
  ASSERT_EQ(luts.rsqrt_seed.size(), 128u);
  for (int j = 0; j < 128; ++j) {
    const double m = j < 64 ? 1.0 + (j + 0.5) / 64.0 : 2.0 * (1.0 + (j - 64 + 0.5) / 64.0);
    EXPECT_EQ(luts.rsqrt_seed[j], std::llround(65536.0 / std::sqrt(m))) << j;
  }
}

TEST_F(SoftmaxGolden, ReadHexRejectsMalformedFiles) {
  const std::string dir = ::testing::TempDir();
  auto write = [&](const char* name, const char* text) {
    const std::string p = dir + "/" + name;
    FILE* f = std::fopen(p.c_str(), "w");
    std::fputs(text, f);
    std::fclose(f);
    return p;
  };
  EXPECT_EQ(read_hex(write("ok.hex", "// c\n00ff\n  1 // one\n\n"), 2),
            (std::vector<uint16_t>{0xff, 1}));
  EXPECT_THROW(read_hex(write("short.hex", "1\n"), 2), hycim::Error);
  EXPECT_THROW(read_hex(write("bad.hex", "1\nzz\n"), 2), hycim::Error);
  EXPECT_THROW(read_hex(write("wide.hex", "10000\n1\n"), 2), hycim::Error);
  EXPECT_THROW(read_hex(dir + "/missing.hex", 2), hycim::Error);
}

// ---- Reciprocal -------------------------------------------------------------------------------

// 1/S = y1 * 2^-(16 + k). Exhaustive over every sum a row of up to 64 entries can have in its
// most common range and random over the whole 27-bit range.
TEST_F(SoftmaxGolden, ReciprocalRelativeErrorBelowTwoToMinus15) {
  double worst = 0.0;
  uint32_t worst_s = 0;
  auto check = [&](uint32_t s) {
    const Recip r = recip(s, luts);
    ASSERT_EQ(r.k, static_cast<int>(std::floor(std::log2(static_cast<double>(s)))));
    const double approx = r.y1 * std::ldexp(1.0, -(16 + r.k));
    const double rel = std::abs(approx * s - 1.0);
    if (rel > worst) {
      worst = rel;
      worst_s = s;
    }
  };
  for (uint32_t s = 1u << 15; s < (1u << 21); ++s) check(s);
  for (int i = 0; i < 200000; ++i) {
    check(static_cast<uint32_t>(rng().uniform_int(1, (1 << kSoftmaxSumBits) - 1)));
  }
  for (uint32_t s : {1u, 2u, 3u, (1u << 26), (1u << 27) - 1}) check(s);
  fmt::print("reciprocal: worst relative error {:.3e} = 2^{:.2f} at S = {}\n", worst,
             std::log2(worst), worst_s);
  EXPECT_LT(worst, std::ldexp(1.0, -15));
  EXPECT_THROW(recip(0, luts), hycim::Error);
  EXPECT_THROW(recip(1u << 27, luts), hycim::Error);
}

// ---- Forward: directed ------------------------------------------------------------------------

TEST_F(SoftmaxGolden, RowOfOneSaturatesToTheLargestCode) {
  for (int16_t v : {int16_t{-32768}, int16_t{0}, int16_t{32767}}) {
    const int16_t x[] = {v};
    EXPECT_EQ(softmax_fwd(x, {}, SoftmaxFormat::kTraining).p[0], 0xFFFF);
    EXPECT_EQ(softmax_fwd(x, {}, SoftmaxFormat::kInference).p[0], 0xFF);
  }
}

TEST_F(SoftmaxGolden, AllEqualRowGivesOneOverN) {
  for (size_t n : {2u, 3u, 7u, 64u, 1000u, 2048u}) {
    const std::vector<int16_t> x(n, -1234);
    const auto f = softmax_fwd(x, {}, SoftmaxFormat::kTraining);
    EXPECT_EQ(f.sum, 32768u * n);
    for (auto p : f.p) {
      EXPECT_LE(std::abs(p - 65536.0 / static_cast<double>(n)), 1.0) << "n=" << n;
    }
    const auto g = softmax_fwd(x, {}, SoftmaxFormat::kInference);
    EXPECT_LE(std::abs(g.p[0] - 256.0 / static_cast<double>(n)), 0.5 + 1e-9) << "n=" << n;
  }
}

TEST_F(SoftmaxGolden, VeryNegativeEntriesVanishAndExtremesCoexist) {
  // d = 65535: the far end of the format. d >> 8 = 16 still rounds 2^15 >> 16 up to 1.
  const int16_t x[] = {32767, -32768, 32767 - 16 * 256, 32767 - 17 * 256};
  const auto f = softmax_fwd(x, {}, SoftmaxFormat::kTraining);
  EXPECT_EQ(f.e[0], 32768);
  EXPECT_EQ(f.e[1], 0);
  EXPECT_EQ(f.e[2], 1) << "2^15 * 2^-16 = 0.5 rounds up";
  EXPECT_EQ(f.e[3], 0);
  EXPECT_EQ(f.p[1], 0);
}

TEST_F(SoftmaxGolden, MaskedEntriesTakeNoPart) {
  const int16_t x[] = {100, 30000, 200, -5};
  const uint8_t keep[] = {1, 0, 1, 1};
  const auto f = softmax_fwd(x, keep, SoftmaxFormat::kTraining);
  EXPECT_EQ(f.max, 200) << "the masked 30000 is not the max";
  EXPECT_EQ(f.p[1], 0);
  const int16_t y[] = {100, 200, -5};
  const auto g = softmax_fwd(y, {}, SoftmaxFormat::kTraining);
  EXPECT_EQ(f.p[0], g.p[0]);
  EXPECT_EQ(f.p[2], g.p[1]);
  EXPECT_EQ(f.p[3], g.p[2]);
  const uint8_t none[] = {0, 0, 0, 0};
  const auto e = softmax_fwd(x, none, SoftmaxFormat::kTraining);
  EXPECT_TRUE(e.empty);
  EXPECT_EQ(std::count(e.p.begin(), e.p.end(), 0), 4);
}

TEST_F(SoftmaxGolden, BadShapesAreErrors) {
  const std::vector<int16_t> big(kSoftmaxMaxLen + 1, 0);
  EXPECT_THROW(softmax_fwd(big, {}, SoftmaxFormat::kTraining), hycim::Error);
  EXPECT_THROW(softmax_fwd(std::span<const int16_t>{}, {}, SoftmaxFormat::kTraining), hycim::Error);
  const int16_t x[] = {1, 2};
  const uint8_t keep[] = {1};
  EXPECT_THROW(softmax_fwd(x, keep, SoftmaxFormat::kTraining), hycim::Error);
  const uint16_t p[] = {1, 2};
  const int16_t g[] = {1};
  EXPECT_THROW(softmax_bwd(p, g, 0), hycim::Error);
  const int16_t g2[] = {1, 2};
  EXPECT_THROW(softmax_bwd(p, g2, 17), hycim::Error);
}

// ---- Forward: against the double reference ------------------------------------------------------

// The bound of docs/training/softmax.md, per element, in units of p:
//   |p - p_ref| <= (1 + p_ref * n_kept) / S + 2^-15 * p_ref + 2^-(F+1)
//                  + max(0, p_ref - (1 - 2^-F))
// (table and shift rounding of e: 1 LSB of UQ1.15 each, so |dS| <= n_kept; reciprocal below
// 2^-15 relative; final rounding half an output LSB; saturation of p near 1.0 to 1 - 2^-F).
double fwd_bound(double p_ref, size_t n_kept, uint32_t sum, int frac_bits) {
  const double top = 1.0 - std::ldexp(1.0, -frac_bits);
  return (1.0 + p_ref * static_cast<double>(n_kept)) / sum + std::ldexp(p_ref, -15) +
         std::ldexp(1.0, -(frac_bits + 1)) + std::max(0.0, p_ref - top);
}

TEST_F(SoftmaxGolden, ForwardWithinTheBoundOfTheDoubleReference) {
  for (auto fmt : {SoftmaxFormat::kTraining, SoftmaxFormat::kInference}) {
    const int fb = softmax_frac_bits(fmt);
    double max_err = 0.0, sum_err = 0.0, max_ratio = 0.0;
    uint64_t count = 0;
    for (int row = 0; row < 400; ++row) {
      const size_t n = row < 8 ? kSoftmaxMaxLen : static_cast<size_t>(rng().uniform_int(1, 512));
      const double spread = std::ldexp(1.0, static_cast<int>(rng().uniform_int(-3, 5)));
      const auto r = random_row(n, spread, row % 3 == 0 ? 0.3 : 0.0);
      const auto f = softmax_fwd(r.x, r.keep, fmt);
      const auto ref = softmax_fwd_ref(r.x, r.keep);
      if (f.empty) continue;
      const size_t kept =
          r.keep.empty() ? n : static_cast<size_t>(std::count(r.keep.begin(), r.keep.end(), 1));
      for (size_t i = 0; i < n; ++i) {
        const double got = std::ldexp(static_cast<double>(f.p[i]), -fb);
        const double err = std::abs(got - ref[i]);
        const double bound = fwd_bound(ref[i], kept, f.sum, fb);
        max_ratio = std::max(max_ratio, err / bound);
        ASSERT_LE(err, bound) << "row " << row << " element " << i << " n=" << n;
        max_err = std::max(max_err, err);
        sum_err += err;
        ++count;
      }
    }
    fmt::print(
        "forward UQ0.{}: {} elements, max |err| {:.3e} ({:.2f} LSB), mean {:.3e}, "
        "worst err/bound {:.2f}\n",
        fb, count, max_err, std::ldexp(max_err, fb), sum_err / count, max_ratio);
  }
}

// ---- Backward ---------------------------------------------------------------------------------

// Given the golden p, the backward pass is exact up to its final rounding: half an LSB of ds.
TEST_F(SoftmaxGolden, BackwardWithinHalfAnLsbGivenTheForwardOutput) {
  double max_lsb = 0.0;
  for (int row = 0; row < 300; ++row) {
    const size_t n = static_cast<size_t>(rng().uniform_int(1, 700));
    const auto r = random_row(n, 2.0, 0.0);
    const auto f = softmax_fwd(r.x, {}, SoftmaxFormat::kTraining);
    std::vector<int16_t> g(n);
    const int gbits = static_cast<int>(rng().uniform_int(2, 15));
    for (auto& v : g) v = static_cast<int16_t>(rng().uniform_int(-(1 << gbits), (1 << gbits) - 1));
    const auto ds_shift = static_cast<unsigned>(rng().uniform_int(0, 16));
    const auto b = softmax_bwd(f.p, g, ds_shift);
    std::vector<double> p(n), gd(g.begin(), g.end());
    for (size_t i = 0; i < n; ++i) p[i] = std::ldexp(static_cast<double>(f.p[i]), -16);
    const auto ref = softmax_bwd_ref(p, gd);
    for (size_t i = 0; i < n; ++i) {
      const double want = std::ldexp(ref[i], static_cast<int>(ds_shift));  // in ds LSBs
      if (std::abs(want) > 32767) {
        EXPECT_EQ(std::abs(b.ds[i]), want > 0 ? 32767 : 32768);
        continue;
      }
      const double lsb = std::abs(b.ds[i] - want);
      max_lsb = std::max(max_lsb, lsb);
      ASSERT_LE(lsb, 0.5 + 1e-9) << "row " << row << " i " << i;
    }
  }
  fmt::print("backward given p: max |err| {:.3f} LSB of ds\n", max_lsb);
}

// End to end against the all-double pipeline (double p, double ds): the forward error propagates,
// |ds - ds_ref| <= |dp_i| |g_i - dot| + p_i sum_j |dp_j| |g_j| + half an LSB.
TEST_F(SoftmaxGolden, BackwardEndToEndAgainstTheDoubleReference) {
  double max_err = 0.0, sum_err = 0.0;
  uint64_t count = 0;
  for (int row = 0; row < 200; ++row) {
    const size_t n = static_cast<size_t>(rng().uniform_int(1, 512));
    const auto r = random_row(n, 2.0, 0.0);
    const auto f = softmax_fwd(r.x, {}, SoftmaxFormat::kTraining);
    const auto pref = softmax_fwd_ref(r.x, {});
    std::vector<int16_t> g(n);
    for (auto& v : g) v = static_cast<int16_t>(rng().uniform_int(-1024, 1023));
    const unsigned ds_shift = 4;  // |ds| <= 2^10 * 2^4: no saturation
    const auto b = softmax_bwd(f.p, g, ds_shift);
    std::vector<double> gd(g.begin(), g.end());
    const auto ref = softmax_bwd_ref(pref, gd);
    std::vector<double> dp(n);
    double dot = 0.0, sum_dpg = 0.0;
    for (size_t i = 0; i < n; ++i) {
      dp[i] = fwd_bound(pref[i], n, f.sum, 16);
      dot += pref[i] * gd[i];
      sum_dpg += dp[i] * std::abs(gd[i]);
    }
    for (size_t i = 0; i < n; ++i) {
      const double got = std::ldexp(static_cast<double>(b.ds[i]), -static_cast<int>(ds_shift));
      const double err = std::abs(got - ref[i]);
      const double bound = dp[i] * (std::abs(gd[i] - dot) + sum_dpg) + pref[i] * sum_dpg +
                           std::ldexp(0.5, -static_cast<int>(ds_shift));
      ASSERT_LE(err, bound) << "row " << row << " i " << i;
      max_err = std::max(max_err, err);
      sum_err += err;
      ++count;
    }
  }
  fmt::print("backward end to end (|g| <= 2^10, ds_shift 4): max |err| {:.3e}, mean {:.3e}\n",
             max_err, sum_err / count);
}

// The double reference's gradient is the derivative of L = sum g_i p_i(z) with respect to the
// natural-domain scores z (x = z * log2(e)): central finite differences agree.
TEST_F(SoftmaxGolden, ReferenceGradientMatchesFiniteDifferences) {
  for (int row = 0; row < 50; ++row) {
    const size_t n = static_cast<size_t>(rng().uniform_int(1, 40));
    std::vector<double> z(n), g(n);
    for (auto& v : z) v = rng().normal(0.0, 2.0);
    for (auto& v : g) v = rng().normal();
    auto probs = [&](const std::vector<double>& zz) {
      const double m = *std::max_element(zz.begin(), zz.end());
      std::vector<double> p(n);
      double s = 0.0;
      for (size_t i = 0; i < n; ++i) s += (p[i] = std::exp(zz[i] - m));
      for (auto& v : p) v /= s;
      return p;
    };
    auto loss = [&](const std::vector<double>& zz) {
      const auto p = probs(zz);
      return std::inner_product(p.begin(), p.end(), g.begin(), 0.0);
    };
    const auto p = probs(z);
    const auto ds = softmax_bwd_ref(p, g);
    const double h = 1e-5;
    for (size_t j = 0; j < n; ++j) {
      auto zp = z, zm = z;
      zp[j] += h;
      zm[j] -= h;
      const double fd = (loss(zp) - loss(zm)) / (2 * h);
      EXPECT_NEAR(ds[j], fd, 1e-7 + 1e-6 * std::abs(fd)) << "row " << row << " j " << j;
    }
    // The log2-domain reference (used against the golden model) on x = z * log2(e) is the same
    // softmax, up to the Q7.8 quantization of x (at most 2^-9 in log2 units).
    std::vector<int16_t> xq(n);
    for (size_t i = 0; i < n; ++i) {
      xq[i] = static_cast<int16_t>(std::llround(z[i] * std::numbers::log2e * 256.0));
    }
    const auto p2 = softmax_fwd_ref(xq, {});
    // Each x_i moves by at most 2^-9, numerator and denominator by a factor 2^(+-2^-9) each.
    const double rel = std::exp2(2.0 / 512.0) - 1.0;
    for (size_t i = 0; i < n; ++i) EXPECT_NEAR(p2[i], p[i], rel * p[i] + 1e-15);
  }
}

}  // namespace
}  // namespace hycim::golden
