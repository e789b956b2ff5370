// A tiny design whose gate-level figures can be worked out by hand from the liberty
// (tests/gate/check_gate.py): two 4-bit pipeline registers and a 4-bit output register, all with
// an asynchronous reset (12 DFFSR), the output register loaded with the XOR of the other two
// (4 XOR2X1, one reg2reg path of one gate), and a 64 x 16 RAM (1,024 bits) that the flow must
// count as memory bits rather than map to flip-flops.
module gate_toy (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic [3:0]  a_i,
  input  logic        we_i,
  input  logic [5:0]  waddr_i,
  input  logic [5:0]  raddr_i,
  output logic [3:0]  q_o,
  output logic [15:0] rd_o
);
  logic [3:0] a_q, b_q, q_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a_q <= '0;
      b_q <= '0;
      q_q <= '0;
    end else begin
      a_q <= a_i;
      b_q <= a_q;
      q_q <= a_q ^ b_q;
    end
  end
  assign q_o = q_q;

  logic [15:0] mem_q [64];
  always_ff @(posedge clk_i) begin
    if (we_i) mem_q[waddr_i] <= {4{b_q}};
  end
  assign rd_o = mem_q[raddr_i];
endmodule
