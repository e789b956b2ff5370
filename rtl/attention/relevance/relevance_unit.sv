// relevance_unit: approximate query-key scores from product-quantization codes
// (docs/attention/relevance.md). Golden model: hycim::golden::relevance_row
// (golden/attention/relevance.h).
//
// For one query row i with code word cq (NumSubspaces 4-bit codes, subspace m in bits [4m +: 4])
// and the S = cfg_num_keys_i key code words ck_j held in the unit's key code memory:
//   cfg_mode_i 0 (table): r_j = sum_m T[m][cq_m][ck_jm]   (T: INT8 tables, signed 16-bit sum)
//   cfg_mode_i 1 (match): r_j = #{m : cq_m == ck_jm}
//   cfg_causal_i: key j > i is masked (lane valid 0, score 0).
//
// Storage: the tables T (written one INT8 entry per cycle at (m*C + a)*C + b, only while idle) and
// the key code memory (SeqLenMax entries, written one per cycle at any time; a beat computed in
// the cycle of a write to one of its keys sees the old code). The key code memory is split into
// Lanes banks, key j in bank j mod Lanes at word j / Lanes, so one beat reads one word of every
// bank.
//
// Pipeline: a row request is taken into the row context, which loads the M table rows
// T[m][cq_m][*] of the query into a row register (M*C*8 bits) in the same edge; each lane then
// needs only M C:1 multiplexers (indexed by its key's codes) and an adder. The context issues
// one beat per cycle, ceil(S/Lanes) beats in key order, into a spill register (the output
// stage, which cuts the ready path). The next request is taken in the cycle the last beat of the
// current row issues, so rows follow back to back with no bubble. Latency: a request taken in
// cycle t gives its first beat on rel_*_o in cycle t+2.
//
// Configuration (cfg_*) and the tables must not change from the cycle a request is taken until
// the last beat of the last row has left (busy_o low): asserted.

`include "hycim_assert.svh"

module relevance_unit #(
  parameter int unsigned NumSubspaces = 8,   // M
  parameter int unsigned NumCentroids = 16,  // C: a power of two, 2..16 (4-bit codes)
  parameter int unsigned Lanes        = 4,   // keys per output beat: a power of two >= 2
  parameter int unsigned SeqLenMax    = 64,  // key code memory entries, >= 2 * Lanes
  localparam int unsigned CodeW    = 4 * NumSubspaces,
  localparam int unsigned IdxW     = $clog2(SeqLenMax),
  localparam int unsigned NumKeysW = $clog2(SeqLenMax + 1),
  localparam int unsigned TblAddrW = $clog2(NumSubspaces * NumCentroids * NumCentroids)
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  // Table write port: one INT8 entry per cycle, address (m*C + a)*C + b. Only while idle.
  input  logic                  tbl_we_i,
  input  logic [TblAddrW-1:0]   tbl_addr_i,
  input  logic [7:0]            tbl_data_i,
  // Key code write port.
  input  logic                  kc_we_i,
  input  logic [IdxW-1:0]       kc_idx_i,
  input  logic [CodeW-1:0]      kc_data_i,
  // Configuration, stable while busy_o.
  input  logic [NumKeysW-1:0]   cfg_num_keys_i,  // S, 1..SeqLenMax
  input  logic                  cfg_mode_i,      // 0 table, 1 match
  input  logic                  cfg_causal_i,
  // Row requests: one beat per query row.
  input  logic                  req_valid_i,
  output logic                  req_ready_o,
  input  logic [CodeW-1:0]      req_code_i,
  input  logic [IdxW-1:0]       req_row_i,
  // Scores: ceil(S/Lanes) beats per row in key order.
  output logic                  rel_valid_o,
  input  logic                  rel_ready_i,
  output logic [Lanes*16-1:0]   rel_score_o,        // signed, lane l in [16l +: 16]
  output logic [Lanes-1:0]      rel_valid_lanes_o,  // key base+l < S and not masked
  output logic [IdxW-1:0]       rel_base_o,         // key index of lane 0
  output logic [IdxW-1:0]       rel_row_o,
  output logic                  rel_last_o,
  // A row is in flight (taken, not all of its beats handed over).
  output logic                  busy_o
);

  localparam int unsigned CentW  = $clog2(NumCentroids);
  localparam int unsigned LaneW  = $clog2(Lanes);
  localparam int unsigned WordW  = IdxW - LaneW;
  localparam int unsigned Words  = (SeqLenMax + Lanes - 1) / Lanes;
  localparam int unsigned MW     = TblAddrW - 2 * CentW;  // bits of m in a table address
  localparam int unsigned RowW   = NumSubspaces * NumCentroids * 8;
  localparam int unsigned BeatW  = Lanes * 16 + Lanes + 2 * IdxW + 1;

  // ---------------------------------------------------------------------------------------
  // Tables: one small memory per (m, b) holding T[m][a][b] for every a, so that the row load
  // reads every T[m][cq_m][b] in one cycle (one read port per memory).
  logic [CentW-1:0] tbl_a, tbl_b;
  logic [MW-1:0]    tbl_m;
  logic [RowW-1:0]  trow_rd;  // T[m][req_code_m][b] at [(m*C + b)*8 +: 8]

  assign tbl_b = tbl_addr_i[CentW-1:0];
  assign tbl_a = tbl_addr_i[2*CentW-1:CentW];
  assign tbl_m = tbl_addr_i[TblAddrW-1:2*CentW];

  for (genvar m = 0; m < NumSubspaces; m++) begin : g_tbl_m
    logic [CentW-1:0] qa;
    assign qa = req_code_i[4*m +: CentW];
    for (genvar b = 0; b < NumCentroids; b++) begin : g_tbl_b
      logic [7:0] mem_q [NumCentroids];
      logic       we;
      assign we = tbl_we_i && (tbl_m == MW'(m)) && (tbl_b == CentW'(b));
      always_ff @(posedge clk_i) begin
        if (we) mem_q[tbl_a] <= tbl_data_i;
      end
      assign trow_rd[(m*NumCentroids + b)*8 +: 8] = mem_q[qa];
    end
  end

  // ---------------------------------------------------------------------------------------
  // Key code memory: bank l holds the keys j with j mod Lanes == l, at word j / Lanes.
  logic [LaneW-1:0] kc_lane;
  logic [WordW-1:0] kc_word;
  logic [WordW-1:0] word_q, word_d;  // the beat being issued: keys word_q*Lanes + l
  logic [Lanes*CodeW-1:0] kc_rd;  // bank l's word word_q at [l*CodeW +: CodeW]

  assign kc_lane = kc_idx_i[LaneW-1:0];
  assign kc_word = kc_idx_i[IdxW-1:LaneW];

  for (genvar l = 0; l < Lanes; l++) begin : g_kc
    logic [CodeW-1:0] mem_q [Words];
    always_ff @(posedge clk_i) begin
      if (kc_we_i && kc_lane == LaneW'(l)) mem_q[kc_word] <= kc_data_i;
    end
    assign kc_rd[l*CodeW +: CodeW] = mem_q[word_q];
  end

  // ---------------------------------------------------------------------------------------
  // Row context.
  logic             act_q, act_d;
  logic [IdxW-1:0]  row_q, row_d;
  logic [CodeW-1:0] cq_q, cq_d;
  logic [RowW-1:0]  trow_q, trow_d;
  logic [IdxW-1:0]  base;
  logic             last_beat, issue, req_hs;
  logic             sp_ready;

  assign base        = {word_q, LaneW'(0)};
  assign last_beat   = (32'(base) + Lanes) >= 32'(cfg_num_keys_i);
  assign issue       = act_q && sp_ready;
  assign req_ready_o = !act_q || (issue && last_beat);
  assign req_hs      = req_valid_i && req_ready_o;

  always_comb begin
    act_d  = act_q;
    word_d = word_q;
    row_d  = row_q;
    cq_d   = cq_q;
    trow_d = trow_q;
    if (issue) begin
      word_d = word_q + WordW'(1);
      if (last_beat) act_d = 1'b0;
    end
    if (req_hs) begin
      act_d  = 1'b1;
      word_d = '0;
      row_d  = req_row_i;
      cq_d   = req_code_i;
      trow_d = trow_rd;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      act_q  <= 1'b0;
      word_q <= '0;
    end else begin
      act_q  <= act_d;
      word_q <= word_d;
    end
  end

  // Row data needs no reset: it is only read while act_q is set, which a request sets together.
  always_ff @(posedge clk_i) begin
    row_q  <= row_d;
    cq_q   <= cq_d;
    trow_q <= trow_d;
  end

  // ---------------------------------------------------------------------------------------
  // Lanes: M table look-ups (or code compares) and their sum, masked.
  logic [Lanes*16-1:0] score;
  logic [Lanes-1:0]    vlanes;

  for (genvar l = 0; l < Lanes; l++) begin : g_lane
    logic [IdxW-1:0] key;
    logic [15:0]     sum, cnt;
    logic [NumCentroids*8-1:0] trow_m;
    logic [3:0]                kcode;
    logic [7:0]                entry;
    assign key       = {word_q, LaneW'(l)};
    assign vlanes[l] = (32'(key) < 32'(cfg_num_keys_i)) && !(cfg_causal_i && key > row_q);
    always_comb begin
      sum = '0;
      cnt = '0;
      trow_m = '0;
      kcode  = '0;
      entry  = '0;
      for (int unsigned m = 0; m < NumSubspaces; m++) begin
        trow_m = trow_q[m*NumCentroids*8 +: NumCentroids*8];
        kcode  = kc_rd[l*CodeW + 4*m +: 4];
        entry  = trow_m[{kcode[CentW-1:0], 3'b000} +: 8];
        sum    = sum + {{8{entry[7]}}, entry};
        cnt    = cnt + 16'(cq_q[4*m +: 4] == kcode);
      end
    end
    assign score[16*l +: 16] = !vlanes[l] ? 16'd0 : (cfg_mode_i ? cnt : sum);
  end

  // ---------------------------------------------------------------------------------------
  // Output stage.
  logic [BeatW-1:0] sp_in, sp_out;

  assign sp_in = {score, vlanes, base, row_q, last_beat};

  spill_register #(
    .Width(BeatW)
  ) u_out (
    .clk_i,
    .rst_ni,
    .in_valid_i (issue),
    .in_ready_o (sp_ready),
    .in_data_i  (sp_in),
    .out_valid_o(rel_valid_o),
    .out_ready_i(rel_ready_i),
    .out_data_o (sp_out)
  );

  assign {rel_score_o, rel_valid_lanes_o, rel_base_o, rel_row_o, rel_last_o} = sp_out;
  assign busy_o = act_q || rel_valid_o;

  // ---------------------------------------------------------------------------------------
  // Assertions.
  `HYCIM_ASSERT_INIT(SubspacesRange, NumSubspaces >= 2 && NumSubspaces <= 256,
                     "NumSubspaces must be 2..256 (scores in 16 bits)")
  `HYCIM_ASSERT_INIT(CentroidsRange, NumCentroids >= 2 && NumCentroids <= 16 &&
                                     (NumCentroids & (NumCentroids - 1)) == 0,
                     "NumCentroids must be a power of two, 2..16 (4-bit codes)")
  `HYCIM_ASSERT_INIT(LanesPow2, Lanes >= 2 && (Lanes & (Lanes - 1)) == 0,
                     "Lanes must be a power of two >= 2")
  `HYCIM_ASSERT_INIT(SeqLenRange, SeqLenMax >= 2 * Lanes, "SeqLenMax must be >= 2 * Lanes")

  `HYCIM_ASSERT_STREAM_IN(ReqStream, req_valid_i, req_ready_o, {req_code_i, req_row_i})
  `HYCIM_ASSERT_STREAM(RelStream, rel_valid_o, rel_ready_i,
                       {rel_score_o, rel_valid_lanes_o, rel_base_o, rel_row_o, rel_last_o})

  // Tables are read when a request is taken: they must not change while a row is in flight.
  `HYCIM_ASSERT(TblWriteOnlyWhileIdle, tbl_we_i |-> !(busy_o || req_hs))
  `HYCIM_ASSERT(TblAddrInRange,
                tbl_we_i |-> 32'(tbl_addr_i) < NumSubspaces * NumCentroids * NumCentroids)
  `HYCIM_ASSERT(KcIdxInRange, kc_we_i |-> 32'(kc_idx_i) < SeqLenMax)
  `HYCIM_ASSERT(NumKeysLegal, (busy_o || req_hs) |->
                              (cfg_num_keys_i != '0 && 32'(cfg_num_keys_i) <= SeqLenMax))
  `HYCIM_ASSERT(CfgStableWhileBusy, (busy_o || req_hs) |=>
                                    (!busy_o || $stable({cfg_num_keys_i, cfg_mode_i, cfg_causal_i})))
  for (genvar m = 0; m < NumSubspaces; m++) begin : g_code_chk
    `HYCIM_ASSERT(ReqCodeInRange, req_hs |-> 32'(req_code_i[4*m +: 4]) < NumCentroids)
    `HYCIM_ASSERT(KcCodeInRange, kc_we_i |-> 32'(kc_data_i[4*m +: 4]) < NumCentroids)
  end
  // Output invariants: masked lanes carry 0; last exactly on the beat that reaches S.
  for (genvar l = 0; l < Lanes; l++) begin : g_out_chk
    `HYCIM_ASSERT(MaskedLaneIsZero,
                  (rel_valid_o && !rel_valid_lanes_o[l]) |-> rel_score_o[16*l +: 16] == 16'd0)
  end
  `HYCIM_ASSERT(LastAtTheEnd,
                rel_valid_o |-> (rel_last_o == ((32'(rel_base_o) + Lanes) >= 32'(cfg_num_keys_i))))
  `HYCIM_COVER(CoverBackToBackRows, req_hs && act_q)
  `HYCIM_COVER(CoverOutputStall, rel_valid_o && !rel_ready_i)

endmodule
