// The ERA-BS golden model (golden/bitsparse/) against independent references:
//   - the exponent levels against the binomial count and a scan of every integer;
//   - quantization against its error bound, and the dequantized layer output against the float
//     product within the textbook bound sum_r |x_r| s_c / 2 + s_x |w^_r| / 2;
//   - the bit-flip pass: OU occupancy recounted from the weights, no empty OU refilled, signs
//     kept, at most T bits per magnitude, the error within the budget, a budget of 0 changes no
//     error, more budget never stores more OUs, and at the stop every stored OU costs more than
//     the budget left (its cost recomputed here by a scan of every integer magnitude);
//   - squeeze-out: distinct slots, the crossbar count, the issue order;
//   - the ISAAC_LIKE baseline: its shift-add over 2-bit slices with the column flip encoding
//     equals the textbook product of the uniform weights, flipped columns exist when the levels
//     are large and keep every code within 3 * rows / 2, and no read is skipped;
//   - block pruning (PRUNE_LIKE): pruned blocks are zero and leave no OU in the table, the error
//     stays within the budget, the blocks pruned are the cheapest (recomputed here), and a
//     weight outside them keeps its quantized value;
//   - the OU schedule's shift-add output against the textbook matrix-vector product, on random
//     sizes that do not fill the last OU, with and without dynamic skipping and pruning, and the
//     counting rule (issued + static + dynamic = dense);
//   - tiling: the tiles of a layer cover it once and add up to its output and counters.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <set>
#include <tuple>
#include <vector>

#include "erabs_stimulus.h"
#include "golden/bitsparse/compiler.h"
#include "golden/bitsparse/execute.h"
#include "golden/bitsparse/isaac.h"
#include "golden/core/check.h"
#include "hycim_test.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;

class ErabsGolden : public HycimTest {};

uint64_t binomial(uint64_t n, uint64_t k) {
  uint64_t r = 1;
  for (uint64_t i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

TEST_F(ErabsGolden, ExponentLevelsAreEveryMagnitudeWithAtMostTBits) {
  for (uint32_t b = 1; b <= 9; ++b) {
    for (uint32_t t = 1; t <= b; ++t) {
      const auto lv = exponent_levels(b, t);
      uint64_t want = 0;
      for (uint32_t i = 0; i <= t; ++i) want += binomial(b, i);
      ASSERT_EQ(lv.size(), want) << "b = " << b << ", t = " << t;
      ASSERT_TRUE(std::is_sorted(lv.begin(), lv.end()));
      for (const auto m : lv) ASSERT_LE(static_cast<uint32_t>(std::popcount(m)), t);
    }
  }
  EXPECT_EQ(exponent_levels(7, 2).back(), 96u);
  EXPECT_EQ(exponent_levels(7, 7).back(), 127u);
  // Nearest level against a scan of every integer, ties to the smaller.
  const auto lv = exponent_levels(7, 2);
  for (int i = 0; i < 2000; ++i) {
    const double q = i < 200 ? i * 0.5 : rng().uniform(0.0, 100.0);
    uint32_t best = 0;
    for (uint32_t m = 0; m < 128; ++m) {
      if (std::popcount(m) <= 2 && std::abs(q - m) < std::abs(q - best)) best = m;
    }
    ASSERT_EQ(nearest_level(lv, q), best) << "q = " << q;
  }
  EXPECT_EQ(nearest_level(lv, 76.0), 72u);  // 72 = 64 + 8 and 80 = 64 + 16: a tie
  EXPECT_EQ(nearest_level(lv, 82.0), 80u);
  EXPECT_EQ(nearest_level(lv, 127.0), 96u);
}

TEST_F(ErabsGolden, UniformQuantizationMeetsTheFloatProductWithinItsBound) {
  ErabsGeometry g;
  CompileOptions o;
  o.max_terms = g.mag_bits;  // plain uniform 7-bit magnitudes
  o.bit_flip = false;
  for (int trial = 0; trial < 20; ++trial) {
    const auto k = static_cast<uint32_t>(rng().uniform_int(1, 150));
    const auto n = static_cast<uint32_t>(rng().uniform_int(1, 70));
    const auto w = random_weights(rng(), k, n, 0.2);
    const auto L = compile_layer(w, k, n, g, o);
    for (uint32_t c = 0; c < n; ++c) {
      double mx = 0.0;
      for (uint32_t r = 0; r < k; ++r) mx = std::max(mx, std::abs(double{w[size_t{r} * n + c]}));
      for (uint32_t r = 0; r < k; ++r) {
        const double wv = w[size_t{r} * n + c];
        const double wq = L.w[size_t{r} * n + c] * L.scale[c];
        ASSERT_LE(std::abs(wv - wq), 0.5 * L.scale[c] * (1 + 1e-9)) << r << ", " << c;
        if (mx > 0 && std::abs(wv) == mx) {
          EXPECT_EQ(std::abs(L.w[size_t{r} * n + c]), 127);
        }
      }
    }
    std::vector<float> xf(k);
    for (auto& v : xf) v = static_cast<float>(rng().normal(0.0, 1.0));
    const auto xq = quantize_activations(xf, g.act_mag_bits);
    const auto y = execute_layer(L, xq.x).y;
    for (uint32_t c = 0; c < n; ++c) {
      double yf = 0.0, bound = 0.0;
      for (uint32_t r = 0; r < k; ++r) {
        yf += double{xf[r]} * w[size_t{r} * n + c];
        bound += 0.5 * L.scale[c] * std::abs(double{xf[r]}) +
                 0.5 * xq.scale * std::abs(L.w[size_t{r} * n + c] * L.scale[c]);
      }
      const double yq = static_cast<double>(y[c]) * L.scale[c] * xq.scale;
      ASSERT_LE(std::abs(yf - yq), bound * (1 + 1e-9) + 1e-12)
          << "column " << c << " of " << k << " x " << n;
    }
  }
}

// The cost of emptying OU (pol, s, g, h) of L, computed from L.w and L.occupied alone by scanning
// every integer magnitude.
double scan_cost(const CompiledLayer& L, const std::vector<float>& w, uint32_t pol, uint32_t s,
                 uint32_t g, uint32_t h) {
  const uint32_t B = L.geom.mag_bits;
  uint32_t allowed = 0;
  for (uint32_t b = 0; b < B; ++b) {
    if (b != s && L.occupied[L.ou_index(pol, b, g, h)]) allowed |= 1u << b;
  }
  const double m_max = L.levels.back();
  double cost = 0.0;
  for (uint32_t r = g * L.geom.ou_rows; r < std::min(L.k, (g + 1) * L.geom.ou_rows); ++r) {
    for (uint32_t c = h * L.geom.ou_cols; c < std::min(L.n, (h + 1) * L.geom.ou_cols); ++c) {
      if (!L.cell(pol, s, r, c)) continue;
      const size_t i = size_t{r} * L.n + c;
      const double q = std::min(m_max, std::abs(double{w[i]}) / L.scale[c]);
      const double m = std::abs(L.w[i]);
      double best = q * q;
      for (uint32_t cand = 1; cand < (1u << B); ++cand) {
        if (static_cast<uint32_t>(std::popcount(cand)) > L.opts.max_terms) continue;
        if (cand & ~allowed) continue;
        best = std::min(best, (q - cand) * (q - cand));
      }
      cost += best - (q - m) * (q - m);
    }
  }
  return cost;
}

TEST_F(ErabsGolden, BitFlipKeepsItsInvariantsAndStopsAtTheBudget) {
  ErabsGeometry g;
  for (int trial = 0; trial < 12; ++trial) {
    const auto k = static_cast<uint32_t>(rng().uniform_int(16, 160));
    const auto n = static_cast<uint32_t>(rng().uniform_int(16, 80));
    const auto w = random_weights(rng(), k, n, rng().uniform(0.0, 0.9));
    CompileOptions o;
    o.flip_budget = rng().uniform(0.0, 0.2);
    const auto L = compile_layer(w, k, n, g, o);
    const auto& st = L.stats;
    SCOPED_TRACE(::testing::Message() << k << " x " << n << ", budget " << o.flip_budget);
    uint64_t bits = 0;
    for (size_t i = 0; i < L.w.size(); ++i) {
      const auto m = static_cast<uint32_t>(std::abs(L.w[i]));
      ASSERT_LE(static_cast<uint32_t>(std::popcount(m)), o.max_terms);
      ASSERT_TRUE(L.w[i] == 0 || (L.w[i] > 0) == (L.w_quant[i] > 0)) << "sign of weight " << i;
      bits += static_cast<uint64_t>(std::popcount(m));
    }
    EXPECT_EQ(bits, st.bits);
    // Occupancy recounted from the cells; no OU empty after quantization is refilled.
    uint64_t stored = 0, quant_nonempty = 0;
    for (uint32_t pol = 0; pol < 2; ++pol) {
      for (uint32_t s = 0; s < g.mag_bits; ++s) {
        for (uint32_t gg = 0; gg < L.row_groups; ++gg) {
          for (uint32_t h = 0; h < L.col_groups; ++h) {
            bool any = false, any_q = false;
            for (uint32_t r = gg * 16; r < std::min(k, gg * 16 + 16); ++r) {
              for (uint32_t c = h * 16; c < std::min(n, h * 16 + 16); ++c) {
                any = any || L.cell(pol, s, r, c);
                const int32_t v = L.w_quant[size_t{r} * n + c];
                any_q = any_q || (v != 0 && (pol == 0) == (v > 0) && ((std::abs(v) >> s) & 1));
              }
            }
            ASSERT_EQ(any, L.occupied[L.ou_index(pol, s, gg, h)] != 0);
            ASSERT_TRUE(any_q || !any) << "OU refilled: " << pol << s << gg << h;
            stored += any;
            quant_nonempty += any_q;
          }
        }
      }
    }
    EXPECT_EQ(stored, st.ous_nonempty);
    EXPECT_EQ(quant_nonempty, st.ous_nonempty_quant);
    EXPECT_EQ(st.ous_nonempty_quant - st.ous_nonempty, st.ous_flipped);
    // The error: recomputed, within the budget, and at the stop no stored OU fits what is left.
    double err = 0.0;
    for (size_t i = 0; i < L.w.size(); ++i) {
      const double q = std::min(96.0, std::abs(double{w[i]}) / L.scale[i % n]);
      err += (q - std::abs(L.w[i])) * (q - std::abs(L.w[i]));
    }
    EXPECT_NEAR(err, st.err, 1e-6 * std::max(1.0, err));
    const double budget = o.flip_budget * st.signal;
    const double spent = st.err - st.err_quant;
    EXPECT_LE(spent, budget * (1 + 1e-9) + 1e-9);
    for (uint32_t pol = 0; pol < 2; ++pol) {
      for (uint32_t s = 0; s < g.mag_bits; ++s) {
        for (uint32_t gg = 0; gg < L.row_groups; ++gg) {
          for (uint32_t h = 0; h < L.col_groups; ++h) {
            if (!L.occupied[L.ou_index(pol, s, gg, h)]) continue;
            ASSERT_GT(spent + scan_cost(L, w, pol, s, gg, h), budget * (1 - 1e-9))
                << "OU (" << pol << ", " << s << ", " << gg << ", " << h << ") still fits";
          }
        }
      }
    }
  }
}

TEST_F(ErabsGolden, MoreFlipBudgetNeverStoresMoreOus) {
  const auto w = random_weights(rng(), 128, 64, 0.3);
  uint64_t last = ~uint64_t{0};
  double last_err = -1.0;
  for (const double b : {0.0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.3, 1.0}) {
    CompileOptions o;
    o.flip_budget = b;
    const auto L = compile_layer(w, 128, 64, {}, o);
    if (b == 0.0) {
      EXPECT_DOUBLE_EQ(L.stats.err, L.stats.err_quant);
      EXPECT_EQ(L.stats.ous_nonempty, L.stats.ous_nonempty_quant - L.stats.ous_flipped);
    }
    EXPECT_LE(L.stats.ous_nonempty, last) << "budget " << b;
    EXPECT_GE(L.stats.err, last_err) << "budget " << b;
    last = L.stats.ous_nonempty;
    last_err = L.stats.err;
    std::cout << "budget " << b << ": " << describe(L.stats) << "\n";
  }
  CompileOptions off;
  off.bit_flip = false;
  const auto L0 = compile_layer(w, 128, 64, {}, off);
  EXPECT_EQ(L0.w, L0.w_quant);
  EXPECT_EQ(L0.stats.ous_flipped, 0u);
}

TEST_F(ErabsGolden, SqueezeOutPacksTheStoredOusInIssueOrder) {
  for (const bool squeeze : {true, false}) {
    const auto k = 200u, n = 150u;
    const auto w = random_weights(rng(), k, n, 0.5);
    CompileOptions o;
    o.squeeze = squeeze;
    const auto L = compile_layer(w, k, n, {}, o);
    EXPECT_EQ(L.table.size(), L.stats.ous_nonempty);
    std::set<std::tuple<uint32_t, uint32_t, uint32_t>> slots;
    for (size_t i = 0; i < L.table.size(); ++i) {
      const auto& e = L.table[i];
      ASSERT_TRUE(L.occupied[L.ou_index(e.pol, e.slice, e.row_group, e.col_group)]);
      ASSERT_LT(e.slot.xbar, L.stats.crossbars);
      ASSERT_LT(e.slot.row_slot, 8u);
      ASSERT_LT(e.slot.col_slot, 8u);
      ASSERT_TRUE(slots.emplace(e.slot.xbar, e.slot.row_slot, e.slot.col_slot).second)
          << "slot used twice";
      if (i > 0) {
        const auto& p = L.table[i - 1];
        ASSERT_LT(std::tie(p.col_group, p.pol, p.slice, p.row_group),
                  std::tie(e.col_group, e.pol, e.slice, e.row_group));
      }
    }
    // Dense: 2 arrays x 7 slices x ceil(13 / 8) x ceil(10 / 8) crossbars.
    EXPECT_EQ(L.stats.crossbars_dense, 2u * 7 * 2 * 2);
    if (squeeze) {
      // Every column group keeps bitline slot h % 8 and fills its row slots in order; a set of
      // 8 column groups takes the crossbars of its fullest member.
      std::vector<uint32_t> per_group(L.col_groups, 0);
      for (const auto& e : L.table) {
        ASSERT_EQ(e.slot.col_slot, e.col_group % 8);
        const uint32_t j = per_group[e.col_group]++;
        uint32_t base = 0;
        for (uint32_t set = 0; set < e.col_group / 8; ++set) {
          uint32_t most = 0;
          for (uint32_t h = set * 8; h < std::min(L.col_groups, set * 8 + 8); ++h) {
            uint32_t nh = 0;
            for (const auto& f : L.table) nh += f.col_group == h;
            most = std::max(most, (nh + 7) / 8);
          }
          base += most;
        }
        ASSERT_EQ(e.slot.xbar, base + j / 8);
        ASSERT_EQ(e.slot.row_slot, j % 8);
      }
      uint32_t want = 0;
      for (uint32_t set = 0; set * 8 < L.col_groups; ++set) {
        uint32_t most = 0;
        for (uint32_t h = set * 8; h < std::min(L.col_groups, set * 8 + 8); ++h) {
          most = std::max(most, (per_group[h] + 7) / 8);
        }
        want += most;
      }
      EXPECT_EQ(L.stats.crossbars, want);
      EXPECT_LT(L.stats.crossbars, L.stats.crossbars_dense) << describe(L.stats);
    } else {
      EXPECT_EQ(L.stats.crossbars, L.stats.crossbars_dense);
      for (const auto& e : L.table) {
        ASSERT_EQ(e.slot.row_slot, e.row_group % 8);
        ASSERT_EQ(e.slot.col_slot, e.col_group % 8);
      }
    }
  }
}

TEST_F(ErabsGolden, ShiftAddScheduleEqualsTheMatrixVectorProduct) {
  uint64_t reads = 0;
  for (int trial = 0; trial < 40; ++trial) {
    ErabsGeometry g;
    if (trial % 4 == 3) {  // a smaller crossbar and OU
      g.ou_rows = 8;
      g.ou_cols = 4;
      g.xbar_rows = 32;
      g.xbar_cols = 16;
      g.adc_bits = 4;
    }
    const auto k = static_cast<uint32_t>(rng().uniform_int(1, 140));
    const auto n = static_cast<uint32_t>(rng().uniform_int(1, 40));
    const auto w = random_weights(rng(), k, n, rng().uniform(0.0, 0.95));
    CompileOptions o;
    o.max_terms = static_cast<uint32_t>(rng().uniform_int(1, 7));
    o.flip_budget = rng().uniform(0.0, 0.1);
    o.squeeze = rng().bernoulli(0.5);
    const auto L = compile_layer(w, k, n, g, o);
    const bool relu = rng().bernoulli(0.5);
    const auto x = random_acts(rng(), k, 127, rng().uniform(0.0, 0.9), relu);
    ExecOptions eo;
    eo.dynamic_skip = rng().bernoulli(0.7);
    eo.prune_threshold = rng().bernoulli(0.3) ? static_cast<uint32_t>(rng().uniform_int(1, 60)) : 0;
    const auto res = execute_layer(L, x, eo);
    SCOPED_TRACE(::testing::Message() << "trial " << trial << ": " << k << " x " << n << ", T "
                                      << o.max_terms << ", prune " << eo.prune_threshold);
    // Pruning, independently: a group is zeroed when its largest |x| is below the threshold.
    std::vector<int32_t> xp(x);
    for (uint32_t r0 = 0; r0 < k; r0 += g.ou_rows) {
      int32_t mx = 0;
      for (uint32_t r = r0; r < std::min(k, r0 + g.ou_rows); ++r) mx = std::max(mx, std::abs(x[r]));
      if (static_cast<uint32_t>(mx) < eo.prune_threshold) {
        for (uint32_t r = r0; r < std::min(k, r0 + g.ou_rows); ++r) xp[r] = 0;
      }
    }
    ASSERT_EQ(res.x, xp);
    ASSERT_EQ(res.y, matvec(L, xp));
    const auto& ct = res.counters;
    EXPECT_EQ(ct.issued + ct.skipped_static + ct.skipped_dynamic, ct.dense);
    EXPECT_EQ(ct.adc_conversions, ct.issued * g.ou_cols);
    EXPECT_LE(ct.max_code, g.ou_rows);
    if (!eo.dynamic_skip) {
      EXPECT_EQ(ct.skipped_dynamic, 0u);
    }
    // A ReLU input has no negative phase: all of its planes are skipped.
    if (relu && eo.dynamic_skip) {
      EXPECT_GE(ct.skipped_dynamic, L.table.size() * g.act_mag_bits);
    }
    reads += ct.issued;
  }
  EXPECT_GT(reads, 0u);
}

TEST_F(ErabsGolden, BlockPruningZeroesTheCheapestBlocksWithinTheBudget) {
  const ErabsGeometry g{.xbar_rows = 32, .xbar_cols = 32};
  uint64_t pruned_total = 0;
  for (int trial = 0; trial < 6; ++trial) {
    const uint32_t k = static_cast<uint32_t>(rng().uniform_int(16, 100));
    const uint32_t n = static_cast<uint32_t>(rng().uniform_int(16, 100));
    const auto w = random_weights(rng(), k, n, 0.1);
    const double budget = rng().uniform(0.0, 0.3);
    const CompileOptions o{
        .max_terms = 7, .bit_flip = false, .flip_budget = budget, .block_prune = true};
    const auto L = compile_layer(w, k, n, g, o);
    SCOPED_TRACE(fmt::format("trial {}: {} x {}, budget {:.3f}: {}", trial, k, n, budget,
                             describe(L.stats)));
    EXPECT_LE(L.stats.err - L.stats.err_quant, budget * L.stats.signal * (1 + 1e-12));
    // Per block: zeroed entirely, or every weight as quantization left it. The cost of each
    // block, recomputed from w_quant, is no larger for a pruned one than for a kept one.
    double max_pruned = -1.0, min_kept = 1e300;
    uint64_t pruned = 0;
    for (uint32_t bg = 0; bg < L.row_groups; ++bg) {
      for (uint32_t bh = 0; bh < L.col_groups; ++bh) {
        bool zero = true, same = true, any = false;
        double cost = 0.0;
        for (uint32_t r = bg * 16; r < std::min(k, bg * 16 + 16); ++r) {
          for (uint32_t c = bh * 16; c < std::min(n, bh * 16 + 16); ++c) {
            const size_t i = size_t{r} * n + c;
            const double q = std::min(127.0, std::abs(w[i]) / L.scale[c]);
            const double m = std::abs(L.w_quant[i]);
            cost += q * q - (q - m) * (q - m);
            zero = zero && L.w[i] == 0;
            same = same && L.w[i] == L.w_quant[i];
            any = any || L.w_quant[i] != 0;
          }
        }
        ASSERT_TRUE(zero || same) << "block " << bg << "," << bh;
        if (!any) continue;
        if (zero) {
          ++pruned;
          max_pruned = std::max(max_pruned, cost);
          for (const auto& e : L.table) EXPECT_FALSE(e.row_group == bg && e.col_group == bh);
        } else {
          min_kept = std::min(min_kept, cost);
        }
      }
    }
    EXPECT_EQ(pruned, L.stats.blocks_pruned);
    if (pruned > 0) {
      EXPECT_LE(max_pruned, min_kept * (1 + 1e-9)) << "cheapest first";
    }
    pruned_total += pruned;
  }
  EXPECT_GT(pruned_total, 0u) << "some budget pruned something";
}

TEST_F(ErabsGolden, IsaacLikeIsTheTextbookProductWithFlipEncodedColumns) {
  const ErabsGeometry g{.xbar_rows = 32, .xbar_cols = 32};
  uint64_t flipped = 0;
  for (int trial = 0; trial < 6; ++trial) {
    // Half the trials with large, mostly positive weights and at least one full 32-row block:
    // many columns over 3 * rows / 2 (a block of a few rows never gets there).
    const uint32_t k = static_cast<uint32_t>(rng().uniform_int(trial % 2 ? 32 : 1, 90));
    const uint32_t n = static_cast<uint32_t>(rng().uniform_int(1, 70));
    std::vector<float> w = random_weights(rng(), k, n, 0.1);
    if (trial % 2) {
      for (auto& v : w)
        v = static_cast<float>(rng().uniform(0.7, 1.0) * (rng().bernoulli(0.9) ? 1 : -1));
    }
    const auto L = compile_isaac(w, k, n, g);
    SCOPED_TRACE(fmt::format("trial {}: {} x {}", trial, k, n));
    EXPECT_EQ(L.table.size(), size_t{2} * 4 * ((k + 31) / 32) * ((n + 15) / 16));
    for (const auto& u : L.table) flipped += std::popcount(u.flip);
    for (int v = 0; v < 3; ++v) {
      const auto x = random_acts(rng(), k, 127, v == 0 ? 0.0 : 0.3, v == 2);
      const auto r = execute_isaac(L, x);
      EXPECT_EQ(r.y, matvec(L.q, x));
      EXPECT_EQ(r.counters.issued, r.counters.dense) << "nothing skipped";
      EXPECT_EQ(r.counters.adc_conversions, r.counters.issued * 16);
      EXPECT_LE(r.counters.max_code, 48u) << "3 * 32 / 2";
    }
  }
  EXPECT_GT(flipped, 0u) << "some columns were flip-encoded";
  EXPECT_THROW(
      compile_isaac(std::vector<float>(4, 1.0f), 2, 2, {.xbar_rows = 256, .xbar_cols = 256}), Error)
      << "256 rows reach code 384";
}

// count_reads is execute_layer's counting without the reads (max_code aside, which needs them).
TEST_F(ErabsGolden, CountReadsEqualsTheScheduleCounters) {
  const ErabsGeometry g{.xbar_rows = 32, .xbar_cols = 32};
  for (int trial = 0; trial < 8; ++trial) {
    const uint32_t k = static_cast<uint32_t>(rng().uniform_int(1, 80));
    const uint32_t n = static_cast<uint32_t>(rng().uniform_int(1, 80));
    const auto L = compile_layer(random_weights(rng(), k, n, rng().uniform(0.0, 0.9)), k, n, g);
    const auto x = random_acts(rng(), k, 127, rng().uniform(0.0, 0.9), rng().bernoulli(0.5));
    const ExecOptions eo{.dynamic_skip = rng().bernoulli(0.7),
                         .prune_threshold = static_cast<uint32_t>(rng().uniform_int(0, 40))};
    const auto a = execute_layer(L, x, eo).counters;
    const auto b = count_reads(L, x, eo);
    EXPECT_EQ(b.dense, a.dense);
    EXPECT_EQ(b.issued, a.issued);
    EXPECT_EQ(b.skipped_static, a.skipped_static);
    EXPECT_EQ(b.skipped_dynamic, a.skipped_dynamic);
    EXPECT_EQ(b.adc_conversions, a.adc_conversions);
  }
}

// A layer over the build runs tile by tile: the tiles cover the layer once, their outputs summed
// over the row tiles are the layer's (and matvec's), and their counters summed are the layer's.
// The tiles are built from the compiled layer, so this also checks that the OU schedule has
// nothing that crosses a tile boundary.
TEST_F(ErabsGolden, TilesAddUpToTheLayer) {
  const ErabsGeometry g{.xbar_rows = 32, .xbar_cols = 32};
  for (int trial = 0; trial < 10; ++trial) {
    const uint32_t k = static_cast<uint32_t>(rng().uniform_int(1, 150));
    const uint32_t n = static_cast<uint32_t>(rng().uniform_int(1, 150));
    const uint32_t max_k = 16 * static_cast<uint32_t>(rng().uniform_int(2, 4));
    const uint32_t max_n = 16 * static_cast<uint32_t>(rng().uniform_int(1, 4));
    CompileOptions o;
    o.max_terms = static_cast<uint32_t>(rng().uniform_int(1, 7));
    o.flip_budget = rng().uniform(0.0, 0.05);
    o.squeeze = rng().bernoulli(0.7);
    const auto w = random_weights(rng(), k, n, rng().uniform(0.0, 0.9));
    const auto L = compile_layer(w, k, n, g, o);
    const auto tiles = plan_tiles(k, n, g, max_k, max_n);
    SCOPED_TRACE(fmt::format("trial {}: {} x {} in tiles of {} x {}", trial, k, n, max_k, max_n));
    ASSERT_EQ(tiles.size(), size_t{(k + max_k - 1) / max_k} * ((n + max_n - 1) / max_n));
    std::vector<int> covered(size_t{k} * n, 0);
    for (const auto& t : tiles) {
      for (uint32_t r = t.row0; r < t.row0 + t.rows; ++r) {
        for (uint32_t c = t.col0; c < t.col0 + t.cols; ++c) ++covered[size_t{r} * n + c];
      }
    }
    ASSERT_EQ(std::count(covered.begin(), covered.end(), 1), static_cast<long>(covered.size()));
    const auto x = random_acts(rng(), k, 127, rng().uniform(0.0, 0.9), rng().bernoulli(0.5));
    const ExecOptions eo{.dynamic_skip = rng().bernoulli(0.7),
                         .prune_threshold = static_cast<uint32_t>(rng().uniform_int(0, 30))};
    const auto full = execute_layer(L, x, eo);
    std::vector<int64_t> y(n, 0);
    ExecCounters sum;
    uint64_t stored = 0;
    for (const auto& t : tiles) {
      const auto T = tile_layer(L, t);
      ASSERT_EQ(T.k, t.rows);
      ASSERT_EQ(T.n, t.cols);
      stored += T.table.size();
      const std::span<const int32_t> xt(x.data() + t.row0, t.rows);
      const auto r = execute_layer(T, xt, eo);
      for (uint32_t c = 0; c < t.cols; ++c) y[t.col0 + c] += r.y[c];
      sum.dense += r.counters.dense;
      sum.issued += r.counters.issued;
      sum.skipped_static += r.counters.skipped_static;
      sum.skipped_dynamic += r.counters.skipped_dynamic;
    }
    EXPECT_EQ(y, full.y);
    EXPECT_EQ(y, matvec(L, full.x));
    EXPECT_EQ(stored, L.table.size());
    EXPECT_EQ(sum.dense, full.counters.dense);
    EXPECT_EQ(sum.issued, full.counters.issued);
    EXPECT_EQ(sum.skipped_static, full.counters.skipped_static);
    EXPECT_EQ(sum.skipped_dynamic, full.counters.skipped_dynamic);
    // ISAAC_LIKE tiles of whole 32-row blocks: the same units, flip masks and product.
    const auto I = compile_isaac(w, k, n, g);
    std::vector<int64_t> yi(n, 0);
    uint64_t units = 0, flips = 0, isaac_flips = 0;
    for (const auto& u : I.table) isaac_flips += std::popcount(u.flip);
    for (const auto& t : plan_tiles(k, n, g, 64, max_n)) {
      const auto T = tile_isaac(I, t);
      units += T.table.size();
      for (const auto& u : T.table) flips += std::popcount(u.flip);
      const auto r = execute_isaac(T, std::span<const int32_t>(x.data() + t.row0, t.rows));
      for (uint32_t c = 0; c < t.cols; ++c) yi[t.col0 + c] += r.y[c];
    }
    EXPECT_EQ(yi, matvec(I.q, x));
    EXPECT_EQ(units, I.table.size());
    EXPECT_EQ(flips, isaac_flips);
  }
  const auto L = compile_layer(std::vector<float>(64 * 64, 0.5f), 64, 64, g);
  EXPECT_THROW(plan_tiles(64, 64, g, 24, 16), Error) << "not a multiple of the OU";
  EXPECT_THROW(plan_tiles(0, 64, g, 32, 16), Error);
  EXPECT_THROW(tile_layer(L, {8, 16, 0, 16}), Error) << "not aligned";
  EXPECT_THROW(tile_layer(L, {48, 32, 0, 16}), Error) << "outside the layer";
  EXPECT_THROW(tile_layer(L, {0, 0, 0, 16}), Error) << "empty";
  const auto I = compile_isaac(std::vector<float>(64 * 64, 0.5f), 64, 64, g);
  EXPECT_THROW(tile_isaac(I, {16, 16, 0, 16}), Error) << "not on a 32-row block";
  EXPECT_THROW(isaac_layout(L), Error) << "an ERA-BS layer is not uniform";
}

TEST_F(ErabsGolden, DirectedCornerCases) {
  // All-zero weights: nothing stored, nothing issued, y = 0.
  const std::vector<float> zeros(64 * 32, 0.0f);
  const auto Z = compile_layer(zeros, 64, 32);
  EXPECT_TRUE(Z.table.empty());
  const std::vector<int32_t> full(64, 127), none(64, 0), neg(64, -127);
  EXPECT_EQ(execute_layer(Z, full).counters.issued, 0u);
  EXPECT_EQ(execute_layer(Z, full).y, std::vector<int64_t>(32, 0));
  // Full tiles: every weight +1.0 uses bits 6 and 5 (96 = 64 + 32) of the positive array.
  const std::vector<float> ones(64 * 32, 1.0f);
  CompileOptions o;
  o.bit_flip = false;
  const auto F = compile_layer(ones, 64, 32, {}, o);
  EXPECT_EQ(F.stats.ous_nonempty, 2u * 4 * 2);
  const auto rf = execute_layer(F, full);
  EXPECT_EQ(rf.y, std::vector<int64_t>(32, int64_t{64} * 127 * 96));
  EXPECT_EQ(rf.counters.max_code, 16u);    // a full OU with all inputs on
  EXPECT_EQ(rf.counters.issued, 16u * 7);  // 16 OUs x 7 planes of phase 0
  EXPECT_EQ(execute_layer(F, neg).y, std::vector<int64_t>(32, -int64_t{64} * 127 * 96));
  const auto r0 = execute_layer(F, none);
  EXPECT_EQ(r0.counters.issued, 0u);
  EXPECT_EQ(r0.counters.skipped_dynamic, 16u * 14);
  // Largest magnitudes of both signs.
  std::vector<float> pm(16 * 16);
  for (size_t i = 0; i < pm.size(); ++i) pm[i] = (i % 2) ? -1.0f : 1.0f;
  const auto P = compile_layer(pm, 16, 16, {}, o);
  std::vector<int32_t> alt(16);
  for (size_t i = 0; i < alt.size(); ++i) alt[i] = (i % 3) ? 127 : -127;
  EXPECT_EQ(execute_layer(P, alt).y, matvec(P, alt));
}

TEST_F(ErabsGolden, BadInputsAreErrors) {
  const std::vector<float> w(16, 0.5f);
  ErabsGeometry g;
  g.xbar_rows = 120;
  EXPECT_THROW(compile_layer(w, 4, 4, g), Error);
  g = {};
  g.adc_bits = 4;  // 16 rows need 5 bits
  EXPECT_THROW(compile_layer(w, 4, 4, g), Error);
  CompileOptions o;
  o.max_terms = 0;
  EXPECT_THROW(compile_layer(w, 4, 4, {}, o), Error);
  o.max_terms = 8;
  EXPECT_THROW(compile_layer(w, 4, 4, {}, o), Error);
  o = {};
  o.flip_budget = -1.0;
  EXPECT_THROW(compile_layer(w, 4, 4, {}, o), Error);
  o.flip_budget = std::nan("");
  EXPECT_THROW(compile_layer(w, 4, 4, {}, o), Error);
  EXPECT_THROW(compile_layer(w, 4, 5), Error);
  EXPECT_THROW(compile_layer(w, 0, 4), Error);
  std::vector<float> bad(w);
  bad[3] = std::nanf("");
  EXPECT_THROW(compile_layer(bad, 4, 4), Error);
  const auto L = compile_layer(w, 4, 4);
  EXPECT_THROW(execute_layer(L, std::vector<int32_t>(5, 0)), Error);
  EXPECT_THROW(execute_layer(L, std::vector<int32_t>{1, 2, 128, 0}), Error);
  const std::vector<float> inf_x{1.0f, INFINITY};
  EXPECT_THROW(quantize_activations(inf_x, 7), Error);
}

}  // namespace
}  // namespace hycim::golden
