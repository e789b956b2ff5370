// Behavioral model of one ERA-BS ReRAM crossbar read by operation units (docs/architecture.md
// section 5.4, docs/bitsparse/ou_xbar.md): the analog half that answers erabs_ctrl's OU reads.
//
// program() writes cell levels (0 .. 2^cell_bits - 1); ou_read() drives a run of wordlines with
// one bit each and converts a run of bitlines, returning one ADC code per bitline. Ideal mode
// (every effect off) is integer-only: code = min(2^adc_bits - 1, sum_r in_r * level_rc), the
// popcount of input bits AND cell bits for 1-bit cells, so it is the golden model
// (golden::execute_layer) bit for bit. The non-ideal mode adds, each a separate switch:
//   - HRS leakage: a level-0 cell conducts hrs_leak level steps (a 1-40 uS cell: 1/40);
//   - conductance variation: each cell's conductance times (1 + prog_sigma N(0,1)) (static);
//   - read noise: each bitline current times (1 + read_sigma N(0,1)) per read (dynamic);
//   - ADC offset: per bitline, adc_offset_sigma N(0,1) LSB (static);
//   - ADC range: adc_range level steps map to the top code (default 2^adc_bits - 1, one LSB per
//     step); resolution: adc_bits, codes clamped to [0, 2^adc_bits - 1].
// Static effects are drawn once, at construction, from chip_seed; dynamic ones from run_seed,
// both through golden::Rng. The ISAAC-like baseline is the same model with 2-bit cells, all 128
// wordlines per read and an 8-bit ADC (isaac_like()).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "golden/bitsparse/compiler.h"
#include "golden/bitsparse/execute.h"
#include "golden/bitsparse/isaac.h"
#include "golden/core/rng.h"

namespace hycim::sim {

struct OuXbarParams {
  uint32_t rows = 128;            // wordlines
  uint32_t cols = 128;            // bitlines
  uint32_t cell_bits = 1;         // bits per cell: 1 (ERA-BS) or 2 (ISAAC-like)
  uint32_t adc_bits = 5;          // ADC resolution
  double adc_range = 0.0;         // level steps at the top code; 0: 2^adc_bits - 1 (1 LSB = 1 step)
  double hrs_leak = 0.0;          // conductance of a level-0 cell, in level steps
  double prog_sigma = 0.0;        // relative sigma of each cell's conductance (static)
  double read_sigma = 0.0;        // relative sigma of each bitline current per read (dynamic)
  double adc_offset_sigma = 0.0;  // sigma of each bitline's ADC offset, in LSB (static)
  uint64_t chip_seed = 1;
  uint64_t run_seed = 1;

  // The ISAAC-like baseline: 128 x 128 crossbar of 2-bit cells, 8-bit ADC, all rows per read.
  static OuXbarParams isaac_like();
  bool ideal() const;  // every effect off and the default ADC range
  // Throws hycim::Error naming the first bad field: sizes of 0, cell_bits not 1 or 2, adc_bits
  // outside 1 .. 16, a negative or non-finite effect or range, a sigma over 1, hrs_leak over 1.
  void check() const;
  std::string describe() const;  // the non-default effects, "ideal" when there are none
};

// Per-read event counts for the energy accounting.
struct OuXbarEvents {
  uint64_t reads = 0;
  uint64_t wordlines_driven = 0;  // input bits that were 1
  uint64_t cells_read = 0;        // wordlines driven x bitlines converted
  uint64_t adc_conversions = 0;   // bitlines converted
  uint64_t adc_saturations = 0;   // conversions whose value was above the top code
  double charge = 0.0;            // sum of bitline currents, in level steps x reads
};

class OuCrossbar {
 public:
  explicit OuCrossbar(const OuXbarParams& p);

  // Writes an n x m block of levels (row-major) with its top-left cell at (r0, c0). Throws on a
  // block outside the array or a level of 2^cell_bits or more.
  void program(uint32_t r0, uint32_t c0, uint32_t n, uint32_t m, std::span<const uint8_t> levels);
  // One read: in_bits.size() wordlines from r0 driven with 0/1, bitlines [c0, c0 + codes.size())
  // converted into codes. Throws on a run outside the array or an input that is not 0 or 1.
  void ou_read(uint32_t r0, uint32_t c0, std::span<const uint8_t> in_bits,
               std::span<uint32_t> codes);

  uint8_t level(uint32_t r, uint32_t c) const { return level_[size_t{r} * p_.cols + c]; }
  // The analog bitline currents of the last read (level steps), for waveforms and studies.
  const std::vector<double>& last_current() const { return last_current_; }
  const OuXbarEvents& events() const { return ev_; }
  const OuXbarParams& params() const { return p_; }

 private:
  OuXbarParams p_;
  bool ideal_ = true;
  uint32_t top_ = 0;                // 2^adc_bits - 1
  double lsb_per_step_ = 1.0;       // top_ / adc_range
  std::vector<uint8_t> level_;      // rows x cols
  std::vector<double> g_rel_;       // rows x cols: 1 + the cell's programming error
  std::vector<double> adc_offset_;  // per bitline, LSB
  std::vector<double> last_current_;
  golden::Rng run_rng_;  // the run stream (dynamic effects)
  OuXbarEvents ev_;
};

// The crossbars of a compiled layer, programmed from its OU table: crossbar i takes the base
// parameters with the layer's geometry and seeds chip_seed + i, run_seed + i. reader() answers
// golden::execute_layer's reads (logical entries); read() answers a controller's physical read
// (crossbar, row slot, column slot) the same way, so a golden run and an RTL run on two chips
// built alike see the same codes in the same read order.
class LayerChip {
 public:
  LayerChip(const golden::CompiledLayer& L, const OuXbarParams& base);

  void read(uint32_t xbar, uint32_t row_slot, uint32_t col_slot, std::span<const uint8_t> in_bits,
            std::span<uint32_t> codes);
  golden::OuReader reader();
  OuXbarEvents events() const;  // summed over the crossbars
  size_t size() const { return xbars_.size(); }

 private:
  std::vector<OuCrossbar> xbars_;
  golden::ErabsGeometry geom_;
};

// The crossbars of an ISAAC_LIKE layer (2-bit cells, 8-bit ADC, all rows per read), programmed
// with its stored (flip-encoded) levels; crossbar i seeded like LayerChip's.
class IsaacChip {
 public:
  IsaacChip(const golden::IsaacLayer& L, const OuXbarParams& base);

  // A read of every wordline of crossbar xbar, converting the ou_cols bitlines of col_slot.
  void read(uint32_t xbar, uint32_t col_slot, std::span<const uint8_t> in_bits,
            std::span<uint32_t> codes);
  golden::IsaacReader reader();
  size_t size() const { return xbars_.size(); }

 private:
  std::vector<OuCrossbar> xbars_;
  golden::ErabsGeometry geom_;
};

}  // namespace hycim::sim
