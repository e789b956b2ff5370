// Spill register: a two-entry stream buffer that cuts every combinational path between its
// input and output side (valid, ready and data all come from flops). Full throughput: one beat
// per cycle in steady state with no stalls.
//
// Entry A is the output register; entry B catches the beat that was in flight when the output
// side stalled (in_ready_o is registered, so one more beat can arrive after out_ready_i drops).

`include "hycim_assert.svh"

module spill_register #(
  parameter int unsigned Width = 32
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             in_valid_i,
  output logic             in_ready_o,
  input  logic [Width-1:0] in_data_i,
  output logic             out_valid_o,
  input  logic             out_ready_i,
  output logic [Width-1:0] out_data_o
);

  logic             a_full_q, a_full_d;
  logic             b_full_q, b_full_d;
  logic [Width-1:0] a_data_q, a_data_d;
  logic [Width-1:0] b_data_q, b_data_d;
  logic             a_avail;

  // A is empty, or is emptied this cycle with nothing in B to refill it. (A separate signal, not
  // a test of a_full_d inside the block below: Verilator 5.006 re-evaluates a branch condition
  // for coverage after the branch has run, and a_full_d is written in that branch.)
  assign a_avail = !a_full_q || (out_ready_i && !b_full_q);

  always_comb begin
    a_full_d = a_full_q;
    b_full_d = b_full_q;
    a_data_d = a_data_q;
    b_data_d = b_data_q;

    // Output side drains A; B refills A.
    if (a_full_q && out_ready_i) begin
      a_full_d = 1'b0;
      if (b_full_q) begin
        a_full_d = 1'b1;
        a_data_d = b_data_q;
        b_full_d = 1'b0;
      end
    end

    // Input side fills A when A is (or becomes) empty, otherwise B.
    if (in_valid_i && in_ready_o) begin
      if (a_avail) begin
        a_full_d = 1'b1;
        a_data_d = in_data_i;
      end else begin
        b_full_d = 1'b1;
        b_data_d = in_data_i;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a_full_q <= 1'b0;
      b_full_q <= 1'b0;
    end else begin
      a_full_q <= a_full_d;
      b_full_q <= b_full_d;
    end
  end

  // Data registers need no reset: they are only read while their full flag is set.
  always_ff @(posedge clk_i) begin
    a_data_q <= a_data_d;
    b_data_q <= b_data_d;
  end

  assign in_ready_o  = !b_full_q;
  assign out_valid_o = a_full_q;
  assign out_data_o  = a_data_q;

  `HYCIM_ASSERT_INIT(WidthNonZero, Width > 0, "Width must be at least 1")
  `HYCIM_ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, out_data_o)
  `HYCIM_ASSERT(BOnlyWhenA, b_full_q |-> a_full_q)

endmodule
