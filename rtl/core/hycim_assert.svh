// HyCIM assertion macros: the one place where assertion syntax lives.
//
// Under Verilator (built with --assert) the macros expand to named concurrent SVA whose failure
// prints the assertion name and the instance path through $error; the testbench harness turns
// that into a test failure. Under Yosys (which defines SYNTHESIS and rejects concurrent
// assertions) they expand to nothing. Only the SVA subset that Verilator 5.006 accepts is used:
// no ##N, no sequences, no default disable iff (see docs/conventions.md).
//
// Every macro takes the clock and the active-low reset explicitly with the HyCIM defaults
// (clk_i, rst_ni) so that modules with those port names can omit them.

`ifndef HYCIM_ASSERT_SVH
`define HYCIM_ASSERT_SVH

`ifndef SYNTHESIS

// A named concurrent assertion: __prop must hold on every rising clock edge outside reset.
`define HYCIM_ASSERT(__name, __prop, __clk = clk_i, __rst_n = rst_ni)                       \
  __name: assert property (@(posedge __clk) disable iff (!(__rst_n)) (__prop))              \
    else $error("[%0t] assertion %s failed in %m", $time, `"__name`");

// A named coverage point.
`define HYCIM_COVER(__name, __prop, __clk = clk_i, __rst_n = rst_ni)                        \
  __name: cover property (@(posedge __clk) disable iff (!(__rst_n)) (__prop));

// The valid/ready rules every stream source obeys (docs/conventions.md, "Streams"):
// once valid is high it stays high, with the same data and last, until the handshake.
`define HYCIM_ASSERT_STREAM(__name, __valid, __ready, __payload, __clk = clk_i, __rst_n = rst_ni) \
  __name``_ValidHeld: assert property (@(posedge __clk) disable iff (!(__rst_n))             \
      ((__valid) && !(__ready)) |=> (__valid))                                                \
    else $error("[%0t] stream %s: valid dropped before the handshake in %m", $time,          \
                `"__name`");                                                                 \
  __name``_PayloadStable: assert property (@(posedge __clk) disable iff (!(__rst_n))         \
      ((__valid) && !(__ready)) |=> $stable(__payload))                                       \
    else $error("[%0t] stream %s: payload changed while valid && !ready in %m", $time,       \
                `"__name`");

// The same rules checked on an INPUT stream: the source is outside the module (another block
// or the testbench), so a failure names the module's input port as the one that broke them.
// Every top carries it on every input stream.
`define HYCIM_ASSERT_STREAM_IN(__name, __valid, __ready, __payload, __clk = clk_i, __rst_n = rst_ni) \
  __name``_ValidHeld: assert property (@(posedge __clk) disable iff (!(__rst_n))             \
      ((__valid) && !(__ready)) |=> (__valid))                                                \
    else $error("[%0t] input stream %s: the source dropped valid before the handshake in %m", \
                $time, `"__name`");                                                          \
  __name``_PayloadStable: assert property (@(posedge __clk) disable iff (!(__rst_n))         \
      ((__valid) && !(__ready)) |=> $stable(__payload))                                       \
    else $error("[%0t] input stream %s: the source changed the payload while stalled in %m", \
                $time, `"__name`");

// Elaboration-time parameter check. Fails the build (Verilator) with the given message.
`define HYCIM_ASSERT_INIT(__name, __cond, __msg)                                             \
  if (!(__cond)) begin : __name                                                               \
    $fatal(1, "parameter check %s failed in %m: %s", `"__name`", __msg);                      \
  end

`else  // SYNTHESIS

`define HYCIM_ASSERT(__name, __prop, __clk = clk_i, __rst_n = rst_ni)
`define HYCIM_COVER(__name, __prop, __clk = clk_i, __rst_n = rst_ni)
`define HYCIM_ASSERT_STREAM(__name, __valid, __ready, __payload, __clk = clk_i, __rst_n = rst_ni)
`define HYCIM_ASSERT_STREAM_IN(__name, __valid, __ready, __payload, __clk = clk_i, __rst_n = rst_ni)
`define HYCIM_ASSERT_INIT(__name, __cond, __msg)

`endif  // SYNTHESIS

`endif  // HYCIM_ASSERT_SVH
