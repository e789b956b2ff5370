// sfln_unit, the shared softmax + LayerNorm unit, in the ci configuration: LayerNorm tokens in
// both modes under stalls, softmax rows in all three modes through the same bench, the two
// halves interleaved start by start on one instance (the shared buffers, sums and scalar unit
// must carry nothing from one mode into the next), directed tokens and the ERR classes. Every
// output beat is compared with the golden models.
#include "Vsfln_unit_ci.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "layernorm_checks.h"
#include "reg_checks.h"

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

// The CYCLES register against the row pipeline's timing (docs/training/layernorm.md): in the
// steady state a forward slot is max(B, 11) + 1 cycles (LOAD and OUT take B = ceil(n / lanes)
// beats, the rsqrt 11 steps) and a backward slot B + 13 (11 rsqrt steps, then the B-beat sweep,
// one cycle to close it and the boundary). n tokens more cost n slots.
TEST_F(SflnUnit, CyclesRegisterShowsTheRowPipeline) {
  SfBench b(harness_options(), log(), rng(), StallProfile::none());
  for (uint32_t n : {uint32_t{8}, kFeatMax}) {
    const Params p = random_params(rng(), n);
    load_params(b, p, rng());
    const uint32_t beats = (n + kL - 1) / kL;
    for (uint32_t mode : {kForward, kBackward}) {
      SCOPED_TRACE(fmt::format("{} features, mode {}", n, mode));
      uint32_t cycles[2] = {};
      for (uint32_t k = 0; k < 2; ++k) {
        std::vector<Token> tokens;
        for (uint32_t r = 0; r < 4 * (k + 1); ++r) tokens.push_back(random_token(rng(), n));
        run_tokens(b, mode, p, tokens, 1, 0, rng());
        cycles[k] = b.apb.read_ok(softmax::kCycles);
      }
      const uint32_t slot = mode == kForward ? std::max<uint32_t>(beats, 11) + 1 : beats + 13;
      EXPECT_EQ(cycles[1] - cycles[0], 4 * slot);
    }
  }
  EXPECT_TRUE(b.sb.finish());
}

// The generated map (rtl/training/sfln/sfln_unit.regs.toml): the common header, the build limits,
// the resets, read-only registers refuse writes and change nothing, configuration registers keep
// what is written.
TEST_F(SflnUnit, RegisterMapFromTheDescription) {
  SfBench b(harness_options(), log(), rng(), StallProfile::none());
  EXPECT_EQ(b.apb.read_ok(kId), kIdValue);
  EXPECT_EQ(b.apb.read_ok(kVersion), kVersionValue);
  EXPECT_EQ(b.apb.read_ok(kCtrl), 0u) << "CTRL reads 0";
  EXPECT_EQ(b.apb.read_ok(kLanes), kL);
  EXPECT_EQ(b.apb.read_ok(kMode), uint32_t{softmax::kTraining}) << "reset MODE";
  EXPECT_EQ(b.apb.read_ok(kRows), kRowsReset);
  EXPECT_EQ(b.apb.read_ok(kEps), kEpsReset);
  uint32_t v = 0;
  for (uint32_t off = kCycles + 4; off < kRowMax; off += 4) {
    EXPECT_TRUE(b.apb.read(off, &v)) << "reserved word " << off;
  }
  EXPECT_EQ(check_register_access(b.apb, kRegisters), 5u) << "LEN, ROWS, MODE, DS_SHIFT, EPS";
  EXPECT_EQ(b.apb.read_ok(kStatus), 0u) << "no start happened";
}

// InStream (HYCIM_ASSERT_STREAM_IN): while the unit is idle in_ready_o is 0, so a beat offered
// then is stalled. Holding it is legal; dropping valid or changing the payload before the
// handshake is reported by the RTL. Each case runs on its own ErrorLog so that the expected
// error does not fail this test.
TEST_F(SflnUnit, InputStreamRulesAreChecked) {
  HYCIM_SKIP_ON_NETLIST("the stream assertions are RTL only");
  enum class Source { kHolds, kDropsValid, kChangesPayload };
  for (Source src : {Source::kHolds, Source::kDropsValid, Source::kChangesPayload}) {
    SCOPED_TRACE(fmt::format("case {}", static_cast<int>(src)));
    ErrorLog sim_log;
    HarnessOptions ho = harness_options();
    ho.name += fmt::format("_in_stream{}", static_cast<int>(src));
    Harness<Vsfln_unit_ci> h(ho, sim_log);
    auto& d = h.dut();
    d.in_valid_i = 0;
    d.in_last_i = 0;
    d.out_ready_i = 1;
    h.reset();
    h.step(2);
    d.in_valid_i = 1;
    h.step(3);
    ASSERT_TRUE(sim_log.ok()) << "a held beat is legal";
    ASSERT_EQ(d.in_ready_o, 0u) << "idle: the beat stays stalled";
    if (src == Source::kDropsValid) d.in_valid_i = 0;
    if (src == Source::kChangesPayload) d.in_last_i = 1;
    h.step(2);
    if (src == Source::kHolds) {
      EXPECT_TRUE(sim_log.ok());
    } else {
      ASSERT_GE(sim_log.count(), 1u);
      EXPECT_NE(sim_log.messages()[0].find("the RTL reported an error"), std::string::npos)
          << sim_log.messages()[0];
    }
  }
}

// ---- Reset in the middle of a run (issue 13, item 5): a parameter load, token starts and a
// softmax start with random data under back-pressure are interrupted early, mid-way or while an
// output beat is held; the next job (LayerNorm, on the buffers the softmax half shares) must be
// exact. See check_mid_reset() in layernorm_checks.h.

class SflnReset : public HycimTestP<ResetPoint> {};

TEST_P(SflnReset, MidOperation) {
  SfBench b(harness_options(), log(), rng(), StallProfile::random());
  check_mid_reset(b, rng(), GetParam(), kFeatMax, kSmMax);
}

INSTANTIATE_TEST_SUITE_P(Point, SflnReset, ::testing::ValuesIn(kResetPoints),
                         reset_point_name<::testing::TestParamInfo<ResetPoint>>);

}  // namespace
}  // namespace hycim::tb
