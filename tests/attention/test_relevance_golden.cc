// The relevance golden model (golden/attention/relevance.h) against independent references: the
// tables against plain loops over the INT8 centroids with the half-up rule written out in exact
// floor division, the shift choice against its definition (nothing saturates at it, something
// does one below), the scores against sums over the flat table data, the match mode against a
// count, the causal mask against its rule, and on clustered data the table score against the
// exact integer dot product of the quantized centroids (within M half-LSBs of 2^tshift, exactly
// equal when tshift is 0) and against the true dot product of the tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "golden/attention/pq.h"
#include "golden/attention/relevance.h"
#include "hycim_test.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;

// floor(x / 2^s) in exact integer arithmetic, without shifts of negative numbers.
int64_t floor_div_pow2(int64_t x, unsigned s) {
  const int64_t p = int64_t{1} << s;
  int64_t q = x / p;
  if (x % p != 0 && x < 0) --q;
  return q;
}
// The half-up rule as its definition: floor((x + 2^(s-1)) / 2^s), the identity at s = 0.
int64_t half_up(int64_t x, unsigned s) {
  return s == 0 ? x : floor_div_pow2(x + (int64_t{1} << (s - 1)), s);
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

class RelevanceGolden : public HycimTest {
 protected:
  // A codebook with uniform INT8 centroids in [lo, hi] (double centroids = the INT8 ones).
  Codebook random_codebook(int m, int c, int d, int lo, int hi) {
    Codebook cb;
    cb.subspaces = m;
    cb.centroids = c;
    cb.sub_dim = d;
    cb.cent =
        Tensor<int8_t>({static_cast<size_t>(m), static_cast<size_t>(c), static_cast<size_t>(d)});
    for (auto& v : cb.cent.data()) v = static_cast<int8_t>(rng().uniform_int(lo, hi));
    for (auto v : cb.cent.data()) cb.fcent.push_back(v);
    return cb;
  }
  Tensor<uint8_t> random_codes(size_t s, size_t m, int c) {
    Tensor<uint8_t> k({s, m});
    for (auto& v : k.data()) v = static_cast<uint8_t>(rng().uniform_int(0, c - 1));
    return k;
  }
  // Tokens around `protos` prototypes (S x D, prototypes uniform in +-amp, noise sigma).
  Tensor<int8_t> clustered(const Tensor<int8_t>& protos, size_t s, double sigma) {
    const size_t d = protos.dim(1);
    Tensor<int8_t> x({s, d});
    for (size_t t = 0; t < s; ++t) {
      const auto p =
          static_cast<size_t>(rng().uniform_int(0, static_cast<int64_t>(protos.dim(0)) - 1));
      for (size_t e = 0; e < d; ++e) {
        const double v = std::round(protos(p, e) + sigma * rng().normal());
        x(t, e) = static_cast<int8_t>(std::clamp(v, -128.0, 127.0));
      }
    }
    return x;
  }
  Tensor<int8_t> prototypes(size_t n, size_t d, int amp) {
    Tensor<int8_t> p({n, d});
    for (auto& v : p.data()) v = static_cast<int8_t>(rng().uniform_int(-amp, amp));
    return p;
  }
};

TEST_F(RelevanceGolden, TablesAreTheRoundedSaturatedCentroidDotProducts) {
  uint64_t entries = 0, saturated = 0;
  for (int trial = 0; trial < 6; ++trial) {
    const int m = trial % 2 ? 4 : 8;
    const int d = 64 / m;
    const auto q = random_codebook(m, 16, d, -128, 127);
    const auto k = random_codebook(m, 16, d, -128, 127);
    const auto dots = centroid_dots(q, k);
    const unsigned chosen = relevance_tshift(q, k);
    for (unsigned ts : {0u, 3u, chosen - 1, chosen, chosen + 2,
                        static_cast<unsigned>(rng().uniform_int(0, 20))}) {
      SCOPED_TRACE(ts);
      const auto t = relevance_tables(q, k, ts);
      ASSERT_EQ(t.shape(), (std::vector<size_t>{size_t(m), 16, 16}));
      for (int mm = 0; mm < m; ++mm) {
        for (int a = 0; a < 16; ++a) {
          for (int b = 0; b < 16; ++b) {
            int64_t dot = 0;
            for (int e = 0; e < d; ++e) dot += int64_t{q.cent(mm, a, e)} * k.cent(mm, b, e);
            ASSERT_EQ(dots(mm, a, b), dot);
            const int64_t want = std::clamp<int64_t>(half_up(dot, ts), -128, 127);
            ASSERT_EQ(t(mm, a, b), want) << "m " << mm << " a " << a << " b " << b;
            // The flat layout is the RTL's table address (m*C + a)*C + b.
            ASSERT_EQ(t[(static_cast<size_t>(mm) * 16 + a) * 16 + b], want);
            ++entries;
            saturated += want != half_up(dot, ts);
          }
        }
      }
    }
  }
  EXPECT_GT(saturated, 0u) << "small shifts must saturate some entries of full-range centroids";
  EXPECT_LT(saturated, entries);
}

TEST_F(RelevanceGolden, ChosenShiftIsTheSmallestWithoutSaturation) {
  std::vector<unsigned> seen;
  for (int amp : {1, 2, 5, 11, 30, 60, 127}) {
    for (int rep = 0; rep < 3; ++rep) {
      const auto q = random_codebook(8, 16, 8, -amp, amp);
      const auto k = random_codebook(8, 16, 8, -amp - 1, amp);
      const unsigned s = relevance_tshift(q, k);
      seen.push_back(s);
      const auto dots = centroid_dots(q, k);
      auto fits = [&](unsigned sh) {
        for (int32_t v : dots.data()) {
          const int64_t r = half_up(v, sh);
          if (r < -128 || r > 127) return false;
        }
        return true;
      };
      EXPECT_TRUE(fits(s)) << "amp " << amp;
      if (s > 0) {
        EXPECT_FALSE(fits(s - 1)) << "amp " << amp << ": " << s - 1 << " also fits";
      }
      // At the chosen shift the tables hold the unsaturated values.
      const auto t = relevance_tables(q, k, s);
      for (size_t i = 0; i < t.size(); ++i) ASSERT_EQ(t[i], half_up(dots[i], s));
    }
  }
  EXPECT_EQ(*std::min_element(seen.begin(), seen.end()), 0u) << "tiny centroids need no shift";
  EXPECT_GE(*std::max_element(seen.begin(), seen.end()), 8u) << "full-range ones need >= 8";
}

TEST_F(RelevanceGolden, TableScoreIsTheSumOfEntriesAndMatchIsACount) {
  uint64_t compared = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const size_t m = trial % 3 == 0 ? 4 : 8;
    const auto s = static_cast<size_t>(rng().uniform_int(1, 300));
    // Any INT8 values, with the extremes over-represented.
    Tensor<int8_t> tables({m, 16, 16});
    for (auto& v : tables.data()) {
      const int64_t pick = rng().uniform_int(0, 9);
      v = static_cast<int8_t>(pick == 0 ? -128 : pick == 1 ? 127 : rng().uniform_int(-128, 127));
    }
    if (trial == 0) std::fill(tables.data().begin(), tables.data().end(), int8_t{-128});
    if (trial == 1) std::fill(tables.data().begin(), tables.data().end(), int8_t{127});
    auto ck = random_codes(s, m, 16);
    std::vector<uint8_t> cq(m);
    for (auto& v : cq) v = static_cast<uint8_t>(rng().uniform_int(0, 15));
    // Some keys equal to the query, so the match count reaches M.
    for (size_t j = 0; j < s; j += 7) {
      for (size_t mm = 0; mm < m; ++mm) ck(j, mm) = cq[mm];
    }
    const bool causal = trial % 2;
    const auto row = static_cast<uint32_t>(rng().uniform_int(0, static_cast<int64_t>(s) - 1));
    const auto rt = relevance_row(cq, ck, tables, kRelevanceTable, causal, row);
    const auto rm = relevance_row(cq, ck, tables, kRelevanceMatch, causal, row);
    ASSERT_EQ(rt.r.size(), s);
    ASSERT_EQ(rm.valid, rt.valid);
    for (size_t j = 0; j < s; ++j) {
      const bool valid = !causal || j <= row;
      ASSERT_EQ(rt.valid[j], valid ? 1 : 0) << "key " << j;
      int64_t sum = 0, count = 0;
      for (size_t mm = 0; mm < m; ++mm) {
        sum += tables.data()[(mm * 16 + cq[mm]) * 16 + ck.data()[j * m + mm]];
        count += cq[mm] == ck.data()[j * m + mm];
      }
      ASSERT_EQ(rt.r[j], valid ? sum : 0) << "key " << j;
      ASSERT_EQ(rm.r[j], valid ? count : 0) << "key " << j;
      ++compared;
    }
    if (trial == 0) {
      EXPECT_EQ(rt.r[0], -128 * static_cast<int>(m)) << "the most negative score";
      EXPECT_EQ(rm.r[0], static_cast<int>(m)) << "key 0 equals the query";
    }
  }
  EXPECT_GT(compared, 1000u);
}

TEST_F(RelevanceGolden, CausalMaskFollowsTheRowIndex) {
  Tensor<int8_t> tables({8, 16, 16}, int8_t{1});  // every valid key scores 8
  const auto ck = random_codes(20, 8, 16);
  const std::vector<uint8_t> cq(8, 3);
  for (uint32_t row : {0u, 1u, 10u, 19u, 20u, 63u}) {
    SCOPED_TRACE(row);
    const auto c = relevance_row(cq, ck, tables, kRelevanceTable, true, row);
    const auto n = relevance_row(cq, ck, tables, kRelevanceTable, false, row);
    for (size_t j = 0; j < 20; ++j) {
      EXPECT_EQ(c.valid[j], j <= row ? 1 : 0);
      EXPECT_EQ(c.r[j], j <= row ? 8 : 0);
      EXPECT_EQ(n.valid[j], 1);
      EXPECT_EQ(n.r[j], 8);
    }
  }
}

// On clustered tokens (what PQ is for): codebooks trained on Q and K, codes by nearest centroid,
// tables at the chosen shift. The table score times 2^tshift is the exact integer dot product of
// the quantized centroids within M half-LSBs, and it tracks the true token dot product.
TEST_F(RelevanceGolden, TableScoreTracksTheCentroidAndTokenDotProducts) {
  constexpr size_t kS = 256, kD = 64, kM = 8;
  const auto protos = prototypes(24, kD, 60);
  const auto xq = clustered(protos, kS, 6.0);
  const auto xk = clustered(protos, kS, 6.0);
  const auto cbq = train_codebook(xq, kM, 16, {.seed = seed()});
  const auto cbk = train_codebook(xk, kM, 16, {.seed = seed() + 1});
  const auto codes_q = encode_nearest(xq, cbq);
  const auto codes_k = encode_nearest(xk, cbk);
  const unsigned ts = relevance_tshift(cbq, cbk);
  const auto tables = relevance_tables(cbq, cbk, ts);
  fmt::print("tshift {}\n", ts);
  ASSERT_GT(ts, 0u);
  std::vector<double> score, exact, flt, tokens;
  int64_t worst = 0;
  for (uint32_t i = 0; i < kS; i += 4) {
    std::vector<uint8_t> cq(kM);
    for (size_t m = 0; m < kM; ++m) cq[m] = codes_q(i, m);
    const auto r = relevance_row(cq, codes_k, tables, kRelevanceTable, false, i);
    const auto f = relevance_row_float(cq, codes_k, cbq, cbk, false, i);
    for (size_t j = 0; j < kS; ++j) {
      int64_t e = 0, x = 0;
      for (size_t m = 0; m < kM; ++m) {
        for (size_t d = 0; d < kD / kM; ++d) {
          e += int64_t{cbq.cent(m, cq[m], d)} * cbk.cent(m, codes_k(j, m), d);
        }
      }
      for (size_t d = 0; d < kD; ++d) x += int64_t{xq(i, d)} * xk(j, d);
      worst = std::max(worst, std::abs(int64_t{r.r[j]} * (int64_t{1} << ts) - e));
      score.push_back(r.r[j]);
      exact.push_back(static_cast<double>(e));
      flt.push_back(f[j]);
      tokens.push_back(static_cast<double>(x));
    }
  }
  const double c_exact = pearson(score, exact), c_float = pearson(score, flt);
  const double c_tok = pearson(score, tokens);
  fmt::print(
      "corr(score, exact centroid q.k) {:.4f}, (score, float centroid q.k) {:.4f}, "
      "(score, token q.k) {:.4f}; worst |score*2^t - exact| {} (bound {})\n",
      c_exact, c_float, c_tok, worst, kM << (ts - 1));
  EXPECT_LE(worst, static_cast<int64_t>(kM) << (ts - 1)) << "each entry rounds by <= half an LSB";
  EXPECT_GT(c_exact, 0.995);
  EXPECT_GT(c_float, 0.99);
  EXPECT_GT(c_tok, 0.9);
}

// With small tokens the centroid products fit INT8 unshifted: the score is the exact product.
TEST_F(RelevanceGolden, UnshiftedTablesGiveTheExactCentroidDotProduct) {
  constexpr size_t kS = 128, kD = 64, kM = 8;
  const auto protos = prototypes(16, kD, 2);
  const auto xq = clustered(protos, kS, 0.5);
  const auto xk = clustered(protos, kS, 0.5);
  const auto cbq = train_codebook(xq, kM, 16, {.seed = seed()});
  const auto cbk = train_codebook(xk, kM, 16, {.seed = seed() + 1});
  ASSERT_EQ(relevance_tshift(cbq, cbk), 0u);
  const auto tables = relevance_tables(cbq, cbk, 0);
  const auto codes_q = encode_nearest(xq, cbq);
  const auto codes_k = encode_nearest(xk, cbk);
  uint64_t nonzero = 0;
  for (uint32_t i = 0; i < kS; ++i) {
    std::vector<uint8_t> cq(kM);
    for (size_t m = 0; m < kM; ++m) cq[m] = codes_q(i, m);
    const auto r = relevance_row(cq, codes_k, tables, kRelevanceTable, true, i);
    for (size_t j = 0; j <= i; ++j) {
      int64_t e = 0;
      for (size_t m = 0; m < kM; ++m) {
        for (size_t d = 0; d < kD / kM; ++d) {
          e += int64_t{cbq.cent(m, cq[m], d)} * cbk.cent(m, codes_k(j, m), d);
        }
      }
      ASSERT_EQ(r.r[j], e) << "row " << i << " key " << j;
      nonzero += e != 0;
    }
  }
  EXPECT_GT(nonzero, kS * kS / 4) << "the products must not be trivially zero";
}

TEST_F(RelevanceGolden, BadShapesAndCodesAreErrors) {
  const auto q = random_codebook(8, 16, 8, -5, 5);
  auto k = random_codebook(4, 16, 16, -5, 5);
  EXPECT_THROW(relevance_tables(q, k, 0), Error);  // M differs
  k = random_codebook(8, 16, 8, -5, 5);
  const auto t = relevance_tables(q, k, 0);
  const auto ck = random_codes(10, 8, 16);
  std::vector<uint8_t> cq(8, 1);
  EXPECT_THROW(relevance_row(cq, ck, t, 2, false, 0), Error);  // mode
  EXPECT_THROW(relevance_row(std::vector<uint8_t>(7, 1), ck, t, 0, false, 0), Error);
  EXPECT_THROW(relevance_row(cq, random_codes(10, 4, 16), t, 0, false, 0), Error);
  cq[3] = 16;
  EXPECT_THROW(relevance_row(cq, ck, t, 0, false, 0), Error);  // code out of range
  EXPECT_THROW(relevance_row(cq, ck, Tensor<int8_t>({8, 16, 8}), 0, false, 0), Error);
}

}  // namespace
}  // namespace hycim::golden
