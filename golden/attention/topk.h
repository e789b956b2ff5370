// Golden model of topk_select (docs/attention/topk.md): the exact top-k rule of the sparse
// attention path and a cycle model of the RTL's row pipeline.
//
// Rule, per query row i with S relevance scores r_j in [-2048, 2047] and valid flags v_j:
//   - forced keys: key 0 when force_first, key i when force_diag (one key when i = 0 and both are
//     set); a forced key is kept when it is valid, and every kept forced key takes one of the k
//     slots (the caller guarantees k >= the number of forced-keep enables);
//   - the other need = k - #forced-kept slots go to the valid non-forced keys with the highest r,
//     equal r to the lower index; with fewer such keys than need, all of them are kept;
//   - kept indices come out in ascending order. So #kept = min(k, #valid keys).
// Equivalently, with u = r + 2048 (12 bits): the threshold T is the u of the need-th best
// non-forced key; every such key with u > T is kept, and of those with u == T the first
// (need - #above) in index order.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hycim::golden {

// How the non-forced slots were filled.
enum class TopkMode : uint8_t {
  kNone = 0,       // need == 0: only forced keys are kept
  kAll = 1,        // need >= #valid non-forced keys: every valid key is kept
  kThreshold = 2,  // some valid non-forced keys are dropped: threshold and tie split below
};

struct TopkResult {
  std::vector<uint32_t> kept;  // ascending key indices, size min(k, #valid)
  TopkMode mode = TopkMode::kNone;
  uint32_t forced_kept = 0;  // forced keys kept (0..2)
  uint32_t need = 0;         // k - forced_kept
  uint32_t eligible = 0;     // valid non-forced keys
  uint32_t threshold = 0;    // kThreshold: T in the u = r + 2048 domain (0..4095)
  uint32_t above = 0;        // kThreshold: non-forced keys with u > T (all kept)
  uint32_t ties_taken = 0;   // kThreshold: keys with u == T kept (the lowest indices)
  uint32_t ties_total = 0;   // kThreshold: non-forced valid keys with u == T
};

// The rule above. r and valid have S entries (1 <= S), 1 <= k <= S, the scores of valid keys in
// [-2048, 2047] (invalid keys' scores are ignored), and k >= force_first + force_diag.
TopkResult topk_select(std::span<const int16_t> r, std::span<const uint8_t> valid, uint32_t k,
                       uint32_t row, bool force_first, bool force_diag);

// ---- Cycle model of rtl/attention/topk/topk_select.sv ----------------------------------------
//
// The RTL is a four-stage row pipeline; a row moves to the next stage at the clock edge where
// its stage finishes and the next stage is free or finishes in the same cycle:
//   S1 input   NB = ceil(S/Lanes) cycles: one input beat per cycle (high-bin histogram);
//   S2 pass 2  NB + 1 cycles: select the high bin, then the low-bin histogram over the stored row;
//   S3 emit    NB + 1 cycles: select the threshold, then mark and compact the kept keys;
//   S4 output  NO = ceil(k/OutLanes) cycles: one output beat per cycle.
// S1 accepts the last beat of a row only in a cycle where S2 can take the row, S4's last beat
// frees it at its handshake. With input always valid and output always ready the steady state is
//   cycles per row = max(NB + 1, NO),
// and the first row's last output beat is handed over 3 * NB + 1 + NO cycles after its first
// input beat.
struct TopkTiming {
  uint32_t nb = 1;  // input beats per row, ceil(S / Lanes)
  uint32_t no = 1;  // output beats per row, ceil(k / OutLanes)
};

uint32_t topk_cycles_per_row(const TopkTiming& t);

// A cycle-by-cycle model of the pipeline's control (no data). step() takes this cycle's in_valid
// and out_ready and returns the RTL's in_ready and out_valid/out_last of the same cycle; the state
// then moves to the next cycle. (in_valid may depend on in_ready, as a source that holds an
// offered beat does; the model's in_ready does not look at in_valid.)
class TopkPipeModel {
 public:
  explicit TopkPipeModel(TopkTiming t) : t_(t) {}
  struct Out {
    bool in_ready = false;
    bool out_valid = false;
    bool out_last = false;
  };
  // What the RTL drives in this cycle before the handshakes (in_ready uses out_ready).
  Out peek(bool out_ready) const;
  // Advances one clock edge; returns the same as peek().
  Out step(bool in_valid, bool out_ready);
  bool idle() const { return !s1_busy_ && !s2_busy_ && !s3_busy_ && !s4_busy_; }

 private:
  TopkTiming t_;
  bool s1_busy_ = false;
  uint32_t s1_beat_ = 0;
  bool s2_busy_ = false;
  uint32_t s2_cyc_ = 0;
  bool s3_busy_ = false;
  uint32_t s3_cyc_ = 0;
  bool s4_busy_ = false;
  uint32_t s4_beat_ = 0;
};

// With input always valid and output always ready from cycle 0 on: the cycle (counted from the
// first input handshake at cycle 0) of every row's last output beat, for `rows` rows.
std::vector<uint64_t> topk_last_beat_cycles(const TopkTiming& t, uint32_t rows);

}  // namespace hycim::golden
