// requant_top: the INT32 -> INT8 requantizer of the attention output and GEMM paths as a HyCIM
// top: an APB register port, an ERR register, a start/done protocol and one input and one output
// stream. The registers and the run control are generated (requant_top_reg_top from
// requant_top.regs.toml, scripts/gen_regs.py); this file holds the sequencing and the datapath.
// Register map and error classes: docs/core/requant.md. Software model:
// golden/core/requant.h.
//
// A start (CTRL.START = 1) checks the configuration. An illegal one sets its ERR bits and DONE at
// once and touches no other state; a legal one clears ERR and the counters, loads the LFSR seed
// and accepts exactly LEN input beats. DONE rises when the LEN-th output beat has been taken.
// Configuration registers refuse writes (pslverr) while a run is busy.

`include "hycim_assert.svh"
`include "hycim_ports.svh"

module requant_top #(
  parameter int unsigned MaxLen       = 256,
  parameter int unsigned ApbAddrWidth = 12
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,
  // APB4 register port
  `HYCIM_APB_PORTS(ApbAddrWidth),
  // Input stream: INT32 elements
  input  logic                    in_valid_i,
  output logic                    in_ready_o,
  input  logic [31:0]             in_data_i,
  input  logic                    in_last_i,
  // Output stream: INT8 elements
  output logic                    out_valid_o,
  input  logic                    out_ready_i,
  output logic [7:0]              out_data_o,
  output logic                    out_last_o,
  // Level: the last start has finished (legal or not).
  output logic                    done_o
);

  localparam int unsigned MaxShift  = 47;
  localparam int unsigned MultWidth = 16;

  // ---------------------------------------------------------------------------------------
  // Registers and run control: generated from requant_top.regs.toml (scripts/gen_regs.py)
  logic        start_ok, busy, done, finish;
  logic [31:0] len, shift, mult, mode, seed;
  logic [31:0] count_in_q, count_out_q, sat_count_q;
  logic [31:0] count_in_d, count_out_d, sat_count_d;
  logic        in_hs, out_hs, in_expect_last, in_take;
  logic        unit_in_ready, unit_out_valid, unit_out_sat, unit_out_last;

  requant_top_reg_top #(
    .MaxLen       (MaxLen),
    .ApbAddrWidth (ApbAddrWidth)
  ) u_regs (
    .clk_i,
    .rst_ni,
    `HYCIM_APB_CONNECT,
    .start_o             (start_ok),
    .busy_o              (busy),
    .done_o              (done),
    .finish_i            (finish),
    // Configuration checks at start: every illegal class has its own bit.
    .err_len_zero_i      (len == 32'd0),
    .err_len_too_big_i   (len > 32'(MaxLen)),
    .err_bad_mode_i      (mode > 32'd3),
    .err_shift_too_big_i (shift > 32'(MaxShift)),
    .err_mult_too_big_i  (mult > 32'((1 << MultWidth) - 1)),
    .err_bad_seed_i      ((mode == 32'(hycim_pkg::RndStoch)) && (seed == 32'd0)),
    .err_last_mismatch_i (in_hs && (in_last_i != in_expect_last)),
    .len_o               (len),
    .shift_o             (shift),
    .mult_o              (mult),
    .mode_o              (mode),
    .seed_o              (seed),
    .count_in_i          (count_in_q),
    .count_out_i         (count_out_q),
    .sat_count_i         (sat_count_q)
  );

  // ---------------------------------------------------------------------------------------
  // Sequencing: exactly LEN input beats per run; the run ends with the LEN-th output beat.
  assign in_take        = busy && (count_in_q < len);
  assign in_ready_o     = in_take && unit_in_ready;
  assign in_hs          = in_valid_i && in_ready_o;
  assign out_hs         = out_valid_o && out_ready_i;
  assign in_expect_last = (count_in_q == len - 32'd1);
  assign finish         = out_hs && out_last_o;

  always_comb begin
    count_in_d  = count_in_q;
    count_out_d = count_out_q;
    sat_count_d = sat_count_q;
    if (start_ok) begin
      count_in_d  = 32'd0;
      count_out_d = 32'd0;
      sat_count_d = 32'd0;
    end else begin
      if (in_hs) count_in_d = count_in_q + 32'd1;
      if (out_hs) count_out_d = count_out_q + 32'd1;
      if (out_hs && unit_out_sat) sat_count_d = sat_count_q + 32'd1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      count_in_q  <= 32'd0;
      count_out_q <= 32'd0;
      sat_count_q <= 32'd0;
    end else begin
      count_in_q  <= count_in_d;
      count_out_q <= count_out_d;
      sat_count_q <= sat_count_d;
    end
  end

  requant_unit #(
    .InWidth    (32),
    .OutWidth   (8),
    .MultWidth  (MultWidth),
    .ShiftWidth (6)
  ) u_unit (
    .clk_i,
    .rst_ni,
    .mult_i      (mult[MultWidth-1:0]),
    .shift_i     (shift[5:0]),
    .mode_i      (mode[1:0]),
    .seed_load_i (start_ok),
    .seed_i      (seed),
    .in_valid_i  (in_valid_i && in_take),
    .in_ready_o  (unit_in_ready),
    .in_data_i   (in_data_i),
    .in_last_i   (in_expect_last),
    .out_valid_o (unit_out_valid),
    .out_ready_i (out_ready_i),
    .out_data_o  (out_data_o),
    .out_last_o  (unit_out_last),
    .out_sat_o   (unit_out_sat)
  );

  assign out_valid_o = unit_out_valid;
  assign out_last_o  = unit_out_last;
  assign done_o      = done;

  // The upper configuration bits are checked at start (ERR) rather than dropped.
  logic unused_cfg_bits;
  assign unused_cfg_bits = ^{shift[31:6], mult[31:MultWidth], mode[31:2]};

  `HYCIM_ASSERT_INIT(MaxLenRange, MaxLen >= 1 && MaxLen < (1 << 31), "MaxLen must be in 1..2^31-1")
  `HYCIM_ASSERT_STREAM_IN(InStream, in_valid_i, in_ready_o, {in_data_i, in_last_i})
  `HYCIM_ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, {out_data_o, out_last_o})
  `HYCIM_ASSERT(NoInputWhenIdle, in_hs |-> busy)
  `HYCIM_ASSERT(NeverMoreThanLen, in_hs |-> (count_in_q < len))
  `HYCIM_ASSERT(OutNeverAheadOfIn, count_out_q <= count_in_q)
  `HYCIM_COVER(CoverSaturation, out_hs && unit_out_sat)

endmodule
