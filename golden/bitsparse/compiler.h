// Golden model of the ERA-BS weight compiler (docs/bitsparse/compiler.md): it turns a float weight
// matrix into the bit slices, the operation-unit (OU) occupancy and the tables that the erabs_ctrl
// controller loads. Every step is a switch, so that what each technique contributes can be
// measured with the others fixed.
//
// A layer computes y = W^T x with W of K rows (inputs, crossbar wordlines) by N columns (outputs,
// bitlines). Weights are sign-magnitude with B magnitude bits (default 7, so 8-bit weights): a
// positive weight lives in the positive array, a negative one in the negative array, and each
// magnitude bit b is one 1-bit-cell slice. An OU is ou_rows x ou_cols cells of one slice of one
// array (16 x 16 by default): OU (pol, b, g, h) covers rows [16 g, 16 g + 16) and columns
// [16 h, 16 h + 16) of slice b. An OU whose cells are all 0 is empty: it is never read.
//
// Steps, in order:
//   1. Quantization (per output column): q = |w| / s_c with s_c = max_r |w_rc| / m_max, and the
//      magnitude m = the nearest value with at most T bits set (exponent-based quantization; ties
//      to the smaller value). T = B is plain uniform quantization. m_max is the largest such value
//      (96 for T = 2, B = 7), so every column's largest weight is represented exactly.
//   2. Bit flip: the non-empty OUs are emptied one at a time, cheapest first. Emptying OU
//      (pol, b, g, h) re-chooses every weight in it that uses bit b: the nearest magnitude with at
//      most T bits, bit b clear, and every other bit in an OU of the same block that is non-empty
//      and not yet emptied by this pass (so no empty OU is ever refilled; 0 is always allowed).
//      The cost of an OU is the sum over those weights of (q - m')^2 - (q - m)^2, ties between
//      OUs to the lower OU index. After each flip the OUs of the same array in the same block
//      are re-costed (the other array's weights have the other sign and did not change). The
//      pass stops when the cheapest OU would take the added squared error over
//      flip_budget * sum(q^2) of the layer (then no OU fits). An OU that a flip leaves empty as a
//      side effect counts as emptied too. Every cost is >= 0: a weight's magnitude is always the
//      nearest level among the choices it has left.
//   3. Squeeze-out (of empty row groups): column group h keeps its bitline position h % 8 in the
//      crossbars of column set h / 8, so each bitline still feeds one output accumulator; its
//      stored OUs, in issue order (array, slice, row group), fill that position's row slots one
//      after another and spill into the next crossbar of the set. A set takes the crossbars its
//      fullest column group needs. The remap table gives each slot its logical (array, slice, row
//      group). Without squeeze-out every OU keeps its place in the dense tiling and the enable
//      table marks the empty ones, so the controller still skips them (static skipping) but the
//      crossbars are not saved.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hycim::golden {

// The crossbar and OU shape (docs/bitsparse/compiler.md "Geometry").
struct ErabsGeometry {
  uint32_t mag_bits = 7;      // B: weight magnitude bits (slices per array)
  uint32_t ou_rows = 16;      // wordlines per OU
  uint32_t ou_cols = 16;      // bitlines per OU (ADC conversions per OU read)
  uint32_t xbar_rows = 128;   // wordlines per crossbar (a multiple of ou_rows)
  uint32_t xbar_cols = 128;   // bitlines per crossbar (a multiple of ou_cols)
  uint32_t act_mag_bits = 7;  // activation magnitude bits (sign-magnitude, 8-bit activations)
  uint32_t adc_bits = 5;      // ADC resolution; ou_rows must fit (an ideal OU read is exact)
};

struct CompileOptions {
  uint32_t max_terms = 2;     // T: bits set per magnitude (B = uniform quantization)
  bool bit_flip = true;       // step 2
  double flip_budget = 0.02;  // step 2's bound: added squared error / sum(q^2)
  bool squeeze = true;        // step 3
  // The PRUNE_LIKE baseline: whole ou_rows x ou_cols weight blocks zeroed, cheapest first, within
  // flip_budget (before step 2, which gets what is left). With max_terms = B and bit_flip off it
  // is structured pruning of uniformly quantized weights (docs/bitsparse/compiler.md).
  bool block_prune = false;
};

// Throws hycim::Error naming the first bad field (zero or unaligned sizes, an ADC too narrow
// for an OU's popcount, more than 16 magnitude bits, T of 0 or over B, a negative or non-finite
// budget).
void check_erabs_geometry(const ErabsGeometry& g);
void check_compile_options(const ErabsGeometry& g, const CompileOptions& o);

// The magnitudes with at most t bits set among b bits, ascending (0 first), and the nearest of
// them to q >= 0 (ties to the smaller).
std::vector<uint32_t> exponent_levels(uint32_t b, uint32_t t);
uint32_t nearest_level(std::span<const uint32_t> levels, double q);

// One OU slot of the physical layout.
struct OuSlot {
  uint32_t xbar = 0;      // crossbar index
  uint32_t row_slot = 0;  // OU row position in the crossbar (0 .. xbar_rows / ou_rows - 1)
  uint32_t col_slot = 0;  // OU column position (0 .. xbar_cols / ou_cols - 1)
};

// One entry of the controller's OU table, in issue order: column group, then array (positive
// first), then slice (LSB first), then row group.
struct OuEntry {
  uint32_t col_group = 0;
  uint32_t pol = 0;  // 0 positive array, 1 negative array
  uint32_t slice = 0;
  uint32_t row_group = 0;
  OuSlot slot;
};

struct CompileStats {
  uint64_t ous_total = 0;           // 2 * B * row groups * column groups
  uint64_t ous_nonempty_quant = 0;  // after step 1
  uint64_t ous_nonempty = 0;        // after step 2 (what is stored)
  uint64_t ous_flipped = 0;         // emptied by step 2 (including side effects)
  uint64_t weights_changed = 0;     // magnitudes step 2 (or block pruning) changed
  uint64_t blocks_pruned = 0;       // weight blocks zeroed by block_prune
  uint64_t bits_quant = 0;          // 1 cells after step 1
  uint64_t bits = 0;                // 1 cells after step 2
  double signal = 0.0;              // sum q^2
  double err_quant = 0.0;           // sum (q - m)^2 after step 1
  double err = 0.0;                 // after step 2
  uint32_t crossbars = 0;           // crossbars holding the stored OUs
  uint32_t crossbars_dense = 0;     // crossbars of the dense tiling (no squeeze-out)
};

struct CompiledLayer {
  ErabsGeometry geom;
  CompileOptions opts;
  uint32_t k = 0, n = 0;                    // rows (inputs) and columns (outputs)
  uint32_t row_groups = 0, col_groups = 0;  // ceil(K / ou_rows), ceil(N / ou_cols)
  std::vector<uint32_t> levels;             // the magnitudes step 1 chooses from
  std::vector<int32_t> w;                   // K x N, row-major: +-m (sign-magnitude value)
  std::vector<int32_t> w_quant;             // the same after step 1 only
  std::vector<double> scale;                // N: w_rc ~ w[r][c] * scale[c]
  // OU occupancy, index ((pol * B + slice) * row_groups + g) * col_groups + h: 1 non-empty.
  std::vector<uint8_t> occupied;
  std::vector<OuEntry> table;  // the stored OUs in issue order
  CompileStats stats;

  size_t ou_index(uint32_t pol, uint32_t slice, uint32_t g, uint32_t h) const {
    return ((static_cast<size_t>(pol) * geom.mag_bits + slice) * row_groups + g) * col_groups + h;
  }
  // The bit of cell (r, c) in slice b of array pol.
  bool cell(uint32_t pol, uint32_t slice, uint32_t r, uint32_t c) const;
};

// Steps 1 to 3 on a K x N row-major float matrix. Throws hycim::Error on bad options, sizes of
// zero, a size mismatch or a non-finite weight.
CompiledLayer compile_layer(std::span<const float> w, uint32_t k, uint32_t n,
                            const ErabsGeometry& g = {}, const CompileOptions& o = {});

// A rectangle of a compiled layer: rows [row0, row0 + rows) and columns [col0, col0 + cols).
// A controller built for at most max_k x max_n runs a larger layer tile by tile, the driver adding
// the partial sums of the row tiles of each column tile (docs/bitsparse/erabs_ctrl.md "Layers
// larger than the build").
struct LayerTile {
  uint32_t row0 = 0, rows = 0, col0 = 0, cols = 0;
};

// The tiles of a K x N layer for a build of max_k x max_n (multiples of the OU shape): column
// tiles outer, row tiles inner, every tile max_k x max_n except the last row and column ones.
// Throws on zero sizes or a max_k / max_n that is not a multiple of the OU.
std::vector<LayerTile> plan_tiles(uint32_t k, uint32_t n, const ErabsGeometry& g, uint32_t max_k,
                                  uint32_t max_n);

// The tile as a layer of its own: the compiled weights, scales and occupancy of its rows and
// columns (nothing is re-quantized or re-flipped), and its table laid out on crossbars of its own,
// squeezed or dense as L was. The OU schedule of a tile is the part of L's schedule that falls in
// it (act_prune's groups and planes are per row group), so the tiles' outputs summed over the row
// tiles equal L's, and their counters summed equal L's (tested). Of the stats only ous_total,
// ous_nonempty, bits, bits_quant and the crossbar counts describe the tile; the error fields stay
// 0. Throws when the tile is empty, outside L or not aligned to the OU.
CompiledLayer tile_layer(const CompiledLayer& L, const LayerTile& t);

// A one-line summary of the stats ("OUs 1234/2688 stored ...").
std::string describe(const CompileStats& s);

}  // namespace hycim::golden
