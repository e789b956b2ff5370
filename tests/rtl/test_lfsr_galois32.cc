#include "Vlfsr_galois32_ci.h"
#include "harness.h"
#include "hycim/golden/lfsr.h"
#include "hycim_test.h"
#include "scoreboard.h"

namespace hycim::tb {
namespace {

TEST_F(HycimTest, LfsrMatchesGoldenUnderRandomLoadAndStep) {
  Harness<Vlfsr_galois32_ci> h(harness_options(), log());
  auto& d = h.dut();
  d.load_i = 0;
  d.step_i = 0;
  h.reset();
  Scoreboard<uint32_t> sb("lfsr.state", log(),
                          [](uint64_t i) { return fmt::format("cycle {}", i); });
  golden::Lfsr32 ref(1);  // the reset state
  for (int cyc = 0; cyc < 20000; ++cyc) {
    sb.expect(ref.state());
    sb.observe(d.state_o);
    const double r = rng().uniform();
    d.load_i = 0;
    d.step_i = 0;
    if (r < 0.01) {
      const auto seed = static_cast<uint32_t>(rng().uniform_int(1, 0xFFFFFFFF));
      d.load_i = 1;
      d.seed_i = seed;
      ref = golden::Lfsr32(seed);
    } else if (r < 0.8) {
      d.step_i = 1;
      ref.step();
    }
    h.step();
  }
  EXPECT_TRUE(sb.finish());
  EXPECT_EQ(sb.compared(), 20000u);
}

}  // namespace
}  // namespace hycim::tb
