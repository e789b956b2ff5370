// sfln_rowctx: the per-buffer row context of sfln_unit, one set per row buffer, travelling with
// its buffer through LOAD, MID and OUT:
//   softmax:   any (a kept entry seen), max (running maximum), sum (of e), k and y1 (1/sum =
//              y1 2^-(16 + k)), dot (sum p*g, backward)
//   LayerNorm: sum (Sx), dot (Sxx, then G = sum g in the backward sweep), k (e/2), rs (rsqrt),
//              hacc (sum g*xhat)
// LOAD accumulates into ld_buf_i, MID and the scalar unit write ex_buf_i, and a slot end clears
// the buffer OUT has just released (out_buf_i), which LOAD takes next.

module sfln_rowctx #(
  parameter int unsigned SumW  = 27,
  parameter int unsigned DotW  = 45,
  parameter int unsigned HaccW = 58
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,
  input  logic                    start_i,     // clears buffer 0, the first LOAD's
  input  logic                    slot_end_i,  // clears out_buf_i
  input  logic [1:0]              ld_buf_i,
  input  logic [1:0]              ex_buf_i,
  input  logic [1:0]              out_buf_i,
  // LOAD: one input beat's reductions
  input  logic                    ld_we_i,
  input  logic                    ld_sum_i,    // add beat_sx_i to sum (LayerNorm statistics)
  input  logic                    beat_any_i,
  input  logic signed [15:0]      beat_max_i,
  input  logic signed [DotW-1:0]  beat_dot_i,
  input  logic signed [SumW-1:0]  beat_sx_i,
  // MID: one written-back beat
  input  logic                    ex_e_we_i,   // softmax EXP: sum += e_sum_i
  input  logic [SumW-1:0]         e_sum_i,
  input  logic                    ex_g_we_i,   // LayerNorm sweep: dot += g_sum_i, hacc += gx_sum_i
  input  logic signed [DotW-1:0]  g_sum_i,
  input  logic signed [HaccW-1:0] gx_sum_i,
  // Scalar unit results for ex_buf_i
  input  logic                    recip_we_i,  // softmax: y1, k
  input  logic [16:0]             y1_i,
  input  logic                    rsqrt_we_i,  // LayerNorm: rs, k; dot and hacc restart at 0
  input  logic [24:0]             rs_i,
  input  logic [4:0]              k_i,
  // Contexts of the MID and OUT rows
  output logic signed [15:0]      ex_max_o,
  output logic [SumW-1:0]         ex_sum_o,
  output logic signed [DotW-1:0]  ex_dot_o,
  output logic [4:0]              ex_k_o,
  output logic [24:0]             ex_rs_o,
  output logic [SumW-1:0]         out_sum_o,
  output logic signed [DotW-1:0]  out_dot_o,
  output logic [4:0]              out_k_o,
  output logic [16:0]             out_y1_o,
  output logic [24:0]             out_rs_o,
  output logic signed [HaccW-1:0] out_hacc_o
);

  logic signed [15:0]      max_a  [3];
  logic signed [DotW-1:0]  dot_a  [3];
  logic [SumW-1:0]         sum_a  [3];
  logic [4:0]              k_a    [3];
  logic [16:0]             y1_a   [3];
  logic [24:0]             rs_a   [3];
  logic signed [HaccW-1:0] hacc_a [3];

  for (genvar m = 0; m < 3; m++) begin : g_ctx
    logic                    any_q, any_d;
    logic signed [15:0]      max_q, max_d;
    logic signed [DotW-1:0]  dot_q, dot_d;
    logic [SumW-1:0]         sum_q, sum_d;
    logic [4:0]              k_q, k_d;
    logic [16:0]             y1_q, y1_d;
    logic [24:0]             rs_q, rs_d;
    logic signed [HaccW-1:0] hacc_q, hacc_d;
    logic                    is_ld, is_ex, is_out;

    assign is_ld  = (ld_buf_i == 2'(m));
    assign is_ex  = (ex_buf_i == 2'(m));
    assign is_out = (out_buf_i == 2'(m));

    always_comb begin
      any_d  = any_q;
      max_d  = max_q;
      dot_d  = dot_q;
      sum_d  = sum_q;
      k_d    = k_q;
      y1_d   = y1_q;
      rs_d   = rs_q;
      hacc_d = hacc_q;
      if (start_i && m == 0) begin
        any_d = 1'b0;
        dot_d = '0;
        sum_d = '0;
      end
      if (ld_we_i && is_ld) begin
        if (beat_any_i && (!any_q || beat_max_i > max_q)) max_d = beat_max_i;
        any_d = any_q || beat_any_i;
        dot_d = dot_q + beat_dot_i;
        if (ld_sum_i) sum_d = sum_q + SumW'(beat_sx_i);
      end
      if (is_ex) begin
        if (ex_e_we_i) sum_d = sum_q + e_sum_i;
        if (ex_g_we_i) begin
          dot_d  = dot_q + g_sum_i;
          hacc_d = hacc_q + gx_sum_i;
        end
        if (recip_we_i) begin
          y1_d = y1_i;
          k_d  = k_i;
        end
        if (rsqrt_we_i) begin
          rs_d   = rs_i;
          k_d    = k_i;
          dot_d  = '0;  // Sxx is used; the sweep sums G here
          hacc_d = '0;
        end
      end
      if (slot_end_i && is_out) begin
        any_d = 1'b0;
        dot_d = '0;
        sum_d = '0;
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        any_q  <= 1'b0;
        max_q  <= 16'sd0;
        dot_q  <= '0;
        sum_q  <= '0;
        k_q    <= 5'd0;
        y1_q   <= '0;
        rs_q   <= '0;
        hacc_q <= '0;
      end else begin
        any_q  <= any_d;
        max_q  <= max_d;
        dot_q  <= dot_d;
        sum_q  <= sum_d;
        k_q    <= k_d;
        y1_q   <= y1_d;
        rs_q   <= rs_d;
        hacc_q <= hacc_d;
      end
    end

    assign max_a[m]  = max_q;
    assign dot_a[m]  = dot_q;
    assign sum_a[m]  = sum_q;
    assign k_a[m]    = k_q;
    assign y1_a[m]   = y1_q;
    assign rs_a[m]   = rs_q;
    assign hacc_a[m] = hacc_q;
  end

  assign ex_max_o   = max_a[ex_buf_i];
  assign ex_sum_o   = sum_a[ex_buf_i];
  assign ex_dot_o   = dot_a[ex_buf_i];
  assign ex_k_o     = k_a[ex_buf_i];
  assign ex_rs_o    = rs_a[ex_buf_i];
  assign out_sum_o  = sum_a[out_buf_i];
  assign out_dot_o  = dot_a[out_buf_i];
  assign out_k_o    = k_a[out_buf_i];
  assign out_y1_o   = y1_a[out_buf_i];
  assign out_rs_o   = rs_a[out_buf_i];
  assign out_hacc_o = hacc_a[out_buf_i];

endmodule
