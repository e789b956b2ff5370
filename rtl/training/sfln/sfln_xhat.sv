// sfln_xhat: the LayerNorm normaliser of sfln_unit, one unit per lane, purely combinational:
//   xhat = sat(rnd_shr((n x - Sx) rs, e/2 + 8), 16)   (Q3.12)
// It serves the MID sweep in LayerNorm backward and OUT in LayerNorm forward (never both in one
// run); the caller selects the row whose x, Sx, rs and e/2 it sees.

module sfln_xhat #(
  parameter int unsigned Lanes = 4,
  parameter int unsigned LenW  = 7,
  parameter int unsigned SumW  = 27
) (
  input  logic [Lanes*16-1:0]    x_i,
  input  logic signed [SumW-1:0] sx_i,
  input  logic [24:0]            rs_i,
  input  logic [4:0]             he_i,   // e / 2
  input  logic [LenW-1:0]        len_i,  // n
  output logic [Lanes*16-1:0]    xhat_o
);

  logic [5:0] shift;
  assign shift = 6'(he_i) + 6'd8;

  for (genvar j = 0; j < Lanes; j++) begin : g_lane
    logic signed [27:0] dxs;
    logic signed [54:0] prod;
    logic               unused_sat;
    assign dxs  = 28'($signed(x_i[j*16 +: 16])) * $signed(28'(len_i)) - 28'(sx_i);
    assign prod = 55'(dxs) * $signed({30'd0, rs_i});

    round_shift_sat #(
      .InWidth    (55),
      .OutWidth   (16),
      .ShiftWidth (6)
    ) u_rnd (
      .in_i    (prod),
      .shift_i (shift),
      .mode_i  (hycim_pkg::RndHalfUp),
      .rand_i  (32'd0),
      .out_o   (xhat_o[j*16 +: 16]),
      .sat_o   (unused_sat)
    );
  end

endmodule
