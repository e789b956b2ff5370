// The bench of sram_cim (ci and bert): the row write port, the QK and AV request sources, the
// score and output-row sinks with their scoreboards, and the golden expectations of each row
// (golden/attention/sram_cim.h). Output cycles are recorded per beat for the timing checks.
#pragma once

#include <fmt/format.h>
#include <verilated.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "golden/attention/sram_cim.h"
#include "golden/core/rng.h"
#include "harness.h"
#include "scoreboard.h"
#include "sram_cim_stimulus.h"
#include "stream.h"

namespace hycim::tb::sram {

// Bit fields of a Verilator port (an integer up to 64 bits or a VlWide), w <= 64.
template <class P>
void put_bits(P& port, unsigned lo, unsigned w, uint64_t v) {
  if constexpr (std::is_integral_v<P>) {
    const uint64_t m = (w >= 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1) << lo;
    port = static_cast<P>((static_cast<uint64_t>(port) & ~m) | ((v << lo) & m));
  } else {
    for (unsigned i = 0; i < w; ++i) {
      const unsigned b = lo + i;
      const uint32_t bit = 1u << (b % 32);
      if ((v >> i) & 1) {
        port[b / 32] |= bit;
      } else {
        port[b / 32] &= ~bit;
      }
    }
  }
}
template <class P>
uint64_t get_bits(const P& port, unsigned lo, unsigned w) {
  if constexpr (std::is_integral_v<P>) {
    const uint64_t m = w >= 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
    return (static_cast<uint64_t>(port) >> lo) & m;
  } else {
    uint64_t v = 0;
    for (unsigned i = 0; i < w; ++i) {
      const unsigned b = lo + i;
      v |= uint64_t{(port[b / 32] >> (b % 32)) & 1u} << i;
    }
    return v;
  }
}

struct QkBeat {
  golden::SramBeat b;
  std::vector<int8_t> q;
};
struct AvBeat {
  golden::SramBeat b;
};
struct ScoreBeat {
  std::vector<int32_t> score;
  uint32_t lanes = 0;
  bool last = false;
  bool operator==(const ScoreBeat&) const = default;
  std::string str() const {
    std::string s = "{";
    for (auto x : score) s += fmt::format(" {}", x);
    return s + fmt::format(" | lanes 0x{:x} last {}}}", lanes, last ? 1 : 0);
  }
};
struct RowBeat {
  std::vector<int8_t> d;
  bool operator==(const RowBeat&) const = default;
  std::string str() const {
    std::string s = "{";
    for (size_t i = 0; i < d.size() && i < 16; ++i) s += fmt::format(" {}", int{d[i]});
    return s + (d.size() > 16 ? " ...}" : "}");
  }
};

template <class Dut, class Cfg>
class SramBench {
 public:
  static constexpr uint32_t kDim = Cfg::kHeadDim;
  static constexpr uint32_t kS = Cfg::kSeqLenMax;
  static constexpr uint32_t kB = Cfg::kSramBanks;
  static constexpr uint32_t kQd = Cfg::kSramQueueDepth;
  static constexpr unsigned kIdxW = [] {
    unsigned w = 0;
    while ((1u << w) < kS) ++w;
    return w;
  }();

  Harness<Dut> h;
  Scoreboard<ScoreBeat> qk_sb;
  Scoreboard<RowBeat> av_sb;
  StreamSource<QkBeat> qk_src;
  StreamSource<AvBeat> av_src;
  StreamSink<ScoreBeat> qk_sink;
  StreamSink<RowBeat> av_sink;
  std::vector<uint64_t> qk_out_cycle, av_out_cycle;  // cycle of every output handshake
  golden::Tensor<int8_t> k{{kS, kDim}}, v{{kS, kDim}};
  uint32_t mult = 1, shift = 0;
  uint64_t qk_lanes = 0, av_lanes = 0;  // valid lanes sent

  SramBench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng, const StallProfile& st)
      : h(ho, log),
        qk_sb("sram_cim.qks", log),
        av_sb("sram_cim.avo", log),
        qk_src("sram_cim.qk",
               {[this](bool x) { h.dut().qk_valid_i = x; },
                [this] { return h.dut().qk_ready_o != 0; }, [this](const QkBeat& b) { put_qk(b); }},
               rng, st.valid_prob),
        av_src("sram_cim.av",
               {[this](bool x) { h.dut().av_valid_i = x; },
                [this] { return h.dut().av_ready_o != 0; }, [this](const AvBeat& b) { put_av(b); }},
               rng, st.valid_prob),
        qk_sink("sram_cim.qks",
                {[this] { return h.dut().qks_valid_o != 0; },
                 [this](bool r) { h.dut().qks_ready_i = r; }, [this] { return get_qks(); }},
                rng, st.ready_prob, log,
                [this](const ScoreBeat& b, uint64_t) {
                  qk_sb.observe(b);
                  qk_out_cycle.push_back(h.cycle());
                }),
        av_sink("sram_cim.avo",
                {[this] { return h.dut().avo_valid_o != 0; },
                 [this](bool r) { h.dut().avo_ready_i = r; }, [this] { return get_avo(); }},
                rng, st.ready_prob, log, [this](const RowBeat& b, uint64_t) {
                  av_sb.observe(b);
                  av_out_cycle.push_back(h.cycle());
                }) {
    h.add(qk_src);
    h.add(av_src);
    h.add(qk_sink);
    h.add(av_sink);
    h.add(on_reset_);
    h.dut().wr_en_i = 0;
    h.dut().cnt_clear_i = 0;
    h.reset();
  }

  void configure(uint32_t m, uint32_t s) {
    mult = m;
    shift = s;
    h.dut().cfg_av_mult_i = m;
    h.dut().cfg_av_shift_i = s;
  }

  // Writes rows [lo, hi) of K (sel 0) or V (sel 1) with random data, one row per cycle.
  void write_rows(golden::Rng& rng, int sel, uint32_t lo, uint32_t hi) {
    auto& t = sel ? v : k;
    for (uint32_t j = lo; j < hi; ++j) {
      h.dut().wr_en_i = 1;
      h.dut().wr_sel_i = sel;
      h.dut().wr_idx_i = j;
      for (uint32_t d = 0; d < kDim; ++d) {
        t(j, d) = static_cast<int8_t>(rng.uniform_int(-128, 127));
        put_bits(h.dut().wr_data_i, 8 * d, 8, static_cast<uint8_t>(t(j, d)));
      }
      h.step();
    }
    h.dut().wr_en_i = 0;
  }

  void clear_counters() {
    h.dut().cnt_clear_i = 1;
    h.step();
    h.dut().cnt_clear_i = 0;
  }

  // Queues one QK row (its beats and golden scores); returns the beats.
  std::vector<golden::SramBeat> qk_row(golden::Rng& rng, const std::vector<uint32_t>& kept,
                                       uint32_t kk) {
    std::vector<int8_t> q(kDim);
    for (auto& x : q) x = static_cast<int8_t>(rng.uniform_int(-128, 127));
    const auto beats = golden::sram_row_beats(kept, kk, kB);
    for (const auto& b : beats) {
      qk_src.push(QkBeat{b, q});
      ScoreBeat e;
      e.score = golden::sram_qk_scores(q, k, b.idx, b.valid);
      for (uint32_t l = 0; l < kB; ++l) e.lanes |= b.valid[l] ? 1u << l : 0u;
      e.last = b.last;
      qk_sb.expect(e);
    }
    qk_lanes += kept.size();
    return beats;
  }

  // Queues one AV row; p for every kept index (full range when `full_p`, else summing to <= 1).
  std::vector<golden::SramBeat> av_row(golden::Rng& rng, const std::vector<uint32_t>& kept,
                                       uint32_t kk, bool full_p) {
    std::vector<uint16_t> p = random_p(rng, kept.size());
    if (full_p) {
      for (auto& x : p) x = static_cast<uint16_t>(rng.uniform_int(0, 0xFFFF));
    }
    auto beats = golden::sram_row_beats(kept, kk, kB);
    std::vector<uint32_t> idx;
    std::vector<uint16_t> pl;
    std::vector<uint8_t> valid;
    for (size_t n = 0; n < beats.size(); ++n) {
      beats[n].p.assign(kB, 0);
      for (uint32_t l = 0; l < kB; ++l) {
        const size_t i = n * kB + l;
        // Padding lanes carry a random p: it must not count.
        beats[n].p[l] = i < kept.size() ? p[i] : static_cast<uint16_t>(rng.next_u32());
        idx.push_back(beats[n].idx[l]);
        pl.push_back(beats[n].p[l]);
        valid.push_back(beats[n].valid[l]);
      }
      av_src.push(AvBeat{beats[n]});
    }
    const auto r = golden::sram_av_row(v, idx, pl, valid, mult, shift);
    av_sb.expect(RowBeat{r.out});
    av_lanes += kept.size();
    return beats;
  }

  bool drain(uint64_t limit) {
    return h.run_until(
        [&] {
          return qk_src.idle() && av_src.idle() && qk_sb.pending() == 0 && av_sb.pending() == 0;
        },
        limit, "all outputs");
  }

 private:
  // A reset in the middle of a run: the interrupted rows' pending outputs are withdrawn, and the
  // lanes sent so far no longer count (the counters restart from zero).
  ResetHook on_reset_{[this] {
    qk_sb.reset();
    av_sb.reset();
    qk_lanes = av_lanes = 0;
  }};

  void put_lanes(auto& idx_port, auto& lanes_port, const golden::SramBeat& b) {
    uint32_t lanes = 0;
    for (uint32_t l = 0; l < kB; ++l) {
      // Padding lanes carry a random-looking index: it must not be read.
      const uint32_t i = b.valid[l] ? b.idx[l] : (l * 7 + 3) % kS;
      put_bits(idx_port, l * kIdxW, kIdxW, i);
      lanes |= b.valid[l] ? 1u << l : 0u;
    }
    lanes_port = lanes;
  }
  void put_qk(const QkBeat& b) {
    auto& d = h.dut();
    put_lanes(d.qk_idx_i, d.qk_valid_lanes_i, b.b);
    for (uint32_t j = 0; j < kDim; ++j) put_bits(d.qk_q_i, 8 * j, 8, static_cast<uint8_t>(b.q[j]));
    d.qk_last_i = b.b.last;
  }
  void put_av(const AvBeat& b) {
    auto& d = h.dut();
    put_lanes(d.av_idx_i, d.av_valid_lanes_i, b.b);
    for (uint32_t l = 0; l < kB; ++l) put_bits(d.av_p_i, 16 * l, 16, b.b.p[l]);
    d.av_last_i = b.b.last;
  }
  ScoreBeat get_qks() {
    auto& d = h.dut();
    ScoreBeat s;
    for (uint32_t l = 0; l < kB; ++l) {
      s.score.push_back(static_cast<int32_t>(get_bits(d.qks_score_o, 32 * l, 32)));
    }
    s.lanes = d.qks_valid_lanes_o;
    s.last = d.qks_last_o != 0;
    return s;
  }
  RowBeat get_avo() {
    RowBeat r;
    for (uint32_t j = 0; j < kDim; ++j) {
      r.d.push_back(static_cast<int8_t>(get_bits(h.dut().avo_data_o, 8 * j, 8)));
    }
    return r;
  }
};

}  // namespace hycim::tb::sram
