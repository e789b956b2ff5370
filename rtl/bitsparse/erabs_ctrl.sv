// erabs_ctrl: the ERA-BS crossbar controller (docs/bitsparse/erabs_ctrl.md). One run is one
// matrix-vector product y = W^T x of a layer of K rows and N columns whose bit slices sit in OU
// crossbars; the OU table, loaded over APB between runs, lists the stored (non-empty) OUs in
// issue order. Software model: golden/bitsparse/execute.h (execute_layer).
//
// A run:
//   1. takes ceil(K / OuRows) input beats, one row group of OuRows INT8 activations each
//      (lanes at or beyond K in the last group are ignored), through act_prune into the
//      activation buffer: the pruned group and its plane bitmap (bit phase * B + plane);
//   2. per column group h: walks the table entries of h (static skip: an OU not in the table is
//      never read); per entry, one crossbar read for every (phase, plane) bit of the entry's row
//      group that is set (dynamic skip, MODE.DYN_SKIP; without it all 2B are read), lowest
//      first, found by a priority encoder at no cycle cost;
//   3. accumulates each read's OuCols ADC codes: acc[c] += +-(code << (slice + plane)), minus
//      when the array's sign and the phase's sign differ;
//   4. gives one output beat per column group, OuCols signed accumulators (lanes at or beyond N
//      read 0), once every read of the group has answered.
// The crossbar port takes one read per cycle and answers in order, at any latency; at most
// MaxOutstanding reads are in flight (a tag FIFO holds each read's shift and sign).
//
// MODE.READ = 1 is the ISAAC_LIKE baseline on the same schedule (golden/bitsparse/isaac.h): an
// entry is a unit of XbarSize rows of a 2-bit slice, every read drives all XbarSize wordlines,
// nothing is skipped, the shift is 2 slice + plane, and a flip-encoded column's value is
// 3 * (driven wordlines) - code.
//
// Errors: illegal configurations refuse the start (ERR, DONE, nothing touched). An entry out of
// range or out of issue order raises BadEntry: the run issues nothing more, waits for its reads
// and ends (DONE) without the remaining output beats. Nothing waits on anything that cannot come.

`include "hycim_assert.svh"
`include "hycim_ports.svh"

module erabs_ctrl #(
  parameter int unsigned MaxRowGroups   = 8,
  parameter int unsigned MaxColGroups   = 8,
  parameter int unsigned MaxXbars       = 1024,
  parameter int unsigned XbarSize       = 128,
  parameter int unsigned OuRows         = 16,
  parameter int unsigned OuCols         = 16,
  parameter int unsigned ActBits        = 8,
  parameter int unsigned AdcBits        = 5,
  parameter int unsigned FullAdcBits    = 8,   // the ADC of a full-column (ISAAC_LIKE) read
  parameter int unsigned AccWidth       = 32,
  parameter int unsigned MaxOutstanding = 4,
  parameter int unsigned ApbAddrWidth   = 12,
  localparam int unsigned MagBits  = ActBits - 1,  // B = A: weight slices, activation planes
  localparam int unsigned Planes   = 2 * MagBits,  // (phase, plane) pairs per OU
  // The table holds the dense count of the largest layer, so any compiled table fits.
  localparam int unsigned MaxEntries = 2 * MagBits * MaxRowGroups * MaxColGroups,
  localparam int unsigned RowSlots = XbarSize / OuRows,
  localparam int unsigned ColSlots = XbarSize / OuCols,
  localparam int unsigned XbarW    = (MaxXbars > 1) ? $clog2(MaxXbars) : 1,
  localparam int unsigned RsW      = (RowSlots > 1) ? $clog2(RowSlots) : 1,
  localparam int unsigned CsW      = (ColSlots > 1) ? $clog2(ColSlots) : 1,
  localparam int unsigned CodeBits = (FullAdcBits > AdcBits) ? FullAdcBits : AdcBits,
  localparam int unsigned Slices2  = (MagBits + 1) / 2  // 2-bit slices of a full-column read
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  // APB4 register port
  `HYCIM_APB_PORTS(ApbAddrWidth),
  // Input stream: one row group of INT8 activations per beat, lane r in bits [8r +: 8]
  input  logic                         in_valid_i,
  output logic                         in_ready_o,
  input  logic [OuRows*ActBits-1:0]    in_act_i,
  input  logic                         in_last_i,
  // Crossbar read port. An OU read (full = 0) drives the OuRows wordlines of row slot rs of
  // crossbar xbar with wl[OuRows-1:0] (the rest of wl is 0); a full-column read (full = 1, the
  // ISAAC_LIKE mode) drives all XbarSize wordlines with wl. Either converts the OuCols bitlines
  // of column slot cs. One request per handshake.
  output logic                         xb_req_valid_o,
  input  logic                         xb_req_ready_i,
  output logic [XbarW-1:0]             xb_req_xbar_o,
  output logic [RsW-1:0]               xb_req_row_slot_o,
  output logic [CsW-1:0]               xb_req_col_slot_o,
  output logic                         xb_req_full_o,
  output logic [XbarSize-1:0]          xb_req_wl_o,
  // ... and its answers, in request order: OuCols ADC codes, code c in bits
  // [CodeBits c +: CodeBits]
  input  logic                         xb_rsp_valid_i,
  input  logic [OuCols*CodeBits-1:0]   xb_rsp_codes_i,
  // Output stream: one column group per beat, OuCols signed accumulators
  output logic                         out_valid_o,
  input  logic                         out_ready_i,
  output logic [OuCols*AccWidth-1:0]   out_data_o,
  output logic                         out_last_o,
  // Level: the last start has finished (legal or not).
  output logic                         done_o
);

  localparam int unsigned RgW     = $clog2(MaxRowGroups + 1);
  localparam int unsigned CgW     = $clog2(MaxColGroups + 1);
  localparam int unsigned EntW    = $clog2(MaxEntries + 1);
  localparam int unsigned PlaneW  = $clog2(Planes);
  localparam int unsigned ShiftW  = $clog2(2 * MagBits - 1);
  localparam int unsigned PcW     = $clog2(XbarSize + 1);
  // A read's tag: subtract, shift, the full-column flip mask and the driven-wordline count.
  localparam int unsigned TagW    = 1 + ShiftW + OuCols + PcW;
  localparam int unsigned MaxK    = MaxRowGroups * OuRows;
  localparam int unsigned MaxN    = MaxColGroups * OuCols;
  localparam int unsigned LvlW    = $clog2(MaxOutstanding + 1);

  // ---------------------------------------------------------------------------------------
  // Registers and run control: generated from erabs_ctrl.regs.toml (scripts/gen_regs.py)
  logic        start_ok, busy, done, finish;
  logic [31:0] k_len, n_len, table_len, mode, thresh, tbl_addr, tbl_lo;
  logic [31:0] tbl_hi;
  logic        tbl_hi_we;
  logic [31:0] count_in_q, count_out_q, issued_q, skip_static_q, skip_dyn_q, adc_conv_q;
  logic [31:0] max_code_q;
  logic        err_bad_entry, err_bad_act, in_hs, in_expect_last, out_hs;
  logic [31:0] rg_cfg, cg_cfg, rb_cfg, dense_ous;
  logic        full_cfg;
  logic        tbl_overflow_q;
  logic [EntW-1:0] tbl_ptr_q, tbl_filled_q;

  // Row and column groups of the configured layer (meaningful when K and N are legal).
  assign rg_cfg    = (k_len + 32'(OuRows - 1)) / 32'(OuRows);
  assign cg_cfg    = (n_len + 32'(OuCols - 1)) / 32'(OuCols);
  assign rb_cfg    = (k_len + 32'(XbarSize - 1)) / 32'(XbarSize);
  assign full_cfg  = (mode[2:1] == 2'd1);
  // The dense count: 2 arrays x B slices x row groups x column groups (OU reads), or 2 arrays x
  // ceil(B / 2) two-bit slices x row blocks x column groups (full-column reads).
  assign dense_ous = full_cfg ? 32'(2 * Slices2) * rb_cfg * cg_cfg
                              : 32'(2 * MagBits) * rg_cfg * cg_cfg;

  erabs_ctrl_reg_top #(
    .MaxRowGroups (MaxRowGroups),
    .MaxColGroups (MaxColGroups),
    .MaxEntries   (MaxEntries),
    .MaxXbars     (MaxXbars),
    .XbarSize     (XbarSize),
    .OuRows       (OuRows),
    .OuCols       (OuCols),
    .MagBits      (MagBits),
    .AdcBits      (AdcBits),
    .FullAdcBits  (FullAdcBits),
    .ApbAddrWidth (ApbAddrWidth)
  ) u_regs (
    .clk_i,
    .rst_ni,
    `HYCIM_APB_CONNECT,
    .start_o                 (start_ok),
    .busy_o                  (busy),
    .done_o                  (done),
    .finish_i                (finish),
    .err_last_mismatch_i     (in_hs && (in_last_i != in_expect_last)),
    .err_bad_mode_i          ((mode[31:3] != 29'd0) || (mode[2:1] > 2'd1)),
    .err_k_zero_i            (k_len == 32'd0),
    .err_k_too_big_i         (k_len > 32'(MaxK)),
    .err_n_zero_i            (n_len == 32'd0),
    .err_n_too_big_i         (n_len > 32'(MaxN)),
    .err_table_too_big_i     ((table_len > 32'(MaxEntries)) ||
                              ((k_len != 32'd0) && (k_len <= 32'(MaxK)) && (n_len != 32'd0) &&
                               (n_len <= 32'(MaxN)) && (table_len > dense_ous))),
    .err_table_not_loaded_i  (tbl_overflow_q || (table_len > 32'(tbl_filled_q))),
    .err_thresh_too_big_i    (thresh > 32'(1 << MagBits)),
    .err_bad_entry_i         (err_bad_entry),
    .err_bad_activation_i    (err_bad_act),
    .err_table_write_busy_i  (tbl_hi_we && busy),
    .k_o                     (k_len),
    .n_o                     (n_len),
    .table_len_o             (table_len),
    .mode_o                  (mode),
    .thresh_o                (thresh),
    .tbl_addr_o              (tbl_addr),
    .tbl_lo_o                (tbl_lo),
    .tbl_hi_o                (tbl_hi),
    .tbl_hi_we_o             (tbl_hi_we),
    .tbl_status_i            ({16'(tbl_ptr_q), 15'd0, tbl_overflow_q}),
    .tbl_filled_i            (32'(tbl_filled_q)),
    .count_in_i              (count_in_q),
    .count_out_i             (count_out_q),
    .ous_issued_i            (issued_q),
    .skip_static_i           (skip_static_q),
    .skip_dynamic_i          (skip_dyn_q),
    .adc_conv_i              (adc_conv_q),
    .max_code_i              (max_code_q)
  );

  // ---------------------------------------------------------------------------------------
  // OU table: written over APB between runs. TBL_HI commits {TBL_HI, TBL_LO} at the pointer.
  typedef struct packed {
    logic [OuCols-1:0] flip;  // full-column reads: column c stores 3 - level
    logic [XbarW-1:0]  xbar;
    logic [CsW-1:0]    col_slot;
    logic [RsW-1:0]    row_slot;
    logic              pol;
    logic [3:0]        slice;
    logic [7:0]        col_group;
    logic [7:0]        row_group;
    logic              bad;  // a field wider than its range in the build (checked when used)
  } entry_t;

  // The table holds flat words of EntryW bits, read into an entry_t: Yosys 0.23 reads an
  // unpacked array of a struct typedef (entry_t m [N]) as a single entry_t register, so the
  // netlist kept one entry instead of MaxEntries (found by netlist re-simulation;
  // docs/toolchain.md section 4).
  localparam int unsigned EntryW = OuCols + XbarW + CsW + RsW + 1 + 4 + 8 + 8 + 1;
  logic [EntryW-1:0] tbl_mem [MaxEntries];
  entry_t          tbl_wentry;
  logic            tbl_addr_we, tbl_write_ok;

  assign tbl_addr_we  = apb_psel_i && apb_penable_i && apb_pwrite_i && !busy &&
                        (apb_paddr_i == ApbAddrWidth'(erabs_ctrl_reg_pkg::TblAddrOffset));
  assign tbl_write_ok = tbl_hi_we && !busy && (32'(tbl_ptr_q) < 32'(MaxEntries));

  always_comb begin
    tbl_wentry.flip      = OuCols'(tbl_hi[31:16]);
    tbl_wentry.xbar      = XbarW'(tbl_hi[15:0]);
    tbl_wentry.col_slot  = CsW'(tbl_lo[31:28]);
    tbl_wentry.row_slot  = RsW'(tbl_lo[27:24]);
    tbl_wentry.pol       = tbl_lo[20];
    tbl_wentry.slice     = tbl_lo[19:16];
    tbl_wentry.col_group = tbl_lo[15:8];
    tbl_wentry.row_group = tbl_lo[7:0];
    tbl_wentry.bad       = (32'(tbl_hi[15:0]) >= 32'(MaxXbars)) ||
                           ((OuCols < 16) && ((32'(tbl_hi[31:16]) >> OuCols) != 32'd0)) ||
                           (32'(tbl_lo[31:28]) >= 32'(ColSlots)) ||
                           (32'(tbl_lo[27:24]) >= 32'(RowSlots)) ||
                           (tbl_lo[23:21] != 3'd0);
  end

  always_ff @(posedge clk_i) begin
    if (tbl_write_ok) tbl_mem[tbl_ptr_q[$clog2(MaxEntries)-1:0]] <= tbl_wentry;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tbl_ptr_q      <= '0;
      tbl_filled_q   <= '0;
      tbl_overflow_q <= 1'b0;
    end else begin
      if (tbl_addr_we) begin
        tbl_ptr_q      <= (apb_pwdata_i > 32'(MaxEntries)) ? EntW'(MaxEntries)
                                                             : EntW'(apb_pwdata_i);
        tbl_overflow_q <= 1'b0;
      end else if (tbl_hi_we && !busy) begin
        if (tbl_write_ok) begin
          tbl_ptr_q <= tbl_ptr_q + EntW'(1);
          if (tbl_ptr_q >= tbl_filled_q) tbl_filled_q <= tbl_ptr_q + EntW'(1);
        end else begin
          tbl_overflow_q <= 1'b1;
        end
      end
    end
  end

  // ---------------------------------------------------------------------------------------
  // Input: row groups through act_prune into the activation buffer.
  typedef enum logic [2:0] {
    StIdle  = 3'd0,
    StLoad  = 3'd1,  // taking the row groups
    StFetch = 3'd2,  // looking at table entry e (or the end of column group h)
    StIssue = 3'd3,  // issuing the reads of the latched entry
    StDrain = 3'd4,  // column group h issued: waiting for its answers
    StOut   = 3'd5,  // offering column group h
    StAbort = 3'd6   // a bad entry: waiting for the reads in flight, then finishing
  } state_e;

  state_e state_q, state_d;

  logic [OuRows*ActBits-1:0] lane_masked;
  logic                      pr_in_valid, pr_in_ready, pr_out_valid, pr_zeroed, pr_bad, pr_last;
  logic [OuRows*ActBits-1:0] pr_act;
  logic [Planes-1:0]         pr_planes;
  logic [RgW-1:0]            grp_in_q;  // groups written to the buffer in this run
  logic [OuRows*ActBits-1:0] act_buf [MaxRowGroups];
  logic [Planes-1:0]         plane_buf [MaxRowGroups];
  logic [RgW-1:0]            rg_q;
  logic [CgW-1:0]            cg_q;
  logic [31:0]               k_q, n_q, tlen_q;
  logic                      dyn_q, full_q;  // dynamic skip; full-column reads
  logic [RgW-1:0]            rb_q;           // row blocks of XbarSize rows

  logic in_take;
  assign in_take        = busy && (state_q == StLoad) && (count_in_q < 32'(rg_q));
  assign in_ready_o     = in_take && pr_in_ready;
  assign in_hs          = in_valid_i && in_ready_o;
  assign in_expect_last = (count_in_q == 32'(rg_q) - 32'd1);
  assign pr_in_valid    = in_valid_i && in_take;

  // Lanes at or beyond K (in the last group) read as 0.
  always_comb begin
    for (int unsigned r = 0; r < OuRows; r++) begin
      lane_masked[r*ActBits+:ActBits] =
          (count_in_q * 32'(OuRows) + 32'(r) < k_q) ? in_act_i[r*ActBits+:ActBits] : '0;
    end
  end

  act_prune #(
    .Rows    (OuRows),
    .ActBits (ActBits)
  ) u_prune (
    .clk_i,
    .rst_ni,
    .thresh_i     (full_q ? '0 : thresh[MagBits:0]),  // full-column reads prune nothing
    .in_valid_i   (pr_in_valid),
    .in_ready_o   (pr_in_ready),
    .in_act_i     (lane_masked),
    .in_last_i    (in_expect_last),
    .out_valid_o  (pr_out_valid),
    .out_ready_i  (1'b1),
    .out_act_o    (pr_act),
    .out_planes_o (pr_planes),
    .out_zeroed_o (pr_zeroed),
    .out_bad_o    (pr_bad),
    .out_last_o   (pr_last)
  );

  assign err_bad_act = pr_out_valid && pr_bad;

  always_ff @(posedge clk_i) begin
    if (pr_out_valid) begin
      act_buf[grp_in_q[$clog2(MaxRowGroups)-1:0]]   <= pr_act;
      plane_buf[grp_in_q[$clog2(MaxRowGroups)-1:0]] <= pr_planes;
    end
  end

  // ---------------------------------------------------------------------------------------
  // Schedule: column group h, table entry e, then the entry's (phase, plane) bits.
  logic [CgW-1:0]     h_q, h_d;
  logic [EntW-1:0]    e_q, e_d;
  entry_t             ent_q, ent_d, ent_rd;
  logic [Planes-1:0]  mask_q, mask_d, mask_rd;
  logic               have_prev_q, have_prev_d;
  logic [20:0]        prev_key_q, prev_key_d, key_rd;
  logic               ent_in_range, ent_in_order, ent_here;
  logic [PlaneW-1:0]  pick;
  logic               pick_phase;
  logic [2:0]         pick_plane;
  logic               req_hs, rsp_pop;
  logic [LvlW-1:0]    outstanding;
  logic               tag_in_ready, tag_out_valid;
  logic [TagW-1:0]    tag_in, tag_out;
  logic               last_group;

  assign ent_rd = tbl_mem[e_q[$clog2(MaxEntries)-1:0]];  // a packed struct takes the word as is
  assign key_rd = {ent_rd.col_group, ent_rd.pol, ent_rd.slice, ent_rd.row_group};
  // In full-column mode the row group field is the row block and the slice a 2-bit slice, and
  // the row slot must be 0 (a read drives every row).
  assign ent_in_range = !ent_rd.bad && (32'(ent_rd.col_group) < 32'(cg_q)) &&
                        (full_q ? ((32'(ent_rd.row_group) < 32'(rb_q)) &&
                                   (32'(ent_rd.slice) < 32'(Slices2)) && (ent_rd.row_slot == '0))
                                : ((32'(ent_rd.row_group) < 32'(rg_q)) &&
                                   (32'(ent_rd.slice) < 32'(MagBits))));
  assign ent_in_order = !have_prev_q || (key_rd > prev_key_q);
  assign ent_here     = (32'(e_q) < tlen_q) && (32'(ent_rd.col_group) == 32'(h_q));
  assign last_group   = (32'(h_q) == 32'(cg_q) - 32'd1);
  assign mask_rd      = (dyn_q && !full_q) ? plane_buf[ent_rd.row_group[$clog2(MaxRowGroups)-1:0]]
                              : {Planes{1'b1}};

  // The lowest set bit of the remaining mask.
  always_comb begin
    pick = '0;
    for (int i = Planes - 1; i >= 0; i--) begin
      if (mask_q[i]) pick = PlaneW'(i);
    end
  end
  assign pick_phase = (32'(pick) >= 32'(MagBits));
  assign pick_plane = pick_phase ? 3'(32'(pick) - 32'(MagBits)) : 3'(pick);

  assign err_bad_entry = busy && (state_q == StFetch) && (32'(e_q) < tlen_q) &&
                         !(ent_in_range && ent_in_order);

  always_comb begin
    state_d     = state_q;
    h_d         = h_q;
    e_d         = e_q;
    ent_d       = ent_q;
    mask_d      = mask_q;
    have_prev_d = have_prev_q;
    prev_key_d  = prev_key_q;
    unique case (state_q)
      StIdle: ;
      StLoad: begin
        if (pr_out_valid && pr_last) state_d = StFetch;
      end
      StFetch: begin
        if (err_bad_entry) begin
          state_d = StAbort;
        end else if (ent_here) begin
          have_prev_d = 1'b1;
          prev_key_d  = key_rd;
          ent_d       = ent_rd;
          mask_d      = mask_rd;
          if (mask_rd == '0) e_d = e_q + EntW'(1);  // every read skipped: next entry
          else state_d = StIssue;
        end else begin
          state_d = StDrain;
        end
      end
      StIssue: begin
        if (req_hs) begin
          mask_d[pick] = 1'b0;
          if ((mask_q & ~(Planes'(1) << pick)) == '0) begin
            e_d     = e_q + EntW'(1);
            state_d = StFetch;
          end
        end
      end
      StDrain: begin
        if (outstanding == '0 && !rsp_pop) state_d = StOut;
      end
      StOut: begin
        if (out_hs) begin
          h_d     = h_q + CgW'(1);
          state_d = last_group ? StIdle : StFetch;
        end
      end
      StAbort: begin
        if (outstanding == '0 && !rsp_pop) state_d = StIdle;
      end
      default: state_d = StIdle;
    endcase
    if (start_ok) begin
      state_d     = StLoad;
      h_d         = '0;
      e_d         = '0;
      have_prev_d = 1'b0;
    end
  end

  assign finish = (state_q == StOut && out_hs && last_group) ||
                  (state_q == StAbort && outstanding == '0 && !rsp_pop);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= StIdle;
      h_q         <= '0;
      e_q         <= '0;
      mask_q      <= '0;
      have_prev_q <= 1'b0;
      prev_key_q  <= '0;
      grp_in_q    <= '0;
      rg_q        <= '0;
      cg_q        <= '0;
      k_q         <= '0;
      n_q         <= '0;
      tlen_q      <= '0;
      dyn_q       <= 1'b0;
      full_q      <= 1'b0;
      rb_q        <= '0;
    end else begin
      state_q     <= state_d;
      h_q         <= h_d;
      e_q         <= e_d;
      mask_q      <= mask_d;
      have_prev_q <= have_prev_d;
      prev_key_q  <= prev_key_d;
      if (start_ok) begin
        grp_in_q <= '0;
        rg_q     <= RgW'(rg_cfg);
        cg_q     <= CgW'(cg_cfg);
        k_q      <= k_len;
        n_q      <= n_len;
        tlen_q   <= table_len;
        dyn_q    <= mode[0];
        full_q   <= full_cfg;
        rb_q     <= RgW'(rb_cfg);
      end else if (pr_out_valid) begin
        grp_in_q <= grp_in_q + RgW'(1);
      end
    end
  end

  // The latched entry needs no reset: it is read only in StIssue, after StFetch wrote it.
  always_ff @(posedge clk_i) begin
    ent_q <= ent_d;
  end

  // ---------------------------------------------------------------------------------------
  // Crossbar requests: the wordlines are the chosen plane's bits of the lanes whose sign is the
  // chosen phase's, of the entry's row group (OU read, in wl[OuRows-1:0]) or of the RowSlots
  // groups of its row block (full-column read; groups at or beyond the layer's read as 0).
  localparam int unsigned GrpW = $clog2(MaxRowGroups);
  logic [PcW-1:0] wl_count;

  always_comb begin
    logic [ActBits-1:0]        v;
    logic [MagBits-1:0]        mag;
    logic [31:0]               grp;
    logic [OuRows*ActBits-1:0] lanes;
    xb_req_wl_o = '0;
    wl_count    = '0;
    v           = '0;
    mag         = '0;
    for (int unsigned j = 0; j < RowSlots; j++) begin
      grp   = full_q ? 32'(ent_q.row_group) * 32'(RowSlots) + 32'(j) : 32'(ent_q.row_group);
      lanes = act_buf[grp[GrpW-1:0]];
      if ((full_q || j == 0) && grp < 32'(rg_q)) begin
        for (int unsigned r = 0; r < OuRows; r++) begin
          v   = lanes[r*ActBits+:ActBits];
          mag = v[ActBits-1] ? MagBits'(-v) : v[MagBits-1:0];
          xb_req_wl_o[j*OuRows+r] = (v[ActBits-1] == pick_phase) && (v != '0) && mag[pick_plane];
        end
      end
    end
    for (int unsigned r = 0; r < XbarSize; r++) wl_count = wl_count + PcW'(xb_req_wl_o[r]);
  end

  assign xb_req_valid_o    = busy && (state_q == StIssue) && (outstanding < LvlW'(MaxOutstanding));
  assign xb_req_xbar_o     = ent_q.xbar;
  assign xb_req_row_slot_o = ent_q.row_slot;
  assign xb_req_col_slot_o = ent_q.col_slot;
  assign xb_req_full_o     = full_q;
  assign req_hs            = xb_req_valid_o && xb_req_ready_i;

  // Tag of a read: whether it subtracts (array sign != phase sign), its shift (slice + plane, or
  // 2 slice + plane for 2-bit slices), and for a full-column read the flip mask and the number
  // of driven wordlines.
  assign tag_in = {ent_q.pol != pick_phase,
                   ShiftW'((full_q ? 32'd2 : 32'd1) * 32'(ent_q.slice) + 32'(pick_plane)),
                   full_q ? ent_q.flip : OuCols'(0), wl_count};
  assign rsp_pop = xb_rsp_valid_i;

  sync_fifo #(
    .Width (TagW),
    .Depth (MaxOutstanding)
  ) u_tags (
    .clk_i,
    .rst_ni,
    .in_valid_i  (req_hs),
    .in_ready_o  (tag_in_ready),
    .in_data_i   (tag_in),
    .out_valid_o (tag_out_valid),
    .out_ready_i (rsp_pop),
    .out_data_o  (tag_out),
    .level_o     (outstanding)
  );

  // ---------------------------------------------------------------------------------------
  // Shift-add accumulation, one answer per cycle; a flipped column's value is
  // 3 * (driven wordlines) - code. MAX_CODE looks at the lanes below N only.
  logic [AccWidth-1:0] acc_q [OuCols];
  logic [CodeBits-1:0] rsp_max;
  logic                tag_sub;
  logic [ShiftW-1:0]   tag_shift;
  logic [OuCols-1:0]   tag_flip;
  logic [PcW-1:0]      tag_pc;
  assign {tag_sub, tag_shift, tag_flip, tag_pc} = tag_out;

  always_comb begin
    rsp_max = '0;
    for (int unsigned c = 0; c < OuCols; c++) begin
      if ((32'(h_q) * 32'(OuCols) + 32'(c) < n_q) &&
          (xb_rsp_codes_i[c*CodeBits+:CodeBits] > rsp_max)) begin
        rsp_max = xb_rsp_codes_i[c*CodeBits+:CodeBits];
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned c = 0; c < OuCols; c++) acc_q[c] <= '0;
    end else if (start_ok || out_hs) begin
      for (int unsigned c = 0; c < OuCols; c++) acc_q[c] <= '0;
    end else if (rsp_pop) begin
      for (int unsigned c = 0; c < OuCols; c++) begin
        logic [AccWidth-1:0] v;
        v = AccWidth'(xb_rsp_codes_i[c*CodeBits+:CodeBits]);
        if (tag_flip[c]) v = AccWidth'(3) * AccWidth'(tag_pc) - v;
        acc_q[c] <= tag_sub ? acc_q[c] - (v << tag_shift) : acc_q[c] + (v << tag_shift);
      end
    end
  end

  assign out_valid_o = busy && (state_q == StOut);
  assign out_last_o  = last_group;
  assign out_hs      = out_valid_o && out_ready_i;
  always_comb begin
    for (int unsigned c = 0; c < OuCols; c++) begin
      out_data_o[c*AccWidth+:AccWidth] =
          (32'(h_q) * 32'(OuCols) + 32'(c) < n_q) ? acc_q[c] : '0;
    end
  end
  assign done_o = done;

  // ---------------------------------------------------------------------------------------
  // Counters of the run.
  logic [Planes-1:0] skipped_planes;
  logic [PlaneW:0]   skipped_count;
  assign skipped_planes = ~mask_rd;
  always_comb begin
    skipped_count = '0;
    for (int unsigned i = 0; i < Planes; i++) skipped_count = skipped_count + (PlaneW+1)'(skipped_planes[i]);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      count_in_q    <= '0;
      count_out_q   <= '0;
      issued_q      <= '0;
      skip_static_q <= '0;
      skip_dyn_q    <= '0;
      adc_conv_q    <= '0;
      max_code_q    <= '0;
    end else if (start_ok) begin
      count_in_q    <= '0;
      count_out_q   <= '0;
      issued_q      <= '0;
      skip_static_q <= (dense_ous - table_len) * 32'(Planes);
      skip_dyn_q    <= '0;
      adc_conv_q    <= '0;
      max_code_q    <= '0;
    end else begin
      if (in_hs) count_in_q <= count_in_q + 32'd1;
      if (out_hs) count_out_q <= count_out_q + 32'd1;
      if (req_hs) begin
        issued_q   <= issued_q + 32'd1;
        adc_conv_q <= adc_conv_q + 32'(OuCols);
      end
      if (busy && state_q == StFetch && !err_bad_entry && ent_here) begin
        skip_dyn_q <= skip_dyn_q + 32'(skipped_count);
      end
      if (rsp_pop && 32'(rsp_max) > max_code_q) max_code_q <= 32'(rsp_max);
    end
  end

  // The upper configuration bits are checked at start (ERR) or unused by design.
  logic unused_bits;
  assign unused_bits = ^{thresh[31:MagBits+1], tbl_addr, tag_in_ready, tag_out_valid, pr_zeroed};

  `HYCIM_ASSERT_INIT(GroupsPow2, (MaxRowGroups & (MaxRowGroups - 1)) == 0 &&
                     (MaxEntries >= 2), "MaxRowGroups must be a power of two, MaxEntries >= 2")
  `HYCIM_ASSERT_INIT(SlotsFit, XbarSize % OuRows == 0 && XbarSize % OuCols == 0 &&
                     RowSlots <= 16 && ColSlots <= 16, "XbarSize must be a multiple of the OU, <= 16 OUs")
  `HYCIM_ASSERT_INIT(EntryWidth, EntryW == $bits(entry_t), "EntryW must be the width of entry_t")
  `HYCIM_ASSERT_INIT(AdcFits, (1 << AdcBits) > OuRows, "an ideal OU code must fit the ADC")
  `HYCIM_ASSERT_INIT(FullAdcFits, (1 << FullAdcBits) > 3 * XbarSize / 2,
                     "a flip-encoded full-column code must fit its ADC")
  `HYCIM_ASSERT_INIT(MagBitsFit, MagBits >= 1 && MagBits <= 8, "ActBits must be 2..9")
  `HYCIM_ASSERT_INIT(GroupsFit, MaxRowGroups <= 256 && MaxColGroups <= 256 && MaxXbars <= 65536,
                     "groups are 8-bit table fields, crossbars 16-bit")
  `HYCIM_ASSERT_STREAM_IN(InStream, in_valid_i, in_ready_o, {in_act_i, in_last_i})
  `HYCIM_ASSERT_STREAM(XbReq, xb_req_valid_o, xb_req_ready_i,
                       {xb_req_xbar_o, xb_req_row_slot_o, xb_req_col_slot_o, xb_req_full_o,
                        xb_req_wl_o})
  `HYCIM_ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, {out_data_o, out_last_o})
  `HYCIM_ASSERT(RspOnlyWhenOutstanding, xb_rsp_valid_i |-> tag_out_valid)
  `HYCIM_ASSERT(RspKnown, xb_rsp_valid_i |-> !$isunknown(xb_rsp_codes_i))
  `HYCIM_ASSERT(NoInputWhenIdle, in_hs |-> busy)
  `HYCIM_ASSERT(TagNeverOverflows, req_hs |-> tag_in_ready)
  `HYCIM_ASSERT(IssueHasAPlane, (state_q == StIssue) |-> (mask_q != '0))
  `HYCIM_ASSERT(OutNeverTwice, count_out_q <= 32'(cg_q))
  `HYCIM_COVER(CoverDynamicSkip, busy && state_q == StFetch && ent_here && mask_rd != {Planes{1'b1}})
  `HYCIM_COVER(CoverFullOutstanding, outstanding == LvlW'(MaxOutstanding))
  `HYCIM_COVER(CoverAbort, state_q == StAbort)

endmodule
