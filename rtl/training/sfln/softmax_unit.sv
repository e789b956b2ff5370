// softmax_unit: row softmax forward (UQ0.8 inference or UQ0.16 training output) and backward
// (docs/architecture.md section 3.1). It is sfln_unit with the LayerNorm half removed, so that
// the synthesis table can set it beside layernorm_unit and the shared sfln_unit. Bit-exact model:
// hycim::golden::softmax_fwd / softmax_bwd; formats, registers, errors and timing:
// docs/training/softmax.md.

`include "hycim_ports.svh"

module softmax_unit #(
  parameter int unsigned Lanes        = 4,
  parameter int unsigned RowMax       = 64,
  parameter int unsigned ApbAddrWidth = 12
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,
  // APB4 register port
  `HYCIM_APB_PORTS(ApbAddrWidth),
  // Input stream: Lanes elements per beat
  input  logic                    in_valid_i,
  output logic                    in_ready_o,
  input  logic [Lanes*16-1:0]     in_a_i,     // x (forward) or p (backward)
  input  logic [Lanes*16-1:0]     in_b_i,     // g (backward)
  input  logic [Lanes-1:0]        in_keep_i,  // forward: 0 masks the entry
  input  logic                    in_last_i,
  // Output stream: p (UQ0.16, or UQ0.8 in bits 7:0) or ds (INT16)
  output logic                    out_valid_o,
  input  logic                    out_ready_i,
  output logic [Lanes*16-1:0]     out_data_o,
  output logic                    out_last_o,
  output logic                    done_o
);

  logic [Lanes*16-1:0] unused_aux;  // always 0 without the LayerNorm half

  sfln_unit #(
    .Lanes        (Lanes),
    .SmRowMax     (RowMax),
    .LnRowMax     (Lanes),
    .EnSoftmax    (1),
    .EnLayerNorm  (0),
    .ApbAddrWidth (ApbAddrWidth)
  ) u_sfln (
    .clk_i,
    .rst_ni,
    `HYCIM_APB_CONNECT,
    .in_valid_i,
    .in_ready_o,
    .in_a_i,
    .in_b_i,
    .in_keep_i,
    .in_last_i,
    .out_valid_o,
    .out_ready_i,
    .out_data_o,
    .out_aux_o    (unused_aux),
    .out_last_o,
    .done_o
  );

endmodule
