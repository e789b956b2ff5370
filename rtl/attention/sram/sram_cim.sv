// sram_cim: the digital compute-in-memory half of the sparse-attention head
// (docs/attention/sram_cim.md). Two arrays, K and V, of SeqLenMax rows of Dim INT8 each, one
// token per row, row j in bank j mod Banks, and two engines (sram_cim_engine) that run
// concurrently and share only the write port:
//   QK  beats of Banks kept key indices and the query row; per valid lane
//       score = sum_d q[d] * K[idx][d] (INT32, exact), one output beat per input beat, invalid
//       lanes 0;
//   AV  beats of Banks kept indices and their probabilities p (UQ0.16); per row
//       acc[d] = sum over the row's valid lanes of p * V[idx][d] (INT32, exact) and, after the
//       row's last beat, one output beat o[d] = sat8(rnd_shr(acc[d] * cfg_av_mult_i,
//       cfg_av_shift_i)) half up.
// Lanes dispatch strictly in stream order into per-bank queues of QueueDepth entries; each bank
// reads one row per cycle; results retire in input order. Golden model (values and cycle
// schedule): golden/attention/sram_cim.h.
//
// cfg_av_mult_i / cfg_av_shift_i must hold while the AV engine is busy. A row written while an
// engine reads it in the same cycle gives the old row to that read.

`include "hycim_assert.svh"

module sram_cim #(
  parameter int unsigned Dim        = 64,
  parameter int unsigned SeqLenMax  = 64,
  parameter int unsigned Banks      = 4,
  parameter int unsigned QueueDepth = 2,
  localparam int unsigned IdxW = $clog2(SeqLenMax)
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  // Row write port: wr_sel_i 0 writes K, 1 writes V
  input  logic                  wr_en_i,
  input  logic                  wr_sel_i,
  input  logic [IdxW-1:0]       wr_idx_i,
  input  logic [8*Dim-1:0]      wr_data_i,
  // QK requests: the topk beat format plus the query row (the same on every beat of a row)
  input  logic                  qk_valid_i,
  output logic                  qk_ready_o,
  input  logic [Banks*IdxW-1:0] qk_idx_i,
  input  logic [Banks-1:0]      qk_valid_lanes_i,
  input  logic [8*Dim-1:0]      qk_q_i,
  input  logic                  qk_last_i,
  // QK scores: one beat per request beat
  output logic                  qks_valid_o,
  input  logic                  qks_ready_i,
  output logic [Banks*32-1:0]   qks_score_o,
  output logic [Banks-1:0]      qks_valid_lanes_o,
  output logic                  qks_last_o,
  // AV configuration (stable while the AV engine is busy)
  input  logic [15:0]           cfg_av_mult_i,
  input  logic [5:0]            cfg_av_shift_i,
  // AV requests
  input  logic                  av_valid_i,
  output logic                  av_ready_o,
  input  logic [Banks*IdxW-1:0] av_idx_i,
  input  logic [Banks*16-1:0]   av_p_i,
  input  logic [Banks-1:0]      av_valid_lanes_i,
  input  logic                  av_last_i,
  // AV output: one row per request row
  output logic                  avo_valid_o,
  input  logic                  avo_ready_i,
  output logic [8*Dim-1:0]      avo_data_o,
  // Counters per engine: rows read, MACs (Dim per row read), dispatch-stall cycles, busy cycles
  input  logic                  cnt_clear_i,
  output logic [31:0]           cnt_qk_rows_o,
  output logic [31:0]           cnt_qk_macs_o,
  output logic [31:0]           cnt_qk_stall_o,
  output logic [31:0]           cnt_qk_busy_o,
  output logic [31:0]           cnt_av_rows_o,
  output logic [31:0]           cnt_av_macs_o,
  output logic [31:0]           cnt_av_stall_o,
  output logic [31:0]           cnt_av_busy_o
);

  localparam int unsigned SumW = 32 + $clog2(Banks) + 2;  // acc + Banks products, no overflow

  // ---------------------------------------------------------------------------------------
  // QK engine: its retired beats are the score beats
  logic [Banks*32-1:0] qk_res;
  logic [8*Dim-1:0]    qk_beat_unused;
  logic                qk_busy_unused;

  sram_cim_engine #(
    .Dim        (Dim),
    .SeqLenMax  (SeqLenMax),
    .Banks      (Banks),
    .QueueDepth (QueueDepth),
    .Mode       (0)
  ) u_qk (
    .clk_i,
    .rst_ni,
    .wr_en_i           (wr_en_i && !wr_sel_i),
    .wr_idx_i,
    .wr_data_i,
    .in_valid_i        (qk_valid_i),
    .in_ready_o        (qk_ready_o),
    .in_idx_i          (qk_idx_i),
    .in_valid_lanes_i  (qk_valid_lanes_i),
    .in_last_i         (qk_last_i),
    .in_beat_i         (qk_q_i),
    .out_valid_o       (qks_valid_o),
    .out_ready_i       (qks_ready_i),
    .out_res_o         (qk_res),
    .out_valid_lanes_o (qks_valid_lanes_o),
    .out_last_o        (qks_last_o),
    .out_beat_o        (qk_beat_unused),
    .busy_ext_i        (1'b0),
    .busy_o            (qk_busy_unused),
    .cnt_clear_i,
    .cnt_rows_o        (cnt_qk_rows_o),
    .cnt_macs_o        (cnt_qk_macs_o),
    .cnt_stall_o       (cnt_qk_stall_o),
    .cnt_busy_o        (cnt_qk_busy_o)
  );

  for (genvar l = 0; l < Banks; l++) begin : g_qks
    assign qks_score_o[l*32 +: 32] = qks_valid_lanes_o[l] ? qk_res[l*32 +: 32] : 32'd0;
  end

  // ---------------------------------------------------------------------------------------
  // AV engine: its retired beats carry the rows read and their p; they are accumulated here
  logic                    avb_valid, avb_ready, avb_last, av_busy;
  logic [Banks*8*Dim-1:0]  avb_rows;
  logic [Banks*16-1:0]     avb_p;
  logic [Banks-1:0]        avb_lanes;
  logic                    avo_full_q, avo_full_d;

  sram_cim_engine #(
    .Dim        (Dim),
    .SeqLenMax  (SeqLenMax),
    .Banks      (Banks),
    .QueueDepth (QueueDepth),
    .Mode       (1)
  ) u_av (
    .clk_i,
    .rst_ni,
    .wr_en_i           (wr_en_i && wr_sel_i),
    .wr_idx_i,
    .wr_data_i,
    .in_valid_i        (av_valid_i),
    .in_ready_o        (av_ready_o),
    .in_idx_i          (av_idx_i),
    .in_valid_lanes_i  (av_valid_lanes_i),
    .in_last_i         (av_last_i),
    .in_beat_i         (av_p_i),
    .out_valid_o       (avb_valid),
    .out_ready_i       (avb_ready),
    .out_res_o         (avb_rows),
    .out_valid_lanes_o (avb_lanes),
    .out_last_o        (avb_last),
    .out_beat_o        (avb_p),
    .busy_ext_i        (avo_full_q),
    .busy_o            (av_busy),
    .cnt_clear_i,
    .cnt_rows_o        (cnt_av_rows_o),
    .cnt_macs_o        (cnt_av_macs_o),
    .cnt_stall_o       (cnt_av_stall_o),
    .cnt_busy_o        (cnt_av_busy_o)
  );

  // Accumulate the retiring beat: sum[d] = acc[d] + sum over its valid lanes of p * V[idx][d]
  logic [Dim*32-1:0]   acc_q, acc_d;
  logic [Dim*SumW-1:0] sum;
  logic [8*Dim-1:0]    avo_q, avo_d, req;
  logic                retire, acc_ovf;
  logic [Dim-1:0]      req_sat;  // not needed: saturation is part of the rule

  always_comb begin
    acc_ovf = 1'b0;
    for (int unsigned d = 0; d < Dim; d++) begin
      sum[d*SumW +: SumW] = SumW'($signed(acc_q[d*32 +: 32]));
      for (int unsigned l = 0; l < Banks; l++) begin
        if (avb_lanes[l]) begin
          sum[d*SumW +: SumW] = sum[d*SumW +: SumW] +
              SumW'($signed({1'b0, avb_p[l*16 +: 16]})) *
              SumW'($signed(avb_rows[(l*Dim+d)*8 +: 8]));
        end
      end
      if ($signed(sum[d*SumW +: SumW]) > $signed(SumW'(32'h7fff_ffff)) ||
          $signed(sum[d*SumW +: SumW]) < -$signed(SumW'(33'h0_8000_0000))) begin
        acc_ovf = 1'b1;
      end
    end
  end

  // Requantize the finished row: o[d] = sat8(rnd_shr(sum[d] * mult, shift)), half up
  for (genvar d = 0; d < Dim; d++) begin : g_req
    logic signed [47:0] prod;
    assign prod = 48'($signed(sum[d*SumW +: 32])) * 48'($signed({1'b0, cfg_av_mult_i}));
    round_shift_sat #(
      .InWidth    (48),
      .OutWidth   (8),
      .ShiftWidth (6)
    ) u_round (
      .in_i    (prod),
      .shift_i (cfg_av_shift_i),
      .mode_i  (hycim_pkg::RndHalfUp),
      .rand_i  (32'd0),
      .out_o   (req[d*8 +: 8]),
      .sat_o   (req_sat[d])
    );
  end

  assign avb_ready = !avb_last || !avo_full_q || avo_ready_i;
  assign retire    = avb_valid && avb_ready;

  always_comb begin
    acc_d      = acc_q;
    avo_d      = avo_q;
    avo_full_d = avo_full_q;
    if (avo_full_q && avo_ready_i) avo_full_d = 1'b0;
    if (retire) begin
      if (avb_last) begin
        avo_d      = req;
        avo_full_d = 1'b1;
        acc_d      = '0;
      end else begin
        for (int unsigned d = 0; d < Dim; d++) acc_d[d*32 +: 32] = sum[d*SumW +: 32];
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_q      <= '0;
      avo_full_q <= 1'b0;
    end else begin
      acc_q      <= acc_d;
      avo_full_q <= avo_full_d;
    end
  end

  // The output row needs no reset: it is read only while avo_full_q is set.
  always_ff @(posedge clk_i) begin
    avo_q <= avo_d;
  end

  assign avo_valid_o = avo_full_q;
  assign avo_data_o  = avo_q;

  // ---------------------------------------------------------------------------------------
  // Assertions
`ifndef SYNTHESIS
  logic av_busy_prev_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) av_busy_prev_q <= 1'b0;
    else av_busy_prev_q <= av_busy;
  end
`endif
  `HYCIM_ASSERT_STREAM_IN(QkIn, qk_valid_i, qk_ready_o,
                          {qk_idx_i, qk_valid_lanes_i, qk_q_i, qk_last_i})
  `HYCIM_ASSERT_STREAM(QkOut, qks_valid_o, qks_ready_i,
                       {qks_score_o, qks_valid_lanes_o, qks_last_o})
  `HYCIM_ASSERT_STREAM_IN(AvIn, av_valid_i, av_ready_o,
                          {av_idx_i, av_p_i, av_valid_lanes_i, av_last_i})
  `HYCIM_ASSERT_STREAM(AvOut, avo_valid_o, avo_ready_i, avo_data_o)
  `HYCIM_ASSERT(AvAccNoOverflow, !(retire && acc_ovf))
  `HYCIM_ASSERT(AvShiftInRange, !av_busy || (cfg_av_shift_i <= 6'd47))
  `HYCIM_ASSERT(AvCfgStable, !(av_busy && av_busy_prev_q) ||
                             $stable({cfg_av_mult_i, cfg_av_shift_i}))

  logic unused;
  assign unused = ^{qk_beat_unused, qk_busy_unused, req_sat};

endmodule
