// sram_cim in the ci configuration: random K / V, random rows of ascending kept indices as
// topk_select emits them, both engines at once under random valid gaps and back-pressure, every
// score beat and every AV output row compared with the golden model; the output cycle of every
// beat and the counters against the golden cycle model when nothing stalls; bank-conflict
// bursts, empty beats and a random initial state.
#include "Vsram_cim_ci.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "mid_reset.h"
#include "sram_cim_bench.h"

namespace hycim::tb {
namespace {

using namespace sram;
using Bench = SramBench<Vsram_cim_ci, cfg::Ci>;
constexpr uint32_t kS = Bench::kS, kB = Bench::kB, kDim = Bench::kDim;

// A random k and a kept set of k indices (sometimes fewer: fewer valid keys than k).
std::vector<uint32_t> random_row(golden::Rng& rng, uint32_t* k) {
  *k = static_cast<uint32_t>(rng.uniform_int(1, kS));
  const uint32_t n = rng.bernoulli(0.75) ? *k : static_cast<uint32_t>(rng.uniform_int(0, *k));
  return random_kept(rng, kS, n);
}

void check_counters(Bench& b) {
  auto& d = b.h.dut();
  EXPECT_EQ(d.cnt_qk_rows_o, b.qk_lanes);
  EXPECT_EQ(d.cnt_av_rows_o, b.av_lanes);
  EXPECT_EQ(d.cnt_qk_macs_o, b.qk_lanes * kDim);
  EXPECT_EQ(d.cnt_av_macs_o, b.av_lanes * kDim);
}

class SramCim : public HycimTestP<StallProfile> {};

TEST_P(SramCim, RandomRowsOnBothEnginesMatchGolden) {
  Bench b(harness_options(), log(), rng(), GetParam());
  b.configure(static_cast<uint32_t>(rng().uniform_int(1, 0xFFFF)),
              static_cast<uint32_t>(rng().uniform_int(18, 34)));
  b.write_rows(rng(), 0, 0, kS);
  b.write_rows(rng(), 1, 0, kS);
  for (int phase = 0; phase < 3 && log().ok(); ++phase) {
    if (phase) {  // rewrite part of both arrays between batches
      const auto lo = static_cast<uint32_t>(rng().uniform_int(0, kS - 1));
      b.write_rows(rng(), 0, lo, kS);
      b.write_rows(rng(), 1, 0, lo + 1);
    }
    for (int r = 0; r < 12; ++r) {
      uint32_t k = 0;
      auto kept = random_row(rng(), &k);
      b.qk_row(rng(), kept, k);
      kept = random_row(rng(), &k);
      b.av_row(rng(), kept, k, r % 2 == 0);
    }
    ASSERT_TRUE(b.drain(200000));
  }
  EXPECT_TRUE(b.qk_sb.finish());
  EXPECT_TRUE(b.av_sb.finish());
  EXPECT_EQ(b.qk_sb.compared(), b.qk_sb.expected_total());
  EXPECT_EQ(b.av_sb.compared(), 36u);
  check_counters(b);
  fmt::print("{} score beats, {} output rows compared; cycles {}\n", b.qk_sb.compared(),
             b.av_sb.compared(), b.h.cycle());
}

std::string stall_param_name(const ::testing::TestParamInfo<StallProfile>& p) {
  return p.param.name;
}

INSTANTIATE_TEST_SUITE_P(Stall, SramCim,
                         ::testing::Values(StallProfile::none(), StallProfile::random(),
                                           StallProfile::heavy()),
                         stall_param_name);

class SramCimDirected : public HycimTest {};

// Nothing stalls: every output beat comes out in the cycle the golden model gives, and the
// counters are the model's, for both engines running at once.
TEST_F(SramCimDirected, OutputCyclesAndCountersEqualTheCycleModel) {
  Bench b(harness_options(), log(), rng(), StallProfile::none());
  b.configure(0x1234, 20);
  b.write_rows(rng(), 0, 0, kS);
  b.write_rows(rng(), 1, 0, kS);
  // Rounds 0, 1: full rows; 2: fewer kept than k; 3: every row in one bank (the queues fill).
  for (int round = 0; round < 4 && log().ok(); ++round) {
    b.clear_counters();
    b.qk_out_cycle.clear();
    b.av_out_cycle.clear();
    std::vector<golden::SramBeat> qk, av;
    const uint32_t ks[] = {kS / 8, kS / 4, kS / 3, kS, 1, kS / 4};
    for (uint32_t k : ks) {
      const uint32_t n = round == 2 ? static_cast<uint32_t>(rng().uniform_int(0, k)) : k;
      auto kq = random_kept(rng(), kS, n), ka = random_kept(rng(), kS, n);
      if (round == 3) {
        kq.clear();
        ka.clear();
        for (uint32_t j = k % kB; j < kS && kq.size() < k; j += kB) kq.push_back(j);
        ka = kq;
      }
      for (auto& x : b.qk_row(rng(), kq, k)) qk.push_back(x);
      for (auto& x : b.av_row(rng(), ka, k, false)) av.push_back(x);
    }
    const uint64_t c0 = b.h.cycle();
    ASSERT_TRUE(b.drain(100000));
    if (round == 3) {
      EXPECT_GT(b.h.dut().cnt_qk_stall_o, 0u);
    }
    golden::SramTimingConfig c;
    c.banks = kB;
    c.queue_depth = Bench::kQd;
    c.dim = kDim;
    c.engine = golden::SramEngine::kQk;
    const auto tq = golden::sram_cim_cycles(c, qk);
    c.engine = golden::SramEngine::kAv;
    const auto ta = golden::sram_cim_cycles(c, av);
    ASSERT_EQ(b.qk_out_cycle.size(), tq.out.size());
    ASSERT_EQ(b.av_out_cycle.size(), ta.out.size());
    for (size_t i = 0; i < tq.out.size(); ++i) {
      EXPECT_EQ(b.qk_out_cycle[i] - c0, tq.out[i]) << "QK beat " << i;
    }
    for (size_t i = 0; i < ta.out.size(); ++i) {
      EXPECT_EQ(b.av_out_cycle[i] - c0, ta.out[i]) << "AV row " << i;
    }
    auto& d = b.h.dut();
    EXPECT_EQ(d.cnt_qk_rows_o, tq.rows_read);
    EXPECT_EQ(d.cnt_qk_macs_o, tq.macs);
    EXPECT_EQ(d.cnt_qk_stall_o, tq.stall_cycles);
    EXPECT_EQ(d.cnt_qk_busy_o, tq.busy_cycles);
    EXPECT_EQ(d.cnt_av_rows_o, ta.rows_read);
    EXPECT_EQ(d.cnt_av_macs_o, ta.macs);
    EXPECT_EQ(d.cnt_av_stall_o, ta.stall_cycles);
    EXPECT_EQ(d.cnt_av_busy_o, ta.busy_cycles);
    fmt::print(
        "round {}: QK {} beats, {} busy cycles, {} stalls, utilization {:.3f}; AV {} rows, "
        "{} busy cycles, {} stalls, utilization {:.3f}\n",
        round, tq.out.size(), tq.busy_cycles, tq.stall_cycles, tq.utilization(kB, kDim),
        ta.out.size(), ta.busy_cycles, ta.stall_cycles, ta.utilization(kB, kDim));
  }
  EXPECT_TRUE(b.qk_sb.finish());
  EXPECT_TRUE(b.av_sb.finish());
}

// Every lane of many beats in one bank fills its queue (stalls), under back-pressure; then beats
// with no valid lane, rows of k = 1, and the largest outputs.
TEST_F(SramCimDirected, BankConflictBurstsAndEmptyBeats) {
  Bench b(harness_options(), log(), rng(), StallProfile::random());
  b.configure(0xFFFF, 0);  // every nonzero output saturates
  b.write_rows(rng(), 0, 0, kS);
  b.write_rows(rng(), 1, 0, kS);
  for (uint32_t bank = 0; bank < kB; ++bank) {
    std::vector<uint32_t> same;
    for (uint32_t j = bank; j < kS; j += kB) same.push_back(j);
    b.qk_row(rng(), same, static_cast<uint32_t>(same.size()));
    b.av_row(rng(), same, static_cast<uint32_t>(same.size()), true);
  }
  b.qk_row(rng(), {}, 3 * kB);        // three beats without a valid lane
  b.av_row(rng(), {}, 3 * kB, true);  // an output row of zeros
  b.qk_row(rng(), {5}, 1);
  b.av_row(rng(), {kS - 1}, 1, true);
  b.qk_row(rng(), {0, 1}, 2 * kB + 1);  // padding beats after the kept ones
  b.av_row(rng(), {2, kS - 1}, 2 * kB + 1, true);
  ASSERT_TRUE(b.drain(100000));
  EXPECT_GT(b.h.dut().cnt_qk_stall_o, 0u);
  EXPECT_GT(b.h.dut().cnt_av_stall_o, 0u);
  EXPECT_TRUE(b.qk_sb.finish());
  EXPECT_TRUE(b.av_sb.finish());
  check_counters(b);
}

TEST_F(SramCimDirected, CountersClearAndCountBusyCycles) {
  Bench b(harness_options(), log(), rng(), StallProfile::none());
  b.write_rows(rng(), 0, 0, kS);
  b.qk_row(rng(), {0, 1, 2, 3}, kB);
  ASSERT_TRUE(b.drain(100));
  EXPECT_EQ(b.h.dut().cnt_qk_rows_o, 4u);
  EXPECT_EQ(b.h.dut().cnt_qk_busy_o, 4u) << "taken in cycle 0, out in cycle 3";
  EXPECT_EQ(b.h.dut().cnt_av_busy_o, 0u);
  b.h.step(5);
  EXPECT_EQ(b.h.dut().cnt_qk_busy_o, 4u) << "idle cycles are not busy";
  b.clear_counters();
  EXPECT_EQ(b.h.dut().cnt_qk_rows_o, 0u);
  EXPECT_EQ(b.h.dut().cnt_qk_macs_o, 0u);
  EXPECT_EQ(b.h.dut().cnt_qk_busy_o, 0u);
  EXPECT_TRUE(b.qk_sb.finish());
}

// Queues, reorder slots and memories start random: after reset nothing of it may leak out.
TEST_F(SramCimDirected, RandomInitialStateIsHarmless) {
  HarnessOptions ho = harness_options();
  ho.rand_reset = 2;
  Bench b(ho, log(), rng(), StallProfile::random());
  b.configure(300, 22);
  b.write_rows(rng(), 0, 0, kS);
  b.write_rows(rng(), 1, 0, kS);
  for (int r = 0; r < 6; ++r) {
    uint32_t k = 0;
    auto kept = random_row(rng(), &k);
    b.qk_row(rng(), kept, k);
    b.av_row(rng(), kept, k, false);
  }
  ASSERT_TRUE(b.drain(100000));
  EXPECT_TRUE(b.qk_sb.finish());
  EXPECT_TRUE(b.av_sb.finish());
  check_counters(b);
}

// ---- Reset in the middle of a run (issue 13, item 5; docs/conventions.md, "Reset in the middle
// of a run"): QK and AV rows with random data on both engines under back-pressure are
// interrupted early, mid-way or while an output is held; no output is valid while rst_ni is low
// or after it, the counters read zero, and the rows of a fresh job (K, V, the AV scale and the
// requests all new) match the golden model exactly, with counters of that job only.

class SramReset : public HycimTestP<ResetPoint> {};

TEST_P(SramReset, MidOperation) {
  Bench b(harness_options(), log(), rng(), StallProfile::random());
  auto& d = b.h.dut();
  QuietMonitor quiet(log(), {{"qks_valid_o", [&] { return d.qks_valid_o != 0; }},
                             {"avo_valid_o", [&] { return d.avo_valid_o != 0; }}});
  b.h.add(quiet);
  auto job = [&](int rows) {
    b.configure(static_cast<uint32_t>(rng().uniform_int(1, 1000)),
                static_cast<uint32_t>(rng().uniform_int(0, 24)));
    b.write_rows(rng(), 0, 0, kS);
    b.write_rows(rng(), 1, 0, kS);
    uint64_t beats = 0;
    for (int r = 0; r < rows; ++r) {
      uint32_t k = 0;
      auto kept = random_row(rng(), &k);
      beats += b.qk_row(rng(), kept, k).size();
      b.av_row(rng(), kept, k, rng().bernoulli(0.3));
      ++beats;
    }
    return beats;
  };
  auto counters = [&] {
    return std::vector<uint64_t>{d.cnt_qk_rows_o,  d.cnt_qk_macs_o, d.cnt_qk_stall_o,
                                 d.cnt_qk_busy_o,  d.cnt_av_rows_o, d.cnt_av_macs_o,
                                 d.cnt_av_stall_o, d.cnt_av_busy_o};
  };
  for (int round = 0; round < 3 && log().ok(); ++round) {
    const uint64_t c0 = b.qk_sb.compared() + b.av_sb.compared();
    const uint64_t w0 = b.qk_sb.withdrawn() + b.av_sb.withdrawn();
    const uint64_t beats = job(static_cast<int>(rng().uniform_int(2, 6)));
    const std::string where = run_to_reset_point(
        b.h, GetParam(), rng(),
        {.received = [&] { return b.qk_sb.compared() + b.av_sb.compared() - c0; },
         .beats = beats,
         .out_valid = [&] { return d.qks_valid_o != 0 || d.avo_valid_o != 0; },
         .pause_sink =
             [&](bool p) {
               b.qk_sink.pause(p);
               b.av_sink.pause(p);
             },
         .limit = 200000});
    const auto hold = static_cast<unsigned>(rng().uniform_int(1, 5));
    fmt::print("[  reset   ] round {}: {}; rst_ni low for {} cycles\n", round, where, hold);
    SCOPED_TRACE(fmt::format("round {}: reset {}", round, where));
    b.h.reset_mid_run(hold);
    b.qk_sink.pause(false);
    b.av_sink.pause(false);
    EXPECT_EQ(b.qk_sb.compared() + b.av_sb.compared() - c0 +
                  (b.qk_sb.withdrawn() + b.av_sb.withdrawn() - w0),
              beats);
    EXPECT_EQ(counters(), std::vector<uint64_t>(8, 0)) << "counters restart from zero";
    b.h.step(static_cast<uint64_t>(rng().uniform_int(0, 10)));
    EXPECT_EQ(counters(), std::vector<uint64_t>(8, 0)) << "and stay there while idle";

    const uint64_t c1 = b.qk_sb.compared() + b.av_sb.compared();
    const uint64_t fresh = job(static_cast<int>(rng().uniform_int(1, 6)));
    quiet.release();
    ASSERT_TRUE(b.drain(200000)) << "the rows after the reset";
    EXPECT_EQ(b.qk_sb.compared() + b.av_sb.compared() - c1, fresh);
    EXPECT_EQ(b.qk_sb.mismatches() + b.av_sb.mismatches(), 0u);
    check_counters(b);
  }
  EXPECT_TRUE(b.qk_sb.finish());
  EXPECT_TRUE(b.av_sb.finish());
  EXPECT_EQ(b.h.mid_resets(), 3u);
  EXPECT_GT(quiet.checked(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Point, SramReset, ::testing::ValuesIn(kResetPoints),
                         reset_point_name<::testing::TestParamInfo<ResetPoint>>);

}  // namespace
}  // namespace hycim::tb
