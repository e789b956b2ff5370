// A bench for the one-in, one-out stream primitives (spill_register, sync_fifo): random 16-bit
// beats in, the same beats expected out in order, under a stall profile.
#pragma once

#include <cstdint>
#include <functional>

#include "harness.h"
#include "hycim_test.h"
#include "mid_reset.h"
#include "scoreboard.h"
#include "stream.h"

namespace hycim::tb {

template <class Dut>
struct PassthroughBench {
  Harness<Dut> h;
  Scoreboard<uint16_t> sb;
  StreamSource<uint16_t> src;
  StreamSink<uint16_t> sink;

  PassthroughBench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng,
                   const StallProfile& stall, const std::string& stream)
      : h(ho, log),
        sb(stream, log),
        src(stream + ".in",
            {[this](bool v) { h.dut().in_valid_i = v; }, [this] { return h.dut().in_ready_o != 0; },
             [this](const uint16_t& x) { h.dut().in_data_i = x; }},
            rng, stall.valid_prob),
        sink(stream,
             {[this] { return h.dut().out_valid_o != 0; },
              [this](bool r) { h.dut().out_ready_i = r; },
              [this] { return static_cast<uint16_t>(h.dut().out_data_o); }},
             rng, stall.ready_prob, log, [this](const uint16_t& x, uint64_t) { sb.observe(x); }) {
    h.add(src);
    h.add(sink);
    h.reset();
  }

  // Sends n random beats and waits until all came out. Returns the cycles it took.
  uint64_t run(golden::Rng& rng, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
      const auto v = static_cast<uint16_t>(rng.next_u32());
      src.push(v);
      sb.expect(v);
    }
    const uint64_t start = h.cycle();
    h.run_until([&] { return sb.pending() == 0; }, 100 * n + 100, "all beats out");
    return h.cycle() - start;
  }
};

// Reset in the middle of a run (docs/conventions.md): n beats sent, rst_ni asserted at `point`
// with beats inside the block, then no output valid until new beats are sent, and a fresh job of
// n beats must come out exact and in order (a pointer or full flag that kept its value through
// the reset would let a stale beat out or reorder them). Returns the fresh job's beats compared.
// `quiet` watches out_valid_o and a ResetHook withdraws the scoreboard's expectations; both are
// added to the harness by the caller, once.
template <class Dut>
uint64_t passthrough_mid_reset_round(PassthroughBench<Dut>& b, QuietMonitor& quiet,
                                     golden::Rng& rng, ResetPoint point, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    const auto v = static_cast<uint16_t>(rng.next_u32());
    b.src.push(v);
    b.sb.expect(v);
  }
  const std::string where = run_to_reset_point(
      b.h, point, rng,
      {[&, base = b.sink.received()] { return b.sink.received() - base; }, n,
       [&] { return b.h.dut().out_valid_o != 0; }, [&](bool p) { b.sink.pause(p); }});
  fmt::print("[  reset   ] {}\n", where);
  b.sink.pause(false);
  b.h.reset_mid_run(static_cast<unsigned>(rng.uniform_int(1, 5)));
  // Idle cycles with nothing sent: the block must stay empty.
  b.h.step(static_cast<uint64_t>(rng.uniform_int(2, 10)));
  EXPECT_GT(quiet.checked(), 0u);
  quiet.release();
  const uint64_t before = b.sb.compared();
  b.run(rng, n);
  return b.sb.compared() - before;
}

// The whole <Block>Reset.MidOperation test of a passthrough block: three interrupted rounds at
// `point`, each followed by a fresh job of 40 beats that must come out exact.
template <class Dut>
void passthrough_mid_reset_test(const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng,
                                ResetPoint point) {
  PassthroughBench<Dut> b(ho, log, rng, StallProfile::random(), "out");
  QuietMonitor quiet(log, {{"out_valid_o", [&] { return b.h.dut().out_valid_o != 0; }}});
  ResetHook drop([&] { b.sb.reset(); });
  b.h.add(quiet);
  b.h.add(drop);
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(passthrough_mid_reset_round(b, quiet, rng, point, 40), 40u);
  }
  EXPECT_TRUE(b.sb.finish());
}

}  // namespace hycim::tb
