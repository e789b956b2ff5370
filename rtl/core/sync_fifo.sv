// Synchronous FIFO with a valid/ready stream on each side.
//
// Depth entries (any Depth >= 1, not only powers of two). The output is read from the storage
// array, so data reaches out_data_o one cycle after it is written; a full FIFO accepts a new beat
// in the same cycle as it gives one away (in_ready_o looks at out_ready_i: it is ready that
// depends on ready, never valid on ready). level_o counts the stored beats.

`include "hycim_assert.svh"

module sync_fifo #(
  parameter int unsigned Width = 32,
  parameter int unsigned Depth = 4,
  localparam int unsigned PtrWidth = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned LevelWidth = $clog2(Depth + 1)
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  input  logic                  in_valid_i,
  output logic                  in_ready_o,
  input  logic [Width-1:0]      in_data_i,
  output logic                  out_valid_o,
  input  logic                  out_ready_i,
  output logic [Width-1:0]      out_data_o,
  output logic [LevelWidth-1:0] level_o
);

  localparam logic [PtrWidth-1:0] LastPtr = PtrWidth'(Depth - 1);
  localparam logic [LevelWidth-1:0] FullLevel = LevelWidth'(Depth);

  logic [Width-1:0]      mem_q[Depth];
  logic [PtrWidth-1:0]   wr_ptr_q, wr_ptr_d;
  logic [PtrWidth-1:0]   rd_ptr_q, rd_ptr_d;
  logic [LevelWidth-1:0] level_q, level_d;
  logic                  push, pop;

  assign out_valid_o = (level_q != '0);
  assign in_ready_o  = (level_q != FullLevel) || out_ready_i;
  assign push        = in_valid_i && in_ready_o;
  assign pop         = out_valid_o && out_ready_i;
  assign out_data_o  = mem_q[rd_ptr_q];
  assign level_o     = level_q;

  always_comb begin
    wr_ptr_d = wr_ptr_q;
    rd_ptr_d = rd_ptr_q;
    level_d  = level_q;
    if (push) begin
      wr_ptr_d = (wr_ptr_q == LastPtr) ? '0 : wr_ptr_q + 1'b1;
    end
    if (pop) begin
      rd_ptr_d = (rd_ptr_q == LastPtr) ? '0 : rd_ptr_q + 1'b1;
    end
    if (push && !pop) begin
      level_d = level_q + 1'b1;
    end else if (pop && !push) begin
      level_d = level_q - 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_ptr_q <= '0;
      rd_ptr_q <= '0;
      level_q  <= '0;
    end else begin
      wr_ptr_q <= wr_ptr_d;
      rd_ptr_q <= rd_ptr_d;
      level_q  <= level_d;
    end
  end

  // Storage needs no reset: an entry is only read after it has been written.
  always_ff @(posedge clk_i) begin
    if (push) begin
      mem_q[wr_ptr_q] <= in_data_i;
    end
  end

  `HYCIM_ASSERT_INIT(DepthNonZero, Depth > 0, "Depth must be at least 1")
  `HYCIM_ASSERT_INIT(WidthNonZero, Width > 0, "Width must be at least 1")
  `HYCIM_ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, out_data_o)
  `HYCIM_ASSERT(LevelInRange, level_q <= FullLevel)
  `HYCIM_ASSERT(NoPushWhenFullWithoutPop, (level_q == FullLevel && push) |-> pop)
  `HYCIM_COVER(CoverFull, level_q == FullLevel)
  `HYCIM_COVER(CoverPushPopFull, level_q == FullLevel && push && pop)

endmodule
