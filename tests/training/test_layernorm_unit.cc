// layernorm_unit (sfln_unit without its softmax half) in the ci configuration: random tokens in
// both modes under every stall profile, directed tokens, every ERR class (softmax modes are
// refused), and a run with every flop starting random. Every output beat (y or dx, and xhat) is
// compared with the golden model.
#include "Vlayernorm_unit_ci.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "layernorm_checks.h"

namespace hycim::tb {
namespace {

using namespace layernorm;
constexpr unsigned kL = cfg::Ci::kSoftmaxLanes;
constexpr uint32_t kFeatMax = cfg::Ci::kLnFeatMax;
using LnBench = Bench<Vlayernorm_unit_ci, kL>;

struct Param {
  uint32_t mode;
  StallProfile stall;
};
void PrintTo(const Param& p, std::ostream* os) { *os << p.mode << "/" << p.stall.name; }

class LayerNormUnit : public HycimTestP<Param> {};

TEST_P(LayerNormUnit, RandomTokensMatchGolden) {
  const auto [mode, stall] = GetParam();
  LnBench b(harness_options(), log(), rng(), stall);
  const uint64_t elements = check_random_tokens(b, rng(), mode, 20, kFeatMax);
  EXPECT_TRUE(b.sb.finish());
  EXPECT_GT(elements, 0u);
  fmt::print("{} elements in {} beats compared\n", elements, b.sb.compared());
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  return std::string(info.param.mode == kForward ? "forward" : "backward") + "_" +
         info.param.stall.name;
}

INSTANTIATE_TEST_SUITE_P(Modes, LayerNormUnit,
                         ::testing::Values(Param{kForward, StallProfile::none()},
                                           Param{kForward, StallProfile::random()},
                                           Param{kForward, StallProfile::heavy()},
                                           Param{kBackward, StallProfile::none()},
                                           Param{kBackward, StallProfile::random()},
                                           Param{kBackward, StallProfile::heavy()}),
                         param_name);

// ---- Mutation-directed tests (docs/verification/mutation.md) ----------------------------------
// Each kills a mutant of tests/mutation/curated.toml that the tests around it let survive.
class LayerNormUnitMutation : public HycimTest {};

// rsqrt to its last bit (c-ln-newton-three-plus-lsb / -minus-lsb: the Newton step's 3 off by one
// LSB moves rs by one LSB in about half of the rows). rs has 24 bits and xhat 16, so an rs one
// LSB off changes an xhat only when its unrounded value lies within |xhat| 2^-24 of a rounding
// boundary: about n 2^-12 per row for normally spread features. 2048 rows of the longest length,
// each with its own centre and spread (2^-2 .. 2^13), make it near certain (some 12 rows
// expected per mutant; a first try of 68 rows, 0.3 expected, let it survive). Every beat is
// compared with the golden model.
TEST_F(LayerNormUnitMutation, RsqrtLastBitOverManyRows) {
  LnBench b(harness_options(), log(), rng(), StallProfile::none());
  const Params p{std::vector<int16_t>(kFeatMax, 8192), std::vector<int16_t>(kFeatMax, 0)};
  load_params(b, p, rng());
  uint64_t elements = 0;
  for (int run = 0; run < 32 && b.h.log().ok(); ++run) {
    std::vector<Token> tokens;
    for (int r = 0; r < 64; ++r) tokens.push_back(random_token(rng(), kFeatMax, 0.0));
    elements += run_tokens(b, kForward, p, tokens, 1, 0, rng());
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.apb.read_ok(softmax::kErr), 0u);
  fmt::print("{} elements compared\n", elements);
}

// ---- End of the mutation-directed tests ------------------------------------------------

class LayerNormUnitDirected : public HycimTest {};

TEST_F(LayerNormUnitDirected, EdgeTokensMatchGolden) {
  LnBench b(harness_options(), log(), rng(), StallProfile::random());
  EXPECT_EQ(b.apb.read_ok(kUnits), 2u) << "LayerNorm half only";
  EXPECT_EQ(b.apb.read_ok(softmax::kRowMax), 0u) << "no softmax rows";
  check_directed_tokens(b, rng(), kFeatMax);
}

TEST_F(LayerNormUnitDirected, EveryIllegalClassSetsItsBitAndNeverHangs) {
  LnBench b(harness_options(), log(), rng(), StallProfile::none());
  check_errors(b, rng(), kFeatMax, {0, 1, 2, 6, 7, 0x80000003u});
}

// Every flop, row buffer and parameter word starts random: after reset nothing depends on it.
TEST_F(LayerNormUnitDirected, RandomInitialStateIsHarmless) {
  for (uint64_t k = 0; k < 3; ++k) {
    HarnessOptions ho = harness_options();
    ho.rand_reset = 2;
    ho.seed = seed() + k;
    golden::Rng r(seed() + k);
    LnBench b(ho, log(), r, StallProfile::random());
    EXPECT_EQ(b.apb.read_ok(kPrmLen), 0u);
    check_random_tokens(b, r, k % 2 ? kBackward : kForward, 3, kFeatMax);
    EXPECT_TRUE(b.sb.finish());
  }
}

// ---- Reset in the middle of a run (issue 13, item 5): a parameter load and token starts with
// random data under back-pressure are interrupted early, mid-way or while an output beat is
// held; see check_mid_reset() in layernorm_checks.h.

class LayerNormReset : public HycimTestP<ResetPoint> {};

TEST_P(LayerNormReset, MidOperation) {
  LnBench b(harness_options(), log(), rng(), StallProfile::random());
  check_mid_reset(b, rng(), GetParam(), kFeatMax, 0);
}

INSTANTIATE_TEST_SUITE_P(Point, LayerNormReset, ::testing::ValuesIn(kResetPoints),
                         reset_point_name<::testing::TestParamInfo<ResetPoint>>);

}  // namespace
}  // namespace hycim::tb
