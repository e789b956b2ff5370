// The ERA-BS weight compiler: see compiler.h for the rules and docs/bitsparse/compiler.md for the
// reasons behind them.
#include "golden/bitsparse/compiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <set>
#include <utility>

#include "golden/core/check.h"

namespace hycim::golden {

void check_erabs_geometry(const ErabsGeometry& g) {
  HYCIM_CHECK(g.mag_bits >= 1 && g.mag_bits <= 16, "mag_bits = {} (1 .. 16)", g.mag_bits);
  HYCIM_CHECK(g.act_mag_bits >= 1 && g.act_mag_bits <= 16, "act_mag_bits = {} (1 .. 16)",
              g.act_mag_bits);
  HYCIM_CHECK(g.ou_rows >= 1 && g.ou_rows <= 64, "ou_rows = {} (1 .. 64)", g.ou_rows);
  HYCIM_CHECK(g.ou_cols >= 1 && g.ou_cols <= 64, "ou_cols = {} (1 .. 64)", g.ou_cols);
  HYCIM_CHECK(g.xbar_rows >= g.ou_rows && g.xbar_rows % g.ou_rows == 0,
              "xbar_rows = {} is not a multiple of ou_rows = {}", g.xbar_rows, g.ou_rows);
  HYCIM_CHECK(g.xbar_cols >= g.ou_cols && g.xbar_cols % g.ou_cols == 0,
              "xbar_cols = {} is not a multiple of ou_cols = {}", g.xbar_cols, g.ou_cols);
  HYCIM_CHECK(g.adc_bits >= 1 && g.adc_bits <= 16, "adc_bits = {} (1 .. 16)", g.adc_bits);
  HYCIM_CHECK((uint64_t{1} << g.adc_bits) - 1 >= g.ou_rows,
              "a {}-bit ADC cannot represent the popcount of {} rows (0 .. {})", g.adc_bits,
              g.ou_rows, g.ou_rows);
}

void check_compile_options(const ErabsGeometry& g, const CompileOptions& o) {
  check_erabs_geometry(g);
  HYCIM_CHECK(o.max_terms >= 1 && o.max_terms <= g.mag_bits, "max_terms = {} (1 .. mag_bits = {})",
              o.max_terms, g.mag_bits);
  HYCIM_CHECK(std::isfinite(o.flip_budget) && o.flip_budget >= 0.0,
              "flip_budget = {} (a finite number >= 0)", o.flip_budget);
}

std::vector<uint32_t> exponent_levels(uint32_t b, uint32_t t) {
  HYCIM_CHECK(b >= 1 && b <= 16 && t >= 1 && t <= b, "b = {}, t = {}", b, t);
  std::vector<uint32_t> out;
  for (uint32_t m = 0; m < (1u << b); ++m) {
    if (static_cast<uint32_t>(std::popcount(m)) <= t) out.push_back(m);
  }
  return out;
}

uint32_t nearest_level(std::span<const uint32_t> levels, double q) {
  HYCIM_CHECK(!levels.empty() && std::isfinite(q) && q >= 0.0, "q = {}, {} levels", q,
              levels.size());
  uint32_t best = levels[0];
  double best_err = std::abs(q - best);
  for (const uint32_t m : levels) {
    const double e = std::abs(q - m);
    if (e < best_err) {  // strict: the smaller level wins a tie (levels ascend)
      best = m;
      best_err = e;
    }
  }
  return best;
}

bool CompiledLayer::cell(uint32_t pol, uint32_t slice, uint32_t r, uint32_t c) const {
  HYCIM_CHECK(pol < 2 && slice < geom.mag_bits && r < k && c < n, "cell ({}, {}, {}, {})", pol,
              slice, r, c);
  const int32_t v = w[static_cast<size_t>(r) * n + c];
  if (v == 0 || (pol == 0) != (v > 0)) return false;
  return (static_cast<uint32_t>(std::abs(v)) >> slice) & 1u;
}

namespace {

// The compiler's working state: magnitudes, signs, q, and per-OU popcounts.
class FlipState {
 public:
  FlipState(CompiledLayer& L, std::vector<double> q) : L_(L), q_(std::move(q)) {
    cnt_.assign(L_.occupied.size(), 0);
    for (uint32_t r = 0; r < L_.k; ++r) {
      for (uint32_t c = 0; c < L_.n; ++c) add_weight(r, c, +1);
    }
  }

  uint32_t count(size_t ou) const { return cnt_[ou]; }

  // Added squared error of emptying OU (pol, s, g, h), and the new magnitudes it would write.
  double cost(uint32_t pol, uint32_t s, uint32_t g, uint32_t h,
              std::vector<std::pair<size_t, uint32_t>>* moves) const {
    const uint32_t allowed = allowed_mask(pol, g, h) & ~(1u << s);
    double total = 0.0;
    for_each_weight(g, h, [&](size_t i) {
      const int32_t v = L_.w[i];
      if (v == 0 || (pol == 0) != (v > 0)) return;
      const auto m = static_cast<uint32_t>(std::abs(v));
      if (!((m >> s) & 1u)) return;
      uint32_t best = 0;
      double best_err = q_[i] * q_[i];
      for (const uint32_t lv : L_.levels) {
        if (lv & ~allowed) continue;
        const double e = (q_[i] - lv) * (q_[i] - lv);
        if (e < best_err) {
          best = lv;
          best_err = e;
        }
      }
      total += best_err - (q_[i] - m) * (q_[i] - m);
      if (moves) moves->emplace_back(i, best);
    });
    return total;
  }

  // Writes the moves of one flip and updates the popcounts.
  void apply(const std::vector<std::pair<size_t, uint32_t>>& moves) {
    for (const auto& [i, m] : moves) {
      const auto r = static_cast<uint32_t>(i / L_.n), c = static_cast<uint32_t>(i % L_.n);
      add_weight(r, c, -1);
      const int32_t sign = L_.w[i] < 0 ? -1 : 1;
      L_.w[i] = sign * static_cast<int32_t>(m);
      add_weight(r, c, +1);
    }
  }

 private:
  template <class F>
  void for_each_weight(uint32_t g, uint32_t h, F&& f) const {
    const uint32_t r1 = std::min(L_.k, (g + 1) * L_.geom.ou_rows);
    const uint32_t c1 = std::min(L_.n, (h + 1) * L_.geom.ou_cols);
    for (uint32_t r = g * L_.geom.ou_rows; r < r1; ++r) {
      for (uint32_t c = h * L_.geom.ou_cols; c < c1; ++c) f(static_cast<size_t>(r) * L_.n + c);
    }
  }

  // The slices whose OU in block (pol, g, h) is non-empty.
  uint32_t allowed_mask(uint32_t pol, uint32_t g, uint32_t h) const {
    uint32_t mask = 0;
    for (uint32_t b = 0; b < L_.geom.mag_bits; ++b) {
      if (cnt_[L_.ou_index(pol, b, g, h)] > 0) mask |= 1u << b;
    }
    return mask;
  }

  void add_weight(uint32_t r, uint32_t c, int d) {
    const int32_t v = L_.w[static_cast<size_t>(r) * L_.n + c];
    if (v == 0) return;
    const uint32_t pol = v > 0 ? 0 : 1;
    const auto m = static_cast<uint32_t>(std::abs(v));
    const uint32_t g = r / L_.geom.ou_rows, h = c / L_.geom.ou_cols;
    for (uint32_t b = 0; b < L_.geom.mag_bits; ++b) {
      if ((m >> b) & 1u) cnt_[L_.ou_index(pol, b, g, h)] += static_cast<uint32_t>(d);
    }
  }

  CompiledLayer& L_;
  std::vector<double> q_;
  std::vector<uint32_t> cnt_;
};

double squared_error(const std::vector<double>& q, const std::vector<int32_t>& w) {
  double e = 0.0;
  for (size_t i = 0; i < q.size(); ++i) {
    const double d = q[i] - std::abs(w[i]);
    e += d * d;
  }
  return e;
}

uint64_t count_bits(const std::vector<int32_t>& w) {
  uint64_t b = 0;
  for (const int32_t v : w)
    b += static_cast<uint64_t>(std::popcount(static_cast<uint32_t>(std::abs(v))));
  return b;
}

// Step 3: the OU table in issue order from the occupancy, squeezed or in the dense tiling.
void layout_table(CompiledLayer& L) {
  const ErabsGeometry& g = L.geom;
  auto& st = L.stats;
  L.table.clear();
  const uint32_t rs = g.xbar_rows / g.ou_rows, cs = g.xbar_cols / g.ou_cols;
  const uint32_t tr = (L.row_groups + rs - 1) / rs, tc = (L.col_groups + cs - 1) / cs;
  st.crossbars_dense = 2 * g.mag_bits * tr * tc;
  // Squeezed, column group h keeps bitline slot h % cs of the crossbars of set h / cs (so every
  // bitline still feeds its own output), and its stored OUs fill that slot's row positions one
  // after another, spilling into the next crossbar of the set. A set takes as many crossbars as
  // its fullest column group needs.
  uint32_t set_base = 0, set_xbars = 0;
  for (uint32_t h = 0; h < L.col_groups; ++h) {
    if (h % cs == 0) {
      set_base += set_xbars;
      set_xbars = 0;
    }
    uint32_t j = 0;  // the column group's stored OUs so far
    for (uint32_t pol = 0; pol < 2; ++pol) {
      for (uint32_t s = 0; s < g.mag_bits; ++s) {
        for (uint32_t gg = 0; gg < L.row_groups; ++gg) {
          if (!L.occupied[L.ou_index(pol, s, gg, h)]) continue;
          OuEntry e{h, pol, s, gg, {}};
          if (L.opts.squeeze) {
            e.slot = {set_base + j / rs, j % rs, h % cs};
            ++j;
          } else {
            e.slot = {((pol * g.mag_bits + s) * tr + gg / rs) * tc + h / cs, gg % rs, h % cs};
          }
          L.table.push_back(e);
        }
      }
    }
    set_xbars = std::max(set_xbars, (j + rs - 1) / rs);
  }
  st.crossbars = L.opts.squeeze ? set_base + set_xbars : st.crossbars_dense;
}

}  // namespace

CompiledLayer compile_layer(std::span<const float> w, uint32_t k, uint32_t n,
                            const ErabsGeometry& g, const CompileOptions& o) {
  check_compile_options(g, o);
  HYCIM_CHECK(k >= 1 && n >= 1, "a {} x {} weight matrix", k, n);
  HYCIM_CHECK(w.size() == static_cast<size_t>(k) * n, "{} weights for a {} x {} matrix", w.size(),
              k, n);
  for (size_t i = 0; i < w.size(); ++i) {
    HYCIM_CHECK(std::isfinite(w[i]), "weight ({}, {}) is {}", i / n, i % n, w[i]);
  }
  CompiledLayer L;
  L.geom = g;
  L.opts = o;
  L.k = k;
  L.n = n;
  L.row_groups = (k + g.ou_rows - 1) / g.ou_rows;
  L.col_groups = (n + g.ou_cols - 1) / g.ou_cols;
  L.levels = exponent_levels(g.mag_bits, o.max_terms);
  const double m_max = L.levels.back();

  // Step 1: per-column scale and nearest exponent level.
  L.scale.assign(n, 1.0);
  for (uint32_t c = 0; c < n; ++c) {
    double mx = 0.0;
    for (uint32_t r = 0; r < k; ++r) mx = std::max(mx, std::abs(double{w[size_t{r} * n + c]}));
    if (mx > 0.0) L.scale[c] = mx / m_max;
  }
  std::vector<double> q(w.size());
  L.w.resize(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    const double x = w[i];
    q[i] = std::min(m_max, std::abs(x) / L.scale[i % n]);
    const auto m = static_cast<int32_t>(nearest_level(L.levels, q[i]));
    L.w[i] = x < 0 ? -m : m;
  }
  L.w_quant = L.w;
  L.occupied.assign(size_t{2} * g.mag_bits * L.row_groups * L.col_groups, 0);
  auto& st = L.stats;
  st.ous_total = L.occupied.size();
  for (const double x : q) st.signal += x * x;
  st.err_quant = squared_error(q, L.w);
  st.bits_quant = count_bits(L.w);

  // PRUNE_LIKE baseline (instead of step 2): whole ou_rows x ou_cols weight blocks set to 0,
  // cheapest first (the added squared error sum q^2 - (q - m)^2 of the block; ties to the lower
  // block index), while the total stays within flip_budget * sum(q^2).
  double spent = 0.0;
  if (o.block_prune) {
    std::vector<std::pair<double, size_t>> blocks;
    for (uint32_t gg = 0; gg < L.row_groups; ++gg) {
      for (uint32_t h = 0; h < L.col_groups; ++h) {
        double cost = 0.0;
        bool any = false;
        for (uint32_t r = gg * g.ou_rows; r < std::min(k, (gg + 1) * g.ou_rows); ++r) {
          for (uint32_t c = h * g.ou_cols; c < std::min(n, (h + 1) * g.ou_cols); ++c) {
            const size_t i = size_t{r} * n + c;
            const double m = std::abs(L.w[i]);
            cost += q[i] * q[i] - (q[i] - m) * (q[i] - m);
            any = any || L.w[i] != 0;
          }
        }
        if (any) blocks.emplace_back(cost, size_t{gg} * L.col_groups + h);
      }
    }
    std::sort(blocks.begin(), blocks.end());
    for (const auto& [cost, id] : blocks) {
      if (spent + cost > o.flip_budget * st.signal) break;
      spent += cost;
      ++st.blocks_pruned;
      const auto gg = static_cast<uint32_t>(id / L.col_groups);
      const auto h = static_cast<uint32_t>(id % L.col_groups);
      for (uint32_t r = gg * g.ou_rows; r < std::min(k, (gg + 1) * g.ou_rows); ++r) {
        for (uint32_t c = h * g.ou_cols; c < std::min(n, (h + 1) * g.ou_cols); ++c) {
          const size_t i = size_t{r} * n + c;
          st.weights_changed += L.w[i] != 0;
          L.w[i] = 0;
        }
      }
    }
  }

  // Step 2: bit flip, cheapest OU first, within what is left of the budget.
  FlipState fs(L, q);
  for (size_t i = 0; i < L.occupied.size(); ++i) st.ous_nonempty_quant += fs.count(i) > 0;
  if (o.bit_flip) {
    const uint32_t B = g.mag_bits;
    std::vector<double> cost(L.occupied.size(), 0.0);
    std::set<std::pair<double, size_t>> queue;
    for (uint32_t pol = 0; pol < 2; ++pol) {
      for (uint32_t s = 0; s < B; ++s) {
        for (uint32_t gg = 0; gg < L.row_groups; ++gg) {
          for (uint32_t h = 0; h < L.col_groups; ++h) {
            const size_t id = L.ou_index(pol, s, gg, h);
            if (fs.count(id) == 0) continue;
            cost[id] = fs.cost(pol, s, gg, h, nullptr);
            queue.emplace(cost[id], id);
          }
        }
      }
    }
    const double budget = o.flip_budget * st.signal;
    std::vector<std::pair<size_t, uint32_t>> moves;
    while (!queue.empty()) {
      const auto [c0, id] = *queue.begin();
      if (spent + c0 > budget) break;
      queue.erase(queue.begin());
      const auto h = static_cast<uint32_t>(id % L.col_groups);
      const auto gg = static_cast<uint32_t>((id / L.col_groups) % L.row_groups);
      const auto s = static_cast<uint32_t>((id / L.col_groups / L.row_groups) % B);
      const auto pol = static_cast<uint32_t>(id / L.col_groups / L.row_groups / B);
      moves.clear();
      spent += fs.cost(pol, s, gg, h, &moves);
      std::vector<uint32_t> before(B);
      for (uint32_t b = 0; b < B; ++b) before[b] = fs.count(L.ou_index(pol, b, gg, h));
      fs.apply(moves);
      st.weights_changed += moves.size();
      // Every OU of this array in the block may have changed: re-cost the non-empty ones.
      for (uint32_t b = 0; b < B; ++b) {
        const size_t ob = L.ou_index(pol, b, gg, h);
        if (b != s && before[b] > 0) queue.erase({cost[ob], ob});
        if (before[b] > 0 && fs.count(ob) == 0) ++st.ous_flipped;
        if (fs.count(ob) > 0) {
          cost[ob] = fs.cost(pol, b, gg, h, nullptr);
          queue.emplace(cost[ob], ob);
        }
      }
    }
  }
  for (size_t i = 0; i < L.occupied.size(); ++i) {
    L.occupied[i] = fs.count(i) > 0;
    st.ous_nonempty += L.occupied[i];
  }
  st.err = squared_error(q, L.w);
  st.bits = count_bits(L.w);

  layout_table(L);
  return L;
}

std::vector<LayerTile> plan_tiles(uint32_t k, uint32_t n, const ErabsGeometry& g, uint32_t max_k,
                                  uint32_t max_n) {
  check_erabs_geometry(g);
  HYCIM_CHECK(k >= 1 && n >= 1, "a {} x {} layer", k, n);
  HYCIM_CHECK(
      max_k >= g.ou_rows && max_k % g.ou_rows == 0 && max_n >= g.ou_cols && max_n % g.ou_cols == 0,
      "a build of {} x {} is not a multiple of the {} x {} OU", max_k, max_n, g.ou_rows, g.ou_cols);
  std::vector<LayerTile> tiles;
  for (uint32_t c0 = 0; c0 < n; c0 += max_n) {
    for (uint32_t r0 = 0; r0 < k; r0 += max_k) {
      tiles.push_back({r0, std::min(max_k, k - r0), c0, std::min(max_n, n - c0)});
    }
  }
  return tiles;
}

CompiledLayer tile_layer(const CompiledLayer& L, const LayerTile& t) {
  const ErabsGeometry& g = L.geom;
  HYCIM_CHECK(t.rows >= 1 && t.cols >= 1 && t.row0 + t.rows <= L.k && t.col0 + t.cols <= L.n,
              "tile rows {}+{}, columns {}+{} of a {} x {} layer", t.row0, t.rows, t.col0, t.cols,
              L.k, L.n);
  HYCIM_CHECK(t.row0 % g.ou_rows == 0 && t.col0 % g.ou_cols == 0 &&
                  (t.rows % g.ou_rows == 0 || t.row0 + t.rows == L.k) &&
                  (t.cols % g.ou_cols == 0 || t.col0 + t.cols == L.n),
              "tile rows {}+{}, columns {}+{} is not aligned to the {} x {} OU", t.row0, t.rows,
              t.col0, t.cols, g.ou_rows, g.ou_cols);
  CompiledLayer T;
  T.geom = g;
  T.opts = L.opts;
  T.k = t.rows;
  T.n = t.cols;
  T.row_groups = (t.rows + g.ou_rows - 1) / g.ou_rows;
  T.col_groups = (t.cols + g.ou_cols - 1) / g.ou_cols;
  T.levels = L.levels;
  T.w.resize(size_t{t.rows} * t.cols);
  T.w_quant.resize(T.w.size());
  for (uint32_t r = 0; r < t.rows; ++r) {
    for (uint32_t c = 0; c < t.cols; ++c) {
      const size_t src = size_t{t.row0 + r} * L.n + t.col0 + c;
      T.w[size_t{r} * t.cols + c] = L.w[src];
      T.w_quant[size_t{r} * t.cols + c] = L.w_quant[src];
    }
  }
  T.scale.assign(L.scale.begin() + t.col0, L.scale.begin() + t.col0 + t.cols);
  const uint32_t g0 = t.row0 / g.ou_rows, h0 = t.col0 / g.ou_cols;
  T.occupied.assign(size_t{2} * g.mag_bits * T.row_groups * T.col_groups, 0);
  auto& st = T.stats;
  st.ous_total = T.occupied.size();
  for (uint32_t pol = 0; pol < 2; ++pol) {
    for (uint32_t s = 0; s < g.mag_bits; ++s) {
      for (uint32_t gg = 0; gg < T.row_groups; ++gg) {
        for (uint32_t h = 0; h < T.col_groups; ++h) {
          const uint8_t o = L.occupied[L.ou_index(pol, s, g0 + gg, h0 + h)];
          T.occupied[T.ou_index(pol, s, gg, h)] = o;
          st.ous_nonempty += o;
        }
      }
    }
  }
  st.bits = count_bits(T.w);
  st.bits_quant = count_bits(T.w_quant);
  layout_table(T);
  return T;
}

std::string describe(const CompileStats& s) {
  auto db = [](double err, double sig) {
    return err > 0.0 ? fmt::format("{:.1f} dB", 10.0 * std::log10(sig / err)) : "exact";
  };
  return fmt::format(
      "OUs {}/{} stored ({} after quantization, {} emptied by bit flip), 1-cells {} ({} after "
      "quantization), {} weights changed, {} blocks pruned, SQNR {} (quantization {}), crossbars "
      "{} (dense {})",
      s.ous_nonempty, s.ous_total, s.ous_nonempty_quant, s.ous_flipped, s.bits, s.bits_quant,
      s.weights_changed, s.blocks_pruned, db(s.err, s.signal), db(s.err_quant, s.signal),
      s.crossbars, s.crossbars_dense);
}

}  // namespace hycim::golden
