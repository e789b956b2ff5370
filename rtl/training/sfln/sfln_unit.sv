// sfln_unit: the unified softmax / LayerNorm datapath (TRETA's "unified
// microarchitecture"). One row pipeline, one set of row buffers, one LOAD multiplier
// and reduction tree, one scalar unit (reciprocal for softmax, rsqrt for LayerNorm) and one pair
// of output multipliers serve six modes:
//   0 softmax forward, UQ0.8 output     3 LayerNorm forward
//   1 softmax forward, UQ0.16 output    4 LayerNorm backward
//   2 softmax backward                  5 LayerNorm parameter load (gamma, beta)
// EnSoftmax and EnLayerNorm remove either half: softmax_unit and layernorm_unit are this module
// with one of them off, which is how the synthesis table compares shared against separate units.
// Bit-exact models: hycim::golden::softmax_fwd / softmax_bwd (golden/.../softmax.h) and
// layernorm_fwd / layernorm_bwd (golden/.../layernorm.h). Formats, registers, errors, timing and
// what is shared: docs/training/softmax.md and docs/training/layernorm.md.
//
// A start runs ROWS rows of LEN elements. Every row arrives as ceil(LEN/Lanes) input beats of
// Lanes elements (lane j of beat b is element b*Lanes + j; lanes past LEN are ignored) with
// in_last_i on the row's last beat, and leaves as the same number of output beats.
//   softmax forward  in_a = score x (Q7.8), in_keep = 0 masks an entry; out = p.
//   softmax backward in_a = p (UQ0.16), in_b = g (INT16); out = ds.
//   LN forward       in_a = x (INT16); out = y (Q3.12), out_aux = xhat (Q3.12).
//   LN backward      in_a = x, in_b = dy (INT16); out = dx (INT16), out_aux = xhat. The row
//                    statistics are recomputed from x (nothing is carried from the forward pass).
//   LN parameters    in_a = gamma (Q2.13), in_b = beta (Q3.12), ROWS = 1; no output.
// Rows flow through a three-stage row pipeline over three row buffers that rotate roles every
// slot: LOAD (row r+2) | MID (row r+1) | OUT (row r). MID is EXP + reciprocal for softmax
// forward, rsqrt (+ the xhat / g*xhat sweep for LN backward) for LayerNorm, and empty for softmax
// backward. A slot ends when every active stage has finished its row.
//
// The pieces (one module each, rtl/training/sfln/): sfln_regs (APB registers and run control), sfln_seq
// (row pipeline sequencer), sfln_bufs (row buffers and parameter memory), sfln_rowctx (per-buffer
// row context), sfln_load (LOAD lanes), sfln_mid (EXP and the LN backward sweep), sfln_xhat (the
// xhat lanes), sfln_scalar (reciprocal / rsqrt state machine) and sfln_out (OUT lanes). This top
// decodes the mode and wires them together.

`include "hycim_assert.svh"

module sfln_unit #(
  parameter int unsigned Lanes        = 4,
  parameter int unsigned SmRowMax     = 64,    // softmax row maximum
  parameter int unsigned LnRowMax     = 64,    // LayerNorm feature maximum
  parameter int unsigned EnSoftmax    = 1,
  parameter int unsigned EnLayerNorm  = 1,
  parameter int unsigned ApbAddrWidth = 12
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,
  // APB4 register port
  input  logic                    apb_psel_i,
  input  logic                    apb_penable_i,
  input  logic                    apb_pwrite_i,
  input  logic [ApbAddrWidth-1:0] apb_paddr_i,
  input  logic [31:0]             apb_pwdata_i,
  input  logic [3:0]              apb_pstrb_i,
  output logic [31:0]             apb_prdata_o,
  output logic                    apb_pready_o,
  output logic                    apb_pslverr_o,
  // Input stream: Lanes elements per beat
  input  logic                    in_valid_i,
  output logic                    in_ready_o,
  input  logic [Lanes*16-1:0]     in_a_i,
  input  logic [Lanes*16-1:0]     in_b_i,
  input  logic [Lanes-1:0]        in_keep_i,  // softmax forward: 0 masks the entry
  input  logic                    in_last_i,
  // Output stream
  output logic                    out_valid_o,
  input  logic                    out_ready_i,
  output logic [Lanes*16-1:0]     out_data_o,
  output logic [Lanes*16-1:0]     out_aux_o,  // LayerNorm: xhat; softmax: 0
  output logic                    out_last_o,
  output logic                    done_o
);

  localparam int unsigned SmMax   = (EnSoftmax != 0) ? SmRowMax : 0;
  localparam int unsigned LnMax   = (EnLayerNorm != 0) ? LnRowMax : 0;
  localparam int unsigned RowMax  = (SmMax > LnMax) ? SmMax : LnMax;
  localparam int unsigned Depth   = RowMax / Lanes;
  localparam int unsigned AddrW   = (Depth > 1) ? $clog2(Depth) : 1;
  localparam int unsigned LnDepth = (LnMax >= Lanes) ? LnMax / Lanes : 1;
  localparam int unsigned PrmAW   = (LnDepth > 1) ? $clog2(LnDepth) : 1;
  localparam int unsigned LenW    = $clog2(RowMax + 1);
  localparam int unsigned SumW    = 27;   // softmax sum of e; LayerNorm: Sx (signed)
  localparam int unsigned DotW    = 45;   // softmax sum p*g; LayerNorm: Sxx, then G = sum g
  localparam int unsigned HaccW   = 58;   // LayerNorm sum g*xhat
  localparam int unsigned WordW   = Lanes * 33;

  localparam logic [2:0] ModeInfer = 3'd0;
  localparam logic [2:0] ModeTrain = 3'd1;
  localparam logic [2:0] ModeBwd   = 3'd2;
  localparam logic [2:0] ModeLnFwd = 3'd3;
  localparam logic [2:0] ModeLnBwd = 3'd4;
  localparam logic [2:0] ModeLnPrm = 3'd5;

  // ---------------------------------------------------------------------------------------
  // Registers and run control
  logic            start, busy, run_end, row_out, last_err, prm_loaded;
  logic [2:0]      mode;
  logic [LenW-1:0] len;
  logic [31:0]     rows, eps;
  logic [4:0]      ds_shift;

  sfln_regs #(
    .Lanes        (Lanes),
    .SmMax        (SmMax),
    .LnMax        (LnMax),
    .EnSoftmax    (EnSoftmax),
    .EnLayerNorm  (EnLayerNorm),
    .ApbAddrWidth (ApbAddrWidth),
    .LenW         (LenW)
  ) u_regs (
    .clk_i,
    .rst_ni,
    .apb_psel_i,
    .apb_penable_i,
    .apb_pwrite_i,
    .apb_paddr_i,
    .apb_pwdata_i,
    .apb_pstrb_i,
    .apb_prdata_o,
    .apb_pready_o,
    .apb_pslverr_o,
    .run_end_i    (run_end),
    .row_out_i    (row_out),
    .last_err_i   (last_err),
    .prm_loaded_i (prm_loaded),
    .start_o      (start),
    .busy_o       (busy),
    .done_o       (done_o),
    .mode_o       (mode),
    .len_o        (len),
    .rows_o       (rows),
    .ds_shift_o   (ds_shift),
    .eps_o        (eps)
  );

  // Mode decodes: constant 0 for a half that is not built, which removes its logic in synthesis.
  logic sm_fwd, sm_bwd, ln_fwd, ln_bwd, ln_prm, ln_stat;
  assign sm_fwd  = (EnSoftmax != 0) && (mode == ModeInfer || mode == ModeTrain);
  assign sm_bwd  = (EnSoftmax != 0) && (mode == ModeBwd);
  assign ln_fwd  = (EnLayerNorm != 0) && (mode == ModeLnFwd);
  assign ln_bwd  = (EnLayerNorm != 0) && (mode == ModeLnBwd);
  assign ln_prm  = (EnLayerNorm != 0) && (mode == ModeLnPrm);
  assign ln_stat = ln_fwd || ln_bwd;

  // ---------------------------------------------------------------------------------------
  // Row pipeline
  logic           in_hs, out_hs, ex_we, ex_fin, ex_active, ex_end, slot_end, ld_last, out_last;
  logic [1:0]     ld_buf, ex_buf, out_buf;
  logic [AddrW:0] ld_beat, ex_beat, out_beat;
  logic           sweep;

  sfln_seq #(
    .Lanes (Lanes),
    .AddrW (AddrW),
    .LenW  (LenW)
  ) u_seq (
    .clk_i,
    .rst_ni,
    .start_i     (start),
    .busy_i      (busy),
    .len_i       (len),
    .rows_i      (rows),
    .skip_mid_i  (sm_bwd || ln_prm),
    .skip_out_i  (ln_prm),
    .in_valid_i,
    .in_ready_o,
    .in_hs_o     (in_hs),
    .out_valid_o,
    .out_ready_i,
    .out_hs_o    (out_hs),
    .ex_we_i     (ex_we),
    .ex_fin_i    (ex_fin),
    .ex_active_o (ex_active),
    .ex_end_o    (ex_end),
    .ld_buf_o    (ld_buf),
    .ex_buf_o    (ex_buf),
    .out_buf_o   (out_buf),
    .ld_beat_o   (ld_beat),
    .ex_beat_o   (ex_beat),
    .out_beat_o  (out_beat),
    .ld_last_o   (ld_last),
    .out_last_o  (out_last),
    .slot_end_o  (slot_end),
    .run_end_o   (run_end)
  );

  assign row_out    = out_hs && out_last;
  assign last_err   = in_hs && (in_last_i != ld_last);
  assign prm_loaded = in_hs && ld_last && ln_prm;
  // MID writes a beat back: every EXP beat, and every beat of the LN backward sweep
  assign ex_we      = ex_active && !ex_end && (sm_fwd || (ln_bwd && sweep));
  assign out_last_o = out_last;

  // ---------------------------------------------------------------------------------------
  // Storage and row context
  logic [WordW-1:0]          ld_word, ex_word, rd_ex, rd_out;
  logic [Lanes*32-1:0]       prm_word, prm_ex, prm_out;
  logic                      beat_any;
  logic signed [15:0]        beat_max, ex_max;
  logic signed [DotW-1:0]    beat_dot, g_sum_beat, ex_dot, out_dot;
  logic signed [SumW-1:0]    beat_sx;
  logic [SumW-1:0]           e_sum_beat, ex_sum, out_sum;
  logic signed [HaccW-1:0]   gx_sum_beat, out_hacc;
  logic [4:0]                ex_k, out_k, sc_k;
  logic [24:0]               ex_rs, out_rs, sc_rs;
  logic [16:0]               out_y1, sc_y1;
  logic                      sc_recip_we, sc_rsqrt_we;

  sfln_bufs #(
    .Lanes   (Lanes),
    .Depth   (Depth),
    .AddrW   (AddrW),
    .LnDepth (LnDepth),
    .PrmAW   (PrmAW),
    .WordW   (WordW)
  ) u_bufs (
    .clk_i,
    .rst_ni,
    .ld_we_i    (in_hs && !ln_prm),
    .ld_buf_i   (ld_buf),
    .ld_beat_i  (ld_beat),
    .ld_word_i  (ld_word),
    .ex_we_i    (ex_we),
    .ex_buf_i   (ex_buf),
    .ex_beat_i  (ex_beat),
    .ex_word_i  (ex_word),
    .ex_word_o  (rd_ex),
    .out_buf_i  (out_buf),
    .out_beat_i (out_beat),
    .out_word_o (rd_out),
    .prm_we_i   (in_hs && ln_prm),
    .prm_word_i (prm_word),
    .prm_ex_o   (prm_ex),
    .prm_out_o  (prm_out)
  );

  sfln_rowctx #(
    .SumW  (SumW),
    .DotW  (DotW),
    .HaccW (HaccW)
  ) u_ctx (
    .clk_i,
    .rst_ni,
    .start_i    (start),
    .slot_end_i (slot_end),
    .ld_buf_i   (ld_buf),
    .ex_buf_i   (ex_buf),
    .out_buf_i  (out_buf),
    .ld_we_i    (in_hs),
    .ld_sum_i   (ln_stat),
    .beat_any_i (beat_any),
    .beat_max_i (beat_max),
    .beat_dot_i (beat_dot),
    .beat_sx_i  (beat_sx),
    .ex_e_we_i  (ex_we && sm_fwd),
    .e_sum_i    (e_sum_beat),
    .ex_g_we_i  (ex_we && ln_bwd),
    .g_sum_i    (g_sum_beat),
    .gx_sum_i   (gx_sum_beat),
    .recip_we_i (sc_recip_we),
    .y1_i       (sc_y1),
    .rsqrt_we_i (sc_rsqrt_we),
    .rs_i       (sc_rs),
    .k_i        (sc_k),
    .ex_max_o   (ex_max),
    .ex_sum_o   (ex_sum),
    .ex_dot_o   (ex_dot),
    .ex_k_o     (ex_k),
    .ex_rs_o    (ex_rs),
    .out_sum_o  (out_sum),
    .out_dot_o  (out_dot),
    .out_k_o    (out_k),
    .out_y1_o   (out_y1),
    .out_rs_o   (out_rs),
    .out_hacc_o (out_hacc)
  );

  // ---------------------------------------------------------------------------------------
  // LOAD
  sfln_load #(
    .Lanes (Lanes),
    .AddrW (AddrW),
    .LenW  (LenW),
    .SumW  (SumW),
    .DotW  (DotW),
    .WordW (WordW)
  ) u_load (
    .in_a_i,
    .in_b_i,
    .in_keep_i,
    .ld_beat_i  (ld_beat),
    .len_i      (len),
    .sm_fwd_i   (sm_fwd),
    .ln_stat_i  (ln_stat),
    .beat_any_o (beat_any),
    .beat_max_o (beat_max),
    .beat_dot_o (beat_dot),
    .beat_sx_o  (beat_sx),
    .ld_word_o  (ld_word),
    .prm_word_o (prm_word)
  );

  // ---------------------------------------------------------------------------------------
  // xhat: MID's row in the LN backward sweep, OUT's row in LN forward
  logic [Lanes*16-1:0]    ex_x, out_x, xh_beat;
  logic signed [SumW-1:0] xh_sx;
  assign xh_sx = $signed(ln_bwd ? ex_sum : out_sum);

  sfln_xhat #(
    .Lanes (Lanes),
    .LenW  (LenW),
    .SumW  (SumW)
  ) u_xhat (
    .x_i    (ln_bwd ? ex_x : out_x),
    .sx_i   (xh_sx),
    .rs_i   (ln_bwd ? ex_rs : out_rs),
    .he_i   (ln_bwd ? ex_k : out_k),
    .len_i  (len),
    .xhat_o (xh_beat)
  );

  // ---------------------------------------------------------------------------------------
  // MID: EXP, the LN backward sweep, and the scalar unit
  sfln_mid #(
    .Lanes (Lanes),
    .SumW  (SumW),
    .DotW  (DotW),
    .HaccW (HaccW),
    .WordW (WordW)
  ) u_mid (
    .clk_i,
    .rst_ni,
    .check_i   (ex_we && sm_fwd),
    .ln_bwd_i  (ln_bwd),
    .rd_word_i (rd_ex),
    .max_i     (ex_max),
    .prm_i     (prm_ex),
    .xhat_i    (xh_beat),
    .x_o       (ex_x),
    .wr_word_o (ex_word),
    .e_sum_o   (e_sum_beat),
    .g_sum_o   (g_sum_beat),
    .gx_sum_o  (gx_sum_beat)
  );

  sfln_scalar #(
    .EnLayerNorm (EnLayerNorm),
    .LenW        (LenW),
    .SumW        (SumW),
    .DotW        (DotW)
  ) u_scalar (
    .clk_i,
    .rst_ni,
    .restart_i  (slot_end),
    .step_i     (ex_active && !ex_we),
    .sm_fwd_i   (sm_fwd),
    .ln_stat_i  (ln_stat),
    .ln_bwd_i   (ln_bwd),
    .sum_i      (ex_sum),
    .dot_i      (ex_dot),
    .len_i      (len),
    .eps_i      (eps),
    .sweep_o    (sweep),
    .fin_o      (ex_fin),
    .recip_we_o (sc_recip_we),
    .y1_o       (sc_y1),
    .rsqrt_we_o (sc_rsqrt_we),
    .rs_o       (sc_rs),
    .k_o        (sc_k)
  );

  // ---------------------------------------------------------------------------------------
  // OUT
  sfln_out #(
    .Lanes       (Lanes),
    .EnLayerNorm (EnLayerNorm),
    .LenW        (LenW),
    .DotW        (DotW),
    .HaccW       (HaccW),
    .WordW       (WordW)
  ) u_out (
    .clk_i,
    .rst_ni,
    .check_i    (out_valid_o),
    .infer_i    (mode == ModeInfer),
    .sm_fwd_i   (sm_fwd),
    .ln_fwd_i   (ln_fwd),
    .ln_bwd_i   (ln_bwd),
    .rd_word_i  (rd_out),
    .prm_i      (prm_out),
    .xhat_i     (xh_beat),
    .len_i      (len),
    .ds_shift_i (ds_shift),
    .y1_i       (out_y1),
    .k_i        (out_k),
    .dot_i      (out_dot),
    .rs_i       (out_rs),
    .hacc_i     (out_hacc),
    .data_o     (out_data_o),
    .aux_o      (out_aux_o),
    .x_o        (out_x)
  );

  // ---------------------------------------------------------------------------------------
  `HYCIM_ASSERT_INIT(OneHalfBuilt, EnSoftmax != 0 || EnLayerNorm != 0,
                     "EnSoftmax and EnLayerNorm are both 0")
  `HYCIM_ASSERT_INIT(LanesDivideRowMax,
                     Lanes >= 1 && SmMax % Lanes == 0 && LnMax % Lanes == 0,
                     "the row maxima must be multiples of Lanes")
  `HYCIM_ASSERT_INIT(RowMaxFitsSum, SmMax <= 2048, "27 sum bits hold softmax rows of up to 2048")
  `HYCIM_ASSERT_INIT(LnMaxFitsStats, LnMax <= 1024,
                     "the LayerNorm statistics are sized for up to 1024 features")
  // The source holds valid and the beat until the unit takes it (docs/conventions.md, "Streams").
  `HYCIM_ASSERT_STREAM_IN(InStream, in_valid_i, in_ready_o, {in_a_i, in_b_i, in_keep_i, in_last_i})
  `HYCIM_ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, {out_data_o, out_aux_o, out_last_o})
  `HYCIM_ASSERT(SumNeverOverflows,
                (ex_we && sm_fwd) |-> (28'(ex_sum) + 28'(e_sum_beat) < 28'(1 << SumW)))

endmodule
