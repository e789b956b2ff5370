// The requant golden model against a float (double) reference of the same maths and against its
// configuration rules.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "golden/core/lfsr.h"
#include "golden/core/requant.h"
#include "hycim_test.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;

class RequantGolden : public HycimTest {};

TEST_F(RequantGolden, MatchesDoubleReferenceWithinHalfAnLsb) {
  uint64_t checked = 0, saturated = 0;
  for (uint32_t mode : {0u, 1u, 2u, 3u}) {
    for (int trial = 0; trial < 50; ++trial) {
      RequantConfig c;
      c.len = 200;
      c.mode = mode;
      c.shift = static_cast<uint32_t>(rng().uniform_int(0, 47));
      c.mult = static_cast<uint32_t>(rng().uniform_int(0, 0xFFFF));
      c.seed = static_cast<uint32_t>(rng().uniform_int(1, 0xFFFFFFFF));
      std::vector<int32_t> in(c.len);
      for (auto& v : in)
        v = static_cast<int32_t>(rng().uniform_int(INT32_MIN, INT32_MAX) >>
                                 rng().uniform_int(0, 31));
      const auto r = requant(c, in, 256);
      ASSERT_EQ(r.out.size(), c.len);
      for (uint32_t i = 0; i < c.len; ++i) {
        const double exact =
            static_cast<double>(in[i]) * c.mult / std::ldexp(1.0, static_cast<int>(c.shift));
        // The rounded value lies within 1 (0.5 in the nearest modes) of the exact quotient, so
        // the saturation flag and the unsaturated values are both bounded by it.
        const double bound = (mode == 1 || mode == 2) ? 0.5 : 1.0;
        if (r.sat[i]) {
          ++saturated;
          ASSERT_TRUE((r.out[i] == 127 && exact > 127.0) || (r.out[i] == -128 && exact < -128.0))
              << "element " << i << " saturated to " << int{r.out[i]} << ", exact " << exact;
        } else {
          const double err = r.out[i] - exact;
          if (mode == 0) {
            ASSERT_TRUE(err <= 0.0 && err > -1.0) << "trunc rounds down: " << err;
          } else {
            ASSERT_LE(std::fabs(err), bound) << "mode " << mode << " element " << i;
            if (mode == 3) {
              ASSERT_LT(std::fabs(err), 1.0);
            }
          }
        }
        if (exact >= 129.0 || exact <= -130.0) {
          ASSERT_EQ(r.sat[i], 1) << "element " << i;
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 4u * 50u * 200u);
  EXPECT_GT(saturated, 0u) << "the stimulus should exercise saturation";
}

TEST_F(RequantGolden, StochasticModeUsesOneLfsrStepPerElement) {
  RequantConfig c{.len = 10, .shift = 4, .mult = 1, .mode = 3, .seed = 0x1234};
  std::vector<int32_t> in(10, 8);  // 8 / 16 = 0.5: up when (8 + r mod 16) >= 16
  const auto r = requant(c, in, 256);
  Lfsr32 l(0x1234);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(r.rand[i], l.state());
    EXPECT_EQ(r.out[i], ((l.state() & 15u) >= 8u) ? 1 : 0);
    l.step();
  }
}

TEST_F(RequantGolden, ConfigurationErrors) {
  EXPECT_EQ(requant_config_errors({.len = 0}, 256), kReqErrLenZero);
  EXPECT_EQ(requant_config_errors({.len = 257}, 256), kReqErrLenTooBig);
  EXPECT_EQ(requant_config_errors({.len = 256}, 256), 0u);
  EXPECT_EQ(requant_config_errors({.len = 1, .shift = 48}, 256), kReqErrShiftTooBig);
  EXPECT_EQ(requant_config_errors({.len = 1, .mult = 0x10000}, 256), kReqErrMultTooBig);
  EXPECT_EQ(requant_config_errors({.len = 1, .mode = 4}, 256), kReqErrBadMode);
  EXPECT_EQ(requant_config_errors({.len = 1, .mode = 3, .seed = 0}, 256), kReqErrBadSeed);
  EXPECT_EQ(requant_config_errors({.len = 1, .mode = 1, .seed = 0}, 256), 0u);
  EXPECT_EQ(requant_config_errors({.len = 0, .shift = 99, .mode = 9}, 256),
            kReqErrLenZero | kReqErrShiftTooBig | kReqErrBadMode);
  std::vector<int32_t> in(4, 0);
  EXPECT_THROW(requant({.len = 0}, in, 256), Error);
  EXPECT_THROW(requant({.len = 5}, in, 256), Error);  // input shorter than len
}

}  // namespace
}  // namespace hycim::golden
