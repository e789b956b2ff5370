// The LFSR against GF(2^32) arithmetic (it multiplies by x^-1 modulo the polynomial, and the
// polynomial is primitive, so the period is 2^32 - 1), and the RNG transforms against their
// distributions.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "golden/core/lfsr.h"
#include "golden/core/rng.h"
#include "hycim_test.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;

// The polynomial x^32 + x^22 + x^2 + x + 1 without its x^32 term, written from its exponents.
constexpr uint64_t kPolyLow = (1ull << 22) | (1ull << 2) | (1ull << 1) | 1ull;

// a * b modulo the polynomial, elements as bit i = coefficient of x^i.
uint32_t gf_mul(uint32_t a, uint32_t b) {
  uint64_t r = 0;
  for (int i = 0; i < 32; ++i) {
    if ((b >> i) & 1) r ^= static_cast<uint64_t>(a) << i;
  }
  for (int i = 63; i >= 32; --i) {
    if ((r >> i) & 1) r ^= (kPolyLow | (1ull << 32)) << (i - 32);
  }
  return static_cast<uint32_t>(r);
}

uint32_t gf_pow(uint32_t a, uint64_t e) {
  uint32_t r = 1;
  while (e) {
    if (e & 1) r = gf_mul(r, a);
    a = gf_mul(a, a);
    e >>= 1;
  }
  return r;
}

class LfsrRng : public HycimTest {};

TEST_F(LfsrRng, LfsrStepIsMultiplicationByXInverse) {
  // x^-1 = (p(x) - 1) / x since x * that = p(x) - 1 = 1 (mod p).
  const uint32_t x_inv = static_cast<uint32_t>((kPolyLow | (1ull << 32)) >> 1);
  ASSERT_EQ(gf_mul(x_inv, 2u), 1u);
  EXPECT_EQ(x_inv, Lfsr32::kTaps);
  Lfsr32 l(0xDEADBEEF);
  uint32_t ref = 0xDEADBEEF;
  for (int i = 0; i < 5000; ++i) {
    ref = gf_mul(ref, x_inv);
    ASSERT_EQ(l.step(), ref) << "step " << i;
  }
}

TEST_F(LfsrRng, LfsrHasMaximalPeriod) {
  // x^-1 has order 2^32 - 1 exactly when the polynomial is primitive: x^-(2^32-1) = 1 and
  // x^-((2^32-1)/q) != 1 for each prime factor q of 2^32 - 1 = 3 * 5 * 17 * 257 * 65537.
  const uint32_t x_inv = Lfsr32::kTaps;
  const uint64_t order = 0xFFFFFFFFull;
  EXPECT_EQ(gf_pow(x_inv, order), 1u);
  for (uint64_t q : {3ull, 5ull, 17ull, 257ull, 65537ull}) {
    EXPECT_NE(gf_pow(x_inv, order / q), 1u) << "q=" << q;
  }
  EXPECT_THROW(Lfsr32(0), Error);
}

TEST_F(LfsrRng, EngineIsTheStandardMt19937_64) {
  // C++ standard [rand.predef]: the 10000th output of a default-constructed mt19937_64.
  Rng r(5489u);
  uint64_t v = 0;
  for (int i = 0; i < 10000; ++i) v = r.next_u64();
  EXPECT_EQ(v, 9981545732273789042ull);
}

TEST_F(LfsrRng, UniformMomentsAndRange) {
  Rng r(seed());
  const int n = 200000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum2 += u * u;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  // Mean 1/2 with standard error sqrt(1/12/n) ~ 6.5e-4: 6 sigma.
  EXPECT_NEAR(mean, 0.5, 6 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(var, 1.0 / 12, 0.002);
}

TEST_F(LfsrRng, UniformIntIsUnbiased) {
  Rng r(seed());
  const int k = 7, n = 70000;
  std::vector<int> hist(k, 0);
  for (int i = 0; i < n; ++i) {
    const int64_t v = r.uniform_int(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
    ++hist[static_cast<size_t>(v + 3)];
  }
  double chi2 = 0;
  for (int h : hist) chi2 += (h - n / k) * (h - n / k) / static_cast<double>(n / k);
  EXPECT_LT(chi2, 22.46) << "chi-square with 6 degrees of freedom, p = 0.001";
  EXPECT_EQ(r.uniform_int(5, 5), 5);
  EXPECT_THROW(r.uniform_int(2, 1), Error);
}

TEST_F(LfsrRng, NormalMoments) {
  Rng r(seed());
  const int n = 200000;
  double sum = 0, sum2 = 0, sum4 = 0;
  for (int i = 0; i < n; ++i) {
    const double g = r.normal(1.5, 2.0);
    sum += g;
    sum2 += (g - 1.5) * (g - 1.5);
    sum4 += std::pow((g - 1.5) / 2.0, 4);
  }
  EXPECT_NEAR(sum / n, 1.5, 6 * 2.0 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(sum2 / n), 2.0, 0.02);
  EXPECT_NEAR(sum4 / n, 3.0, 0.1);  // kurtosis of a normal distribution
}

TEST_F(LfsrRng, SameSeedSameNumbers) {
  Rng a(seed()), b(seed());
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(a.normal(), b.normal());
    ASSERT_EQ(a.uniform_int(0, 1000), b.uniform_int(0, 1000));
  }
  EXPECT_EQ(stable_hash("HyCIM"), stable_hash("HyCIM"));
  // FNV-1a reference value of the empty string is the offset basis.
  EXPECT_EQ(stable_hash(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(stable_hash("a"), 0xaf63dc4c8601ec8cull);
}

}  // namespace
}  // namespace hycim::golden
