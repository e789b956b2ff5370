// rnd_shr followed by sat (docs/architecture.md section 1.4), purely combinational:
//   out_o = sat(rnd_shr(in_i, shift_i, mode_i), OutWidth), sat_o = 1 when sat clamped.
// in_i is signed. rnd_shr(x, s) for s = 0 is the identity in every mode. The golden model is
// hycim::golden::rnd_shr / sat (golden/core/int_ops.h); docs/conventions.md
// defines every mode.
//
// Implementation: q = floor(x / 2^s) by arithmetic shift, rem = x mod 2^s, then q + 1 when the
// mode rounds up. Shifts above SClamp give the same result as SClamp in every mode (for RndStoch
// the random addend has at most 32 bits), so the shift is clamped to keep the datapath narrow.

`include "hycim_assert.svh"

module round_shift_sat #(
  parameter int unsigned InWidth    = 32,
  parameter int unsigned OutWidth   = 8,
  parameter int unsigned ShiftWidth = 6
) (
  input  logic signed [InWidth-1:0]  in_i,
  input  logic        [ShiftWidth-1:0] shift_i,
  input  logic        [1:0]          mode_i,  // hycim_pkg::rnd_mode_e
  input  logic        [31:0]         rand_i,
  output logic signed [OutWidth-1:0] out_o,
  output logic                       sat_o
);

  localparam int unsigned SClamp = ((InWidth > 32) ? InWidth : 32) + 1;
  localparam int unsigned ExtWidth = SClamp + 2;
  localparam int unsigned SWidth = $clog2(SClamp + 1);

  logic        [SWidth-1:0]   s;
  logic signed [ExtWidth-1:0] x, q, y;
  logic        [ExtWidth-1:0] mask, rem, half, rnd, one_s;
  logic                       up;

  localparam logic signed [ExtWidth-1:0] OutMax = ExtWidth'((65'sd1 <<< (OutWidth - 1)) - 1);
  // -2^(OutWidth-1) as ~OutMax: Yosys 0.23 parses a unary minus before a size cast,
  // -ExtWidth'(x), as a cast to the size -ExtWidth, so the netlist compared against another
  // constant (found by re-simulating the netlist: docs/toolchain.md section 4).
  localparam logic signed [ExtWidth-1:0] OutMin = ~OutMax;

  always_comb begin
    s     = (ExtWidth'(shift_i) > ExtWidth'(SClamp)) ? SWidth'(SClamp) : SWidth'(shift_i);
    x     = ExtWidth'(in_i);
    q     = x >>> s;
    one_s = ExtWidth'(1) << s;
    mask  = one_s - 1'b1;
    rem   = x & mask;
    half  = one_s >> 1;
    rnd   = ExtWidth'(rand_i) & mask;
    up    = 1'b0;
    if (s != '0) begin
      unique case (mode_i)
        hycim_pkg::RndTrunc:    up = 1'b0;
        hycim_pkg::RndHalfUp:   up = (rem >= half);
        hycim_pkg::RndHalfEven: up = (rem > half) || ((rem == half) && q[0]);
        hycim_pkg::RndStoch:    up = ((rem + rnd) >= one_s);
        // verilator coverage_off
        default:                up = 1'b0;  // unreachable: mode_i has four values
        // verilator coverage_on
      endcase
    end
    y = q + ExtWidth'(up);
    sat_o = 1'b0;
    if (y > OutMax) begin
      out_o = OutMax[OutWidth-1:0];
      sat_o = 1'b1;
    end else if (y < OutMin) begin
      out_o = OutMin[OutWidth-1:0];
      sat_o = 1'b1;
    end else begin
      out_o = y[OutWidth-1:0];
    end
  end

  `HYCIM_ASSERT_INIT(OutFitsIn, OutWidth >= 2 && OutWidth <= 64, "OutWidth must be in 2..64")
  `HYCIM_ASSERT_INIT(InWide, InWidth >= 2 && InWidth <= 62, "InWidth must be in 2..62")

endmodule
