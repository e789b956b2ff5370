// The ERA-BS scenario: layers compiled by the golden weight compiler, their OU tables loaded into
// erabs_ctrl over APB, activation vectors streamed in, every OU read answered by the OU crossbar
// model (sim/bitsparse/ou_xbar.h) cycle by cycle, and every output beat and performance counter
// compared with golden::execute_layer on a second chip built alike (so the non-ideal chips give
// the same codes in the same read order). Used by `hycim run erabs` and by
// tests/bitsparse/test_erabs_ctrl.cc.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "apb.h"
#include "erabs_stimulus.h"
#include "golden/bitsparse/compiler.h"
#include "golden/bitsparse/execute.h"
#include "golden/bitsparse/isaac.h"
#include "golden/core/rng.h"
#include "harness.h"
#include "port_bits.h"
#include "regs/erabs_ctrl_regs.h"
#include "scenario.h"
#include "scoreboard.h"
#include "sim/bitsparse/ou_xbar.h"
#include "stream.h"

namespace hycim::tb::erabs {

// Register byte offsets, fields and ERR bits: generated from rtl/bitsparse/erabs_ctrl.regs.toml
// (docs/bitsparse/erabs_ctrl.md).
using namespace hycim::regs::erabs_ctrl;

struct InBeat {
  std::vector<int8_t> act;
  bool last = false;
  bool operator==(const InBeat&) const = default;
  std::string str() const { return fmt::format("{{act {}, last {}}}", fmt::join(act, " "), last); }
};

struct OutBeat {
  std::vector<int32_t> acc;
  bool last = false;
  bool operator==(const OutBeat&) const = default;
  std::string str() const { return fmt::format("{{acc {}, last {}}}", fmt::join(acc, " "), last); }
};

// The build, as its constant registers give it.
struct Build {
  uint32_t row_groups = 0, col_groups = 0, xbars = 0, entries = 0;
  uint32_t ou_rows = 0, ou_cols = 0, xbar_size = 0, mag_bits = 0, adc_bits = 0;
  uint32_t full_adc_bits = 0;
  uint32_t code_bits() const { return std::max(adc_bits, full_adc_bits); }
  uint32_t max_k() const { return row_groups * ou_rows; }
  uint32_t max_n() const { return col_groups * ou_cols; }
  golden::ErabsGeometry geom() const {
    return {.mag_bits = mag_bits,
            .ou_rows = ou_rows,
            .ou_cols = ou_cols,
            .xbar_rows = xbar_size,
            .xbar_cols = xbar_size,
            .act_mag_bits = mag_bits,
            .adc_bits = adc_bits};
  }
};

template <class Dut>
Build read_build(ApbDriver<Dut>& apb) {
  const uint32_t ms = apb.read_ok(kMaxSize), g = apb.read_ok(kGeom);
  auto f = [](uint32_t v, uint32_t mask, uint32_t shift) { return (v & mask) >> shift; };
  return {.row_groups = f(ms, kMaxSizeRowGroupsMask, kMaxSizeRowGroupsShift),
          .col_groups = f(ms, kMaxSizeColGroupsMask, kMaxSizeColGroupsShift),
          .xbars = f(ms, kMaxSizeXbarsMask, kMaxSizeXbarsShift),
          .entries = apb.read_ok(kMaxEntries),
          .ou_rows = f(g, kGeomOuRowsMask, kGeomOuRowsShift),
          .ou_cols = f(g, kGeomOuColsMask, kGeomOuColsShift),
          .xbar_size = f(g, kGeomXbarSizeMask, kGeomXbarSizeShift),
          .mag_bits = f(g, kGeomMagBitsMask, kGeomMagBitsShift),
          .adc_bits = f(g, kGeomAdcBitsMask, kGeomAdcBitsShift),
          .full_adc_bits = f(apb.read_ok(kFullRead), kFullReadAdcBitsMask, kFullReadAdcBitsShift)};
}

// A table entry as TBL_LO and TBL_HI carry it.
struct EntryWords {
  uint32_t lo = 0, hi = 0;
};
inline EntryWords encode_entry(const golden::OuEntry& e, uint32_t flip = 0) {
  return {(e.row_group << kTblLoRowGroupShift) | (e.col_group << kTblLoColGroupShift) |
              (e.slice << kTblLoSliceShift) | (e.pol << kTblLoPolShift) |
              (e.slot.row_slot << kTblLoRowSlotShift) | (e.slot.col_slot << kTblLoColSlotShift),
          (e.slot.xbar << kTblHiXbarShift) | (flip << kTblHiFlipShift)};
}
inline EntryWords encode_entry(const golden::IsaacEntry& u) { return encode_entry(u.e, u.flip); }

// The golden answer of one vector, with the counters as the registers hold them.
struct VectorExpect {
  std::vector<OutBeat> beats;
  std::vector<uint32_t> counters;  // kCounterNames order
  golden::ExecCounters ct;
};
inline constexpr const char* kCounterNames[] = {"ERR",        "COUNT_IN",    "COUNT_OUT",
                                                "OUS_ISSUED", "SKIP_STATIC", "SKIP_DYNAMIC",
                                                "ADC_CONV",   "MAX_CODE"};
inline constexpr uint32_t kCounterRegs[] = {kErr,        kCountIn,     kCountOut, kOusIssued,
                                            kSkipStatic, kSkipDynamic, kAdcConv,  kMaxCode};

// The crossbars answering erabs_ctrl's read port: a read is taken with probability ready_prob,
// read from the chip at its handshake (so the read order is the controller's) and answered, in
// order, after 1 .. max_latency cycles.
template <class Dut>
class XbarResponder : public ClockPlugin {
 public:
  XbarResponder(Harness<Dut>& h, golden::Rng& rng, double ready_prob, unsigned max_latency)
      : h_(h), rng_(rng), ready_prob_(ready_prob), max_latency_(max_latency) {}

  void set_chip(sim::LayerChip* chip, const Build& b) {
    chip_ = chip;
    isaac_ = nullptr;
    build_ = b;
  }
  void set_chip(sim::IsaacChip* chip, const Build& b) {
    isaac_ = chip;
    chip_ = nullptr;
    build_ = b;
  }
  uint64_t reads() const { return reads_; }
  size_t in_flight() const { return queue_.size(); }

  void drive(uint64_t cycle) override {
    auto& d = h_.dut();
    d.xb_req_ready_i = rng_.bernoulli(ready_prob_);
    const bool answer = !queue_.empty() && queue_.front().due <= cycle;
    d.xb_rsp_valid_i = answer;
    if (answer) {
      for (uint32_t c = 0; c < build_.ou_cols; ++c) {
        set_port_bits(d.xb_rsp_codes_i, c * build_.code_bits(), build_.code_bits(),
                      queue_.front().codes[c]);
      }
    }
  }

  void sample(uint64_t cycle) override {
    auto& d = h_.dut();
    if (d.xb_rsp_valid_i) queue_.pop_front();
    if (d.xb_req_valid_o && d.xb_req_ready_i) {
      Answer a;
      a.codes.assign(build_.ou_cols, 0);
      const bool full = d.xb_req_full_o != 0;
      std::vector<uint8_t> bits(full ? build_.xbar_size : build_.ou_rows);
      for (uint32_t r = 0; r < build_.xbar_size; ++r) {
        const auto bit = static_cast<uint8_t>(port_bits(d.xb_req_wl_o, r, 1));
        if (r < bits.size()) {
          bits[r] = bit;
        } else if (bit) {
          h_.log().error(
              fmt::format("an OU read drives wordline {} beyond its {}", r, bits.size()));
        }
      }
      const auto xbar = static_cast<uint32_t>(d.xb_req_xbar_o);
      const auto rs = static_cast<uint32_t>(d.xb_req_row_slot_o);
      const auto cs = static_cast<uint32_t>(d.xb_req_col_slot_o);
      try {
        if (full && isaac_ != nullptr) {
          isaac_->read(xbar, cs, bits, a.codes);
        } else if (!full && chip_ != nullptr) {
          chip_->read(xbar, rs, cs, bits, a.codes);
        } else {
          h_.log().error(
              fmt::format("a {} read with no such chip programmed", full ? "full-column" : "OU"));
        }
      } catch (const std::exception& e) {
        h_.log().error(fmt::format("crossbar read: {}", e.what()));
      }
      const uint64_t lat = static_cast<uint64_t>(rng_.uniform_int(1, max_latency_));
      a.due = std::max(cycle + lat, queue_.empty() ? 0 : queue_.back().due);
      queue_.push_back(std::move(a));
      ++reads_;
    }
  }

  void reset_begin(uint64_t) override { queue_.clear(); }

 private:
  struct Answer {
    std::vector<uint32_t> codes;
    uint64_t due = 0;
  };
  Harness<Dut>& h_;
  golden::Rng& rng_;
  double ready_prob_;
  unsigned max_latency_;
  sim::LayerChip* chip_ = nullptr;
  sim::IsaacChip* isaac_ = nullptr;
  Build build_;
  std::deque<Answer> queue_;
  uint64_t reads_ = 0;
};

// Harness, APB, the input source, the output sink with its scoreboard, the responder.
template <class Dut>
struct ErabsBench {
  Harness<Dut> h;
  ApbDriver<Dut> apb;
  Scoreboard<OutBeat> sb_out;
  Scoreboard<uint32_t> sb_regs;
  StreamSource<InBeat> src;
  StreamSink<OutBeat> sink;
  XbarResponder<Dut> xbar;
  Build build;
  std::unique_ptr<sim::LayerChip> chip;  // the RTL's chip of the current layer
  std::unique_ptr<sim::IsaacChip> isaac_chip;
  bool capture = false;  // output beats go to `captured`, not the scoreboard
  std::vector<OutBeat> captured;
  std::vector<OutBeat>* tap = nullptr;  // when set, every output beat is also appended here

  ErabsBench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& stall_rng,
             const StallProfile& st, unsigned max_latency = 4)
      : h(ho, log),
        apb(h),
        sb_out("erabs.out", log),
        sb_regs("erabs.counters", log,
                [](uint64_t i) {
                  return fmt::format("vector {} register {}", i / std::size(kCounterNames),
                                     kCounterNames[i % std::size(kCounterNames)]);
                }),
        src("erabs.in",
            {[this](bool v) { h.dut().in_valid_i = v; }, [this] { return h.dut().in_ready_o != 0; },
             [this](const InBeat& b) {
               for (size_t r = 0; r < b.act.size(); ++r) {
                 set_port_bits(h.dut().in_act_i, static_cast<unsigned>(8 * r), 8,
                               static_cast<uint8_t>(b.act[r]));
               }
               h.dut().in_last_i = b.last;
             }},
            stall_rng, st.valid_prob),
        sink("erabs.out",
             {[this] { return h.dut().out_valid_o != 0; },
              [this](bool r) { h.dut().out_ready_i = r; },
              [this] {
                OutBeat b;
                b.acc.resize(build.ou_cols);
                for (uint32_t c = 0; c < build.ou_cols; ++c) {
                  b.acc[c] = static_cast<int32_t>(port_bits(h.dut().out_data_o, 32 * c, 32));
                }
                b.last = h.dut().out_last_o != 0;
                return b;
              }},
             stall_rng, st.ready_prob, log,
             [this](const OutBeat& b, uint64_t) {
               if (tap != nullptr) tap->push_back(b);
               if (capture) {
                 captured.push_back(b);
               } else {
                 sb_out.observe(b);
               }
             }),
        xbar(h, stall_rng, st.ready_prob, max_latency) {
    h.add(src);
    h.add(sink);
    h.add(xbar);
    h.reset();
    build = read_build(apb);
  }

  // Writes the layer's table from entry 0 and programs the responder's chip. Layer is an OU
  // layer (golden::CompiledLayer: ERA-BS, PRUNE_LIKE) or a full-column one (golden::IsaacLayer).
  template <class Layer>
  void load(const Layer& L, const sim::OuXbarParams& chip_params) {
    apb.write_ok(kTblAddr, 0);
    for (const auto& e : L.table) {
      const EntryWords w = encode_entry(e);
      apb.write_ok(kTblLo, w.lo);
      apb.write_ok(kTblHi, w.hi);
    }
    program(L, chip_params);
  }

  template <class Layer>
  void configure(const Layer& L, const golden::ExecOptions& eo) {
    const golden::CompiledLayer& q = shape(L);
    apb.write_ok(kK, q.k);
    apb.write_ok(kN, q.n);
    apb.write_ok(kTableLen, static_cast<uint32_t>(L.table.size()));
    const bool full = std::is_same_v<Layer, golden::IsaacLayer>;
    apb.write_ok(kMode,
                 (eo.dynamic_skip ? kModeDynSkipMask : 0u) | (full ? 1u << kModeReadShift : 0u));
    apb.write_ok(kThresh, eo.prune_threshold);
  }

  static const golden::CompiledLayer& shape(const golden::CompiledLayer& L) { return L; }
  static const golden::CompiledLayer& shape(const golden::IsaacLayer& L) { return L.q; }

  // A fresh chip of the layer for the responder (its run stream restarts).
  void program(const golden::CompiledLayer& L, const sim::OuXbarParams& p) {
    chip = std::make_unique<sim::LayerChip>(L, p);
    xbar.set_chip(chip.get(), build);
  }
  void program(const golden::IsaacLayer& L, const sim::OuXbarParams& p) {
    isaac_chip = std::make_unique<sim::IsaacChip>(L, p);
    xbar.set_chip(isaac_chip.get(), build);
  }
  static golden::ExecResult golden_run(const golden::CompiledLayer& L, std::span<const int32_t> x,
                                       const golden::ExecOptions& eo, const sim::OuXbarParams& p) {
    sim::LayerChip gchip(L, p);
    return golden::execute_layer(L, x, eo, gchip.reader());
  }
  // Full-column reads skip nothing and prune nothing (THRESH is ignored).
  static golden::ExecResult golden_run(const golden::IsaacLayer& L, std::span<const int32_t> x,
                                       const golden::ExecOptions&, const sim::OuXbarParams& p) {
    sim::IsaacChip gchip(L, p);
    return golden::execute_isaac(L, x, gchip.reader());
  }

  // The input beats of a vector: row groups of ou_rows lanes. The lanes beyond K carry junk
  // (erabs_ctrl must ignore them: docs/bitsparse/erabs_ctrl.md).
  std::vector<InBeat> in_beats(std::span<const int32_t> x) const {
    std::vector<InBeat> v;
    const size_t groups = (x.size() + build.ou_rows - 1) / build.ou_rows;
    for (size_t g = 0; g < groups; ++g) {
      InBeat b;
      b.act.assign(build.ou_rows, 0);
      for (size_t r = 0; r < build.ou_rows; ++r) {
        const size_t row = g * build.ou_rows + r;
        b.act[r] = static_cast<int8_t>(row < x.size() ? x[row] : int32_t((row * 37) % 200) - 99);
      }
      b.last = g + 1 == groups;
      v.push_back(std::move(b));
    }
    return v;
  }

  // The golden answer of x on a chip built like the RTL's.
  template <class Layer>
  VectorExpect expect(const Layer& L, std::span<const int32_t> x, const golden::ExecOptions& eo,
                      const sim::OuXbarParams& chip_params) const {
    const golden::CompiledLayer& q = shape(L);
    const auto g = golden_run(L, x, eo, chip_params);
    VectorExpect ve;
    ve.ct = g.counters;
    for (uint32_t h0 = 0; h0 < q.col_groups; ++h0) {
      OutBeat b;
      b.acc.assign(build.ou_cols, 0);
      for (uint32_t c = 0; c < build.ou_cols && h0 * build.ou_cols + c < q.n; ++c) {
        b.acc[c] = static_cast<int32_t>(g.y[h0 * build.ou_cols + c]);
      }
      b.last = h0 + 1 == q.col_groups;
      ve.beats.push_back(std::move(b));
    }
    const auto u32 = [](uint64_t v) { return static_cast<uint32_t>(v); };
    ve.counters = {0u,
                   q.row_groups,
                   q.col_groups,
                   u32(g.counters.issued),
                   u32(g.counters.skipped_static),
                   u32(g.counters.skipped_dynamic),
                   u32(g.counters.adc_conversions),
                   u32(g.counters.max_code)};
    return ve;
  }

  // Starts x: a fresh chip for the responder (its run stream restarts, like the golden one's),
  // the configuration, the golden beats queued on the output scoreboard, the start, the input
  // beats (`beats` replaces them for a test that breaks the stream). The counters are left to
  // the caller.
  template <class Layer>
  VectorExpect start_vector(const Layer& L, std::span<const int32_t> x,
                            const golden::ExecOptions& eo, const sim::OuXbarParams& chip_params,
                            const std::vector<InBeat>* beats = nullptr) {
    VectorExpect ve = expect(L, x, eo, chip_params);
    program(L, chip_params);
    configure(L, eo);
    if (!capture) sb_out.expect_all(ve.beats);
    apb.write_ok(kCtrl, kCtrlStartMask);
    src.push_all(beats ? *beats : in_beats(x));
    return ve;
  }

  bool wait_done(uint64_t limit) {
    return h.run_until([&] { return h.dut().done_o != 0; }, limit, "DONE of a vector");
  }

  // One vector through the RTL, its counters read back and compared. Returns false when DONE
  // did not come.
  template <class Layer>
  bool run_vector(const Layer& L, std::span<const int32_t> x, const golden::ExecOptions& eo,
                  const sim::OuXbarParams& chip_params, golden::ExecCounters* ct = nullptr) {
    const VectorExpect ve = start_vector(L, x, eo, chip_params);
    if (ct) *ct = ve.ct;
    sb_regs.expect_all(ve.counters);
    const golden::CompiledLayer& q = shape(L);
    const bool done =
        wait_done(64 * (q.row_groups + ve.ct.issued + L.table.size() + q.col_groups) + 2000);
    for (const uint32_t reg : kCounterRegs) sb_regs.observe(apb.read_ok(reg));
    return done;
  }
};

// Random layer and vector choices of the scenario (and of the tests' random runs).
struct LayerChoice {
  uint32_t k = 0, n = 0;
  double zero_p = 0.0;  // share of exact-zero weights
  golden::CompileOptions co;
  sim::OuXbarParams chip;  // ideal or with every effect on
};

inline LayerChoice random_layer(golden::Rng& rng, const Build& b) {
  LayerChoice c;
  c.k = static_cast<uint32_t>(rng.uniform_int(1, b.max_k()));
  c.n = static_cast<uint32_t>(rng.uniform_int(1, b.max_n()));
  static constexpr double kZero[] = {0.0, 0.3, 0.8, 0.97, 1.0};
  c.zero_p = kZero[rng.uniform_int(0, 4)];
  static constexpr uint32_t kTerms[] = {1, 2, 2, 7};
  c.co.max_terms = std::min(kTerms[rng.uniform_int(0, 3)], b.mag_bits);
  c.co.bit_flip = rng.bernoulli(0.7);
  c.co.flip_budget = rng.uniform(0.0, 0.05);
  c.co.squeeze = rng.bernoulli(0.8);
  if (rng.bernoulli(0.3)) {
    c.chip.hrs_leak = 0.02;
    c.chip.prog_sigma = 0.05;
    c.chip.read_sigma = 0.03;
    c.chip.adc_offset_sigma = 0.2;
    c.chip.chip_seed = static_cast<uint64_t>(rng.uniform_int(1, 1 << 30));
    c.chip.run_seed = static_cast<uint64_t>(rng.uniform_int(1, 1 << 30));
  }
  return c;
}

inline std::vector<int32_t> random_vector(golden::Rng& rng, uint32_t k, uint32_t mag_bits) {
  const int32_t top = static_cast<int32_t>((1u << mag_bits) - 1);
  static constexpr double kZero[] = {0.0, 0.5, 0.9, 1.0};
  const double zero_p = kZero[rng.uniform_int(0, 3)];
  const bool relu = rng.bernoulli(0.5);
  // Small magnitudes (few planes set) as often as full-range ones.
  const int32_t mx = rng.bernoulli(0.5) ? top : static_cast<int32_t>(rng.uniform_int(1, 7));
  std::vector<int32_t> x(k);
  for (auto& v : x) {
    v = rng.bernoulli(zero_p) ? 0 : static_cast<int32_t>(rng.uniform_int(relu ? 0 : -mx, mx));
  }
  return x;
}

inline golden::ExecOptions random_exec(golden::Rng& rng, uint32_t mag_bits) {
  golden::ExecOptions eo;
  eo.dynamic_skip = rng.bernoulli(0.75);
  eo.prune_threshold =
      rng.bernoulli(0.7) ? 0u : static_cast<uint32_t>(rng.uniform_int(0, 1 << mag_bits));
  return eo;
}

// o.runs layers, each with a random size, sparsity, compiler options and chip, and 3 vectors.
template <class Dut>
ScenarioReport run(const ScenarioOptions& o, ErrorLog& log) {
  ScenarioRun sr("erabs", "erabs_ctrl", o, HYCIM_SOURCE_DIR "/tb/waves/erabs_ctrl_ci.gtkw");
  ScenarioReport& rep = sr.rep;
  golden::Rng rng(o.seed);
  {
    ErabsBench<Dut> b(sr.harness, log, sr.stall_rng, o.stall);
    for (unsigned run = 0; run < o.runs && log.ok(); ++run) {
      const LayerChoice lc = random_layer(rng, b.build);
      const auto w = golden::random_weights(rng, lc.k, lc.n, lc.zero_p);
      // One layer in four in the full-column (ISAAC_LIKE) mode.
      const bool full = rng.bernoulli(0.25);
      const auto L = golden::compile_layer(w, lc.k, lc.n, b.build.geom(), lc.co);
      std::optional<golden::IsaacLayer> I;
      if (full) {
        I = golden::compile_isaac(w, lc.k, lc.n, b.build.geom());
        b.load(*I, lc.chip);
      } else {
        b.load(L, lc.chip);
      }
      uint64_t issued = 0, dense = 0;
      for (int v = 0; v < 3 && log.ok(); ++v) {
        const auto x = random_vector(rng, lc.k, b.build.mag_bits);
        const auto eo = random_exec(rng, b.build.mag_bits);
        golden::ExecCounters ct;
        if (full) {
          b.run_vector(*I, x, eo, lc.chip, &ct);
        } else {
          b.run_vector(L, x, eo, lc.chip, &ct);
        }
        issued += ct.issued;
        dense += ct.dense;
        rep.elements += lc.n;
      }
      ++rep.runs;
      if (o.progress) {
        fmt::print(
            "  layer {:>3}/{}: {:>3} x {:<3} {} chip {:<8} {}  entries {:>4}/{:<4}  reads "
            "{:>6}/{:<6}  cycle {:>9}  {}\n",
            run + 1, o.runs, lc.k, lc.n,
            full ? std::string("ISAAC_LIKE full-column  ")
                 : fmt::format("T {} flip {} squeeze {}", lc.co.max_terms, lc.co.bit_flip ? 1 : 0,
                               lc.co.squeeze ? 1 : 0),
            lc.chip.ideal() ? "ideal" : "nonideal",
            lc.zero_p > 0 ? fmt::format("zeros {:.2f}", lc.zero_p) : "dense     ",
            full ? I->table.size() : L.table.size(), full ? I->table.size() : L.stats.ous_total,
            issued, dense, b.h.cycle(), log.ok() ? "ok" : "FAILED");
      }
    }
    b.sb_out.finish();
    b.sb_regs.finish();
    rep.tensors = {tally(b.sb_out), tally(b.sb_regs)};
    sr.record_sim(b.h);
  }
  return sr.finish(log);
}

}  // namespace hycim::tb::erabs
