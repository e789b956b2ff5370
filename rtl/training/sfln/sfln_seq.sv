// sfln_seq: the row pipeline sequencer of sfln_unit. Three row buffers rotate roles every slot:
// LOAD fills ld_buf_o (row r+2), MID works on ex_buf_o (row r+1), OUT reads out_buf_o (row r).
// Each stage has a valid flag (it holds a row in this slot), a done flag (it has finished the
// row) and a beat counter. A slot ends when every active stage is done; then the rows move one
// stage on and the buffers rotate. The run ends at the slot end after which no stage would hold
// a row.

`include "hycim_assert.svh"

module sfln_seq #(
  parameter int unsigned Lanes = 4,
  parameter int unsigned AddrW = 4,  // beat address bits of a row buffer
  parameter int unsigned LenW  = 7   // bits of a row length
) (
  input  logic            clk_i,
  input  logic            rst_ni,
  input  logic            start_i,      // accepted start
  input  logic            busy_i,
  input  logic [LenW-1:0] len_i,
  input  logic [31:0]     rows_i,
  input  logic            skip_mid_i,   // this mode has no MID stage
  input  logic            skip_out_i,   // this mode has no output
  // Streams
  input  logic            in_valid_i,
  output logic            in_ready_o,
  output logic            in_hs_o,
  output logic            out_valid_o,
  input  logic            out_ready_i,
  output logic            out_hs_o,
  // MID progress
  input  logic            ex_we_i,      // MID wrote a beat back (advances its beat counter)
  input  logic            ex_fin_i,     // MID has finished its row
  output logic            ex_active_o,  // MID holds an unfinished row
  output logic            ex_end_o,     // MID's beat counter has passed the row's last beat
  // Positions
  output logic [1:0]      ld_buf_o,
  output logic [1:0]      ex_buf_o,
  output logic [1:0]      out_buf_o,
  output logic [AddrW:0]  ld_beat_o,
  output logic [AddrW:0]  ex_beat_o,
  output logic [AddrW:0]  out_beat_o,
  output logic            ld_last_o,    // LOAD is at the row's last beat
  output logic            out_last_o,   // OUT is at the row's last beat
  output logic            slot_end_o,
  output logic            run_end_o     // slot end that ends the run
);

  logic [AddrW:0] beats;  // beats per row: ceil(len / Lanes)
  assign beats = (AddrW + 1)'((32'(len_i) + Lanes - 1) / Lanes);

  logic [1:0]     ld_buf_q, ld_buf_d, ex_buf, out_buf;
  logic           ld_v_q, ld_v_d, ex_v_q, ex_v_d, out_v_q, out_v_d;
  logic           ld_done_q, ld_done_d, ex_done_q, ex_done_d, out_done_q, out_done_d;
  logic [AddrW:0] ld_beat_q, ld_beat_d, ex_beat_q, ex_beat_d, out_beat_q, out_beat_d;
  logic [31:0]    rows_in_q, rows_in_d;  // rows whose LOAD has started
  logic           slot_end, ld_next, run_end, ld_last, out_last, in_hs, out_hs;

  assign ex_buf   = (ld_buf_q == 2'd0) ? 2'd2 : ld_buf_q - 2'd1;
  assign out_buf  = (ex_buf == 2'd0) ? 2'd2 : ex_buf - 2'd1;
  assign ld_last  = (ld_beat_q == beats - 1'b1);
  assign out_last = (out_beat_q == beats - 1'b1);

  assign in_ready_o  = busy_i && ld_v_q && !ld_done_q;
  assign in_hs       = in_valid_i && in_ready_o;
  assign out_valid_o = busy_i && out_v_q && !out_done_q && !skip_out_i;
  assign out_hs      = out_valid_o && out_ready_i;

  assign slot_end = busy_i && (!ld_v_q || ld_done_q) && (!ex_v_q || ex_done_q || skip_mid_i) &&
                    (!out_v_q || out_done_q || skip_out_i);
  assign ld_next  = (rows_in_q + 32'(ld_v_q)) < rows_i;
  assign run_end  = slot_end && !ld_v_q && !ex_v_q;  // the next slot would be empty

  always_comb begin
    ld_buf_d   = ld_buf_q;
    ld_v_d     = ld_v_q;
    ex_v_d     = ex_v_q;
    out_v_d    = out_v_q;
    ld_done_d  = ld_done_q;
    ex_done_d  = ex_done_q;
    out_done_d = out_done_q;
    ld_beat_d  = ld_beat_q;
    ex_beat_d  = ex_beat_q;
    out_beat_d = out_beat_q;
    rows_in_d  = rows_in_q;
    if (start_i) begin
      rows_in_d = 32'd0;
      ld_buf_d  = 2'd0;
      ld_v_d    = 1'b1;
      ex_v_d    = 1'b0;
      out_v_d   = 1'b0;
    end
    if (in_hs) begin
      ld_beat_d = ld_beat_q + 1'b1;
      if (ld_last) ld_done_d = 1'b1;
    end
    if (ex_we_i) ex_beat_d = ex_beat_q + 1'b1;
    if (ex_fin_i) ex_done_d = 1'b1;
    if (out_hs) begin
      out_beat_d = out_beat_q + 1'b1;
      if (out_last) out_done_d = 1'b1;
    end
    // Slot boundary: rotate the buffers, advance the rows one stage.
    if (slot_end) begin
      ld_buf_d   = (ld_buf_q == 2'd2) ? 2'd0 : ld_buf_q + 2'd1;
      rows_in_d  = rows_in_q + 32'(ld_v_q);
      ld_v_d     = ld_next;
      ex_v_d     = ld_v_q;
      out_v_d    = ex_v_q;
      ld_done_d  = 1'b0;
      ex_done_d  = 1'b0;
      out_done_d = 1'b0;
      ld_beat_d  = '0;
      ex_beat_d  = '0;
      out_beat_d = '0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ld_buf_q   <= 2'd0;
      ld_v_q     <= 1'b0;
      ex_v_q     <= 1'b0;
      out_v_q    <= 1'b0;
      ld_done_q  <= 1'b0;
      ex_done_q  <= 1'b0;
      out_done_q <= 1'b0;
      ld_beat_q  <= '0;
      ex_beat_q  <= '0;
      out_beat_q <= '0;
      rows_in_q  <= 32'd0;
    end else begin
      ld_buf_q   <= ld_buf_d;
      ld_v_q     <= ld_v_d;
      ex_v_q     <= ex_v_d;
      out_v_q    <= out_v_d;
      ld_done_q  <= ld_done_d;
      ex_done_q  <= ex_done_d;
      out_done_q <= out_done_d;
      ld_beat_q  <= ld_beat_d;
      ex_beat_q  <= ex_beat_d;
      out_beat_q <= out_beat_d;
      rows_in_q  <= rows_in_d;
    end
  end

  assign in_hs_o     = in_hs;
  assign out_hs_o    = out_hs;
  assign ex_active_o = busy_i && ex_v_q && !ex_done_q;
  assign ex_end_o    = (ex_beat_q == beats);
  assign ld_buf_o    = ld_buf_q;
  assign ex_buf_o    = ex_buf;
  assign out_buf_o   = out_buf;
  assign ld_beat_o   = ld_beat_q;
  assign ex_beat_o   = ex_beat_q;
  assign out_beat_o  = out_beat_q;
  assign ld_last_o   = ld_last;
  assign out_last_o  = out_last;
  assign slot_end_o  = slot_end;
  assign run_end_o   = run_end;

  `HYCIM_ASSERT(NoStreamsWhenIdle, !busy_i |-> (!in_ready_o && !out_valid_o))
  `HYCIM_ASSERT(BeatsWithinRow, busy_i |-> (ld_beat_q <= beats && out_beat_q <= beats))
  `HYCIM_ASSERT(ExWriteOnlyWhenActive, ex_we_i |-> (ex_active_o && !ex_end_o))
  `HYCIM_ASSERT(LdBufInRange, ld_buf_q != 2'd3)

endmodule
