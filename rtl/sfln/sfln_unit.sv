// sfln_unit: the unified softmax / LayerNorm datapath of ARCHITECTURE.md B1 and B2 (TRETA's
// "unified microarchitecture"). One row pipeline, one set of row buffers, one LOAD multiplier
// and reduction tree, one scalar unit (reciprocal for softmax, rsqrt for LayerNorm) and one pair
// of output multipliers serve six modes:
//   0 softmax forward, UQ0.8 output     3 LayerNorm forward
//   1 softmax forward, UQ0.16 output    4 LayerNorm backward
//   2 softmax backward                  5 LayerNorm parameter load (gamma, beta)
// EnSoftmax and EnLayerNorm remove either half: softmax_unit and layernorm_unit are this module
// with one of them off, which is how the synthesis table compares shared against separate units.
// Bit-exact models: hycim::golden::softmax_fwd / softmax_bwd (golden/.../softmax.h) and
// layernorm_fwd / layernorm_bwd (golden/.../layernorm.h). Formats, registers, errors, timing and
// what is shared: docs/blocks/softmax.md and docs/blocks/layernorm.md.
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

`include "hycim_assert.svh"
`include "hycim_lut_paths.svh"

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
  // Shared arithmetic, sized for the halves that are built
  localparam int unsigned ScAW    = (EnLayerNorm != 0) ? 42 : 27;  // scalar multiplier
  localparam int unsigned ScBW    = (EnLayerNorm != 0) ? 32 : 18;
  localparam int unsigned ScPW    = ScAW + ScBW;
  localparam int unsigned LzW     = (EnLayerNorm != 0) ? 62 : SumW;
  localparam int unsigned LzCW    = $clog2(LzW + 1);
  localparam int unsigned WideAW  = (EnLayerNorm != 0) ? 26 : 17;  // ds / dx multiplier
  localparam int unsigned WideBW  = (EnLayerNorm != 0) ? 48 : DotW + 1;
  localparam int unsigned WidePW  = WideAW + WideBW;
  localparam logic [3:0]  LnSteps = 4'd11;  // rsqrt steps before the LN backward sweep

  // Registers (byte offsets 4 * index)
  localparam int unsigned RegCtrl     = 0;
  localparam int unsigned RegStatus   = 1;
  localparam int unsigned RegErr      = 2;
  localparam int unsigned RegLen      = 3;
  localparam int unsigned RegRows     = 4;
  localparam int unsigned RegMode     = 5;
  localparam int unsigned RegDsShift  = 6;   // softmax DS_SHIFT; LayerNorm DX_SHIFT
  localparam int unsigned RegRowMax   = 7;
  localparam int unsigned RegLanes    = 8;
  localparam int unsigned RegRowsDone = 9;
  localparam int unsigned RegCycles   = 10;
  localparam int unsigned RegEps      = 11;
  localparam int unsigned RegLnMax    = 12;
  localparam int unsigned RegPrmLen   = 13;
  localparam int unsigned RegUnits    = 14;

  localparam int unsigned ErrLenZero      = 0;
  localparam int unsigned ErrLenTooBig    = 1;
  localparam int unsigned ErrRowsZero     = 2;
  localparam int unsigned ErrBadMode      = 3;
  localparam int unsigned ErrDsShift      = 4;
  localparam int unsigned ErrStartBusy    = 5;
  localparam int unsigned ErrLastMismatch = 6;
  localparam int unsigned ErrEpsZero      = 7;
  localparam int unsigned ErrParamLen     = 8;
  localparam int unsigned ErrParamRows    = 9;
  localparam int unsigned NumErr          = 10;

  localparam logic [2:0] ModeInfer = 3'd0;
  localparam logic [2:0] ModeTrain = 3'd1;
  localparam logic [2:0] ModeBwd   = 3'd2;
  localparam logic [2:0] ModeLnFwd = 3'd3;
  localparam logic [2:0] ModeLnBwd = 3'd4;
  localparam logic [2:0] ModeLnPrm = 3'd5;

  // ---------------------------------------------------------------------------------------
  // Lookup tables, generated by scripts/gen_luts.py (docs/blocks/softmax.md, layernorm.md)
  logic [15:0] exp_rom   [256];
  logic [15:0] recip_rom [128];
  logic [15:0] rsqrt_rom [128];
  initial begin
    $readmemh(`HYCIM_LUT_EXP2_FRAC, exp_rom);
    $readmemh(`HYCIM_LUT_RECIP_SEED, recip_rom);
    $readmemh(`HYCIM_LUT_RSQRT_SEED, rsqrt_rom);
  end

  // ---------------------------------------------------------------------------------------
  // APB front end and registers
  logic                    reg_we, reg_re, reg_error;
  logic [ApbAddrWidth-1:0] reg_addr;
  logic [31:0]             reg_wdata, reg_rdata;
  logic [ApbAddrWidth-3:0] word;

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

  logic [31:0]       len_q, rows_q, mode_q, ds_shift_q, eps_q, rows_done_q, cycles_q;
  logic [LenW-1:0]   prm_len_q;
  logic [NumErr-1:0] err_q, err_d, cfg_err;
  logic              busy_q, done_q;
  logic              start_req, start_ok;
  logic              mode_sm, mode_ln_stat, mode_known;

  assign word      = reg_addr[ApbAddrWidth-1:2];
  assign start_req = reg_we && (word == RegCtrl[ApbAddrWidth-3:0]) && reg_wdata[0];

  // Modes this build implements, judged on the full 32-bit register.
  assign mode_sm      = (EnSoftmax != 0) && (mode_q <= 32'd2);
  assign mode_ln_stat = (EnLayerNorm != 0) && (mode_q == 32'd3 || mode_q == 32'd4);
  assign mode_known   = mode_sm || mode_ln_stat || ((EnLayerNorm != 0) && mode_q == 32'd5);

  always_comb begin
    cfg_err = '0;
    cfg_err[ErrLenZero]   = (len_q == 32'd0);
    cfg_err[ErrLenTooBig] = mode_known &&
                            (len_q > ((mode_q >= 32'd3) ? 32'(LnMax) : 32'(SmMax)));
    cfg_err[ErrRowsZero]  = (rows_q == 32'd0);
    cfg_err[ErrBadMode]   = !mode_known;
    cfg_err[ErrDsShift]   = (mode_q == 32'(ModeBwd) || mode_q == 32'(ModeLnBwd)) &&
                            (ds_shift_q > 32'd16);
    cfg_err[ErrEpsZero]   = mode_ln_stat && (eps_q == 32'd0);
    cfg_err[ErrParamLen]  = mode_ln_stat && (len_q != 32'(prm_len_q));
    cfg_err[ErrParamRows] = (mode_q == 32'(ModeLnPrm)) && (rows_q != 32'd1);
  end
  assign start_ok = start_req && !busy_q && (cfg_err == '0);

  always_comb begin
    reg_error = 1'b0;
    reg_rdata = 32'h0;
    unique case (word)
      RegCtrl[ApbAddrWidth-3:0]:     reg_rdata = 32'h0;
      RegStatus[ApbAddrWidth-3:0]:   reg_rdata = {30'h0, done_q, busy_q};
      RegErr[ApbAddrWidth-3:0]:      reg_rdata = 32'(err_q);
      RegLen[ApbAddrWidth-3:0]:      reg_rdata = len_q;
      RegRows[ApbAddrWidth-3:0]:     reg_rdata = rows_q;
      RegMode[ApbAddrWidth-3:0]:     reg_rdata = mode_q;
      RegDsShift[ApbAddrWidth-3:0]:  reg_rdata = ds_shift_q;
      RegRowMax[ApbAddrWidth-3:0]:   reg_rdata = 32'(SmMax);
      RegLanes[ApbAddrWidth-3:0]:    reg_rdata = 32'(Lanes);
      RegRowsDone[ApbAddrWidth-3:0]: reg_rdata = rows_done_q;
      RegCycles[ApbAddrWidth-3:0]:   reg_rdata = cycles_q;
      RegEps[ApbAddrWidth-3:0]:      reg_rdata = eps_q;
      RegLnMax[ApbAddrWidth-3:0]:    reg_rdata = 32'(LnMax);
      RegPrmLen[ApbAddrWidth-3:0]:   reg_rdata = 32'(prm_len_q);
      RegUnits[ApbAddrWidth-3:0]:    reg_rdata = {30'h0, EnLayerNorm != 0, EnSoftmax != 0};
      default:                       reg_error = 1'b1;
    endcase
    if (reg_we) begin
      unique case (word)
        RegCtrl[ApbAddrWidth-3:0]:    reg_error = 1'b0;
        RegLen[ApbAddrWidth-3:0],
        RegRows[ApbAddrWidth-3:0],
        RegMode[ApbAddrWidth-3:0],
        RegDsShift[ApbAddrWidth-3:0],
        RegEps[ApbAddrWidth-3:0]:     reg_error = busy_q;
        default:                      reg_error = 1'b1;
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      len_q      <= 32'd0;
      rows_q     <= 32'd1;
      mode_q     <= (EnSoftmax != 0) ? 32'(ModeTrain) : 32'(ModeLnFwd);
      ds_shift_q <= 32'd0;
      eps_q      <= 32'd1;
    end else if (reg_we && !busy_q) begin
      unique case (word)
        RegLen[ApbAddrWidth-3:0]:     len_q <= reg_wdata;
        RegRows[ApbAddrWidth-3:0]:    rows_q <= reg_wdata;
        RegMode[ApbAddrWidth-3:0]:    mode_q <= reg_wdata;
        RegDsShift[ApbAddrWidth-3:0]: ds_shift_q <= reg_wdata;
        RegEps[ApbAddrWidth-3:0]:     eps_q <= reg_wdata;
        default: ;
      endcase
    end
  end

  // ---------------------------------------------------------------------------------------
  // Row bookkeeping. The mode decodes are constant 0 for a half that is not built, which
  // removes its logic in synthesis.
  logic [2:0]      mode;
  logic            sm_fwd, sm_bwd, ln_fwd, ln_bwd, ln_prm, ln_stat;
  logic            skip_mid, skip_out;
  logic [LenW-1:0] len;
  logic [AddrW:0]  beats;  // beats per row: ceil(len / Lanes)
  assign mode     = mode_q[2:0];
  assign sm_fwd   = (EnSoftmax != 0) && (mode == ModeInfer || mode == ModeTrain);
  assign sm_bwd   = (EnSoftmax != 0) && (mode == ModeBwd);
  assign ln_fwd   = (EnLayerNorm != 0) && (mode == ModeLnFwd);
  assign ln_bwd   = (EnLayerNorm != 0) && (mode == ModeLnBwd);
  assign ln_prm   = (EnLayerNorm != 0) && (mode == ModeLnPrm);
  assign ln_stat  = ln_fwd || ln_bwd;
  assign skip_mid = sm_bwd || ln_prm;
  assign skip_out = ln_prm;
  assign len      = len_q[LenW-1:0];
  assign beats    = (AddrW + 1)'((32'(len) + Lanes - 1) / Lanes);

  // Stage state. ld_buf_q is the buffer LOAD fills; MID works on the one before it, OUT on the
  // one before that (modulo 3).
  logic [1:0]     ld_buf_q, ex_buf, out_buf;
  logic           ld_v_q, ex_v_q, out_v_q;           // the stage holds a row in this slot
  logic           ld_done_q, ex_done_q, out_done_q;  // ... and has finished it
  logic [AddrW:0] ld_beat_q, ex_beat_q, out_beat_q;
  logic [3:0]     rstep_q;                           // scalar-unit step
  logic           ex_recip;                          // softmax EXP has passed its last beat
  logic           ln_sweep;                          // LN backward: rsqrt done, sweeping
  logic [31:0]    rows_in_q;                         // rows whose LOAD has started
  logic           slot_end, ld_next, run_end;
  logic           ld_last, out_last;

  assign ex_buf   = (ld_buf_q == 2'd0) ? 2'd2 : ld_buf_q - 2'd1;
  assign out_buf  = (ex_buf == 2'd0) ? 2'd2 : ex_buf - 2'd1;
  assign ld_last  = (ld_beat_q == beats - 1'b1);
  assign out_last = (out_beat_q == beats - 1'b1);
  assign ex_recip = (ex_beat_q == beats);
  assign ln_sweep = (rstep_q == LnSteps);

  logic in_hs, out_hs;
  assign in_ready_o  = busy_q && ld_v_q && !ld_done_q;
  assign in_hs       = in_valid_i && in_ready_o;
  assign out_valid_o = busy_q && out_v_q && !out_done_q && !skip_out;
  assign out_hs      = out_valid_o && out_ready_i;

  assign slot_end = busy_q && (!ld_v_q || ld_done_q) && (!ex_v_q || ex_done_q || skip_mid) &&
                    (!out_v_q || out_done_q || skip_out);
  assign ld_next  = (rows_in_q + 32'(ld_v_q)) < rows_q;
  assign run_end  = slot_end && !ld_v_q && !ex_v_q;  // the next slot would be empty

  // ---------------------------------------------------------------------------------------
  // Row buffers: three memories, one word per beat, {keep, a, b} per lane
  logic [WordW-1:0] ld_word, ex_word, rd_ex, rd_out;
  logic             ex_we;
  logic [WordW-1:0] mem_rd [3];

  for (genvar m = 0; m < 3; m++) begin : g_buf
    logic [WordW-1:0] mem_q [Depth];
    logic             we_ld, we_ex;
    assign we_ld = in_hs && !ln_prm && (ld_buf_q == 2'(m));
    assign we_ex = ex_we && (ex_buf == 2'(m));
    always_ff @(posedge clk_i) begin
      if (we_ld) mem_q[AddrW'(ld_beat_q)] <= ld_word;
      else if (we_ex) mem_q[AddrW'(ex_beat_q)] <= ex_word;
    end
    assign mem_rd[m] = mem_q[(ex_buf == 2'(m)) ? AddrW'(ex_beat_q) : AddrW'(out_beat_q)];
    `HYCIM_ASSERT(OneWriterPerBuffer, !(we_ld && we_ex))
  end
  assign rd_ex  = mem_rd[ex_buf];
  assign rd_out = mem_rd[out_buf];

  // LayerNorm parameters: {gamma, beta} per lane, one word per beat, loaded by mode 5.
  logic [Lanes*32-1:0] prm_q [LnDepth];
  logic [Lanes*32-1:0] prm_word, prm_ex, prm_out;
  for (genvar j = 0; j < Lanes; j++) begin : g_prm_word
    assign prm_word[j*32 +: 32] = {in_a_i[j*16 +: 16], in_b_i[j*16 +: 16]};
  end
  always_ff @(posedge clk_i) begin
    if (in_hs && ln_prm) prm_q[PrmAW'(ld_beat_q)] <= prm_word;
  end
  assign prm_ex  = prm_q[PrmAW'(ex_beat_q)];
  assign prm_out = prm_q[PrmAW'(out_beat_q)];

  // ---------------------------------------------------------------------------------------
  // Per-buffer row context
  //   softmax: any, max (forward), sum of e, k and y1 (1/sum), dot = sum p*g (backward)
  //   LayerNorm: sum = Sx, dot = Sxx then G = sum g, k = e/2, rs, hacc = sum g*xhat
  logic                   any_q  [3];
  logic signed [15:0]     max_q  [3];
  logic signed [DotW-1:0] dot_q  [3];
  logic [SumW-1:0]        sum_q  [3];
  logic [4:0]             k_q    [3];
  logic [16:0]            y1_q   [3];
  logic [24:0]            rs_q   [3];
  logic signed [HaccW-1:0] hacc_q [3];

  // ---------------------------------------------------------------------------------------
  // LOAD: store the beat. Softmax forward: running max over kept entries. One multiplier per
  // lane and one tree: dot += sum p*g (softmax backward) or sum x*x (LayerNorm); Sx += sum x.
  logic [LenW-1:0]        ld_base;
  logic [Lanes-1:0]       in_row, keep_in;
  logic signed [15:0]     beat_max;
  logic                   beat_any, take;
  logic signed [DotW-1:0] beat_dot;
  logic signed [SumW-1:0] beat_sx;
  logic signed [16:0]     lm_a;
  logic signed [15:0]     lm_b;

  assign ld_base = LenW'(32'(ld_beat_q) * Lanes);
  for (genvar j = 0; j < Lanes; j++) begin : g_in_row
    assign in_row[j] = (32'(ld_base) + j) < 32'(len);
  end

  always_comb begin
    keep_in  = in_row & (sm_fwd ? in_keep_i : '1);
    beat_any = 1'b0;
    beat_max = 16'sh8000;
    beat_dot = '0;
    beat_sx  = '0;
    lm_a     = '0;
    lm_b     = '0;
    for (int unsigned j = 0; j < Lanes; j++) begin
      // (The comparison goes through `take`: Verilator 5.006 re-evaluates a branch condition for
      // coverage after the branch body ran, and the body writes beat_max; docs/flows.md.)
      take = keep_in[j] && (!beat_any || $signed(in_a_i[j*16 +: 16]) > beat_max);
      if (take) beat_max = $signed(in_a_i[j*16 +: 16]);
      beat_any = beat_any || keep_in[j];
      lm_a = ln_stat ? {in_a_i[j*16 + 15], in_a_i[j*16 +: 16]} : {1'b0, in_a_i[j*16 +: 16]};
      lm_b = ln_stat ? $signed(in_a_i[j*16 +: 16]) : $signed(in_b_i[j*16 +: 16]);
      if (in_row[j]) begin
        beat_dot = beat_dot + DotW'(lm_a) * DotW'(lm_b);
        beat_sx  = beat_sx + SumW'($signed(in_a_i[j*16 +: 16]));
      end
    end
    ld_word = '0;
    for (int unsigned j = 0; j < Lanes; j++) begin
      ld_word[j*33 + 32]       = keep_in[j];
      ld_word[j*33 + 16 +: 16] = in_a_i[j*16 +: 16];
      ld_word[j*33 +: 16]      = in_b_i[j*16 +: 16];
    end
  end

  // ---------------------------------------------------------------------------------------
  // MID, softmax forward (EXP): e = rnd_shr(E[d & 255], d >> 8) per lane, d = max - x; e
  // replaces x in the buffer
  logic [Lanes*16-1:0] e_beat;
  logic [Lanes-1:0]    ex_keep, out_keep;
  logic [Lanes*16-1:0] ex_a, ex_b, out_a, out_b;
  logic signed [15:0]  ex_max;

  for (genvar j = 0; j < Lanes; j++) begin : g_lane_unpack
    assign ex_keep[j]        = rd_ex[j*33 + 32];
    assign ex_a[j*16 +: 16]  = rd_ex[j*33 + 16 +: 16];
    assign ex_b[j*16 +: 16]  = rd_ex[j*33 +: 16];
    assign out_keep[j]       = rd_out[j*33 + 32];
    assign out_a[j*16 +: 16] = rd_out[j*33 + 16 +: 16];
    assign out_b[j*16 +: 16] = rd_out[j*33 +: 16];
  end
  assign ex_max = max_q[ex_buf];

  for (genvar j = 0; j < Lanes; j++) begin : g_exp
    logic [16:0] d;
    logic [7:0]  di;
    logic [15:0] ev;
    logic [16:0] rounded;
    assign d  = 17'($signed({ex_max[15], ex_max}) - $signed({ex_a[j*16 + 15], ex_a[j*16 +: 16]}));
    assign di = d[15:8];
    assign ev = exp_rom[d[7:0]];
    always_comb begin
      rounded = {1'b0, ev};
      if (di != 8'd0) begin
        rounded = (17'(ev) + (17'd1 << (di - 8'd1))) >> di;
      end
    end
    assign e_beat[j*16 +: 16] = (!ex_keep[j] || di > 8'd16) ? 16'd0 : rounded[15:0];
    logic unused_top;
    assign unused_top = rounded[16];  // e <= 2^15: the carry bit is never set
    `HYCIM_ASSERT(DNonNegative, (ex_we && sm_fwd && ex_keep[j]) |-> !d[16])
  end

  // ---------------------------------------------------------------------------------------
  // xhat = sat(rnd_shr((n x - Sx) rs, e/2 + 8), 16), one unit per lane. It serves the MID
  // sweep in LN backward and OUT in LN forward (never both in one run).
  logic [Lanes*16-1:0]    xh_in, xh_beat;
  logic signed [SumW-1:0] xh_sx;
  logic [24:0]            xh_rs;
  logic [4:0]             xh_he;
  logic [5:0]             xh_shift;
  assign xh_in    = ln_bwd ? ex_a : out_a;
  assign xh_sx    = $signed(ln_bwd ? sum_q[ex_buf] : sum_q[out_buf]);
  assign xh_rs    = ln_bwd ? rs_q[ex_buf] : rs_q[out_buf];
  assign xh_he    = ln_bwd ? k_q[ex_buf] : k_q[out_buf];
  assign xh_shift = 6'(xh_he) + 6'd8;

  for (genvar j = 0; j < Lanes; j++) begin : g_xhat
    logic signed [27:0] dxs;
    logic signed [54:0] prod, r;
    assign dxs  = 28'($signed(xh_in[j*16 +: 16])) * $signed(28'(len)) - 28'(xh_sx);
    assign prod = 55'(dxs) * $signed({30'd0, xh_rs});
    assign r    = (prod + (55'sd1 <<< (xh_shift - 6'd1))) >>> xh_shift;
    assign xh_beat[j*16 +: 16] = (r > 55'sd32767) ? 16'h7FFF :
                                 (r < -55'sd32768) ? 16'h8000 : r[15:0];
  end

  // MID, LayerNorm backward sweep: g = dy * gamma, G += sum g, hacc += sum g * xhat; xhat
  // replaces x in the buffer.
  logic signed [DotW-1:0]  g_sum_beat;
  logic signed [HaccW-1:0] gx_sum_beat;
  logic [WordW-1:0]        ex_word_ln, ex_word_sm;
  logic [SumW-1:0]         e_sum_beat;

  logic signed [31:0] g_ex [Lanes];
  for (genvar j = 0; j < Lanes; j++) begin : g_mid_g
    assign g_ex[j] = 32'($signed(ex_b[j*16 +: 16])) * 32'($signed(prm_ex[j*32 + 16 +: 16]));
  end

  always_comb begin
    g_sum_beat  = '0;
    gx_sum_beat = '0;
    e_sum_beat  = '0;
    ex_word_sm  = '0;
    ex_word_ln  = '0;
    for (int unsigned j = 0; j < Lanes; j++) begin
      if (ex_keep[j]) begin
        g_sum_beat  = g_sum_beat + DotW'(g_ex[j]);
        gx_sum_beat = gx_sum_beat + HaccW'(g_ex[j]) * HaccW'($signed(xh_beat[j*16 +: 16]));
      end
      e_sum_beat = e_sum_beat + SumW'(e_beat[j*16 +: 16]);
      ex_word_sm[j*33 + 32]       = ex_keep[j];
      ex_word_sm[j*33 + 16 +: 16] = e_beat[j*16 +: 16];
      ex_word_sm[j*33 +: 16]      = ex_b[j*16 +: 16];
      ex_word_ln[j*33 + 32]       = ex_keep[j];
      ex_word_ln[j*33 + 16 +: 16] = xh_beat[j*16 +: 16];
      ex_word_ln[j*33 +: 16]      = ex_b[j*16 +: 16];
    end
  end
  assign ex_word = ln_bwd ? ex_word_ln : ex_word_sm;
  assign ex_we   = busy_q && ex_v_q && !ex_done_q && !ex_recip &&
                   (sm_fwd || (ln_bwd && ln_sweep));

  // ---------------------------------------------------------------------------------------
  // Scalar unit: one multiplier and one leading-zero counter, stepped by rstep_q.
  //   softmax (after EXP's last beat), 1/sum = y1 * 2^-(16 + k):
  //     0 normalise + seed, 1 t = mn*y0, 2 y1 = y0*(2 - t)
  //   LayerNorm (at the start of MID), rs = 2^(24 + e/2) / sqrt(V):
  //     0 n*Sxx, 1 - Sx^2, 2 n*n, 3 V = (n Sxx - Sx^2) 2^8 + eps8 n^2, 4 normalise + seed,
  //     5..7 and 8..10 Newton: sq = y*y, h = mp*sq, y = y (3 - h) / 2
  logic [SumW-1:0]   ex_sum;
  logic [LzW-1:0]    lz_in;
  logic [LzCW-1:0]   lz;
  logic              lz_zero;
  logic [4:0]        rk_q;
  logic [26:0]       mn_q;
  logic [15:0]       y0_q;
  logic [16:0]       t_q;
  logic [15:0]       seed;
  logic [26:0]       ex_norm;
  logic [ScAW-1:0]   sc_a;
  logic [ScBW-1:0]   sc_b;
  logic [ScPW-1:0]   sc_p;
  // LayerNorm scalar state
  logic [51:0]       acc_q;   // n Sxx, then n Sxx - Sx^2
  logic [20:0]       nn_q;    // n^2
  logic [61:0]       v_q;     // V
  logic [31:0]       mp_q;    // V / 2^e, UQ2.30
  logic [24:0]       y_q;     // Newton iterate, UQ1.24
  logic [26:0]       sq_q;    // y^2, UQ2.24
  logic [28:0]       h_q;     // mp y^2, UQ.24
  logic [4:0]        he_q;    // e / 2
  logic [25:0]       three_minus;
  logic [17:0]       two_minus_t;  // 2 - t, UQ1.17
  logic [25:0]       sx_abs;
  logic [5:0]        vk, ve;
  logic [31:0]       v_mant;
  logic [6:0]        rs_idx;

  assign ex_sum  = sum_q[ex_buf];
  assign lz_in   = ln_stat ? LzW'(v_q) : (LzW'(ex_sum) << (LzW - SumW));
  assign ex_norm = 27'(ex_sum << lz);
  assign seed    = recip_rom[ex_norm[25:19]];
  lzc #(.Width(LzW)) u_lzc (.in_i(lz_in), .cnt_o(lz), .empty_o(lz_zero));

  assign sx_abs      = ex_sum[SumW-1] ? 26'(-$signed(ex_sum)) : 26'(ex_sum);
  assign three_minus = 26'(29'd50331648 - h_q);  // 3 * 2^24 - h
  assign two_minus_t = 18'h20000 - 18'(t_q);
  assign vk          = 6'(61 - 32'(lz));
  assign ve          = {vk[5:1], 1'b0};
  // mp = V / 2^e as UQ2.30: exact when e <= 30, else rounded half up (4.0 clamps to 2^32 - 1)
  logic [62:0] v_rnd;
  assign v_rnd  = (63'(v_q) + (63'd1 << (ve - 6'd31))) >> (ve - 6'd30);
  assign v_mant = (ve <= 6'd30) ? 32'(v_q << (6'd30 - ve)) :
                  (v_rnd >= 63'h1_0000_0000) ? 32'hFFFF_FFFF : v_rnd[31:0];
  assign rs_idx = v_mant[31] ? {1'b1, v_mant[30:25]} : {1'b0, v_mant[29:24]};

  always_comb begin
    sc_a = '0;
    sc_b = '0;
    if (ln_stat) begin
      unique case (rstep_q)
        4'd0:        begin sc_a = ScAW'(dot_q[ex_buf]); sc_b = ScBW'(len); end
        4'd1:        begin sc_a = ScAW'(sx_abs);        sc_b = ScBW'(sx_abs); end
        4'd2:        begin sc_a = ScAW'(len);           sc_b = ScBW'(len); end
        4'd3:        begin sc_a = ScAW'(nn_q);          sc_b = ScBW'(eps_q); end
        4'd5, 4'd8:  begin sc_a = ScAW'(y_q);           sc_b = ScBW'(y_q); end
        4'd6, 4'd9:  begin sc_a = ScAW'(sq_q);          sc_b = ScBW'(mp_q); end
        4'd7, 4'd10: begin sc_a = ScAW'(three_minus);   sc_b = ScBW'(y_q); end
        default: ;
      endcase
    end else begin
      unique case (rstep_q)
        4'd1:    begin sc_a = ScAW'(mn_q); sc_b = ScBW'(y0_q); end
        4'd2:    begin sc_a = ScAW'(y0_q); sc_b = ScBW'(two_minus_t); end
        default: ;
      endcase
    end
  end
  assign sc_p = ScPW'(sc_a) * ScPW'(sc_b);

  // ---------------------------------------------------------------------------------------
  // OUT. Two multipliers per lane shared by all modes:
  //   narrow: softmax e * y1; LN forward gamma * xhat; LN backward g = dy * gamma
  //   wide:   softmax backward p * (2^16 g - dot); LN backward rs * T
  // followed by one rounding shift with saturation to INT16.
  logic [5:0]             p_shift;
  logic [5:0]             w_shift;
  logic [16:0]            out_y1;
  logic signed [DotW-1:0] out_dot;
  logic signed [HaccW-13:0] out_h;
  assign out_y1  = y1_q[out_buf];
  assign out_dot = dot_q[out_buf];
  assign out_h   = (HaccW - 12)'((hacc_q[out_buf] + HaccW'(2048)) >>> 12);
  assign p_shift = (mode == ModeInfer) ? 6'(k_q[out_buf]) + 6'd8 : 6'(k_q[out_buf]);
  assign w_shift = ln_bwd ? 6'd33 + 6'(k_q[out_buf]) - 6'(ds_shift_q[4:0]) :
                            6'd32 - 6'(ds_shift_q[4:0]);

  logic [Lanes*16-1:0] out_beat_data;
  for (genvar j = 0; j < Lanes; j++) begin : g_out
    logic signed [16:0]       na;
    logic signed [17:0]       nb;
    logic signed [34:0]       nprod;
    logic [33:0]              pr;
    logic signed [35:0]       yr;
    logic [15:0]              p_val, y_val, ds_val;
    logic signed [15:0]       gamma, beta, xh;
    logic signed [DotW:0]     t_sm;
    logic signed [51:0]       t_ln, ng, xhh;
    logic signed [WideAW-1:0] wa;
    logic signed [WideBW-1:0] wb;
    logic signed [WidePW-1:0] wprod, wr;

    assign gamma = $signed(prm_out[j*32 + 16 +: 16]);
    assign beta  = $signed(prm_out[j*32 +: 16]);
    assign xh    = ln_fwd ? $signed(xh_beat[j*16 +: 16]) : $signed(out_a[j*16 +: 16]);
    assign na    = ln_stat ? 17'(gamma) : $signed({1'b0, out_a[j*16 +: 16]});
    assign nb    = ln_fwd ? 18'(xh) : ln_bwd ? 18'($signed(out_b[j*16 +: 16])) :
                   $signed({1'b0, out_y1});
    assign nprod = 35'(na) * 35'(nb);

    // softmax forward: p = usat(rnd_shr(e * y1, k + 16 - F), F)
    assign pr = (34'(nprod) + (34'd1 << (p_shift - 6'd1))) >> p_shift;
    always_comb begin
      if (mode == ModeInfer) p_val = (pr > 34'd255) ? 16'd255 : 16'(pr);
      else p_val = (pr > 34'd65535) ? 16'hFFFF : 16'(pr);
    end
    // LN forward: y = sat(rnd_shr(gamma * xhat, 13) + beta, 16)
    assign yr    = 36'((nprod + 35'sd4096) >>> 13) + 36'(beta);
    assign y_val = (yr > 36'sd32767) ? 16'h7FFF : (yr < -36'sd32768) ? 16'h8000 : yr[15:0];

    // softmax backward: t = 2^16 g - dot; LN backward: T = n g - G - rnd_shr(xhat H, 12)
    assign t_sm = ($signed((DotW + 1)'($signed(out_b[j*16 +: 16]))) <<< 16) -
                  $signed((DotW + 1)'(out_dot));
    assign ng   = 52'(nprod) * $signed(52'(len));
    assign xhh  = 52'((64'(xh) * 64'(out_h) + 64'sd2048) >>> 12);
    assign t_ln = ng - 52'(out_dot) - xhh;
    assign wa   = ln_bwd ? $signed(WideAW'(rs_q[out_buf])) :
                           $signed(WideAW'({1'b0, out_a[j*16 +: 16]}));
    assign wb   = ln_bwd ? WideBW'(t_ln) : WideBW'(t_sm);
    assign wprod = WidePW'(wa) * WidePW'(wb);
    assign wr    = (wprod + (WidePW'(1) <<< (w_shift - 6'd1))) >>> w_shift;
    assign ds_val = (wr > WidePW'(32767)) ? 16'h7FFF :
                    (wr < -WidePW'(32768)) ? 16'h8000 : wr[15:0];

    always_comb begin
      out_beat_data[j*16 +: 16] = 16'd0;
      out_aux_o[j*16 +: 16]     = 16'd0;
      if (out_keep[j]) begin
        if (sm_fwd) out_beat_data[j*16 +: 16] = p_val;
        else if (ln_fwd) out_beat_data[j*16 +: 16] = y_val;
        else out_beat_data[j*16 +: 16] = ds_val;
        if (ln_stat) out_aux_o[j*16 +: 16] = xh;
      end
    end

    `HYCIM_ASSERT(TFitsWideOperand,
                  (out_valid_o && ln_bwd && out_keep[j]) |-> (t_ln == 52'(wb)))
  end

  assign out_data_o = out_beat_data;
  assign out_last_o = out_last;

  // ---------------------------------------------------------------------------------------
  // Control
  always_comb begin
    err_d = err_q;
    if (start_req) begin
      if (busy_q) err_d[ErrStartBusy] = 1'b1;
      else err_d = cfg_err;
    end
    if (in_hs && (in_last_i != ld_last)) err_d[ErrLastMismatch] = 1'b1;
  end

  logic ex_active;
  assign ex_active = busy_q && ex_v_q && !ex_done_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q      <= 1'b0;
      done_q      <= 1'b0;
      err_q       <= '0;
      rows_done_q <= 32'd0;
      cycles_q    <= 32'd0;
      rows_in_q   <= 32'd0;
      prm_len_q   <= '0;
      ld_buf_q    <= 2'd0;
      ld_v_q      <= 1'b0;
      ex_v_q      <= 1'b0;
      out_v_q     <= 1'b0;
      ld_done_q   <= 1'b0;
      ex_done_q   <= 1'b0;
      out_done_q  <= 1'b0;
      ld_beat_q   <= '0;
      ex_beat_q   <= '0;
      out_beat_q  <= '0;
      rstep_q     <= 4'd0;
      rk_q        <= 5'd0;
      mn_q        <= '0;
      y0_q        <= '0;
      t_q         <= '0;
      acc_q       <= '0;
      nn_q        <= '0;
      v_q         <= '0;
      mp_q        <= '0;
      y_q         <= '0;
      sq_q        <= '0;
      h_q         <= '0;
      he_q        <= '0;
      for (int m = 0; m < 3; m++) begin
        any_q[m]  <= 1'b0;
        max_q[m]  <= 16'sd0;
        dot_q[m]  <= '0;
        sum_q[m]  <= '0;
        k_q[m]    <= 5'd0;
        y1_q[m]   <= '0;
        rs_q[m]   <= '0;
        hacc_q[m] <= '0;
      end
    end else begin
      err_q <= err_d;
      if (start_req && !busy_q) begin
        done_q <= (cfg_err != '0);
        busy_q <= (cfg_err == '0);
      end
      if (busy_q) cycles_q <= cycles_q + 32'd1;
      if (start_ok) begin
        rows_done_q <= 32'd0;
        cycles_q    <= 32'd0;
        rows_in_q   <= 32'd0;
        ld_buf_q    <= 2'd0;
        ld_v_q      <= 1'b1;
        ex_v_q      <= 1'b0;
        out_v_q     <= 1'b0;
        any_q[0]    <= 1'b0;
        dot_q[0]    <= '0;
        sum_q[0]    <= '0;
        // A parameter load invalidates the old parameters until its last beat.
        if (mode == ModeLnPrm) prm_len_q <= '0;
      end

      // LOAD
      if (in_hs) begin
        if (beat_any && (!any_q[ld_buf_q] || beat_max > max_q[ld_buf_q])) begin
          max_q[ld_buf_q] <= beat_max;
        end
        any_q[ld_buf_q] <= any_q[ld_buf_q] || beat_any;
        dot_q[ld_buf_q] <= dot_q[ld_buf_q] + beat_dot;
        if (ln_stat) sum_q[ld_buf_q] <= sum_q[ld_buf_q] + SumW'(beat_sx);
        ld_beat_q <= ld_beat_q + 1'b1;
        if (ld_last) begin
          ld_done_q <= 1'b1;
          if (ln_prm) prm_len_q <= len;
        end
      end

      // MID
      if (ex_we) begin
        ex_beat_q <= ex_beat_q + 1'b1;
        if (sm_fwd) sum_q[ex_buf] <= sum_q[ex_buf] + e_sum_beat;
        if (ln_bwd) begin
          dot_q[ex_buf]  <= dot_q[ex_buf] + g_sum_beat;
          hacc_q[ex_buf] <= hacc_q[ex_buf] + gx_sum_beat;
        end
      end else if (ex_active && sm_fwd) begin
        // softmax reciprocal. An all-masked row has sum 0: no reciprocal (every p is 0).
        unique case (rstep_q)
          4'd0: begin
            rk_q <= 5'(SumW - 1) - 5'(lz);
            mn_q <= ex_norm;
            y0_q <= seed;
            if (lz_zero) ex_done_q <= 1'b1;
          end
          4'd1: t_q <= 17'((sc_p + ScPW'(1 << 25)) >> 26);
          4'd2: begin
            y1_q[ex_buf] <= 17'((sc_p + ScPW'(16'h8000)) >> 16);
            k_q[ex_buf]  <= rk_q;
            ex_done_q    <= 1'b1;
          end
          // verilator coverage_off
          default: ;  // never reached: step 2 finishes the row
          // verilator coverage_on
        endcase
        rstep_q <= rstep_q + 4'd1;
      end else if (ex_active && ln_stat && !ln_sweep) begin
        // LayerNorm rsqrt
        unique case (rstep_q)
          4'd0: acc_q <= 52'(sc_p);
          4'd1: acc_q <= acc_q - 52'(sc_p);
          4'd2: nn_q <= 21'(sc_p);
          4'd3: v_q <= 62'({acc_q, 8'd0}) + 62'(sc_p);
          4'd4: begin
            he_q <= vk[5:1];
            mp_q <= v_mant;
            y_q  <= {1'b0, rsqrt_rom[rs_idx], 8'd0};
          end
          4'd5, 4'd8: sq_q <= 27'((sc_p + ScPW'(1 << 23)) >> 24);
          4'd6, 4'd9: h_q <= 29'((sc_p + ScPW'(1 << 29)) >> 30);
          4'd7:       y_q <= 25'((sc_p + ScPW'(1 << 24)) >> 25);
          4'd10: begin
            rs_q[ex_buf]   <= 25'((sc_p + ScPW'(1 << 24)) >> 25);
            k_q[ex_buf]    <= he_q;
            dot_q[ex_buf]  <= '0;  // Sxx is used; the sweep sums G here
            hacc_q[ex_buf] <= '0;
            if (ln_fwd) ex_done_q <= 1'b1;
          end
          // verilator coverage_off
          default: ;  // never reached: the sweep starts at step 11
          // verilator coverage_on
        endcase
        rstep_q <= rstep_q + 4'd1;
      end else if (ex_active && ln_bwd && ln_sweep) begin
        ex_done_q <= 1'b1;  // the sweep has passed the row's last beat
      end

      // OUT
      if (out_hs) begin
        out_beat_q <= out_beat_q + 1'b1;
        if (out_last) begin
          out_done_q  <= 1'b1;
          rows_done_q <= rows_done_q + 32'd1;
        end
      end

      // Slot boundary: rotate the buffers, advance the rows one stage.
      if (slot_end) begin
        ld_buf_q   <= (ld_buf_q == 2'd2) ? 2'd0 : ld_buf_q + 2'd1;
        rows_in_q  <= rows_in_q + 32'(ld_v_q);
        ld_v_q     <= ld_next;
        ex_v_q     <= ld_v_q;
        out_v_q    <= ex_v_q;
        ld_done_q  <= 1'b0;
        ex_done_q  <= 1'b0;
        out_done_q <= 1'b0;
        ld_beat_q  <= '0;
        ex_beat_q  <= '0;
        out_beat_q <= '0;
        rstep_q    <= 4'd0;
        // The buffer LOAD takes next is the one OUT has just released.
        any_q[out_buf] <= 1'b0;
        dot_q[out_buf] <= '0;
        sum_q[out_buf] <= '0;
        if (run_end) begin
          busy_q <= 1'b0;
          done_q <= 1'b1;
        end
      end
    end
  end

  assign done_o = done_q;

  logic unused;
  logic [Lanes-1:0] unused_beta_ex;  // MID reads gamma only
  for (genvar j = 0; j < Lanes; j++) begin : g_unused_beta
    assign unused_beta_ex[j] = ^prm_ex[j*32 +: 16];
  end
  assign unused = ^{reg_re, reg_addr[1:0], len_q[31:LenW], mode_q[31:3], ds_shift_q[31:5],
                    unused_beta_ex, vk[0], mp_q};  // mp_q: wider than a softmax-only ScBW

  // ---------------------------------------------------------------------------------------
  `HYCIM_ASSERT_INIT(OneHalfBuilt, EnSoftmax != 0 || EnLayerNorm != 0,
                     "EnSoftmax and EnLayerNorm are both 0")
  `HYCIM_ASSERT_INIT(LanesDivideRowMax,
                     Lanes >= 1 && SmMax % Lanes == 0 && LnMax % Lanes == 0,
                     "the row maxima must be multiples of Lanes")
  `HYCIM_ASSERT_INIT(RowMaxFitsSum, SmMax <= 2048, "27 sum bits hold softmax rows of up to 2048")
  `HYCIM_ASSERT_INIT(LnMaxFitsStats, LnMax <= 1024,
                     "the LayerNorm statistics are sized for up to 1024 features")
  `HYCIM_ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, {out_data_o, out_aux_o, out_last_o})
  `HYCIM_ASSERT(NoStreamsWhenIdle, !busy_q |-> (!in_ready_o && !out_valid_o))
  `HYCIM_ASSERT(SumNeverOverflows,
                (ex_we && sm_fwd) |-> (28'(ex_sum) + 28'(e_sum_beat) < 28'(1 << SumW)))
  `HYCIM_ASSERT(BeatsWithinRow, busy_q |-> (ld_beat_q <= beats && out_beat_q <= beats))
  `HYCIM_ASSERT(DoneNotBusy, done_q |-> !busy_q)
  `HYCIM_ASSERT(VarianceNonNegative,
                (ex_active && ln_stat && rstep_q == 4'd1) |-> (64'(acc_q) >= 64'(sc_p)))
  `HYCIM_ASSERT(VPositive, (ex_active && ln_stat && rstep_q == 4'd4) |-> (v_q != '0))
  `HYCIM_ASSERT(NewtonConverges,
                (ex_active && ln_stat && (rstep_q == 4'd7 || rstep_q == 4'd10)) |->
                (h_q < 29'd50331648))

endmodule
