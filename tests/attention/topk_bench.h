// The bench of topk_select (ci and bert): a harness, a source of relevance beats (the stream of
// relevance_unit), a sink of kept-index beats feeding an in-order scoreboard against
// golden::topk_select, and a lockstep check of the RTL's handshakes against the golden pipeline
// model (golden::TopkPipeModel) in every cycle: in_ready, out_valid and out_last must be what the
// model says for the in_valid and out_ready the bench drives, whatever the stalls.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <verilated.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "golden/attention/topk.h"
#include "golden/core/rng.h"
#include "harness.h"
#include "lane_bench.h"
#include "scoreboard.h"
#include "stream.h"

namespace hycim::tb::topk {

// Bits [lo, lo + w) of a Verilator port (integral up to 64 bits, VlWide above), w <= 32.
template <class T>
uint32_t get_bits(const T& port, unsigned lo, unsigned w) {
  const uint64_t mask = (uint64_t{1} << w) - 1;
  if constexpr (std::is_integral_v<T>) {
    return static_cast<uint32_t>((static_cast<uint64_t>(port) >> lo) & mask);
  } else {
    uint64_t v = 0;
    for (unsigned i = 0; i < w; ++i)
      v |= uint64_t{(port[(lo + i) / 32] >> ((lo + i) % 32)) & 1u} << i;
    return static_cast<uint32_t>(v);
  }
}

struct InBeat {
  std::vector<int16_t> score;  // Lanes
  uint64_t lanes = 0;          // lane valid bits
  uint32_t base = 0;
  uint32_t row = 0;
  bool last = false;
  bool operator==(const InBeat&) const = default;
  std::string str() const {
    return fmt::format("{{row {} base {} lanes 0x{:x} last {}}}", row, base, lanes, last);
  }
};

struct OutBeat {
  std::vector<uint32_t> idx;  // OutLanes, 0 on invalid lanes
  uint64_t lanes = 0;
  uint32_t row = 0;
  bool last = false;
  bool operator==(const OutBeat&) const = default;
  std::string str() const {
    std::string s = fmt::format("{{row {} last {} lanes 0x{:x} idx", row, last, lanes);
    for (auto i : idx) s += fmt::format(" {}", i);
    return s + "}";
  }
};

// One query row as relevance_unit gives it.
struct Row {
  std::vector<int16_t> r;  // S scores (those of invalid keys are ignored)
  std::vector<uint8_t> valid;
  uint32_t row = 0;
};

struct Config {
  uint32_t s = 1;  // cfg_num_keys_i
  uint32_t k = 1;
  bool ff = false;
  bool fd = false;
};

inline uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

// The expected output beats of one row.
inline std::vector<OutBeat> expected_beats(const Row& row, const Config& c, unsigned out_lanes) {
  const auto res = golden::topk_select(row.r, row.valid, c.k, row.row, c.ff, c.fd);
  const uint32_t no = ceil_div(c.k, out_lanes);
  std::vector<OutBeat> out(no);
  for (uint32_t b = 0; b < no; ++b) {
    out[b].idx.assign(out_lanes, 0);
    out[b].row = row.row;
    out[b].last = b + 1 == no;
    for (unsigned o = 0; o < out_lanes; ++o) {
      const size_t p = size_t{b} * out_lanes + o;
      if (p < res.kept.size()) {
        out[b].idx[o] = res.kept[p];
        out[b].lanes |= uint64_t{1} << o;
      }
    }
  }
  return out;
}

// Random scores: a single value, a handful (heavy ties), a few dozen, or the full 12 bits.
inline std::vector<int16_t> random_scores(golden::Rng& rng, uint32_t s, int span = -1) {
  static const int kSpan[] = {0, 1, 3, 40, 4095};
  if (span < 0) span = kSpan[rng.uniform_int(0, 4)];
  const auto lo = static_cast<int>(rng.uniform_int(-2048, 2047 - span));
  std::vector<int16_t> r(s);
  for (auto& x : r) x = static_cast<int16_t>(lo + rng.uniform_int(0, span));
  return r;
}

// A random legal configuration for rows of s keys.
inline Config random_config(golden::Rng& rng, uint32_t s) {
  Config c;
  c.s = s;
  c.ff = rng.bernoulli(0.5);
  c.fd = rng.bernoulli(0.5) && s >= 2;
  const int64_t kmin = std::max<int64_t>(1, c.ff + c.fd);
  switch (rng.uniform_int(0, 4)) {
    case 0:
      c.k = static_cast<uint32_t>(kmin);
      break;
    case 1:
      c.k = s;
      break;
    default:
      c.k = static_cast<uint32_t>(rng.uniform_int(kmin, s));
      break;
  }
  return c;
}

// A random row: causal (keys j <= row valid), full, random holes, or only the forced keys valid.
inline Row random_row(golden::Rng& rng, const Config& c, uint32_t seq_max) {
  Row row;
  row.row = static_cast<uint32_t>(rng.uniform_int(0, seq_max - 1));
  row.r = random_scores(rng, c.s);
  row.valid.assign(c.s, 1);
  switch (rng.uniform_int(0, 5)) {
    case 0:
    case 1:
      for (uint32_t j = 0; j < c.s; ++j) row.valid[j] = j <= row.row;
      break;
    case 2:
      for (auto& v : row.valid) v = rng.bernoulli(0.5);
      break;
    case 3:
      std::fill(row.valid.begin(), row.valid.end(), 0);
      row.valid[0] = 1;
      if (row.row < c.s) row.valid[row.row] = 1;
      break;
    default:
      break;
  }
  return row;
}

// Checks the RTL's handshake outputs against the golden pipeline model in every cycle.
template <class Dut>
class PipeCheck : public ClockPlugin {
 public:
  PipeCheck(Dut& d, ErrorLog& log) : d_(d), log_(log), model_(golden::TopkTiming{}) {}
  void set_timing(golden::TopkTiming t) {
    timing_ = t;
    model_ = golden::TopkPipeModel(t);
  }
  uint64_t cycles_checked() const { return checked_; }
  bool idle() const { return model_.idle(); }
  // A reset in the middle of a run empties the pipeline: the model starts idle again after it,
  // and while rst_ni is low nothing may be valid.
  void reset_begin(uint64_t) override {
    in_reset_ = true;
    model_ = golden::TopkPipeModel(timing_);
  }
  void reset_end(uint64_t) override {
    in_reset_ = false;
    model_ = golden::TopkPipeModel(timing_);
  }
  void sample(uint64_t cycle) override {
    if (in_reset_) {
      if (d_.out_valid_o && errors_++ < 5) {
        log_.error(fmt::format("cycle {}: out_valid_o high while rst_ni is low", cycle));
      }
      return;
    }
    const auto m = model_.step(d_.in_valid_i != 0, d_.out_ready_i != 0);
    const bool ir = d_.in_ready_o != 0, ov = d_.out_valid_o != 0;
    const bool ol = ov && d_.out_last_o != 0;
    if (m.in_ready != ir || m.out_valid != ov || (m.out_valid && m.out_last != ol)) {
      if (errors_++ < 5) {
        log_.error(fmt::format(
            "cycle {}: pipeline model says in_ready {} out_valid {} out_last {}, the RTL {} {} {}",
            cycle, m.in_ready, m.out_valid, m.out_last, ir, ov, ol));
      }
    }
    ++checked_;
  }

 private:
  Dut& d_;
  ErrorLog& log_;
  golden::TopkPipeModel model_;
  golden::TopkTiming timing_{};
  bool in_reset_ = false;
  uint64_t checked_ = 0;
  uint64_t errors_ = 0;
};

template <class Dut, unsigned Lanes, unsigned OutLanes, unsigned SeqMax>
class Bench {
 public:
  Harness<Dut> h;
  Scoreboard<OutBeat> sb;
  StreamSource<InBeat> src;
  StreamSink<OutBeat> sink;
  PipeCheck<Dut> pipe;
  std::vector<uint64_t> last_cycles;      // cycle of every row's last output handshake
  std::vector<uint64_t> first_in_cycles;  // cycle of every row's first input handshake
  uint64_t rows_sent = 0;

  Bench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng, const StallProfile& st)
      : h(ho, log),
        sb("topk.out", log, [](uint64_t i) { return fmt::format("beat {}", i); }),
        src("topk.in",
            {[this](bool v) { h.dut().in_valid_i = v; }, [this] { return h.dut().in_ready_o != 0; },
             [this](const InBeat& b) { put(b); }},
            rng, st.valid_prob),
        sink("topk.out",
             {[this] { return h.dut().out_valid_o != 0; },
              [this](bool r) { h.dut().out_ready_i = r; }, [this] { return get(); }},
             rng, st.ready_prob, log,
             [this](const OutBeat& b, uint64_t) {
               sb.observe(b);
               if (b.last) last_cycles.push_back(h.cycle());
             }),
        pipe(h.dut(), log) {
    h.add(src);
    h.add(sink);
    h.add(pipe);
    h.add(in_mon_);
    h.add(on_reset_);
    configure(Config{SeqMax, 1, false, false});
    h.reset();
  }

  // Sets the configuration ports; only while the unit is idle.
  void configure(const Config& c) {
    cfg_ = c;
    auto& d = h.dut();
    d.cfg_num_keys_i = c.s;
    d.cfg_k_i = c.k;
    d.cfg_force_first_i = c.ff;
    d.cfg_force_diag_i = c.fd;
    pipe.set_timing({ceil_div(c.s, Lanes), ceil_div(c.k, OutLanes)});
  }

  // Queues one row's beats (scores of invalid lanes random when `junk`, else 0) and its golden.
  void push_row(const Row& row, bool junk = false, golden::Rng* rng = nullptr) {
    const uint32_t nb = ceil_div(cfg_.s, Lanes);
    for (uint32_t b = 0; b < nb; ++b) {
      InBeat in;
      in.score.assign(Lanes, 0);
      in.base = b * Lanes;
      in.row = row.row;
      in.last = b + 1 == nb;
      for (unsigned l = 0; l < Lanes; ++l) {
        const uint32_t j = b * Lanes + l;
        if (j < cfg_.s && row.valid[j]) {
          in.score[l] = row.r[j];
          in.lanes |= uint64_t{1} << l;
        } else if (junk && rng) {
          in.score[l] = static_cast<int16_t>(rng->next_u32());
        }
      }
      src.push(in);
    }
    for (const auto& o : expected_beats(row, cfg_, OutLanes)) sb.expect(o);
    ++rows_sent;
  }

  // Runs until every expected beat came out and the unit is idle again.
  bool drain(uint64_t max_cycles = 2000000) {
    return h.run_until([&] { return sb.pending() == 0 && src.idle() && pipe.idle(); }, max_cycles,
                       "every kept-index beat out");
  }

 private:
  // Records the cycle of each row's first input handshake.
  struct InMon : ClockPlugin {
    explicit InMon(Bench* bench) : b(bench) {}
    Bench* b;
    bool first = true;
    void reset_begin(uint64_t) override { first = true; }
    void sample(uint64_t cycle) override {
      auto& d = b->h.dut();
      if (d.in_valid_i && d.in_ready_o) {
        if (first) b->first_in_cycles.push_back(cycle);
        first = d.in_last_i != 0;
      }
    }
  };
  InMon in_mon_{this};
  // A reset in the middle of a run withdraws the interrupted rows' pending beats.
  ResetHook on_reset_{[this] { sb.reset(); }};

  void put(const InBeat& b) {
    auto& d = h.dut();
    for (unsigned l = 0; l < Lanes; ++l) put16(d.in_score_i, l, static_cast<uint16_t>(b.score[l]));
    d.in_valid_lanes_i =
        static_cast<std::remove_reference_t<decltype(d.in_valid_lanes_i)>>(b.lanes);
    d.in_base_i = b.base;
    d.in_row_i = b.row;
    d.in_last_i = b.last;
  }

  OutBeat get() {
    auto& d = h.dut();
    OutBeat o;
    o.idx.resize(OutLanes);
    for (unsigned l = 0; l < OutLanes; ++l) o.idx[l] = get_bits(d.out_idx_o, l * kIdxW, kIdxW);
    o.lanes = d.out_valid_lanes_o;
    o.row = d.out_row_o;
    o.last = d.out_last_o != 0;
    return o;
  }

  static constexpr unsigned kIdxW = [] {
    unsigned w = 0;
    while ((1u << w) < SeqMax) ++w;
    return w;
  }();
  Config cfg_;
};

}  // namespace hycim::tb::topk
