// pq_encoder: streams token vectors to the analog PQ crossbar and collects their codes
// (ARCHITECTURE.md A1-A2), as a HyCIM top: APB registers, an ERR register, a token input stream,
// a code output stream, the crossbar port answered by the analog model, and the Q and K code
// buffers with a read port for the relevance unit. Register map, timing and the mapping of
// tokens to input levels: docs/blocks/pq_encoder.md. Golden model: golden/.../pq.h.
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
  input  logic                           apb_psel_i,
  input  logic                           apb_penable_i,
  input  logic                           apb_pwrite_i,
  input  logic [ApbAddrWidth-1:0]        apb_paddr_i,
  input  logic [31:0]                    apb_pwdata_i,
  input  logic [3:0]                     apb_pstrb_i,
  output logic [31:0]                    apb_prdata_o,
  output logic                           apb_pready_o,
  output logic                           apb_pslverr_o,
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

  // Register word offsets (byte address >> 2).
  localparam int unsigned RegCtrl      = 0;
  localparam int unsigned RegStatus    = 1;
  localparam int unsigned RegErr       = 2;
  localparam int unsigned RegNumTok    = 3;
  localparam int unsigned RegSel       = 4;
  localparam int unsigned RegShift     = 5;
  localparam int unsigned RegTmax      = 6;
  localparam int unsigned RegGroups    = 7;
  localparam int unsigned RegCountIn   = 8;
  localparam int unsigned RegCountOut  = 9;
  localparam int unsigned RegCycles    = 10;
  localparam int unsigned RegTies      = 11;
  localparam int unsigned RegTimeouts  = 12;
  localparam int unsigned RegRaceTicks = 13;
  localparam int unsigned RegCodeAddr  = 14;
  localparam int unsigned RegCodeData  = 15;
  localparam int unsigned RegBuild     = 16;
  localparam int unsigned RegSeqMax    = 17;

  // ERR bits, one per class.
  localparam int unsigned ErrGroupsZero   = 0;
  localparam int unsigned ErrGroupsTooBig = 1;
  localparam int unsigned ErrTmaxZero     = 2;
  localparam int unsigned ErrTmaxTooBig   = 3;
  localparam int unsigned ErrTokZero      = 4;
  localparam int unsigned ErrTokTooBig    = 5;
  localparam int unsigned ErrShiftTooBig  = 6;
  localparam int unsigned ErrSelBad       = 7;
  localparam int unsigned ErrStartBusy    = 8;
  localparam int unsigned ErrLastMismatch = 9;
  localparam int unsigned NumErr          = 10;

  // ---------------------------------------------------------------------------------------
  // APB front end
  logic                    reg_we, reg_re, reg_error;
  logic [ApbAddrWidth-1:0] reg_addr;
  logic [31:0]             reg_wdata, reg_rdata;

  apb_reg_port #(
    .AddrWidth (ApbAddrWidth)
  ) u_apb (
    .clk_i,
    .rst_ni,
    .psel_i      (apb_psel_i),
    .penable_i   (apb_penable_i),
    .pwrite_i    (apb_pwrite_i),
    .paddr_i     (apb_paddr_i),
    .pwdata_i    (apb_pwdata_i),
    .pstrb_i     (apb_pstrb_i),
    .prdata_o    (apb_prdata_o),
    .pready_o    (apb_pready_o),
    .pslverr_o   (apb_pslverr_o),
    .reg_we_o    (reg_we),
    .reg_re_o    (reg_re),
    .reg_addr_o  (reg_addr),
    .reg_wdata_o (reg_wdata),
    .reg_rdata_i (reg_rdata),
    .reg_error_i (reg_error)
  );

  // ---------------------------------------------------------------------------------------
  // Registers
  logic [31:0]             num_tok_q, sel_q, shift_q, t_max_q, groups_q, code_addr_q;
  logic [31:0]             count_in_q, count_out_q, cycles_q, ties_q, timeouts_q, race_ticks_q;
  logic [NumErr-1:0]       err_q, err_d, cfg_err;
  logic                    busy_q, busy_d, done_q, done_d;
  logic                    cfg_we, start_req, start_ok;
  logic [ApbAddrWidth-3:0] word;
  logic [CodeW-1:0]        code_mem_q [SeqLenMax];
  logic [CodeW-1:0]        code_mem_k [SeqLenMax];
  logic [CodeW-1:0]        apb_code;

  assign word      = reg_addr[ApbAddrWidth-1:2];
  assign start_req = reg_we && (word == RegCtrl[ApbAddrWidth-3:0]) && reg_wdata[0];
  assign cfg_we    = reg_we && !busy_q;

  always_comb begin
    cfg_err = '0;
    cfg_err[ErrGroupsZero]   = (groups_q == 32'd0);
    cfg_err[ErrGroupsTooBig] = (groups_q > 32'(NumGroups));
    cfg_err[ErrTmaxZero]     = (t_max_q == 32'd0);
    cfg_err[ErrTmaxTooBig]   = (t_max_q > 32'((1 << TickWidth) - 1));
    cfg_err[ErrTokZero]      = (num_tok_q == 32'd0);
    cfg_err[ErrTokTooBig]    = (num_tok_q > 32'(SeqLenMax));
    cfg_err[ErrShiftTooBig]  = (shift_q > 32'd7);
    cfg_err[ErrSelBad]       = (sel_q > 32'd1);
  end
  assign start_ok = start_req && !busy_q && (cfg_err == '0);

  assign apb_code = code_addr_q[16] ? code_mem_k[code_addr_q[IdxW-1:0]]
                                    : code_mem_q[code_addr_q[IdxW-1:0]];

  always_comb begin
    reg_error = 1'b0;
    reg_rdata = 32'h0;
    unique case (word)
      RegCtrl[ApbAddrWidth-3:0]:      reg_rdata = 32'h0;
      RegStatus[ApbAddrWidth-3:0]:    reg_rdata = {30'h0, done_q, busy_q};
      RegErr[ApbAddrWidth-3:0]:       reg_rdata = 32'(err_q);
      RegNumTok[ApbAddrWidth-3:0]:    reg_rdata = num_tok_q;
      RegSel[ApbAddrWidth-3:0]:       reg_rdata = sel_q;
      RegShift[ApbAddrWidth-3:0]:     reg_rdata = shift_q;
      RegTmax[ApbAddrWidth-3:0]:      reg_rdata = t_max_q;
      RegGroups[ApbAddrWidth-3:0]:    reg_rdata = groups_q;
      RegCountIn[ApbAddrWidth-3:0]:   reg_rdata = count_in_q;
      RegCountOut[ApbAddrWidth-3:0]:  reg_rdata = count_out_q;
      RegCycles[ApbAddrWidth-3:0]:    reg_rdata = cycles_q;
      RegTies[ApbAddrWidth-3:0]:      reg_rdata = ties_q;
      RegTimeouts[ApbAddrWidth-3:0]:  reg_rdata = timeouts_q;
      RegRaceTicks[ApbAddrWidth-3:0]: reg_rdata = race_ticks_q;
      RegCodeAddr[ApbAddrWidth-3:0]:  reg_rdata = code_addr_q;
      RegCodeData[ApbAddrWidth-3:0]:  reg_rdata = 32'(apb_code);
      RegBuild[ApbAddrWidth-3:0]:
        reg_rdata = {8'(TickWidth), 8'(ColsPerGroup), 8'(NumGroups), 8'(InBits)};
      RegSeqMax[ApbAddrWidth-3:0]:    reg_rdata = 32'(SeqLenMax);
      default:                        reg_error = 1'b1;
    endcase
    // Writes: CTRL always; configuration only while idle; CODE_ADDR any time.
    if (reg_we) begin
      unique case (word)
        RegCtrl[ApbAddrWidth-3:0],
        RegCodeAddr[ApbAddrWidth-3:0]: reg_error = 1'b0;
        RegNumTok[ApbAddrWidth-3:0],
        RegSel[ApbAddrWidth-3:0],
        RegShift[ApbAddrWidth-3:0],
        RegTmax[ApbAddrWidth-3:0],
        RegGroups[ApbAddrWidth-3:0]:   reg_error = busy_q;
        default:                       reg_error = 1'b1;
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      num_tok_q   <= 32'd0;
      sel_q       <= 32'd0;
      shift_q     <= 32'd4;
      t_max_q     <= 32'((1 << TickWidth) - 1);
      groups_q    <= 32'(NumGroups);
      code_addr_q <= 32'd0;
    end else begin
      if (reg_we && word == RegCodeAddr[ApbAddrWidth-3:0]) code_addr_q <= reg_wdata;
      if (cfg_we) begin
        unique case (word)
          RegNumTok[ApbAddrWidth-3:0]: num_tok_q <= reg_wdata;
          RegSel[ApbAddrWidth-3:0]:    sel_q <= reg_wdata;
          RegShift[ApbAddrWidth-3:0]:  shift_q <= reg_wdata;
          RegTmax[ApbAddrWidth-3:0]:   t_max_q <= reg_wdata;
          RegGroups[ApbAddrWidth-3:0]: groups_q <= reg_wdata;
          default: ;
        endcase
      end
    end
  end

  // ---------------------------------------------------------------------------------------
  // Token register: input levels of the accepted token
  logic [InBits*Rows-1:0] tok_lvl, tok_lvl_q, drv_lvl_q;
  logic                   tok_v_q, race_q, res_v_q, out_v_q;
  logic [IdxW-1:0]        race_idx_q, out_idx_q;
  logic                   in_hs, out_hs, eval, wta_done, res_move, in_expect_last;

  localparam logic signed [9:0] LvlMax = 10'sd1 <<< (InBits - 1);  // offset a = 2^(InBits-1)
  for (genvar r = 0; r < Dim; r++) begin : gen_lvl
    logic signed [9:0] xs, rnd, shifted;
    assign xs      = 10'(signed'(in_data_i[8*r +: 8]));
    assign rnd     = (shift_q[2:0] == 3'd0) ? 10'sd0 : (10'sd1 <<< (shift_q[2:0] - 3'd1));
    assign shifted = (xs + rnd) >>> shift_q[2:0];
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

  assign in_ready_o     = busy_q && !tok_v_q && (count_in_q < num_tok_q);
  assign in_hs          = in_valid_i && in_ready_o;
  assign in_expect_last = (count_in_q == num_tok_q - 32'd1);
  assign eval           = busy_q && tok_v_q && !race_q;
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
    .groups_i   (groups_q[GroupsW-1:0]),
    .t_max_i    (t_max_q[TickWidth-1:0]),
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
        out_last_o    <= (32'(race_idx_q) == num_tok_q - 32'd1);
        race_idx_q    <= race_idx_q + IdxW'(1);
      end else if (out_hs) begin
        out_v_q <= 1'b0;
      end
    end
  end

  // Code buffers: written when a result leaves the race; read by APB and by the relevance unit.
  always_ff @(posedge clk_i) begin
    if (res_move && !start_ok) begin
      if (sel_q[0]) code_mem_k[race_idx_q] <= wta_code;
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
  // Run control and counters
  always_comb begin
    busy_d = busy_q;
    done_d = done_q;
    err_d  = err_q;
    if (start_req) begin
      if (busy_q) begin
        err_d[ErrStartBusy] = 1'b1;
      end else begin
        err_d  = cfg_err;
        done_d = (cfg_err != '0);
        busy_d = (cfg_err == '0);
      end
    end
    if (in_hs && (in_last_i != in_expect_last)) err_d[ErrLastMismatch] = 1'b1;
    if (out_hs && out_last_o) begin
      busy_d = 1'b0;
      done_d = 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q       <= 1'b0;
      done_q       <= 1'b0;
      err_q        <= '0;
      count_in_q   <= 32'd0;
      count_out_q  <= 32'd0;
      cycles_q     <= 32'd0;
      ties_q       <= 32'd0;
      timeouts_q   <= 32'd0;
      race_ticks_q <= 32'd0;
    end else begin
      busy_q <= busy_d;
      done_q <= done_d;
      err_q  <= err_d;
      if (start_ok) begin
        count_in_q   <= 32'd0;
        count_out_q  <= 32'd0;
        cycles_q     <= 32'd0;
        ties_q       <= 32'd0;
        timeouts_q   <= 32'd0;
        race_ticks_q <= 32'd0;
      end else begin
        if (in_hs) count_in_q <= count_in_q + 32'd1;
        if (out_hs) count_out_q <= count_out_q + 32'd1;
        if (busy_q) cycles_q <= cycles_q + 32'd1;
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
  assign xb_sel_o    = sel_q[0];
  assign xb_eval_o   = eval;
  assign xb_level_o  = eval ? tok_lvl_q : drv_lvl_q;  // valid from the eval cycle on
  assign xb_tick_o   = wta_tick;
  assign done_o      = done_q;

  // The upper configuration bits are checked at start (ERR) rather than dropped.
  logic unused_bits;
  assign unused_bits = ^{sel_q[31:1], shift_q[31:3], t_max_q[31:TickWidth],
                         groups_q[31:GroupsW], code_addr_q[31:17], code_addr_q[15:IdxW],
                         reg_re, reg_addr[1:0]};

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
  `HYCIM_ASSERT_STREAM(OutStream, out_valid_o, out_ready_i,
                       {out_code_o, out_tie_o, out_timeout_o, out_tick_o, out_idx_o, out_last_o})
  `HYCIM_ASSERT(NoInputWhenIdle, in_hs |-> busy_q)
  `HYCIM_ASSERT(NeverMoreThanNumTok, in_hs |-> (count_in_q < num_tok_q))
  `HYCIM_ASSERT(OutNeverAheadOfIn, count_out_q <= count_in_q)
  `HYCIM_ASSERT(DoneNotBusy, done_q |-> !busy_q)
  // The row levels hold for the whole race, and a race starts only when the WTA is idle.
  `HYCIM_ASSERT(LevelsHeldInRace, (race_q && $past(race_q)) |-> $stable(xb_level_o))
  `HYCIM_ASSERT(EvalOnlyWhenIdle, eval |-> !wta_busy)
  `HYCIM_ASSERT(ResultOnlyAfterRace, res_v_q |-> (race_q && !wta_busy))
  `HYCIM_COVER(CoverOutBackPressure, out_valid_o && !out_ready_i && res_v_q)
  `HYCIM_COVER(CoverIllegalStart, start_req && !busy_q && (cfg_err != '0))

endmodule
