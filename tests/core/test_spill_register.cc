#include "Vspill_register_ci.h"
#include "passthrough_bench.h"

namespace hycim::tb {
namespace {

class SpillRegister : public HycimTestP<StallProfile> {};

TEST_P(SpillRegister, CarriesEveryBeatInOrder) {
  PassthroughBench<Vspill_register_ci> b(harness_options(), log(), rng(), GetParam(), "spill.out");
  b.run(rng(), 5000);
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), 5000u);
}

TEST_F(HycimTest, SpillRegisterFullThroughputWithoutStalls) {
  PassthroughBench<Vspill_register_ci> b(harness_options(), log(), rng(), StallProfile::none(),
                                         "spill.out");
  // One beat per cycle plus the register's latency of one cycle.
  const uint64_t cycles = b.run(rng(), 1000);
  EXPECT_LE(cycles, 1000u + 2u);
  EXPECT_TRUE(b.sb.finish());
}

INSTANTIATE_TEST_SUITE_P(Stall, SpillRegister, kAllStalls, stall_name);

// Storage and pointers start random before reset: nothing of it may leak out.
TEST_F(HycimTest, SpillRegisterRandomInitialStateIsHarmless) {
  HarnessOptions ho = harness_options();
  ho.rand_reset = 2;
  PassthroughBench<Vspill_register_ci> b(ho, log(), rng(), StallProfile::random(), "out");
  b.run(rng(), 500);
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), 500u);
}

// Reset in the middle of a run, at each reset point: nothing of the interrupted beats comes out
// and the next beats pass exact and in order.
class SpillRegisterReset : public HycimTestP<ResetPoint> {};

TEST_P(SpillRegisterReset, MidOperation) {
  passthrough_mid_reset_test<Vspill_register_ci>(harness_options(), log(), rng(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Point, SpillRegisterReset, ::testing::ValuesIn(kResetPoints),
                         reset_point_name<::testing::TestParamInfo<ResetPoint>>);

}  // namespace
}  // namespace hycim::tb
