// Cycle model of attn_top's head schedule (rtl/attention/head/attn_top.sv,
// docs/attention/attn_top.md "Cycle model"): from a head's configuration, the build sizes and the
// race length of every K and Q token it predicts the registers CYC_KENC, CYC_ROWS and CYCLES,
// the per-stream stall counters, and per stage the cycles a row costs and which stage bounds the
// row phase.
//
// How it is built. Every unit of the head is a small control model without data, advanced one
// clock at a time, and the units are joined by the same valid/ready handshakes as in the RTL
// (rows are the tokens that move; a row waits at a stage until the stage has finished its
// previous row and the row's input is there, which is the per-row recurrence
// start_i = max(end_{i-1}, ready_i) of each stage, evaluated cycle by cycle so that the queues
// between the stages couple them exactly as the RTL does):
//   - the internal APB master: 2 cycles per write; softmax LEN, ROWS, MODE, CTRL (8 cycles), then
//     per encoder with tokens NUM_TOK, SEL, SHIFT, TMAX, GROUPS, CTRL (12 cycles; 1 cycle for an
//     encoder without tokens); later one Q start (NUM_TOK, SEL, CTRL: 6 cycles) per encoder whose
//     K run has ended, lowest encoder first, one at a time;
//   - per encoder: one pending token, a race of R ticks (the WTA's done tick) that starts the cycle
//     after the token is there and the previous result has moved on, R + 3 cycles from race start
//     to the next race start, the code one cycle later on the encoder's output; DONE the cycle
//     after its last code, the Q start two cycles after that;
//   - one input stream (K rows, each waiting for its encoder; V rows, one per cycle; Q rows, each
//     waiting for its encoder in its Q run), always valid (a source without stalls);
//   - the code port (one code per cycle, lowest encoder first), row issue (every K code and Q code
//     i in; dense: Q row i taken), relevance_unit (ceil(S / RelLanes) beats per row into its spill
//     register), topk_select (golden::TopkPipeModel, reused as is), the dense index generator
//     (ceil(S / Banks) beats per row, one per cycle), the fork to the QK engine and the index queue
//     (IdxQDepth = 4 ceil(SeqLenMax / Banks) + 2 QueueDepth + 4 beats), the SRAM-CIM engines (the
//     dispatch / pop / reorder rules of golden::sram_cim_cycles, here with back-pressure on the
//     output), the softmax's three-stage slot sequencer (a slot ends when LOAD, MID and OUT are
//     done; MID takes B + 3 cycles, B = ceil(LEN / softmax lanes)), and the AV output register.
//
// Exactness. With the race lengths of the real run and, in sparse mode, the kept indices of every
// row (they decide the SRAM-CIM bank conflicts), the model is exact: the RTL test
// (tests/attention/test_attn_top.cc, AttnTopDirected.CycleModelMatchesRegisters) holds it to
// kAttnCycleBound = 0 cycles on CYC_KENC, CYC_ROWS and CYCLES, and on every stall counter, over
// random heads with the output always ready. Without the kept indices the engines are taken as
// conflict-free (key t of a row in lane t mod Banks, bank t mod Banks): exact in dense mode, and
// in sparse mode a few cycles short (at most 8 over the test's heads in ci: where the real keys
// share a bank). Not modelled: output back-pressure, input stalls, a head started while another
// runs, and the bert and minilm builds are checked only through `hycim attention` (the ci build is
// the test's).
// Softmax lanes. sm_lanes = G x Banks with G > 1 is attn_top's softmax behind its G:1 gearbox
// (AttnSoftmaxLanes; the RTL builds G = 1 and 2): the first G-1 score beats of a softmax beat
// are held and the G-th (or a row's last) passes with them in the same cycle; each probability
// beat goes to the AV engine as G beats of Banks lanes, one per cycle, popped after its last
// part or after the part with the row's last kept indices.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "golden/attention/attn_head.h"
#include "golden/attention/sram_cim.h"

namespace hycim::golden {

// The largest difference, in cycles, between the model and the RTL's CYC_KENC, CYC_ROWS and
// CYCLES that the RTL test accepts (with the run's race lengths and kept indices).
inline constexpr uint64_t kAttnCycleBound = 0;

// attn_top's build sizes.
struct AttnCycleBuild {
  uint32_t encoders = 2;     // E, PQ encoder instances
  uint32_t banks = 4;        // SRAM-CIM banks = lanes of the kept, score and probability streams
  uint32_t rel_lanes = 4;    // relevance keys per cycle
  uint32_t queue_depth = 8;  // SRAM-CIM request queue per bank
  uint32_t seq_max = 64;     // SeqLenMax
  uint32_t dim = 64;         // D (MACs per row read)
  uint32_t sm_lanes = 0;     // softmax lanes (AttnSoftmaxLanes); 0: banks
};

// What the model needs beyond the configuration.
struct AttnCycleInput {
  // Race length (ticks, the WTA's done tick: the last group's win tick, or t_max) of K token j and
  // Q token j; an empty vector: every token races `race` ticks.
  std::vector<uint32_t> k_race, q_race;
  uint32_t race = 128;
  // Kept key indices of every row (ascending, at most k), sparse mode; empty: conflict-free
  // indices (lane l to bank l), min(k, valid keys) of them.
  std::vector<std::vector<uint32_t>> kept;
};

// Cycles one row costs at each stage when nothing else limits it (steady state).
struct AttnStageRates {
  double q_encode = 0;   // E encoders in parallel: (mean Q race + 3) / E
  double relevance = 0;  // ceil(S / RelLanes) (sparse)
  double topk = 0;       // max(ceil(S / RelLanes) + 1, ceil(k / Banks)) (sparse)
  double index_gen = 0;  // ceil(S / Banks) (dense)
  double qk = 0;         // ceil(len / Banks) beats, conflict-free
  double softmax = 0;    // slot: max(B + 4, G B + 1) with B = ceil(len / sm_lanes), G the gearbox
  double av = 0;         // ceil(len / Banks)
  std::string bound;     // the stage with the largest figure
  double bound_cycles = 0;
};

struct AttnCyclePrediction {
  uint64_t cycles = 0;     // CYCLES: start to the last output row
  uint64_t kenc = 0;       // CYC_KENC (0 dense)
  uint64_t rows = 0;       // CYC_ROWS: first row request to the last output row
  uint64_t cfg_done = 0;   // cycle the internal APB master is done (input taken from then on)
  uint64_t first_row = 0;  // cycle of the first row request (sparse) or index beat (dense)
  // The stream counters of the registers (cycles a beat waited).
  uint64_t rel_stalls = 0, kept_stalls = 0, score_stalls = 0, prob_stalls = 0;
  uint64_t qk_stalls = 0, av_stalls = 0;  // SRAM-CIM dispatch stalls (bank queue full)
  AttnStageRates rates;
};

// The schedule of one head. c must be a legal configuration (golden::attn_config_errors == 0);
// race vectors, when given, have S entries.
AttnCyclePrediction attn_cycles(const AttnConfig& c, const AttnCycleBuild& b,
                                const AttnCycleInput& in);

// The per-stage figures alone (no simulation); mean_race: the Q tokens' mean race.
AttnStageRates attn_stage_rates(const AttnConfig& c, const AttnCycleBuild& b, double mean_race);

// The SRAM-CIM engine model the head model uses (with an output that may stall), run alone with
// its output always ready and every beat offered as soon as the previous one is taken: the same
// figures as golden::sram_cim_cycles without arrival times (accept, out, rows_read, stall_cycles,
// end_cycle), which the unit test checks.
SramTiming attn_engine_replay(const SramTimingConfig& c, std::span<const SramBeat> beats);

}  // namespace hycim::golden
