// sram_cim_engine: one of the two engines of sram_cim (docs/attention/sram_cim.md). A memory of
// SeqLenMax rows of Dim INT8 in Banks banks (row j in bank j mod Banks, at bank address
// j / Banks), one request queue of QueueDepth entries per bank, one read per bank per cycle and a
// reorder buffer of RobDepth = QueueDepth + 3 beat slots that gives the results back in input
// order. Mode 0 (QK): a bank's result is the dot product of the beat's query with the row read
// (INT32). Mode 1 (AV): a bank's result is the row read itself; sram_cim multiplies it by p and
// accumulates as the beat retires.
//
// Schedule (the golden model golden/attention/sram_cim.h replays it cycle by cycle):
//   dispatch  the beat on the input takes a reorder slot (when fewer than RobDepth are in use at
//             the start of the cycle) and then sends its remaining valid lanes, in lane order, to
//             their bank queues; a lane goes when its queue has room, counting this cycle's pop
//             as gone and this cycle's earlier pushes as there; the first lane that cannot go
//             stops the later ones (one dispatch-stall cycle). in_ready_o is high in the cycle the
//             beat's last remaining lane goes.
//   pop       every non-empty queue pops its head; the bank's read data register holds the row
//             in the next cycle, where the result is formed and written into the slot.
//   retire    the oldest slot is offered on out_* when its beat was taken and all its valid
//             lanes are back.
// The memories are plain arrays here (register files for simulation); a real SRAM macro with one
// registered read port and one write port per bank replaces each g_bank[b].mem_q.

`include "hycim_assert.svh"

module sram_cim_engine #(
  parameter int unsigned Dim        = 64,
  parameter int unsigned SeqLenMax  = 64,
  parameter int unsigned Banks      = 4,
  parameter int unsigned QueueDepth = 2,
  parameter int unsigned Mode       = 0,  // 0: QK, 1: AV
  localparam int unsigned IdxW  = $clog2(SeqLenMax),
  localparam int unsigned BeatW = (Mode == 0) ? 8 * Dim : 16 * Banks,  // per-beat payload
  localparam int unsigned ResW  = (Mode == 0) ? 32 : 8 * Dim            // per-lane result
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  // Row write port (this engine's memory)
  input  logic                  wr_en_i,
  input  logic [IdxW-1:0]       wr_idx_i,
  input  logic [8*Dim-1:0]      wr_data_i,
  // Request beats
  input  logic                  in_valid_i,
  output logic                  in_ready_o,
  input  logic [Banks*IdxW-1:0] in_idx_i,
  input  logic [Banks-1:0]      in_valid_lanes_i,
  input  logic                  in_last_i,
  input  logic [BeatW-1:0]      in_beat_i,
  // Retired beats, in input order
  output logic                  out_valid_o,
  input  logic                  out_ready_i,
  output logic [Banks*ResW-1:0] out_res_o,
  output logic [Banks-1:0]      out_valid_lanes_o,
  output logic                  out_last_o,
  output logic [BeatW-1:0]      out_beat_o,
  // Busy: an input beat is valid or anything is held here or (busy_ext_i) in the wrapper
  input  logic                  busy_ext_i,
  output logic                  busy_o,
  // Counters (cleared by cnt_clear_i; wrap at 2^32)
  input  logic                  cnt_clear_i,
  output logic [31:0]           cnt_rows_o,
  output logic [31:0]           cnt_macs_o,
  output logic [31:0]           cnt_stall_o,
  output logic [31:0]           cnt_busy_o
);

  localparam int unsigned BankW    = $clog2(Banks);
  localparam int unsigned AddrW    = IdxW - BankW;
  localparam int unsigned Rows     = SeqLenMax / Banks;
  localparam int unsigned RobDepth = QueueDepth + 3;
  localparam int unsigned SlotW    = $clog2(RobDepth);
  localparam int unsigned RCntW    = $clog2(RobDepth + 1);
  localparam int unsigned QPtrW    = (QueueDepth > 1) ? $clog2(QueueDepth) : 1;
  localparam int unsigned QCntW    = $clog2(QueueDepth + 1);
  localparam int unsigned OccW     = QCntW + 1;
  localparam int unsigned TagW     = SlotW + BankW;  // {slot, lane} = slot * Banks + lane
  localparam int unsigned EntW     = AddrW + TagW;   // queue entry {addr, slot, lane}
  localparam int unsigned PopW     = BankW + 1;

  // ---------------------------------------------------------------------------------------
  // State
  logic [Banks*QueueDepth*EntW-1:0] qent_q, qent_d;
  logic [Banks*QPtrW-1:0]           qrd_q, qrd_d, qwr_q, qwr_d;
  logic [Banks*QCntW-1:0]           qcnt_q, qcnt_d;
  logic [Banks-1:0]                 disp_q, disp_d;   // lanes of the input beat already sent
  logic                             started_q, started_d;
  logic [SlotW-1:0]                 cur_slot_q, cur_slot_d;
  logic [SlotW-1:0]                 head_q, head_d, tail_q, tail_d;
  logic [RCntW-1:0]                 rcnt_q, rcnt_d;
  logic [RobDepth-1:0]              closed_q, closed_d, last_q, last_d;
  logic [RobDepth*Banks-1:0]        vmask_q, vmask_d, done_q, done_d;
  logic [Banks-1:0]                 st_v_q;           // a read is in the data register
  logic [Banks*TagW-1:0]            st_tag_q;
  logic [31:0]                      rows_q, rows_d, macs_q, macs_d, stall_q, stall_d;
  logic [31:0]                      busy_q, busy_d;
  logic [BeatW-1:0]                 beat_mem_q [RobDepth];

  // ---------------------------------------------------------------------------------------
  // Dispatch
  logic [Banks-1:0]       pop, lane_go;
  logic [Banks*OccW-1:0]  pushed;
  logic [OccW-1:0]        occ, pos;
  logic                   can_start, blocked, alloc, accept;
  logic [SlotW-1:0]       slot;
  logic [Banks*EntW-1:0]  qhead;

  always_comb begin
    for (int unsigned b = 0; b < Banks; b++) begin
      pop[b] = qcnt_q[b*QCntW +: QCntW] != '0;
      qhead[b*EntW +: EntW] = '0;
      for (int unsigned e = 0; e < QueueDepth; e++) begin
        if (qrd_q[b*QPtrW +: QPtrW] == QPtrW'(e)) begin
          qhead[b*EntW +: EntW] = qent_q[(b*QueueDepth+e)*EntW +: EntW];
        end
      end
    end
    can_start = started_q || (rcnt_q < RCntW'(RobDepth));
    slot      = started_q ? cur_slot_q : tail_q;
    blocked   = 1'b0;
    lane_go   = '0;
    pushed    = '0;
    occ       = '0;
    pos       = '0;
    qent_d    = qent_q;
    for (int unsigned l = 0; l < Banks; l++) begin
      if (in_valid_i && can_start && in_valid_lanes_i[l] && !disp_q[l] && !blocked) begin
        for (int unsigned b = 0; b < Banks; b++) begin
          if (in_idx_i[l*IdxW +: BankW] == BankW'(b)) begin
            occ = OccW'(qcnt_q[b*QCntW +: QCntW]) - OccW'(pop[b]) + pushed[b*OccW +: OccW];
            if (occ < OccW'(QueueDepth)) begin
              lane_go[l] = 1'b1;
              pos = OccW'(qwr_q[b*QPtrW +: QPtrW]) + pushed[b*OccW +: OccW];
              if (pos >= OccW'(QueueDepth)) pos = pos - OccW'(QueueDepth);
              for (int unsigned e = 0; e < QueueDepth; e++) begin
                if (pos == OccW'(e)) begin
                  qent_d[(b*QueueDepth+e)*EntW +: EntW] =
                      {in_idx_i[l*IdxW+BankW +: AddrW], slot, BankW'(l)};
                end
              end
              pushed[b*OccW +: OccW] = pushed[b*OccW +: OccW] + 1'b1;
            end else begin
              blocked = 1'b1;
            end
          end
        end
      end
    end
    alloc  = in_valid_i && can_start && !started_q;
    accept = in_valid_i && can_start && !blocked;
  end

  assign in_ready_o = accept;

  // Queue pointers and the input beat's progress
  logic [OccW-1:0] wsum;
  always_comb begin
    qrd_d = qrd_q;
    qwr_d = qwr_q;
    qcnt_d = qcnt_q;
    wsum = '0;
    for (int unsigned b = 0; b < Banks; b++) begin
      if (pop[b]) begin
        qrd_d[b*QPtrW +: QPtrW] = (qrd_q[b*QPtrW +: QPtrW] == QPtrW'(QueueDepth - 1)) ? '0 :
                                  qrd_q[b*QPtrW +: QPtrW] + 1'b1;
      end
      wsum = OccW'(qwr_q[b*QPtrW +: QPtrW]) + pushed[b*OccW +: OccW];
      if (wsum >= OccW'(QueueDepth)) wsum = wsum - OccW'(QueueDepth);
      qwr_d[b*QPtrW +: QPtrW] = QPtrW'(wsum);
      qcnt_d[b*QCntW +: QCntW] = QCntW'(OccW'(qcnt_q[b*QCntW +: QCntW]) - OccW'(pop[b]) +
                                        pushed[b*OccW +: OccW]);
    end
    disp_d     = accept ? '0 : (disp_q | lane_go);
    started_d  = accept ? 1'b0 : (started_q || alloc);
    cur_slot_d = alloc ? tail_q : cur_slot_q;
  end

  // ---------------------------------------------------------------------------------------
  // Banks: memory, read data register, result
  logic [Banks*ResW-1:0] bank_res;

  for (genvar b = 0; b < Banks; b++) begin : g_bank
    logic [8*Dim-1:0] mem_q [Rows];
    logic [8*Dim-1:0] rd_q;
    logic [AddrW-1:0] raddr;  // the bank address of the queue head
    assign raddr = qhead[b*EntW+TagW +: AddrW];
    always_ff @(posedge clk_i) begin
      if (wr_en_i && (wr_idx_i[BankW-1:0] == BankW'(b))) mem_q[wr_idx_i[IdxW-1:BankW]] <= wr_data_i;
    end
    always_ff @(posedge clk_i) begin
      if (pop[b]) rd_q <= mem_q[raddr];
    end

    if (Mode == 0) begin : g_qk
      logic [8*Dim-1:0]   q;
      logic signed [31:0] dot;
      assign q = beat_mem_q[st_tag_q[b*TagW+BankW +: SlotW]];
      always_comb begin
        dot = '0;
        for (int unsigned d = 0; d < Dim; d++) begin
          dot = dot + 32'($signed(q[8*d +: 8])) * 32'($signed(rd_q[8*d +: 8]));
        end
      end
      assign bank_res[b*ResW +: ResW] = dot;
    end else begin : g_av
      assign bank_res[b*ResW +: ResW] = rd_q;
    end
  end

  // ---------------------------------------------------------------------------------------
  // Reorder buffer
  logic retire;
  always_comb begin
    closed_d = closed_q;
    last_d   = last_q;
    vmask_d  = vmask_q;
    done_d   = done_q;
    for (int unsigned s = 0; s < RobDepth; s++) begin
      if (alloc && (tail_q == SlotW'(s))) begin
        closed_d[s]              = 1'b0;
        last_d[s]                = in_last_i;
        vmask_d[s*Banks +: Banks] = in_valid_lanes_i;
        done_d[s*Banks +: Banks]  = '0;
      end
      if (accept && (slot == SlotW'(s))) closed_d[s] = 1'b1;
    end
    for (int unsigned b = 0; b < Banks; b++) begin
      for (int unsigned e = 0; e < RobDepth * Banks; e++) begin
        if (st_v_q[b] && (st_tag_q[b*TagW +: TagW] == TagW'(e))) done_d[e] = 1'b1;
      end
    end
    retire = out_valid_o && out_ready_i;
    tail_d = alloc ? ((tail_q == SlotW'(RobDepth - 1)) ? '0 : tail_q + 1'b1) : tail_q;
    head_d = retire ? ((head_q == SlotW'(RobDepth - 1)) ? '0 : head_q + 1'b1) : head_q;
    rcnt_d = rcnt_q + RCntW'(alloc) - RCntW'(retire);
  end

  logic [Banks-1:0] head_vmask, head_done;
  assign head_vmask  = vmask_q[head_q*Banks +: Banks];
  assign head_done   = done_q[head_q*Banks +: Banks];
  assign out_valid_o = (rcnt_q != '0) && closed_q[head_q] && ((head_done & head_vmask) == head_vmask);
  assign out_valid_lanes_o = head_vmask;
  assign out_last_o  = last_q[head_q];
  assign out_beat_o  = beat_mem_q[head_q];

  always_ff @(posedge clk_i) begin
    if (alloc) beat_mem_q[tail_q] <= in_beat_i;
  end

  logic [RobDepth*Banks*ResW-1:0] res_flat;
  for (genvar e = 0; e < RobDepth * Banks; e++) begin : g_res
    logic            we;
    logic [ResW-1:0] wd, res_q;
    always_comb begin
      we = 1'b0;
      wd = bank_res[0 +: ResW];
      for (int unsigned b = 0; b < Banks; b++) begin
        if (st_v_q[b] && (st_tag_q[b*TagW +: TagW] == TagW'(e))) begin
          we = 1'b1;
          wd = bank_res[b*ResW +: ResW];
        end
      end
    end
    always_ff @(posedge clk_i) begin
      if (we) res_q <= wd;
    end
    assign res_flat[e*ResW +: ResW] = res_q;
  end
  assign out_res_o = res_flat[head_q*Banks*ResW +: Banks*ResW];

  // ---------------------------------------------------------------------------------------
  // Counters
  logic [PopW-1:0] npop;
  always_comb begin
    npop = '0;
    for (int unsigned b = 0; b < Banks; b++) npop = npop + PopW'(pop[b]);
    busy_o = in_valid_i || (qcnt_q != '0) || (st_v_q != '0) || (rcnt_q != '0) || busy_ext_i;
    rows_d  = cnt_clear_i ? '0 : rows_q + 32'(npop);
    macs_d  = cnt_clear_i ? '0 : macs_q + 32'(npop) * 32'(Dim);
    stall_d = cnt_clear_i ? '0 : stall_q + 32'(blocked);
    busy_d  = cnt_clear_i ? '0 : busy_q + 32'(busy_o);
  end
  assign cnt_rows_o  = rows_q;
  assign cnt_macs_o  = macs_q;
  assign cnt_stall_o = stall_q;
  assign cnt_busy_o  = busy_q;

  // ---------------------------------------------------------------------------------------
  // Registers
  logic [Banks*TagW-1:0] st_tag_d;
  always_comb begin
    st_tag_d = st_tag_q;
    for (int unsigned b = 0; b < Banks; b++) begin
      if (pop[b]) st_tag_d[b*TagW +: TagW] = qhead[b*EntW +: TagW];
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      qrd_q      <= '0;
      qwr_q      <= '0;
      qcnt_q     <= '0;
      disp_q     <= '0;
      started_q  <= 1'b0;
      cur_slot_q <= '0;
      head_q     <= '0;
      tail_q     <= '0;
      rcnt_q     <= '0;
      closed_q   <= '0;
      last_q     <= '0;
      vmask_q    <= '0;
      done_q     <= '0;
      st_v_q     <= '0;
      st_tag_q   <= '0;
      rows_q     <= '0;
      macs_q     <= '0;
      stall_q    <= '0;
      busy_q     <= '0;
    end else begin
      qrd_q      <= qrd_d;
      qwr_q      <= qwr_d;
      qcnt_q     <= qcnt_d;
      disp_q     <= disp_d;
      started_q  <= started_d;
      cur_slot_q <= cur_slot_d;
      head_q     <= head_d;
      tail_q     <= tail_d;
      rcnt_q     <= rcnt_d;
      closed_q   <= closed_d;
      last_q     <= last_d;
      vmask_q    <= vmask_d;
      done_q     <= done_d;
      st_v_q     <= pop;
      st_tag_q   <= st_tag_d;
      rows_q     <= rows_d;
      macs_q     <= macs_d;
      stall_q    <= stall_d;
      busy_q     <= busy_d;
    end
  end

  // Queue entries need no reset: an entry is read only after it was written.
  always_ff @(posedge clk_i) begin
    qent_q <= qent_d;
  end

  // ---------------------------------------------------------------------------------------
  // Assertions
  `HYCIM_ASSERT_INIT(BanksPow2, Banks >= 2 && (Banks & (Banks - 1)) == 0,
                     "Banks must be a power of two, at least 2")
  `HYCIM_ASSERT_INIT(RowsPerBank, SeqLenMax % Banks == 0 && SeqLenMax / Banks >= 2,
                     "SeqLenMax must be a multiple of Banks with at least 2 rows per bank")
  `HYCIM_ASSERT_INIT(QueueDepthPos, QueueDepth >= 1, "QueueDepth must be at least 1")
  `HYCIM_ASSERT_INIT(ModeKnown, Mode <= 1, "Mode is 0 (QK) or 1 (AV)")

`ifndef SYNTHESIS
  logic idx_bad, qcnt_bad;
  always_comb begin
    idx_bad = 1'b0;
    qcnt_bad = 1'b0;
    for (int unsigned l = 0; l < Banks; l++) begin
      if (in_valid_lanes_i[l] && (32'(in_idx_i[l*IdxW +: IdxW]) >= SeqLenMax)) idx_bad = 1'b1;
    end
    for (int unsigned b = 0; b < Banks; b++) begin
      if (32'(qcnt_q[b*QCntW +: QCntW]) > QueueDepth) qcnt_bad = 1'b1;
    end
  end
`endif
  `HYCIM_ASSERT_STREAM_IN(InStream, in_valid_i, in_ready_o,
                          {in_idx_i, in_valid_lanes_i, in_last_i, in_beat_i})
  // out_res_o is left out of the payload check: an AV beat carries Banks rows (thousands of
  // bits), more than Verilator 5.006 samples correctly for $stable; sram_cim checks the scores
  // and the output rows on its own ports.
  `HYCIM_ASSERT_STREAM(OutStream, out_valid_o, out_ready_i,
                       {out_valid_lanes_o, out_last_o, out_beat_o})
  `HYCIM_ASSERT(InIdxInRange, !(in_valid_i && idx_bad))
  `HYCIM_ASSERT(WrIdxInRange, !wr_en_i || (32'(wr_idx_i) < SeqLenMax))
  `HYCIM_ASSERT(QueueCountInRange, !qcnt_bad)
  `HYCIM_ASSERT(RobCountInRange, 32'(rcnt_q) <= RobDepth)
  `HYCIM_ASSERT(StartedHasSlot, !started_q || (rcnt_q != '0))

endmodule
