// 32-bit Galois LFSR for stochastic rounding (docs/architecture.md section 1.6): polynomial
// x^32 + x^22 + x^2 + x + 1, right-shifting form: the state shifts right by one and, when the bit
// shifted out is 1, is XORed with the tap mask 0x80200003. The golden model mirrors it
// (golden/core/lfsr.h). A zero state would lock up, so loading a zero seed is
// an error the enclosing top must reject (requant_top flags ERR.BadSeed).

`include "hycim_assert.svh"

module lfsr_galois32 #(
  parameter logic [31:0] Taps = 32'h8020_0003
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        load_i,
  input  logic [31:0] seed_i,
  input  logic        step_i,
  output logic [31:0] state_o
);

  logic [31:0] state_q, state_d;

  always_comb begin
    state_d = state_q;
    if (load_i) begin
      state_d = seed_i;
    end else if (step_i) begin
      state_d = (state_q >> 1) ^ (state_q[0] ? Taps : 32'h0);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= 32'h1;
    end else begin
      state_q <= state_d;
    end
  end

  assign state_o = state_q;

  `HYCIM_ASSERT(StepNeverFromZero, step_i |-> (state_q != 32'h0))
  `HYCIM_ASSERT(NoLoadAndStep, !(load_i && step_i))

endmodule
