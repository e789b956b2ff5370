// The ERA-BS OU crossbar model: see ou_xbar.h.
#include "sim/bitsparse/ou_xbar.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "golden/core/check.h"

namespace hycim::sim {

OuXbarParams OuXbarParams::isaac_like() {
  OuXbarParams p;
  p.cell_bits = 2;
  p.adc_bits = 8;
  return p;
}

bool OuXbarParams::ideal() const {
  return adc_range == 0.0 && hrs_leak == 0.0 && prog_sigma == 0.0 && read_sigma == 0.0 &&
         adc_offset_sigma == 0.0;
}

void OuXbarParams::check() const {
  HYCIM_CHECK(rows >= 1 && cols >= 1, "crossbar of {} x {} cells", rows, cols);
  HYCIM_CHECK(cell_bits == 1 || cell_bits == 2, "cell_bits = {}: 1 or 2", cell_bits);
  HYCIM_CHECK(adc_bits >= 1 && adc_bits <= 16, "adc_bits = {}: legal 1 .. 16", adc_bits);
  const struct {
    const char* name;
    double v, hi;
  } reals[] = {{"adc_range", adc_range, 1e6},
               {"hrs_leak", hrs_leak, 1.0},
               {"prog_sigma", prog_sigma, 1.0},
               {"read_sigma", read_sigma, 1.0},
               {"adc_offset_sigma", adc_offset_sigma, 1e3}};
  for (const auto& f : reals) {
    HYCIM_CHECK(std::isfinite(f.v) && f.v >= 0.0 && f.v <= f.hi, "{} = {}: legal [0, {}]", f.name,
                f.v, f.hi);
  }
}

std::string OuXbarParams::describe() const {
  std::string s;
  auto add = [&](const char* name, double v) {
    if (v != 0.0) s += fmt::format("{}{} = {}", s.empty() ? "" : ", ", name, v);
  };
  add("adc_range", adc_range);
  add("hrs_leak", hrs_leak);
  add("prog_sigma", prog_sigma);
  add("read_sigma", read_sigma);
  add("adc_offset_sigma", adc_offset_sigma);
  return s.empty() ? "ideal" : s;
}

OuCrossbar::OuCrossbar(const OuXbarParams& p) : p_(p), run_rng_(p.run_seed) {
  p_.check();
  ideal_ = p_.ideal();
  top_ = (1u << p_.adc_bits) - 1;
  lsb_per_step_ = p_.adc_range > 0.0 ? top_ / p_.adc_range : 1.0;
  const size_t cells = size_t{p_.rows} * p_.cols;
  level_.assign(cells, 0);
  g_rel_.assign(cells, 1.0);
  adc_offset_.assign(p_.cols, 0.0);
  // Static effects, in a fixed order from the chip stream: the cells row by row, then the ADCs.
  golden::Rng chip(p_.chip_seed);
  if (p_.prog_sigma > 0.0) {
    for (auto& g : g_rel_) g = std::max(0.0, 1.0 + chip.normal(0.0, p_.prog_sigma));
  }
  if (p_.adc_offset_sigma > 0.0) {
    for (auto& o : adc_offset_) o = chip.normal(0.0, p_.adc_offset_sigma);
  }
}

void OuCrossbar::program(uint32_t r0, uint32_t c0, uint32_t n, uint32_t m,
                         std::span<const uint8_t> levels) {
  HYCIM_CHECK(uint64_t{r0} + n <= p_.rows && uint64_t{c0} + m <= p_.cols,
              "block of {} x {} at ({}, {}) outside the {} x {} crossbar", n, m, r0, c0, p_.rows,
              p_.cols);
  HYCIM_CHECK(levels.size() == size_t{n} * m, "{} levels for a {} x {} block", levels.size(), n, m);
  const uint32_t lmax = (1u << p_.cell_bits) - 1;
  for (uint32_t r = 0; r < n; ++r) {
    for (uint32_t c = 0; c < m; ++c) {
      const uint8_t v = levels[size_t{r} * m + c];
      HYCIM_CHECK(v <= lmax, "level {} at ({}, {}) exceeds {} for {}-bit cells", v, r0 + r, c0 + c,
                  lmax, p_.cell_bits);
      level_[size_t{r0 + r} * p_.cols + c0 + c] = v;
    }
  }
}

void OuCrossbar::ou_read(uint32_t r0, uint32_t c0, std::span<const uint8_t> in_bits,
                         std::span<uint32_t> codes) {
  const auto n = static_cast<uint32_t>(in_bits.size()), m = static_cast<uint32_t>(codes.size());
  HYCIM_CHECK(n >= 1 && m >= 1 && uint64_t{r0} + n <= p_.rows && uint64_t{c0} + m <= p_.cols,
              "read of rows [{}, {}) and columns [{}, {}) outside the {} x {} crossbar", r0,
              uint64_t{r0} + n, c0, uint64_t{c0} + m, p_.rows, p_.cols);
  uint64_t driven = 0;
  for (uint32_t r = 0; r < n; ++r) {
    HYCIM_CHECK(in_bits[r] <= 1, "input bit {} of the read is {}", r, in_bits[r]);
    driven += in_bits[r];
  }
  last_current_.assign(m, 0.0);
  ++ev_.reads;
  ev_.wordlines_driven += driven;
  ev_.cells_read += driven * m;
  ev_.adc_conversions += m;
  for (uint32_t c = 0; c < m; ++c) {
    const size_t col = size_t{c0} + c;
    if (ideal_) {
      uint64_t sum = 0;
      for (uint32_t r = 0; r < n; ++r) sum += in_bits[r] * level_[size_t{r0 + r} * p_.cols + col];
      last_current_[c] = static_cast<double>(sum);
      ev_.adc_saturations += sum > top_;
      codes[c] = static_cast<uint32_t>(std::min<uint64_t>(sum, top_));
    } else {
      double i = 0.0;
      for (uint32_t r = 0; r < n; ++r) {
        if (!in_bits[r]) continue;
        const size_t at = size_t{r0 + r} * p_.cols + col;
        i += (level_[at] ? static_cast<double>(level_[at]) : p_.hrs_leak) * g_rel_[at];
      }
      if (p_.read_sigma > 0.0) i = std::max(0.0, i * (1.0 + run_rng_.normal(0.0, p_.read_sigma)));
      last_current_[c] = i;
      const double v = std::round(i * lsb_per_step_ + adc_offset_[col]);
      ev_.adc_saturations += v > top_;
      codes[c] = static_cast<uint32_t>(std::clamp(v, 0.0, static_cast<double>(top_)));
    }
    ev_.charge += last_current_[c];
  }
}

namespace {

// count crossbars of the geometry's size: the base effects, crossbar i seeded chip_seed + i and
// run_seed + i.
std::vector<OuCrossbar> make_crossbars(uint32_t count, const OuXbarParams& base,
                                       const golden::ErabsGeometry& g, uint32_t cell_bits,
                                       uint32_t adc_bits) {
  std::vector<OuCrossbar> v;
  for (uint32_t i = 0; i < count; ++i) {
    OuXbarParams p = base;
    p.rows = g.xbar_rows;
    p.cols = g.xbar_cols;
    p.cell_bits = cell_bits;
    p.adc_bits = adc_bits;
    p.chip_seed = base.chip_seed + i;
    p.run_seed = base.run_seed + i;
    v.emplace_back(p);
  }
  return v;
}

}  // namespace

LayerChip::LayerChip(const golden::CompiledLayer& L, const OuXbarParams& base)
    : xbars_(make_crossbars(L.stats.crossbars, base, L.geom, 1, L.geom.adc_bits)), geom_(L.geom) {
  const auto& g = L.geom;
  std::vector<uint8_t> ou(size_t{g.ou_rows} * g.ou_cols);
  for (const auto& e : L.table) {
    for (uint32_t r = 0; r < g.ou_rows; ++r) {
      for (uint32_t c = 0; c < g.ou_cols; ++c) {
        const uint32_t lr = e.row_group * g.ou_rows + r, lc = e.col_group * g.ou_cols + c;
        ou[size_t{r} * g.ou_cols + c] =
            lr < L.k && lc < L.n && L.cell(e.pol, e.slice, lr, lc) ? 1 : 0;
      }
    }
    xbars_.at(e.slot.xbar)
        .program(e.slot.row_slot * g.ou_rows, e.slot.col_slot * g.ou_cols, g.ou_rows, g.ou_cols,
                 ou);
  }
}

void LayerChip::read(uint32_t xbar, uint32_t row_slot, uint32_t col_slot,
                     std::span<const uint8_t> in_bits, std::span<uint32_t> codes) {
  HYCIM_CHECK(xbar < xbars_.size(), "read of crossbar {}: the layer has {}", xbar, xbars_.size());
  xbars_[xbar].ou_read(row_slot * geom_.ou_rows, col_slot * geom_.ou_cols, in_bits, codes);
}

golden::OuReader LayerChip::reader() {
  return
      [this](const golden::OuEntry& e, std::span<const uint8_t> bits, std::span<uint32_t> codes) {
        read(e.slot.xbar, e.slot.row_slot, e.slot.col_slot, bits, codes);
      };
}

OuXbarEvents LayerChip::events() const {
  OuXbarEvents t;
  for (const auto& x : xbars_) {
    t.reads += x.events().reads;
    t.adc_conversions += x.events().adc_conversions;
    t.adc_saturations += x.events().adc_saturations;
    t.wordlines_driven += x.events().wordlines_driven;
    t.cells_read += x.events().cells_read;
    t.charge += x.events().charge;
  }
  return t;
}

IsaacChip::IsaacChip(const golden::IsaacLayer& L, const OuXbarParams& base)
    : xbars_(make_crossbars(L.crossbars, base, L.q.geom, 2, L.adc_bits)), geom_(L.q.geom) {
  const auto& g = geom_;
  std::vector<uint8_t> unit(size_t{g.xbar_rows} * g.ou_cols);
  for (const auto& u : L.table) {
    const auto& e = u.e;
    for (uint32_t r = 0; r < g.xbar_rows; ++r) {
      for (uint32_t c = 0; c < g.ou_cols; ++c) {
        const uint32_t lr = e.row_group * g.xbar_rows + r, lc = e.col_group * g.ou_cols + c;
        unit[size_t{r} * g.ou_cols + c] = static_cast<uint8_t>(
            lr < L.q.k && lc < L.q.n ? L.stored_level(e.pol, e.slice, lr, lc) : 0);
      }
    }
    xbars_.at(e.slot.xbar).program(0, e.slot.col_slot * g.ou_cols, g.xbar_rows, g.ou_cols, unit);
  }
}

void IsaacChip::read(uint32_t xbar, uint32_t col_slot, std::span<const uint8_t> in_bits,
                     std::span<uint32_t> codes) {
  HYCIM_CHECK(xbar < xbars_.size(), "read of crossbar {}: the layer has {}", xbar, xbars_.size());
  xbars_[xbar].ou_read(0, col_slot * geom_.ou_cols, in_bits, codes);
}

golden::IsaacReader IsaacChip::reader() {
  return [this](const golden::IsaacEntry& u, std::span<const uint8_t> bits,
                std::span<uint32_t> codes) { read(u.e.slot.xbar, u.e.slot.col_slot, bits, codes); };
}

}  // namespace hycim::sim
