// The sram_cim golden model: QK scores and AV rows against plain reference loops (the requant
// against exact double arithmetic), and the cycle model against hand-computed schedules and its
// limiting cases. The last test prints the utilization table of docs/attention/sram_cim.md.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "golden/attention/sram_cim.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "sram_cim_stimulus.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;
using tb::sram::random_kept;
using tb::sram::random_p;
using tb::sram::random_rows;

class SramCimGolden : public HycimTest {};

TEST_F(SramCimGolden, QkScoresMatchPlainLoops) {
  constexpr uint32_t kS = 64, kD = 64, kB = 4;
  uint64_t checked = 0;
  for (int trial = 0; trial < 50; ++trial) {
    const auto k = random_rows(rng(), kS, kD);
    std::vector<int8_t> q(kD);
    for (auto& x : q) x = static_cast<int8_t>(rng().uniform_int(-128, 127));
    std::vector<uint32_t> idx(kB);
    std::vector<uint8_t> valid(kB);
    for (uint32_t l = 0; l < kB; ++l) {
      idx[l] = static_cast<uint32_t>(rng().uniform_int(0, kS - 1));
      valid[l] = rng().bernoulli(0.8) ? 1 : 0;
    }
    const auto s = sram_qk_scores(q, k, idx, valid);
    ASSERT_EQ(s.size(), kB);
    for (uint32_t l = 0; l < kB; ++l) {
      long ref = 0;
      if (valid[l]) {
        for (uint32_t d = 0; d < kD; ++d)
          ref += static_cast<long>(q[d]) * k.data()[idx[l] * kD + d];
      }
      ASSERT_EQ(s[l], ref) << "trial " << trial << " lane " << l;
      ++checked;
    }
  }
  // Extremes: -128 * -128 in every element is the largest score.
  Tensor<int8_t> kmin({2, kD}, int8_t{-128});
  std::vector<int8_t> qmin(kD, -128), qmax(kD, 127);
  const std::vector<uint32_t> idx = {1, 0};
  const std::vector<uint8_t> valid = {1, 0};
  EXPECT_EQ(sram_qk_scores(qmin, kmin, idx, valid)[0], int32_t{kD} * 16384);
  EXPECT_EQ(sram_qk_scores(qmax, kmin, idx, valid)[0], -int32_t{kD} * 16256);
  EXPECT_EQ(sram_qk_scores(qmax, kmin, idx, valid)[1], 0) << "an invalid lane scores 0";
  EXPECT_GT(checked, 0u);
}

TEST_F(SramCimGolden, AvRowsMatchPlainLoopsAndExactRequant) {
  constexpr uint32_t kS = 64, kD = 64;
  uint64_t checked = 0, saturated = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const auto v = random_rows(rng(), kS, kD);
    const auto n = static_cast<uint32_t>(rng().uniform_int(0, kS));
    const auto kept = random_kept(rng(), kS, n);
    // Full-range p on up to 64 lanes: |acc| < 64 * 128 * 65536 = 2^29.
    std::vector<uint16_t> p(n);
    for (auto& x : p) x = static_cast<uint16_t>(rng().uniform_int(0, 0xFFFF));
    if (trial % 2) p = random_p(rng(), n);
    std::vector<uint8_t> valid(n);
    for (auto& x : valid) x = rng().bernoulli(0.9) ? 1 : 0;
    const auto mult = static_cast<uint32_t>(rng().uniform_int(0, 0xFFFF));
    const auto shift = static_cast<uint32_t>(rng().uniform_int(0, 47));
    const auto r = sram_av_row(v, kept, p, valid, mult, shift);
    ASSERT_EQ(r.acc.size(), kD);
    for (uint32_t d = 0; d < kD; ++d) {
      long long acc = 0;
      for (uint32_t i = 0; i < n; ++i) {
        if (valid[i]) acc += static_cast<long long>(p[i]) * v.data()[kept[i] * kD + d];
      }
      ASSERT_EQ(r.acc[d], acc) << "trial " << trial << " d " << d;
      // |acc * mult| < 2^45: the product, the division by 2^shift and the + 0.5 are exact in
      // double, so floor(x + 0.5) is the half-up rule exactly.
      const double x = static_cast<double>(acc) * mult / std::ldexp(1.0, static_cast<int>(shift));
      const double ref = std::min(127.0, std::max(-128.0, std::floor(x + 0.5)));
      saturated += (ref == 127.0 || ref == -128.0) ? 1 : 0;
      ASSERT_EQ(r.out[d], static_cast<int8_t>(ref)) << "trial " << trial << " d " << d;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
  EXPECT_GT(saturated, 0u) << "some outputs should saturate";
  EXPECT_LT(saturated, checked) << "and some not";
}

TEST_F(SramCimGolden, AvRefusesAnAccumulatorOutsideInt32AndBadConfig) {
  constexpr uint32_t kD = 4;
  Tensor<int8_t> v({300, kD}, int8_t{-128});
  std::vector<uint32_t> idx(300);
  for (uint32_t i = 0; i < 300; ++i) idx[i] = i;
  std::vector<uint16_t> p(300, 0xFFFF);
  std::vector<uint8_t> valid(300, 1);
  EXPECT_THROW(sram_av_row(v, idx, p, valid, 1, 0), Error) << "300 * -128 * 65535 < -2^31";
  // 256 lanes of the extreme product still fit.
  const auto r = sram_av_row(v, std::span(idx).first(256), std::span(p).first(256),
                             std::span(valid).first(256), 1, 0);
  EXPECT_EQ(r.acc[0], -256LL * 128 * 65535);
  EXPECT_EQ(r.out[0], -128);
  EXPECT_THROW(sram_av_row(v, idx, p, valid, 0x10000, 0), Error);
  EXPECT_THROW(sram_av_row(v, idx, p, valid, 1, 48), Error);
}

TEST_F(SramCimGolden, RowBeatsAreTopkBeats) {
  const std::vector<uint32_t> kept = {3, 9, 10, 40, 41};
  const auto b = sram_row_beats(kept, 7, 4);
  ASSERT_EQ(b.size(), 2u) << "ceil(7 / 4) beats whatever the number kept";
  EXPECT_EQ(b[0].idx, (std::vector<uint32_t>{3, 9, 10, 40}));
  EXPECT_EQ(b[0].valid, (std::vector<uint8_t>{1, 1, 1, 1}));
  EXPECT_EQ(b[1].idx, (std::vector<uint32_t>{41, 0, 0, 0}));
  EXPECT_EQ(b[1].valid, (std::vector<uint8_t>{1, 0, 0, 0}));
  EXPECT_FALSE(b[0].last);
  EXPECT_TRUE(b[1].last);
  EXPECT_EQ(sram_row_beats({}, 1, 4).size(), 1u) << "a row with nothing kept still has a beat";
  EXPECT_THROW(sram_row_beats(kept, 4, 4), Error);
}

// ---- Cycle model ---------------------------------------------------------------------------

SramBeat beat(std::vector<uint32_t> idx, std::vector<uint8_t> valid, bool last) {
  SramBeat b;
  b.idx = std::move(idx);
  b.valid = std::move(valid);
  b.last = last;
  return b;
}

SramTimingConfig cfg(SramEngine e, uint32_t banks, uint32_t qd) {
  SramTimingConfig c;
  c.engine = e;
  c.banks = banks;
  c.queue_depth = qd;
  c.dim = 64;
  return c;
}

TEST_F(SramCimGolden, CyclesHandComputedSmallCase) {
  // Banks 4, one beat {0, 4, 1, 2}: lanes 0 and 1 both in bank 0.
  const std::vector<SramBeat> s = {beat({0, 4, 1, 2}, {1, 1, 1, 1}, true)};
  // QueueDepth 1. Cycle 0: lane 0 into bank 0; lane 1 finds bank 0 full (stall). Cycle 1: bank 0
  // pops lane 0, so lane 1 goes, and lanes 2, 3 (banks 1, 2): the beat is taken. Cycle 2: lanes
  // 1..3 popped; lane 0 lands. Cycle 3: lanes 1..3 land. Cycle 4: the beat retires.
  auto t = sram_cim_cycles(cfg(SramEngine::kQk, 4, 1), s);
  EXPECT_EQ(t.accept, (std::vector<uint64_t>{1}));
  EXPECT_EQ(t.out, (std::vector<uint64_t>{4}));
  EXPECT_EQ(t.rows_read, 4u);
  EXPECT_EQ(t.macs, 4u * 64);
  EXPECT_EQ(t.stall_cycles, 1u);
  EXPECT_EQ(t.busy_cycles, 5u);
  EXPECT_EQ(t.end_cycle, 5u);
  // QueueDepth 2: both bank-0 lanes go in cycle 0, no stall; bank 0 pops lane 1 in cycle 2.
  t = sram_cim_cycles(cfg(SramEngine::kQk, 4, 2), s);
  EXPECT_EQ(t.accept, (std::vector<uint64_t>{0}));
  EXPECT_EQ(t.out, (std::vector<uint64_t>{4}));
  EXPECT_EQ(t.stall_cycles, 0u);
  EXPECT_EQ(t.busy_cycles, 5u);
  // AV: the row's last beat retires in cycle 4 into the output register, valid in cycle 5.
  t = sram_cim_cycles(cfg(SramEngine::kAv, 4, 1), s);
  EXPECT_EQ(t.out, (std::vector<uint64_t>{5}));
  EXPECT_EQ(t.busy_cycles, 6u);
  // Two beats, conflict-free: the second follows one cycle behind; a beat with no valid lane
  // retires the cycle after it is taken (if it is the oldest).
  const std::vector<SramBeat> s2 = {beat({0, 1, 2, 3}, {1, 1, 1, 1}, false),
                                    beat({4, 5, 0, 0}, {1, 1, 0, 0}, true),
                                    beat({0, 0, 0, 0}, {0, 0, 0, 0}, true)};
  t = sram_cim_cycles(cfg(SramEngine::kQk, 4, 1), s2);
  EXPECT_EQ(t.accept, (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_EQ(t.out, (std::vector<uint64_t>{3, 4, 5}));
  t = sram_cim_cycles(cfg(SramEngine::kAv, 4, 1), s2);
  EXPECT_EQ(t.out, (std::vector<uint64_t>{5, 6}));
  EXPECT_EQ(t.rows_read, 6u);
  // Input gaps: beat 1 arrives in cycle 10.
  const std::vector<uint64_t> arrive = {0, 10, 10};
  t = sram_cim_cycles(cfg(SramEngine::kQk, 4, 1), s2, arrive);
  EXPECT_EQ(t.accept, (std::vector<uint64_t>{0, 10, 11}));
  EXPECT_EQ(t.out, (std::vector<uint64_t>{3, 13, 14}));
  EXPECT_EQ(t.busy_cycles, 4u + 5u) << "cycles 0..3 and 10..14";
}

TEST_F(SramCimGolden, CyclesConflictFreeIsOneLanePerBankPerCycle) {
  for (uint32_t banks : {4u, 8u}) {
    for (uint32_t qd : {1u, 2u, 64u}) {
      std::vector<SramBeat> s;
      constexpr uint32_t kBeats = 40;
      for (uint32_t n = 0; n < kBeats; ++n) {
        std::vector<uint32_t> idx(banks);
        for (uint32_t l = 0; l < banks; ++l) idx[l] = (n * banks + l) % 512;
        s.push_back(beat(idx, std::vector<uint8_t>(banks, 1), n % 5 == 4 || n + 1 == kBeats));
      }
      const auto t = sram_cim_cycles(cfg(SramEngine::kQk, banks, qd), s);
      for (uint32_t n = 0; n < kBeats; ++n) {
        ASSERT_EQ(t.accept[n], n);
        ASSERT_EQ(t.out[n], n + 3);
      }
      EXPECT_EQ(t.stall_cycles, 0u);
      EXPECT_EQ(t.rob_full_cycles, 0u);
      EXPECT_EQ(t.busy_cycles, kBeats + 3);
      EXPECT_EQ(t.rows_read, uint64_t{kBeats} * banks);
    }
  }
}

TEST_F(SramCimGolden, CyclesOneBankIsOneLanePerCycle) {
  constexpr uint32_t kB = 4, kBeats = 10;
  for (uint32_t qd : {1u, 2u, 3u, 8u, 100u}) {
    std::vector<SramBeat> s;
    for (uint32_t n = 0; n < kBeats; ++n) {
      std::vector<uint32_t> idx(kB);
      for (uint32_t l = 0; l < kB; ++l) idx[l] = (n * kB + l) * kB;  // all in bank 0
      s.push_back(beat(idx, std::vector<uint8_t>(kB, 1), n + 1 == kBeats));
    }
    for (auto e : {SramEngine::kQk, SramEngine::kAv}) {
      const auto t = sram_cim_cycles(cfg(e, kB, qd), s);
      // Bank 0 pops one lane in each of cycles 1 .. 40; the last lands at the end of cycle 41.
      EXPECT_EQ(t.out.back(), uint64_t{kBeats} * kB + 2 + (e == SramEngine::kAv ? 1 : 0));
      EXPECT_EQ(t.rows_read, uint64_t{kBeats} * kB);
      if (qd == 1) {
        EXPECT_EQ(t.stall_cycles, uint64_t{kBeats} * (kB - 1));
      }
      if (qd >= kBeats * kB) {
        EXPECT_EQ(t.stall_cycles, 0u);
      }
      const uint64_t av = e == SramEngine::kAv ? 1 : 0;
      EXPECT_EQ(t.busy_cycles, uint64_t{kBeats} * kB + 3 + av);
      EXPECT_DOUBLE_EQ(t.utilization(kB, 64),
                       static_cast<double>(kBeats) / static_cast<double>(t.busy_cycles));
    }
  }
}

TEST_F(SramCimGolden, CyclesRandomStreamsKeepTheirInvariants) {
  for (int trial = 0; trial < 60; ++trial) {
    const uint32_t banks = trial % 2 ? 8 : 4, s_len = trial % 2 ? 512 : 64;
    const auto qd = static_cast<uint32_t>(rng().uniform_int(1, 8));
    std::vector<SramBeat> s;
    uint64_t lanes = 0;
    const auto rows = rng().uniform_int(1, 6);
    for (int r = 0; r < rows; ++r) {
      const auto k = static_cast<uint32_t>(rng().uniform_int(1, s_len));
      const auto kept = random_kept(rng(), s_len, static_cast<uint32_t>(rng().uniform_int(0, k)));
      lanes += kept.size();
      for (auto& b : sram_row_beats(kept, k, banks)) s.push_back(b);
    }
    for (auto e : {SramEngine::kQk, SramEngine::kAv}) {
      const auto t = sram_cim_cycles(cfg(e, banks, qd), s);
      ASSERT_EQ(t.rows_read, lanes);
      ASSERT_EQ(t.out.size(), e == SramEngine::kQk ? s.size() : static_cast<size_t>(rows));
      ASSERT_EQ(t.rob_full_cycles, 0u) << "RobDepth = QueueDepth + 3 never fills at full speed";
      for (size_t i = 1; i < t.out.size(); ++i) ASSERT_GT(t.out[i], t.out[i - 1]);
      for (size_t i = 1; i < t.accept.size(); ++i) ASSERT_GT(t.accept[i], t.accept[i - 1]);
      ASSERT_EQ(t.busy_cycles, t.end_cycle) << "no input gaps: busy from cycle 0 to the end";
      ASSERT_EQ(t.busy_cycles, t.out.back() + 1);
      ASSERT_LE(t.utilization(banks, 64), 1.0);
    }
  }
}

// ---- The utilization table of docs/attention/sram_cim.md ----------------------------------

double stream_utilization(Rng& rng, uint32_t s_len, uint32_t banks, uint32_t k, uint32_t qd,
                          uint32_t rows) {
  std::vector<SramBeat> s;
  for (uint32_t r = 0; r < rows; ++r) {
    for (auto& b : sram_row_beats(random_kept(rng, s_len, k), k, banks)) s.push_back(b);
  }
  return sram_cim_cycles(cfg(SramEngine::kQk, banks, qd), s).utilization(banks, 64);
}

TEST_F(SramCimGolden, UtilizationTable) {
  struct Conf {
    const char* name;
    uint32_t s, banks;
  };
  const Conf confs[] = {{"ci", cfg::Ci::kSeqLenMax, cfg::Ci::kSramBanks},
                        {"bert", cfg::Bert::kSeqLenMax, cfg::Bert::kSramBanks}};
  constexpr uint32_t kRows = 32;
  fmt::print("| config | k | QD 1 | QD 2 | QD 4 | QD 8 |\n|---|---|---|---|---|---|\n");
  for (const auto& c : confs) {
    for (uint32_t div : {8u, 4u, 3u, 1u}) {
      const uint32_t k = c.s / div;
      std::string line = fmt::format("| {} | {} = S/{} |", c.name, k, div);
      double prev = 0.0;
      for (uint32_t qd : {1u, 2u, 4u, 8u}) {
        Rng r(1234);  // the same index sets for every depth
        const double u = stream_utilization(r, c.s, c.banks, k, qd, kRows);
        EXPECT_GT(u, 0.0);
        EXPECT_LE(u, 1.0);
        EXPECT_GE(u, prev - 1e-9) << "a deeper queue never loses on the same index sets";
        prev = u;
        line += fmt::format(" {:.1f} % |", 100.0 * u);
      }
      fmt::print("{}\n", line);
    }
  }
}

}  // namespace
}  // namespace hycim::golden
