// Leading-zero counter: cnt_o = number of zero bits above the highest set bit of in_i;
// cnt_o = Width and empty_o = 1 when in_i is zero. Purely combinational.

`include "hycim_assert.svh"

module lzc #(
  parameter int unsigned Width = 32,
  localparam int unsigned CntWidth = $clog2(Width + 1)
) (
  input  logic [Width-1:0]    in_i,
  output logic [CntWidth-1:0] cnt_o,
  output logic                empty_o
);

  always_comb begin
    cnt_o = CntWidth'(Width);
    // Scan from the LSB upwards so that the highest set bit is the one that sticks.
    for (int unsigned i = 0; i < Width; i++) begin
      if (in_i[i]) begin
        cnt_o = CntWidth'(Width - 1 - i);
      end
    end
  end

  assign empty_o = (in_i == '0);

  `HYCIM_ASSERT_INIT(WidthNonZero, Width > 0, "Width must be at least 1")

endmodule
