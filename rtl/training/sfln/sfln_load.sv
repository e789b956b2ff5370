// sfln_load: the LOAD lanes of sfln_unit, purely combinational. For one input beat it forms the
// row-buffer word {keep, a, b} per lane and the beat's reductions:
//   softmax forward: max over the kept entries (beat_max_o, beat_any_o)
//   one multiplier per lane and one tree: beat_dot_o = sum p*g (softmax backward) or sum x*x
//   (LayerNorm), and beat_sx_o = sum x
// Lanes past LEN take no part. The LayerNorm parameter word is {gamma, beta} per lane.

module sfln_load #(
  parameter int unsigned Lanes = 4,
  parameter int unsigned AddrW = 4,
  parameter int unsigned LenW  = 7,
  parameter int unsigned SumW  = 27,
  parameter int unsigned DotW  = 45,
  parameter int unsigned WordW = Lanes * 33
) (
  input  logic [Lanes*16-1:0]     in_a_i,
  input  logic [Lanes*16-1:0]     in_b_i,
  input  logic [Lanes-1:0]        in_keep_i,
  input  logic [AddrW:0]          ld_beat_i,
  input  logic [LenW-1:0]         len_i,
  input  logic                    sm_fwd_i,   // in_keep_i masks entries
  input  logic                    ln_stat_i,  // sum x*x (signed) instead of p*g
  output logic                    beat_any_o,
  output logic signed [15:0]      beat_max_o,
  output logic signed [DotW-1:0]  beat_dot_o,
  output logic signed [SumW-1:0]  beat_sx_o,
  output logic [WordW-1:0]        ld_word_o,
  output logic [Lanes*32-1:0]     prm_word_o
);

  logic [LenW-1:0]    ld_base;
  logic [Lanes-1:0]   in_row, keep_in;
  logic signed [16:0] lm_a;
  logic signed [15:0] lm_b;
  logic               take;

  assign ld_base = LenW'(32'(ld_beat_i) * Lanes);
  for (genvar j = 0; j < Lanes; j++) begin : g_in_row
    assign in_row[j] = (32'(ld_base) + j) < 32'(len_i);
    assign prm_word_o[j*32 +: 32] = {in_a_i[j*16 +: 16], in_b_i[j*16 +: 16]};
  end

  always_comb begin
    keep_in    = in_row & (sm_fwd_i ? in_keep_i : '1);
    beat_any_o = 1'b0;
    beat_max_o = 16'sh8000;
    beat_dot_o = '0;
    beat_sx_o  = '0;
    lm_a       = '0;
    lm_b       = '0;
    for (int unsigned j = 0; j < Lanes; j++) begin
      // (The comparison goes through `take`: Verilator 5.006 re-evaluates a branch condition for
      // coverage after the branch body ran, and the body writes beat_max_o; docs/flows.md.)
      take = keep_in[j] && (!beat_any_o || $signed(in_a_i[j*16 +: 16]) > beat_max_o);
      if (take) beat_max_o = $signed(in_a_i[j*16 +: 16]);
      beat_any_o = beat_any_o || keep_in[j];
      lm_a = ln_stat_i ? {in_a_i[j*16 + 15], in_a_i[j*16 +: 16]} : {1'b0, in_a_i[j*16 +: 16]};
      lm_b = ln_stat_i ? $signed(in_a_i[j*16 +: 16]) : $signed(in_b_i[j*16 +: 16]);
      if (in_row[j]) begin
        beat_dot_o = beat_dot_o + DotW'(lm_a) * DotW'(lm_b);
        beat_sx_o  = beat_sx_o + SumW'($signed(in_a_i[j*16 +: 16]));
      end
    end
    ld_word_o = '0;
    for (int unsigned j = 0; j < Lanes; j++) begin
      ld_word_o[j*33 + 32]       = keep_in[j];
      ld_word_o[j*33 + 16 +: 16] = in_a_i[j*16 +: 16];
      ld_word_o[j*33 +: 16]      = in_b_i[j*16 +: 16];
    end
  end

endmodule
