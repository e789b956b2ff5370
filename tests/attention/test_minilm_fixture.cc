// The real-attention fixture of all-MiniLM-L6-v2 (tests/attention/data/minilm, written by
// scripts/minilm_export.py --make-fixture; docs/attention/real_data.md): the C++ .npy reader
// loads every file with the shapes the manifest states, the INT8 tensors are the float ones
// quantised with the stored scales, and attention recomputed here in double from the float Q, K
// and V reproduces the per-head output of the Python float64 forward.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "golden/core/npy.h"
#include "golden/core/tensor.h"
#include "hycim_test.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;

const std::string kDir = HYCIM_ATTENTION_DATA_DIR "/minilm";
constexpr size_t kLayers = 2;  // layers 0 and 5 of the model
constexpr size_t kHeads = 3;   // per layer: lowest, median and highest attention entropy
constexpr size_t kSeq = 128;
constexpr size_t kDim = 32;
constexpr size_t kHidden = 384;
constexpr size_t kEval = 2;
constexpr size_t kCalibRows = 12 * kSeq;
const char* const kKinds[] = {"q", "k", "v"};

std::string file(size_t seq, const std::string& kind, const std::string& type) {
  return kDir + "/eval" + std::to_string(seq) + "_" + kind + "_" + type + ".npy";
}

const std::vector<size_t> kHeadShape = {kLayers, kHeads, kSeq, kDim};

// softmax(q k^T / scale_div) v of one head, in double, from (layers, heads, S, D) tensors.
std::vector<double> attention(const Tensor<float>& q, const Tensor<float>& k,
                              const Tensor<float>& v, size_t l, size_t h, double scale_div) {
  std::vector<double> out(kSeq * kDim, 0.0);
  std::vector<double> s(kSeq);
  for (size_t i = 0; i < kSeq; ++i) {
    double top = -INFINITY;
    for (size_t j = 0; j < kSeq; ++j) {
      double dot = 0.0;
      for (size_t d = 0; d < kDim; ++d) {
        dot += double(q(l, h, i, d)) * double(k(l, h, j, d));
      }
      s[j] = dot / scale_div;
      top = std::max(top, s[j]);
    }
    double sum = 0.0;
    for (double& e : s) {
      e = std::exp(e - top);
      sum += e;
    }
    for (size_t j = 0; j < kSeq; ++j) {
      for (size_t d = 0; d < kDim; ++d) {
        out[i * kDim + d] += s[j] / sum * double(v(l, h, j, d));
      }
    }
  }
  return out;
}

double max_diff(const std::vector<double>& a, const Tensor<float>& ref, size_t l, size_t h) {
  double m = 0.0;
  for (size_t i = 0; i < kSeq; ++i) {
    for (size_t d = 0; d < kDim; ++d) {
      m = std::max(m, std::abs(a[i * kDim + d] - double(ref(l, h, i, d))));
    }
  }
  return m;
}

TEST_F(HycimTest, MinilmFixtureShapes) {
  for (size_t e = 0; e < kEval; ++e) {
    for (const char* kind : kKinds) {
      EXPECT_EQ(load_npy<float>(file(e, kind, "f32")).shape(), kHeadShape) << e << kind;
      EXPECT_EQ(load_npy<int8_t>(file(e, kind, "i8")).shape(), kHeadShape) << e << kind;
    }
    EXPECT_EQ(load_npy<float>(file(e, "ctx", "f32")).shape(), kHeadShape) << e;
  }
  for (const char* kind : {"q", "k"}) {
    const auto c = load_npy<int8_t>(kDir + "/calib_" + std::string(kind) + "_i8.npy");
    EXPECT_EQ(c.shape(), (std::vector<size_t>{kLayers, kHeads, kCalibRows, kDim})) << kind;
    const auto [lo, hi] = std::minmax_element(c.data().begin(), c.data().end());
    EXPECT_GE(*lo, -127) << kind;       // symmetric: -128 is never produced
    EXPECT_GT(*hi - *lo, 128) << kind;  // uses the range, not a constant tensor
  }
  EXPECT_EQ(load_npy<double>(kDir + "/scales_f64.npy").shape(),
            (std::vector<size_t>{3, kLayers, kHeads}));
  const auto emb = load_npy<float>(kDir + "/embeddings_eval.npy");
  ASSERT_EQ(emb.shape(), (std::vector<size_t>{kEval, kHidden}));
  for (size_t e = 0; e < kEval; ++e) {
    double n2 = 0.0;
    for (size_t i = 0; i < kHidden; ++i) {
      n2 += double(emb(e, i)) * double(emb(e, i));
    }
    EXPECT_NEAR(std::sqrt(n2), 1.0, 1e-6) << "embedding " << e << " is L2-normalised";
  }
}

// INT8 = clip(round(x / scale), -127, 127) with the stored per-(layer, head) scale, to 1 LSB
// (NumPy rounds ties to even, std::lround away from zero).
TEST_F(HycimTest, MinilmFixtureInt8IsRoundedFloatOverScale) {
  const auto scales = load_npy<double>(kDir + "/scales_f64.npy");
  for (size_t e = 0; e < kEval; ++e) {
    for (size_t kd = 0; kd < 3; ++kd) {
      const auto f = load_npy<float>(file(e, kKinds[kd], "f32"));
      const auto q = load_npy<int8_t>(file(e, kKinds[kd], "i8"));
      size_t worse = 0, exact = 0, big = 0;
      for (size_t l = 0; l < kLayers; ++l) {
        for (size_t h = 0; h < kHeads; ++h) {
          const double sc = scales(kd, l, h);
          ASSERT_GT(sc, 0.0);
          for (size_t i = 0; i < kSeq; ++i) {
            for (size_t d = 0; d < kDim; ++d) {
              const long want = std::clamp(std::lround(double(f(l, h, i, d)) / sc), -127L, 127L);
              const long got = q(l, h, i, d);
              worse += std::abs(got - want) > 1;
              exact += got == want;
              big += std::abs(got) >= 32;
            }
          }
        }
      }
      const size_t n = kLayers * kHeads * kSeq * kDim;
      EXPECT_EQ(worse, 0u) << "eval" << e << " " << kKinds[kd];
      EXPECT_GT(exact, n * 99 / 100) << "eval" << e << " " << kKinds[kd];
      EXPECT_GT(big, 0u) << "eval" << e << " " << kKinds[kd] << ": the scale leaves no range";
    }
  }
}

// softmax(Q K^T / sqrt(32)) V in double from the float32 Q, K, V matches the head outputs of the
// float64 Python forward to 1e-4; the same without the 1/sqrt(d) (a plausible slip) does not.
TEST_F(HycimTest, MinilmFixtureAttentionMatchesForward) {
  double worst = 0.0;
  for (size_t e = 0; e < kEval; ++e) {
    const auto q = load_npy<float>(file(e, "q", "f32"));
    const auto k = load_npy<float>(file(e, "k", "f32"));
    const auto v = load_npy<float>(file(e, "v", "f32"));
    const auto ctx = load_npy<float>(file(e, "ctx", "f32"));
    for (size_t l = 0; l < kLayers; ++l) {
      for (size_t h = 0; h < kHeads; ++h) {
        const double d = max_diff(attention(q, k, v, l, h, std::sqrt(double(kDim))), ctx, l, h);
        EXPECT_LT(d, 1e-4) << "eval" << e << " layer slot " << l << " head slot " << h;
        worst = std::max(worst, d);
      }
    }
    // Layer 5's median head (slot 1) attends broadly, so the missing scale changes its output.
    const double unscaled = max_diff(attention(q, k, v, 1, 1, 1.0), ctx, 1, 1);
    EXPECT_GT(unscaled, 1e-2) << "eval" << e << ": the check would not see a missing 1/sqrt(d)";
  }
  fmt::print("minilm fixture: max |attention - forward| over 12 heads = {:.3e}\n", worst);
}

}  // namespace
}  // namespace hycim::golden
