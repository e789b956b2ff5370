// Golden model of sram_cim (rtl/attention/sram/sram_cim.sv, docs/attention/sram_cim.md): the two
// digital compute-in-memory engines of the sparse-attention head.
//
// Values:
//   QK  score_l = sum_d q[d] * K[idx_l][d] for every valid lane l (INT32, exact), 0 otherwise.
//   AV  acc[d]  = sum over the valid lanes of a row's beats of p_l * V[idx_l][d] (INT32, exact;
//       p unsigned UQ0.16), o[d] = sat8(rnd_shr(acc[d] * mult, shift)) half-up, mult 16-bit
//       unsigned, shift 0..47 (the requant rule of golden/core/requant.h).
//
// Timing (sram_cim_cycles): the schedule both engines follow, cycle by cycle, as the RTL does it.
// Key row j lives in bank j mod Banks; each bank has a request queue of QueueDepth entries and a
// reorder buffer of RobDepth = QueueDepth + 3 beat slots serves the whole engine. In cycle t:
//   1. Dispatch. The beat on the input (valid) takes a free reorder slot when it has none yet (a
//      slot is free when fewer than RobDepth are allocated at the start of the cycle); then its
//      not yet dispatched valid lanes go, in lane order, into their bank's queue. A lane goes when
//      its queue holds fewer than QueueDepth entries, counting the entry its bank pops in this
//      cycle as gone and the lanes pushed before it in this cycle as there; the first lane that
//      cannot go stops every later lane (a dispatch-stall cycle). The beat is taken (ready) in
//      the cycle its last remaining lane goes; the next beat is on the input from the next cycle.
//   2. Pop. Every bank whose queue is not empty at the start of the cycle pops its head and reads
//      the row (one row read, Dim MACs); the result is in the reorder slot two cycles later
//      (t + 1: the read data register and the MAC, t + 2: visible).
//   3. Retire. The oldest slot retires when its beat has been taken and all its valid lanes are
//      back. QK: the output beat is that slot, in the cycle it is complete. AV: the retiring beat
//      is accumulated; a row's last beat loads the requantized row into the output register,
//      which is valid from the next cycle.
// A cycle is busy when an input beat is valid or anything is held (a queue entry, a read in
// flight, a reorder slot, the AV output register). Utilization = MACs / (busy * Banks * Dim).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "golden/core/tensor.h"

namespace hycim::golden {

// ---- Values --------------------------------------------------------------------------------

// QK scores of one beat: idx and valid have one entry per lane; k is SeqLenMax x Dim (or at
// least every valid index x Dim), q has Dim entries.
std::vector<int32_t> sram_qk_scores(std::span<const int8_t> q, const Tensor<int8_t>& k,
                                    std::span<const uint32_t> idx, std::span<const uint8_t> valid);

struct SramAvRow {
  std::vector<int32_t> acc;  // Dim exact accumulators
  std::vector<int8_t> out;   // Dim requantized outputs
};

// AV output of one row: idx, p and valid have one entry per lane of all the row's beats.
// Throws hycim::Error if an accumulator leaves INT32 or shift > 47 or mult > 0xFFFF.
SramAvRow sram_av_row(const Tensor<int8_t>& v, std::span<const uint32_t> idx,
                      std::span<const uint16_t> p, std::span<const uint8_t> valid, uint32_t mult,
                      uint32_t shift);

// ---- Beats as topk_select emits them ---------------------------------------------------------

struct SramBeat {
  std::vector<uint32_t> idx;   // Banks lanes
  std::vector<uint8_t> valid;  // Banks lanes
  std::vector<uint16_t> p;     // Banks lanes (AV only; empty for QK)
  bool last = false;           // last beat of its row
};

// The beats of one row: ceil(k / banks) beats (at least one), kept indices packed from lane 0,
// padding lanes (valid 0, index 0) at the end. kept.size() <= k.
std::vector<SramBeat> sram_row_beats(std::span<const uint32_t> kept, uint32_t k, uint32_t banks);

// ---- Timing --------------------------------------------------------------------------------

enum class SramEngine { kQk, kAv };

struct SramTimingConfig {
  SramEngine engine = SramEngine::kQk;
  uint32_t banks = 4;
  uint32_t queue_depth = 2;
  uint32_t dim = 64;
  uint32_t rob_depth = 0;  // 0: the RTL's QueueDepth + 3
};

inline uint32_t sram_rob_depth(uint32_t queue_depth) { return queue_depth + 3; }

struct SramTiming {
  std::vector<uint64_t> accept;  // per input beat: the cycle it was taken
  std::vector<uint64_t> out;     // per output beat (QK: per input beat, AV: per row): its cycle
  uint64_t rows_read = 0;
  uint64_t macs = 0;             // rows_read * dim
  uint64_t stall_cycles = 0;     // dispatch stopped by a full bank queue
  uint64_t rob_full_cycles = 0;  // a new beat waited for a reorder slot (not a stall cycle)
  uint64_t busy_cycles = 0;
  uint64_t end_cycle = 0;  // first cycle with nothing left to do
  double utilization(uint32_t banks, uint32_t dim) const;
};

// Replays the schedule for a stream of beats with the output always ready. Cycles count from 0;
// beat n is on the input from max(arrive[n], accept[n-1] + 1) (arrive empty: every beat is
// ready at once, so beat 0 is valid in cycle 0). The stream may hold many rows; every row ends
// with a beat whose last is set. Throws hycim::Error on a malformed stream.
SramTiming sram_cim_cycles(const SramTimingConfig& c, std::span<const SramBeat> beats,
                           std::span<const uint64_t> arrive = {});

}  // namespace hycim::golden
