// sfln_unit, the shared softmax + LayerNorm unit, in the ci configuration: LayerNorm tokens in
// both modes under stalls, softmax rows in all three modes through the same bench, the two
// halves interleaved start by start on one instance (the shared buffers, sums and scalar unit
// must carry nothing from one mode into the next), directed tokens and the ERR classes. Every
// output beat is compared with the golden models.
#include "Vsfln_unit_ci.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "layernorm_checks.h"

namespace hycim::tb {
namespace {

using namespace layernorm;
constexpr unsigned kL = cfg::Ci::kSoftmaxLanes;
constexpr uint32_t kFeatMax = cfg::Ci::kLnFeatMax;
constexpr uint32_t kSmMax = cfg::Ci::kSoftmaxRowMax;
using SfBench = Bench<Vsfln_unit_ci, kL>;

class SflnUnit : public HycimTest {};

TEST_F(SflnUnit, BothHalvesInterleavedMatchGolden) {
  SfBench b(harness_options(), log(), rng(), StallProfile::random());
  EXPECT_EQ(b.apb.read_ok(kUnits), 3u);
  EXPECT_EQ(b.apb.read_ok(softmax::kRowMax), kSmMax);
  EXPECT_EQ(b.apb.read_ok(kLnMax), kFeatMax);
  uint64_t sm = 0, ln = 0;
  for (int k = 0; k < 30 && log().ok(); ++k) {
    const auto mode = static_cast<uint32_t>(k % 5);  // 0..2 softmax, 3..4 LayerNorm
    if (mode <= softmax::kBackward) {
      const auto len = static_cast<uint32_t>(rng().uniform_int(1, kSmMax));
      std::vector<softmax::Row> rows;
      const auto nrows = static_cast<size_t>(rng().uniform_int(1, 3));
      for (size_t r = 0; r < nrows; ++r) {
        rows.push_back(mode == softmax::kBackward ? softmax::random_bwd_row(rng(), len)
                                                  : softmax::random_fwd_row(rng(), len, 0.2));
      }
      sm += run_softmax(b, mode, len, static_cast<uint32_t>(rng().uniform_int(0, 16)), rows);
    } else {
      ln += check_random_tokens(b, rng(), mode, 1, kFeatMax);
    }
    EXPECT_EQ(b.apb.read_ok(softmax::kErr), 0u);
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_GT(sm, 0u);
  EXPECT_GT(ln, 0u);
  fmt::print("{} softmax and {} LayerNorm elements in {} beats compared\n", sm, ln,
             b.sb.compared());
}

TEST_F(SflnUnit, LayerNormUnderHeavyStalls) {
  for (uint32_t mode : {kForward, kBackward}) {
    SfBench b(harness_options(), log(), rng(), StallProfile::heavy());
    EXPECT_GT(check_random_tokens(b, rng(), mode, 12, kFeatMax), 0u);
    EXPECT_TRUE(b.sb.finish());
  }
}

TEST_F(SflnUnit, EdgeTokensMatchGolden) {
  SfBench b(harness_options(), log(), rng(), StallProfile::random());
  check_directed_tokens(b, rng(), kFeatMax);
}

TEST_F(SflnUnit, EveryIllegalClassSetsItsBitAndNeverHangs) {
  SfBench b(harness_options(), log(), rng(), StallProfile::none());
  check_errors(b, rng(), kFeatMax, {6, 7, 0x80000001u});
}

}  // namespace
}  // namespace hycim::tb
