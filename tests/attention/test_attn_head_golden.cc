// The attn_head golden model (golden/attention/attn_head.h) against references that do not share
// its code: relevance and top-k recomputed here by plain loops and a sort, the exact scores by
// a plain dot product, and the head's output against the double-precision attention of the same
// INT8 tensors (dense) and of the same kept keys (sparse). The scale helpers against their
// textbook formulas.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "golden/attention/attn_head.h"
#include "golden/attention/pq.h"
#include "golden/attention/relevance.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "regs/attn_top_regs.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;

constexpr uint32_t kD = 64, kM = 8, kC = 16;
constexpr double kScale = 1.0 / 32.0;  // real value of one INT8 step of the random tokens

class AttnHeadGolden : public HycimTest {
 protected:
  Tensor<int8_t> gaussian(uint32_t s, double sigma) {
    Tensor<int8_t> t({s, kD});
    for (auto& x : t.data()) {
      x = static_cast<int8_t>(std::clamp(std::round(rng().normal(0.0, sigma)), -127.0, 127.0));
    }
    return t;
  }
  // Queries near the keys (0.8 x a random key plus noise): peaked, realistic attention.
  Tensor<int8_t> near(const Tensor<int8_t>& k) {
    Tensor<int8_t> q(k.shape());
    for (uint32_t i = 0; i < k.dim(0); ++i) {
      const auto j = static_cast<uint32_t>(rng().uniform_int(0, k.dim(0) - 1));
      for (uint32_t e = 0; e < kD; ++e) {
        q(i, e) = static_cast<int8_t>(
            std::clamp(std::round(0.8 * k(j, e) + rng().normal(0.0, 16.0)), -127.0, 127.0));
      }
    }
    return q;
  }
  // A head of S tokens with codebooks trained on the head itself (enough for the reference
  // checks here; the accuracy study trains on separate calibration data).
  AttnInputs head(uint32_t s, AttnConfig* c) {
    AttnInputs in;
    in.k = gaussian(s, 32.0);
    in.v = gaussian(s, 32.0);
    in.q = near(in.k);
    const auto cbq = train_codebook(in.q, kM, kC, {.seed = seed()});
    const auto cbk = train_codebook(in.k, kM, kC, {.seed = seed() + 1});
    in.qcodes = encode_nearest(in.q, cbq);
    in.kcodes = encode_nearest(in.k, cbk);
    in.tables = relevance_tables(cbq, cbk, relevance_tshift(cbq, cbk));
    c->seq_len = s;
    const auto sm = softmax_scale(kScale, kScale, kD);
    c->sm_mult = sm.mult;
    c->sm_shift = sm.shift;
    // Output scale: the largest |o| is below max |v| (a convex combination of V rows).
    const auto av = output_scale(kScale, kScale);
    c->av_mult = av.mult;
    c->av_shift = av.shift;
    return in;
  }
  static std::vector<double> real(const Tensor<int8_t>& t, double scale) {
    std::vector<double> r(t.size());
    for (size_t i = 0; i < t.size(); ++i) r[i] = t[i] * scale;
    return r;
  }
  static double rel_err(const std::vector<double>& a, const std::vector<double>& b) {
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      num += (a[i] - b[i]) * (a[i] - b[i]);
      den += b[i] * b[i];
    }
    return std::sqrt(num / den);
  }
};

const AttnBuild kBuild{kD, kM, 512, 10};

TEST_F(AttnHeadGolden, KeptKeysAreTheTopKOfPlainLoopRelevance) {
  uint64_t rows = 0;
  for (int trial = 0; trial < 6; ++trial) {
    AttnConfig c;
    const uint32_t s = 16 + 24 * static_cast<uint32_t>(trial);
    AttnInputs in = head(s, &c);
    c.causal = trial % 2 == 1;
    c.force_first = trial == 2;
    c.topk = std::max<uint32_t>(2, s / 4);
    const AttnResult r = attn_head(c, kBuild, in);
    ASSERT_EQ(r.rows.size(), s);
    for (uint32_t i = 0; i < s; ++i) {
      // Relevance r_ij = sum_m T_m[cq_im][ck_jm], masked keys out.
      std::vector<std::pair<int, uint32_t>> cand;  // (-score, j): ascending = best first
      for (uint32_t j = 0; j < s; ++j) {
        if (c.causal && j > i) continue;
        int score = 0;
        for (uint32_t m = 0; m < kM; ++m) score += in.tables(m, in.qcodes(i, m), in.kcodes(j, m));
        ASSERT_EQ(r.rows[i].rel.r[j], score) << "row " << i << " key " << j;
        const bool forced = c.force_first && j == 0;
        cand.emplace_back(forced ? -100000 : -score, j);
      }
      std::sort(cand.begin(), cand.end());  // ties: the lower index first
      const size_t k = std::min<size_t>(c.topk, cand.size());
      std::vector<uint32_t> want;
      for (size_t t = 0; t < k; ++t) want.push_back(cand[t].second);
      std::sort(want.begin(), want.end());
      ASSERT_EQ(r.rows[i].kept, want) << "trial " << trial << " row " << i;
      // Exact INT32 scores of the kept keys.
      for (size_t t = 0; t < want.size(); ++t) {
        int32_t dot = 0;
        for (uint32_t e = 0; e < kD; ++e) dot += in.q(i, e) * in.k(want[t], e);
        ASSERT_EQ(r.rows[i].score[t], dot) << "row " << i << " slot " << t;
      }
      ++rows;
    }
  }
  EXPECT_GT(rows, 0u);
}

TEST_F(AttnHeadGolden, DenseOutputMatchesDoubleAttention) {
  for (const bool causal : {false, true}) {
    AttnConfig c;
    AttnInputs in = head(128, &c);
    c.dense = true;
    c.causal = causal;
    const AttnResult r = attn_head(c, kBuild, in);
    const auto ref =
        attn_dense_ref(real(in.q, kScale), real(in.k, kScale), real(in.v, kScale), 128, kD, causal);
    const double err = rel_err(real(r.out, kScale), ref);
    fmt::print("dense head S 128{}: relative error vs double attention {:.4f}\n",
               causal ? " causal" : "", err);
    // INT8 output (step 1/32 against outputs of about 1) and UQ0.16 probabilities: about 1 %.
    EXPECT_LT(err, 0.03);
    EXPECT_EQ(r.kept_total, r.valid_total);
  }
}

TEST_F(AttnHeadGolden, SparseOutputMatchesDoubleAttentionOnTheSameKeys) {
  AttnConfig c;
  AttnInputs in = head(128, &c);
  c.topk = 32;
  const AttnResult r = attn_head(c, kBuild, in);
  std::vector<std::vector<uint32_t>> kept;
  for (const auto& row : r.rows) kept.push_back(row.kept);
  const auto qf = real(in.q, kScale), kf = real(in.k, kScale), vf = real(in.v, kScale);
  const auto ref_same = attn_sparse_ref(qf, kf, vf, 128, kD, kept);
  const double err = rel_err(real(r.out, kScale), ref_same);
  const double err_dense = rel_err(real(r.out, kScale), attn_dense_ref(qf, kf, vf, 128, kD, false));
  fmt::print("sparse head S 128 k 32: vs double on the same keys {:.4f}, vs dense double {:.4f}\n",
             err, err_dense);
  EXPECT_LT(err, 0.03) << "the integer datapath on the kept keys";
  EXPECT_NEAR(r.density(), 0.25, 1e-12);
}

TEST_F(AttnHeadGolden, ScaleHelpersFollowTheirFormulas) {
  for (const double f : {1e-6, 0.0123, 0.5, 1.0, 3.7, 1000.0}) {
    const MultShift m = choose_mult_shift(f);
    EXPECT_LE(m.mult, 0xFFFFu);
    EXPECT_LE(m.shift, 47u);
    EXPECT_NEAR(m.value() / f, 1.0, 1.0 / 16384) << f;
  }
  // x = s sq sk log2(e) 256 / sqrt(d); o = acc / 2^16 sv / so.
  const MultShift sm = softmax_scale(0.02, 0.05, 64);
  EXPECT_NEAR(sm.value(), 0.02 * 0.05 * std::log2(std::exp(1.0)) * 256.0 / 8.0, 1e-4 * sm.value());
  const MultShift av = output_scale(0.1, 0.4);
  EXPECT_NEAR(av.value(), 0.25 / 65536.0, 1e-4 * av.value());
}

TEST_F(AttnHeadGolden, ConfigErrorsNameEachIllegalField) {
  namespace R = regs::attn_top;
  AttnConfig c;
  c.seq_len = 64;
  c.topk = 16;
  EXPECT_EQ(attn_config_errors(c, kBuild, true), 0u);
  EXPECT_EQ(attn_config_errors(c, kBuild, false), R::kErrTablesNotLoaded);
  auto with = [&](auto f) {
    AttnConfig x = c;
    f(x);
    return attn_config_errors(x, kBuild, true);
  };
  EXPECT_EQ(with([](AttnConfig& x) { x.topk = 0; }), R::kErrKZero);
  EXPECT_EQ(with([](AttnConfig& x) { x.topk = 65; }), R::kErrKTooBig);
  EXPECT_EQ(with([](AttnConfig& x) { x.seq_len = 0; }) & R::kErrLenZero, R::kErrLenZero);
  EXPECT_EQ(with([](AttnConfig& x) { x.seq_len = 513; }) & R::kErrLenTooBig, R::kErrLenTooBig);
  EXPECT_EQ(with([](AttnConfig& x) { x.head_dim = 12; }), R::kErrDimBad);
  EXPECT_EQ(with([](AttnConfig& x) { x.enc_shift = 8; }), R::kErrEncShiftTooBig);
  EXPECT_EQ(with([](AttnConfig& x) { x.enc_tmax = 1024; }), R::kErrEncTmaxBad);
  EXPECT_EQ(with([](AttnConfig& x) { x.av_shift = 48; }), R::kErrShiftTooBig);
  EXPECT_EQ(with([](AttnConfig& x) {
              x.topk = 1;
              x.force_first = x.force_diag = true;
            }),
            R::kErrKForced);
  // Dense mode ignores k and the tables.
  EXPECT_EQ(with([](AttnConfig& x) {
              x.dense = true;
              x.topk = 0;
            }),
            0u);
}

}  // namespace
}  // namespace hycim::golden
