// A bench for the one-in, one-out stream primitives (spill_register, sync_fifo): random 16-bit
// beats in, the same beats expected out in order, under a stall profile.
#pragma once

#include <cstdint>
#include <functional>

#include "harness.h"
#include "hycim_test.h"
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

inline std::string stall_name(const ::testing::TestParamInfo<StallProfile>& p) {
  return p.param.name;
}

inline const auto kAllStalls =
    ::testing::Values(StallProfile::none(), StallProfile::random(), StallProfile::heavy());

}  // namespace hycim::tb
