// The ISAAC_LIKE baseline: see isaac.h.
#include "golden/bitsparse/isaac.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "golden/core/check.h"

namespace hycim::golden {

namespace {

// The level of slice s of array pol at (r, c), before the flip encoding.
uint32_t raw_level(const CompiledLayer& q, uint32_t pol, uint32_t s, uint32_t r, uint32_t c) {
  const int32_t m = q.w[size_t{r} * q.n + c];
  if (m == 0 || (pol == 0) != (m > 0)) return 0;
  return (static_cast<uint32_t>(std::abs(m)) >> (2 * s)) & 3u;
}

}  // namespace

IsaacLayer compile_isaac(std::span<const float> w, uint32_t k, uint32_t n, const ErabsGeometry& g) {
  check_erabs_geometry(g);
  HYCIM_CHECK(3 * g.xbar_rows / 2 <= 255,
              "an ISAAC-like crossbar of {} rows can reach code {} after the flip encoding: over "
              "the 8-bit ADC",
              g.xbar_rows, 3 * g.xbar_rows / 2);
  return isaac_layout(compile_layer(
      w, k, n, g,
      {.max_terms = g.mag_bits, .bit_flip = false, .flip_budget = 0.0, .squeeze = false}));
}

IsaacLayer tile_isaac(const IsaacLayer& L, const LayerTile& t) {
  const auto& g = L.q.geom;
  HYCIM_CHECK(t.row0 % g.xbar_rows == 0 && (t.rows % g.xbar_rows == 0 || t.row0 + t.rows == L.q.k),
              "an ISAAC_LIKE tile of rows {}+{} does not start and end on a {}-row block", t.row0,
              t.rows, g.xbar_rows);
  return isaac_layout(tile_layer(L.q, t));
}

IsaacLayer isaac_layout(CompiledLayer q) {
  const auto& g = q.geom;
  HYCIM_CHECK(q.opts.max_terms == g.mag_bits && !q.opts.bit_flip && !q.opts.squeeze &&
                  !q.opts.block_prune && 3 * g.xbar_rows / 2 <= 255,
              "an ISAAC_LIKE layout takes a uniform layer, unflipped, unpruned, in the dense "
              "tiling, on crossbars of at most 170 rows");
  const uint32_t k = q.k, n = q.n;
  IsaacLayer L;
  L.q = std::move(q);
  L.slices = (g.mag_bits + 1) / 2;
  L.row_blocks = (k + g.xbar_rows - 1) / g.xbar_rows;
  const uint32_t cs = g.xbar_cols / g.ou_cols;
  const uint32_t sets = (L.q.col_groups + cs - 1) / cs;
  L.crossbars = 2 * L.slices * L.row_blocks * sets;
  for (uint32_t h = 0; h < L.q.col_groups; ++h) {
    for (uint32_t pol = 0; pol < 2; ++pol) {
      for (uint32_t s = 0; s < L.slices; ++s) {
        for (uint32_t rb = 0; rb < L.row_blocks; ++rb) {
          IsaacEntry u;
          u.e.col_group = h;
          u.e.pol = pol;
          u.e.slice = s;
          u.e.row_group = rb;
          u.e.slot = {((pol * L.slices + s) * L.row_blocks + rb) * sets + h / cs, 0, h % cs};
          for (uint32_t c = 0; c < g.ou_cols && h * g.ou_cols + c < n; ++c) {
            uint32_t sum = 0;
            for (uint32_t r = rb * g.xbar_rows; r < std::min(k, (rb + 1) * g.xbar_rows); ++r) {
              sum += raw_level(L.q, pol, s, r, h * g.ou_cols + c);
            }
            if (2 * sum > 3 * g.xbar_rows) u.flip |= 1u << c;
          }
          L.table.push_back(u);
        }
      }
    }
  }
  return L;
}

uint32_t IsaacLayer::stored_level(uint32_t pol, uint32_t s, uint32_t r, uint32_t c) const {
  const auto& g = q.geom;
  const uint32_t h = c / g.ou_cols, rb = r / g.xbar_rows;
  const IsaacEntry& u = table[((size_t{h} * 2 + pol) * slices + s) * row_blocks + rb];
  const uint32_t l = raw_level(q, pol, s, r, c);
  return flipped(u, c % g.ou_cols) ? 3 - l : l;
}

ExecResult execute_isaac(const IsaacLayer& L, std::span<const int32_t> x,
                         const IsaacReader& reader) {
  const auto& g = L.q.geom;
  const uint32_t A = g.act_mag_bits, k = L.q.k, n = L.q.n;
  HYCIM_CHECK(x.size() == k, "{} activations for a layer of {} rows", x.size(), k);
  const int32_t top_x = static_cast<int32_t>((1u << A) - 1);
  for (size_t r = 0; r < x.size(); ++r) {
    HYCIM_CHECK(x[r] >= -top_x && x[r] <= top_x, "activation {} = {} is outside +-{}", r, x[r],
                top_x);
  }
  const uint32_t top = (1u << L.adc_bits) - 1;
  ExecResult res;
  res.x.assign(x.begin(), x.end());
  res.y.assign(n, 0);
  auto& ct = res.counters;
  ct.dense = L.table.size() * 2 * A;
  std::vector<uint8_t> bits(g.xbar_rows);
  std::vector<uint32_t> codes(g.ou_cols);
  for (const IsaacEntry& u : L.table) {
    const auto& e = u.e;
    const uint32_t c0 = e.col_group * g.ou_cols, c1 = std::min(n, c0 + g.ou_cols);
    const uint32_t r0 = e.row_group * g.xbar_rows, r1 = std::min(k, r0 + g.xbar_rows);
    for (uint32_t ph = 0; ph < 2; ++ph) {
      for (uint32_t b = 0; b < A; ++b) {
        ++ct.issued;
        ct.adc_conversions += g.ou_cols;
        std::fill(bits.begin(), bits.end(), uint8_t{0});
        uint32_t pc = 0;
        for (uint32_t r = r0; r < r1; ++r) {
          const int32_t v = x[r];
          const bool on =
              v != 0 && (ph == 0) == (v > 0) && ((static_cast<uint32_t>(std::abs(v)) >> b) & 1u);
          bits[r - r0] = on ? 1 : 0;
          pc += on;
        }
        std::fill(codes.begin(), codes.end(), 0u);
        if (reader) {
          reader(u, bits, codes);
        } else {
          for (uint32_t c = c0; c < c1; ++c) {
            uint32_t sum = 0;
            for (uint32_t r = r0; r < r1; ++r) {
              sum += bits[r - r0] * L.stored_level(e.pol, e.slice, r, c);
            }
            codes[c - c0] = std::min(sum, top);
          }
        }
        for (uint32_t c = c0; c < c1; ++c) {
          const uint64_t code = codes[c - c0];
          ct.max_code = std::max(ct.max_code, code);
          const int64_t v = L.flipped(u, c - c0) ? int64_t{3} * pc - static_cast<int64_t>(code)
                                                 : static_cast<int64_t>(code);
          const int64_t term = v * (int64_t{1} << (2 * e.slice + b));
          res.y[c] += (e.pol == ph) ? term : -term;
        }
      }
    }
  }
  return res;
}

}  // namespace hycim::golden
