// relevance_unit in the ci configuration: random tables, key codes and rows in both modes, causal
// and not, under every stall profile, with key code writes going on beside the rows; every score
// beat compared with golden::relevance_row. Directed edges (one key, partial beats, extreme
// tables, rows at and beyond S), random initial state, the steady-state throughput (exactly
// ceil(S/Lanes) cycles per row, rows back to back) and the assertions that guard illegal use.
#include "Vrelevance_unit_ci.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "mid_reset.h"
#include "relevance_bench.h"

namespace hycim::tb {
namespace {

using namespace relevance;
using Dut = Vrelevance_unit_ci;
using B = Bench<Dut, cfg::Ci>;
constexpr unsigned kL = B::kL;
constexpr uint32_t kSeqMax = B::kSeqMax;

class RelevanceUnit : public HycimTestP<StallProfile> {};

TEST_P(RelevanceUnit, RandomRowsMatchGolden) {
  B b(harness_options(), log(), rng(), GetParam());
  b.set_churn(true);
  uint64_t rows = 0, per_mode[2][2] = {};
  for (unsigned k = 0; k < 60 && log().ok(); ++k) {
    if (k % 6 == 0) b.write_tables(random_tables<B>(rng()));
    if (k % 4 == 0) b.write_keys(random_keys<B>(rng()), 0, kSeqMax);
    Config c;
    const uint32_t pick[] = {1, kL, kL + 1, kSeqMax, kSeqMax - 1};
    c.num_keys = k < 5 ? pick[k] : static_cast<uint32_t>(rng().uniform_int(1, kSeqMax));
    c.mode = static_cast<int>(k % 2);
    c.causal = (k / 2) % 2;
    const auto n = static_cast<unsigned>(rng().uniform_int(1, 8));
    EXPECT_TRUE(run_batch(b, rng(), c, n)) << "batch " << k;
    rows += n;
    per_mode[c.mode][c.causal] += n;
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), b.sb.expected_total());
  EXPECT_GT(b.sb.compared(), 60u * 2);
  EXPECT_EQ(b.req_cycles.size(), rows);
  for (auto& m : per_mode) {
    for (auto n : m) EXPECT_GT(n, 0u);
  }
  EXPECT_GT(b.churn_writes, 20u) << "key code writes beside the rows were hardly exercised";
  fmt::print("{} rows, {} beats compared, {} key writes beside them\n", rows, b.sb.compared(),
             b.churn_writes);
}

INSTANTIATE_TEST_SUITE_P(Stall, RelevanceUnit,
                         ::testing::Values(StallProfile::none(), StallProfile::random(),
                                           StallProfile::heavy()),
                         [](const auto& p) { return p.param.name; });

class RelevanceUnitDirected : public HycimTest {};

TEST_F(RelevanceUnitDirected, EdgeTablesKeysAndRows) {
  B b(harness_options(), log(), rng(), StallProfile::random());
  auto keys = random_keys<B>(rng());
  for (unsigned m = 0; m < B::kM; ++m) keys(3, m) = 5;  // key 3 equals the query 0x55555555
  b.write_keys(keys, 0, kSeqMax);
  const Req q5{0x55555555u, 0};
  for (int8_t fill : {int8_t{-128}, int8_t{127}, int8_t{0}}) {
    b.write_tables(golden::Tensor<int8_t>({B::kM, B::kC, B::kC}, fill));
    for (int mode : {0, 1}) {
      b.configure({kSeqMax, mode, false});
      b.send(q5);
      b.send({0x0u, kSeqMax - 1});
      ASSERT_TRUE(b.drain(1000));
      b.configure({1, mode, true});  // one key: one beat, lane 0 only
      b.send({0x12345678u, 0});
      b.send({0x12345678u, kSeqMax - 1});
      ASSERT_TRUE(b.drain(1000));
      b.configure({kL + 1, mode, true});  // a partial second beat; rows 0, 3, beyond S
      for (uint32_t row : {0u, 3u, kL, kL + 1, kSeqMax - 1}) b.send({q5.code, row});
      ASSERT_TRUE(b.drain(1000));
    }
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), 3u * 2 * (2 * kSeqMax / kL + 2 + 5 * 2));
}

TEST_F(RelevanceUnitDirected, RandomInitialStateIsHarmless) {
  for (uint64_t k = 0; k < 3; ++k) {
    auto ho = harness_options();
    ho.rand_reset = 2;
    ho.seed = seed() + k;
    B b(ho, log(), rng(), StallProfile::random());
    b.write_tables(random_tables<B>(rng()));
    const auto s = static_cast<uint32_t>(rng().uniform_int(1, kSeqMax));
    b.write_keys(random_keys<B>(rng()), 0, s);  // the keys at and above S stay random
    for (int mode : {0, 1}) {
      EXPECT_TRUE(run_batch(b, rng(), {s, mode, k % 2 == 1}, 4));
    }
    EXPECT_TRUE(b.sb.finish());
    EXPECT_GT(b.sb.compared(), 0u);
  }
}

// No gaps, no back-pressure: a row of S keys takes exactly ceil(S/Lanes) cycles, beats follow
// each other in every cycle across row boundaries, and the first beat comes two cycles after its
// request.
TEST_F(RelevanceUnitDirected, ThroughputIsOneBeatPerCycleWithoutBubbles) {
  for (uint32_t s : {kSeqMax, kSeqMax - 3, kL, 1u}) {
    SCOPED_TRACE(s);
    B b(harness_options(), log(), rng(), StallProfile::none());
    b.write_tables(random_tables<B>(rng()));
    b.write_keys(random_keys<B>(rng()), 0, kSeqMax);
    constexpr unsigned kRows = 12;
    ASSERT_TRUE(run_batch(b, rng(), {s, 0, true}, kRows));
    const uint32_t nb = (s + kL - 1) / kL;
    ASSERT_EQ(b.beat_cycles.size(), kRows * nb);
    ASSERT_EQ(b.req_cycles.size(), kRows);
    for (size_t i = 1; i < b.beat_cycles.size(); ++i) {
      ASSERT_EQ(b.beat_cycles[i], b.beat_cycles[i - 1] + 1) << "a bubble before beat " << i;
    }
    for (unsigned r = 0; r < kRows; ++r) {
      EXPECT_EQ(b.beat_cycles[r * nb], b.req_cycles[r] + 2) << "row " << r << " latency";
    }
    const double per_row =
        static_cast<double>(b.beat_cycles.back() + 1 - b.beat_cycles.front()) / kRows;
    EXPECT_EQ(per_row, nb);
    fmt::print(
        "S = {}: {} cycles per row (ceil(S/Lanes) = {}), first beat 2 cycles after "
        "its request\n",
        s, per_row, nb);
    EXPECT_TRUE(b.sb.finish());
  }
}

// The unit's assertions fire on illegal use and stay quiet on legal use: a table write while a
// row is in flight, a change of mode or of S while busy, and a request source that drops valid
// before the handshake are reported; a key code write while busy is legal.
TEST_F(RelevanceUnitDirected, AssertionsCatchIllegalUse) {
  for (int what = 0; what < 5; ++what) {
    SCOPED_TRACE(what);
    ErrorLog own;
    golden::Rng r(seed());
    B b(harness_options(), own, r, StallProfile::none());
    b.write_tables(random_tables<B>(r));
    b.write_keys(random_keys<B>(r), 0, kSeqMax);
    b.configure({kSeqMax, 0, false});
    b.sink.pause(true);  // the row stays in flight
    b.send({0x1234u, 0});
    b.h.step(6);
    ASSERT_TRUE(own.ok());
    ASSERT_EQ(b.h.dut().busy_o, 1);
    auto& d = b.h.dut();
    if (what == 1) {
      d.tbl_we_i = 1;
      d.tbl_addr_i = 7;
      d.tbl_data_i = 1;
    }
    if (what == 2) d.cfg_mode_i = 1;
    if (what == 3) d.cfg_num_keys_i = kSeqMax - 1;
    if (what == 4) {  // legal: key code writes may happen at any time
      d.kc_we_i = 1;
      d.kc_idx_i = 0;
      d.kc_data_i = 0;
    }
    b.h.step(2);
    d.tbl_we_i = 0;
    d.kc_we_i = 0;
    EXPECT_EQ(own.ok(), what == 0 || what == 4) << "case " << what;
  }
  // A request source that withdraws its beat while the unit is busy (not ready).
  ErrorLog own;
  Harness<Dut> h(harness_options(), own);
  auto& d = h.dut();
  d.cfg_num_keys_i = kSeqMax;
  d.rel_ready_i = 0;
  h.reset();
  d.req_valid_i = 1;
  d.req_code_i = 0;
  h.step(1);  // taken
  d.req_code_i = 1;
  h.step(3);  // on offer, not taken: the unit is busy with the first row
  ASSERT_EQ(d.req_ready_o, 0);
  ASSERT_TRUE(own.ok());
  d.req_valid_i = 0;
  h.step(2);
  EXPECT_FALSE(own.ok()) << "dropping valid before the handshake must be reported";
}

// ---- Reset in the middle of a run (issue 13, item 5; docs/conventions.md, "Reset in the middle
// of a run"): rows of random requests under back-pressure, with key code writes beside them, are
// interrupted early, mid-way or while a score beat is held; no beat is valid and busy_o is low
// while rst_ni is low and after it, and a fresh batch (new tables, key codes and configuration)
// matches golden::relevance_row exactly.

class RelevanceReset : public HycimTestP<ResetPoint> {};

TEST_P(RelevanceReset, MidOperation) {
  B b(harness_options(), log(), rng(), StallProfile::random());
  auto& d = b.h.dut();
  QuietMonitor quiet(log(), {{"rel_valid_o", [&] { return d.rel_valid_o != 0; }},
                             {"busy_o", [&] { return d.busy_o != 0; }}});
  b.h.add(quiet);
  auto batch = [&](uint32_t min_keys, bool churn) {
    b.write_tables(random_tables<B>(rng()));
    b.write_keys(random_keys<B>(rng()), 0, kSeqMax);
    Config c;
    c.num_keys = static_cast<uint32_t>(rng().uniform_int(min_keys, kSeqMax));
    c.mode = static_cast<int>(rng().uniform_int(0, 1));
    c.causal = rng().bernoulli(0.5);
    b.configure(c);
    const uint64_t before = b.sb.pending();
    const auto rows = static_cast<unsigned>(rng().uniform_int(2, 8));
    for (unsigned r = 0; r < rows; ++r) {
      Req q;
      q.code = random_code(rng(), B::kM, B::kC);
      if (rng().bernoulli(0.3)) {
        q.code = B::pack(b.keys(), static_cast<uint32_t>(rng().uniform_int(0, c.num_keys - 1)));
      }
      q.row = static_cast<uint32_t>(rng().uniform_int(0, c.num_keys - 1));
      b.send(q);
    }
    b.set_churn(churn);
    return b.sb.pending() - before;
  };
  for (int round = 0; round < 3 && log().ok(); ++round) {
    const uint64_t c0 = b.sb.compared(), w0 = b.sb.withdrawn();
    const uint64_t beats = batch(kL + 1, true);
    const std::string where = run_to_reset_point(b.h, GetParam(), rng(),
                                                 {.received = [&] { return b.sb.compared() - c0; },
                                                  .beats = beats,
                                                  .out_valid = [&] { return d.rel_valid_o != 0; },
                                                  .pause_sink = [&](bool p) { b.sink.pause(p); },
                                                  .limit = 100000});
    const auto hold = static_cast<unsigned>(rng().uniform_int(1, 5));
    fmt::print("[  reset   ] round {}: {}; rst_ni low for {} cycles\n", round, where, hold);
    SCOPED_TRACE(fmt::format("round {}: reset {}", round, where));
    b.h.reset_mid_run(hold);
    b.sink.pause(false);
    EXPECT_EQ(b.sb.compared() - c0 + (b.sb.withdrawn() - w0), beats);
    EXPECT_EQ(d.busy_o, 0);
    b.h.step(static_cast<uint64_t>(rng().uniform_int(0, 10)));

    const uint64_t c1 = b.sb.compared();
    const uint64_t fresh = batch(1, false);
    quiet.release();
    ASSERT_TRUE(b.drain(100000)) << "the rows after the reset";
    EXPECT_EQ(b.sb.compared() - c1, fresh) << "every beat of the rows after the reset";
    EXPECT_EQ(b.sb.mismatches(), 0u);
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.h.mid_resets(), 3u);
  EXPECT_GT(quiet.checked(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Point, RelevanceReset, ::testing::ValuesIn(kResetPoints),
                         reset_point_name<::testing::TestParamInfo<ResetPoint>>);

}  // namespace
}  // namespace hycim::tb
