// sfln_out: the OUT lanes of sfln_unit, purely combinational. Two multipliers per lane serve
// every mode:
//   narrow: softmax e y1; LayerNorm forward gamma xhat; LayerNorm backward g = dy gamma
//   wide:   softmax backward p (2^16 g - dot); LayerNorm backward rs T
// and every result goes through one rounding shift with saturation (round_shift_sat):
//   softmax forward   p  = usat(rnd_shr(e y1, k + 16 - F), F), F = 8 (inference) or 16
//   LayerNorm forward y  = sat(rnd_shr(gamma xhat, 13) + beta, 16)
//   softmax backward  ds = sat(rnd_shr(p t, 32 - DS_SHIFT), 16), t = 2^16 g - dot
//   LayerNorm bwd     dx = sat(rnd_shr(rs T, 33 + e/2 - DX_SHIFT), 16),
//                     T = n g - G - rnd_shr(xhat H, 12), H = rnd_shr(sum g xhat, 12)
// Masked lanes (keep = 0) output 0.

`include "hycim_assert.svh"

module sfln_out #(
  parameter int unsigned Lanes       = 4,
  parameter int unsigned EnLayerNorm = 1,
  parameter int unsigned LenW        = 7,
  parameter int unsigned DotW        = 45,
  parameter int unsigned HaccW       = 58,
  parameter int unsigned WordW       = Lanes * 33
) (
  input  logic                    clk_i,    // assertions only
  input  logic                    rst_ni,   // assertions only
  input  logic                    check_i,  // the output beat is valid (assertions only)
  input  logic                    infer_i,  // softmax forward, UQ0.8 output
  input  logic                    sm_fwd_i,
  input  logic                    ln_fwd_i,
  input  logic                    ln_bwd_i,
  input  logic [WordW-1:0]        rd_word_i,  // the row buffer word at OUT's beat
  input  logic [Lanes*32-1:0]     prm_i,      // {gamma, beta} per lane
  input  logic [Lanes*16-1:0]     xhat_i,     // LayerNorm forward: xhat of this beat
  input  logic [LenW-1:0]         len_i,
  input  logic [4:0]              ds_shift_i,
  // The OUT row's context
  input  logic [16:0]             y1_i,
  input  logic [4:0]              k_i,
  input  logic signed [DotW-1:0]  dot_i,
  input  logic [24:0]             rs_i,
  input  logic signed [HaccW-1:0] hacc_i,
  output logic [Lanes*16-1:0]     data_o,
  output logic [Lanes*16-1:0]     aux_o,
  output logic [Lanes*16-1:0]     x_o      // the beat's a (x) per lane, for sfln_xhat
);

  localparam int unsigned WideAW = (EnLayerNorm != 0) ? 26 : 17;  // ds / dx multiplier
  localparam int unsigned WideBW = (EnLayerNorm != 0) ? 48 : DotW + 1;
  localparam int unsigned WidePW = WideAW + WideBW;
  // The wide product is wider than round_shift_sat takes; its low WidePre bits are dropped
  // first. That is exact: the shift is at least 16 (DS_SHIFT <= 16) and rnd_shr(x, s) =
  // rnd_shr(floor(x / 2^m), s - m) for m < s.
  localparam int unsigned WidePre = (WidePW > 62) ? WidePW - 62 : 0;
  localparam int unsigned WideRW  = WidePW - WidePre;

  logic [Lanes-1:0]    keep;
  logic [Lanes*16-1:0] a, b;
  logic [5:0]          p_shift, w_shift, w_shift_rnd;
  logic signed [HaccW-12:0] h_rnd;
  logic signed [HaccW-13:0] h;  // H = rnd_shr(hacc, 12) in 46 bits (|hacc| < 2^56: no bit lost)
  logic                unused_h_sat, unused_h_top;

  assign p_shift     = infer_i ? 6'(k_i) + 6'd8 : 6'(k_i);
  assign w_shift     = ln_bwd_i ? 6'd33 + 6'(k_i) - 6'(ds_shift_i) : 6'd32 - 6'(ds_shift_i);
  assign w_shift_rnd = w_shift - 6'(WidePre);

  round_shift_sat #(
    .InWidth    (HaccW),
    .OutWidth   (HaccW - 11),  // never saturates
    .ShiftWidth (4)
  ) u_h_rnd (
    .in_i    (hacc_i),
    .shift_i (4'd12),
    .mode_i  (hycim_pkg::RndHalfUp),
    .rand_i  (32'd0),
    .out_o   (h_rnd),
    .sat_o   (unused_h_sat)
  );
  assign h            = h_rnd[HaccW-13:0];
  assign unused_h_top = h_rnd[HaccW-12];

  for (genvar j = 0; j < Lanes; j++) begin : g_lane
    logic signed [16:0]       na;
    logic signed [17:0]       nb;
    logic signed [34:0]       nprod;
    logic signed [16:0]       p16;
    logic signed [8:0]        p8;
    logic [15:0]              p_val;
    logic signed [15:0]       y_val, ds_val;
    logic signed [35:0]       y_in;
    logic signed [15:0]       gamma, beta, xh;
    logic signed [DotW:0]     t_sm;
    logic signed [51:0]       t_ln, ng, xhh;
    logic signed [61:0]       xh_h;
    logic signed [WideAW-1:0] wa;
    logic signed [WideBW-1:0] wb;
    logic signed [WidePW-1:0] wprod;
    logic signed [WideRW-1:0] wpre;
    logic [3:0]               unused_sat;

    assign keep[j]       = rd_word_i[j*33 + 32];
    assign a[j*16 +: 16] = rd_word_i[j*33 + 16 +: 16];
    assign b[j*16 +: 16] = rd_word_i[j*33 +: 16];

    assign gamma = $signed(prm_i[j*32 + 16 +: 16]);
    assign beta  = $signed(prm_i[j*32 +: 16]);
    assign xh    = ln_fwd_i ? $signed(xhat_i[j*16 +: 16]) : $signed(a[j*16 +: 16]);
    assign na    = (ln_fwd_i || ln_bwd_i) ? 17'(gamma) : $signed({1'b0, a[j*16 +: 16]});
    assign nb    = ln_fwd_i ? 18'(xh) : ln_bwd_i ? 18'($signed(b[j*16 +: 16])) :
                   $signed({1'b0, y1_i});
    assign nprod = 35'(na) * 35'(nb);

    // softmax forward: UQ0.16, then UQ0.8 saturated from it (p >= 0, so that is the same as
    // saturating the rounded product to 8 bits)
    round_shift_sat #(
      .InWidth    (35),
      .OutWidth   (17),
      .ShiftWidth (6)
    ) u_p_rnd (
      .in_i    (nprod),
      .shift_i (p_shift),
      .mode_i  (hycim_pkg::RndHalfUp),
      .rand_i  (32'd0),
      .out_o   (p16),
      .sat_o   (unused_sat[0])
    );
    round_shift_sat #(
      .InWidth    (17),
      .OutWidth   (9),
      .ShiftWidth (1)
    ) u_p8_sat (
      .in_i    (p16),
      .shift_i (1'b0),
      .mode_i  (hycim_pkg::RndHalfUp),
      .rand_i  (32'd0),
      .out_o   (p8),
      .sat_o   (unused_sat[1])
    );
    assign p_val = infer_i ? 16'(p8) : p16[15:0];

    // LayerNorm forward: rnd_shr(gamma xhat, 13) + beta = rnd_shr(gamma xhat + beta 2^13, 13)
    assign y_in = 36'(nprod) + (36'(beta) <<< 13);
    round_shift_sat #(
      .InWidth    (36),
      .OutWidth   (16),
      .ShiftWidth (4)
    ) u_y_rnd (
      .in_i    (y_in),
      .shift_i (4'd13),
      .mode_i  (hycim_pkg::RndHalfUp),
      .rand_i  (32'd0),
      .out_o   (y_val),
      .sat_o   (unused_sat[2])
    );

    // softmax backward: t = 2^16 g - dot; LayerNorm backward: T = n g - G - rnd_shr(xhat H, 12)
    assign t_sm = ($signed((DotW + 1)'($signed(b[j*16 +: 16]))) <<< 16) -
                  $signed((DotW + 1)'(dot_i));
    assign ng   = 52'(nprod) * $signed(52'(len_i));
    assign xh_h = 62'(xh) * 62'(h);
    round_shift_sat #(
      .InWidth    (62),
      .OutWidth   (52),
      .ShiftWidth (4)
    ) u_xhh_rnd (
      .in_i    (xh_h),
      .shift_i (4'd12),
      .mode_i  (hycim_pkg::RndHalfUp),
      .rand_i  (32'd0),
      .out_o   (xhh),
      .sat_o   (unused_sat[3])
    );
    assign t_ln  = ng - 52'(dot_i) - xhh;
    assign wa    = ln_bwd_i ? $signed(WideAW'(rs_i)) : $signed(WideAW'({1'b0, a[j*16 +: 16]}));
    assign wb    = ln_bwd_i ? WideBW'(t_ln) : WideBW'(t_sm);
    assign wprod = WidePW'(wa) * WidePW'(wb);
    assign wpre  = WideRW'(wprod >>> WidePre);

    logic unused_wide_sat;
    round_shift_sat #(
      .InWidth    (WideRW),
      .OutWidth   (16),
      .ShiftWidth (6)
    ) u_w_rnd (
      .in_i    (wpre),
      .shift_i (w_shift_rnd),
      .mode_i  (hycim_pkg::RndHalfUp),
      .rand_i  (32'd0),
      .out_o   (ds_val),
      .sat_o   (unused_wide_sat)
    );

    always_comb begin
      data_o[j*16 +: 16] = 16'd0;
      aux_o[j*16 +: 16]  = 16'd0;
      if (keep[j]) begin
        if (sm_fwd_i) data_o[j*16 +: 16] = p_val;
        else if (ln_fwd_i) data_o[j*16 +: 16] = y_val;
        else data_o[j*16 +: 16] = ds_val;
        if (ln_fwd_i || ln_bwd_i) aux_o[j*16 +: 16] = xh;
      end
    end

    logic unused_wpre;
    if (WidePre > 0) begin : g_pre
      assign unused_wpre = ^wprod[WidePre-1:0];
    end else begin : g_no_pre
      assign unused_wpre = 1'b0;
    end

    `HYCIM_ASSERT(TFitsWideOperand, (check_i && ln_bwd_i && keep[j]) |-> (t_ln == 52'(wb)))
    `HYCIM_ASSERT(WideShiftAbovePre,
                  (check_i && !sm_fwd_i && !ln_fwd_i && keep[j]) |-> (w_shift > 6'(WidePre)))
  end

  assign x_o = a;

  logic unused_rs;
  assign unused_rs = ^rs_i;  // a softmax-only WideAW takes its low 17 bits

endmodule
