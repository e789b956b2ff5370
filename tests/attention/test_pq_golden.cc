// The PQ golden model (golden/attention/pq.h) against independent references: k-means
// against the definition of a Lloyd fixed point, the ideal encoding against brute-force squared
// distances in double, the crossbar mapping against the quantized nearest centroid computed from
// |x_q - c_q|^2, and the WTA against a direct reading of its rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "golden/attention/pq.h"
#include "hycim_test.h"
#include "pq_stimulus.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;

class PqGolden : public HycimTest {
 protected:
  XbarSpec spec;  // the default: 8 groups x 16 columns, 8 rows each, 4-bit levels, TW = 10
  Tensor<int8_t> tokens(size_t s) { return tb::pq::gaussian_tokens(rng(), s, 64); }
};

TEST_F(PqGolden, KmeansIsDeterministicAndEndsAtALloydFixedPoint) {
  const auto x = tokens(512);
  const KmeansOptions opt{.seed = seed(), .max_iters = 100};
  const auto a = train_codebook(x, 8, 16, opt);
  const auto b = train_codebook(x, 8, 16, opt);
  EXPECT_EQ(a.fcent, b.fcent);
  EXPECT_EQ(a.cent, b.cent);
  const int d = a.sub_dim;
  for (int m = 0; m < 8; ++m) {
    ASSERT_LT(a.iterations[m], opt.max_iters) << "subspace " << m << " did not converge";
    // At a fixed point every centroid is the mean of the points nearest to it.
    std::vector<double> sum(16 * d, 0.0);
    std::vector<int> cnt(16, 0);
    double dist = 0.0;
    for (size_t t = 0; t < x.dim(0); ++t) {
      int best = 0;
      double bd = std::numeric_limits<double>::infinity();
      for (int c = 0; c < 16; ++c) {
        double dd = 0.0;
        for (int j = 0; j < d; ++j) {
          const double e = x(t, m * d + j) - a.fcent[(m * 16 + c) * d + j];
          dd += e * e;
        }
        if (dd < bd) {
          bd = dd;
          best = c;
        }
      }
      dist += bd;
      ++cnt[best];
      for (int j = 0; j < d; ++j) sum[best * d + j] += x(t, m * d + j);
    }
    EXPECT_NEAR(dist / static_cast<double>(x.dim(0)), a.distortion[m], 1e-6);
    for (int c = 0; c < 16; ++c) {
      ASSERT_GT(cnt[c], 0) << "subspace " << m << " centroid " << c << " is empty";
      for (int j = 0; j < d; ++j) {
        EXPECT_NEAR(a.fcent[(m * 16 + c) * d + j], sum[c * d + j] / cnt[c], 1e-9);
        EXPECT_EQ(a.cent(m, c, j),
                  std::clamp(std::lround(a.fcent[(m * 16 + c) * d + j]), -128L, 127L));
      }
    }
    // Better than no clustering at all: the distortion is below the per-subspace variance sum.
    EXPECT_LT(a.distortion[m], 0.6 * 8 * tb::pq::kDefaultSigma * tb::pq::kDefaultSigma);
  }
  // Another seed gives another codebook (k-means++ draws from the seed).
  const auto c = train_codebook(x, 8, 16, {.seed = seed() + 1, .max_iters = 100});
  EXPECT_NE(a.fcent, c.fcent);
}

TEST_F(PqGolden, EncodeNearestMatchesBruteForceDistance) {
  const auto train = tokens(256);
  const auto cb = train_codebook(train, 8, 16, {.seed = seed()});
  const auto x = tokens(300);
  const auto codes = encode_nearest(x, cb);
  const auto fcodes = encode_nearest_float(x, cb);
  size_t agree = 0;
  for (size_t t = 0; t < x.dim(0); ++t) {
    for (int m = 0; m < 8; ++m) {
      double bd = std::numeric_limits<double>::infinity(), fd = bd;
      int bi = -1, fi = -1;
      for (int c = 0; c < 16; ++c) {
        double dd = 0.0, ff = 0.0;
        for (int j = 0; j < 8; ++j) {
          const double e = x(t, m * 8 + j) - cb.cent(m, c, j);
          const double f = x(t, m * 8 + j) - cb.fcent[(m * 16 + c) * 8 + j];
          dd += e * e;
          ff += f * f;
        }
        if (dd < bd) {
          bd = dd;
          bi = c;
        }
        if (ff < fd) {
          fd = ff;
          fi = c;
        }
      }
      ASSERT_EQ(codes(t, m), bi) << "token " << t << " subspace " << m;
      ASSERT_EQ(fcodes(t, m), fi) << "token " << t << " subspace " << m;
      agree += codes(t, m) == fcodes(t, m);
    }
  }
  const double frac = static_cast<double>(agree) / (x.dim(0) * 8);
  fmt::print("INT8 centroids vs double centroids: {:.2f} % of {} codes agree\n", 100 * frac,
             x.dim(0) * 8);
  EXPECT_GT(frac, 0.97);
}

TEST_F(PqGolden, IdealCrossbarArgmaxIsTheNearestQuantizedCentroid) {
  const auto train = tokens(512);
  const auto cb = train_codebook(train, 8, 16, {.seed = seed()});
  const unsigned shift = choose_shift(train, spec.in_bits);
  EXPECT_EQ(shift, 4u);  // sigma 32: shift 4 clips under 0.1 % of the elements (|x| >= 120)
  const auto map = map_crossbar(cb, shift, spec);
  // Levels in range, block-diagonal, the bias non-negative with a zero in every group.
  for (int r = 0; r < spec.rows() - 1; ++r) {
    for (int col = 0; col < spec.cols(); ++col) {
      ASSERT_LT(map.level(r, col), 16);
      if (r / spec.sub_dim != col / spec.cols_per_group) {
        ASSERT_EQ(map.level(r, col), 0);
      }
    }
  }
  for (int m = 0; m < spec.groups; ++m) {
    int64_t mn = std::numeric_limits<int64_t>::max();
    for (int c = 0; c < 16; ++c) {
      ASSERT_GE(map.bias[m * 16 + c], 0);
      mn = std::min(mn, map.bias[m * 16 + c]);
    }
    EXPECT_EQ(mn, 0);
  }
  const auto x = tokens(2000);
  const auto nn8 = encode_nearest(x, cb);
  const auto nnf = encode_nearest_float(x, cb);
  const uint64_t q = default_charge(map, kDefaultTicksFull);
  size_t n = 0, agree8 = 0, agreef = 0, tick_ok = 0, tick_ties = 0;
  for (size_t t = 0; t < x.dim(0); ++t) {
    std::span<const int8_t> tok(&x.data()[t * 64], 64);
    const auto u = input_levels(tok, shift, spec);
    const auto cur = ideal_currents(map, u);
    const auto qnn = encode_quantized(map, tok);
    const auto res = encode_ideal_xbar(map, tok, q, spec.tick_limit(), spec.groups);
    for (int m = 0; m < spec.groups; ++m) {
      // Brute force: argmin over |x_q - c_q|^2, lowest index on ties.
      int64_t bd = std::numeric_limits<int64_t>::max();
      int bi = -1;
      for (int c = 0; c < 16; ++c) {
        int64_t dd = 0;
        for (int j = 0; j < 8; ++j) {
          const int64_t xq = static_cast<int64_t>(u[m * 8 + j]) - 8;
          const int64_t e = xq - map.cq(m, c, j);
          dd += e * e;
        }
        if (dd < bd) {
          bd = dd;
          bi = c;
        }
      }
      // The current argmax (lowest index on equal currents).
      int ai = 0;
      for (int c = 1; c < 16; ++c) {
        if (cur[m * 16 + c] > cur[m * 16 + ai]) ai = c;
      }
      ASSERT_EQ(qnn[m], bi) << "token " << t << " group " << m;
      ASSERT_EQ(ai, bi) << "token " << t << " group " << m;
      // I_c + |x_q - c_q|^2 is the same for every column of the group.
      int64_t dd0 = 0;
      for (int j = 0; j < 8; ++j) {
        const int64_t e = static_cast<int64_t>(u[m * 8 + j]) - 8 - map.cq(m, 0, j);
        dd0 += e * e;
      }
      for (int c = 1; c < 16; ++c) {
        int64_t dd = 0;
        for (int j = 0; j < 8; ++j) {
          const int64_t e = static_cast<int64_t>(u[m * 8 + j]) - 8 - map.cq(m, c, j);
          dd += e * e;
        }
        ASSERT_EQ(cur[m * 16 + c] + dd, cur[m * 16] + dd0);
      }
      // Ticks: the nearest centroid has the earliest tick; the WTA returns it unless a lower
      // index shares that tick, and then it raises `tie` (documented near-tie behaviour).
      ++n;
      agree8 += bi == nn8(t, m);
      agreef += bi == nnf(t, m);
      ASSERT_FALSE(res.timeout[m]);
      if (res.code[m] == bi) {
        ++tick_ok;
      } else {
        ASSERT_TRUE(res.tie[m]) << "token " << t << " group " << m << ": lost without a tie";
        ASSERT_LT(res.code[m], bi);
      }
      tick_ties += res.tie[m];
    }
  }
  fmt::print(
      "{} codes, shift {}: quantized nearest centroid vs INT8 nearest {:.2f} %, vs float "
      "nearest {:.2f} %; tick WTA (q = {}, ticks_full 128) equal to it {:.2f} %, tie flags "
      "{:.2f} %\n",
      n, shift, 100.0 * agree8 / n, 100.0 * agreef / n, q, 100.0 * tick_ok / n,
      100.0 * tick_ties / n);
}

TEST_F(PqGolden, TicksFollowTheChargeOverCurrentRule) {
  const std::vector<int64_t> cur = {0, -5, 1, 2, 3, 1000, 1001, 7};
  const auto t = ideal_ticks(cur, 1000, 10);
  EXPECT_EQ(t, (std::vector<uint32_t>{1023, 1023, 1000, 500, 334, 1, 1, 143}));
  const auto t2 = ideal_ticks(cur, 5000, 10);  // 5000 / 1 = 5000 saturates at 1023
  EXPECT_EQ(t2[2], 1023u);
  EXPECT_EQ(t2[5], 5u);
  EXPECT_EQ(t2[6], 5u);  // near-equal currents, equal ticks
  EXPECT_THROW(ideal_ticks(cur, 0, 10), Error);
}

TEST_F(PqGolden, WtaLocksTiesAndTimesOutByItsRules) {
  // Two groups of four columns.
  {
    const std::vector<uint32_t> t = {9, 5, 5, 7, 3, 8, 8, 4};
    const auto r = wta(t, 2, 4, 100);
    EXPECT_EQ(r.code, (std::vector<uint8_t>{1, 0}));
    EXPECT_EQ(r.tie, (std::vector<uint8_t>{1, 0}));
    EXPECT_EQ(r.win_tick, (std::vector<uint16_t>{5, 3}));
    EXPECT_EQ(r.done_tick, 5u);
    EXPECT_EQ(r.code_word(), 0x01u);
    EXPECT_EQ(r.tie_mask(), 0x1u);
  }
  {  // every column in the same tick
    const std::vector<uint32_t> t(8, 6);
    const auto r = wta(t, 2, 4, 6);
    EXPECT_EQ(r.code, (std::vector<uint8_t>{0, 0}));
    EXPECT_EQ(r.tie_mask(), 0x3u);
    EXPECT_EQ(r.timeout_mask(), 0u);
  }
  {  // nothing fires by t_max; the second group is inactive
    const std::vector<uint32_t> t = {9, 9, 9, 9, 1, 1, 1, 1};
    const auto r = wta(t, 1, 4, 8);
    EXPECT_EQ(r.timeout_mask(), 0x1u);
    EXPECT_EQ(r.win_tick[0], 8);
    EXPECT_EQ(r.code_word(), 0u);
    EXPECT_EQ(r.tie_mask(), 0u);
    EXPECT_EQ(r.done_tick, 8u);
  }
  {  // a tick exactly at t_max locks; a tick of 0 counts as the first tick
    const std::vector<uint32_t> t = {8, 9, 0, 2};
    EXPECT_EQ(wta(t, 1, 2, 8).code[0], 0);
    EXPECT_EQ(wta(t, 1, 2, 7).timeout[0], 1);
    EXPECT_EQ(wta(t, 2, 2, 7).code[1], 0);
    EXPECT_EQ(wta(t, 2, 2, 7).win_tick[1], 1);
  }
  EXPECT_THROW(wta(std::vector<uint32_t>(8, 1), 0, 4, 10), Error);
  EXPECT_THROW(wta(std::vector<uint32_t>(8, 1), 1, 4, 0), Error);
  EXPECT_THROW(wta(std::vector<uint32_t>(8, 1), 3, 4, 10), Error);
}

TEST_F(PqGolden, BadShapesAndConfigurationsAreErrors) {
  const auto x = tokens(32);
  EXPECT_THROW(train_codebook(x, 8, 64), Error);  // fewer tokens than centroids
  EXPECT_THROW(train_codebook(x, 7, 4), Error);   // 64 is not a multiple of 7
  const auto cb = train_codebook(x, 8, 16, {.seed = seed()});
  XbarSpec bad = spec;
  bad.cols_per_group = 8;
  EXPECT_THROW(map_crossbar(cb, 4, bad), Error);
  EXPECT_THROW(map_crossbar(cb, 8, spec), Error);
  const auto map = map_crossbar(cb, 4, spec);
  std::vector<uint8_t> u(spec.rows(), 3);
  EXPECT_THROW(ideal_currents(map, u), Error);  // the bias row is not at full scale
  u.pop_back();
  EXPECT_THROW(ideal_currents(map, u), Error);
  const Tensor<int8_t> wrong({4, 32});
  EXPECT_THROW(encode_nearest(wrong, cb), Error);
}

}  // namespace
}  // namespace hycim::golden
