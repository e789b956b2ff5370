// topk_bin_select: one step of the radix select of topk_select, purely combinational.
//
// Given a histogram of NumBins counters (bin b at hist_i[b*CntW +: CntW]) and a count need_i >= 1,
// finds the highest bin whose suffix sum (the keys in this bin and every higher one) reaches
// need_i: bin_o, with above_o = the keys in the strictly higher bins (< need_i). found_o is low
// when the whole histogram holds fewer than need_i keys (topk_select never asks then).

module topk_bin_select #(
  parameter int unsigned NumBins = 64,
  parameter int unsigned CntW    = 7,
  localparam int unsigned BinW = (NumBins > 1) ? $clog2(NumBins) : 1
) (
  input  logic [NumBins*CntW-1:0] hist_i,
  input  logic [CntW-1:0]         need_i,
  output logic                    found_o,
  output logic [BinW-1:0]         bin_o,
  output logic [CntW-1:0]         above_o
);

  // One bit more than a count, so the running sum of a garbage histogram cannot wrap into a
  // false match (the sum of a real one is at most SeqLenMax).
  logic [CntW:0] acc, with_bin;
  logic          take;

  always_comb begin
    found_o  = 1'b0;
    bin_o    = '0;
    above_o  = '0;
    acc      = '0;
    with_bin = '0;
    take     = 1'b0;
    for (int unsigned i = 0; i < NumBins; i++) begin
      with_bin = acc + {1'b0, hist_i[(NumBins-1-i)*CntW +: CntW]};
      // (Through `take`: Verilator 5.006 re-evaluates a branch condition for coverage after the
      // branch body ran, and the body writes found_o; docs/flows.md.)
      take = !found_o && with_bin >= {1'b0, need_i};
      if (take) begin
        found_o = 1'b1;
        bin_o   = BinW'(NumBins - 1 - i);
        above_o = acc[CntW-1:0];
      end
      acc = with_bin;
    end
  end

endmodule
