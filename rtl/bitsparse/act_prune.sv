// act_prune: the activation side of the ERA-BS crossbar path (docs/architecture.md section 4.2,
// docs/bitsparse/act_prune.md). One beat is one row group: Rows activations, INT8 two's
// complement in [-(2^(ActBits-1) - 1), 2^(ActBits-1) - 1]. A group whose largest magnitude is
// below thresh_i is zeroed; for the group that goes out the block also emits its plane bitmap:
// bit (phase * MagBits + plane) is 1 when some activation of the phase (0: positive part, 1:
// negative part) has magnitude bit `plane` set. erabs_ctrl skips an OU read whose plane bit is 0.
//
// One register stage: a beat leaves one cycle after it is taken, one beat per cycle with no
// stalls (in_ready_o = the output register is empty or drained this cycle). An input lane of
// -2^(ActBits-1) (-128 for INT8) has no sign-magnitude code: it is read as magnitude 0 and
// flagged on out_bad_o, which the controller turns into ERR; nothing else changes.

`include "hycim_assert.svh"

module act_prune #(
  parameter int unsigned Rows    = 16,
  parameter int unsigned ActBits = 8,
  localparam int unsigned MagBits = ActBits - 1
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  // Threshold: groups with max |x| < thresh_i are zeroed (0: nothing is; 2^MagBits: all are).
  // Applied to each beat at its handshake, so it is part of the input payload: it must not
  // change while a beat waits (a register of the controller, written between layers).
  input  logic [MagBits:0]          thresh_i,
  // Input: one row group per beat; in_last_i marks the last group of a vector.
  input  logic                      in_valid_i,
  output logic                      in_ready_o,
  input  logic [Rows*ActBits-1:0]   in_act_i,
  input  logic                      in_last_i,
  // Output: the group (zeroed or as it came), its plane bitmap and flags.
  output logic                      out_valid_o,
  input  logic                      out_ready_i,
  output logic [Rows*ActBits-1:0]   out_act_o,
  output logic [2*MagBits-1:0]      out_planes_o,
  output logic                      out_zeroed_o,
  output logic                      out_bad_o,
  output logic                      out_last_o
);

  typedef struct packed {
    logic [Rows*ActBits-1:0] act;
    logic [2*MagBits-1:0]    planes;
    logic                    zeroed;
    logic                    bad;
    logic                    last;
  } beat_t;

  beat_t beat_d, beat_q;
  logic  valid_q;

  // Per lane: sign and magnitude; the group's largest magnitude; the OR of the magnitudes of
  // each phase.
  always_comb begin
    logic [MagBits-1:0] mag, max_mag;
    logic [MagBits-1:0] or_pos, or_neg;
    logic               neg;
    logic               bad;
    max_mag = '0;
    or_pos  = '0;
    or_neg  = '0;
    bad     = 1'b0;
    for (int unsigned r = 0; r < Rows; r++) begin
      neg = in_act_i[r*ActBits+ActBits-1];
      mag = neg ? MagBits'(-in_act_i[r*ActBits+:ActBits]) : in_act_i[r*ActBits+:MagBits];
      if (neg && in_act_i[r*ActBits+:MagBits] == '0) begin
        bad = 1'b1;  // -2^(ActBits-1): no magnitude code
        mag = '0;
      end
      if (mag > max_mag) max_mag = mag;
      if (neg) or_neg = or_neg | mag;
      else or_pos = or_pos | mag;
    end
    beat_d.zeroed = {1'b0, max_mag} < thresh_i;
    beat_d.act    = beat_d.zeroed ? '0 : in_act_i;
    beat_d.planes = beat_d.zeroed ? '0 : {or_neg, or_pos};
    beat_d.bad    = bad;
    beat_d.last   = in_last_i;
  end

  assign in_ready_o = !valid_q || out_ready_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
    end else if (in_ready_o) begin
      valid_q <= in_valid_i;
    end
  end

  // The payload needs no reset: it is only read while valid_q is set.
  always_ff @(posedge clk_i) begin
    if (in_ready_o && in_valid_i) beat_q <= beat_d;
  end

  assign out_valid_o  = valid_q;
  assign out_act_o    = beat_q.act;
  assign out_planes_o = beat_q.planes;
  assign out_zeroed_o = beat_q.zeroed;
  assign out_bad_o    = beat_q.bad;
  assign out_last_o   = beat_q.last;

  `HYCIM_ASSERT_INIT(RowsNonZero, Rows > 0, "Rows must be at least 1")
  `HYCIM_ASSERT_INIT(ActBitsRange, ActBits >= 2 && ActBits <= 16, "ActBits must be 2 .. 16")
  `HYCIM_ASSERT_STREAM_IN(ActIn, in_valid_i, in_ready_o, {in_act_i, in_last_i, thresh_i})
  `HYCIM_ASSERT_STREAM(ActOut, out_valid_o, out_ready_i, beat_q)
  `HYCIM_ASSERT(ZeroedHasNoPlanes, !out_valid_o || !out_zeroed_o || out_planes_o == '0)
  `HYCIM_ASSERT(NoXOnOutput, !out_valid_o || !$isunknown(beat_q))
  `HYCIM_COVER(GroupZeroed, out_valid_o && out_ready_i && out_zeroed_o)
  `HYCIM_COVER(BadLane, out_valid_o && out_ready_i && out_bad_o)

endmodule
