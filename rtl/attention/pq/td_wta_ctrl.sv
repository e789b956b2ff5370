// td_wta_ctrl: the digital half of the time-domain winner-take-all (docs/architecture.md 2.2).
//
// The analog front end discharges one sense node per crossbar column; a column's `fire` line
// rises when its node crosses the comparator threshold and stays high until the next race.
// start_i (while idle) begins a race: the tick counter samples tick 1 in the next cycle, tick 2 in
// the one after, and so on. In the cycle that samples tick t, every active group that has not
// finished and sees at least one fire line high locks: its winner is the lowest firing column,
// `tie` is set when more than one line is high, and win_tick = t. A group still unlocked after
// sampling t_max times out (code 0, win_tick = t_max). grp_stop_o of a group rises in the cycle
// after it finished (and is high for inactive groups from the start), so the analog model can
// stop discharging it. done_o pulses for one cycle after the last active group finished; the
// results hold until the next start. Golden model: hycim::golden::wta (golden/attention/pq.h).

`include "hycim_assert.svh"

module td_wta_ctrl #(
  parameter int unsigned NumGroups    = 8,   // NG
  parameter int unsigned ColsPerGroup = 16,  // C, at most 16 (4-bit codes)
  parameter int unsigned TickWidth    = 10,  // TW
  localparam int unsigned GroupsW = $clog2(NumGroups + 1),
  localparam int unsigned NumCols = NumGroups * ColsPerGroup
) (
  input  logic                           clk_i,
  input  logic                           rst_ni,
  input  logic                           start_i,     // ignored while busy_o
  input  logic [GroupsW-1:0]             groups_i,    // active groups, 1..NumGroups
  input  logic [TickWidth-1:0]           t_max_i,     // >= 1
  input  logic [NumCols-1:0]             fire_i,
  output logic [NumGroups-1:0]           grp_stop_o,
  output logic                           busy_o,
  output logic                           done_o,      // one-cycle pulse
  output logic [TickWidth-1:0]           tick_o,      // the tick sampled in this cycle
  output logic [4*NumGroups-1:0]         code_o,
  output logic [NumGroups-1:0]           tie_o,
  output logic [NumGroups-1:0]           timeout_o,
  output logic [TickWidth*NumGroups-1:0] win_tick_o
);

  localparam int unsigned IdxW = (ColsPerGroup > 1) ? $clog2(ColsPerGroup) : 1;

  logic                           busy_q, done_q;
  logic [TickWidth-1:0]           tick_q, t_max_q;
  logic [NumGroups-1:0]           active_q, fin_q, fin_d;
  logic [NumGroups-1:0]           lock, tmo;
  logic [4*NumGroups-1:0]         code_q;
  logic [NumGroups-1:0]           tie_q, timeout_q;
  logic [TickWidth*NumGroups-1:0] win_q;
  logic [NumGroups-1:0]           any_fire, multi_fire;
  logic [IdxW-1:0]                win_idx [NumGroups];
  logic                           starting, last_tick;

  assign starting  = start_i && !busy_q;
  assign last_tick = (tick_q == t_max_q);

  // Per group: one-hot of the lowest firing column (x & -x), its index, and whether others fired.
  for (genvar g = 0; g < NumGroups; g++) begin : gen_grp
    logic [ColsPerGroup-1:0] f, oh;
    assign f  = fire_i[g*ColsPerGroup +: ColsPerGroup];
    assign oh = f & (~f + ColsPerGroup'(1));
    assign any_fire[g]   = |f;
    assign multi_fire[g] = |(f & ~oh);
    always_comb begin
      win_idx[g] = '0;
      for (int unsigned c = 0; c < ColsPerGroup; c++) begin
        if (oh[c]) win_idx[g] = IdxW'(c);
      end
    end
    assign lock[g] = busy_q && active_q[g] && !fin_q[g] && any_fire[g];
    assign tmo[g]  = busy_q && active_q[g] && !fin_q[g] && !any_fire[g] && last_tick;

    `HYCIM_ASSERT(WinnerOneHot, busy_q |-> ($onehot0(oh) && (any_fire[g] == $onehot(oh))))
  end

  assign fin_d = fin_q | lock | tmo;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q    <= 1'b0;
      done_q    <= 1'b0;
      tick_q    <= '0;
      t_max_q   <= '0;
      active_q  <= '0;
      fin_q     <= '0;
      code_q    <= '0;
      tie_q     <= '0;
      timeout_q <= '0;
      win_q     <= '0;
    end else begin
      done_q <= 1'b0;
      if (starting) begin
        busy_q    <= 1'b1;
        tick_q    <= TickWidth'(1);
        t_max_q   <= t_max_i;
        fin_q     <= '0;
        code_q    <= '0;
        tie_q     <= '0;
        timeout_q <= '0;
        win_q     <= '0;
        for (int unsigned g = 0; g < NumGroups; g++) active_q[g] <= (g < 32'(groups_i));
      end else if (busy_q) begin
        fin_q  <= fin_d;
        tick_q <= tick_q + TickWidth'(1);
        for (int unsigned g = 0; g < NumGroups; g++) begin
          if (lock[g]) begin
            code_q[4*g +: 4]               <= 4'(win_idx[g]);
            tie_q[g]                       <= multi_fire[g];
            win_q[TickWidth*g +: TickWidth] <= tick_q;
          end
          if (tmo[g]) begin
            timeout_q[g]                   <= 1'b1;
            win_q[TickWidth*g +: TickWidth] <= tick_q;
          end
        end
        if ((fin_d | ~active_q) == '1) begin
          busy_q <= 1'b0;
          done_q <= 1'b1;
        end
      end
    end
  end

  assign grp_stop_o = fin_q | ~active_q;
  assign busy_o     = busy_q;
  assign done_o     = done_q;
  assign tick_o     = tick_q;
  assign code_o     = code_q;
  assign tie_o      = tie_q;
  assign timeout_o  = timeout_q;
  assign win_tick_o = win_q;

  `HYCIM_ASSERT_INIT(ColsRange, ColsPerGroup >= 2 && ColsPerGroup <= 16,
                     "ColsPerGroup must be 2..16 (4-bit codes)")
  `HYCIM_ASSERT_INIT(GroupsRange, NumGroups >= 1 && NumGroups <= 8,
                     "NumGroups must be 1..8 (codes pack into 32 bits)")
  // A group locks or times out at most once per race, and then keeps its result.
  `HYCIM_ASSERT(FinishOnce, busy_q |-> ((lock | tmo) & fin_q) == '0)
  `HYCIM_ASSERT(FinishedStays, (busy_q && !starting) |=> ((fin_q & $past(fin_q)) == $past(fin_q)))
  // done only after every active group locked or timed out.
  `HYCIM_ASSERT(DoneAfterAllGroups, done_q |-> ((fin_q | ~active_q) == '1))
  // The race never runs past t_max: the counter stops with the last group.
  `HYCIM_ASSERT(TickWithinTmax, busy_q |-> (tick_q <= t_max_q))
  `HYCIM_ASSERT(StartNeedsGroups, starting |-> (groups_i != '0 && 32'(groups_i) <= NumGroups &&
                                                t_max_i != '0))
  `HYCIM_COVER(CoverTie, |(lock & multi_fire))
  `HYCIM_COVER(CoverTimeout, |tmo)

endmodule
