// attn_top: one sparse-attention head (docs/architecture.md section 2, HARDSEA's flow), as a
// HyCIM top: APB registers with an ERR register, one input stream carrying the head's K, V and Q
// rows, one output stream of attention rows, the crossbar ports of its PQ encoders (answered by
// the analog model) and observation ports for the bench. Register map, schedule, counters and
// the decisions behind them: docs/attention/attn_top.md. Golden model:
// golden/attention/attn_head.h.
//
// A start checks the configuration (an illegal one sets its ERR bits and DONE and touches
// nothing). A legal start first programs its sub-units over an internal APB: the softmax
// (LEN = k, ROWS = S, UQ0.16 output) and, in sparse mode, every encoder that gets tokens (token j
// goes to encoder j mod Encoders). The input stream then carries S K rows, S V rows and S Q rows
// (Dim INT8 per beat, element 0 in bits 7:0, in_last on the last Q row). K rows go to the K
// array of the SRAM-CIM and to the encoders (K crossbar), V rows to the V array, Q rows to the Q
// buffer and to the encoders (Q crossbar; each encoder is restarted for Q when its K run ends).
// Codes land in the relevance unit (K) and in the Q code buffer (Q).
//
// Query rows then flow through a pipeline, consecutive rows overlapping:
//   relevance_unit (row i against all K codes, RelLanes keys per cycle)
//   -> topk_select (k kept indices, ascending, Banks per beat)
//   -> sram_cim QK (exact INT32 scores of the kept keys, one bank read per key)
//   -> scale: x = sat16(rnd_shr(s * SM_MULT, SM_SHIFT)), Q7.8 of the log2 domain
//   -> softmax_unit (forward, UQ0.16), its kept indices waiting in a queue beside it
//   -> sram_cim AV (sum p * V over the kept keys, requantized to INT8) -> out row i.
// Row i starts when its Q code is there and every K code is (sparse), or when its Q row is
// (dense). Dense mode (MODE.DENSE) is the baseline on the same datapath: no encoding, and an
// index generator in place of relevance and top-k that keeps every unmasked key (k = S).
// DONE rises with the last output row.

`include "hycim_assert.svh"
`include "hycim_ports.svh"

module attn_top #(
  parameter int unsigned Dim          = 64,   // D, elements per Q/K/V row
  parameter int unsigned NumSubspaces = 8,    // M
  parameter int unsigned NumCentroids = 16,   // C (4-bit codes)
  parameter int unsigned SeqLenMax    = 64,
  parameter int unsigned RelLanes     = 4,    // relevance keys per cycle
  parameter int unsigned Banks        = 4,    // SRAM-CIM banks = lanes of the row streams
  parameter int unsigned QueueDepth   = 2,    // SRAM-CIM request queue per bank
  parameter int unsigned Encoders     = 2,    // PQ encoder instances (power of two)
  parameter int unsigned SmLanes      = 8,    // softmax lanes: Banks, or 2 Banks behind a gearbox
  parameter int unsigned TickWidth    = 10,
  parameter int unsigned InBits       = 4,
  parameter int unsigned ApbAddrWidth = 12,
  localparam int unsigned IdxW    = $clog2(SeqLenMax),
  localparam int unsigned CodeW   = 4 * NumSubspaces,
  localparam int unsigned XbRows  = Dim + 1,
  localparam int unsigned NumCols = NumSubspaces * NumCentroids
) (
  input  logic                                  clk_i,
  input  logic                                  rst_ni,
  // APB4 register port
  `HYCIM_APB_PORTS(ApbAddrWidth),
  // Input stream: S K rows, S V rows, S Q rows
  input  logic                                  in_valid_i,
  output logic                                  in_ready_o,
  input  logic [8*Dim-1:0]                      in_data_i,
  input  logic                                  in_last_i,
  // Output stream: one attention row per query, INT8
  output logic                                  out_valid_o,
  input  logic                                  out_ready_i,
  output logic [8*Dim-1:0]                      out_data_o,
  output logic [IdxW-1:0]                       out_row_o,
  output logic                                  out_last_o,
  // Crossbar ports of the encoders: instance e in slice e of each vector
  output logic [Encoders-1:0]                   xb_sel_o,
  output logic [Encoders-1:0]                   xb_eval_o,
  output logic [Encoders*InBits*XbRows-1:0]     xb_level_o,
  input  logic [Encoders*NumCols-1:0]           fire_i,
  output logic [Encoders*NumSubspaces-1:0]      grp_stop_o,
  output logic [Encoders*TickWidth-1:0]         xb_tick_o,
  // Observation ports (no back-pressure: each pulses with a handshake inside)
  output logic                                  mon_code_valid_o,  // a code is stored
  output logic                                  mon_code_sel_o,    // 0 Q, 1 K
  output logic [IdxW-1:0]                       mon_code_idx_o,
  output logic [CodeW-1:0]                      mon_code_o,
  output logic                                  mon_rel_valid_o,   // relevance -> top-k
  output logic [RelLanes*16-1:0]                mon_rel_score_o,
  output logic [RelLanes-1:0]                   mon_rel_lanes_o,
  output logic [IdxW-1:0]                       mon_rel_row_o,
  output logic                                  mon_rel_last_o,
  output logic                                  mon_kept_valid_o,  // kept indices -> QK
  output logic [Banks*IdxW-1:0]                 mon_kept_idx_o,
  output logic [Banks-1:0]                      mon_kept_lanes_o,
  output logic [IdxW-1:0]                       mon_kept_row_o,
  output logic                                  mon_kept_last_o,
  output logic                                  mon_score_valid_o, // QK scores -> softmax
  output logic [Banks*32-1:0]                   mon_score_o,
  output logic [Banks-1:0]                      mon_score_lanes_o,
  output logic                                  mon_score_last_o,
  output logic                                  mon_prob_valid_o,  // softmax -> AV
  output logic [Banks*16-1:0]                   mon_prob_o,
  output logic                                  mon_prob_last_o,
  // Level: the last start has finished (legal or not)
  output logic                                  done_o
);

  localparam int unsigned SubDim   = Dim / NumSubspaces;
  localparam int unsigned SubDimW  = $clog2(SubDim);
  localparam int unsigned EncW     = (Encoders > 1) ? $clog2(Encoders) : 1;
  localparam int unsigned EncLog   = $clog2(Encoders);
  localparam int unsigned EncSeq   = SeqLenMax / Encoders;  // tokens per encoder, at most
  localparam int unsigned EncIdxW  = $clog2(EncSeq);
  localparam int unsigned BankLog  = $clog2(Banks);
  localparam int unsigned LenW     = $clog2(SeqLenMax + 1);
  localparam int unsigned InCntW   = $clog2(3 * SeqLenMax + 1);
  localparam int unsigned SubAw    = 12;                     // sub-unit APB address width
  localparam int unsigned MaxBeats = (SeqLenMax + Banks - 1) / Banks;
  // The kept indices wait beside the softmax: it holds up to three rows (LOAD, MID, OUT) and
  // the QK engine a few beats more; one row more keeps top-k streaming (docs: the index queue).
  localparam int unsigned IdxQDepth = 4 * MaxBeats + 2 * QueueDepth + 4;
  localparam int unsigned KeptW     = Banks * IdxW + Banks + IdxW + 1;

  // ---------------------------------------------------------------------------------------
  // Registers and run control: generated from attn_top.regs.toml (scripts/gen_regs.py)
  logic        start, busy, finish;
  logic [31:0] seq_len, topk, mode, head_dim, enc_shift, enc_tmax, sm_shift, av_shift, tbl_addr;
  logic [15:0] sm_mult, av_mult, tbl_data;
  logic        tbl_data_we;
  logic [31:0] cnt_rows_out_q, cnt_kenc_q, cnt_rows_q, cnt_ties_q, cnt_timeouts_q;
  logic [31:0] cnt_rel_q, cnt_rel_st_q, cnt_kept_q, cnt_kept_st_q, cnt_score_q, cnt_score_st_q;
  logic [31:0] cnt_prob_q, cnt_prob_st_q;
  logic [31:0] qk_rows_read, qk_stalls, qk_busy, av_rows_read, av_stalls, av_busy;
  logic [31:0] qk_macs, av_macs;  // rows read x Dim: the registers show rows
  logic [31:0] tbl_status;
  logic        m_dense, m_causal, m_match, m_first, m_diag;
  logic [1:0]  n_forced;
  logic        in_hs, in_expect_last, tbl_loaded_q;

  assign m_dense  = mode[0];
  assign m_causal = mode[1];
  assign m_match  = mode[2];
  assign m_first  = mode[3];
  assign m_diag   = mode[4];
  assign n_forced = {1'b0, m_first} + {1'b0, m_diag};

  attn_top_reg_top #(
    .Dim          (Dim),
    .NumSubspaces (NumSubspaces),
    .SeqLenMax    (SeqLenMax),
    .Encoders     (Encoders),
    .Banks        (Banks),
    .RelLanes     (RelLanes),
    .TickWidth    (TickWidth),
    .SmLanes      (SmLanes),
    .ApbAddrWidth (ApbAddrWidth)
  ) u_regs (
    .clk_i,
    .rst_ni,
    `HYCIM_APB_CONNECT,
    .start_o                 (start),
    .busy_o                  (busy),
    .done_o                  (done_o),
    .finish_i                (finish),
    .err_len_zero_i          (seq_len == 32'd0),
    .err_len_too_big_i       (seq_len > 32'(SeqLenMax)),
    .err_bad_mode_i          (mode[31:5] != 27'd0),
    .err_k_zero_i            (!m_dense && topk == 32'd0),
    .err_k_too_big_i         (!m_dense && topk > seq_len),
    .err_k_forced_i          (!m_dense && topk < 32'(n_forced)),
    .err_tables_not_loaded_i (!m_dense && !m_match && !tbl_loaded_q),
    .err_dim_bad_i           (head_dim == 32'd0 || head_dim > 32'(Dim) ||
                              head_dim[SubDimW-1:0] != '0),
    .err_enc_shift_too_big_i (!m_dense && enc_shift > 32'd7),
    .err_enc_tmax_bad_i      (!m_dense && (enc_tmax == 32'd0 ||
                                           enc_tmax > 32'((1 << TickWidth) - 1))),
    .err_shift_too_big_i     (sm_shift > 32'd47 || av_shift > 32'd47),
    .err_last_mismatch_i     (in_hs && (in_last_i != in_expect_last)),
    .err_table_write_busy_i  (tbl_data_we && busy),
    .seq_len_o               (seq_len),
    .topk_o                  (topk),
    .mode_o                  (mode),
    .head_dim_o              (head_dim),
    .enc_shift_o             (enc_shift),
    .enc_tmax_o              (enc_tmax),
    .sm_mult_o               (sm_mult),
    .sm_shift_o              (sm_shift),
    .av_mult_o               (av_mult),
    .av_shift_o              (av_shift),
    .tbl_addr_o              (tbl_addr),
    .tbl_data_o              (tbl_data),
    .tbl_data_we_o           (tbl_data_we),
    .tbl_status_i            (tbl_status),
    .rows_out_i              (cnt_rows_out_q),
    .cyc_kenc_i              (cnt_kenc_q),
    .cyc_rows_i              (cnt_rows_q),
    .enc_ties_i              (cnt_ties_q),
    .enc_timeouts_i          (cnt_timeouts_q),
    .rel_beats_i             (cnt_rel_q),
    .rel_stalls_i            (cnt_rel_st_q),
    .kept_beats_i            (cnt_kept_q),
    .kept_stalls_i           (cnt_kept_st_q),
    .score_beats_i           (cnt_score_q),
    .score_stalls_i          (cnt_score_st_q),
    .prob_beats_i            (cnt_prob_q),
    .prob_stalls_i           (cnt_prob_st_q),
    .qk_rows_read_i          (qk_rows_read),
    .qk_stalls_i             (qk_stalls),
    .qk_busy_i               (qk_busy),
    .av_rows_read_i          (av_rows_read),
    .av_stalls_i             (av_stalls),
    .av_busy_i               (av_busy)
  );

  // Sizes of this run, narrowed (the configuration checks bound them).
  logic [LenW-1:0] s_len, k_len, sm_len;
  logic [IdxW-1:0] s_last;
  assign s_len  = seq_len[LenW-1:0];
  assign k_len  = topk[LenW-1:0];
  assign sm_len = m_dense ? s_len : k_len;
  assign s_last = IdxW'(s_len - LenW'(1));

  // ---------------------------------------------------------------------------------------
  // Relevance table load: TBL_DATA carries two entries; the second goes in the next cycle
  // (APB transfers are at least two cycles apart, so one pending entry is enough).
  localparam int unsigned TblEntries = NumSubspaces * NumCentroids * NumCentroids;
  localparam int unsigned TblAw      = $clog2(TblEntries);
  localparam int unsigned TblPairs   = TblEntries / 2;
  logic [15:0]      tbl_ptr_q, tbl_ptr_d;
  logic             tbl_loaded_d, tbl_hi_q, tbl_hi_d;
  logic [7:0]       tbl_hi_data_q, tbl_hi_data_d;
  logic [TblAw-1:0] tbl_hi_addr_q, tbl_hi_addr_d;
  logic             tbl_we, tbl_write_ok, tbl_addr_we;
  logic [TblAw-1:0] tbl_waddr;
  logic [7:0]       tbl_wdata;

  // A TBL_ADDR write: the register block stores it while idle (it refuses it while busy).
  assign tbl_addr_we  = apb_psel_i && apb_penable_i && apb_pwrite_i && !busy &&
                        (apb_paddr_i == ApbAddrWidth'(attn_top_reg_pkg::TblAddrOffset));
  assign tbl_write_ok = tbl_data_we && !busy && (32'(tbl_ptr_q) < 32'(TblPairs));
  always_comb begin
    tbl_ptr_d     = tbl_ptr_q;
    tbl_loaded_d  = tbl_loaded_q;
    tbl_hi_d      = 1'b0;
    tbl_hi_data_d = tbl_hi_data_q;
    tbl_hi_addr_d = tbl_hi_addr_q;
    tbl_we        = 1'b0;
    tbl_waddr     = tbl_hi_addr_q;
    tbl_wdata     = tbl_hi_data_q;
    if (tbl_hi_q) begin
      tbl_we = 1'b1;
    end
    if (tbl_write_ok) begin
      tbl_we        = 1'b1;
      tbl_waddr     = TblAw'({tbl_ptr_q, 1'b0});
      tbl_wdata     = tbl_data[7:0];
      tbl_hi_d      = 1'b1;
      tbl_hi_data_d = tbl_data[15:8];
      tbl_hi_addr_d = TblAw'({tbl_ptr_q, 1'b1});
      tbl_ptr_d     = tbl_ptr_q + 16'd1;
      if (32'(tbl_ptr_q) == 32'(TblPairs - 1)) tbl_loaded_d = 1'b1;
    end
    if (tbl_addr_we) begin
      tbl_ptr_d    = apb_pwdata_i[15:0];
      tbl_loaded_d = 1'b0;
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tbl_ptr_q     <= '0;
      tbl_loaded_q  <= 1'b0;
      tbl_hi_q      <= 1'b0;
      tbl_hi_data_q <= '0;
      tbl_hi_addr_q <= '0;
    end else begin
      tbl_ptr_q     <= tbl_ptr_d;
      tbl_loaded_q  <= tbl_loaded_d;
      tbl_hi_q      <= tbl_hi_d;
      tbl_hi_data_q <= tbl_hi_data_d;
      tbl_hi_addr_q <= tbl_hi_addr_d;
    end
  end
  assign tbl_status = {tbl_ptr_q, 15'd0, tbl_loaded_q};

  // ---------------------------------------------------------------------------------------
  // Internal APB master: programs the softmax and the encoders (offsets from their generated
  // register packages). Programs: INIT (softmax LEN, ROWS, MODE, CTRL; then per encoder with
  // tokens NUM_TOK, SEL = K, SHIFT, TMAX, GROUPS, CTRL) and QSTART for one encoder (NUM_TOK,
  // SEL = Q, CTRL). Every write takes a setup and an access cycle.
  typedef enum logic [1:0] {
    PrgIdle   = 2'd0,
    PrgInitSm = 2'd1,
    PrgInitEn = 2'd2,
    PrgQStart = 2'd3
  } prg_e;
  typedef enum logic [2:0] {
    EncIdle = 3'd0,  // not started in this run (or no tokens)
    EncK    = 3'd1,  // encoding its K tokens
    EncQWait = 3'd2, // K done, waiting for its Q start
    EncQ    = 3'd3,  // encoding its Q tokens
    EncFin  = 3'd4
  } enc_e;

  prg_e              prg_q, prg_d;
  logic [2:0]        sub_q, sub_d;
  logic [EncW-1:0]   pe_q, pe_d;        // encoder the program writes
  logic              ph_q, ph_d;        // 0 setup, 1 access
  logic              cfg_done_q, cfg_done_d;
  enc_e              enc_st_q [Encoders];
  enc_e              enc_st_d [Encoders];
  logic [Encoders-1:0] enc_done, enc_has_tok;
  logic [LenW-1:0]   enc_ntok [Encoders];

  logic              m_psel_sm, m_write, m_skip, m_last_sub;
  logic [Encoders-1:0] m_psel_en;
  logic [SubAw-1:0]  m_addr;
  logic [31:0]       m_wdata;
  logic              m_start_write;     // this access writes CTRL.START of encoder pe_q
  logic [Encoders-1:0] qwait_mask;
  logic [EncW-1:0]   qwait_first;
  logic [31:0]       groups;
  logic              sm_slverr;
  logic [Encoders-1:0] en_slverr;

  assign groups = head_dim >> SubDimW;

  for (genvar e = 0; e < Encoders; e++) begin : gen_ntok
    // tokens j < S with j mod Encoders == e
    logic [LenW-1:0] full, rem;
    assign full        = s_len >> EncLog;
    assign rem         = s_len & LenW'(Encoders - 1);
    assign enc_ntok[e] = full + ((LenW'(e) < rem) ? LenW'(1) : LenW'(0));
    assign enc_has_tok[e] = (enc_ntok[e] != '0);
    assign qwait_mask[e]  = (enc_st_q[e] == EncQWait);
  end

  always_comb begin
    qwait_first = '0;
    for (int e = Encoders - 1; e >= 0; e--) begin
      if (qwait_mask[e]) qwait_first = EncW'(e);
    end
  end

  // The write of the current step.
  always_comb begin
    m_psel_sm  = 1'b0;
    m_psel_en  = '0;
    m_addr     = '0;
    m_wdata    = '0;
    m_skip     = 1'b0;
    m_last_sub = 1'b0;
    m_write    = 1'b0;
    unique case (prg_q)
      PrgInitSm: begin
        m_write    = 1'b1;
        m_psel_sm  = 1'b1;
        m_last_sub = (sub_q == 3'd3);
        unique case (sub_q)
          3'd0: begin m_addr = SubAw'(sfln_unit_reg_pkg::LenOffset);  m_wdata = 32'(sm_len); end
          3'd1: begin m_addr = SubAw'(sfln_unit_reg_pkg::RowsOffset); m_wdata = 32'(s_len); end
          3'd2: begin m_addr = SubAw'(sfln_unit_reg_pkg::ModeOffset); m_wdata = 32'd1; end
          default: begin m_addr = SubAw'(sfln_unit_reg_pkg::CtrlOffset); m_wdata = 32'd1; end
        endcase
      end
      PrgInitEn: begin
        m_write        = 1'b1;
        m_psel_en[pe_q] = 1'b1;
        m_skip         = !enc_has_tok[pe_q];
        m_last_sub     = (sub_q == 3'd5);
        unique case (sub_q)
          3'd0: begin m_addr = SubAw'(pq_encoder_reg_pkg::NumTokOffset); m_wdata = 32'(enc_ntok[pe_q]); end
          3'd1: begin m_addr = SubAw'(pq_encoder_reg_pkg::SelOffset);    m_wdata = 32'd1; end
          3'd2: begin m_addr = SubAw'(pq_encoder_reg_pkg::ShiftOffset);  m_wdata = enc_shift; end
          3'd3: begin m_addr = SubAw'(pq_encoder_reg_pkg::TmaxOffset);   m_wdata = enc_tmax; end
          3'd4: begin m_addr = SubAw'(pq_encoder_reg_pkg::GroupsOffset); m_wdata = groups; end
          default: begin m_addr = SubAw'(pq_encoder_reg_pkg::CtrlOffset); m_wdata = 32'd1; end
        endcase
      end
      PrgQStart: begin
        m_write        = 1'b1;
        m_psel_en[pe_q] = 1'b1;
        m_last_sub     = (sub_q == 3'd2);
        unique case (sub_q)
          3'd0: begin m_addr = SubAw'(pq_encoder_reg_pkg::NumTokOffset); m_wdata = 32'(enc_ntok[pe_q]); end
          3'd1: begin m_addr = SubAw'(pq_encoder_reg_pkg::SelOffset);    m_wdata = 32'd0; end
          default: begin m_addr = SubAw'(pq_encoder_reg_pkg::CtrlOffset); m_wdata = 32'd1; end
        endcase
      end
      default: ;
    endcase
  end
  assign m_start_write = m_write && !m_skip && ph_q && (prg_q != PrgInitSm) && m_last_sub;

  always_comb begin
    prg_d      = prg_q;
    sub_d      = sub_q;
    pe_d       = pe_q;
    ph_d       = ph_q;
    cfg_done_d = cfg_done_q;
    if (start) begin
      prg_d      = PrgInitSm;
      sub_d      = '0;
      pe_d       = '0;
      ph_d       = 1'b0;
      cfg_done_d = 1'b0;
    end else if (prg_q == PrgIdle) begin
      if (busy && cfg_done_q && (qwait_mask != '0)) begin
        prg_d = PrgQStart;
        sub_d = '0;
        pe_d  = qwait_first;
        ph_d  = 1'b0;
      end
    end else if (m_skip || ph_q) begin
      // access cycle done (or a skipped encoder): next step
      ph_d = 1'b0;
      if (m_skip || m_last_sub) begin
        sub_d = '0;
        unique case (prg_q)
          PrgInitSm: begin
            if (m_dense) begin
              prg_d      = PrgIdle;
              cfg_done_d = 1'b1;
            end else begin
              prg_d = PrgInitEn;
            end
          end
          PrgInitEn: begin
            if (32'(pe_q) == 32'(Encoders - 1)) begin
              prg_d      = PrgIdle;
              cfg_done_d = 1'b1;
            end else begin
              pe_d = pe_q + EncW'(1);
            end
          end
          default: prg_d = PrgIdle;
        endcase
      end else begin
        sub_d = sub_q + 3'd1;
      end
    end else begin
      ph_d = 1'b1;
    end
  end

  // Encoder run states
  for (genvar e = 0; e < Encoders; e++) begin : gen_enc_st
    always_comb begin
      enc_st_d[e] = enc_st_q[e];
      if (start) begin
        enc_st_d[e] = EncIdle;
      end else begin
        unique case (enc_st_q[e])
          EncIdle: if (m_start_write && pe_q == EncW'(e)) enc_st_d[e] = EncK;
          EncK:    if (enc_done[e]) enc_st_d[e] = EncQWait;
          EncQWait: if (m_start_write && pe_q == EncW'(e)) enc_st_d[e] = EncQ;
          EncQ:    if (enc_done[e]) enc_st_d[e] = EncFin;
          default: ;
        endcase
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      prg_q      <= PrgIdle;
      sub_q      <= '0;
      pe_q       <= '0;
      ph_q       <= 1'b0;
      cfg_done_q <= 1'b0;
      for (int e = 0; e < Encoders; e++) enc_st_q[e] <= EncIdle;
    end else begin
      prg_q      <= prg_d;
      sub_q      <= sub_d;
      pe_q       <= pe_d;
      ph_q       <= ph_d;
      cfg_done_q <= cfg_done_d;
      for (int e = 0; e < Encoders; e++) enc_st_q[e] <= enc_st_d[e];
    end
  end

  // ---------------------------------------------------------------------------------------
  // Input stream: K rows (0..S-1), V rows (S..2S-1), Q rows (2S..3S-1)
  logic [InCntW-1:0] in_cnt_q, in_cnt_d;
  logic              ph_k, ph_v, ph_q_in, in_all;
  logic [IdxW-1:0]   in_tok;
  logic [EncW-1:0]   in_enc;
  logic [8*Dim-1:0]  in_masked;
  logic [Encoders-1:0] enc_in_ready, enc_in_valid;
  logic              enc_ok;
  logic [LenW-1:0]   q_cnt_q, q_cnt_d;   // Q rows taken

  assign ph_k    = (in_cnt_q < InCntW'(s_len));
  assign ph_v    = !ph_k && (in_cnt_q < InCntW'(2 * s_len));
  assign in_all  = (in_cnt_q >= InCntW'(3 * s_len));
  assign ph_q_in = !ph_k && !ph_v && !in_all;
  always_comb begin
    if (ph_k) begin
      in_tok = IdxW'(in_cnt_q);
    end else if (ph_v) begin
      in_tok = IdxW'(in_cnt_q - InCntW'(s_len));
    end else begin
      in_tok = IdxW'(in_cnt_q - InCntW'(2 * s_len));
    end
  end
  assign in_enc = (Encoders > 1) ? EncW'(in_tok) : '0;
  // Elements past HEAD_DIM are taken as 0.
  for (genvar r = 0; r < Dim; r++) begin : gen_in_mask
    assign in_masked[8*r +: 8] = (32'(r) < head_dim) ? in_data_i[8*r +: 8] : 8'h00;
  end

  always_comb begin
    enc_ok = 1'b1;
    if (!m_dense && (ph_k || ph_q_in)) begin
      enc_ok = enc_in_ready[in_enc] && (enc_st_q[in_enc] == (ph_k ? EncK : EncQ));
    end
  end
  assign in_ready_o     = busy && cfg_done_q && !in_all && enc_ok;
  assign in_hs          = in_valid_i && in_ready_o;
  assign in_expect_last = (in_cnt_q == InCntW'(3 * s_len - 1));
  for (genvar e = 0; e < Encoders; e++) begin : gen_enc_in
    assign enc_in_valid[e] = in_valid_i && busy && cfg_done_q && !m_dense &&
                             (in_enc == EncW'(e)) &&
                             ((ph_k && enc_st_q[e] == EncK) || (ph_q_in && enc_st_q[e] == EncQ));
  end

  always_comb begin
    in_cnt_d = in_cnt_q;
    q_cnt_d  = q_cnt_q;
    if (start) begin
      in_cnt_d = '0;
      q_cnt_d  = '0;
    end else if (in_hs) begin
      in_cnt_d = in_cnt_q + InCntW'(1);
      if (ph_q_in) q_cnt_d = q_cnt_q + LenW'(1);
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_cnt_q <= '0;
      q_cnt_q  <= '0;
    end else begin
      in_cnt_q <= in_cnt_d;
      q_cnt_q  <= q_cnt_d;
    end
  end

  // Q buffer: the query rows, read by the QK engine through the kept stream's row.
  logic [8*Dim-1:0] qbuf_q [SeqLenMax];
  always_ff @(posedge clk_i) begin
    if (in_hs && ph_q_in) qbuf_q[in_tok] <= in_masked;
  end

  // ---------------------------------------------------------------------------------------
  // The encoders
  logic [Encoders-1:0]       enc_out_valid, enc_out_ready, enc_out_last;
  logic [CodeW-1:0]          enc_out_code [Encoders];
  logic [NumSubspaces-1:0]   enc_out_tie [Encoders];
  logic [NumSubspaces-1:0]   enc_out_to [Encoders];
  logic [EncIdxW-1:0]        enc_out_idx [Encoders];
  logic [EncW-1:0]           grant;
  logic                      grant_v;

  for (genvar e = 0; e < Encoders; e++) begin : gen_enc
    logic                            in_last;
    logic [TickWidth*NumSubspaces-1:0] out_tick;
    logic [CodeW-1:0]                cb_data;
    logic [31:0]                     prdata;
    logic                            pready;
    // This encoder's fire lines as a signal of their own: Verilator 5.006 otherwise samples the
    // whole fire_i port for the encoder's assertions, in a loop whose C++ does not compile at
    // bert's 2048 bits (docs/toolchain.md).
    logic [NumCols-1:0]              fire /* verilator public_flat_rd */;
    assign fire = fire_i[e*NumCols +: NumCols];
    // the encoder's last token: no later token of the phase goes to it
    assign in_last = (32'(in_tok) + 32'(Encoders) >= 32'(s_len));
    pq_encoder #(
      .Dim          (Dim),
      .NumGroups    (NumSubspaces),
      .ColsPerGroup (NumCentroids),
      .TickWidth    (TickWidth),
      .InBits       (InBits),
      .SeqLenMax    (EncSeq),
      .ApbAddrWidth (SubAw)
    ) u_enc (
      .clk_i,
      .rst_ni,
      .apb_psel_i    (m_psel_en[e] && !m_skip),
      .apb_penable_i (m_psel_en[e] && !m_skip && ph_q),
      .apb_pwrite_i  (1'b1),
      .apb_paddr_i   (m_addr),
      .apb_pwdata_i  (m_wdata),
      .apb_pstrb_i   (4'hF),
      .apb_prdata_o  (prdata),
      .apb_pready_o  (pready),
      .apb_pslverr_o (en_slverr[e]),
      .in_valid_i    (enc_in_valid[e]),
      .in_ready_o    (enc_in_ready[e]),
      .in_data_i     (in_masked),
      .in_last_i     (in_last),
      .out_valid_o   (enc_out_valid[e]),
      .out_ready_i   (enc_out_ready[e]),
      .out_code_o    (enc_out_code[e]),
      .out_tie_o     (enc_out_tie[e]),
      .out_timeout_o (enc_out_to[e]),
      .out_tick_o    (out_tick),
      .out_idx_o     (enc_out_idx[e]),
      .out_last_o    (enc_out_last[e]),
      .xb_sel_o      (xb_sel_o[e]),
      .xb_eval_o     (xb_eval_o[e]),
      .xb_level_o    (xb_level_o[e*InBits*XbRows +: InBits*XbRows]),
      .fire_i        (fire),
      .grp_stop_o    (grp_stop_o[e*NumSubspaces +: NumSubspaces]),
      .xb_tick_o     (xb_tick_o[e*TickWidth +: TickWidth]),
      .cb_rd_en_i    (1'b0),
      .cb_rd_sel_i   (1'b0),
      .cb_rd_addr_i  ('0),
      .cb_rd_data_o  (cb_data),
      .done_o        (enc_done[e])
    );
    logic unused_enc;
    assign unused_enc = ^{prdata, pready, out_tick, cb_data, enc_out_last[e]};
  end

  // One code per cycle into the code memories: the lowest-numbered encoder with a code wins
  // (an encoder gives at most one code per race, so none waits long).
  always_comb begin
    grant   = '0;
    grant_v = 1'b0;
    for (int e = Encoders - 1; e >= 0; e--) begin
      if (enc_out_valid[e]) begin
        grant   = EncW'(e);
        grant_v = 1'b1;
      end
    end
  end
  for (genvar e = 0; e < Encoders; e++) begin : gen_enc_rdy
    assign enc_out_ready[e] = grant_v && (grant == EncW'(e));
  end

  logic                    code_we, code_sel;
  logic [IdxW-1:0]         code_idx;
  logic [CodeW-1:0]        code_val;
  logic [LenW-1:0]         kcodes_q, kcodes_d;
  logic [SeqLenMax-1:0]    qcode_v_q, qcode_v_d;
  logic [CodeW-1:0]        qcode_q [SeqLenMax];
  logic [31:0]             ties_now, to_now;

  assign code_we  = grant_v;
  assign code_sel = (enc_st_q[grant] == EncK);
  assign code_idx = IdxW'({enc_out_idx[grant], grant} >> (EncW - EncLog));
  assign code_val = enc_out_code[grant];
  always_comb begin
    ties_now = '0;
    to_now   = '0;
    for (int g = 0; g < NumSubspaces; g++) begin
      ties_now = ties_now + 32'(enc_out_tie[grant][g]);
      to_now   = to_now + 32'(enc_out_to[grant][g]);
    end
  end
  always_comb begin
    kcodes_d  = kcodes_q;
    qcode_v_d = qcode_v_q;
    if (start) begin
      kcodes_d  = '0;
      qcode_v_d = '0;
    end else if (code_we) begin
      if (code_sel) kcodes_d = kcodes_q + LenW'(1);
      else qcode_v_d[code_idx] = 1'b1;
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      kcodes_q  <= '0;
      qcode_v_q <= '0;
    end else begin
      kcodes_q  <= kcodes_d;
      qcode_v_q <= qcode_v_d;
    end
  end
  always_ff @(posedge clk_i) begin
    if (code_we && !code_sel) qcode_q[code_idx] <= code_val;
  end

  // ---------------------------------------------------------------------------------------
  // Row issue: relevance requests (sparse) or the dense index generator
  logic [LenW-1:0] row_q, row_d;          // next row to issue
  logic            row_ok, req_valid, req_ready, rows_started_q, rows_started_d;
  logic [IdxW-1:0] row_idx;
  assign row_idx = IdxW'(row_q);
  always_comb begin
    if (m_dense) begin
      row_ok = (row_q < q_cnt_q);
    end else begin
      row_ok = (row_q < s_len) && (kcodes_q == s_len) && qcode_v_q[row_idx];
    end
  end
  assign req_valid = busy && cfg_done_q && row_ok && !m_dense;

  // Dense generator: ceil(S / Banks) beats of consecutive keys per row
  logic            dg_valid, dg_ready, dg_last;
  logic [LenW-1:0] dg_beat_q, dg_beat_d, dg_beats;
  logic [Banks*IdxW-1:0] dg_idx;
  logic [Banks-1:0]      dg_lanes;
  assign dg_beats = LenW'((32'(s_len) + Banks - 1) >> BankLog);
  assign dg_valid = busy && cfg_done_q && m_dense && row_ok;
  assign dg_last  = (dg_beat_q == dg_beats - LenW'(1));
  for (genvar l = 0; l < Banks; l++) begin : gen_dg
    logic [31:0] key;
    assign key = (32'(dg_beat_q) << BankLog) + 32'(l);
    assign dg_idx[l*IdxW +: IdxW] = (key < 32'(s_len)) ? IdxW'(key) : '0;
    assign dg_lanes[l] = (key < 32'(s_len)) && !(m_causal && key > 32'(row_q));
  end
  always_comb begin
    row_d          = row_q;
    dg_beat_d      = dg_beat_q;
    rows_started_d = rows_started_q;
    if (start) begin
      row_d          = '0;
      dg_beat_d      = '0;
      rows_started_d = 1'b0;
    end else if (req_valid && req_ready) begin
      row_d          = row_q + LenW'(1);
      rows_started_d = 1'b1;
    end else if (dg_valid && dg_ready) begin
      rows_started_d = 1'b1;
      if (dg_last) begin
        dg_beat_d = '0;
        row_d     = row_q + LenW'(1);
      end else begin
        dg_beat_d = dg_beat_q + LenW'(1);
      end
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      row_q          <= '0;
      dg_beat_q      <= '0;
      rows_started_q <= 1'b0;
    end else begin
      row_q          <= row_d;
      dg_beat_q      <= dg_beat_d;
      rows_started_q <= rows_started_d;
    end
  end

  // ---------------------------------------------------------------------------------------
  // Relevance and top-k
  logic                  rel_valid, rel_ready, rel_last, rel_busy;
  logic [RelLanes*16-1:0] rel_score;
  logic [RelLanes-1:0]   rel_lanes;
  logic [IdxW-1:0]       rel_base, rel_row;
  logic                  tk_valid, tk_ready, tk_last;
  logic [Banks*IdxW-1:0] tk_idx;
  logic [Banks-1:0]      tk_lanes;
  logic [IdxW-1:0]       tk_row;

  relevance_unit #(
    .NumSubspaces (NumSubspaces),
    .NumCentroids (NumCentroids),
    .Lanes        (RelLanes),
    .SeqLenMax    (SeqLenMax)
  ) u_rel (
    .clk_i,
    .rst_ni,
    .tbl_we_i          (tbl_we),
    .tbl_addr_i        (tbl_waddr),
    .tbl_data_i        (tbl_wdata),
    .kc_we_i           (code_we && code_sel),
    .kc_idx_i          (code_idx),
    .kc_data_i         (code_val),
    .cfg_num_keys_i    (s_len),
    .cfg_mode_i        (m_match),
    .cfg_causal_i      (m_causal),
    .req_valid_i       (req_valid),
    .req_ready_o       (req_ready),
    .req_code_i        (qcode_q[row_idx]),
    .req_row_i         (row_idx),
    .rel_valid_o       (rel_valid),
    .rel_ready_i       (rel_ready),
    .rel_score_o       (rel_score),
    .rel_valid_lanes_o (rel_lanes),
    .rel_base_o        (rel_base),
    .rel_row_o         (rel_row),
    .rel_last_o        (rel_last),
    .busy_o            (rel_busy)
  );

  topk_select #(
    .Lanes     (RelLanes),
    .OutLanes  (Banks),
    .SeqLenMax (SeqLenMax)
  ) u_topk (
    .clk_i,
    .rst_ni,
    .cfg_k_i           (m_dense ? s_len : k_len),
    .cfg_force_first_i (m_first),
    .cfg_force_diag_i  (m_diag),
    .cfg_num_keys_i    (s_len),
    .in_valid_i        (rel_valid),
    .in_ready_o        (rel_ready),
    .in_score_i        (rel_score),
    .in_valid_lanes_i  (rel_lanes),
    .in_base_i         (rel_base),
    .in_row_i          (rel_row),
    .in_last_i         (rel_last),
    .out_valid_o       (tk_valid),
    .out_ready_i       (tk_ready),
    .out_idx_o         (tk_idx),
    .out_valid_lanes_o (tk_lanes),
    .out_row_o         (tk_row),
    .out_last_o        (tk_last)
  );

  // ---------------------------------------------------------------------------------------
  // Kept indices: top-k (sparse) or the generator (dense), forked to QK and to the index queue
  logic              kp_valid, kp_ready;
  logic [KeptW-1:0]  kp_data, kf_data;
  logic [1:0]        kf_valid, kf_ready;
  assign kp_valid = m_dense ? dg_valid : tk_valid;
  assign kp_data  = m_dense ? {dg_idx, dg_lanes, row_idx, dg_last} : {tk_idx, tk_lanes, tk_row, tk_last};
  assign dg_ready = m_dense && kp_ready;
  assign tk_ready = !m_dense && kp_ready;

  stream_fork #(
    .Width  (KeptW),
    .NumOut (2)
  ) u_kfork (
    .clk_i,
    .rst_ni,
    .in_valid_i  (kp_valid),
    .in_ready_o  (kp_ready),
    .in_data_i   (kp_data),
    .out_valid_o (kf_valid),
    .out_ready_i (kf_ready),
    .out_data_o  (kf_data)
  );

  logic [Banks*IdxW-1:0] kf_idx;
  logic [Banks-1:0]      kf_lanes;
  logic [IdxW-1:0]       kf_row;
  logic                  kf_last;
  assign {kf_idx, kf_lanes, kf_row, kf_last} = kf_data;

  logic                  iq_valid, iq_ready;
  logic [KeptW-1:0]      iq_data;
  logic [$clog2(IdxQDepth+1)-1:0] iq_level;
  sync_fifo #(
    .Width (KeptW),
    .Depth (IdxQDepth)
  ) u_idxq (
    .clk_i,
    .rst_ni,
    .in_valid_i  (kf_valid[1]),
    .in_ready_o  (kf_ready[1]),
    .in_data_i   (kf_data),
    .out_valid_o (iq_valid),
    .out_ready_i (iq_ready),
    .out_data_o  (iq_data),
    .level_o     (iq_level)
  );
  logic [Banks*IdxW-1:0] iq_idx;
  logic [Banks-1:0]      iq_lanes;
  logic [IdxW-1:0]       iq_row;
  logic                  iq_last;
  assign {iq_idx, iq_lanes, iq_row, iq_last} = iq_data;

  // ---------------------------------------------------------------------------------------
  // SRAM-CIM: K and V arrays, the QK and AV engines
  logic                  qks_valid, qks_ready, qks_last;
  logic [Banks*32-1:0]   qks_score;
  logic [Banks-1:0]      qks_lanes;
  logic                  av_valid, av_ready, avo_valid, avo_ready;
  logic [8*Dim-1:0]      avo_data;
  logic                  sm_in_ready, sm_out_valid, sm_out_ready, sm_out_last;
  logic [Banks*16-1:0]   sm_in_x;   // scaled scores of a QK beat
  logic [Banks*16-1:0]   av_p;      // the probabilities of the AV beat
  logic [SmLanes*16-1:0] sm_out_data;

  sram_cim #(
    .Dim        (Dim),
    .SeqLenMax  (SeqLenMax),
    .Banks      (Banks),
    .QueueDepth (QueueDepth)
  ) u_sram (
    .clk_i,
    .rst_ni,
    .wr_en_i           (in_hs && (ph_k || ph_v)),
    .wr_sel_i          (ph_v),
    .wr_idx_i          (in_tok),
    .wr_data_i         (in_masked),
    .qk_valid_i        (kf_valid[0]),
    .qk_ready_o        (kf_ready[0]),
    .qk_idx_i          (kf_idx),
    .qk_valid_lanes_i  (kf_lanes),
    .qk_q_i            (qbuf_q[kf_row]),
    .qk_last_i         (kf_last),
    .qks_valid_o       (qks_valid),
    .qks_ready_i       (qks_ready),
    .qks_score_o       (qks_score),
    .qks_valid_lanes_o (qks_lanes),
    .qks_last_o        (qks_last),
    .av_valid_i        (av_valid),
    .av_ready_o        (av_ready),
    .av_idx_i          (iq_idx),
    .av_p_i            (av_p),
    .av_valid_lanes_i  (iq_lanes),
    .av_last_i         (iq_last),
    .avo_valid_o       (avo_valid),
    .avo_ready_i       (avo_ready),
    .avo_data_o        (avo_data),
    .cfg_av_mult_i     (av_mult),
    .cfg_av_shift_i    (av_shift[5:0]),
    .cnt_clear_i       (start),
    .cnt_qk_rows_o     (qk_rows_read),
    .cnt_qk_macs_o     (qk_macs),
    .cnt_qk_stall_o    (qk_stalls),
    .cnt_qk_busy_o     (qk_busy),
    .cnt_av_rows_o     (av_rows_read),
    .cnt_av_macs_o     (av_macs),
    .cnt_av_stall_o    (av_stalls),
    .cnt_av_busy_o     (av_busy)
  );

  // Score to softmax input: x = sat16(rnd_shr(s * SM_MULT, SM_SHIFT)), half up
  for (genvar l = 0; l < Banks; l++) begin : gen_scale
    logic signed [48:0] prod;
    logic signed [15:0] x;
    logic               sat;
    assign prod = 49'(signed'(qks_score[32*l +: 32])) * signed'({33'd0, sm_mult});
    round_shift_sat #(
      .InWidth    (49),
      .OutWidth   (16),
      .ShiftWidth (6)
    ) u_rss (
      .in_i    (prod),
      .shift_i (sm_shift[5:0]),
      .mode_i  (2'd1),
      .rand_i  (32'd0),
      .out_o   (x),
      .sat_o   (sat)
    );
    assign sm_in_x[16*l +: 16] = x;
    logic unused_sat;
    assign unused_sat = sat;
  end

  // Gearbox in (SmLanes = 2 Banks): two QK beats make one softmax beat, the first held here; a
  // row's last QK beat goes at once, alone in the low half when it is the odd one. So the
  // softmax's EXP pass takes ceil(k / SmLanes) beats while its LOAD and OUT passes still move
  // Banks scores per cycle, the rate of the QK and AV engines (docs/attention/attn_top.md).
  logic                  smi_valid, smi_last;
  logic [SmLanes*16-1:0] smi_x;
  logic [SmLanes-1:0]    smi_keep;
  if (SmLanes == 2 * Banks) begin : gen_gear_in
    logic                hold_v_q, hold_v_d;
    logic [Banks*16-1:0] hold_x_q;
    logic [Banks-1:0]    hold_keep_q;
    logic                take_low;
    // The incoming beat is held when it is a first half: nothing held yet and not a last beat.
    assign take_low  = qks_valid && !hold_v_q && !qks_last;
    assign smi_valid = qks_valid && (hold_v_q || qks_last);
    assign smi_x     = hold_v_q ? {sm_in_x, hold_x_q} : {{(Banks*16){1'b0}}, sm_in_x};
    assign smi_keep  = hold_v_q ? {qks_lanes, hold_keep_q} : {{Banks{1'b0}}, qks_lanes};
    assign smi_last  = qks_last;
    assign qks_ready = take_low || (smi_valid && sm_in_ready);
    always_comb begin
      hold_v_d = hold_v_q;
      if (start) hold_v_d = 1'b0;
      else if (take_low) hold_v_d = 1'b1;
      else if (smi_valid && sm_in_ready) hold_v_d = 1'b0;
    end
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) hold_v_q <= 1'b0;
      else hold_v_q <= hold_v_d;
    end
    always_ff @(posedge clk_i) begin
      if (take_low) begin
        hold_x_q    <= sm_in_x;
        hold_keep_q <= qks_lanes;
      end
    end
  end else begin : gen_gear_in_none
    assign smi_valid = qks_valid;
    assign smi_x     = sm_in_x;
    assign smi_keep  = qks_lanes;
    assign smi_last  = qks_last;
    assign qks_ready = sm_in_ready;
  end

  // The softmax, programmed by the internal APB master
  logic [31:0] sm_prdata;
  logic        sm_pready, sm_done;
  softmax_unit #(
    .Lanes        (SmLanes),
    .RowMax       (SeqLenMax),
    .ApbAddrWidth (SubAw)
  ) u_sm (
    .clk_i,
    .rst_ni,
    .apb_psel_i    (m_psel_sm),
    .apb_penable_i (m_psel_sm && ph_q),
    .apb_pwrite_i  (1'b1),
    .apb_paddr_i   (m_addr),
    .apb_pwdata_i  (m_wdata),
    .apb_pstrb_i   (4'hF),
    .apb_prdata_o  (sm_prdata),
    .apb_pready_o  (sm_pready),
    .apb_pslverr_o (sm_slverr),
    .in_valid_i    (smi_valid),
    .in_ready_o    (sm_in_ready),
    .in_a_i        (smi_x),
    .in_b_i        ('0),
    .in_keep_i     (smi_keep),
    .in_last_i     (smi_last),
    .out_valid_o   (sm_out_valid),
    .out_ready_i   (sm_out_ready),
    .out_data_o    (sm_out_data),
    .out_last_o    (sm_out_last),
    .done_o        (sm_done)
  );

  // AV takes a probability beat together with its kept indices from the queue. Gearbox out
  // (SmLanes = 2 Banks): a softmax beat is two AV beats, low half first; it is popped after its
  // high half, or after its low half when that is the row's last index beat.
  logic sm_pop;
  if (SmLanes == 2 * Banks) begin : gen_gear_out
    logic half_q, half_d;
    assign av_p   = half_q ? sm_out_data[Banks*16 +: Banks*16] : sm_out_data[0 +: Banks*16];
    assign sm_pop = half_q || iq_last;
    always_comb begin
      half_d = half_q;
      if (start) half_d = 1'b0;
      else if (av_valid && av_ready) half_d = !sm_pop;
    end
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) half_q <= 1'b0;
      else half_q <= half_d;
    end
  end else begin : gen_gear_out_none
    assign av_p   = sm_out_data;
    assign sm_pop = 1'b1;
  end
  assign av_valid     = sm_out_valid && iq_valid;
  assign sm_out_ready = av_ready && iq_valid && sm_pop;
  assign iq_ready     = av_ready && sm_out_valid;

  // ---------------------------------------------------------------------------------------
  // Output rows
  logic [LenW-1:0] out_cnt_q, out_cnt_d;
  logic            out_hs;
  assign out_valid_o = avo_valid;
  assign avo_ready   = out_ready_i;
  assign out_data_o  = avo_data;
  assign out_row_o   = IdxW'(out_cnt_q);
  assign out_last_o  = (out_cnt_q == s_len - LenW'(1));
  assign out_hs      = out_valid_o && out_ready_i;
  assign finish      = out_hs && out_last_o;
  always_comb begin
    out_cnt_d = out_cnt_q;
    if (start) out_cnt_d = '0;
    else if (out_hs) out_cnt_d = out_cnt_q + LenW'(1);
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) out_cnt_q <= '0;
    else out_cnt_q <= out_cnt_d;
  end

  // ---------------------------------------------------------------------------------------
  // Counters of the run (cleared by a legal start)
  logic rel_hs, kept_hs, score_hs, prob_hs;
  assign rel_hs   = rel_valid && rel_ready;
  assign kept_hs  = kf_valid[0] && kf_ready[0];
  assign score_hs = qks_valid && qks_ready;
  assign prob_hs  = av_valid && av_ready;
  // One adder per counter: the increment of this cycle, added while BUSY, all cleared by a
  // legal start. Index order: the names below.
  localparam int unsigned NumCnt = 13;
  logic [31:0] cnt_q [NumCnt];
  logic [31:0] cnt_d [NumCnt];
  logic [31:0] cnt_inc [NumCnt];
  assign cnt_inc[0]  = 32'(out_hs);
  assign cnt_inc[1]  = 32'(!m_dense && kcodes_q != s_len);
  assign cnt_inc[2]  = 32'(rows_started_q);
  assign cnt_inc[3]  = code_we ? ties_now : 32'd0;
  assign cnt_inc[4]  = code_we ? to_now : 32'd0;
  assign cnt_inc[5]  = 32'(rel_hs);
  assign cnt_inc[6]  = 32'(rel_valid && !rel_ready);
  assign cnt_inc[7]  = 32'(kept_hs);
  assign cnt_inc[8]  = 32'(kp_valid && !kp_ready);
  assign cnt_inc[9]  = 32'(score_hs);
  assign cnt_inc[10] = 32'(qks_valid && !qks_ready);
  assign cnt_inc[11] = 32'(prob_hs);
  assign cnt_inc[12] = 32'(av_valid && !av_ready);
  always_comb begin
    for (int unsigned c = 0; c < NumCnt; c++) begin
      if (start) cnt_d[c] = '0;
      else if (busy) cnt_d[c] = cnt_q[c] + cnt_inc[c];
      else cnt_d[c] = cnt_q[c];
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    // One element at a time: Yosys 0.23 rejects the '{default: ...} pattern (docs/toolchain.md
    // section 4), and needs the reset test outside the loops (inside: "Multiple edge sensitive
    // events found for this signal").
    if (!rst_ni) begin
      for (int unsigned c = 0; c < NumCnt; c++) cnt_q[c] <= '0;
    end else begin
      for (int unsigned c = 0; c < NumCnt; c++) cnt_q[c] <= cnt_d[c];
    end
  end
  assign cnt_rows_out_q = cnt_q[0];
  assign cnt_kenc_q     = cnt_q[1];
  assign cnt_rows_q     = cnt_q[2];
  assign cnt_ties_q     = cnt_q[3];
  assign cnt_timeouts_q = cnt_q[4];
  assign cnt_rel_q      = cnt_q[5];
  assign cnt_rel_st_q   = cnt_q[6];
  assign cnt_kept_q     = cnt_q[7];
  assign cnt_kept_st_q  = cnt_q[8];
  assign cnt_score_q    = cnt_q[9];
  assign cnt_score_st_q = cnt_q[10];
  assign cnt_prob_q     = cnt_q[11];
  assign cnt_prob_st_q  = cnt_q[12];

  // ---------------------------------------------------------------------------------------
  // Observation ports
  assign mon_code_valid_o  = code_we;
  assign mon_code_sel_o    = code_sel;
  assign mon_code_idx_o    = code_idx;
  assign mon_code_o        = code_val;
  assign mon_rel_valid_o   = rel_hs;
  assign mon_rel_score_o   = rel_score;
  assign mon_rel_lanes_o   = rel_lanes;
  assign mon_rel_row_o     = rel_row;
  assign mon_rel_last_o    = rel_last;
  assign mon_kept_valid_o  = kept_hs;
  assign mon_kept_idx_o    = kf_idx;
  assign mon_kept_lanes_o  = kf_lanes;
  assign mon_kept_row_o    = kf_row;
  assign mon_kept_last_o   = kf_last;
  assign mon_score_valid_o = score_hs;
  assign mon_score_o       = qks_score;
  assign mon_score_lanes_o = qks_lanes;
  assign mon_score_last_o  = qks_last;
  assign mon_prob_valid_o  = prob_hs;
  assign mon_prob_o        = av_p;
  assign mon_prob_last_o   = iq_last;

  logic unused_bits;
  assign unused_bits = ^{seq_len[31:LenW], topk[31:LenW], enc_shift, enc_tmax, sm_shift[31:6],
                         av_shift[31:6], tbl_addr, sm_prdata, sm_pready, sm_done, iq_level,
                         iq_row, rel_base, s_last, rel_busy, qk_macs, av_macs};

  // ---------------------------------------------------------------------------------------
  // Assertions
  `HYCIM_ASSERT_INIT(EncodersPow2, Encoders >= 1 && (Encoders & (Encoders - 1)) == 0,
                     "Encoders must be a power of two")
  `HYCIM_ASSERT_INIT(EncSeqSize, EncSeq >= 2, "SeqLenMax / Encoders must be at least 2")
  `HYCIM_ASSERT_INIT(BanksPow2, Banks >= 1 && (Banks & (Banks - 1)) == 0,
                     "Banks must be a power of two")
  `HYCIM_ASSERT_INIT(SubDimPow2, SubDim * NumSubspaces == Dim && (SubDim & (SubDim - 1)) == 0,
                     "Dim / NumSubspaces must be a power of two that divides Dim")
  `HYCIM_ASSERT_INIT(SeqPow2, (SeqLenMax & (SeqLenMax - 1)) == 0, "SeqLenMax must be a power of two")
  `HYCIM_ASSERT_INIT(CodeBits, NumCentroids == 16, "codes are 4 bits")
  // The sub-units are programmed legally by construction: none ever answers pslverr.
  `HYCIM_ASSERT(SubApbOk, !sm_slverr && en_slverr == '0)
  // Every kept-index beat meets its probability beat: the two streams frame rows alike.
  `HYCIM_ASSERT(ProbIdxAligned, (sm_out_valid && iq_valid && sm_pop) |-> (sm_out_last == iq_last))
  `HYCIM_ASSERT_INIT(SmLanesFit, SmLanes == Banks || SmLanes == 2 * Banks,
                     "SmLanes must be Banks or 2 Banks")
  // The softmax and the index queue never get ahead of each other by more than the queue holds.
  `HYCIM_ASSERT(InputHold, (in_valid_i && !in_ready_o) |=> in_valid_i)
  `HYCIM_ASSERT(InputStable, (in_valid_i && !in_ready_o) |=> $stable(in_data_i))
  `HYCIM_ASSERT(OutputHold, (out_valid_o && !out_ready_i) |=> (out_valid_o && $stable(out_data_o)))
  `HYCIM_ASSERT(NoOutputIdle, !busy |-> !out_valid_o)
  `HYCIM_ASSERT(CodesInRange, code_we |-> (code_sel ? (kcodes_q < s_len) : !qcode_v_q[code_idx]))

endmodule
