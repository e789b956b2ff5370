// Stream fork: one input beat is delivered to NumOut outputs, each with its own handshake.
// The input is acknowledged in the cycle in which the last outstanding output takes it; outputs
// that have taken the beat already are masked until then. No storage besides one bit per output.

`include "hycim_assert.svh"

module stream_fork #(
  parameter int unsigned Width  = 32,
  parameter int unsigned NumOut = 2
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              in_valid_i,
  output logic              in_ready_o,
  input  logic [Width-1:0]  in_data_i,
  output logic [NumOut-1:0] out_valid_o,
  input  logic [NumOut-1:0] out_ready_i,
  output logic [Width-1:0]  out_data_o
);

  // done_q[i]: output i took the current input beat already.
  logic [NumOut-1:0] done_q, done_d;
  logic [NumOut-1:0] done_now;

  assign out_valid_o = {NumOut{in_valid_i}} & ~done_q;
  assign out_data_o  = in_data_i;
  assign done_now    = done_q | (out_valid_o & out_ready_i);
  assign in_ready_o  = &done_now;

  always_comb begin
    done_d = done_q;
    if (in_valid_i) begin
      done_d = in_ready_o ? '0 : done_now;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      done_q <= '0;
    end else begin
      done_q <= done_d;
    end
  end

  `HYCIM_ASSERT_INIT(NumOutNonZero, NumOut > 0, "NumOut must be at least 1")
  `HYCIM_ASSERT(DoneOnlyWithInput, (done_q != '0) |-> in_valid_i)
  // Each output obeys the stream rules: the input (a stream itself) holds valid and data, and an
  // output that handshakes drops valid only because it is done.
  for (genvar i = 0; i < NumOut; i++) begin : gen_out_checks
    `HYCIM_ASSERT_STREAM(OutStream, out_valid_o[i], out_ready_i[i], out_data_o)
  end

endmodule
