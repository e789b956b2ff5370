// Requantizer datapath: one INT32 element per cycle in, one INT8 element out,
//   y = sat(rnd_shr(x * mult, shift, mode), 8)
// with mult unsigned 16-bit and shift 0..47 (the product is 48 bits signed). In RndStoch mode
// element i is rounded with LFSR state S_i, S_0 = seed, S_{i+1} = step(S_i): one step per
// accepted element, in stream order. The output is registered through a spill register, so
// every path from the input stream to the output stream is cut.
// Golden: hycim::golden::requant (golden/core/requant.h).

`include "hycim_assert.svh"

module requant_unit #(
  parameter int unsigned InWidth    = 32,
  parameter int unsigned OutWidth   = 8,
  parameter int unsigned MultWidth  = 16,
  parameter int unsigned ShiftWidth = 6
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,
  // Configuration, held constant while a run is in flight.
  input  logic [MultWidth-1:0]       mult_i,
  input  logic [ShiftWidth-1:0]      shift_i,
  input  logic [1:0]                 mode_i,  // hycim_pkg::rnd_mode_e
  input  logic                       seed_load_i,
  input  logic [31:0]                seed_i,
  // Input stream.
  input  logic                       in_valid_i,
  output logic                       in_ready_o,
  input  logic signed [InWidth-1:0]  in_data_i,
  input  logic                       in_last_i,
  // Output stream; out_sat_o marks an element that saturated.
  output logic                       out_valid_o,
  input  logic                       out_ready_i,
  output logic signed [OutWidth-1:0] out_data_o,
  output logic                       out_last_o,
  output logic                       out_sat_o
);

  localparam int unsigned ProdWidth = InWidth + MultWidth;

  logic signed [ProdWidth-1:0] prod;
  logic signed [OutWidth-1:0]  y;
  logic                        y_sat;
  logic [31:0]                 lfsr_state;
  logic                        accept;

  assign prod   = ProdWidth'(in_data_i) * signed'(ProdWidth'({1'b0, mult_i}));
  assign accept = in_valid_i && in_ready_o;

  lfsr_galois32 u_lfsr (
    .clk_i,
    .rst_ni,
    .load_i  (seed_load_i),
    .seed_i  (seed_i),
    .step_i  (accept && (mode_i == hycim_pkg::RndStoch)),
    .state_o (lfsr_state)
  );

  round_shift_sat #(
    .InWidth    (ProdWidth),
    .OutWidth   (OutWidth),
    .ShiftWidth (ShiftWidth)
  ) u_round (
    .in_i    (prod),
    .shift_i (shift_i),
    .mode_i  (mode_i),
    .rand_i  (lfsr_state),
    .out_o   (y),
    .sat_o   (y_sat)
  );

  logic [OutWidth+1:0] out_payload;

  spill_register #(
    .Width (OutWidth + 2)
  ) u_out_reg (
    .clk_i,
    .rst_ni,
    .in_valid_i  (in_valid_i),
    .in_ready_o  (in_ready_o),
    .in_data_i   ({in_last_i, y_sat, y}),
    .out_valid_o (out_valid_o),
    .out_ready_i (out_ready_i),
    .out_data_o  (out_payload)
  );

  assign out_data_o = out_payload[OutWidth-1:0];
  assign out_sat_o  = out_payload[OutWidth];
  assign out_last_o = out_payload[OutWidth+1];

  `HYCIM_ASSERT(NoSeedLoadDuringAccept, !(seed_load_i && accept))
  `HYCIM_ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, out_payload)

endmodule
