// sfln_regs: the APB register file and run control of sfln_unit. It holds the configuration
// (LEN, ROWS, MODE, DS_SHIFT, EPS), checks it on a start, and keeps the run state that software
// reads: BUSY / DONE, ERR, ROWS_DONE, CYCLES and the length of the loaded LayerNorm parameters.
// Register map and error bits: docs/training/softmax.md and docs/training/layernorm.md.

`include "hycim_assert.svh"

module sfln_regs #(
  parameter int unsigned Lanes        = 4,
  parameter int unsigned SmMax        = 64,  // softmax row maximum of this build (0: no softmax)
  parameter int unsigned LnMax        = 64,  // LayerNorm feature maximum (0: no LayerNorm)
  parameter int unsigned EnSoftmax    = 1,
  parameter int unsigned EnLayerNorm  = 1,
  parameter int unsigned ApbAddrWidth = 12,
  parameter int unsigned LenW         = 7    // bits of a row length
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
  // Events from the datapath
  input  logic                    run_end_i,     // the last row has left: the run is over
  input  logic                    row_out_i,     // OUT has sent a row's last beat
  input  logic                    last_err_i,    // an input beat's in_last disagreed with LEN
  input  logic                    prm_loaded_i,  // a parameter load took its last beat
  // Configuration of the current run (stable while busy_o)
  output logic                    start_o,       // accepted start: a run begins next cycle
  output logic                    busy_o,
  output logic                    done_o,
  output logic [2:0]              mode_o,
  output logic [LenW-1:0]         len_o,
  output logic [31:0]             rows_o,
  output logic [4:0]              ds_shift_o,
  output logic [31:0]             eps_o
);

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

  localparam logic [31:0] ModeTrain = 32'd1;
  localparam logic [31:0] ModeBwd   = 32'd2;
  localparam logic [31:0] ModeLnFwd = 32'd3;
  localparam logic [31:0] ModeLnBwd = 32'd4;
  localparam logic [31:0] ModeLnPrm = 32'd5;

  // ---------------------------------------------------------------------------------------
  // APB front end
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

  logic [31:0]       len_q, len_d, rows_q, rows_d, mode_q, mode_d;
  logic [31:0]       ds_shift_q, ds_shift_d, eps_q, eps_d;
  logic [31:0]       rows_done_q, rows_done_d, cycles_q, cycles_d;
  logic [LenW-1:0]   prm_len_q, prm_len_d;
  logic [NumErr-1:0] err_q, err_d, cfg_err;
  logic              busy_q, busy_d, done_q, done_d;
  logic              start_req, start_ok;
  logic              mode_sm, mode_ln_stat, mode_known;

  assign word      = reg_addr[ApbAddrWidth-1:2];
  assign start_req = reg_we && (word == RegCtrl[ApbAddrWidth-3:0]) && reg_wdata[0];

  // Modes this build implements, judged on the full 32-bit register.
  assign mode_sm      = (EnSoftmax != 0) && (mode_q <= ModeBwd);
  assign mode_ln_stat = (EnLayerNorm != 0) && (mode_q == ModeLnFwd || mode_q == ModeLnBwd);
  assign mode_known   = mode_sm || mode_ln_stat || ((EnLayerNorm != 0) && mode_q == ModeLnPrm);

  always_comb begin
    cfg_err = '0;
    cfg_err[ErrLenZero]   = (len_q == 32'd0);
    cfg_err[ErrLenTooBig] = mode_known &&
                            (len_q > ((mode_q >= ModeLnFwd) ? 32'(LnMax) : 32'(SmMax)));
    cfg_err[ErrRowsZero]  = (rows_q == 32'd0);
    cfg_err[ErrBadMode]   = !mode_known;
    cfg_err[ErrDsShift]   = (mode_q == ModeBwd || mode_q == ModeLnBwd) && (ds_shift_q > 32'd16);
    cfg_err[ErrEpsZero]   = mode_ln_stat && (eps_q == 32'd0);
    cfg_err[ErrParamLen]  = mode_ln_stat && (len_q != 32'(prm_len_q));
    cfg_err[ErrParamRows] = (mode_q == ModeLnPrm) && (rows_q != 32'd1);
  end
  assign start_ok = start_req && !busy_q && (cfg_err == '0);

  // Read data and error response
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

  // Configuration: written only while idle
  always_comb begin
    len_d      = len_q;
    rows_d     = rows_q;
    mode_d     = mode_q;
    ds_shift_d = ds_shift_q;
    eps_d      = eps_q;
    if (reg_we && !busy_q) begin
      unique case (word)
        RegLen[ApbAddrWidth-3:0]:     len_d = reg_wdata;
        RegRows[ApbAddrWidth-3:0]:    rows_d = reg_wdata;
        RegMode[ApbAddrWidth-3:0]:    mode_d = reg_wdata;
        RegDsShift[ApbAddrWidth-3:0]: ds_shift_d = reg_wdata;
        RegEps[ApbAddrWidth-3:0]:     eps_d = reg_wdata;
        default: ;
      endcase
    end
  end

  // Run state
  always_comb begin
    err_d = err_q;
    if (start_req) begin
      if (busy_q) err_d[ErrStartBusy] = 1'b1;
      else err_d = cfg_err;
    end
    if (last_err_i) err_d[ErrLastMismatch] = 1'b1;

    busy_d      = busy_q;
    done_d      = done_q;
    rows_done_d = rows_done_q;
    cycles_d    = cycles_q;
    prm_len_d   = prm_len_q;
    if (start_req && !busy_q) begin
      done_d = (cfg_err != '0);
      busy_d = (cfg_err == '0);
    end
    if (busy_q) cycles_d = cycles_q + 32'd1;
    if (start_ok) begin
      rows_done_d = 32'd0;
      cycles_d    = 32'd0;
      // A parameter load invalidates the old parameters until its last beat.
      if (mode_q == ModeLnPrm) prm_len_d = '0;
    end
    if (prm_loaded_i) prm_len_d = len_q[LenW-1:0];
    if (row_out_i) rows_done_d = rows_done_q + 32'd1;
    if (run_end_i) begin
      busy_d = 1'b0;
      done_d = 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      len_q       <= 32'd0;
      rows_q      <= 32'd1;
      mode_q      <= (EnSoftmax != 0) ? ModeTrain : ModeLnFwd;
      ds_shift_q  <= 32'd0;
      eps_q       <= 32'd1;
      err_q       <= '0;
      busy_q      <= 1'b0;
      done_q      <= 1'b0;
      rows_done_q <= 32'd0;
      cycles_q    <= 32'd0;
      prm_len_q   <= '0;
    end else begin
      len_q       <= len_d;
      rows_q      <= rows_d;
      mode_q      <= mode_d;
      ds_shift_q  <= ds_shift_d;
      eps_q       <= eps_d;
      err_q       <= err_d;
      busy_q      <= busy_d;
      done_q      <= done_d;
      rows_done_q <= rows_done_d;
      cycles_q    <= cycles_d;
      prm_len_q   <= prm_len_d;
    end
  end

  assign start_o    = start_ok;
  assign busy_o     = busy_q;
  assign done_o     = done_q;
  assign mode_o     = mode_q[2:0];
  assign len_o      = len_q[LenW-1:0];
  assign rows_o     = rows_q;
  assign ds_shift_o = ds_shift_q[4:0];
  assign eps_o      = eps_q;

  logic unused;
  assign unused = ^{reg_re, reg_addr[1:0], len_q[31:LenW], mode_q[31:3], ds_shift_q[31:5]};

  `HYCIM_ASSERT(DoneNotBusy, done_q |-> !busy_q)
  `HYCIM_ASSERT(EventsOnlyWhenBusy, (run_end_i || row_out_i || prm_loaded_i) |-> busy_q)

endmodule
