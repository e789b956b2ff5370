// pq_encoder: streams token vectors to the analog PQ crossbar and collects their codes
// (docs/architecture.md sections 2.1-2.2), as a HyCIM top: APB registers, an ERR register, a
// token input stream, a code output stream, the crossbar port answered by the analog model, and
// the Q and K code buffers with a read port for the relevance unit. The registers and the run
// control are generated (pq_encoder_reg_top from pq_encoder.regs.toml, scripts/gen_regs.py); this
// file holds the sequencing and the datapath. Register map, timing and the mapping of tokens to
// input levels: docs/attention/pq_encoder.md. Golden model: golden/attention/pq.h.
//
// A start (CTRL.START) checks the configuration; an illegal one sets its ERR bits and DONE and
// touches nothing else. A legal run accepts NUM_TOK tokens (one per beat, Dim INT8 elements,
// element 0 in bits 7:0). Per token:
//   1. the beat is taken into the token register and its row input levels are computed:
//      u = sat(rnd_shr(x, SHIFT), InBits) + 2^(InBits-1), the bias row at full scale;
//   2. when no race is in flight, the levels move to the drive register (xb_level_o, stable for
//      the whole race), xb_eval_o is high for one cycle and td_wta_ctrl starts;
//   3. when the race is done its codes go to the code buffer selected by SEL (entry = token
//      index) and to the output register (out_*), unless that still holds the previous token.
// The next token can be accepted while a race runs. DONE rises with the last output handshake.

`include "hycim_assert.svh"
`include "hycim_ports.svh"

module pq_encoder #(
  parameter int unsigned Dim          = 64,   // D, token length
  parameter int unsigned NumGroups    = 8,    // NG = M subspaces
  parameter int unsigned ColsPerGroup = 16,   // C centroids
  parameter int unsigned TickWidth    = 10,   // TW
  parameter int unsigned InBits       = 4,    // row input level bits
  parameter int unsigned SeqLenMax    = 64,   // code buffer entries per buffer
  parameter int unsigned ApbAddrWidth = 12,
  localparam int unsigned Rows    = Dim + 1,
  localparam int unsigned NumCols = NumGroups * ColsPerGroup,
  localparam int unsigned IdxW    = $clog2(SeqLenMax)
) (
  input  logic                           clk_i,
  input  logic                           rst_ni,
  // APB4 register port
  `HYCIM_APB_PORTS(ApbAddrWidth),
  // Token stream: Dim INT8 elements per beat
  input  logic                           in_valid_i,
  output logic                           in_ready_o,
  input  logic [8*Dim-1:0]               in_data_i,
  input  logic                           in_last_i,
  // Code stream: one beat per token
  output logic                           out_valid_o,
  input  logic                           out_ready_i,
  output logic [4*NumGroups-1:0]         out_code_o,
  output logic [NumGroups-1:0]           out_tie_o,
  output logic [NumGroups-1:0]           out_timeout_o,
  output logic [TickWidth*NumGroups-1:0] out_tick_o,
  output logic [IdxW-1:0]                out_idx_o,
  output logic                           out_last_o,
  // Analog crossbar port (answered by the behavioral model)
  output logic                           xb_sel_o,     // 0: the Q crossbar, 1: the K crossbar
  output logic                           xb_eval_o,    // one cycle: apply xb_level_o, discharge
  output logic [InBits*Rows-1:0]         xb_level_o,   // row r in bits r*InBits +: InBits
  input  logic [NumCols-1:0]             fire_i,
  output logic [NumGroups-1:0]           grp_stop_o,
  output logic [TickWidth-1:0]           xb_tick_o,    // the WTA tick sampled this cycle
  // Code buffer read port (one cycle latency)
  input  logic                           cb_rd_en_i,
  input  logic                           cb_rd_sel_i,
  input  logic [IdxW-1:0]                cb_rd_addr_i,
  output logic [4*NumGroups-1:0]         cb_rd_data_o,
  // Level: the last start has finished (legal or not)
  output logic                           done_o
);

  localparam int unsigned GroupsW = $clog2(NumGroups + 1);
  localparam int unsigned CodeW   = 4 * NumGroups;

  // ---------------------------------------------------------------------------------------
  // Registers and run control: generated from pq_encoder.regs.toml (scripts/gen_regs.py)
  logic                    start_ok, busy, done, finish;
  logic [31:0]             num_tok, sel, shift, t_max, groups;
  logic [16:0]             code_addr;
  logic [31:0]             count_in_q, count_out_q, ties_q, timeouts_q, race_ticks_q;
  logic [CodeW-1:0]        code_mem_q [SeqLenMax];
  logic [CodeW-1:0]        code_mem_k [SeqLenMax];
  logic [CodeW-1:0]        apb_code;
  logic                    in_hs, out_hs, in_expect_last;

  pq_encoder_reg_top #(
    .NumGroups    (NumGroups),
    .ColsPerGroup (ColsPerGroup),
    .TickWidth    (TickWidth),
    .InBits       (InBits),
    .SeqLenMax    (SeqLenMax),
    .ApbAddrWidth (ApbAddrWidth)
  ) u_regs (
    .clk_i,
    .rst_ni,
    `HYCIM_APB_CONNECT,
    .start_o              (start_ok),
    .busy_o               (busy),
    .done_o               (done),
    .finish_i             (finish),
    // Configuration checks at start: every illegal class has its own bit.
    .err_len_zero_i       (num_tok == 32'd0),
    .err_len_too_big_i    (num_tok > 32'(SeqLenMax)),
    .err_groups_zero_i    (groups == 32'd0),
    .err_groups_too_big_i (groups > 32'(NumGroups)),
    .err_tmax_zero_i      (t_max == 32'd0),
    .err_tmax_too_big_i   (t_max > 32'((1 << TickWidth) - 1)),
    .err_shift_too_big_i  (shift > 32'd7),
    .err_sel_bad_i        (sel > 32'd1),
    .err_last_mismatch_i  (in_hs && (in_last_i != in_expect_last)),
    .num_tok_o            (num_tok),
    .sel_o                (sel),
    .shift_o              (shift),
    .tmax_o               (t_max),
    .groups_o             (groups),
    .code_addr_o          (code_addr),
    .count_in_i           (count_in_q),
    .count_out_i          (count_out_q),
    .ties_i               (ties_q),
    .timeouts_i           (timeouts_q),
    .race_ticks_i         (race_ticks_q),
    .code_data_i          (32'(apb_code))
  );

  // The code buffer entry the APB window (CODE_ADDR / CODE_DATA) shows.
  assign apb_code = code_addr[16] ? code_mem_k[code_addr[IdxW-1:0]]
                                  : code_mem_q[code_addr[IdxW-1:0]];

  // ---------------------------------------------------------------------------------------
  // Token register: input levels of the accepted token
  logic [InBits*Rows-1:0] tok_lvl, tok_lvl_q, drv_lvl_q;
  logic                   tok_v_q, race_q, res_v_q, out_v_q;
  logic [IdxW-1:0]        race_idx_q, out_idx_q;
  logic                   eval, wta_done, res_move;

  localparam logic signed [9:0] LvlMax = 10'sd1 <<< (InBits - 1);  // offset a = 2^(InBits-1)
  for (genvar r = 0; r < Dim; r++) begin : gen_lvl
    logic signed [9:0] xs, rnd, shifted;
    assign xs      = 10'(signed'(in_data_i[8*r +: 8]));
    assign rnd     = (shift[2:0] == 3'd0) ? 10'sd0 : (10'sd1 <<< (shift[2:0] - 3'd1));
    assign shifted = (xs + rnd) >>> shift[2:0];
    // u = sat(shifted, InBits) + a, in 0 .. 2^InBits - 1
    always_comb begin
      if (shifted >= LvlMax) begin
        tok_lvl[InBits*r +: InBits] = '1;
      end else if (shifted < -LvlMax) begin
        tok_lvl[InBits*r +: InBits] = '0;
      end else begin
        tok_lvl[InBits*r +: InBits] = InBits'(shifted + LvlMax);
      end
    end
  end
  assign tok_lvl[InBits*Dim +: InBits] = '1;  // the bias row, at full scale

  assign in_ready_o     = busy && !tok_v_q && (count_in_q < num_tok);
  assign in_hs          = in_valid_i && in_ready_o;
  assign in_expect_last = (count_in_q == num_tok - 32'd1);
  assign eval           = busy && tok_v_q && !race_q;
  assign res_move       = res_v_q && (!out_v_q || out_ready_i);
  assign out_hs         = out_valid_o && out_ready_i;

  // ---------------------------------------------------------------------------------------
  // The race
  logic [CodeW-1:0]              wta_code;
  logic [NumGroups-1:0]          wta_tie, wta_tmo;
  logic [TickWidth*NumGroups-1:0] wta_win;
  logic                          wta_busy;
  logic [TickWidth-1:0]          race_ticks;
  logic [TickWidth-1:0]          wta_tick;

  td_wta_ctrl #(
    .NumGroups    (NumGroups),
    .ColsPerGroup (ColsPerGroup),
    .TickWidth    (TickWidth)
  ) u_wta (
    .clk_i,
    .rst_ni,
    .start_i    (eval),
    .groups_i   (groups[GroupsW-1:0]),
    .t_max_i    (t_max[TickWidth-1:0]),
    .fire_i     (fire_i),
    .grp_stop_o (grp_stop_o),
    .busy_o     (wta_busy),
    .done_o     (wta_done),
    .tick_o     (wta_tick),
    .code_o     (wta_code),
    .tie_o      (wta_tie),
    .timeout_o  (wta_tmo),
    .win_tick_o (wta_win)
  );

  // The race length: the last win tick (or t_max) over the groups.
  always_comb begin
    race_ticks = '0;
    for (int unsigned g = 0; g < NumGroups; g++) begin
      if (wta_win[TickWidth*g +: TickWidth] > race_ticks) race_ticks = wta_win[TickWidth*g +: TickWidth];
    end
  end

  function automatic logic [31:0] popcount(input logic [NumGroups-1:0] v);
    popcount = 32'd0;
    for (int unsigned i = 0; i < NumGroups; i++) popcount = popcount + 32'(v[i]);
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tok_v_q     <= 1'b0;
      tok_lvl_q   <= '0;
      drv_lvl_q   <= '0;
      race_q      <= 1'b0;
      res_v_q     <= 1'b0;
      out_v_q     <= 1'b0;
      race_idx_q  <= '0;
      out_idx_q   <= '0;
      out_code_o    <= '0;
      out_tie_o     <= '0;
      out_timeout_o <= '0;
      out_tick_o    <= '0;
      out_last_o    <= 1'b0;
    end else if (start_ok) begin
      tok_v_q    <= 1'b0;
      race_q     <= 1'b0;
      res_v_q    <= 1'b0;
      out_v_q    <= 1'b0;
      race_idx_q <= '0;
    end else begin
      if (in_hs) begin
        tok_v_q   <= 1'b1;
        tok_lvl_q <= tok_lvl;
      end else if (eval) begin
        tok_v_q <= 1'b0;
      end
      if (eval) begin
        drv_lvl_q <= tok_lvl_q;
        race_q    <= 1'b1;
      end
      if (wta_done) res_v_q <= 1'b1;
      if (res_move) begin
        res_v_q       <= 1'b0;
        race_q        <= 1'b0;
        out_v_q       <= 1'b1;
        out_code_o    <= wta_code;
        out_tie_o     <= wta_tie;
        out_timeout_o <= wta_tmo;
        out_tick_o    <= wta_win;
        out_idx_q     <= race_idx_q;
        out_last_o    <= (32'(race_idx_q) == num_tok - 32'd1);
        race_idx_q    <= race_idx_q + IdxW'(1);
      end else if (out_hs) begin
        out_v_q <= 1'b0;
      end
    end
  end

  // Code buffers: written when a result leaves the race; read by APB and by the relevance unit.
  always_ff @(posedge clk_i) begin
    if (res_move && !start_ok) begin
      if (sel[0]) code_mem_k[race_idx_q] <= wta_code;
      else          code_mem_q[race_idx_q] <= wta_code;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cb_rd_data_o <= '0;
    end else if (cb_rd_en_i) begin
      cb_rd_data_o <= cb_rd_sel_i ? code_mem_k[cb_rd_addr_i] : code_mem_q[cb_rd_addr_i];
    end
  end

  // ---------------------------------------------------------------------------------------
  // Counters; the run ends with the last code handshake.
  assign finish = out_hs && out_last_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      count_in_q   <= 32'd0;
      count_out_q  <= 32'd0;
      ties_q       <= 32'd0;
      timeouts_q   <= 32'd0;
      race_ticks_q <= 32'd0;
    end else begin
      if (start_ok) begin
        count_in_q   <= 32'd0;
        count_out_q  <= 32'd0;
        ties_q       <= 32'd0;
        timeouts_q   <= 32'd0;
        race_ticks_q <= 32'd0;
      end else begin
        if (in_hs) count_in_q <= count_in_q + 32'd1;
        if (out_hs) count_out_q <= count_out_q + 32'd1;
        if (res_move) begin
          ties_q       <= ties_q + popcount(wta_tie);
          timeouts_q   <= timeouts_q + popcount(wta_tmo);
          race_ticks_q <= race_ticks_q + 32'(race_ticks);
        end
      end
    end
  end

  assign out_valid_o = out_v_q;
  assign out_idx_o   = out_idx_q;
  assign xb_sel_o    = sel[0];
  assign xb_eval_o   = eval;
  assign xb_level_o  = eval ? tok_lvl_q : drv_lvl_q;  // valid from the eval cycle on
  assign xb_tick_o   = wta_tick;
  assign done_o      = done;

  // The upper configuration bits are checked at start (ERR) rather than dropped.
  logic unused_bits;
  assign unused_bits = ^{sel[31:1], shift[31:3], t_max[31:TickWidth], groups[31:GroupsW],
                         code_addr[15:IdxW]};

`ifndef SYNTHESIS
  // Simulation only, never read by the design: per group, the sense-node voltage of its leading
  // column (1.0 = precharged, 0.0 = the comparator threshold), written by the testbench's analog
  // model every cycle so that the discharge ramps sit in the same waveform as the RTL,
  // time-aligned (scalars: Verilator 5.006 does not trace unpacked arrays of real). Eight, the
  // largest NumGroups; groups beyond NumGroups stay at 0.
  /* verilator lint_off UNDRIVEN */
  /* verilator lint_off UNUSEDSIGNAL */
  real ana_vsense_g0 /*verilator public_flat_rw*/;
  real ana_vsense_g1 /*verilator public_flat_rw*/;
  real ana_vsense_g2 /*verilator public_flat_rw*/;
  real ana_vsense_g3 /*verilator public_flat_rw*/;
  real ana_vsense_g4 /*verilator public_flat_rw*/;
  real ana_vsense_g5 /*verilator public_flat_rw*/;
  real ana_vsense_g6 /*verilator public_flat_rw*/;
  real ana_vsense_g7 /*verilator public_flat_rw*/;
  // Every column of one group (the testbench's probe group, `hycim run pq --probe-group G`):
  // column c's sense node, same scale. Sixteen, the largest ColsPerGroup.
  real ana_col_vsense_0 /*verilator public_flat_rw*/;
  real ana_col_vsense_1 /*verilator public_flat_rw*/;
  real ana_col_vsense_2 /*verilator public_flat_rw*/;
  real ana_col_vsense_3 /*verilator public_flat_rw*/;
  real ana_col_vsense_4 /*verilator public_flat_rw*/;
  real ana_col_vsense_5 /*verilator public_flat_rw*/;
  real ana_col_vsense_6 /*verilator public_flat_rw*/;
  real ana_col_vsense_7 /*verilator public_flat_rw*/;
  real ana_col_vsense_8 /*verilator public_flat_rw*/;
  real ana_col_vsense_9 /*verilator public_flat_rw*/;
  real ana_col_vsense_10 /*verilator public_flat_rw*/;
  real ana_col_vsense_11 /*verilator public_flat_rw*/;
  real ana_col_vsense_12 /*verilator public_flat_rw*/;
  real ana_col_vsense_13 /*verilator public_flat_rw*/;
  real ana_col_vsense_14 /*verilator public_flat_rw*/;
  real ana_col_vsense_15 /*verilator public_flat_rw*/;
  /* verilator lint_on UNUSEDSIGNAL */
  /* verilator lint_on UNDRIVEN */
`endif

  `HYCIM_ASSERT_INIT(DimSplits, Dim % NumGroups == 0, "Dim must be a multiple of NumGroups")
  `HYCIM_ASSERT_INIT(InBitsRange, InBits >= 2 && InBits <= 8, "InBits must be 2..8")
  `HYCIM_ASSERT_INIT(SeqPow2, SeqLenMax >= 2 && (SeqLenMax & (SeqLenMax - 1)) == 0,
                     "SeqLenMax must be a power of two >= 2")
  `HYCIM_ASSERT_STREAM_IN(InStream, in_valid_i, in_ready_o, {in_data_i, in_last_i})
  `HYCIM_ASSERT_STREAM(OutStream, out_valid_o, out_ready_i,
                       {out_code_o, out_tie_o, out_timeout_o, out_tick_o, out_idx_o, out_last_o})
  `HYCIM_ASSERT(NoInputWhenIdle, in_hs |-> busy)
  `HYCIM_ASSERT(NeverMoreThanNumTok, in_hs |-> (count_in_q < num_tok))
  `HYCIM_ASSERT(OutNeverAheadOfIn, count_out_q <= count_in_q)
  // The row levels hold for the whole race, and a race starts only when the WTA is idle.
  `HYCIM_ASSERT(LevelsHeldInRace, (race_q && $past(race_q)) |-> $stable(xb_level_o))
  `HYCIM_ASSERT(EvalOnlyWhenIdle, eval |-> !wta_busy)
  `HYCIM_ASSERT(ResultOnlyAfterRace, res_v_q |-> (race_q && !wta_busy))
  `HYCIM_COVER(CoverOutBackPressure, out_valid_o && !out_ready_i && res_v_q)

endmodule
