// The ERA-BS layer schedule: see execute.h.
#include "golden/bitsparse/execute.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "golden/core/check.h"

namespace hycim::golden {

ActQuant quantize_activations(std::span<const float> x, uint32_t act_mag_bits) {
  HYCIM_CHECK(act_mag_bits >= 1 && act_mag_bits <= 16, "act_mag_bits = {}", act_mag_bits);
  const double top = (1u << act_mag_bits) - 1;
  double mx = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    HYCIM_CHECK(std::isfinite(x[i]), "activation {} is {}", i, x[i]);
    mx = std::max(mx, std::abs(double{x[i]}));
  }
  ActQuant q;
  q.scale = mx > 0.0 ? mx / top : 1.0;
  q.x.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    q.x[i] = static_cast<int32_t>(std::clamp(std::round(x[i] / q.scale), -top, top));
  }
  return q;
}

ActPruneResult act_prune(std::span<const int32_t> x, uint32_t ou_rows, uint32_t act_mag_bits,
                         uint32_t threshold) {
  HYCIM_CHECK(ou_rows >= 1 && act_mag_bits >= 1 && act_mag_bits <= 16 && !x.empty(),
              "ou_rows = {}, act_mag_bits = {}, {} activations", ou_rows, act_mag_bits, x.size());
  const int32_t top = static_cast<int32_t>((1u << act_mag_bits) - 1);
  ActPruneResult p;
  p.x.assign(x.begin(), x.end());
  p.row_groups = static_cast<uint32_t>((x.size() + ou_rows - 1) / ou_rows);
  p.group_zeroed.assign(p.row_groups, 0);
  p.plane_any.assign(size_t{2} * act_mag_bits * p.row_groups, 0);
  for (uint32_t g = 0; g < p.row_groups; ++g) {
    const size_t r0 = size_t{g} * ou_rows, r1 = std::min(x.size(), r0 + ou_rows);
    uint32_t mx = 0;
    for (size_t r = r0; r < r1; ++r) {
      HYCIM_CHECK(x[r] >= -top && x[r] <= top, "activation {} = {} is outside +-{}", r, x[r], top);
      mx = std::max(mx, static_cast<uint32_t>(std::abs(x[r])));
    }
    if (mx < threshold) {
      p.group_zeroed[g] = 1;
      std::fill(p.x.begin() + static_cast<std::ptrdiff_t>(r0),
                p.x.begin() + static_cast<std::ptrdiff_t>(r1), 0);
      continue;
    }
    for (size_t r = r0; r < r1; ++r) {
      const uint32_t phase = p.x[r] < 0 ? 1 : 0;
      const auto mag = static_cast<uint32_t>(std::abs(p.x[r]));
      for (uint32_t b = 0; b < act_mag_bits; ++b) {
        if ((mag >> b) & 1u) p.plane_any[(size_t{phase} * act_mag_bits + b) * p.row_groups + g] = 1;
      }
    }
  }
  return p;
}

ExecResult execute_layer(const CompiledLayer& L, std::span<const int32_t> x, const ExecOptions& o,
                         const OuReader& reader) {
  const auto& g = L.geom;
  HYCIM_CHECK(x.size() == L.k, "{} activations for a layer of {} rows", x.size(), L.k);
  const uint32_t A = g.act_mag_bits;
  const ActPruneResult p = act_prune(x, g.ou_rows, A, o.prune_threshold);
  ExecResult res;
  res.x = p.x;
  res.y.assign(L.n, 0);
  auto& ct = res.counters;
  ct.dense = L.stats.ous_total * 2 * A;
  ct.skipped_static = (L.stats.ous_total - L.table.size()) * 2 * A;

  // The input bits of row r in phase ph, plane b.
  auto in_bit = [&](uint32_t ph, uint32_t b, uint32_t r) -> uint32_t {
    const int32_t v = p.x[r];
    if (v == 0 || (ph == 0) != (v > 0)) return 0;
    return (static_cast<uint32_t>(std::abs(v)) >> b) & 1u;
  };
  std::vector<uint8_t> bits(g.ou_rows);
  std::vector<uint32_t> codes(g.ou_cols);
  // The table is in issue order (column group, array, slice, row group); per entry, the
  // (phase, plane) pairs in ascending phase * A + plane, the order of erabs_ctrl's priority
  // encoder.
  for (const OuEntry& ent : L.table) {
    const uint32_t c0 = ent.col_group * g.ou_cols, c1 = std::min(L.n, c0 + g.ou_cols);
    const uint32_t r0 = ent.row_group * g.ou_rows, r1 = std::min(L.k, r0 + g.ou_rows);
    for (uint32_t ph = 0; ph < 2; ++ph) {
      for (uint32_t b = 0; b < A; ++b) {
        if (o.dynamic_skip && !p.any(ph, b, ent.row_group, A)) {
          ++ct.skipped_dynamic;
          continue;
        }
        ++ct.issued;
        ct.adc_conversions += g.ou_cols;
        // The read's wordline bits (rows beyond K stay 0), then its codes: from the reader, or
        // the ideal popcount of input bit AND cell bit.
        std::fill(bits.begin(), bits.end(), uint8_t{0});
        for (uint32_t r = r0; r < r1; ++r) bits[r - r0] = static_cast<uint8_t>(in_bit(ph, b, r));
        std::fill(codes.begin(), codes.end(), 0u);
        if (reader) {
          reader(ent, bits, codes);
        } else {
          for (uint32_t c = c0; c < c1; ++c) {
            for (uint32_t r = r0; r < r1; ++r) {
              codes[c - c0] += bits[r - r0] & uint32_t{L.cell(ent.pol, ent.slice, r, c)};
            }
          }
        }
        for (uint32_t c = c0; c < c1; ++c) {
          const uint64_t code = codes[c - c0];
          ct.max_code = std::max(ct.max_code, code);
          const int64_t term = static_cast<int64_t>(code) << (ent.slice + b);
          res.y[c] += (ent.pol == ph) ? term : -term;
        }
      }
    }
  }
  return res;
}

ExecCounters count_reads(const CompiledLayer& L, std::span<const int32_t> x, const ExecOptions& o) {
  const auto& g = L.geom;
  HYCIM_CHECK(x.size() == L.k, "{} activations for a layer of {} rows", x.size(), L.k);
  const uint32_t A = g.act_mag_bits;
  const ActPruneResult p = act_prune(x, g.ou_rows, A, o.prune_threshold);
  ExecCounters ct;
  ct.dense = L.stats.ous_total * 2 * A;
  ct.skipped_static = (L.stats.ous_total - L.table.size()) * 2 * A;
  for (const OuEntry& ent : L.table) {
    for (uint32_t ph = 0; ph < 2; ++ph) {
      for (uint32_t b = 0; b < A; ++b) {
        if (o.dynamic_skip && !p.any(ph, b, ent.row_group, A)) {
          ++ct.skipped_dynamic;
        } else {
          ++ct.issued;
        }
      }
    }
  }
  ct.adc_conversions = ct.issued * g.ou_cols;
  return ct;
}

std::vector<int64_t> matvec(const CompiledLayer& L, std::span<const int32_t> x) {
  HYCIM_CHECK(x.size() == L.k, "{} activations for a layer of {} rows", x.size(), L.k);
  std::vector<int64_t> y(L.n, 0);
  for (uint32_t r = 0; r < L.k; ++r) {
    for (uint32_t c = 0; c < L.n; ++c) y[c] += int64_t{x[r]} * L.w[size_t{r} * L.n + c];
  }
  return y;
}

}  // namespace hycim::golden
