// Directed-test bench for requant_top: harness, APB driver, input source and output sink.
#pragma once

#include <vector>

#include "apb.h"
#include "harness.h"
#include "hycim_test.h"
#include "requant_scenario.h"
#include "scoreboard.h"
#include "stream.h"

namespace hycim::tb {

template <class Dut>
struct RequantBench {
  using InBeat = requant::InBeat;
  using OutBeat = requant::OutBeat;
  Harness<Dut> h;
  ApbDriver<Dut> apb;
  StreamSource<InBeat> src;
  std::vector<OutBeat> got;
  StreamSink<OutBeat> sink;

  RequantBench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng)
      : h(ho, log),
        apb(h),
        src("requant.in",
            {[this](bool v) { h.dut().in_valid_i = v; }, [this] { return h.dut().in_ready_o != 0; },
             [this](const InBeat& b) {
               h.dut().in_data_i = static_cast<uint32_t>(b.data);
               h.dut().in_last_i = b.last;
             }},
            rng, 1.0),
        sink("requant.out",
             {[this] { return h.dut().out_valid_o != 0; },
              [this](bool r) { h.dut().out_ready_i = r; },
              [this] {
                return OutBeat{static_cast<int8_t>(h.dut().out_data_o), h.dut().out_last_o != 0};
              }},
             rng, 1.0, log, [this](const OutBeat& b, uint64_t) { got.push_back(b); }) {
    h.add(src);
    h.add(sink);
    h.reset();
  }

  void configure(const golden::RequantConfig& c) {
    apb.write_ok(requant::kLen, c.len);
    apb.write_ok(requant::kShift, c.shift);
    apb.write_ok(requant::kMult, c.mult);
    apb.write_ok(requant::kMode, c.mode);
    apb.write_ok(requant::kSeed, c.seed);
  }
};

}  // namespace hycim::tb
