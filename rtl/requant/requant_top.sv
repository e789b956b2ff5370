// requant_top: the INT32 -> INT8 requantizer of the attention output and GEMM paths as a HyCIM
// top: an APB register port, an ERR register, a start/done protocol and one input and one output
// stream. Register map and error classes: docs/blocks/requant.md. Software model:
// golden/include/hycim/golden/requant.h.
//
// A start (CTRL.START = 1) checks the configuration. An illegal one sets its ERR bits and DONE at
// once and touches no other state; a legal one clears ERR and the counters, loads the LFSR seed
// and accepts exactly LEN input beats. DONE rises when the LEN-th output beat has been taken.
// Configuration registers refuse writes (pslverr) while a run is busy.

`include "hycim_assert.svh"

module requant_top #(
  parameter int unsigned MaxLen       = 256,
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

  // Register word offsets (byte address >> 2).
  localparam int unsigned RegCtrl     = 0;
  localparam int unsigned RegStatus   = 1;
  localparam int unsigned RegErr      = 2;
  localparam int unsigned RegLen      = 3;
  localparam int unsigned RegShift    = 4;
  localparam int unsigned RegMult     = 5;
  localparam int unsigned RegMode     = 6;
  localparam int unsigned RegSeed     = 7;
  localparam int unsigned RegCountIn  = 8;
  localparam int unsigned RegCountOut = 9;
  localparam int unsigned RegSatCount = 10;
  localparam int unsigned RegCycles   = 11;
  localparam int unsigned RegMaxLen   = 12;

  // ERR bits, one per class.
  localparam int unsigned ErrLenZero      = 0;
  localparam int unsigned ErrLenTooBig    = 1;
  localparam int unsigned ErrShiftTooBig  = 2;
  localparam int unsigned ErrMultTooBig   = 3;
  localparam int unsigned ErrBadMode      = 4;
  localparam int unsigned ErrBadSeed      = 5;
  localparam int unsigned ErrStartBusy    = 6;
  localparam int unsigned ErrLastMismatch = 7;
  localparam int unsigned NumErr          = 8;

  localparam int unsigned MaxShift  = 47;
  localparam int unsigned MultWidth = 16;

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
  logic [31:0]       len_q, shift_q, mult_q, mode_q, seed_q;
  logic [31:0]       count_in_q, count_out_q, sat_count_q, cycles_q;
  logic [NumErr-1:0] err_q, err_d;
  logic              busy_q, busy_d, done_q, done_d;
  logic              cfg_we, start_req, start_ok, seed_load;
  logic [NumErr-1:0] cfg_err;
  logic [ApbAddrWidth-3:0] word;

  assign word      = reg_addr[ApbAddrWidth-1:2];
  assign start_req = reg_we && (word == RegCtrl[ApbAddrWidth-3:0]) && reg_wdata[0];
  assign cfg_we    = reg_we && !busy_q;

  // Configuration checks at start: every illegal class gets its own bit.
  always_comb begin
    cfg_err = '0;
    cfg_err[ErrLenZero]     = (len_q == 32'd0);
    cfg_err[ErrLenTooBig]   = (len_q > 32'(MaxLen));
    cfg_err[ErrShiftTooBig] = (shift_q > 32'(MaxShift));
    cfg_err[ErrMultTooBig]  = (mult_q > 32'((1 << MultWidth) - 1));
    cfg_err[ErrBadMode]     = (mode_q > 32'd3);
    cfg_err[ErrBadSeed]     = (mode_q == 32'(hycim_pkg::RndStoch)) && (seed_q == 32'd0);
  end
  assign start_ok  = start_req && !busy_q && (cfg_err == '0);
  assign seed_load = start_ok;

  always_comb begin
    reg_error = 1'b0;
    reg_rdata = 32'h0;
    unique case (word)
      RegCtrl[ApbAddrWidth-3:0]:     reg_rdata = 32'h0;
      RegStatus[ApbAddrWidth-3:0]:   reg_rdata = {30'h0, done_q, busy_q};
      RegErr[ApbAddrWidth-3:0]:      reg_rdata = 32'(err_q);
      RegLen[ApbAddrWidth-3:0]:      reg_rdata = len_q;
      RegShift[ApbAddrWidth-3:0]:    reg_rdata = shift_q;
      RegMult[ApbAddrWidth-3:0]:     reg_rdata = mult_q;
      RegMode[ApbAddrWidth-3:0]:     reg_rdata = mode_q;
      RegSeed[ApbAddrWidth-3:0]:     reg_rdata = seed_q;
      RegCountIn[ApbAddrWidth-3:0]:  reg_rdata = count_in_q;
      RegCountOut[ApbAddrWidth-3:0]: reg_rdata = count_out_q;
      RegSatCount[ApbAddrWidth-3:0]: reg_rdata = sat_count_q;
      RegCycles[ApbAddrWidth-3:0]:   reg_rdata = cycles_q;
      RegMaxLen[ApbAddrWidth-3:0]:   reg_rdata = 32'(MaxLen);
      default:                       reg_error = 1'b1;
    endcase
    // Writes: CTRL always; configuration only while idle; status and counters never.
    if (reg_we) begin
      unique case (word)
        RegCtrl[ApbAddrWidth-3:0]:  reg_error = 1'b0;
        RegLen[ApbAddrWidth-3:0],
        RegShift[ApbAddrWidth-3:0],
        RegMult[ApbAddrWidth-3:0],
        RegMode[ApbAddrWidth-3:0],
        RegSeed[ApbAddrWidth-3:0]:  reg_error = busy_q;
        default:                    reg_error = 1'b1;
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      len_q   <= 32'd0;
      shift_q <= 32'd0;
      mult_q  <= 32'd1;
      mode_q  <= 32'(hycim_pkg::RndHalfUp);
      seed_q  <= 32'd1;
    end else if (cfg_we) begin
      unique case (word)
        RegLen[ApbAddrWidth-3:0]:   len_q <= reg_wdata;
        RegShift[ApbAddrWidth-3:0]: shift_q <= reg_wdata;
        RegMult[ApbAddrWidth-3:0]:  mult_q <= reg_wdata;
        RegMode[ApbAddrWidth-3:0]:  mode_q <= reg_wdata;
        RegSeed[ApbAddrWidth-3:0]:  seed_q <= reg_wdata;
        default: ;
      endcase
    end
  end

  // ---------------------------------------------------------------------------------------
  // Run control
  logic in_hs, out_hs, in_expect_last, last_out;
  logic unit_in_ready, unit_out_valid, unit_out_sat, unit_out_last;

  assign in_hs          = in_valid_i && in_ready_o;
  assign out_hs         = out_valid_o && out_ready_i;
  assign in_expect_last = (count_in_q == len_q - 32'd1);
  assign last_out       = out_hs && out_last_o;
  assign in_ready_o     = busy_q && (count_in_q < len_q) && unit_in_ready;

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
    if (in_hs && (in_last_i != in_expect_last)) begin
      err_d[ErrLastMismatch] = 1'b1;
    end
    if (last_out) begin
      busy_d = 1'b0;
      done_d = 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q      <= 1'b0;
      done_q      <= 1'b0;
      err_q       <= '0;
      count_in_q  <= 32'd0;
      count_out_q <= 32'd0;
      sat_count_q <= 32'd0;
      cycles_q    <= 32'd0;
    end else begin
      busy_q <= busy_d;
      done_q <= done_d;
      err_q  <= err_d;
      if (start_ok) begin
        count_in_q  <= 32'd0;
        count_out_q <= 32'd0;
        sat_count_q <= 32'd0;
        cycles_q    <= 32'd0;
      end else begin
        if (in_hs) count_in_q <= count_in_q + 32'd1;
        if (out_hs) count_out_q <= count_out_q + 32'd1;
        if (out_hs && unit_out_sat) sat_count_q <= sat_count_q + 32'd1;
        if (busy_q) cycles_q <= cycles_q + 32'd1;
      end
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
    .mult_i      (mult_q[MultWidth-1:0]),
    .shift_i     (shift_q[5:0]),
    .mode_i      (mode_q[1:0]),
    .seed_load_i (seed_load),
    .seed_i      (seed_q),
    .in_valid_i  (in_valid_i && busy_q && (count_in_q < len_q)),
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
  assign done_o      = done_q;

  // The upper configuration bits are checked at start (ERR) rather than dropped.
  logic unused_cfg_bits;
  assign unused_cfg_bits = ^{shift_q[31:6], mult_q[31:MultWidth], mode_q[31:2], reg_re,
                             reg_addr[1:0]};

  `HYCIM_ASSERT_INIT(MaxLenRange, MaxLen >= 1 && MaxLen < (1 << 31), "MaxLen must be in 1..2^31-1")
  `HYCIM_ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, {out_data_o, out_last_o})
  `HYCIM_ASSERT(NoInputWhenIdle, in_hs |-> busy_q)
  `HYCIM_ASSERT(NeverMoreThanLen, in_hs |-> (count_in_q < len_q))
  `HYCIM_ASSERT(OutNeverAheadOfIn, count_out_q <= count_in_q)
  `HYCIM_ASSERT(DoneNotBusy, done_q |-> !busy_q)
  `HYCIM_COVER(CoverSaturation, out_hs && unit_out_sat)
  `HYCIM_COVER(CoverIllegalStart, start_req && !busy_q && (cfg_err != '0))

endmodule
