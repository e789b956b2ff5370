// sfln_unit in the bert configuration (16 lanes, softmax rows up to 2048, LayerNorm up to 1024
// features): tokens of the maximum length in both LayerNorm modes, softmax rows of the maximum
// length through the same instance, and directed LayerNorm extremes at 1024 features.
#include "Vsfln_unit_bert.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "layernorm_checks.h"

namespace hycim::tb {
namespace {

using namespace layernorm;
constexpr unsigned kL = cfg::Bert::kSoftmaxLanes;
constexpr uint32_t kFeatMax = cfg::Bert::kLnFeatMax;
constexpr uint32_t kSmMax = cfg::Bert::kSoftmaxRowMax;
using SfBench = Bench<Vsfln_unit_bert, kL>;

TEST_F(HycimTest, SflnUnitBertMaximumLengthsInEveryMode) {
  SfBench b(harness_options(), log(), rng(), StallProfile::random());
  EXPECT_EQ(b.apb.read_ok(kLnMax), kFeatMax);
  EXPECT_EQ(b.apb.read_ok(softmax::kRowMax), kSmMax);
  const Params p = random_params(rng(), kFeatMax);
  load_params(b, p, rng());
  const std::vector<Token> tokens = {random_token(rng(), kFeatMax, 0.0),
                                     random_token(rng(), kFeatMax, 0.02)};
  run_tokens(b, kForward, p, tokens, random_eps8(rng()), 0, rng());
  run_tokens(b, kBackward, p, tokens, random_eps8(rng()), 7, rng());
  run_softmax(b, softmax::kTraining, kSmMax, 0, {softmax::random_fwd_row(rng(), kSmMax, 0.1)});
  run_softmax(b, softmax::kBackward, kSmMax, 9, {softmax::random_bwd_row(rng(), kSmMax)});
  run_tokens(b, kBackward, p, {random_token(rng(), kFeatMax, 0.05)}, 1, 16, rng());
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), 5u * kFeatMax / kL + 2u * kSmMax / kL);
  EXPECT_EQ(b.apb.read_ok(softmax::kErr), 0u);
}

TEST_F(HycimTest, SflnUnitBertEdgeTokens) {
  SfBench b(harness_options(), log(), rng(), StallProfile::none());
  check_directed_tokens(b, rng(), kFeatMax);
}

}  // namespace
}  // namespace hycim::tb
