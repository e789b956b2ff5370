// softmax_unit in the bert configuration (16 lanes, rows up to 2048): rows of the maximum length
// in every mode, compared with the golden model, and the build limits in the registers.
#include "Vsoftmax_unit_bert.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "softmax_scenario.h"

namespace hycim::tb {
namespace {

using namespace softmax;
constexpr unsigned kL = cfg::Bert::kSoftmaxLanes;
constexpr uint32_t kRowLimit = cfg::Bert::kSoftmaxRowMax;
using Bench = SoftmaxBench<Vsoftmax_unit_bert, kL>;

TEST_F(HycimTest, SoftmaxUnitBertMaximumRowsInEveryMode) {
  Bench b(harness_options(), log(), rng(), StallProfile::random());
  EXPECT_EQ(b.apb.read_ok(kRowMax), kRowLimit);
  EXPECT_EQ(b.apb.read_ok(kLanes), kL);
  // All equal at the maximum length: the sum reaches 2048 * 2^15 = 2^26, the top of 27 bits.
  Row equal;
  equal.a.assign(kRowLimit, static_cast<uint16_t>(int16_t{-300}));
  run_rows(b, kTraining, kRowLimit, 0, {equal});
  run_rows(b, kInference, kRowLimit, 0, {equal});
  run_rows(b, kTraining, kRowLimit, 0,
           {random_fwd_row(rng(), kRowLimit, 0.0), random_fwd_row(rng(), kRowLimit, 0.5)});
  run_rows(b, kBackward, kRowLimit, 9, {random_bwd_row(rng(), kRowLimit)});
  run_rows(b, kInference, 1000, 0, {random_fwd_row(rng(), 1000, 0.2)});
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), 5u * kRowLimit / kL + (1000 + kL - 1) / kL);
  EXPECT_EQ(b.apb.read_ok(kErr), 0u);
}

}  // namespace
}  // namespace hycim::tb
