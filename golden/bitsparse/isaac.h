// Golden model of the ISAAC_LIKE baseline on erabs_ctrl (docs/bitsparse/erabs_ctrl.md,
// "Baselines"): uniform 7-bit magnitudes in 2-bit cells, both arrays, every read driving all
// rows of a crossbar and converting 16 bitlines with an 8-bit ADC, nothing skipped.
//
// Layout: magnitude m = sum_s l_s 4^s with l_s = (m >> 2s) & 3 in slice s (0 .. ceil(B/2) - 1).
// A unit (pol, s, rb, h) is the xbar_rows x ou_cols cells of slice s of array pol for row block rb
// (rows [xbar_rows rb, xbar_rows rb + xbar_rows)) and column group h. Column weight-flip encoding
// (after ISAAC, Shafiee et al., ISCA 2016): a column of a unit whose levels sum over
// 3 * xbar_rows / 2 stores 3 - l instead of l, so no code exceeds 3 * xbar_rows / 2 (192 for 128
// rows, inside the 8-bit ADC), and the controller takes v = 3 * popcount(inputs) - code for it.
// The controller accumulates acc[c] += sign * (v << (2 s + plane)), as in the OU mode.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "golden/bitsparse/compiler.h"
#include "golden/bitsparse/execute.h"

namespace hycim::golden {

struct IsaacEntry {
  OuEntry e;          // col_group, pol, slice (2-bit slice), row_group = row block; slot
  uint32_t flip = 0;  // bit c: column c of the unit stores 3 - l
};

struct IsaacLayer {
  CompiledLayer q;  // the uniform quantization (compile_layer with T = B, no flip, no squeeze)
  uint32_t slices = 0, row_blocks = 0;
  uint32_t adc_bits = 8;
  std::vector<IsaacEntry> table;  // every unit, in issue order (column group, array, slice, block)
  uint32_t crossbars = 0;
  // The stored level of cell (r, c) of slice s of array pol (after the flip encoding).
  uint32_t stored_level(uint32_t pol, uint32_t s, uint32_t r, uint32_t c) const;
  bool flipped(const IsaacEntry& u, uint32_t c) const { return (u.flip >> c) & 1u; }
};

// Throws hycim::Error on bad sizes or a geometry whose crossbar height does not fit the 8-bit ADC
// after the flip encoding (3 * xbar_rows / 2 > 255).
IsaacLayer compile_isaac(std::span<const float> w, uint32_t k, uint32_t n,
                         const ErabsGeometry& g = {});

// The units and flip masks of a uniform, unflipped, unsqueezed compiled layer (what
// compile_isaac builds on).
IsaacLayer isaac_layout(CompiledLayer q);

// A tile of L as a layer of its own (tile_layer of its quantization, units laid out again); the
// tile's rows must start and end on a crossbar-high row block, so every unit and its flip mask
// is the same as in L. Throws otherwise.
IsaacLayer tile_isaac(const IsaacLayer& L, const LayerTile& t);

// One matrix-vector product: every unit, both phases, every plane, one read each. The reader
// (when given) answers a read of the unit's xbar_rows wordlines with ou_cols codes; without it
// the codes are the ideal sums of input bit x stored level, clamped to the ADC.
using IsaacReader = std::function<void(const IsaacEntry& u, std::span<const uint8_t> in_bits,
                                       std::span<uint32_t> codes)>;
ExecResult execute_isaac(const IsaacLayer& L, std::span<const int32_t> x,
                         const IsaacReader& reader = {});

}  // namespace hycim::golden
