// pq_encoder's crossbar port bound to a Verilator model: the sim/ responder
// (sim/attention/pq_xbar_responder.h) reads xb_eval_o, xb_sel_o, xb_level_o and grp_stop_o and
// drives fire_i and the ana_* probes through it, and XbarResponder plugs the two into the
// harness's cycle. The model's root header (V<top>___024root.h) must be included first: the
// probes are signals inside the top.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "error_log.h"
#include "golden/attention/pq.h"
#include "harness.h"
#include "sim/attention/pq_xbar_responder.h"

namespace hycim::tb::pq {

// Bit i of a Verilator port (an integer up to 64 bits, a VlWide above).
template <class W>
inline bool wide_bit(const W& w, unsigned i) {
  if constexpr (std::is_integral_v<W>) {
    return (w >> i) & 1;
  } else {
    return (w[i / 32] >> (i % 32)) & 1;
  }
}

template <class Dut>
class VlPqXbarPort : public sim::PqXbarPort {
 public:
  VlPqXbarPort(Harness<Dut>& h, const golden::XbarSpec& spec) : h_(h), in_bits_(spec.in_bits) {}

  bool eval() const override { return h_.dut().xb_eval_o != 0; }
  uint32_t sel() const override { return static_cast<uint32_t>(h_.dut().xb_sel_o); }
  uint32_t level(int row) const override {
    uint32_t v = 0;
    for (int b = 0; b < in_bits_; ++b) {
      v |= static_cast<uint32_t>(wide_bit(h_.dut().xb_level_o, row * in_bits_ + b)) << b;
    }
    return v;
  }
  bool group_stop(int g) const override { return wide_bit(h_.dut().grp_stop_o, g); }
  void set_fire(int word, uint32_t v) override {
    auto& f = h_.dut().fire_i;
    if constexpr (std::is_integral_v<std::remove_reference_t<decltype(f)>>) {
      f = static_cast<std::remove_reference_t<decltype(f)>>(v);
      (void)word;
    } else {
      f[word] = v;
    }
  }
  bool tracing() const override { return h_.tracing(); }
  // The analog probes are simulation-only RTL signals (pq_encoder.sv, `ifndef SYNTHESIS) for
  // the waveforms; a synthesized netlist has none (test_pq_encoder_gate, docs/gate_level.md).
#ifdef HYCIM_GATE_NETLIST
  void set_group_vsense(int, double) override {}
  void set_column_vsense(int, double) override {}
#else
  void set_group_vsense(int g, double v) override {
    auto* r = h_.dut().rootp;
    double* probe[8] = {&r->pq_encoder__DOT__ana_vsense_g0, &r->pq_encoder__DOT__ana_vsense_g1,
                        &r->pq_encoder__DOT__ana_vsense_g2, &r->pq_encoder__DOT__ana_vsense_g3,
                        &r->pq_encoder__DOT__ana_vsense_g4, &r->pq_encoder__DOT__ana_vsense_g5,
                        &r->pq_encoder__DOT__ana_vsense_g6, &r->pq_encoder__DOT__ana_vsense_g7};
    *probe[g] = v;
  }
  void set_column_vsense(int c, double v) override {
    auto* r = h_.dut().rootp;
    double* col[16] = {
        &r->pq_encoder__DOT__ana_col_vsense_0,  &r->pq_encoder__DOT__ana_col_vsense_1,
        &r->pq_encoder__DOT__ana_col_vsense_2,  &r->pq_encoder__DOT__ana_col_vsense_3,
        &r->pq_encoder__DOT__ana_col_vsense_4,  &r->pq_encoder__DOT__ana_col_vsense_5,
        &r->pq_encoder__DOT__ana_col_vsense_6,  &r->pq_encoder__DOT__ana_col_vsense_7,
        &r->pq_encoder__DOT__ana_col_vsense_8,  &r->pq_encoder__DOT__ana_col_vsense_9,
        &r->pq_encoder__DOT__ana_col_vsense_10, &r->pq_encoder__DOT__ana_col_vsense_11,
        &r->pq_encoder__DOT__ana_col_vsense_12, &r->pq_encoder__DOT__ana_col_vsense_13,
        &r->pq_encoder__DOT__ana_col_vsense_14, &r->pq_encoder__DOT__ana_col_vsense_15};
    *col[c] = v;
  }
#endif

 private:
  Harness<Dut>& h_;
  int in_bits_;
};

// The responder on a Verilator model, as a harness plug-in; its errors go to the log.
template <class Dut>
class XbarResponder : public ClockPlugin, private VlPqXbarPort<Dut>, public sim::PqXbarResponder {
 public:
  XbarResponder(Harness<Dut>& h, ErrorLog& log, const golden::XbarSpec& spec)
      : VlPqXbarPort<Dut>(h, spec),
        sim::PqXbarResponder(static_cast<sim::PqXbarPort&>(*this), spec,
                             [&log](const std::string& m) { log.error(m); }) {}

  void drive(uint64_t cycle) override { sim::PqXbarResponder::drive(cycle); }
  void sample(uint64_t cycle) override { sim::PqXbarResponder::sample(cycle); }
  // A reset in the middle of a run: the race in flight and the run's tokens are dropped; while
  // rst_ni is low no xb_eval_o may rise (a race for an unsent token is reported as before).
  void reset_begin(uint64_t) override { sim::PqXbarResponder::reset(); }
};

}  // namespace hycim::tb::pq
