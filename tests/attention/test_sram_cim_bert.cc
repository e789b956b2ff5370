// sram_cim in the bert configuration (512 rows, 8 banks): a few rows at k = S/8 .. S on both
// engines at once under random stalls against the golden model, and two rows whose output
// cycles and counters must equal the golden cycle model when nothing stalls.
#include "Vsram_cim_bert.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "sram_cim_bench.h"

namespace hycim::tb {
namespace {

using namespace sram;
using Bench = SramBench<Vsram_cim_bert, cfg::Bert>;
constexpr uint32_t kS = Bench::kS, kB = Bench::kB, kDim = Bench::kDim;

TEST_F(HycimTest, SramCimBertRowsMatchGoldenUnderStalls) {
  static_assert(kS == 512 && kB == 8, "written for bert's 512 rows in 8 banks");
  Bench b(harness_options(), log(), rng(), StallProfile::random());
  b.configure(0x3000, 22);
  b.write_rows(rng(), 0, 0, kS);
  b.write_rows(rng(), 1, 0, kS);
  for (uint32_t k : {kS / 8, kS / 4, kS / 3, kS}) {
    b.qk_row(rng(), random_kept(rng(), kS, k), k);
    b.av_row(rng(), random_kept(rng(), kS, k - 1), k, false);
  }
  ASSERT_TRUE(b.drain(100000));
  EXPECT_TRUE(b.qk_sb.finish());
  EXPECT_TRUE(b.av_sb.finish());
  EXPECT_EQ(b.av_sb.compared(), 4u);
  EXPECT_EQ(b.h.dut().cnt_qk_rows_o, b.qk_lanes);
  EXPECT_EQ(b.h.dut().cnt_av_macs_o, b.av_lanes * kDim);
}

TEST_F(HycimTest, SramCimBertOutputCyclesEqualTheCycleModel) {
  Bench b(harness_options(), log(), rng(), StallProfile::none());
  b.configure(0x3000, 22);
  b.write_rows(rng(), 0, 0, kS);
  b.write_rows(rng(), 1, 0, kS);
  std::vector<golden::SramBeat> qk, av;
  for (uint32_t k : {kS / 4, kS / 8}) {
    for (auto& x : b.qk_row(rng(), random_kept(rng(), kS, k), k)) qk.push_back(x);
    for (auto& x : b.av_row(rng(), random_kept(rng(), kS, k), k, false)) av.push_back(x);
  }
  const uint64_t c0 = b.h.cycle();
  ASSERT_TRUE(b.drain(100000));
  golden::SramTimingConfig c;
  c.banks = kB;
  c.queue_depth = Bench::kQd;
  c.dim = kDim;
  const auto tq = golden::sram_cim_cycles(c, qk);
  c.engine = golden::SramEngine::kAv;
  const auto ta = golden::sram_cim_cycles(c, av);
  ASSERT_EQ(b.qk_out_cycle.size(), tq.out.size());
  ASSERT_EQ(b.av_out_cycle.size(), ta.out.size());
  for (size_t i = 0; i < tq.out.size(); ++i) EXPECT_EQ(b.qk_out_cycle[i] - c0, tq.out[i]);
  for (size_t i = 0; i < ta.out.size(); ++i) EXPECT_EQ(b.av_out_cycle[i] - c0, ta.out[i]);
  auto& d = b.h.dut();
  EXPECT_EQ(d.cnt_qk_stall_o, tq.stall_cycles);
  EXPECT_EQ(d.cnt_qk_busy_o, tq.busy_cycles);
  EXPECT_EQ(d.cnt_av_stall_o, ta.stall_cycles);
  EXPECT_EQ(d.cnt_av_busy_o, ta.busy_cycles);
  EXPECT_TRUE(b.qk_sb.finish());
  EXPECT_TRUE(b.av_sb.finish());
  fmt::print("QK utilization {:.3f}, AV {:.3f}\n", tq.utilization(kB, kDim),
             ta.utilization(kB, kDim));
}

}  // namespace
}  // namespace hycim::tb
