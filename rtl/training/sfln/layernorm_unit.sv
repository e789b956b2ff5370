// layernorm_unit: LayerNorm forward and backward over rows of up to RowMax features
// (docs/architecture.md section 3.2). It is sfln_unit with the softmax half removed, so that the
// synthesis table can set it beside softmax_unit and the shared sfln_unit. Bit-exact model:
// hycim::golden::layernorm_fwd / layernorm_bwd; formats, registers, errors and timing:
// docs/training/layernorm.md.

`include "hycim_ports.svh"

module layernorm_unit #(
  parameter int unsigned Lanes        = 4,
  parameter int unsigned RowMax       = 64,
  parameter int unsigned ApbAddrWidth = 12
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,
  // APB4 register port
  `HYCIM_APB_PORTS(ApbAddrWidth),
  // Input stream: Lanes features per beat
  input  logic                    in_valid_i,
  output logic                    in_ready_o,
  input  logic [Lanes*16-1:0]     in_a_i,     // x (forward, backward) or gamma (parameters)
  input  logic [Lanes*16-1:0]     in_b_i,     // dy (backward) or beta (parameters)
  input  logic                    in_last_i,
  // Output stream: y (forward, Q3.12) or dx (backward, INT16), and xhat (Q3.12)
  output logic                    out_valid_o,
  input  logic                    out_ready_i,
  output logic [Lanes*16-1:0]     out_data_o,
  output logic [Lanes*16-1:0]     out_aux_o,
  output logic                    out_last_o,
  output logic                    done_o
);

  sfln_unit #(
    .Lanes        (Lanes),
    .SmRowMax     (Lanes),
    .LnRowMax     (RowMax),
    .EnSoftmax    (0),
    .EnLayerNorm  (1),
    .ApbAddrWidth (ApbAddrWidth)
  ) u_sfln (
    .clk_i,
    .rst_ni,
    `HYCIM_APB_CONNECT,
    .in_valid_i,
    .in_ready_o,
    .in_a_i,
    .in_b_i,
    .in_keep_i    ('1),
    .in_last_i,
    .out_valid_o,
    .out_ready_i,
    .out_data_o,
    .out_aux_o,
    .out_last_o,
    .done_o
  );

endmodule
