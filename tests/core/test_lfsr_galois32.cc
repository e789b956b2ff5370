#include "Vlfsr_galois32_ci.h"
#include "golden/core/lfsr.h"
#include "harness.h"
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

// The harness turns an RTL assertion into an error: loading 0 and stepping violates
// StepNeverFromZero. The simulation runs with its own ErrorLog so that the expected error does
// not fail this test; the test checks that it was reported and that the run stopped.
TEST_F(HycimTest, HarnessReportsAnAssertionFailure) {
  ErrorLog sim_log;
  HarnessOptions ho = harness_options();
  ho.name += "_sim";
  Harness<Vlfsr_galois32_ci> h(ho, sim_log);
  auto& d = h.dut();
  d.load_i = 0;
  d.step_i = 0;
  h.reset();
  h.step(3);
  ASSERT_TRUE(sim_log.ok()) << "no error before the violation";
  d.load_i = 1;
  d.seed_i = 0;
  h.step();
  d.load_i = 0;
  d.step_i = 1;
  const uint64_t start = h.cycle();
  const bool finished = h.run_until([] { return false; }, 10, "never");
  EXPECT_FALSE(finished);
  ASSERT_EQ(sim_log.count(), 1u) << "one report, and no timeout on top of it";
  EXPECT_NE(sim_log.messages()[0].find("the RTL reported an error"), std::string::npos)
      << sim_log.messages()[0];
  EXPECT_EQ(h.cycle() - start, 1u) << "run_until stops at the first RTL error";
}

}  // namespace
}  // namespace hycim::tb
