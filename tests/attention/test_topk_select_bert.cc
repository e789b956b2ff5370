// topk_select in the bert configuration (S = 512, 16 input lanes, 8 output lanes): a few random
// full-length rows under back-pressure against golden::topk_select and the pipeline model, an
// all-equal tie row at every forced-key setting, and the throughput at k = S/8, S/4, S/3 and S
// with input always valid and output always ready, which must be the documented model exactly.
#include "Vtopk_select_bert.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "topk_bench.h"

namespace hycim::tb {
namespace {

using namespace topk;
constexpr unsigned kL = cfg::Bert::kRelevanceLanes;
constexpr unsigned kOL = cfg::Bert::kSramBanks;
constexpr uint32_t kS = cfg::Bert::kSeqLenMax;
using TopkBench = Bench<Vtopk_select_bert, kL, kOL, kS>;

class TopkSelectBert : public HycimTest {};

TEST_F(TopkSelectBert, RandomRowsUnderBackPressureMatchGolden) {
  TopkBench b(harness_options(), log(), rng(), StallProfile::random());
  uint64_t rows = 0;
  for (int group = 0; group < 6 && log().ok(); ++group) {
    const auto s = static_cast<uint32_t>(group < 3 ? kS : rng().uniform_int(1, kS));
    const auto c = random_config(rng(), s);
    b.configure(c);
    for (int i = 0; i < 2; ++i) b.push_row(random_row(rng(), c, kS), group == 1, &rng());
    rows += 2;
    ASSERT_TRUE(b.drain()) << "group " << group;
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), b.sb.expected_total());
  EXPECT_EQ(b.last_cycles.size(), rows);
}

TEST_F(TopkSelectBert, AllEqualRowsKeepTheLowestIndices) {
  TopkBench b(harness_options(), log(), rng(), StallProfile::heavy());
  for (int f = 0; f < 4; ++f) {
    b.configure({kS, kS / 4, (f & 1) != 0, (f & 2) != 0});
    Row row;
    row.row = 300;
    row.valid.assign(kS, 1);
    row.r.assign(kS, -2048);
    b.push_row(row);
    ASSERT_TRUE(b.drain());
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), 4u * (kS / 4 / kOL));
}

TEST_F(TopkSelectBert, ThroughputIsTheDocumentedModel) {
  const uint32_t rows = 6;
  for (uint32_t k : {kS / 8, kS / 4, kS / 3, kS}) {
    TopkBench b(harness_options(), log(), rng(), StallProfile::none());
    const Config c{kS, k, true, true};
    b.configure(c);
    for (uint32_t i = 0; i < rows; ++i) b.push_row(random_row(rng(), c, kS));
    ASSERT_TRUE(b.drain());
    EXPECT_TRUE(b.sb.finish());
    const golden::TopkTiming t{ceil_div(kS, kL), ceil_div(k, kOL)};
    const auto want = golden::topk_last_beat_cycles(t, rows);
    ASSERT_EQ(b.last_cycles.size(), rows);
    ASSERT_EQ(b.first_in_cycles.size(), rows);
    for (uint32_t i = 0; i < rows; ++i) {
      EXPECT_EQ(b.last_cycles[i] - b.first_in_cycles[0], want[i]) << "k " << k << " row " << i;
    }
    const uint64_t per_row = b.last_cycles[rows - 1] - b.last_cycles[rows - 2];
    EXPECT_EQ(per_row, golden::topk_cycles_per_row(t)) << "k " << k;
    fmt::print("topk_select bert: S = {}, k = {}: {} cycles per row (NB = {}, NO = {})\n", kS, k,
               per_row, t.nb, t.no);
    RecordProperty(fmt::format("cycles_per_row_k{}", k), std::to_string(per_row));
  }
}

}  // namespace
}  // namespace hycim::tb
