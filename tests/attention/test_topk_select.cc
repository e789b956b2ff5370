// topk_select in the ci configuration: random relevance rows (lengths, k, forced keys, causal and
// holed masks, heavy ties) under every stall profile with every output beat compared against
// golden::topk_select and every cycle's handshakes against the golden pipeline model; directed
// tie rows; the random-initial-state run; and the throughput with input always valid and output
// always ready, which must be the documented max(ceil(S/Lanes) + 1, ceil(k/OutLanes)) exactly.
#include "Vtopk_select_ci.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "mid_reset.h"
#include "topk_bench.h"

namespace hycim::tb {
namespace {

using namespace topk;
constexpr unsigned kL = cfg::Ci::kRelevanceLanes;
constexpr unsigned kOL = cfg::Ci::kSramBanks;
constexpr uint32_t kS = cfg::Ci::kSeqLenMax;
using TopkBench = Bench<Vtopk_select_ci, kL, kOL, kS>;

class TopkSelect : public HycimTestP<StallProfile> {};

TEST_P(TopkSelect, RandomRowsMatchGolden) {
  TopkBench b(harness_options(), log(), rng(), GetParam());
  uint64_t rows = 0;
  for (int group = 0; group < 150 && log().ok(); ++group) {
    const auto s = static_cast<uint32_t>(group % 4 == 0 ? kS : rng().uniform_int(1, kS));
    const auto c = random_config(rng(), s);
    b.configure(c);
    const auto n = static_cast<int>(rng().uniform_int(1, 6));
    for (int i = 0; i < n; ++i) b.push_row(random_row(rng(), c, kS), group % 3 == 0, &rng());
    rows += static_cast<uint64_t>(n);
    ASSERT_TRUE(b.drain()) << "group " << group;
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), b.sb.expected_total());
  EXPECT_GT(b.sb.compared(), rows);
  EXPECT_EQ(b.last_cycles.size(), rows);
  EXPECT_GT(b.pipe.cycles_checked(), rows);
  fmt::print("{} rows, {} output beats compared, {} cycles of handshakes checked\n", rows,
             b.sb.compared(), b.pipe.cycles_checked());
}

INSTANTIATE_TEST_SUITE_P(Stall, TopkSelect, kAllStalls, stall_name);

class TopkSelectDirected : public HycimTest {};

// Rows of equal or nearly equal scores: the lower indices win every tie, at every k, with and
// without forced keys, including ties that straddle a high bin boundary (u = 63 / 64).
TEST_F(TopkSelectDirected, TiesGoToTheLowerIndex) {
  TopkBench b(harness_options(), log(), rng(), StallProfile::random());
  uint64_t rows = 0;
  for (uint32_t k : {1u, 2u, 3u, kS / 8, kS / 4, kS / 3, kS - 1, kS}) {
    for (int f = 0; f < 4; ++f) {
      Config c{kS, std::max(k, static_cast<uint32_t>((f & 1) + (f >> 1))), (f & 1) != 0,
               (f & 2) != 0};
      b.configure(c);
      Row row;
      row.row = static_cast<uint32_t>(rng().uniform_int(0, kS - 1));
      row.valid.assign(kS, 1);
      row.r.assign(kS, 7);  // all equal
      b.push_row(row);
      for (uint32_t j = 0; j < kS; ++j) row.r[j] = static_cast<int16_t>(j % 2 ? -2048 : 2047);
      b.push_row(row);  // the two extremes, alternating
      for (uint32_t j = 0; j < kS; ++j) row.r[j] = static_cast<int16_t>((j % 3) + 63 - 2048 - 1);
      b.push_row(row);  // u in {62, 63, 64}: the tie at a high-bin boundary
      for (uint32_t j = 0; j < kS; ++j) row.r[j] = static_cast<int16_t>(j < kS / 2 ? 5 : 6);
      b.push_row(row);  // the upper half wins, ties among the upper half to its start
      rows += 4;
      ASSERT_TRUE(b.drain());
    }
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.last_cycles.size(), rows);
}

// Boundaries: S = 1, S not a multiple of the lanes, all masked, all masked but the forced keys,
// k above the valid count (padding beats), k = 1.
TEST_F(TopkSelectDirected, Boundaries) {
  TopkBench b(harness_options(), log(), rng(), StallProfile::heavy());
  auto row_of = [&](uint32_t s, uint32_t i, int mask) {
    Row r;
    r.row = i;
    r.r = random_scores(rng(), s, 3);
    r.valid.assign(s, 1);
    for (uint32_t j = 0; j < s; ++j) {
      if (mask == 1) r.valid[j] = 0;                 // all masked
      if (mask == 2) r.valid[j] = j == 0 || j == i;  // only the forced keys
      if (mask == 3) r.valid[j] = j <= i;            // causal
    }
    return r;
  };
  struct Case {
    Config c;
    uint32_t row;
    int mask;
  };
  const Case cases[] = {
      {{1, 1, false, false}, 0, 0},         {{1, 1, true, false}, 0, 0},
      {{1, 1, false, true}, 0, 0},          {{1, 1, false, false}, 0, 1},
      {{kS - 1, kS - 1, true, true}, 5, 2}, {{kS - 3, 7, true, true}, 9, 2},
      {{kS, kS, false, false}, 0, 1},       {{kS, kS, true, true}, 3, 3},
      {{kS, kS / 2, true, false}, 2, 3},    {{kS, 1, false, false}, kS - 1, 0},
      {{kS, 1, false, true}, kS - 1, 3},    {{kS, 2, true, true}, 0, 0},
      {{kL + 1, 2, false, false}, 1, 0},    {{kOL + 1, kOL + 1, false, false}, 3, 3},
  };
  for (const auto& cs : cases) {
    b.configure(cs.c);
    for (int rep = 0; rep < 3; ++rep) b.push_row(row_of(cs.c.s, cs.row, cs.mask));
    ASSERT_TRUE(b.drain());
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.last_cycles.size(), 3 * std::size(cases));
}

// Every flop and buffer starts random: after reset the results must not depend on it.
TEST_F(TopkSelectDirected, RandomInitialStateIsHarmless) {
  auto ho = harness_options();
  ho.rand_reset = 2;
  TopkBench b(ho, log(), rng(), StallProfile::random());
  for (int group = 0; group < 6; ++group) {
    const auto c = random_config(rng(), static_cast<uint32_t>(rng().uniform_int(1, kS)));
    b.configure(c);
    for (int i = 0; i < 3; ++i) b.push_row(random_row(rng(), c, kS));
    ASSERT_TRUE(b.drain());
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.last_cycles.size(), 18u);
}

// The assertions can fail: each broken input (or configuration) below trips one, seen in a log of
// its own (so this test does not fail by it) while the same stimulus without the break is clean.
TEST_F(TopkSelectDirected, AssertionsCatchBrokenInputs) {
  enum Break {
    kNone,
    kLastEarly,
    kScoreWide,
    kBaseWrong,
    kLaneBeyondS,
    kCfgChanged,
    kTooFewK,
    kValidDropped
  };
  auto run = [&](Break br) {
    ErrorLog local;
    auto ho = harness_options();
    ho.trace.enabled = false;
    Harness<Vtopk_select_ci> h(ho, local);
    auto& d = h.dut();
    const uint32_t s = br == kLaneBeyondS ? kL - 1 : kS;
    d.cfg_num_keys_i = s;
    d.cfg_k_i = br == kTooFewK ? 1 : (br == kLaneBeyondS ? 2 : 4);
    d.cfg_force_first_i = true;
    d.cfg_force_diag_i = br == kTooFewK;
    d.out_ready_i = br != kValidDropped;
    h.reset();
    const uint32_t nb = ceil_div(s, kL);
    uint32_t beat = 0;
    int stalled = 0;
    for (int c = 0; c < 400; ++c) {
      d.in_valid_i = 1;
      d.in_base_i = beat * kL + (br == kBaseWrong && c == 3 ? 1 : 0);
      d.in_row_i = 5;
      d.in_last_i = beat + 1 == nb || (br == kLastEarly && c == 2);
      d.in_valid_lanes_i = (1u << std::min(s - beat * kL, kL)) - 1;
      if (br == kLaneBeyondS) d.in_valid_lanes_i = (1u << kL) - 1;
      d.in_score_i = 0;
      if (br == kScoreWide && c == 4) put16(d.in_score_i, 1, 2048);
      if (br == kCfgChanged && c == 5) d.cfg_k_i = 5;
      // Offered in a stalled cycle, then withdrawn in the next one.
      stalled = d.in_ready_o ? 0 : stalled + 1;
      if (br == kValidDropped && stalled == 2) d.in_valid_i = 0;
      h.eval();
      const bool hs = d.in_valid_i && d.in_ready_o;
      h.step();
      if (hs) beat = beat + 1 == nb ? 0 : beat + 1;
      if (!local.ok()) break;  // one report is enough
    }
    return local.count();
  };
  EXPECT_EQ(run(kNone), 0u);
  for (Break br :
       {kLastEarly, kScoreWide, kBaseWrong, kLaneBeyondS, kCfgChanged, kTooFewK, kValidDropped}) {
    EXPECT_GT(run(br), 0u) << "break " << static_cast<int>(br);
  }
}

// No back-pressure, input always valid: every row's last output beat lands where the golden
// pipeline model puts it, and the steady-state row interval is the closed form exactly.
TEST_F(TopkSelectDirected, ThroughputIsTheDocumentedModel) {
  const uint32_t rows = 12;
  for (uint32_t s : {kS, kS / 2 + 3}) {
    for (uint32_t k : {std::max(1u, s / 8), s / 4, s / 3, s}) {
      TopkBench b(harness_options(), log(), rng(), StallProfile::none());
      const Config c{s, k, true, true};
      b.configure(c);
      for (uint32_t i = 0; i < rows; ++i) b.push_row(random_row(rng(), c, kS));
      ASSERT_TRUE(b.drain());
      EXPECT_TRUE(b.sb.finish());
      const golden::TopkTiming t{ceil_div(s, kL), ceil_div(k, kOL)};
      const auto want = golden::topk_last_beat_cycles(t, rows);
      ASSERT_EQ(b.last_cycles.size(), rows);
      ASSERT_EQ(b.first_in_cycles.size(), rows);
      for (uint32_t i = 0; i < rows; ++i) {
        EXPECT_EQ(b.last_cycles[i] - b.first_in_cycles[0], want[i])
            << "S " << s << " k " << k << " row " << i;
      }
      const uint64_t per_row = b.last_cycles[rows - 1] - b.last_cycles[rows - 2];
      EXPECT_EQ(per_row, golden::topk_cycles_per_row(t)) << "S " << s << " k " << k;
      fmt::print("topk_select ci: S = {}, k = {}: {} cycles per row (NB = {}, NO = {})\n", s, k,
                 per_row, t.nb, t.no);
      RecordProperty(fmt::format("cycles_per_row_S{}_k{}", s, k), std::to_string(per_row));
    }
  }
}

// ---- Reset in the middle of a run (issue 13, item 5; docs/conventions.md, "Reset in the middle
// of a run"): rows of random scores under back-pressure are interrupted early, mid-way or while
// a kept-index beat is held; no beat is valid while rst_ni is low or after it, the handshakes
// follow the golden pipeline model from an empty pipeline on, and the rows of a fresh
// configuration match golden::topk_select exactly.

class TopkReset : public HycimTestP<ResetPoint> {};

TEST_P(TopkReset, MidOperation) {
  TopkBench b(harness_options(), log(), rng(), StallProfile::random());
  auto& d = b.h.dut();
  QuietMonitor quiet(log(), {{"out_valid_o", [&] { return d.out_valid_o != 0; }}});
  b.h.add(quiet);
  auto queue = [&](uint32_t min_s) {
    const auto s = static_cast<uint32_t>(rng().uniform_int(min_s, kS));
    const auto c = random_config(rng(), s);
    b.configure(c);
    const auto n = static_cast<int>(rng().uniform_int(2, 6));
    const uint64_t before = b.sb.pending();
    for (int i = 0; i < n; ++i) b.push_row(random_row(rng(), c, kS), true, &rng());
    return b.sb.pending() - before;
  };
  for (int round = 0; round < 3 && log().ok(); ++round) {
    const uint64_t c0 = b.sb.compared(), w0 = b.sb.withdrawn();
    const uint64_t beats = queue(kL + 1);
    const std::string where = run_to_reset_point(b.h, GetParam(), rng(),
                                                 {.received = [&] { return b.sb.compared() - c0; },
                                                  .beats = beats,
                                                  .out_valid = [&] { return d.out_valid_o != 0; },
                                                  .pause_sink = [&](bool p) { b.sink.pause(p); },
                                                  .limit = 200000});
    const auto hold = static_cast<unsigned>(rng().uniform_int(1, 5));
    fmt::print("[  reset   ] round {}: {}; rst_ni low for {} cycles\n", round, where, hold);
    SCOPED_TRACE(fmt::format("round {}: reset {}", round, where));
    b.h.reset_mid_run(hold);
    b.sink.pause(false);
    EXPECT_EQ(b.sb.compared() - c0 + (b.sb.withdrawn() - w0), beats);
    EXPECT_TRUE(b.pipe.idle());
    b.h.step(static_cast<uint64_t>(rng().uniform_int(0, 10)));
    EXPECT_TRUE(b.src.idle());

    quiet.release();
    const uint64_t c1 = b.sb.compared();
    const uint64_t fresh = queue(1);
    ASSERT_TRUE(b.drain()) << "the rows after the reset";
    EXPECT_EQ(b.sb.compared() - c1, fresh) << "every beat of the rows after the reset";
    EXPECT_EQ(b.sb.mismatches(), 0u);
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.h.mid_resets(), 3u);
  EXPECT_GT(quiet.checked(), 0u);
  EXPECT_GT(b.pipe.cycles_checked(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Point, TopkReset, ::testing::ValuesIn(kResetPoints),
                         reset_point_name<::testing::TestParamInfo<ResetPoint>>);

}  // namespace
}  // namespace hycim::tb
