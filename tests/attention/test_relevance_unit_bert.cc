// relevance_unit in the bert configuration (S up to 512, 16 lanes): a few rows in both modes,
// causal and not, under random stalls with key code writes beside them, every beat compared
// with golden::relevance_row; and the steady-state throughput at S = 512 (exactly
// ceil(S/Lanes) = 32 cycles per row, rows back to back).
#include "Vrelevance_unit_bert.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "relevance_bench.h"

namespace hycim::tb {
namespace {

using namespace relevance;
using Dut = Vrelevance_unit_bert;
using B = Bench<Dut, cfg::Bert>;
constexpr unsigned kL = B::kL;
constexpr uint32_t kSeqMax = B::kSeqMax;

TEST_F(HycimTest, RelevanceUnitBertRowsMatchGolden) {
  B b(harness_options(), log(), rng(), StallProfile::random());
  b.set_churn(true);
  b.write_tables(random_tables<B>(rng()));
  b.write_keys(random_keys<B>(rng()), 0, kSeqMax);
  const Config cases[] = {
      {kSeqMax, golden::kRelevanceTable, true},
      {kSeqMax, golden::kRelevanceMatch, false},
      {static_cast<uint32_t>(rng().uniform_int(kL + 1, kSeqMax - 1)), golden::kRelevanceTable,
       false},
      {static_cast<uint32_t>(rng().uniform_int(1, kSeqMax)), golden::kRelevanceMatch, true},
  };
  for (const auto& c : cases) EXPECT_TRUE(run_batch(b, rng(), c, 3));
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), b.sb.expected_total());
  EXPECT_GE(b.sb.compared(), 2u * 3 * kSeqMax / kL);
  EXPECT_GT(b.churn_writes, 20u);
  fmt::print("{} beats compared, {} key writes beside them\n", b.sb.compared(), b.churn_writes);
}

TEST_F(HycimTest, RelevanceUnitBertThroughputAtFullLength) {
  B b(harness_options(), log(), rng(), StallProfile::none());
  b.write_tables(random_tables<B>(rng()));
  b.write_keys(random_keys<B>(rng()), 0, kSeqMax);
  constexpr unsigned kRows = 4;
  ASSERT_TRUE(run_batch(b, rng(), {kSeqMax, golden::kRelevanceTable, true}, kRows));
  constexpr uint32_t kBeats = kSeqMax / kL;
  ASSERT_EQ(b.beat_cycles.size(), kRows * kBeats);
  for (size_t i = 1; i < b.beat_cycles.size(); ++i) {
    ASSERT_EQ(b.beat_cycles[i], b.beat_cycles[i - 1] + 1) << "a bubble before beat " << i;
  }
  const uint64_t cycles = b.beat_cycles.back() + 1 - b.beat_cycles.front();
  EXPECT_EQ(cycles, kRows * kBeats);
  fmt::print("S = {}: {} cycles per row with {} lanes\n", kSeqMax, cycles / kRows, kL);
  EXPECT_TRUE(b.sb.finish());
}

}  // namespace
}  // namespace hycim::tb
