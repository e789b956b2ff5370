// Golden model of one ERA-BS layer on the crossbars (docs/bitsparse/compiler.md "Execution"): the
// activation quantizer, act_prune, and the bit-exact OU schedule of erabs_ctrl with its counters.
//
// Activations are sign-magnitude with A magnitude bits (default 7: 8-bit activations,
// x in [-127, 127]). A crossbar wordline is driven with one bit, so a signed input vector is fed
// in two phases: phase 0 drives the bits of max(x, 0), phase 1 those of max(-x, 0). Each phase
// has A bit-planes. An OU read drives the 16 wordlines of one row group with one plane of one
// phase and returns, per bitline, the popcount of (input bit AND cell bit): the ADC code. The
// controller accumulates
//     acc[c] += sign(pol) * sign(phase) * (code << (slice + plane)),
// so acc = W^T x exactly (the shift-add recombination).
//
// Schedule: the stored OUs in table (issue) order -> phase -> plane, as erabs_ctrl issues them.
// A read is skipped
//   - statically when its OU is empty (it is not in the compiler's table), and
//   - dynamically when the plane's bits of its row group are all zero (act_prune's bitmaps).
// Counting rule: every (OU, phase, plane) pair of the dense schedule is exactly one of issued,
// skipped static, skipped dynamic; each issued read is ou_cols ADC conversions.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "golden/bitsparse/compiler.h"

namespace hycim::golden {

// x_q = round(x / s) (half away from zero), clamped to +-(2^A - 1), with s = max|x| / (2^A - 1)
// (s = 1 for an all-zero vector). Throws on a non-finite input.
struct ActQuant {
  std::vector<int32_t> x;
  double scale = 1.0;
};
ActQuant quantize_activations(std::span<const float> x, uint32_t act_mag_bits);

// act_prune: every ou_rows-row group whose largest |x| is below `threshold` is zeroed; then, per
// phase and plane, one bit per row group: 1 when some row of the group has that bit set.
struct ActPruneResult {
  std::vector<int32_t> x;             // the pruned vector
  std::vector<uint8_t> group_zeroed;  // per row group: 1 when the threshold zeroed it
  std::vector<uint8_t> plane_any;     // (phase * A + plane) * row_groups + g
  uint32_t row_groups = 0;
  bool any(uint32_t phase, uint32_t plane, uint32_t g, uint32_t a) const {
    return plane_any[(static_cast<size_t>(phase) * a + plane) * row_groups + g] != 0;
  }
};
ActPruneResult act_prune(std::span<const int32_t> x, uint32_t ou_rows, uint32_t act_mag_bits,
                         uint32_t threshold);

struct ExecOptions {
  bool dynamic_skip = true;
  uint32_t prune_threshold = 0;  // act_prune's threshold (0: nothing is zeroed)
};

struct ExecCounters {
  uint64_t dense = 0;            // 2 arrays * B slices * row groups * column groups * 2 * A
  uint64_t issued = 0;           // OU reads
  uint64_t skipped_static = 0;   // pairs of an empty OU
  uint64_t skipped_dynamic = 0;  // pairs of a stored OU whose input bits were all zero
  uint64_t adc_conversions = 0;  // issued * ou_cols
  uint64_t max_code = 0;         // largest ADC code seen (<= ou_rows for ideal reads)
};

struct ExecResult {
  std::vector<int64_t> y;  // N accumulators, W^T x of the pruned x
  std::vector<int32_t> x;  // the pruned input
  ExecCounters counters;
};

// Where the ADC codes of an issued read come from: given the OU's table entry and the ou_rows
// wordline bits (rows beyond K are 0), it writes ou_cols codes (columns beyond N are ignored).
// The testbenches and the crossbar model plug in here (sim/bitsparse/ou_xbar.h); without one,
// the codes are the ideal popcounts.
using OuReader = std::function<void(const OuEntry& e, std::span<const uint8_t> in_bits,
                                    std::span<uint32_t> codes)>;

// One matrix-vector product through the OU schedule. x has K entries in +-(2^A - 1).
ExecResult execute_layer(const CompiledLayer& L, std::span<const int32_t> x,
                         const ExecOptions& o = {}, const OuReader& reader = {});

// The counters of execute_layer without the reads (one bitmap test per table entry, phase and
// plane): what a study of a large layer needs when the product itself comes from matvec on the
// pruned input (equal to execute_layer's output on an ideal chip). Tested equal to
// execute_layer's counters.
ExecCounters count_reads(const CompiledLayer& L, std::span<const int32_t> x,
                         const ExecOptions& o = {});

// The textbook product sum_r x_r * w[r][c] of the compiled integer weights (the independent
// reference the schedule is tested against).
std::vector<int64_t> matvec(const CompiledLayer& L, std::span<const int32_t> x);

}  // namespace hycim::golden
