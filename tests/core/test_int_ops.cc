// The integer primitives against independent references: exact double arithmetic on small
// widths (every value exactly representable), the Hermite identity for stochastic rounding,
// and named ties and extremes.
#include <gtest/gtest.h>

#include <cmath>

#include "golden/core/int_ops.h"
#include "hycim_test.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;

// Reference rounding in double: exact for |x| < 2^20 and s < 24.
double ref_round(int64_t x, unsigned s, RndMode m) {
  const double v = static_cast<double>(x) / std::ldexp(1.0, static_cast<int>(s));
  switch (m) {
    case RndMode::kTrunc:
      return std::floor(v);
    case RndMode::kHalfUp:
      return std::floor(v + 0.5);
    case RndMode::kHalfEven:
      return std::nearbyint(v);  // default rounding mode: to nearest, ties to even
    case RndMode::kStoch:
      break;
  }
  return NAN;
}

class IntOps : public HycimTest {};

TEST_F(IntOps, RndShrExhaustiveTenBitsAgainstDouble) {
  uint64_t checked = 0;
  for (RndMode m : {RndMode::kTrunc, RndMode::kHalfUp, RndMode::kHalfEven}) {
    for (int64_t x = smin(10); x <= smax(10); ++x) {
      for (unsigned s = 0; s <= 14; ++s) {
        const int64_t got = rnd_shr_w<10>(x, s, m);
        ASSERT_EQ(static_cast<double>(got), ref_round(x, s, m))
            << "x=" << x << " s=" << s << " mode=" << to_string(m);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 3u * 1024u * 15u);
}

TEST_F(IntOps, RndShrNamedTies) {
  // +-0.5, +-1.5, +-2.5 after the shift.
  EXPECT_EQ(rnd_shr(1, 1, RndMode::kHalfUp), 1);
  EXPECT_EQ(rnd_shr(-1, 1, RndMode::kHalfUp), 0);
  EXPECT_EQ(rnd_shr(3, 1, RndMode::kHalfUp), 2);
  EXPECT_EQ(rnd_shr(-3, 1, RndMode::kHalfUp), -1);
  EXPECT_EQ(rnd_shr(5, 1, RndMode::kHalfUp), 3);
  EXPECT_EQ(rnd_shr(-5, 1, RndMode::kHalfUp), -2);
  EXPECT_EQ(rnd_shr(1, 1, RndMode::kHalfEven), 0);
  EXPECT_EQ(rnd_shr(-1, 1, RndMode::kHalfEven), 0);
  EXPECT_EQ(rnd_shr(3, 1, RndMode::kHalfEven), 2);
  EXPECT_EQ(rnd_shr(-3, 1, RndMode::kHalfEven), -2);
  EXPECT_EQ(rnd_shr(5, 1, RndMode::kHalfEven), 2);
  EXPECT_EQ(rnd_shr(-5, 1, RndMode::kHalfEven), -2);
  EXPECT_EQ(rnd_shr(3, 1, RndMode::kTrunc), 1);
  EXPECT_EQ(rnd_shr(-3, 1, RndMode::kTrunc), -2);
  // The spec's default is round half up.
  EXPECT_EQ(rnd_shr(6, 2), 2);    // 1.5 -> 2
  EXPECT_EQ(rnd_shr(-6, 2), -1);  // -1.5 -> -1
  // s = 0 is the identity in every mode.
  for (RndMode m : {RndMode::kTrunc, RndMode::kHalfUp, RndMode::kHalfEven, RndMode::kStoch}) {
    EXPECT_EQ(rnd_shr(-77, 0, m, 0xFFFFFFFFu), -77);
  }
}

TEST_F(IntOps, RndShrLargeShifts) {
  const int64_t big = (int64_t{1} << 61) + 12345;
  // 2^61 + 12345 is just above half of 2^62: s = 62 rounds away from zero in the nearest modes.
  EXPECT_EQ(rnd_shr(-big, 62, RndMode::kHalfUp), -1);
  EXPECT_EQ(rnd_shr(big, 62, RndMode::kHalfEven), 1);
  EXPECT_EQ(rnd_shr(big, 62, RndMode::kTrunc), 0);
  for (unsigned s : {63u, 64u, 100u, 1000u}) {
    EXPECT_EQ(rnd_shr(big, s, RndMode::kTrunc), 0) << s;
    EXPECT_EQ(rnd_shr(-big, s, RndMode::kTrunc), -1) << s;
    EXPECT_EQ(rnd_shr(-big, s, RndMode::kHalfUp), 0) << s;
    EXPECT_EQ(rnd_shr(big, s, RndMode::kHalfEven), 0) << s;
  }
  EXPECT_EQ(rnd_shr(big, 61, RndMode::kHalfUp), 1);
  EXPECT_THROW(rnd_shr(int64_t{1} << 62, 1, RndMode::kTrunc), Error);
}

TEST_F(IntOps, StochasticRoundingIsExactlyUnbiased) {
  // Hermite's identity: the sum over all r in [0, 2^s) of floor((x + r) / 2^s) is exactly x.
  for (unsigned s = 1; s <= 10; ++s) {
    for (int64_t x : {int64_t{-1000}, int64_t{-513}, int64_t{-1}, int64_t{0}, int64_t{1},
                      int64_t{77}, int64_t{1023}}) {
      int64_t sum = 0;
      for (uint32_t r = 0; r < (1u << s); ++r) sum += rnd_shr(x, s, RndMode::kStoch, r);
      EXPECT_EQ(sum, x) << "s=" << s << " x=" << x;
    }
  }
  // Only the low s bits of the random word are used.
  EXPECT_EQ(rnd_shr(5, 2, RndMode::kStoch, 0xFFFFFFFCu), rnd_shr(5, 2, RndMode::kStoch, 0));
}

TEST_F(IntOps, SaturateExtremes) {
  EXPECT_EQ(sat<8>(127), 127);
  EXPECT_EQ(sat<8>(128), 127);
  EXPECT_EQ(sat<8>(-128), -128);
  EXPECT_EQ(sat<8>(-129), -128);
  EXPECT_EQ(sat<8>(int64_t{1} << 40), 127);
  EXPECT_FALSE(saturates(-128, 8));
  EXPECT_TRUE(saturates(-129, 8));
  EXPECT_EQ(usat<8>(-1), 0u);
  EXPECT_EQ(usat<8>(255), 255u);
  EXPECT_EQ(usat<8>(256), 255u);
  // Exhaustive on small widths against the definition.
  for (int w = 2; w <= 12; ++w) {
    for (int64_t x = -5000; x <= 5000; ++x) {
      const int64_t lo = -(int64_t{1} << (w - 1)), hi = (int64_t{1} << (w - 1)) - 1;
      ASSERT_EQ(sat(x, w), std::min(std::max(x, lo), hi)) << "w=" << w << " x=" << x;
    }
  }
}

TEST_F(IntOps, SignExtend) {
  EXPECT_EQ(sext<8>(0x80), -128);
  EXPECT_EQ(sext<8>(0x7F), 127);
  EXPECT_EQ(sext<8>(0x1FF), -1);  // bits above the width are ignored
  EXPECT_EQ(sext<1>(1), -1);
  EXPECT_EQ(sext<64>(~uint64_t{0}), -1);
  for (int w = 1; w <= 12; ++w) {
    for (uint64_t v = 0; v < (uint64_t{1} << w); ++v) {
      const int64_t want = v >= (uint64_t{1} << (w - 1))
                               ? static_cast<int64_t>(v) - (int64_t{1} << w)
                               : static_cast<int64_t>(v);
      ASSERT_EQ(sext(v, w), want) << "w=" << w << " v=" << v;
    }
  }
}

TEST_F(IntOps, ModeNames) {
  for (RndMode m : {RndMode::kTrunc, RndMode::kHalfUp, RndMode::kHalfEven, RndMode::kStoch}) {
    EXPECT_EQ(parse_rnd_mode(to_string(m)), m);
  }
  EXPECT_THROW(parse_rnd_mode("nearest"), Error);
}

}  // namespace
}  // namespace hycim::golden
