// The ERA-BS OU crossbar model (sim/bitsparse/ou_xbar.h):
//   - ideal mode answers every read of the golden OU schedule with the golden popcount: the layer
//     output equals the textbook matrix-vector product and the golden schedule's, and the model's
//     event counts equal the schedule's counters;
//   - the ISAAC-like mode (2-bit cells, 128 rows, 8-bit ADC) returns the exact weighted sum and
//     saturates, counted, above 255;
//   - each non-ideal effect on directed reads whose analog value is known by hand: HRS leakage,
//     ADC range and resolution, ADC offset, programming variation (static: the same chip seed
//     repeats it), read noise (dynamic: the run seed repeats it);
//   - on a layer, the output error grows with the programming sigma (once it beats the ADC's
//     rounding);
//   - bad parameters and reads outside the array are errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "erabs_stimulus.h"
#include "golden/bitsparse/compiler.h"
#include "golden/bitsparse/execute.h"
#include "golden/core/check.h"
#include "hycim_test.h"
#include "sim/bitsparse/ou_xbar.h"

namespace hycim::sim {
namespace {

using golden::CompiledLayer;
using tb::HycimTest;

class OuXbar : public HycimTest {};

TEST_F(OuXbar, IdealModeIsTheGoldenScheduleBitForBit) {
  uint64_t compared = 0;
  for (int trial = 0; trial < 16; ++trial) {
    const auto k = static_cast<uint32_t>(rng().uniform_int(1, 300));
    const auto n = static_cast<uint32_t>(rng().uniform_int(1, 200));
    const auto w = golden::random_weights(rng(), k, n, rng().uniform(0.0, 0.8));
    golden::CompileOptions o;
    o.squeeze = trial % 3 != 2;
    o.flip_budget = rng().uniform(0.0, 0.05);
    const auto L = golden::compile_layer(w, k, n, {}, o);
    LayerChip chip(L, {});
    const auto x = golden::random_acts(rng(), k, 127, 0.3, trial % 2 == 0);
    golden::ExecOptions eo;
    eo.prune_threshold = trial % 4 == 1 ? 20 : 0;
    const auto want = golden::execute_layer(L, x, eo);
    const auto got = golden::execute_layer(L, x, eo, chip.reader());
    SCOPED_TRACE(::testing::Message() << "trial " << trial << ": " << k << " x " << n);
    ASSERT_EQ(got.y, want.y);
    ASSERT_EQ(got.y, golden::matvec(L, want.x));
    const auto ev = chip.events();
    EXPECT_EQ(ev.reads, want.counters.issued);
    EXPECT_EQ(ev.adc_conversions, want.counters.adc_conversions);
    EXPECT_EQ(ev.adc_saturations, 0u);
    EXPECT_EQ(got.counters.max_code, want.counters.max_code);
    compared += got.y.size();
  }
  std::printf("%llu layer outputs compared\n", static_cast<unsigned long long>(compared));
}

// The ISAAC_LIKE layer on its chip: ideal reads are golden's codes, so the output is the
// textbook product of the uniform weights.
TEST_F(OuXbar, IsaacChipAnswersTheGoldenIsaacScheduleBitForBit) {
  const golden::ErabsGeometry g;
  const uint32_t k = 200, n = 40;
  auto w = golden::random_weights(rng(), k, n, 0.2);
  for (uint32_t r = 0; r < 128; ++r) w[size_t{r} * n] = 1.0f;  // column 0 of block 0 flips
  const auto L = golden::compile_isaac(w, k, n, g);
  ASSERT_NE(L.table[0].flip & 1u, 0u);
  IsaacChip chip(L, {});
  EXPECT_EQ(chip.size(), L.crossbars);
  const auto x = golden::random_acts(rng(), k, 127, 0.2, false);
  const auto got = golden::execute_isaac(L, x, chip.reader());
  EXPECT_EQ(got.y, golden::execute_isaac(L, x).y);
  EXPECT_EQ(got.y, golden::matvec(L.q, x));
}

TEST_F(OuXbar, IsaacLikeModeIsTheExactWeightedSumUpToTheTopCode) {
  OuCrossbar x(OuXbarParams::isaac_like());
  std::vector<uint8_t> levels(128 * 128);
  // Columns 64 and up hold levels 2 and 3: a dense input drives their sums over 255.
  for (size_t i = 0; i < levels.size(); ++i) {
    levels[i] = static_cast<uint8_t>(rng().uniform_int(i % 128 < 64 ? 0 : 2, 3));
  }
  x.program(0, 0, 128, 128, levels);
  std::vector<uint8_t> bits(128);
  std::vector<uint32_t> codes(128);
  uint64_t saturated = 0, exact = 0;
  for (int read = 0; read < 40; ++read) {
    const double p1 = read < 20 ? 0.3 : 0.95;
    for (auto& b : bits) b = rng().bernoulli(p1) ? 1 : 0;
    x.ou_read(0, 0, bits, codes);
    for (uint32_t c = 0; c < 128; ++c) {
      uint32_t sum = 0;
      for (uint32_t r = 0; r < 128; ++r) sum += bits[r] * levels[size_t{r} * 128 + c];
      ASSERT_EQ(codes[c], std::min(sum, 255u)) << "read " << read << ", column " << c;
      saturated += sum > 255;
      exact += sum <= 255;
    }
  }
  EXPECT_EQ(x.events().adc_saturations, saturated);
  EXPECT_GT(saturated, 0u);
  EXPECT_GT(exact, 0u);
  EXPECT_EQ(x.events().adc_conversions, 40u * 128);
  EXPECT_THROW(x.program(0, 0, 1, 1, std::vector<uint8_t>{4}), Error);
}

OuCrossbar small(OuXbarParams p, uint8_t level) {
  p.rows = 16;
  p.cols = 16;
  OuCrossbar x(p);
  x.program(0, 0, 16, 16, std::vector<uint8_t>(256, level));
  return x;
}

std::vector<uint32_t> read_all(OuCrossbar& x, uint32_t active_rows = 16) {
  std::vector<uint8_t> bits(16, 0);
  for (uint32_t r = 0; r < active_rows; ++r) bits[r] = 1;
  std::vector<uint32_t> codes(16);
  x.ou_read(0, 0, bits, codes);
  return codes;
}

TEST_F(OuXbar, EachEffectMovesTheCodesAsItsFormulaSays) {
  {  // HRS leakage: 16 off cells at 0.1 steps each read as 1.6 steps, code 2.
    OuXbarParams p;
    p.hrs_leak = 0.1;
    auto x = small(p, 0);
    for (auto c : read_all(x)) EXPECT_EQ(c, 2u);
    EXPECT_NEAR(x.last_current()[0], 1.6, 1e-12);
  }
  {  // ADC range: 62 steps at the top code 31, so 16 on cells read as code 8.
    OuXbarParams p;
    p.adc_range = 62;
    auto x = small(p, 1);
    for (auto c : read_all(x)) EXPECT_EQ(c, 8u);
  }
  {  // Resolution: a 4-bit ADC saturates 16 on cells at 15, 15 cells read exactly.
    OuXbarParams p;
    p.adc_bits = 4;
    auto x = small(p, 1);
    for (auto c : read_all(x)) EXPECT_EQ(c, 15u);
    EXPECT_EQ(x.events().adc_saturations, 16u);
    for (auto c : read_all(x, 15)) EXPECT_EQ(c, 15u);
    EXPECT_EQ(x.events().adc_saturations, 16u);
  }
  {  // ADC offset: static per bitline, the same in every read, a mean near 0 over bitlines.
    OuXbarParams p;
    p.adc_offset_sigma = 2.0;
    p.chip_seed = rng().next_u64();
    auto x = small(p, 1);
    const auto a = read_all(x, 8), b = read_all(x, 8);
    EXPECT_EQ(a, b);
    bool moved = false;
    for (auto c : a) moved = moved || c != 8u;
    EXPECT_TRUE(moved);
  }
  {  // Programming variation: static; the same chip seed repeats it, another one does not.
    OuXbarParams p;
    p.prog_sigma = 0.2;
    p.chip_seed = rng().next_u64();
    auto x1 = small(p, 1), x2 = small(p, 1);
    EXPECT_EQ(read_all(x1), read_all(x1));
    EXPECT_EQ(x1.last_current(), (read_all(x2), x2.last_current()));
    p.chip_seed += 1;
    auto x3 = small(p, 1);
    read_all(x1);
    read_all(x3);
    EXPECT_NE(x1.last_current(), x3.last_current());
    // Each bitline current is a sum of 16 cells of mean 1: within 6 sigma of 16.
    for (double i : x1.last_current()) EXPECT_NEAR(i, 16.0, 6 * 0.2 * 4.0);
  }
  {  // Read noise: dynamic; reads differ, the same run seed repeats the sequence.
    OuXbarParams p;
    p.read_sigma = 0.1;
    p.run_seed = rng().next_u64();
    auto x1 = small(p, 1), x2 = small(p, 1);
    read_all(x1);
    const auto first = x1.last_current();
    read_all(x1);
    EXPECT_NE(first, x1.last_current());
    read_all(x2);
    EXPECT_EQ(first, x2.last_current());
  }
}

TEST_F(OuXbar, LayerErrorGrowsWithProgrammingSigma) {
  const uint32_t k = 256, n = 64;
  const auto w = golden::random_weights(rng(), k, n, 0.2);
  const auto L = golden::compile_layer(w, k, n);
  const auto x = golden::random_acts(rng(), k, 127, 0.1, false);
  const auto exact = golden::matvec(L, x);
  double last = 0.0;
  const uint64_t chip_seed = rng().next_u64();
  for (const double sigma : {0.0, 0.02, 0.1, 0.3}) {
    OuXbarParams p;
    p.prog_sigma = sigma;
    p.chip_seed = chip_seed;
    LayerChip chip(L, p);
    const auto got = golden::execute_layer(L, x, {}, chip.reader());
    double num = 0.0, den = 0.0;
    for (uint32_t c = 0; c < n; ++c) {
      const double d = static_cast<double>(got.y[c] - exact[c]);
      num += d * d;
      den += static_cast<double>(exact[c]) * static_cast<double>(exact[c]);
    }
    const double rel = std::sqrt(num / den);
    std::printf("prog_sigma %.2f: relative output error %.4f\n", sigma, rel);
    // The ADC's rounding absorbs a small variation (16 cells of sigma 0.02 rarely move a code by
    // half an LSB), so the error may stay 0 at 0.02; from 0.1 on it grows strictly.
    if (sigma == 0.0) {
      EXPECT_EQ(rel, 0.0);
    } else if (sigma < 0.1) {
      EXPECT_GE(rel, last);
    } else {
      EXPECT_GT(rel, last);
    }
    last = rel;
  }
}

TEST_F(OuXbar, BadParametersAndReadsAreErrors) {
  auto bad = [](auto set) {
    OuXbarParams p;
    set(p);
    EXPECT_THROW(p.check(), Error);
    EXPECT_THROW(OuCrossbar{p}, Error);
  };
  bad([](OuXbarParams& p) { p.rows = 0; });
  bad([](OuXbarParams& p) { p.cell_bits = 3; });
  bad([](OuXbarParams& p) { p.adc_bits = 0; });
  bad([](OuXbarParams& p) { p.adc_bits = 17; });
  bad([](OuXbarParams& p) { p.prog_sigma = -0.1; });
  bad([](OuXbarParams& p) { p.read_sigma = NAN; });
  bad([](OuXbarParams& p) { p.hrs_leak = 2.0; });
  bad([](OuXbarParams& p) { p.adc_range = INFINITY; });
  OuXbarParams p;
  p.rows = 16;
  p.cols = 16;
  OuCrossbar x(p);
  std::vector<uint32_t> codes(16);
  EXPECT_THROW(x.ou_read(8, 0, std::vector<uint8_t>(16, 1), codes), Error);  // rows 8..23
  EXPECT_THROW(x.ou_read(0, 0, std::vector<uint8_t>(16, 2), codes), Error);  // not a bit
  EXPECT_THROW(x.program(0, 8, 16, 16, std::vector<uint8_t>(256, 0)), Error);
  EXPECT_THROW(x.program(0, 0, 16, 16, std::vector<uint8_t>(256, 2)), Error);  // 1-bit cells
  EXPECT_THROW(x.program(0, 0, 16, 16, std::vector<uint8_t>(10, 0)), Error);
  EXPECT_EQ(OuXbarParams{}.describe(), "ideal");
  EXPECT_EQ(p.describe(), "ideal");
}

}  // namespace
}  // namespace hycim::sim
