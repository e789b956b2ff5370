// hycim_run_ctrl: the run control every HyCIM top shares: BUSY, DONE, the sticky ERR bits and
// the busy-cycle counter behind the common register header (docs/registers.md). The generated
// register block (<top>_reg_top, scripts/gen_regs.py) instantiates it; tops see only its
// start_o / busy_o / done_o and drive its error and finish inputs.
//
// A start request (CTRL.START written with 1):
//   - while BUSY: sets the start-while-busy bit and changes nothing else;
//   - when idle with an illegal configuration (cfg_err_i != 0): ERR = cfg_err_i, DONE set at
//     once, BUSY stays low, start_ok_o stays low (the top touches nothing);
//   - when idle with a legal configuration: ERR cleared, DONE cleared, BUSY set, the cycle
//     counter cleared, start_ok_o high for that one cycle.
// event_err_i bits set their ERR bits in any cycle (sticky until the next legal start).
// finish_i (the run's last handshake) clears BUSY and sets DONE. CYCLES counts the cycles a
// run was BUSY.

`include "hycim_assert.svh"

module hycim_run_ctrl #(
  parameter int unsigned ErrWidth     = 8,  // ERR register bits in use
  parameter int unsigned StartBusyBit = 0   // the start-while-busy class
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                start_req_i,   // CTRL.START written with 1 (one cycle)
  input  logic [ErrWidth-1:0] cfg_err_i,     // illegal-configuration classes, sampled at start
  input  logic [ErrWidth-1:0] event_err_i,   // classes raised during a run (one cycle each)
  input  logic                finish_i,      // the run's last handshake
  output logic                start_ok_o,    // a legal start: the top begins the run
  output logic                busy_o,
  output logic                done_o,
  output logic [ErrWidth-1:0] err_o,
  output logic [31:0]         cycles_o
);

  logic                busy_q, busy_d, done_q, done_d;
  logic [ErrWidth-1:0] err_q, err_d;
  logic [31:0]         cycles_q, cycles_d;
  logic                cfg_ok;

  assign cfg_ok     = (cfg_err_i == '0);
  assign start_ok_o = start_req_i && !busy_q && cfg_ok;

  always_comb begin
    busy_d   = busy_q;
    done_d   = done_q;
    err_d    = err_q;
    cycles_d = cycles_q;
    if (start_req_i) begin
      if (busy_q) begin
        err_d[StartBusyBit] = 1'b1;
      end else begin
        err_d  = cfg_err_i;
        done_d = !cfg_ok;
        busy_d = cfg_ok;
      end
    end
    err_d = err_d | event_err_i;
    if (finish_i) begin
      busy_d = 1'b0;
      done_d = 1'b1;
    end
    if (start_ok_o) begin
      cycles_d = 32'd0;
    end else if (busy_q) begin
      cycles_d = cycles_q + 32'd1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q   <= 1'b0;
      done_q   <= 1'b0;
      err_q    <= '0;
      cycles_q <= 32'd0;
    end else begin
      busy_q   <= busy_d;
      done_q   <= done_d;
      err_q    <= err_d;
      cycles_q <= cycles_d;
    end
  end

  assign busy_o   = busy_q;
  assign done_o   = done_q;
  assign err_o    = err_q;
  assign cycles_o = cycles_q;

  `HYCIM_ASSERT_INIT(StartBusyBitInRange, StartBusyBit < ErrWidth,
                     "StartBusyBit must be below ErrWidth")
  `HYCIM_ASSERT_INIT(ErrWidthRange, ErrWidth >= 1 && ErrWidth <= 32, "ErrWidth must be 1..32")
  `HYCIM_ASSERT(DoneNotBusy, done_q |-> !busy_q)
  `HYCIM_ASSERT(FinishOnlyWhenBusy, finish_i |-> busy_q)
  `HYCIM_COVER(CoverIllegalStart, start_req_i && !busy_q && !cfg_ok)
  `HYCIM_COVER(CoverStartWhileBusy, start_req_i && busy_q)

endmodule
