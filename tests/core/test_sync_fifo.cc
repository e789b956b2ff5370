#include "Vsync_fifo_ci.h"
#include "hycim_configs.h"
#include "passthrough_bench.h"

namespace hycim::tb {
namespace {

constexpr unsigned kDepth = cfg::Ci::kFifoDepth;

// Checks level_o against the number of beats in flight, counted from the handshakes.
class LevelChecker : public ClockPlugin {
 public:
  LevelChecker(Vsync_fifo_ci& d, ErrorLog& log) : d_(d), log_(log) {}
  void sample(uint64_t cycle) override {
    if (d_.level_o != level_ && mismatches_++ < 3) {
      log_.error(fmt::format("fifo level_o = {} at cycle {}, {} beats are stored{}", d_.level_o,
                             cycle, level_,
                             mismatches_ == 3 ? " (further level errors not shown)" : ""));
    }
    if (level_ == kDepth) ++full_cycles_;
    level_ += (d_.in_valid_i && d_.in_ready_o) ? 1 : 0;
    level_ -= (d_.out_valid_o && d_.out_ready_i) ? 1 : 0;
  }
  uint64_t full_cycles_ = 0;

 private:
  Vsync_fifo_ci& d_;
  ErrorLog& log_;
  unsigned level_ = 0;
  unsigned mismatches_ = 0;
};

class SyncFifo : public HycimTestP<StallProfile> {};

TEST_P(SyncFifo, CarriesEveryBeatInOrderAndCountsLevel) {
  PassthroughBench<Vsync_fifo_ci> b(harness_options(), log(), rng(), GetParam(), "fifo.out");
  LevelChecker lc(b.h.dut(), log());
  b.h.add(lc);
  b.run(rng(), 5000);
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), 5000u);
  if (GetParam().ready_prob < GetParam().valid_prob) {
    EXPECT_GT(lc.full_cycles_, 0u) << "back-pressure should fill the FIFO";
  }
}

TEST_F(HycimTest, SyncFifoFillsToDepthThenDrains) {
  PassthroughBench<Vsync_fifo_ci> b(harness_options(), log(), rng(), StallProfile::none(),
                                    "fifo.out");
  b.sink.pause(true);
  for (unsigned i = 0; i < kDepth + 3; ++i) {
    b.src.push(static_cast<uint16_t>(i));
    b.sb.expect(static_cast<uint16_t>(i));
  }
  b.h.step(kDepth + 10);
  EXPECT_EQ(b.h.dut().level_o, kDepth);
  EXPECT_EQ(b.h.dut().in_ready_o, 0) << "full, output stalled";
  EXPECT_EQ(b.src.sent(), kDepth);
  // Ready depends on ready: a full FIFO takes a beat in the cycle in which it gives one away.
  b.h.dut().out_ready_i = 1;
  b.h.eval();
  EXPECT_EQ(b.h.dut().in_ready_o, 1) << "full, output ready";
  b.h.dut().out_ready_i = 0;
  b.h.eval();
  b.sink.pause(false);
  b.h.run_until([&] { return b.sb.pending() == 0; }, 100, "drain");
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.h.dut().level_o, 0u);
}

TEST_F(HycimTest, SyncFifoFullThroughputWithoutStalls) {
  PassthroughBench<Vsync_fifo_ci> b(harness_options(), log(), rng(), StallProfile::none(),
                                    "fifo.out");
  const uint64_t cycles = b.run(rng(), 1000);
  EXPECT_LE(cycles, 1000u + 2u);
  EXPECT_TRUE(b.sb.finish());
}

INSTANTIATE_TEST_SUITE_P(Stall, SyncFifo, kAllStalls, stall_name);

// Storage and pointers start random before reset: nothing of it may leak out.
TEST_F(HycimTest, SyncFifoRandomInitialStateIsHarmless) {
  HarnessOptions ho = harness_options();
  ho.rand_reset = 2;
  PassthroughBench<Vsync_fifo_ci> b(ho, log(), rng(), StallProfile::random(), "out");
  b.run(rng(), 500);
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), 500u);
}

// Reset in the middle of a run, at each reset point: nothing of the interrupted beats comes out
// and the next beats pass exact and in order.
class SyncFifoReset : public HycimTestP<ResetPoint> {};

TEST_P(SyncFifoReset, MidOperation) {
  passthrough_mid_reset_test<Vsync_fifo_ci>(harness_options(), log(), rng(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Point, SyncFifoReset, ::testing::ValuesIn(kResetPoints),
                         reset_point_name<::testing::TestParamInfo<ResetPoint>>);

}  // namespace
}  // namespace hycim::tb
