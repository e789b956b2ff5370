// attn_top in the ci configuration: whole heads, every tensor compared with the golden model
// (codes, relevance, kept indices, scores, probabilities, output rows), K and Q encoded through
// the crossbar models racing the WTA RTL; bidirectional (BERT) and causal (GPT-2 style) heads,
// both relevance modes, forced keeps, dense mode, a narrower head, back-pressure, heads back to
// back, a non-ideal chip, and every ERR class (each sets its bit, raises DONE, never hangs).
#include <fmt/format.h>

#include <deque>

#include "Vattn_top_ci.h"
#include "attn_scenario.h"
#include "golden/attention/attn_cycles.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "mid_reset.h"

namespace hycim::tb {
namespace {

using namespace attn;
using Dut = Vattn_top_ci;
const Shape kShape = shape_of<cfg::Ci>();

struct Param {
  const char* name;
  HeadSpec spec;
  StallProfile stall;
};
void PrintTo(const Param& p, std::ostream* os) { *os << p.name; }

class AttnTop : public HycimTestP<Param> {
 protected:
  golden::Rng stall_rng_{golden::splitmix64(seed() ^ 0x5354ull)};
};

TEST_P(AttnTop, HeadMatchesGolden) {
  const auto& p = GetParam();
  stall_rng_ = golden::Rng(golden::splitmix64(seed() ^ 0x5354ull));
  AttnBench<Dut> b(harness_options(), log(), stall_rng_, p.stall, kShape);
  const Head hd = random_head(rng(), kShape, p.spec, seed());
  if (!hd.cfg.dense) b.set_chips(hd.map_q, hd.map_k, {});
  const HeadStats st = run_head(b, kShape, hd, log());
  EXPECT_TRUE(b.finish_all());
  uint64_t compared = 0;
  for (const auto& t : b.tallies()) {
    EXPECT_EQ(t.compared, t.expected) << t.name;
    EXPECT_EQ(t.mismatches, 0u) << t.name;
    compared += t.compared;
    fmt::print("  {:<20} {:>6} compared, {} mismatches\n", t.name, t.compared, t.mismatches);
  }
  EXPECT_GT(compared, 0u);
  fmt::print("S {} k {} {}{}: {} cycles (K encode {}, rows {}), QK rows read {}, stalls {}\n",
             hd.cfg.seq_len, hd.cfg.topk, hd.cfg.dense ? "dense" : "sparse",
             hd.cfg.causal ? " causal" : "", st.cycles, st.kenc, st.rows_cycles, st.qk_rows,
             st.qk_stalls);
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(
    Heads, AttnTop,
    ::testing::Values(
        Param{"sparse_bidir", {.density = 0.25}, StallProfile::none()},
        Param{"sparse_bidir_random", {.seq_len = 40, .density = 1.0 / 3}, StallProfile::random()},
        Param{"sparse_causal_forced",
              {.density = 0.25, .causal = true, .force_first = true, .force_diag = true},
              StallProfile::none()},
        Param{"sparse_causal_heavy",
              {.seq_len = 24, .density = 0.125, .causal = true},
              StallProfile::heavy()},
        Param{
            "match_mode", {.seq_len = 48, .density = 0.25, .match = true}, StallProfile::random()},
        Param{"narrow_head",
              {.seq_len = 32, .density = 0.25, .head_dim = 32},
              StallProfile::random()},
        Param{"dense_bidir", {.dense = true}, StallProfile::none()},
        Param{"dense_causal_random",
              {.seq_len = 37, .dense = true, .causal = true},
              StallProfile::random()},
        Param{"k_equals_s", {.seq_len = 16, .density = 1.0}, StallProfile::random()},
        Param{"one_token", {.seq_len = 1, .density = 1.0}, StallProfile::none()}),
    param_name);

// The random-head generator only builds legal configurations: every start of the random tests
// and the attn scenario expects ERR = 0. A head of one token with both forced-keep enables once
// asked for TOPK 1 < 2 enables (KForced), which only the nightly regression's seeds reached.
TEST(AttnTopStimulus, RandomHeadsAreLegalConfigurations) {
  golden::Rng rng(7);
  for (const uint32_t s : {1u, 2u, 3u, kShape.seq_max}) {
    for (int flags = 0; flags < 4; ++flags) {
      for (const bool dense : {false, true}) {
        HeadSpec hs;
        hs.seq_len = s;
        hs.dense = dense;
        hs.density = 0.125;
        hs.force_first = (flags & 1) != 0;
        hs.force_diag = (flags & 2) != 0;
        const Head hd = random_head(rng, kShape, hs, 11);
        EXPECT_EQ(golden::attn_config_errors(hd.cfg, kShape.build(), true), 0u)
            << "S " << s << " force_first " << hs.force_first << " force_diag " << hs.force_diag
            << " dense " << dense << ": TOPK " << hd.cfg.topk;
        EXPECT_GE(hd.cfg.topk, 1u);
      }
    }
  }
}

class AttnTopDirected : public HycimTest {
 protected:
  golden::Rng stall_rng_{1};
};

// Heads back to back on one bench: the second head sees nothing of the first.
TEST_F(AttnTopDirected, HeadsBackToBack) {
  AttnBench<Dut> b(harness_options(), log(), stall_rng_, StallProfile::random(), kShape);
  const HeadSpec specs[] = {{.seq_len = 20, .density = 0.25},
                            {.seq_len = 33, .dense = true, .causal = true},
                            {.seq_len = 17, .density = 0.5, .causal = true, .force_diag = true}};
  for (const auto& hs : specs) {
    const Head hd = random_head(rng(), kShape, hs, seed());
    if (!hd.cfg.dense) b.set_chips(hd.map_q, hd.map_k, {});
    run_head(b, kShape, hd, log());
  }
  EXPECT_TRUE(b.finish_all());
  EXPECT_GT(b.sb_out.compared(), 0u);
}

// The cycle model (golden/attention/attn_cycles.h) against the RTL's CYC_KENC, CYC_ROWS and
// CYCLES: random heads (sparse and dense, causal, match mode, forced keeps, narrower heads, short
// race timeouts, several S and k), the output always ready; the model gets each run's race
// lengths (the WTA results of the crossbar responders) and kept indices. Simulated cycles, not
// wall time: the comparison is deterministic for a seed.
TEST_F(AttnTopDirected, CycleModelMatchesRegisters) {
  AttnBench<Dut> b(harness_options(), log(), stall_rng_, StallProfile::none(), kShape);
  const golden::AttnCycleBuild cb{kShape.encoders,          kShape.banks,   kShape.rel_lanes,
                                  cfg::Ci::kSramQueueDepth, kShape.seq_max, kShape.dim,
                                  kShape.sm_lanes};
  constexpr int kHeads = 60;
  uint64_t max_dev = 0, max_dev_free = 0;
  double sum_dev = 0, sum_dev_free = 0;
  int n = 0;
  for (int h = 0; h < kHeads && log().ok(); ++h) {
    HeadSpec hs;
    const uint32_t sizes[] = {1, 2, 5, 8, 16, 23, 32, 40, 57, 64};
    hs.seq_len = sizes[static_cast<size_t>(rng().uniform_int(0, 9))];
    hs.dense = h % 4 == 3;
    hs.causal = rng().bernoulli(0.5);
    hs.match = !hs.dense && rng().bernoulli(0.3);
    hs.force_first = rng().bernoulli(0.2);
    hs.force_diag = rng().bernoulli(0.2);
    const double dens[] = {0.125, 0.25, 1.0 / 3, 0.5, 1.0};
    hs.density = dens[static_cast<size_t>(rng().uniform_int(0, 4))];
    if (rng().bernoulli(0.2)) hs.head_dim = kShape.dim / 2;
    if (!hs.dense && rng().bernoulli(0.2))
      hs.enc_tmax = static_cast<uint32_t>(40 + rng().uniform_int(0, 100));
    const Head hd = random_head(rng(), kShape, hs, seed() + static_cast<uint64_t>(h));
    if (!hd.cfg.dense) b.set_chips(hd.map_q, hd.map_k, {});
    const HeadStats st = run_head(b, kShape, hd, log());
    golden::AttnCycleInput in;
    if (!hd.cfg.dense) {
      in.k_race = b.race_ticks[1];
      in.q_race = b.race_ticks[0];
    }
    const golden::AttnCyclePrediction free = golden::attn_cycles(hd.cfg, cb, in);
    for (const auto& r : b.rows()) in.kept.push_back(r.kept);
    const golden::AttnCyclePrediction pr = golden::attn_cycles(hd.cfg, cb, in);
    auto dev = [](uint64_t x, uint64_t y) { return x > y ? x - y : y - x; };
    const uint64_t d =
        std::max({dev(pr.kenc, st.kenc), dev(pr.rows, st.rows_cycles), dev(pr.cycles, st.cycles)});
    const uint64_t df = std::max(
        {dev(free.kenc, st.kenc), dev(free.rows, st.rows_cycles), dev(free.cycles, st.cycles)});
    fmt::print(
        "  head {:>2}: S {:>2} k {:>2} {}{}{}  RTL {:>5} ({:>5}, {:>5})  model {:>5} ({:>5}, "
        "{:>5})  conflict-free {:>5}  stalls RTL/model rel {}/{} kept {}/{} score {}/{} prob "
        "{}/{} qk {}/{}\n",
        h, hd.cfg.seq_len, hd.cfg.topk, hd.cfg.dense ? "dense " : "sparse",
        hd.cfg.causal ? " causal" : "       ", hd.cfg.match ? " match" : "      ", st.cycles,
        st.kenc, st.rows_cycles, pr.cycles, pr.kenc, pr.rows, free.cycles, st.rel_stalls,
        pr.rel_stalls, st.kept_stalls, pr.kept_stalls, st.score_stalls, pr.score_stalls,
        st.prob_stalls, pr.prob_stalls, st.qk_stalls, pr.qk_stalls);
    const uint64_t ds =
        std::max({dev(pr.rel_stalls, st.rel_stalls), dev(pr.kept_stalls, st.kept_stalls),
                  dev(pr.score_stalls, st.score_stalls), dev(pr.prob_stalls, st.prob_stalls),
                  dev(pr.qk_stalls, st.qk_stalls), dev(pr.av_stalls, st.av_stalls)});
    EXPECT_LE(ds, golden::kAttnCycleBound) << "head " << h << ": a stall counter differs";
    EXPECT_LE(d, golden::kAttnCycleBound)
        << "head " << h << ": CYC_KENC " << st.kenc << " vs " << pr.kenc << ", CYC_ROWS "
        << st.rows_cycles << " vs " << pr.rows << ", CYCLES " << st.cycles << " vs " << pr.cycles;
    max_dev = std::max(max_dev, d);
    max_dev_free = std::max(max_dev_free, df);
    sum_dev += static_cast<double>(d);
    sum_dev_free += static_cast<double>(df);
    ++n;
  }
  EXPECT_TRUE(b.finish_all());
  EXPECT_EQ(n, kHeads);
  fmt::print(
      "cycle model vs RTL over {} heads (largest of the three registers per head): max {} "
      "cycles, mean {:.2f}; without the kept indices (conflict-free engines): max {}, mean "
      "{:.2f}\n",
      n, max_dev, sum_dev / std::max(n, 1), max_dev_free, sum_dev_free / std::max(n, 1));
}

// A non-ideal chip: the codes follow the crossbar model (compared with golden::wta of its own
// ticks), and everything after the codes follows the golden head on those codes.
TEST_F(AttnTopDirected, NonIdealChip) {
  AttnBench<Dut> b(harness_options(), log(), stall_rng_, StallProfile::random(), kShape);
  const Head hd = random_head(rng(), kShape, {.seq_len = 32, .density = 0.25}, seed());
  sim::AnalogParams ap;
  ap.prog_sigma = 0.02;
  ap.read_sigma = 0.01;
  ap.chip_seed = seed();
  ap.run_seed = seed() + 1;
  b.set_chips(hd.map_q, hd.map_k, ap);
  run_head(b, kShape, hd, log());
  EXPECT_TRUE(b.finish_all());
  EXPECT_GT(b.sb_code.compared(), 0u);
}

// Every illegal configuration sets its ERR bit, raises DONE and takes no input.
TEST_F(AttnTopDirected, IllegalConfigurationsSetErr) {
  AttnBench<Dut> b(harness_options(), log(), stall_rng_, StallProfile::none(), kShape);
  const Head base = random_head(rng(), kShape, {.seq_len = 16, .density = 0.25}, seed());
  b.load_tables(base.tables);
  struct Case {
    const char* what;
    std::function<void(golden::AttnConfig&)> edit;
    uint32_t err;
  };
  const Case cases[] = {
      {"S = 0", [](auto& c) { c.seq_len = 0; }, R::kErrLenZero | R::kErrKTooBig},
      {"S > SEQ_MAX", [](auto& c) { c.seq_len = kShape.seq_max + 1; }, R::kErrLenTooBig},
      {"k = 0", [](auto& c) { c.topk = 0; }, R::kErrKZero},
      {"k > S", [](auto& c) { c.topk = c.seq_len + 1; }, R::kErrKTooBig},
      {"k below the forced keeps",
       [](auto& c) {
         c.topk = 1;
         c.force_first = c.force_diag = true;
       },
       R::kErrKForced},
      {"HEAD_DIM not a multiple", [](auto& c) { c.head_dim = 12; }, R::kErrDimBad},
      {"HEAD_DIM > D", [](auto& c) { c.head_dim = kShape.dim + 8; }, R::kErrDimBad},
      {"ENC_SHIFT > 7", [](auto& c) { c.enc_shift = 8; }, R::kErrEncShiftTooBig},
      {"ENC_TMAX = 0", [](auto& c) { c.enc_tmax = 0; }, R::kErrEncTmaxBad},
      {"ENC_TMAX > 2^TW-1", [](auto& c) { c.enc_tmax = 1u << kShape.tick_width; },
       R::kErrEncTmaxBad},
      {"SM_SHIFT > 47", [](auto& c) { c.sm_shift = 48; }, R::kErrShiftTooBig},
      {"AV_SHIFT > 47", [](auto& c) { c.av_shift = 48; }, R::kErrShiftTooBig},
  };
  for (const auto& cs : cases) {
    golden::AttnConfig c = base.cfg;
    cs.edit(c);
    EXPECT_EQ(golden::attn_config_errors(c, kShape.build(), true), cs.err) << cs.what;
    b.configure(c);
    b.apb.write_ok(R::kCtrl, 1);
    b.h.step(4);
    EXPECT_EQ(b.apb.read_ok(R::kErr), cs.err) << cs.what;
    EXPECT_EQ(b.apb.read_ok(R::kStatus), uint32_t{R::kStatusDoneMask}) << cs.what;
    EXPECT_EQ(b.h.dut().in_ready_o, 0) << cs.what;
  }
  // MODE with a reserved bit
  b.configure(base.cfg);
  b.apb.write_ok(R::kMode, 1u << 5);
  b.apb.write_ok(R::kCtrl, 1);
  b.h.step(4);
  EXPECT_EQ(b.apb.read_ok(R::kErr), uint32_t{R::kErrBadMode});
  // Tables: a fresh TBL_ADDR write clears LOADED, so a table-mode start is refused ...
  b.configure(base.cfg);
  b.apb.write_ok(R::kTblAddr, 0);
  EXPECT_EQ(b.apb.read_ok(R::kTblStatus) & R::kTblStatusLoadedMask, 0u);
  b.apb.write_ok(R::kCtrl, 1);
  b.h.step(4);
  EXPECT_EQ(b.apb.read_ok(R::kErr), uint32_t{R::kErrTablesNotLoaded});
  // ... while match mode and dense mode need none.
  golden::AttnConfig dc = base.cfg;
  dc.dense = true;
  EXPECT_EQ(golden::attn_config_errors(dc, kShape.build(), false), 0u);
  // A head after all of this still runs and matches.
  const Head hd = random_head(rng(), kShape, {.seq_len = 12, .density = 0.25}, seed() + 7);
  b.set_chips(hd.map_q, hd.map_k, {});
  run_head(b, kShape, hd, log());
  EXPECT_TRUE(b.finish_all());
}

// ---- Reset in the middle of a run (issue 13, item 5; docs/conventions.md, "Reset in the middle
// of a run"): a head of random data under back-pressure, the crossbar models answering the
// encoders, is interrupted early (K encoding), mid-way through its output rows, or while an
// output row is held. The races in flight are dropped, no output, observation port, crossbar
// evaluation or done rises while rst_ni is low and after it, every register reads its reset
// value (the relevance tables are gone: LOADED reads 0), and the next head (new data, tables
// loaded again) matches the golden model in every tensor, with counters of that head only.

class AttnReset : public HycimTestP<ResetPoint> {
 protected:
  golden::Rng stall_rng_{golden::splitmix64(seed() ^ 0x5354ull)};
};

TEST_P(AttnReset, MidOperation) {
  stall_rng_ = golden::Rng(golden::splitmix64(seed() ^ 0x5354ull));
  AttnBench<Dut> b(harness_options(), log(), stall_rng_, StallProfile::random(), kShape);
  auto& d = b.h.dut();
  const uint32_t nxb = kShape.encoders;
  QuietMonitor quiet(log(), {{"out_valid_o", [&] { return d.out_valid_o != 0; }},
                             {"done_o", [&] { return d.done_o != 0; }},
                             {"xb_eval_o", [&] { return port_bits(d.xb_eval_o, 0, nxb) != 0; }}});
  b.h.add(quiet);
  const auto power_on = read_registers(b.apb, R::kRegisters);
  std::deque<Head> heads;  // alive while the bench may look at them
  auto spec = [&](uint32_t min_len, bool dense_ok) {
    HeadSpec hs;
    hs.seq_len = static_cast<uint32_t>(rng().uniform_int(min_len, kShape.seq_max));
    hs.dense = dense_ok && rng().bernoulli(0.25);
    hs.causal = rng().bernoulli(0.5);
    hs.match = !hs.dense && rng().bernoulli(0.25);
    hs.force_first = rng().bernoulli(0.25);
    hs.force_diag = rng().bernoulli(0.25);
    const double dens[] = {0.125, 0.25, 1.0 / 3};
    hs.density = dens[rng().uniform_int(0, 2)];
    return hs;
  };
  for (int round = 0; round < 3 && log().ok(); ++round) {
    const Head& a = heads.emplace_back(random_head(rng(), kShape, spec(8, false), seed() + round));
    b.set_chips(a.map_q, a.map_k, {});
    if (!a.cfg.match) b.load_tables(a.tables);
    const uint64_t c0 = b.sb_out.compared();
    b.start(a);
    const uint64_t S = a.cfg.seq_len;
    const std::string where =
        run_to_reset_point(b.h, GetParam(), rng(),
                           {.received = [&] { return b.sb_out.compared() - c0; },
                            .beats = S,
                            .out_valid = [&] { return d.out_valid_o != 0; },
                            .pause_sink = [&](bool p) { b.sink.pause(p); },
                            .limit = 4000 + S * (a.cfg.enc_tmax + 64) * 2 + S * S * 8});
    const auto hold = static_cast<unsigned>(rng().uniform_int(1, 5));
    fmt::print("[  reset   ] round {}: S {} k {}: {}; rst_ni low for {} cycles\n", round, S,
               a.cfg.topk, where, hold);
    SCOPED_TRACE(fmt::format("round {}: reset {}", round, where));
    b.h.reset_mid_run(hold);
    b.sink.pause(false);
    EXPECT_EQ(d.in_ready_o, 0) << "idle after reset: no row taken";
    EXPECT_EQ(expect_reset_values(b.apb, R::kRegisters, power_on, log()), R::kRegisters.size());
    EXPECT_EQ(b.apb.read_ok(R::kTblStatus) & R::kTblStatusLoadedMask, 0u) << "tables survived";
    EXPECT_EQ(b.apb.read_ok(R::kRowsOut), 0u) << "counters restart from zero";
    b.h.step(static_cast<uint64_t>(rng().uniform_int(0, 10)));

    // The next head: tables loaded again (run_head), every tensor compared, counters of it only.
    // At least two tokens: a head of one token with both forced keeps would ask for TOPK 1 below
    // its two enables (an ERR class, not a mid-run reset matter).
    const Head& f =
        heads.emplace_back(random_head(rng(), kShape, spec(2, true), seed() + 10 + round));
    if (!f.cfg.dense) b.set_chips(f.map_q, f.map_k, {});
    const uint64_t out0 = b.sb_out.compared();
    quiet.release();
    const uint64_t t0 = b.h.cycle();
    const HeadStats st = run_head(b, kShape, f, log());
    const uint64_t busy_max = b.h.cycle() - t0;
    ASSERT_TRUE(b.h.run_until([&] { return b.sb_out.pending() == 0; }, 100, "last output row"));
    EXPECT_EQ(b.sb_out.compared() - out0, f.cfg.seq_len) << "every row of the head after the reset";
    EXPECT_LE(st.cycles, busy_max) << "CYCLES counts only the head after the reset";
    for (const auto& t : b.tallies()) EXPECT_EQ(t.mismatches, 0u) << t.name;
  }
  EXPECT_TRUE(b.finish_all());
  EXPECT_EQ(b.h.mid_resets(), 3u);
  EXPECT_GT(quiet.checked(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Point, AttnReset, ::testing::ValuesIn(kResetPoints),
                         reset_point_name<::testing::TestParamInfo<ResetPoint>>);

}  // namespace
}  // namespace hycim::tb
