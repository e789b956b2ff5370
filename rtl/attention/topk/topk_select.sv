// topk_select: exact top-k selection of the sparse attention path (docs/attention/topk.md).
//
// Per query row it takes the relevance stream of relevance_unit (NB = ceil(S/Lanes) beats of
// Lanes scores, in key order) and gives the kept key indices, ascending, packed from lane 0, in
// exactly NO = ceil(k/OutLanes) beats (padding lanes: lane-valid 0, index 0). The rule (golden:
// hycim::golden::topk_select, golden/attention/topk.h): valid forced keys (key 0 with
// cfg_force_first_i, key row with cfg_force_diag_i) are kept and take slots; the remaining
// need = k - #forced-kept slots go to the valid non-forced keys with the highest score, equal
// scores to the lower index; with fewer such keys all are kept.
//
// Algorithm: a two-level radix select on u = score + 2048 (12 bits) over a row pipeline of four
// stages, each holding one row:
//   S1 input   NB cycles: stores the row (u and valid per lane) in one of three row-buffer slots
//              and counts the high histogram (64 bins on u[11:6]) of the non-forced valid keys;
//   S2 pass 2  NB + 1 cycles: cycle 0 selects the high bin H (topk_bin_select) from S1's
//              histogram, cycles 1..NB read the stored row and count the low histogram (64 bins on
//              u[5:0]) of the keys in bin H;
//   S3 emit    NB + 1 cycles: cycle 0 selects the threshold T = {H, L} and the number of ties at T
//              to take, cycles 1..NB read the row again, mark the kept keys (u > T, the first ties
//              at u == T in index order, forced keys) and append their indices to one of two
//              kept-index slots;
//   S4 output  NO cycles: one output beat per cycle from the kept-index slot.
// A row moves on at the edge where its stage finishes and the next stage is free or finishes in
// the same cycle; S1 takes the last beat of a row only in such a cycle (in_ready_o depends on
// out_ready_i through the stages, never the other way round). S2 (S3) reads the histogram that
// S1 (S2) left in its counters in the cycle right after the hand-over: that stage only clears them
// at the end of that cycle, so the histograms are not copied.
//
// Timing (hycim::golden::TopkPipeModel replays it): input always valid and output always ready
// give one row per max(NB + 1, NO) cycles; the first row's last output beat is handed over
// 3*NB + 1 + NO cycles after its first input beat.
//
// Configuration (cfg_*) is stable while a row is in the unit; the stream of section 1 of the
// interface is trusted for lane validity, and in_last_i / in_base_i / in_row_i are checked against
// the beat count by assertions (the beat count from cfg_num_keys_i is what the unit follows).

`include "hycim_assert.svh"

module topk_select #(
  parameter int unsigned Lanes     = 4,   // input lanes (RelevanceLanes)
  parameter int unsigned OutLanes  = 4,   // output lanes (SramBanks)
  parameter int unsigned SeqLenMax = 64,  // S at most
  localparam int unsigned IdxW = $clog2(SeqLenMax),
  localparam int unsigned CntW = $clog2(SeqLenMax + 1)
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,
  // Configuration, stable while rows are in flight
  input  logic [CntW-1:0]            cfg_k_i,          // 1..S
  input  logic                       cfg_force_first_i,
  input  logic                       cfg_force_diag_i,
  input  logic [CntW-1:0]            cfg_num_keys_i,   // S, 1..SeqLenMax
  // Relevance scores in: ceil(S/Lanes) beats per row
  input  logic                       in_valid_i,
  output logic                       in_ready_o,
  input  logic [Lanes*16-1:0]        in_score_i,       // signed, [-2048, 2047] on valid lanes
  input  logic [Lanes-1:0]           in_valid_lanes_i,
  input  logic [IdxW-1:0]            in_base_i,
  input  logic [IdxW-1:0]            in_row_i,
  input  logic                       in_last_i,
  // Kept indices out: ceil(k/OutLanes) beats per row
  output logic                       out_valid_o,
  input  logic                       out_ready_i,
  output logic [OutLanes*IdxW-1:0]   out_idx_o,
  output logic [OutLanes-1:0]        out_valid_lanes_o,
  output logic [IdxW-1:0]            out_row_o,
  output logic                       out_last_o
);

  localparam int unsigned NumBins = 64;
  localparam int unsigned UW      = 12;                                // u = r + 2048
  localparam int unsigned LaneW   = UW + 1;                            // {valid, u}
  localparam int unsigned NbMax   = (SeqLenMax + Lanes - 1) / Lanes;   // input beats, at most
  localparam int unsigned NoMax   = (SeqLenMax + OutLanes - 1) / OutLanes;
  localparam int unsigned BeatW   = $clog2(NbMax + 1);                 // counts 0..NB
  localparam int unsigned OBeatW  = $clog2(NoMax + 1);
  localparam int unsigned KeyW    = $clog2(NbMax * Lanes + 1);          // key of any lane
  localparam int unsigned RDepth  = 3 * NbMax;                         // three row slots
  localparam int unsigned RAW     = $clog2(RDepth);
  localparam int unsigned KSlot   = NoMax * OutLanes;                  // entries per kept slot
  localparam int unsigned KDepth  = 2 * KSlot;                         // two kept slots
  localparam int unsigned KAW     = $clog2(KDepth);
  localparam int unsigned HistW   = NumBins * CntW;

  localparam logic [1:0] ModeNone = 2'd0;  // need = 0: forced keys only
  localparam logic [1:0] ModeAll  = 2'd1;  // need >= eligible keys: every valid key
  localparam logic [1:0] ModeThr  = 2'd2;  // threshold T and ties

  // ---- Row lengths from the configuration ------------------------------------------------------
  logic [BeatW-1:0]  nb;   // ceil(S / Lanes)
  logic [OBeatW-1:0] no;   // ceil(k / OutLanes)
  assign nb = BeatW'((32'(cfg_num_keys_i) + Lanes - 1) / Lanes);
  assign no = OBeatW'((32'(cfg_k_i) + OutLanes - 1) / OutLanes);

  // ---- Storage ---------------------------------------------------------------------------------
  logic [Lanes*LaneW-1:0] rbuf_q [RDepth];
  logic [IdxW-1:0]        kbuf_q [KDepth];
  logic                   rbuf_we;
  logic [RAW-1:0]         rbuf_waddr;
  logic [Lanes*LaneW-1:0] rbuf_wdata;
  logic [Lanes-1:0]       kbuf_we;
  logic [Lanes*KAW-1:0]   kbuf_waddr;
  logic [Lanes*IdxW-1:0]  kbuf_wdata;

  // ---- Stage state -----------------------------------------------------------------------------
  // S1
  logic [BeatW-1:0] s1_beat_q, s1_beat_d;
  logic [1:0]       s1_slot_q, s1_slot_d;
  logic [IdxW-1:0]  s1_row_q, s1_row_d;
  logic [HistW-1:0] hist_hi_q, hist_hi_d;
  logic [CntW-1:0]  s1_elig_q, s1_elig_d;    // valid non-forced keys
  logic [1:0]       s1_forced_q, s1_forced_d;  // valid forced keys
  // S2
  logic             s2_busy_q, s2_busy_d;
  logic [BeatW-1:0] s2_cyc_q, s2_cyc_d;
  logic [1:0]       s2_slot_q, s2_slot_d;
  logic [IdxW-1:0]  s2_row_q, s2_row_d;
  logic [CntW-1:0]  s2_need_q, s2_need_d;    // k - forced kept
  logic [CntW-1:0]  s2_elig_q, s2_elig_d;
  logic [1:0]       s2_mode_q, s2_mode_d;
  logic [5:0]       s2_hbin_q, s2_hbin_d;
  logic [CntW-1:0]  s2_rem_q, s2_rem_d;      // need - keys above bin H
  logic [HistW-1:0] hist_lo_q, hist_lo_d;
  // S3
  logic             s3_busy_q, s3_busy_d;
  logic [BeatW-1:0] s3_cyc_q, s3_cyc_d;
  logic [1:0]       s3_slot_q, s3_slot_d;
  logic [IdxW-1:0]  s3_row_q, s3_row_d;
  logic [1:0]       s3_mode_q, s3_mode_d;
  logic [5:0]       s3_hbin_q, s3_hbin_d;
  logic [CntW-1:0]  s3_rem_q, s3_rem_d;
  logic [UW-1:0]    s3_thr_q, s3_thr_d;
  logic [CntW-1:0]  s3_ties_q, s3_ties_d;    // keys at u == T to take
  logic [CntW-1:0]  s3_tseen_q, s3_tseen_d;  // keys at u == T seen so far
  logic [CntW-1:0]  s3_cnt_q, s3_cnt_d;      // keys kept so far
  logic             s3_kslot_q, s3_kslot_d;
  // S4
  logic              s4_busy_q, s4_busy_d;
  logic [OBeatW-1:0] s4_beat_q, s4_beat_d;
  logic [CntW-1:0]   s4_cnt_q, s4_cnt_d;
  logic              s4_kslot_q, s4_kslot_d;
  logic [IdxW-1:0]   s4_row_q, s4_row_d;

  // ---- Hand-over chain (from the output back to the input) ---------------------------------
  logic s4_fin, s4_free, s3_fin, s3_free, s2_fin, s2_free, in_hs, s1_fin;
  assign s4_fin     = s4_busy_q && (s4_beat_q == no - 1'b1) && out_ready_i;
  assign s4_free    = !s4_busy_q || s4_fin;
  assign s3_fin     = s3_busy_q && (s3_cyc_q == nb) && s4_free;
  assign s3_free    = !s3_busy_q || s3_fin;
  assign s2_fin     = s2_busy_q && (s2_cyc_q == nb) && s3_free;
  assign s2_free    = !s2_busy_q || s2_fin;
  assign in_ready_o = (s1_beat_q != nb - 1'b1) || s2_free;
  assign in_hs      = in_valid_i && in_ready_o;
  assign s1_fin     = in_hs && (s1_beat_q == nb - 1'b1);

  // ---- S1: input beat ------------------------------------------------------------------------
  logic [IdxW-1:0]  s1_row_cur;
  logic [Lanes-1:0] s1_elig, s1_forced;
  logic [KeyW-1:0]  s1_key;
  logic [UW-1:0]    s1_u;
  logic [CntW-1:0]  s1_bin_inc;

  assign s1_row_cur = (s1_beat_q == '0) ? in_row_i : s1_row_q;

  always_comb begin
    s1_elig    = '0;
    s1_forced  = '0;
    rbuf_wdata = '0;
    for (int unsigned l = 0; l < Lanes; l++) begin
      s1_key = KeyW'(32'(s1_beat_q) * Lanes + l);
      // u = r + 2048 for r in [-2048, 2047]: the sign bit inverted.
      s1_u   = {~in_score_i[l*16+11], in_score_i[l*16 +: 11]};
      s1_forced[l] = in_valid_lanes_i[l] &&
                     ((cfg_force_first_i && s1_key == '0) ||
                      (cfg_force_diag_i && s1_key == KeyW'(s1_row_cur)));
      s1_elig[l]   = in_valid_lanes_i[l] && !s1_forced[l];
      rbuf_wdata[l*LaneW +: LaneW] = {in_valid_lanes_i[l], s1_u};
    end
  end

  always_comb begin
    s1_beat_d   = s1_beat_q;
    s1_slot_d   = s1_slot_q;
    s1_row_d    = s1_row_q;
    hist_hi_d   = hist_hi_q;
    s1_elig_d   = s1_elig_q;
    s1_forced_d = s1_forced_q;
    s1_bin_inc  = '0;
    if (in_hs) begin
      s1_row_d = s1_row_cur;
      // The first beat of a row starts from empty counters.
      if (s1_beat_q == '0) begin
        hist_hi_d   = '0;
        s1_elig_d   = '0;
        s1_forced_d = '0;
      end
      for (int unsigned b = 0; b < NumBins; b++) begin
        s1_bin_inc = '0;
        for (int unsigned l = 0; l < Lanes; l++) begin
          if (s1_elig[l] && ({~in_score_i[l*16+11], in_score_i[l*16+10 -: 5]} == 6'(b))) begin
            s1_bin_inc = s1_bin_inc + 1'b1;
          end
        end
        hist_hi_d[b*CntW +: CntW] = hist_hi_d[b*CntW +: CntW] + s1_bin_inc;
      end
      for (int unsigned l = 0; l < Lanes; l++) begin
        s1_elig_d   = s1_elig_d + CntW'(s1_elig[l]);
        s1_forced_d = s1_forced_d + 2'(s1_forced[l]);
      end
      if (s1_fin) begin
        s1_beat_d = '0;
        s1_slot_d = (s1_slot_q == 2'd2) ? 2'd0 : s1_slot_q + 1'b1;
      end else begin
        s1_beat_d = s1_beat_q + 1'b1;
      end
    end
  end

  assign rbuf_we    = in_hs;
  assign rbuf_waddr = RAW'(32'(s1_slot_q) * NbMax + 32'(s1_beat_q));

  // ---- S2: select the high bin, then the low histogram ---------------------------------------
  logic                   hi_found;
  logic [5:0]             hi_bin;
  logic [CntW-1:0]        hi_above;
  logic [Lanes*LaneW-1:0] s2_word;
  logic [BeatW-1:0]       s2_rbeat;  // the beat read in cycles 1..NB
  logic [KeyW-1:0]        s2_key;
  logic [Lanes-1:0]       s2_in_bin;
  logic [CntW-1:0]        s2_bin_inc;

  topk_bin_select #(.NumBins(NumBins), .CntW(CntW)) u_sel_hi (
    .hist_i (hist_hi_q),
    .need_i (s2_need_q),
    .found_o(hi_found),
    .bin_o  (hi_bin),
    .above_o(hi_above)
  );

  assign s2_rbeat = s2_cyc_q - 1'b1;
  assign s2_word  = rbuf_q[RAW'(32'(s2_slot_q) * NbMax + 32'(s2_rbeat))];

  always_comb begin
    s2_in_bin = '0;
    for (int unsigned l = 0; l < Lanes; l++) begin
      s2_key = KeyW'(32'(s2_rbeat) * Lanes + l);
      s2_in_bin[l] = s2_word[l*LaneW + UW] &&
                     !((cfg_force_first_i && s2_key == '0) ||
                       (cfg_force_diag_i && s2_key == KeyW'(s2_row_q))) &&
                     (s2_word[l*LaneW + 6 +: 6] == s2_hbin_q);
    end
  end

  always_comb begin
    s2_busy_d  = s2_busy_q;
    s2_cyc_d   = s2_cyc_q;
    s2_slot_d  = s2_slot_q;
    s2_row_d   = s2_row_q;
    s2_need_d  = s2_need_q;
    s2_elig_d  = s2_elig_q;
    s2_mode_d  = s2_mode_q;
    s2_hbin_d  = s2_hbin_q;
    s2_rem_d   = s2_rem_q;
    hist_lo_d  = hist_lo_q;
    s2_bin_inc = '0;
    if (s2_busy_q) begin
      if (s2_cyc_q == '0) begin
        // Select cycle: hist_hi_q still holds this row's high histogram.
        if (s2_need_q == '0) begin
          s2_mode_d = ModeNone;
        end else if (s2_need_q >= s2_elig_q) begin
          s2_mode_d = ModeAll;
        end else begin
          s2_mode_d = ModeThr;
        end
        s2_hbin_d = hi_bin;
        s2_rem_d  = s2_need_q - hi_above;
        hist_lo_d = '0;
        s2_cyc_d  = s2_cyc_q + 1'b1;
      end else begin
        for (int unsigned b = 0; b < NumBins; b++) begin
          s2_bin_inc = '0;
          for (int unsigned l = 0; l < Lanes; l++) begin
            if (s2_in_bin[l] && (s2_word[l*LaneW +: 6] == 6'(b))) begin
              s2_bin_inc = s2_bin_inc + 1'b1;
            end
          end
          hist_lo_d[b*CntW +: CntW] = hist_lo_q[b*CntW +: CntW] + s2_bin_inc;
        end
        // At the last beat the counters (and the stage) only move with the hand-over.
        if (s2_cyc_q != nb) begin
          s2_cyc_d = s2_cyc_q + 1'b1;
        end else if (!s2_fin) begin
          hist_lo_d = hist_lo_q;
        end
      end
    end
    if (s2_fin) begin
      s2_busy_d = 1'b0;
    end
    if (s1_fin) begin
      s2_busy_d = 1'b1;
      s2_cyc_d  = '0;
      s2_slot_d = s1_slot_q;
      s2_row_d  = s1_row_cur;
      s2_need_d = cfg_k_i - CntW'(s1_forced_d);
      s2_elig_d = s1_elig_d;
    end
  end

  // ---- S3: select the threshold, then mark and compact --------------------------------------
  logic                   lo_found;
  logic [5:0]             lo_bin;
  logic [CntW-1:0]        lo_above;
  logic [Lanes*LaneW-1:0] s3_word;
  logic [BeatW-1:0]       s3_rbeat;
  logic [KeyW-1:0]        s3_key;
  logic [UW-1:0]          s3_u;
  logic                   s3_forced;
  logic [Lanes-1:0]       s3_keep;
  logic [CntW-1:0]        s3_pos;    // kept position of a lane
  logic [CntW-1:0]        s3_trank;  // tie rank of a lane

  topk_bin_select #(.NumBins(NumBins), .CntW(CntW)) u_sel_lo (
    .hist_i (hist_lo_q),
    .need_i (s3_rem_q),
    .found_o(lo_found),
    .bin_o  (lo_bin),
    .above_o(lo_above)
  );

  assign s3_rbeat = s3_cyc_q - 1'b1;
  assign s3_word  = rbuf_q[RAW'(32'(s3_slot_q) * NbMax + 32'(s3_rbeat))];

  always_comb begin
    s3_keep    = '0;
    s3_pos     = s3_cnt_q;
    s3_trank   = s3_tseen_q;
    kbuf_we    = '0;
    kbuf_waddr = '0;
    kbuf_wdata = '0;
    s3_key     = '0;
    s3_u       = '0;
    s3_forced  = 1'b0;
    for (int unsigned l = 0; l < Lanes; l++) begin
      s3_key    = KeyW'(32'(s3_rbeat) * Lanes + l);
      s3_u      = s3_word[l*LaneW +: UW];
      s3_forced = (cfg_force_first_i && s3_key == '0) ||
                  (cfg_force_diag_i && s3_key == KeyW'(s3_row_q));
      if (s3_word[l*LaneW + UW]) begin
        if (s3_forced || s3_mode_q == ModeAll) begin
          s3_keep[l] = 1'b1;
        end else if (s3_mode_q == ModeThr) begin
          if (s3_u > s3_thr_q) begin
            s3_keep[l] = 1'b1;
          end else if (s3_u == s3_thr_q) begin
            s3_keep[l] = s3_trank < s3_ties_q;
            s3_trank   = s3_trank + 1'b1;
          end
        end
      end
      kbuf_we[l] = s3_busy_q && (s3_cyc_q != '0) && s3_keep[l];
      kbuf_waddr[l*KAW +: KAW] = KAW'(32'(s3_kslot_q) * KSlot + 32'(s3_pos));
      kbuf_wdata[l*IdxW +: IdxW] = s3_key[IdxW-1:0];
      s3_pos = s3_pos + CntW'(s3_keep[l]);
    end
  end

  always_comb begin
    s3_busy_d  = s3_busy_q;
    s3_cyc_d   = s3_cyc_q;
    s3_slot_d  = s3_slot_q;
    s3_row_d   = s3_row_q;
    s3_mode_d  = s3_mode_q;
    s3_hbin_d  = s3_hbin_q;
    s3_rem_d   = s3_rem_q;
    s3_thr_d   = s3_thr_q;
    s3_ties_d  = s3_ties_q;
    s3_tseen_d = s3_tseen_q;
    s3_cnt_d   = s3_cnt_q;
    s3_kslot_d = s3_kslot_q;
    if (s3_busy_q) begin
      if (s3_cyc_q == '0) begin
        // Select cycle: hist_lo_q still holds this row's low histogram.
        s3_thr_d   = {s3_hbin_q, lo_bin};
        s3_ties_d  = s3_rem_q - lo_above;
        s3_tseen_d = '0;
        s3_cnt_d   = '0;
        s3_cyc_d   = s3_cyc_q + 1'b1;
      end else if (s3_cyc_q != nb) begin
        s3_tseen_d = s3_trank;
        s3_cnt_d   = s3_pos;
        s3_cyc_d   = s3_cyc_q + 1'b1;
      end
    end
    if (s3_fin) begin
      s3_busy_d  = 1'b0;
      s3_kslot_d = !s3_kslot_q;
    end
    if (s2_fin) begin
      s3_busy_d = 1'b1;
      s3_cyc_d  = '0;
      s3_slot_d = s2_slot_q;
      s3_row_d  = s2_row_q;
      s3_mode_d = s2_mode_q;
      s3_hbin_d = s2_hbin_q;
      s3_rem_d  = s2_rem_q;
    end
  end

  // ---- S4: output beats ----------------------------------------------------------------------
  always_comb begin
    s4_busy_d  = s4_busy_q;
    s4_beat_d  = s4_beat_q;
    s4_cnt_d   = s4_cnt_q;
    s4_kslot_d = s4_kslot_q;
    s4_row_d   = s4_row_q;
    if (s4_busy_q && out_ready_i) begin
      s4_beat_d = s4_beat_q + 1'b1;
    end
    if (s4_fin) begin
      s4_busy_d = 1'b0;
    end
    if (s3_fin) begin
      s4_busy_d  = 1'b1;
      s4_beat_d  = '0;
      s4_cnt_d   = s3_pos;
      s4_kslot_d = s3_kslot_q;
      s4_row_d   = s3_row_q;
    end
  end

  localparam int unsigned PW = CntW + 1;
  logic [PW-1:0] s4_p;  // kept position of an output lane
  always_comb begin
    out_idx_o         = '0;
    out_valid_lanes_o = '0;
    s4_p              = '0;
    for (int unsigned o = 0; o < OutLanes; o++) begin
      s4_p = PW'(32'(s4_beat_q) * OutLanes + o);
      if (s4_p < {1'b0, s4_cnt_q}) begin
        out_valid_lanes_o[o]      = 1'b1;
        out_idx_o[o*IdxW +: IdxW] = kbuf_q[KAW'(32'(s4_kslot_q) * KSlot + 32'(s4_p))];
      end
    end
  end

  assign out_valid_o = s4_busy_q;
  assign out_row_o   = s4_row_q;
  assign out_last_o  = s4_beat_q == no - 1'b1;

  // ---- Registers -------------------------------------------------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_beat_q   <= '0;
      s1_slot_q   <= '0;
      s1_row_q    <= '0;
      hist_hi_q   <= '0;
      s1_elig_q   <= '0;
      s1_forced_q <= '0;
      s2_busy_q   <= 1'b0;
      s2_cyc_q    <= '0;
      s2_slot_q   <= '0;
      s2_row_q    <= '0;
      s2_need_q   <= '0;
      s2_elig_q   <= '0;
      s2_mode_q   <= ModeNone;
      s2_hbin_q   <= '0;
      s2_rem_q    <= '0;
      hist_lo_q   <= '0;
      s3_busy_q   <= 1'b0;
      s3_cyc_q    <= '0;
      s3_slot_q   <= '0;
      s3_row_q    <= '0;
      s3_mode_q   <= ModeNone;
      s3_hbin_q   <= '0;
      s3_rem_q    <= '0;
      s3_thr_q    <= '0;
      s3_ties_q   <= '0;
      s3_tseen_q  <= '0;
      s3_cnt_q    <= '0;
      s3_kslot_q  <= 1'b0;
      s4_busy_q   <= 1'b0;
      s4_beat_q   <= '0;
      s4_cnt_q    <= '0;
      s4_kslot_q  <= 1'b0;
      s4_row_q    <= '0;
    end else begin
      s1_beat_q   <= s1_beat_d;
      s1_slot_q   <= s1_slot_d;
      s1_row_q    <= s1_row_d;
      hist_hi_q   <= hist_hi_d;
      s1_elig_q   <= s1_elig_d;
      s1_forced_q <= s1_forced_d;
      s2_busy_q   <= s2_busy_d;
      s2_cyc_q    <= s2_cyc_d;
      s2_slot_q   <= s2_slot_d;
      s2_row_q    <= s2_row_d;
      s2_need_q   <= s2_need_d;
      s2_elig_q   <= s2_elig_d;
      s2_mode_q   <= s2_mode_d;
      s2_hbin_q   <= s2_hbin_d;
      s2_rem_q    <= s2_rem_d;
      hist_lo_q   <= hist_lo_d;
      s3_busy_q   <= s3_busy_d;
      s3_cyc_q    <= s3_cyc_d;
      s3_slot_q   <= s3_slot_d;
      s3_row_q    <= s3_row_d;
      s3_mode_q   <= s3_mode_d;
      s3_hbin_q   <= s3_hbin_d;
      s3_rem_q    <= s3_rem_d;
      s3_thr_q    <= s3_thr_d;
      s3_ties_q   <= s3_ties_d;
      s3_tseen_q  <= s3_tseen_d;
      s3_cnt_q    <= s3_cnt_d;
      s3_kslot_q  <= s3_kslot_d;
      s4_busy_q   <= s4_busy_d;
      s4_beat_q   <= s4_beat_d;
      s4_cnt_q    <= s4_cnt_d;
      s4_kslot_q  <= s4_kslot_d;
      s4_row_q    <= s4_row_d;
    end
  end

  // Buffers need no reset: a row slot is read only after S1 wrote it for that row, a kept entry
  // only below the count S3 wrote for that row.
  always_ff @(posedge clk_i) begin
    if (rbuf_we) begin
      rbuf_q[rbuf_waddr] <= rbuf_wdata;
    end
    for (int unsigned l = 0; l < Lanes; l++) begin
      if (kbuf_we[l]) begin
        kbuf_q[kbuf_waddr[l*KAW +: KAW]] <= kbuf_wdata[l*IdxW +: IdxW];
      end
    end
  end

  // ---- Assertions ------------------------------------------------------------------------------
`ifndef SYNTHESIS
  logic busy;
  logic [1:0] n_forces;
  assign busy     = (s1_beat_q != '0) || s2_busy_q || s3_busy_q || s4_busy_q;
  assign n_forces = 2'(cfg_force_first_i) + 2'(cfg_force_diag_i);
`endif

  `HYCIM_ASSERT_INIT(SeqLenMaxAtLeastTwo, SeqLenMax >= 2, "SeqLenMax must be at least 2")
  `HYCIM_ASSERT_INIT(LanesNonZero, Lanes >= 1 && OutLanes >= 1, "Lanes and OutLanes >= 1")

  `HYCIM_ASSERT_STREAM_IN(InStream, in_valid_i, in_ready_o,
                          {in_score_i, in_valid_lanes_i, in_base_i, in_row_i, in_last_i})
  `HYCIM_ASSERT_STREAM(OutStream, out_valid_o, out_ready_i,
                       {out_idx_o, out_valid_lanes_o, out_row_o, out_last_o})
  // The configuration holds while a row is in the unit, and is legal whenever it is used.
  `HYCIM_ASSERT(CfgStableWhileBusy,
                busy |-> $stable({cfg_k_i, cfg_force_first_i, cfg_force_diag_i, cfg_num_keys_i}))
  `HYCIM_ASSERT(CfgLegal, (busy || in_valid_i) |->
                (cfg_num_keys_i >= 1 && 32'(cfg_num_keys_i) <= SeqLenMax && cfg_k_i >= 1 &&
                 cfg_k_i <= cfg_num_keys_i && cfg_k_i >= CntW'(n_forces)))
  // The input stream follows the row length of cfg_num_keys_i.
  `HYCIM_ASSERT(InLastMatchesRowLength, in_valid_i |-> (in_last_i == (s1_beat_q == nb - 1'b1)))
  `HYCIM_ASSERT(InBaseMatchesBeat, in_valid_i |-> (32'(in_base_i) == 32'(s1_beat_q) * Lanes))
  `HYCIM_ASSERT(InRowHeldWithinRow, (in_valid_i && s1_beat_q != '0) |-> (in_row_i == s1_row_q))
  for (genvar l = 0; l < Lanes; l++) begin : g_in_lane
    `HYCIM_ASSERT(InScoreIn12Bits, (in_valid_i && in_valid_lanes_i[l]) |->
                  (in_score_i[l*16+11 +: 5] == '0 || in_score_i[l*16+11 +: 5] == '1))
    `HYCIM_ASSERT(InLaneWithinRow, (in_valid_i && in_valid_lanes_i[l]) |->
                  (32'(s1_beat_q) * Lanes + l < 32'(cfg_num_keys_i)))
  end
  // Internal invariants.
  `HYCIM_ASSERT(BeatInRow, (busy || in_valid_i) |-> s1_beat_q < nb)
  `HYCIM_ASSERT(StageCyclesInRange, (!s2_busy_q || s2_cyc_q <= nb) && (!s3_busy_q || s3_cyc_q <= nb))
  `HYCIM_ASSERT(ForcedWithinK, s1_fin |-> CntW'(s1_forced_d) <= cfg_k_i)
  `HYCIM_ASSERT(HighBinFound, (s2_busy_q && s2_cyc_q == '0 && s2_need_q != '0 &&
                               s2_need_q < s2_elig_q) |-> hi_found)
  `HYCIM_ASSERT(LowBinFound, (s3_busy_q && s3_cyc_q == '0 && s3_mode_q == ModeThr) |-> lo_found)
  `HYCIM_ASSERT(KeptWithinK, (s3_busy_q && s3_cyc_q != '0) |-> s3_pos <= cfg_k_i)
  `HYCIM_ASSERT(ThresholdKeepsExactlyNeed, s3_fin |-> (s3_mode_q != ModeThr ||
                                                       s3_pos == cfg_k_i))
  `HYCIM_COVER(CoverTies, s3_busy_q && s3_mode_q == ModeThr && s3_ties_q > 1)
  `HYCIM_COVER(CoverOutputBound, s3_busy_q && s3_cyc_q == nb && !s4_free)

endmodule
