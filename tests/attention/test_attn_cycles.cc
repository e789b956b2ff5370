// The attn_top cycle model (golden/attention/attn_cycles.h) against textbook figures of its
// schedule: the programming sequence, K encoding as ceil(S / E) races per encoder, the dense row
// phase as S softmax slots of ceil(S / Banks) + 4 cycles, a sparse row phase at the rate of its
// slowest stage, and the directions every knob must move the figures in. (The model against the
// RTL itself: tests/attention/test_attn_top.cc, AttnTopDirected.CycleModelMatchesRegisters.)
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "golden/attention/attn_cycles.h"
#include "golden/attention/topk.h"
#include "golden/core/rng.h"

namespace hycim::golden {
namespace {

uint32_t cdiv(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

AttnCycleBuild bert(uint32_t e = 16) { return {e, 8, 32, 8, 512, 64, 0}; }

AttnConfig head(uint32_t s, uint32_t k, bool dense = false) {
  AttnConfig c;
  c.seq_len = s;
  c.topk = dense ? 1 : k;
  c.dense = dense;
  return c;
}

int64_t diff(uint64_t a, uint64_t b) { return static_cast<int64_t>(a) - static_cast<int64_t>(b); }

// Dense: S rows through a softmax of B = ceil(S / Banks) beats; each slot costs B + 4 cycles and a
// start of S rows takes S + 2 slots, so rows ~ (S + 2)(B + 4) for large S.
TEST(AttnCycles, DenseRowsAreSoftmaxSlots) {
  for (uint32_t s : {64u, 128u, 256u, 512u}) {
    const auto p = attn_cycles(head(s, 0, true), bert(), {});
    const uint64_t slot = cdiv(s, 8) + 4;
    const uint64_t expect = (s + 2) * slot;
    fmt::print("dense S {}: rows {} (textbook (S + 2)(ceil(S/8) + 4) = {}), cycles {}, kenc {}\n",
               s, p.rows, expect, p.cycles, p.kenc);
    EXPECT_EQ(p.kenc, 0u);
    EXPECT_LE(std::abs(diff(p.rows, expect)), static_cast<int64_t>(slot)) << s;
    EXPECT_EQ(p.rates.bound, "softmax");
    EXPECT_DOUBLE_EQ(p.rates.softmax, static_cast<double>(slot));
    // Programming: the softmax's four writes (8 cycles), then input from cycle 9.
    EXPECT_EQ(p.cfg_done, 9u);
    EXPECT_EQ(p.cycles, p.first_row + p.rows);
  }
}

// K encoding: after the programming (8 + 12 E cycles), token j goes to encoder j mod E; each
// encoder races ceil(S / E) tokens back to back at R + 3 cycles each, unless the single input
// stream (one token per cycle) is slower: then the last token comes S cycles after the first.
TEST(AttnCycles, KEncodeIsRacesPerEncoder) {
  for (uint32_t e : {1u, 4u, 16u, 64u}) {
    for (uint32_t r : {20u, 128u, 300u}) {
      const uint32_t s = 512;
      AttnCycleInput in;
      in.race = r;
      const auto p = attn_cycles(head(s, 64), bert(e), in);
      const uint64_t prog = 8 + 12 * e;
      const uint64_t expect =
          prog + std::max<uint64_t>(uint64_t{cdiv(s, e)} * (r + 3), s + r + 3 - e);
      EXPECT_EQ(p.cfg_done, prog + 1) << e;
      // The last encoder gets its first token E - 1 cycles after the first one, and a code
      // leaves a cycle after its race slot: a few cycles beyond the textbook figure.
      EXPECT_GE(diff(p.kenc, expect), 0) << "E " << e << " R " << r;
      EXPECT_LE(diff(p.kenc, expect), static_cast<int64_t>(e) + 4) << "E " << e << " R " << r;
      if (r == 128) {
        fmt::print("E {:>2} R {}: K encode {} (textbook 8 + 12E + ceil(S/E)(R+3) = {})\n", e, r,
                   p.kenc, expect);
      }
    }
  }
}

// Sparse, fast encoders: the row phase runs at the slowest stage's rate.
TEST(AttnCycles, SparseRowsRunAtTheBoundingStage) {
  for (uint32_t k : {64u, 128u, 171u, 256u}) {
    const uint32_t s = 512;
    AttnCycleInput in;
    in.race = 8;  // fast races: Q encoding never limits
    const auto p = attn_cycles(head(s, k), bert(64), in);
    const double tk = topk_cycles_per_row({cdiv(s, 32), cdiv(k, 8)});
    const double sm = cdiv(k, 8) + 4;
    const double bound = std::max(tk, sm);
    EXPECT_DOUBLE_EQ(p.rates.bound_cycles, bound);
    const double per_row = static_cast<double>(p.rows) / s;
    fmt::print("sparse S 512 k {}: {:.2f} cycles/row, bound {} at {}\n", k, per_row, p.rates.bound,
               bound);
    EXPECT_GE(per_row, bound);
    // Fill and drain: the first row's latency through every stage, a few slots.
    EXPECT_LE(per_row, bound + 3 * (bound + 40) / s + 0.5);
  }
}

// Slow Q encoding bounds the rows: each encoder gives a Q code every R + 3 cycles.
TEST(AttnCycles, SlowQEncodingBoundsTheRows) {
  AttnCycleInput in;
  in.race = 400;
  const uint32_t s = 512;
  const auto p = attn_cycles(head(s, 64), bert(8), in);
  EXPECT_EQ(p.rates.bound, "Q encode");
  const double per_row = static_cast<double>(p.rows) / s;
  EXPECT_NEAR(per_row, 403.0 / 8, 1.0);
}

// Directions: more encoders never slow a head; bank conflicts never speed one up; the gearbox
// never slows the row phase; the figures do not depend on anything random.
TEST(AttnCycles, Monotonic) {
  const uint32_t s = 256;
  uint64_t prev = ~0ull;
  for (uint32_t e : {2u, 4u, 8u, 16u, 32u}) {
    const auto p = attn_cycles(head(s, 64), bert(e), {});
    EXPECT_LE(p.cycles, prev) << e;
    prev = p.cycles;
  }
  // Every kept key in bank 0: one read per cycle instead of eight.
  AttnCycleInput in;
  for (uint32_t i = 0; i < s; ++i) {
    std::vector<uint32_t> kept;
    for (uint32_t j = 0; j < 64; ++j) kept.push_back(8 * j);
    in.kept.push_back(kept);
  }
  const auto free = attn_cycles(head(s, 64), bert(16), {});
  const auto conflict = attn_cycles(head(s, 64), bert(16), in);
  EXPECT_GT(conflict.rows, free.rows);
  EXPECT_GT(conflict.qk_stalls, 0u);
  EXPECT_EQ(free.qk_stalls, 0u);
  EXPECT_GE(diff(conflict.rows, s * 64), 0);  // 64 reads of one bank per row
  for (uint32_t k : {32u, 64u, 128u}) {
    auto b2 = bert(64);
    b2.sm_lanes = 16;
    AttnCycleInput fast;
    fast.race = 8;
    const auto one = attn_cycles(head(s, k), bert(64), fast);
    const auto two = attn_cycles(head(s, k), b2, fast);
    EXPECT_LE(two.rows, one.rows) << k;
    const auto dense1 = attn_cycles(head(s, 0, true), bert(), {});
    auto bd = bert();
    bd.sm_lanes = 16;
    const auto dense2 = attn_cycles(head(s, 0, true), bd, {});
    EXPECT_LT(dense2.rows, dense1.rows);
  }
  // Deterministic.
  const auto a = attn_cycles(head(s, 64), bert(), {});
  const auto b = attn_cycles(head(s, 64), bert(), {});
  EXPECT_EQ(a.cycles, b.cycles);
}

// A softmax of 2 x Banks lanes behind a 2:1 gearbox: its slot shrinks to B + 4 with B half as
// large, so the row runs near the Banks-lane streams' rate, one beat per cycle: ceil(S / Banks),
// plus the slot's boundary cycle and the rows whose first beat waits for the hand-off (the RTL
// measures 65.26 cycles per row dense at S = 512, as the model does).
TEST(AttnCycles, GearboxRunsAtTheBeatRate) {
  for (uint32_t s : {128u, 512u}) {
    auto b = bert();
    b.sm_lanes = 16;
    const auto p = attn_cycles(head(s, 0, true), b, {});
    const double per_row = static_cast<double>(p.rows) / s;
    fmt::print("dense S {} with 16 softmax lanes: {:.2f} cycles/row (beats per row {})\n", s,
               per_row, cdiv(s, 8));
    EXPECT_GE(per_row, cdiv(s, 8));
    EXPECT_LE(per_row, cdiv(s, 8) + 2.0);
    EXPECT_DOUBLE_EQ(p.rates.softmax, std::max(cdiv(s, 16) + 4, cdiv(s, 8)));
  }
}

// Per-token races: a head whose races are all R behaves as the constant-race head; one long race
// delays K encoding by about its excess.
TEST(AttnCycles, PerTokenRaces) {
  const uint32_t s = 128;
  AttnCycleInput c;
  c.race = 100;
  AttnCycleInput v;
  v.k_race.assign(s, 100);
  v.q_race.assign(s, 100);
  const auto pc = attn_cycles(head(s, 32), bert(), c);
  const auto pv = attn_cycles(head(s, 32), bert(), v);
  EXPECT_EQ(pc.cycles, pv.cycles);
  EXPECT_EQ(pc.kenc, pv.kenc);
  v.k_race[s - 1] = 600;
  const auto pl = attn_cycles(head(s, 32), bert(), v);
  EXPECT_EQ(diff(pl.kenc, pv.kenc), 500);
  // Causal and dense causal heads finish too.
  AttnConfig cc = head(s, 32);
  cc.causal = true;
  EXPECT_GT(attn_cycles(cc, bert(), c).cycles, 0u);
  cc = head(s, 0, true);
  cc.causal = true;
  EXPECT_GT(attn_cycles(cc, bert(), {}).cycles, 0u);
}

// The head model's SRAM-CIM engine (the one that takes back-pressure) against the engine's own
// golden schedule, golden::sram_cim_cycles (which tests/attention/test_sram_cim.cc checks against
// the RTL), on random streams full of bank conflicts: shallow queues, many keys in one bank,
// partial and empty beats. The RTL head test has no dispatch stalls in its builds (queue depth 8),
// so this is where the model's conflict path is checked.
TEST(AttnCycles, EngineMatchesTheSramCimSchedule) {
  Rng rng(0x5eed);
  uint64_t stalls = 0, beats_total = 0;
  for (int run = 0; run < 200; ++run) {
    SramTimingConfig c;
    c.engine = run % 2 ? SramEngine::kAv : SramEngine::kQk;
    c.banks = run % 3 == 0 ? 8 : 4;
    c.queue_depth = static_cast<uint32_t>(rng.uniform_int(1, 3));
    const auto n = static_cast<size_t>(rng.uniform_int(1, 40));
    const double hot = rng.uniform_int(0, 2) * 0.4;  // share of keys forced into bank 0
    std::vector<SramBeat> beats(n);
    for (size_t i = 0; i < n; ++i) {
      auto& b = beats[i];
      b.idx.assign(c.banks, 0);
      b.valid.assign(c.banks, 0);
      for (uint32_t l = 0; l < c.banks; ++l) {
        b.valid[l] = rng.bernoulli(0.8) ? 1 : 0;
        const auto key = static_cast<uint32_t>(rng.uniform_int(0, 255));
        b.idx[l] = rng.bernoulli(hot) ? key - key % c.banks : key;
      }
      b.last = i + 1 == n || rng.bernoulli(0.3);
    }
    const SramTiming g = sram_cim_cycles(c, beats);
    const SramTiming m = attn_engine_replay(c, beats);
    ASSERT_EQ(m.accept, g.accept) << "run " << run;
    ASSERT_EQ(m.out, g.out) << "run " << run;
    EXPECT_EQ(m.rows_read, g.rows_read) << "run " << run;
    EXPECT_EQ(m.stall_cycles, g.stall_cycles) << "run " << run;
    EXPECT_EQ(m.end_cycle, g.end_cycle) << "run " << run;
    stalls += g.stall_cycles;
    beats_total += n;
  }
  fmt::print("200 random engine streams, {} beats, {} dispatch-stall cycles: identical schedules\n",
             beats_total, stalls);
  EXPECT_GT(stalls, 100u);
}

}  // namespace
}  // namespace hycim::golden
