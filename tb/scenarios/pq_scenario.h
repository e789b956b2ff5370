// pq_encoder against the golden model, with the behavioral crossbar (sim/) answering its crossbar
// port cycle by cycle. Used by the RTL tests, `hycim run pq` and `hycim pq-study`.
//
// XbarResponder is the analog side: when the RTL raises xb_eval_o it checks the row levels
// against golden::input_levels of the token, evaluates the selected crossbar model (or takes
// forced ticks, for directed cases), and from then on drives fire_i[c] = (tick_c <= k) in the
// k-th cycle after the eval. It records, per group, the first tick at which grp_stop_o is high
// (checked against win_tick + 1) and the race charge with and without early stop, and writes the
// sense-node voltages into the RTL's ana_vsense probe for the waveform.
//
// Every code beat is compared with golden::wta fed with the model's ticks; with an ideal model
// the beats are also compared with the golden chain computed from the tokens alone
// (golden::encode_ideal_xbar), and the code buffers are read back through the APB window.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "apb.h"
#include "harness.h"
#include "hycim/golden/pq.h"
#include "hycim/sim/pq_xbar.h"
#include "pq_stimulus.h"
#include "regs/pq_encoder_regs.h"
#include "scenario.h"
#include "scoreboard.h"
#include "stream.h"

namespace hycim::tb::pq {

// Register byte offsets, fields and ERR bits: generated from rtl/pq/pq_encoder.regs.toml
// (docs/blocks/pq_encoder.md).
using namespace hycim::regs::pq_encoder;

struct CodeBeat {
  uint32_t code = 0, tie = 0, timeout = 0;
  std::vector<uint16_t> ticks;
  uint32_t idx = 0;
  bool last = false;
  bool operator==(const CodeBeat&) const = default;
  std::string str() const {
    return fmt::format("{{token {} code {:08x} tie {:02x} timeout {:02x} ticks [{}] last {}}}", idx,
                       code, tie, timeout, fmt::join(ticks, " "), last ? 1 : 0);
  }
};

inline CodeBeat beat_of(const golden::WtaResult& r, uint32_t idx, bool last) {
  return {r.code_word(), r.tie_mask(), r.timeout_mask(), r.win_tick, idx, last};
}

template <class W>
inline bool wide_bit(const W& w, unsigned i) {
  if constexpr (std::is_integral_v<W>) {
    return (w >> i) & 1;
  } else {
    return (w[i / 32] >> (i % 32)) & 1;
  }
}

// The crossbar geometry of a configuration (a cfg::Ci / cfg::Bert constants struct).
template <class C>
golden::XbarSpec spec_of() {
  golden::XbarSpec s;
  s.groups = C::kWtaGroups;
  s.cols_per_group = C::kWtaColsPerGroup;
  s.sub_dim = C::kHeadDim / C::kWtaGroups;
  s.in_bits = C::kXbarInBits;
  s.tick_width = C::kWtaTickWidth;
  return s;
}

struct TokBeat {
  std::vector<int8_t> x;
  bool last = false;
};

struct RunConfig {
  uint32_t num_tok = 1, sel = 0, shift = 4, t_max = 1023, groups = 8;
};

// The analog side of the crossbar port.
template <class Dut>
class XbarResponder : public ClockPlugin {
 public:
  struct Race {
    std::vector<uint32_t> ticks;
    std::vector<double> t_exact;  // continuous fire time per column (ticks), for the probe
    golden::WtaResult expect;
    double charge_early = 0, charge_none = 0;
  };

  XbarResponder(Harness<Dut>& h, ErrorLog& log, const golden::XbarSpec& spec)
      : h_(h), log_(log), spec_(spec) {}

  // The group whose every column's ramp goes to the waveform (ana_col_vsense_*).
  int probe_group = 0;

  void set_models(sim::PqCrossbar* q, sim::PqCrossbar* k) { model_[0] = q, model_[1] = k; }
  void begin_run(const RunConfig& c, std::vector<std::vector<int8_t>> tokens) {
    cfg_ = c;
    tokens_ = std::move(tokens);
    next_ = 0;
  }
  // Directed cases: the next races take these ticks instead of a model's.
  void force(std::vector<uint32_t> ticks) { forced_.push_back(std::move(ticks)); }
  // Called with each race's expected result, in order.
  std::function<void(const Race&, uint32_t idx)> on_race;
  uint64_t races() const { return races_; }
  double charge_early() const { return charge_early_; }
  double charge_none() const { return charge_none_; }
  // Mean active discharge ticks per group and race, with and without early stop.
  double group_ticks_early() const {
    return group_races_ ? static_cast<double>(group_ticks_early_) / group_races_ : 0.0;
  }
  double group_ticks_none() const {
    return group_races_ ? static_cast<double>(group_ticks_none_) / group_races_ : 0.0;
  }
  uint64_t race_ticks() const { return race_ticks_; }

  void drive(uint64_t cycle) override {
    auto& d = h_.dut();
    const int ncols = spec_.cols();
    if (!racing_) {
      for (int w = 0; w < (ncols + 31) / 32; ++w) set_word(d.fire_i, w, 0);
      return;
    }
    const uint64_t k = cycle - eval_cycle_;
    for (int w = 0; w < (ncols + 31) / 32; ++w) {
      uint32_t v = 0;
      for (int b = 0; b < 32 && w * 32 + b < ncols; ++b) {
        if (race_.ticks[w * 32 + b] <= k) v |= 1u << b;
      }
      set_word(d.fire_i, w, v);
    }
    if (h_.tracing()) {
      auto* root = d.rootp;
      double* probe[8] = {
          &root->pq_encoder__DOT__ana_vsense_g0, &root->pq_encoder__DOT__ana_vsense_g1,
          &root->pq_encoder__DOT__ana_vsense_g2, &root->pq_encoder__DOT__ana_vsense_g3,
          &root->pq_encoder__DOT__ana_vsense_g4, &root->pq_encoder__DOT__ana_vsense_g5,
          &root->pq_encoder__DOT__ana_vsense_g6, &root->pq_encoder__DOT__ana_vsense_g7};
      // Column c's sense node: 1 precharged, 0 at the threshold, frozen at its group's stop.
      auto ramp = [&](int c) {
        const int g = c / spec_.cols_per_group;
        const double kk =
            stop_[g] ? std::min<double>(static_cast<double>(k), stop_[g]) : static_cast<double>(k);
        const double te = race_.t_exact[c];
        return std::isfinite(te) && te > 0 ? std::max(0.0, 1.0 - kk / te) : 1.0;
      };
      for (int g = 0; g < spec_.groups && g < 8; ++g) {  // the leading node is the lowest
        double v = 1.0;
        for (int c = g * spec_.cols_per_group; c < (g + 1) * spec_.cols_per_group; ++c) {
          v = std::min(v, ramp(c));
        }
        *probe[g] = v;
      }
      // Every column of the probe group.
      double* col[16] = {
          &root->pq_encoder__DOT__ana_col_vsense_0,  &root->pq_encoder__DOT__ana_col_vsense_1,
          &root->pq_encoder__DOT__ana_col_vsense_2,  &root->pq_encoder__DOT__ana_col_vsense_3,
          &root->pq_encoder__DOT__ana_col_vsense_4,  &root->pq_encoder__DOT__ana_col_vsense_5,
          &root->pq_encoder__DOT__ana_col_vsense_6,  &root->pq_encoder__DOT__ana_col_vsense_7,
          &root->pq_encoder__DOT__ana_col_vsense_8,  &root->pq_encoder__DOT__ana_col_vsense_9,
          &root->pq_encoder__DOT__ana_col_vsense_10, &root->pq_encoder__DOT__ana_col_vsense_11,
          &root->pq_encoder__DOT__ana_col_vsense_12, &root->pq_encoder__DOT__ana_col_vsense_13,
          &root->pq_encoder__DOT__ana_col_vsense_14, &root->pq_encoder__DOT__ana_col_vsense_15};
      for (int c = 0; c < spec_.cols_per_group && c < 16; ++c) {
        *col[c] = ramp(probe_group * spec_.cols_per_group + c);
      }
    }
  }

  void sample(uint64_t cycle) override {
    auto& d = h_.dut();
    if (racing_) {
      const uint64_t k = cycle - eval_cycle_;
      for (int g = 0; g < spec_.groups; ++g) {
        if (!stop_[g] && k >= 1 && wide_bit(d.grp_stop_o, g)) stop_[g] = static_cast<uint32_t>(k);
      }
    }
    if (!d.xb_eval_o) return;
    if (racing_) close_race();
    start_race(cycle);
  }

  // Closes the last race (its grp_stop checks and charge); call after the run.
  void finish() {
    if (racing_) close_race();
  }

 private:
  template <class W>
  static void set_word(W& w, int i, uint32_t v) {
    if constexpr (std::is_integral_v<W>) {
      w = static_cast<W>(v);
      (void)i;
    } else {
      w[i] = v;
    }
  }

  void start_race(uint64_t cycle) {
    auto& d = h_.dut();
    if (next_ >= tokens_.size()) {
      log_.error(fmt::format("cycle {}: xb_eval_o for token {}, but only {} were sent", cycle,
                             next_, tokens_.size()));
      return;
    }
    const auto& tok = tokens_[next_];
    const auto want = golden::input_levels(tok, cfg_.shift, spec_);
    for (int r = 0; r < spec_.rows(); ++r) {
      uint32_t got = 0;
      for (int b = 0; b < spec_.in_bits; ++b) {
        got |= static_cast<uint32_t>(wide_bit(d.xb_level_o, r * spec_.in_bits + b)) << b;
      }
      if (got != want[r]) {
        log_.error(fmt::format("cycle {}: token {} row {}: xb_level_o {} != golden level {}", cycle,
                               next_, r, got, want[r]));
        break;
      }
    }
    if (static_cast<uint32_t>(d.xb_sel_o) != cfg_.sel) {
      log_.error(fmt::format("cycle {}: xb_sel_o {} with SEL {}", cycle, d.xb_sel_o, cfg_.sel));
    }
    race_ = Race{};
    sim::PqCrossbar* m = model_[cfg_.sel & 1];
    const bool use_model = forced_.empty() && m != nullptr;
    if (!use_model) {
      if (forced_.empty()) {
        log_.error(fmt::format("cycle {}: a race with neither a model nor forced ticks", cycle));
        return;
      }
      race_.ticks = std::move(forced_.front());
      forced_.pop_front();
      race_.t_exact.assign(race_.ticks.begin(), race_.ticks.end());
    } else {
      const auto e = m->eval(want);
      race_.ticks = e.tick;
      race_.t_exact.resize(e.current.size());
      for (size_t c = 0; c < e.current.size(); ++c) {
        race_.t_exact[c] = e.current[c] > 0 ? static_cast<double>(m->charge()) / e.current[c]
                                            : std::numeric_limits<double>::infinity();
      }
    }
    race_.expect =
        golden::wta(race_.ticks, static_cast<int>(cfg_.groups), spec_.cols_per_group, cfg_.t_max);
    racing_ = true;
    eval_cycle_ = cycle;
    stop_.assign(static_cast<size_t>(spec_.groups), 0);
    cur_model_ = use_model ? m : nullptr;
    if (on_race) on_race(race_, static_cast<uint32_t>(next_));
    race_ticks_ += race_.expect.done_tick;
    ++next_;
    ++races_;
  }

  void close_race() {
    racing_ = false;
    for (int g = 0; g < spec_.groups; ++g) {
      const bool active = g < static_cast<int>(cfg_.groups);
      const uint32_t want = active ? race_.expect.win_tick[g] + 1u : 1u;
      if (stop_[g] != want) {
        log_.error(fmt::format("race {} group {}: grp_stop rose at tick {}, expected {}",
                               races_ - 1, g, stop_[g], want));
      }
    }
    if (cur_model_ != nullptr) {
      std::vector<uint32_t> none(stop_.size(), 0);
      for (int g = static_cast<int>(cfg_.groups); g < spec_.groups; ++g) none[g] = 1;
      const auto te = cur_model_->discharge_ticks(stop_, cfg_.t_max);
      const auto tn = cur_model_->discharge_ticks(none, cfg_.t_max);
      charge_early_ += cur_model_->race_charge(te);
      charge_none_ += cur_model_->race_charge(tn);
      for (size_t g = 0; g < te.size(); ++g) {
        group_ticks_early_ += te[g];
        group_ticks_none_ += tn[g];
      }
      group_races_ += te.size();
    }
  }

  Harness<Dut>& h_;
  ErrorLog& log_;
  golden::XbarSpec spec_;
  sim::PqCrossbar* model_[2] = {nullptr, nullptr};
  sim::PqCrossbar* cur_model_ = nullptr;
  RunConfig cfg_;
  std::vector<std::vector<int8_t>> tokens_;
  size_t next_ = 0;
  std::deque<std::vector<uint32_t>> forced_;
  bool racing_ = false;
  uint64_t eval_cycle_ = 0;
  Race race_;
  std::vector<uint32_t> stop_;
  uint64_t races_ = 0, race_ticks_ = 0;
  double charge_early_ = 0, charge_none_ = 0;
  uint64_t group_ticks_early_ = 0, group_ticks_none_ = 0, group_races_ = 0;
};

// The relevance unit's side of the code buffers: random reads through the cb_rd port (one
// cycle latency) of entries whose contents are known, checked the cycle after. The run loop
// keeps `expect` up to date and sets `busy_sel` to the buffer being written (not read then).
template <class Dut>
class CodeBufferReader : public ClockPlugin {
 public:
  std::array<std::vector<std::optional<uint32_t>>, 2> expect;  // per buffer: Q, K
  int busy_sel = -1;                                           // -1: read both
  double rate = 0.5;

  CodeBufferReader(Harness<Dut>& h, ErrorLog& log, golden::Rng& rng)
      : h_(h), log_(log), rng_(rng) {}
  void resize(uint32_t entries) {
    expect[0].assign(entries, std::nullopt);
    expect[1].assign(entries, std::nullopt);
  }
  uint64_t checked() const { return checked_; }

  void drive(uint64_t) override {
    auto& d = h_.dut();
    pending_ = false;
    d.cb_rd_en_i = 0;
    if (expect[0].empty() || !rng_.bernoulli(rate)) return;
    const int sel = busy_sel < 0 ? static_cast<int>(rng_.uniform_int(0, 1)) : 1 - busy_sel;
    const auto n = static_cast<int64_t>(expect[sel].size());
    const auto addr = static_cast<uint32_t>(rng_.uniform_int(0, n - 1));
    d.cb_rd_en_i = 1;
    d.cb_rd_sel_i = static_cast<uint8_t>(sel);
    d.cb_rd_addr_i = addr;
    if (expect[sel][addr]) {
      pending_ = true;
      want_ = *expect[sel][addr];
      what_ = fmt::format("{} entry {}", sel ? "K" : "Q", addr);
    }
  }
  void after_edge(uint64_t cycle) override {
    if (!pending_) return;
    ++checked_;
    const uint32_t got = h_.dut().cb_rd_data_o;
    if (got != want_ && errors_++ < 5) {
      log_.error(fmt::format("code buffer read port, {} at cycle {}: {:08x}, expected {:08x}",
                             what_, cycle, got, want_));
    }
  }

 private:
  Harness<Dut>& h_;
  ErrorLog& log_;
  golden::Rng& rng_;
  bool pending_ = false;
  uint32_t want_ = 0;
  std::string what_;
  uint64_t checked_ = 0, errors_ = 0;
};

// A pq_encoder with its APB driver, token source, code sink and crossbar responder.
template <class Dut>
struct PqBench {
  Harness<Dut> h;
  ApbDriver<Dut> apb;
  StreamSource<TokBeat> src;
  StreamSink<CodeBeat> sink;
  XbarResponder<Dut> xb;
  CodeBufferReader<Dut> reader;
  std::vector<CodeBeat> got;
  std::function<void(const CodeBeat&)> on_beat;

  PqBench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& stall_rng,
          const StallProfile& stall, const golden::XbarSpec& spec)
      : h(ho, log),
        apb(h),
        src("pq.in",
            {[this](bool v) { h.dut().in_valid_i = v; }, [this] { return h.dut().in_ready_o != 0; },
             [this](const TokBeat& t) {
               auto& d = h.dut();
               for (size_t w = 0; w < t.x.size() / 4; ++w) {
                 uint32_t v = 0;
                 for (int b = 0; b < 4; ++b) {
                   v |= static_cast<uint32_t>(static_cast<uint8_t>(t.x[w * 4 + b])) << (8 * b);
                 }
                 d.in_data_i[w] = v;
               }
               d.in_last_i = t.last;
             }},
            stall_rng, stall.valid_prob),
        sink("pq.out",
             {[this] { return h.dut().out_valid_o != 0; },
              [this](bool r) { h.dut().out_ready_i = r; }, [this] { return read_beat(); }},
             stall_rng, stall.ready_prob, log,
             [this](const CodeBeat& b, uint64_t) {
               got.push_back(b);
               if (on_beat) on_beat(b);
             }),
        xb(h, log, spec),
        reader(h, log, stall_rng),
        spec_(spec) {
    h.add(src);
    h.add(sink);
    h.add(xb);
    h.add(reader);
    h.dut().cb_rd_en_i = 0;
    h.reset();
    reader.resize(apb.read_ok(kSeqMax));
  }

  CodeBeat read_beat() {
    auto& d = h.dut();
    CodeBeat b;
    b.code = d.out_code_o;
    b.tie = d.out_tie_o;
    b.timeout = d.out_timeout_o;
    b.idx = d.out_idx_o;
    b.last = d.out_last_o != 0;
    b.ticks.resize(static_cast<size_t>(spec_.groups));
    for (int g = 0; g < spec_.groups; ++g) {
      uint32_t t = 0;
      for (int i = 0; i < spec_.tick_width; ++i) {
        t |= static_cast<uint32_t>(wide_bit(d.out_tick_o, g * spec_.tick_width + i)) << i;
      }
      b.ticks[g] = static_cast<uint16_t>(t);
    }
    return b;
  }

  void configure(const RunConfig& c) {
    apb.write_ok(kNumTok, c.num_tok);
    apb.write_ok(kSel, c.sel);
    apb.write_ok(kShift, c.shift);
    apb.write_ok(kTmax, c.t_max);
    apb.write_ok(kGroups, c.groups);
  }

  // Sends the tokens with in_last on the last one.
  void send(const std::vector<std::vector<int8_t>>& toks) {
    for (size_t i = 0; i < toks.size(); ++i) src.push({toks[i], i + 1 == toks.size()});
  }

 private:
  golden::XbarSpec spec_;
};

}  // namespace hycim::tb::pq

namespace hycim::tb::pq {

struct PqOptions {
  sim::AnalogParams analog;   // the crossbar model's effects (default: ideal)
  size_t train_tokens = 512;  // tokens the codebooks are trained on
  bool small_tmax = true;     // some runs with a small t_max (timeouts)
  bool random_groups = true;  // some runs with fewer active groups
  int probe_group = 0;        // the group whose every column is in the waveform
};

struct PqReport {
  ScenarioReport base;
  uint64_t tokens = 0, codes = 0, races = 0, race_ticks = 0, busy_cycles = 0;
  uint64_t agree_float = 0, agree_ideal = 0, ties = 0, timeouts = 0;
  uint64_t cb_reads = 0;  // code buffer read-port reads checked
  double charge_early = 0, charge_none = 0;
  double group_ticks_early = 0, group_ticks_none = 0;  // mean discharge ticks per group and race
  std::vector<uint32_t> code_words;                    // every beat's codes, in output order
};

// Random runs: each start picks SEL, NUM_TOK, GROUPS and T_MAX at random and sends fresh
// Gaussian tokens; Q and K have their own codebooks, crossbars and models.
template <class Dut>
PqReport run(const ScenarioOptions& o, const PqOptions& po, const golden::XbarSpec& spec,
             uint32_t seq_max, ErrorLog& log) {
  ScenarioRun sr("pq", "pq_encoder", o, HYCIM_SOURCE_DIR "/tb/waves/pq_encoder_ci.gtkw");
  PqReport pr;
  golden::Rng rng(o.seed);
  const size_t dim = static_cast<size_t>(spec.groups * spec.sub_dim);
  golden::Codebook cb[2];
  golden::XbarMap map[2];
  std::unique_ptr<sim::PqCrossbar> model[2];
  for (int s = 0; s < 2; ++s) {
    const auto train = gaussian_tokens(rng, po.train_tokens, dim);
    cb[s] = golden::train_codebook(train, spec.groups, spec.cols_per_group,
                                   {.seed = o.seed + static_cast<uint64_t>(s)});
    map[s] = golden::map_crossbar(cb[s], golden::choose_shift(train, spec.in_bits), spec);
    sim::AnalogParams ap = po.analog;
    ap.chip_seed = golden::splitmix64(po.analog.chip_seed + static_cast<uint64_t>(s));
    ap.run_seed = golden::splitmix64(po.analog.run_seed + static_cast<uint64_t>(s));
    model[s] = std::make_unique<sim::PqCrossbar>(map[s], ap);
  }
  const bool ideal = po.analog.ideal();
  {
    PqBench<Dut> b(sr.harness, log, sr.stall_rng, o.stall, spec);
    auto& d = b.h.dut();
    HYCIM_CHECK(po.probe_group >= 0 && po.probe_group < spec.groups, "probe group {} of {} groups",
                po.probe_group, spec.groups);
    b.xb.probe_group = po.probe_group;
    b.xb.set_models(model[0].get(), model[1].get());
    Scoreboard<CodeBeat> sb("pq.codes", log);
    Scoreboard<uint32_t> sb_ideal("pq.codes_vs_ideal_chain", log);
    Scoreboard<uint32_t> sb_regs("pq.registers", log);
    std::vector<std::vector<int8_t>> toks;
    golden::Tensor<int8_t> cur;
    golden::Tensor<uint8_t> float_nc;
    RunConfig cfg;
    std::vector<uint32_t> expect_codes;
    b.xb.on_race = [&](const auto& race, uint32_t idx) {
      sb.expect(beat_of(race.expect, idx, idx + 1 == cfg.num_tok));
      expect_codes[idx] = race.expect.code_word();
      pr.ties += std::popcount(race.expect.tie_mask());
      pr.timeouts += std::popcount(race.expect.timeout_mask());
    };
    b.on_beat = [&](const CodeBeat& beat) {
      sb.observe(beat);
      pr.code_words.push_back(beat.code);
      if (ideal) sb_ideal.observe(beat.code);
      if (beat.idx < toks.size()) {
        for (uint32_t g = 0; g < cfg.groups; ++g) {
          const uint32_t code = (beat.code >> (4 * g)) & 0xf;
          pr.agree_float += code == float_nc(beat.idx, g);
          pr.codes += 1;
        }
      }
    };
    const uint32_t max_tok = b.apb.read_ok(kSeqMax);
    if (max_tok != seq_max) log.error(fmt::format("SEQ_MAX reads {}, want {}", max_tok, seq_max));
    for (unsigned run = 0; run < o.runs && log.ok(); ++run) {
      cfg.sel = run % 2;
      cfg.num_tok =
          o.len ? std::min(o.len, seq_max) : static_cast<uint32_t>(rng.uniform_int(1, seq_max));
      cfg.groups = (po.random_groups && rng.bernoulli(0.25))
                       ? static_cast<uint32_t>(rng.uniform_int(1, spec.groups))
                       : static_cast<uint32_t>(spec.groups);
      cfg.t_max = (po.small_tmax && rng.bernoulli(0.2))
                      ? static_cast<uint32_t>(rng.uniform_int(1, 400))
                      : spec.tick_limit();
      cfg.shift = map[cfg.sel].shift;
      cur = gaussian_tokens(rng, cfg.num_tok, dim);
      float_nc = golden::encode_nearest_float(cur, cb[cfg.sel]);
      toks.assign(cfg.num_tok, {});
      for (uint32_t t = 0; t < cfg.num_tok; ++t) {
        toks[t].assign(cur.data().begin() + t * dim, cur.data().begin() + (t + 1) * dim);
        if (ideal) {
          const auto r = golden::encode_ideal_xbar(map[cfg.sel], toks[t], model[cfg.sel]->charge(),
                                                   cfg.t_max, static_cast<int>(cfg.groups));
          sb_ideal.expect(r.code_word());
          const auto qn = golden::encode_quantized(map[cfg.sel], toks[t]);
          for (uint32_t g = 0; g < cfg.groups; ++g) pr.agree_ideal += r.code[g] == qn[g];
        }
      }
      expect_codes.assign(cfg.num_tok, 0);
      const uint64_t ties0 = pr.ties, timeouts0 = pr.timeouts;
      b.reader.busy_sel = static_cast<int>(cfg.sel);  // the relevance unit reads the other one
      b.xb.begin_run(cfg, toks);
      b.configure(cfg);
      b.apb.write_ok(kCtrl, 1);
      b.send(toks);
      const uint64_t limit = static_cast<uint64_t>(cfg.num_tok) * (cfg.t_max + 64) * 8 + 2000;
      b.h.run_until([&] { return d.done_o != 0; }, limit, fmt::format("DONE of run {}", run));
      b.xb.finish();
      const uint32_t race_ticks = b.apb.read_ok(kRaceTicks);
      pr.busy_cycles += b.apb.read_ok(kCycles);
      sb_regs.expect_all(std::vector<uint32_t>{0u, cfg.num_tok, cfg.num_tok});
      sb_regs.observe(b.apb.read_ok(kErr));
      sb_regs.observe(b.apb.read_ok(kCountIn));
      sb_regs.observe(b.apb.read_ok(kCountOut));
      pr.race_ticks += race_ticks;
      sb_regs.expect_all(std::vector<uint32_t>{static_cast<uint32_t>(pr.ties - ties0),
                                               static_cast<uint32_t>(pr.timeouts - timeouts0)});
      sb_regs.observe(b.apb.read_ok(kTies));
      sb_regs.observe(b.apb.read_ok(kTimeouts));
      for (uint32_t t = 0; t < cfg.num_tok; ++t) b.reader.expect[cfg.sel][t] = expect_codes[t];
      b.reader.busy_sel = -1;
      // The code buffer holds every code of the run.
      for (uint32_t t = 0; t < cfg.num_tok && log.ok(); ++t) {
        b.apb.write_ok(kCodeAddr, (cfg.sel << 16) | t);
        const uint32_t v = b.apb.read_ok(kCodeData);
        if (v != expect_codes[t]) {
          log.error(fmt::format("run {} code buffer {} entry {}: {:08x}, expected {:08x}", run,
                                cfg.sel ? "K" : "Q", t, v, expect_codes[t]));
        }
      }
      pr.tokens += cfg.num_tok;
      sr.rep.elements += cfg.num_tok;
      ++sr.rep.runs;
      if (o.progress) {
        fmt::print("  run {:>3}/{}: {} tokens {:>4} groups {} t_max {:>4}  cycle {:>9}  {}\n",
                   run + 1, o.runs, cfg.sel ? "K" : "Q", cfg.num_tok, cfg.groups, cfg.t_max,
                   b.h.cycle(), log.ok() ? "ok" : "FAILED");
      }
    }
    sb.finish();
    sb_regs.finish();
    if (ideal) sb_ideal.finish();
    sr.rep.tensors = {tally(sb), tally(sb_regs)};
    if (ideal) sr.rep.tensors.push_back(tally(sb_ideal));
    pr.races = b.xb.races();
    pr.cb_reads = b.reader.checked();
    pr.charge_early = b.xb.charge_early();
    pr.charge_none = b.xb.charge_none();
    pr.group_ticks_early = b.xb.group_ticks_early();
    pr.group_ticks_none = b.xb.group_ticks_none();
    sr.record_sim(b.h);
  }
  pr.base = sr.finish(log);
  return pr;
}

}  // namespace hycim::tb::pq
