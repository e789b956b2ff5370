// sfln_bufs: the storage of sfln_unit. Three row buffers of one word per beat ({keep, a, b} per
// lane, 33 bits each), written by LOAD (input beats) and by MID (EXP results or xhat written back
// over the input), read by MID and OUT; and the LayerNorm parameter memory ({gamma, beta} per
// lane), written by a parameter load and read by MID and OUT. Storage has no reset: an entry is
// only read after it has been written in the same run (or, for the parameters, by the load that
// PRM_LEN records).

`include "hycim_assert.svh"

module sfln_bufs #(
  parameter int unsigned Lanes   = 4,
  parameter int unsigned Depth   = 16,  // beats per row buffer
  parameter int unsigned AddrW   = 4,   // beat address bits
  parameter int unsigned LnDepth = 16,  // beats of the parameter memory
  parameter int unsigned PrmAW   = 4,   // its address bits
  parameter int unsigned WordW   = Lanes * 33
) (
  input  logic                clk_i,
  input  logic                rst_ni,  // assertions only
  // LOAD write port
  input  logic                ld_we_i,
  input  logic [1:0]          ld_buf_i,
  input  logic [AddrW:0]      ld_beat_i,
  input  logic [WordW-1:0]    ld_word_i,
  // MID write-back port and read port
  input  logic                ex_we_i,
  input  logic [1:0]          ex_buf_i,
  input  logic [AddrW:0]      ex_beat_i,
  input  logic [WordW-1:0]    ex_word_i,
  output logic [WordW-1:0]    ex_word_o,
  // OUT read port
  input  logic [1:0]          out_buf_i,
  input  logic [AddrW:0]      out_beat_i,
  output logic [WordW-1:0]    out_word_o,
  // LayerNorm parameters
  input  logic                prm_we_i,
  input  logic [Lanes*32-1:0] prm_word_i,
  output logic [Lanes*32-1:0] prm_ex_o,
  output logic [Lanes*32-1:0] prm_out_o
);

  logic [WordW-1:0] mem_rd [3];

  for (genvar m = 0; m < 3; m++) begin : g_buf
    logic [WordW-1:0] mem_q [Depth];
    logic             we_ld, we_ex;
    assign we_ld = ld_we_i && (ld_buf_i == 2'(m));
    assign we_ex = ex_we_i && (ex_buf_i == 2'(m));
    always_ff @(posedge clk_i) begin
      if (we_ld) mem_q[AddrW'(ld_beat_i)] <= ld_word_i;
      else if (we_ex) mem_q[AddrW'(ex_beat_i)] <= ex_word_i;
    end
    assign mem_rd[m] = mem_q[(ex_buf_i == 2'(m)) ? AddrW'(ex_beat_i) : AddrW'(out_beat_i)];
    `HYCIM_ASSERT(OneWriterPerBuffer, !(we_ld && we_ex))
  end
  assign ex_word_o  = mem_rd[ex_buf_i];
  assign out_word_o = mem_rd[out_buf_i];

  logic [Lanes*32-1:0] prm_q [LnDepth];
  always_ff @(posedge clk_i) begin
    if (prm_we_i) prm_q[PrmAW'(ld_beat_i)] <= prm_word_i;
  end
  assign prm_ex_o  = prm_q[PrmAW'(ex_beat_i)];
  assign prm_out_o = prm_q[PrmAW'(out_beat_i)];

  logic unused;
  assign unused = ^{ld_beat_i[AddrW], ex_beat_i[AddrW], out_beat_i[AddrW]};  // == Depth: no access

endmodule
