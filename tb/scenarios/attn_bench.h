// The attn_top testbench (docs/attention/attn_top.md): the head with its APB driver, the input
// stream (K, V, Q rows), the output sink, one crossbar responder per encoder (the sim/ model of
// each macro answering its crossbar port, cycle by cycle), and a monitor of the observation
// ports. Every tensor the head produces is compared with the golden model (golden/attention/
// attn_head.h): the codes of every token (against golden::wta of the model's own ticks, the
// expectation the responder computes for each race), the relevance beats, the kept indices, the
// QK scores, the probabilities and the output rows. Golden rows are computed when the RTL starts
// them, since a row's expectation needs its query's code.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "apb.h"
#include "golden/attention/attn_head.h"
#include "golden/attention/pq.h"
#include "golden/attention/relevance.h"
#include "harness.h"
#include "port_bits.h"
#include "regs/attn_top_regs.h"
#include "scenario.h"
#include "scoreboard.h"
#include "sim/attention/pq_xbar.h"
#include "sim/attention/pq_xbar_responder.h"
#include "stream.h"

namespace hycim::tb::attn {

namespace R = hycim::regs::attn_top;

// The build sizes of one configuration (a cfg::Ci / cfg::Bert constants struct).
struct Shape {
  uint32_t dim = 64, subspaces = 8, centroids = 16, seq_max = 64, encoders = 2, banks = 4,
           rel_lanes = 4, in_bits = 4, tick_width = 10, sm_lanes = 8;
  golden::XbarSpec xbar() const {
    golden::XbarSpec s;
    s.groups = static_cast<int>(subspaces);
    s.cols_per_group = static_cast<int>(centroids);
    s.sub_dim = static_cast<int>(dim / subspaces);
    s.in_bits = static_cast<int>(in_bits);
    s.tick_width = static_cast<int>(tick_width);
    return s;
  }
  golden::AttnBuild build() const { return {dim, subspaces, seq_max, tick_width}; }
};
template <class C>
Shape shape_of() {
  return {C::kHeadDim,      C::kNumSubspaces,    C::kNumCentroids,   C::kSeqLenMax,
          C::kAttnEncoders, C::kSramBanks,       C::kRelevanceLanes, C::kXbarInBits,
          C::kWtaTickWidth, C::kAttnSoftmaxLanes};
}

// ---- Crossbar port of encoder e -----------------------------------------------------------

template <class Dut>
class EncXbarPort : public sim::PqXbarPort {
 public:
  EncXbarPort(Harness<Dut>& h, const Shape& s, int e) : h_(h), s_(s), e_(e) {}
  bool eval() const override { return port_bits(h_.dut().xb_eval_o, e_, 1) != 0; }
  uint32_t sel() const override {
    return static_cast<uint32_t>(port_bits(h_.dut().xb_sel_o, e_, 1));
  }
  uint32_t level(int row) const override {
    const unsigned rows = s_.dim + 1;
    return static_cast<uint32_t>(
        port_bits(h_.dut().xb_level_o, (e_ * rows + row) * s_.in_bits, s_.in_bits));
  }
  bool group_stop(int g) const override {
    return port_bits(h_.dut().grp_stop_o, e_ * s_.subspaces + g, 1) != 0;
  }
  void set_fire(int word, uint32_t v) override {
    set_port_bits(h_.dut().fire_i, e_ * s_.subspaces * s_.centroids + 32 * word, 32, v);
  }

 private:
  Harness<Dut>& h_;
  Shape s_;
  int e_;
};

// The responder of encoder e: its K run first, then (from the first race with xb_sel_o = Q
// after every K token raced) its Q run.
template <class Dut>
class EncResponder : public ClockPlugin, private EncXbarPort<Dut>, public sim::PqXbarResponder {
 public:
  EncResponder(Harness<Dut>& h, ErrorLog& log, const Shape& s, int e)
      : EncXbarPort<Dut>(h, s, e),
        sim::PqXbarResponder(
            static_cast<sim::PqXbarPort&>(*this), s.xbar(),
            [&log, e](const std::string& m) { log.error(fmt::format("encoder {}: {}", e, m)); }) {}

  // The tokens of this encoder for one head.
  void begin_head(const sim::PqRunConfig& k, std::vector<std::vector<int8_t>> ktok,
                  const sim::PqRunConfig& q, std::vector<std::vector<int8_t>> qtok) {
    qcfg_ = q;
    qtok_ = std::move(qtok);
    k_races_ = static_cast<uint32_t>(ktok.size());
    base_ = races();
    in_q_ = false;
    begin_run(k, std::move(ktok));
  }
  bool in_q() const { return in_q_; }

  void drive(uint64_t cycle) override { sim::PqXbarResponder::drive(cycle); }
  // A reset in the middle of a head: the race in flight and both runs' tokens are dropped.
  void reset_begin(uint64_t) override {
    sim::PqXbarResponder::reset();
    qtok_.clear();
    k_races_ = 0;
    base_ = races();
    in_q_ = false;
  }
  void sample(uint64_t cycle) override {
    if (!in_q_ && races() - base_ == k_races_ && EncXbarPort<Dut>::eval() &&
        EncXbarPort<Dut>::sel() == 0) {
      in_q_ = true;
      begin_run(qcfg_, std::move(qtok_));
    }
    sim::PqXbarResponder::sample(cycle);
  }

 private:
  sim::PqRunConfig qcfg_;
  std::vector<std::vector<int8_t>> qtok_;
  uint64_t base_ = 0;
  uint32_t k_races_ = 0;
  bool in_q_ = false;
};

// ---- Beats --------------------------------------------------------------------------------

struct RowBeat {
  std::vector<int8_t> x;
  bool last = false;
};

struct RelBeat {
  uint32_t row = 0;
  uint32_t lanes = 0;
  std::vector<int16_t> score;
  bool last = false;
  bool operator==(const RelBeat&) const = default;
  std::string str() const {
    return fmt::format("{{row {} lanes {:x} scores [{}] last {}}}", row, lanes,
                       fmt::join(score, " "), last ? 1 : 0);
  }
};

struct KeptBeat {
  uint32_t row = 0;
  uint32_t lanes = 0;
  std::vector<uint32_t> idx;  // 0 on lanes that are not valid (compared so)
  bool last = false;
  bool operator==(const KeptBeat&) const = default;
  std::string str() const {
    return fmt::format("{{row {} lanes {:x} idx [{}] last {}}}", row, lanes, fmt::join(idx, " "),
                       last ? 1 : 0);
  }
};

struct ScoreBeat {
  uint32_t lanes = 0;
  std::vector<int32_t> score;
  bool last = false;
  bool operator==(const ScoreBeat&) const = default;
  std::string str() const {
    return fmt::format("{{lanes {:x} scores [{}] last {}}}", lanes, fmt::join(score, " "),
                       last ? 1 : 0);
  }
};

struct ProbBeat {
  std::vector<uint16_t> p;  // slots past LEN read as 0
  bool last = false;
  bool operator==(const ProbBeat&) const = default;
  std::string str() const {
    return fmt::format("{{p [{}] last {}}}", fmt::join(p, " "), last ? 1 : 0);
  }
};

struct OutRow {
  uint32_t row = 0;
  std::vector<int8_t> o;
  bool last = false;
  bool operator==(const OutRow&) const = default;
  std::string str() const {
    return fmt::format("{{row {} out [{}] last {}}}", row, fmt::join(o, " "), last ? 1 : 0);
  }
};

// ---- One head's data ----------------------------------------------------------------------

struct Head {
  golden::AttnConfig cfg;
  golden::Tensor<int8_t> q, k, v;  // S x D
  golden::Tensor<int8_t> tables;   // M x C x C (empty: not loaded)
  golden::XbarMap map_q, map_k;    // the crossbars (sparse)
};

// The golden model's inputs of a head, its code tensors zero (S x subspaces) until the encoders'
// codes are known.
inline golden::AttnInputs head_inputs(const Head& hd, uint32_t subspaces) {
  golden::AttnInputs in;
  in.q = hd.q;
  in.k = hd.k;
  in.v = hd.v;
  in.tables = hd.tables;
  in.qcodes = golden::Tensor<uint8_t>({hd.cfg.seq_len, subspaces});
  in.kcodes = golden::Tensor<uint8_t>({hd.cfg.seq_len, subspaces});
  return in;
}

// ---- The bench ----------------------------------------------------------------------------

template <class Dut>
struct AttnBench : ClockPlugin {
  Harness<Dut> h;
  ApbDriver<Dut> apb;
  StreamSource<RowBeat> src;
  StreamSink<OutRow> sink;
  std::vector<std::unique_ptr<EncResponder<Dut>>> xb;
  std::vector<std::unique_ptr<sim::PqCrossbar>> models;  // 2 per encoder: Q, K
  Scoreboard<uint32_t> sb_code;
  Scoreboard<RelBeat> sb_rel;
  Scoreboard<KeptBeat> sb_kept;
  Scoreboard<ScoreBeat> sb_score;
  Scoreboard<ProbBeat> sb_prob;
  Scoreboard<OutRow> sb_out;
  uint64_t races = 0, ties = 0, timeouts = 0;
  // Race length (the WTA's done tick) of every token of the current head: [0] Q, [1] K.
  std::vector<uint32_t> race_ticks[2];

  AttnBench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& stall_rng,
            const StallProfile& stall, const Shape& s)
      : h(ho, log),
        apb(h),
        src("attn.in",
            {[this](bool v) { h.dut().in_valid_i = v; }, [this] { return h.dut().in_ready_o != 0; },
             [this](const RowBeat& b) {
               for (size_t i = 0; i < b.x.size(); ++i) {
                 set_port_bits(h.dut().in_data_i, static_cast<unsigned>(8 * i), 8,
                               static_cast<uint8_t>(b.x[i]));
               }
               h.dut().in_last_i = b.last;
             }},
            stall_rng, stall.valid_prob),
        sink("attn.out",
             {[this] { return h.dut().out_valid_o != 0; },
              [this](bool r) { h.dut().out_ready_i = r; }, [this] { return read_out(); }},
             stall_rng, stall.ready_prob, log,
             [this](const OutRow& r, uint64_t) { sb_out.observe(r); }),
        sb_code("attn.codes", log),
        sb_rel("attn.relevance", log),
        sb_kept("attn.kept", log),
        sb_score("attn.scores", log),
        sb_prob("attn.probabilities", log),
        sb_out("attn.out", log),
        s_(s),
        log_(log) {
    h.add(src);
    h.add(sink);
    for (uint32_t e = 0; e < s.encoders; ++e) {
      xb.push_back(std::make_unique<EncResponder<Dut>>(h, log, s, static_cast<int>(e)));
      h.add(*xb.back());
      const uint32_t idx = e;
      xb.back()->on_race = [this, idx](const auto& race, uint32_t local) {
        on_race(idx, race.expect, local);
      };
    }
    h.add(*this);
    h.reset();
  }

  // The crossbar models: per encoder a Q and a K macro, each with its own chip seed.
  void set_chips(const golden::XbarMap& mq, const golden::XbarMap& mk,
                 const sim::AnalogParams& ap) {
    models.clear();
    for (uint32_t e = 0; e < s_.encoders; ++e) {
      for (int sel = 0; sel < 2; ++sel) {
        sim::AnalogParams p = ap;
        p.chip_seed = golden::splitmix64(ap.chip_seed + 2 * e + static_cast<uint64_t>(sel));
        p.run_seed = golden::splitmix64(ap.run_seed + 2 * e + static_cast<uint64_t>(sel));
        models.push_back(std::make_unique<sim::PqCrossbar>(sel ? mk : mq, p));
      }
      xb[e]->set_models(models[2 * e].get(), models[2 * e + 1].get());
    }
  }

  void load_tables(const golden::Tensor<int8_t>& t) {
    apb.write_ok(R::kTblAddr, 0);
    for (size_t n = 0; n + 1 < t.size(); n += 2) {
      const uint32_t w =
          static_cast<uint8_t>(t[n]) | (static_cast<uint32_t>(static_cast<uint8_t>(t[n + 1])) << 8);
      apb.write_ok(R::kTblData, w);
    }
  }

  void configure(const golden::AttnConfig& c) {
    const uint32_t mode = (c.dense ? R::kModeDenseMask : 0) | (c.causal ? R::kModeCausalMask : 0) |
                          (c.match ? R::kModeMatchMask : 0) |
                          (c.force_first ? R::kModeForceFirstMask : 0) |
                          (c.force_diag ? R::kModeForceDiagMask : 0);
    apb.write_ok(R::kSeqLen, c.seq_len);
    apb.write_ok(R::kTopk, c.topk);
    apb.write_ok(R::kMode, mode);
    apb.write_ok(R::kHeadDim, c.head_dim ? c.head_dim : s_.dim);
    apb.write_ok(R::kEncShift, c.enc_shift);
    apb.write_ok(R::kEncTmax, c.enc_tmax);
    apb.write_ok(R::kSmMult, c.sm_mult);
    apb.write_ok(R::kSmShift, c.sm_shift);
    apb.write_ok(R::kAvMult, c.av_mult);
    apb.write_ok(R::kAvShift, c.av_shift);
  }

  // Starts one head and queues its stimulus; the caller runs the harness until done_o.
  void start(const Head& hd) {
    head_ = &hd;
    after_reset_ = false;
    const uint32_t S = hd.cfg.seq_len;
    in_ = head_inputs(hd, s_.subspaces);
    have_[0].assign(S, 0);
    have_[1].assign(S, 0);
    code_[0].assign(S, 0);
    code_[1].assign(S, 0);
    race_ticks[0].assign(S, 0);
    race_ticks[1].assign(S, 0);
    rows_done_ = 0;
    golden_rows_.clear();
    prob_slot_ = 0;
    if (!hd.cfg.dense) {
      const uint32_t groups =
          (hd.cfg.head_dim ? hd.cfg.head_dim : s_.dim) / (s_.dim / s_.subspaces);
      for (uint32_t e = 0; e < s_.encoders; ++e) {
        std::vector<std::vector<int8_t>> kt, qt;
        for (uint32_t j = e; j < S; j += s_.encoders) {
          kt.push_back(masked_row(hd.k, j));
          qt.push_back(masked_row(hd.q, j));
        }
        const uint32_t n = static_cast<uint32_t>(kt.size());
        sim::PqRunConfig kc{n, 1, hd.cfg.enc_shift, hd.cfg.enc_tmax, groups};
        sim::PqRunConfig qc{n, 0, hd.cfg.enc_shift, hd.cfg.enc_tmax, groups};
        xb[e]->begin_head(kc, std::move(kt), qc, std::move(qt));
      }
    }
    configure(hd.cfg);
    apb.write_ok(R::kCtrl, 1);
    const golden::Tensor<int8_t>* order[3] = {&hd.k, &hd.v, &hd.q};
    for (int p = 0; p < 3; ++p) {
      for (uint32_t j = 0; j < S; ++j) {
        RowBeat b;
        b.x.assign(order[p]->data().begin() + j * s_.dim,
                   order[p]->data().begin() + (j + 1) * s_.dim);
        b.last = (p == 2 && j + 1 == S);
        src.push(b);
      }
    }
  }

  // The golden row results computed so far (index = row).
  const std::vector<golden::AttnRow>& rows() const { return golden_rows_; }
  const golden::AttnInputs& inputs() const { return in_; }

  bool finish_all() {
    bool ok = true;
    for (auto* sb : {&sb_code}) ok &= sb->finish();
    ok &= sb_rel.finish();
    ok &= sb_kept.finish();
    ok &= sb_score.finish();
    ok &= sb_prob.finish();
    ok &= sb_out.finish();
    return ok;
  }
  std::vector<TensorTally> tallies() const {
    return {tally(sb_code),  tally(sb_rel),  tally(sb_kept),
            tally(sb_score), tally(sb_prob), tally(sb_out)};
  }

  // ---- monitor (ClockPlugin) --------------------------------------------------------------
  // A reset in the middle of a head: every tensor's pending expectations are withdrawn, the
  // head's race tallies restart, and until the next start() no observation port may be valid.
  void reset_begin(uint64_t) override {
    sb_code.reset();
    sb_rel.reset();
    sb_kept.reset();
    sb_score.reset();
    sb_prob.reset();
    sb_out.reset();
    races = ties = timeouts = 0;
    prob_slot_ = 0;
    after_reset_ = true;
  }
  void drive(uint64_t) override {}
  void sample(uint64_t cycle) override {
    auto& d = h.dut();
    if (after_reset_) {
      const std::pair<const char*, bool> mon[] = {{"mon_code_valid_o", d.mon_code_valid_o != 0},
                                                  {"mon_rel_valid_o", d.mon_rel_valid_o != 0},
                                                  {"mon_kept_valid_o", d.mon_kept_valid_o != 0},
                                                  {"mon_score_valid_o", d.mon_score_valid_o != 0},
                                                  {"mon_prob_valid_o", d.mon_prob_valid_o != 0}};
      for (const auto& [name, v] : mon) {
        if (v && quiet_errors_++ < 5) {
          log_.error(
              fmt::format("{} high at cycle {} after a reset, before the next start", name, cycle));
        }
      }
      return;
    }
    if (d.mon_code_valid_o) {
      const uint32_t sel = d.mon_code_sel_o;
      const uint32_t idx = d.mon_code_idx_o;
      const uint32_t code = static_cast<uint32_t>(d.mon_code_o);
      if (idx >= have_[sel].size() || !have_[sel][idx]) {
        log_.error(
            fmt::format("code for {} token {} with no race of that token", sel ? "K" : "Q", idx));
      } else {
        sb_code.expect(code_[sel][idx]);
        sb_code.observe(code);
      }
    }
    if (d.mon_rel_valid_o) {
      ensure_row(static_cast<uint32_t>(d.mon_rel_row_o));
      RelBeat b;
      b.row = d.mon_rel_row_o;
      b.lanes = static_cast<uint32_t>(d.mon_rel_lanes_o);
      for (uint32_t l = 0; l < s_.rel_lanes; ++l) {
        b.score.push_back(static_cast<int16_t>(port_bits(d.mon_rel_score_o, 16 * l, 16)));
      }
      b.last = d.mon_rel_last_o != 0;
      sb_rel.observe(b);
    }
    if (d.mon_kept_valid_o) {
      ensure_row(static_cast<uint32_t>(d.mon_kept_row_o));
      KeptBeat b;
      b.row = d.mon_kept_row_o;
      b.lanes = static_cast<uint32_t>(d.mon_kept_lanes_o);
      for (uint32_t l = 0; l < s_.banks; ++l) {
        const bool v = (b.lanes >> l) & 1;
        b.idx.push_back(v ? static_cast<uint32_t>(port_bits(d.mon_kept_idx_o, idx_w() * l, idx_w()))
                          : 0);
      }
      b.last = d.mon_kept_last_o != 0;
      sb_kept.observe(b);
    }
    if (d.mon_score_valid_o) {
      ScoreBeat b;
      b.lanes = static_cast<uint32_t>(d.mon_score_lanes_o);
      for (uint32_t l = 0; l < s_.banks; ++l) {
        b.score.push_back(static_cast<int32_t>(port_bits(d.mon_score_o, 32 * l, 32)));
      }
      b.last = d.mon_score_last_o != 0;
      sb_score.observe(b);
    }
    if (d.mon_prob_valid_o) {
      ProbBeat b;
      const uint32_t len = row_len();
      for (uint32_t l = 0; l < s_.banks; ++l) {
        const uint32_t slot = prob_slot_ + l;
        b.p.push_back(slot < len ? static_cast<uint16_t>(port_bits(d.mon_prob_o, 16 * l, 16)) : 0);
      }
      b.last = d.mon_prob_last_o != 0;
      prob_slot_ = b.last ? 0 : prob_slot_ + s_.banks;
      sb_prob.observe(b);
    }
  }

 private:
  uint32_t idx_w() const { return static_cast<uint32_t>(std::bit_width(s_.seq_max - 1)); }
  uint32_t row_len() const { return head_->cfg.dense ? head_->cfg.seq_len : head_->cfg.topk; }

  std::vector<int8_t> masked_row(const golden::Tensor<int8_t>& t, uint32_t j) const {
    const uint32_t hd = head_->cfg.head_dim ? head_->cfg.head_dim : s_.dim;
    std::vector<int8_t> r(t.data().begin() + j * s_.dim, t.data().begin() + (j + 1) * s_.dim);
    for (uint32_t e = hd; e < s_.dim; ++e) r[e] = 0;
    return r;
  }

  OutRow read_out() {
    auto& d = h.dut();
    OutRow r;
    r.row = d.out_row_o;
    for (uint32_t e = 0; e < s_.dim; ++e) {
      r.o.push_back(static_cast<int8_t>(port_bits(d.out_data_o, 8 * e, 8)));
    }
    r.last = d.out_last_o != 0;
    return r;
  }

  void on_race(uint32_t e, const golden::WtaResult& w, uint32_t local) {
    const bool k = !xb[e]->in_q();
    const uint32_t tok = e + local * s_.encoders;
    const uint32_t sel = k ? 1 : 0;
    if (tok >= have_[sel].size()) {
      log_.error(fmt::format("encoder {} raced {} token {} of a head of {}", e, k ? "K" : "Q", tok,
                             have_[sel].size()));
      return;
    }
    have_[sel][tok] = 1;
    race_ticks[sel][tok] = w.done_tick;
    code_[sel][tok] = w.code_word();
    auto& codes = k ? in_.kcodes : in_.qcodes;
    for (uint32_t m = 0; m < s_.subspaces; ++m) codes(tok, m) = w.code[m];
    ++races;
    ties += std::popcount(w.tie_mask());
    timeouts += std::popcount(w.timeout_mask());
  }

  // Golden rows up to `row`, their expected beats queued.
  void ensure_row(uint32_t row) {
    const auto& c = head_->cfg;
    while (rows_done_ <= row && rows_done_ < c.seq_len) {
      const uint32_t i = rows_done_++;
      if (!c.dense) {
        for (uint32_t j = 0; j < c.seq_len; ++j) {
          if (!have_[1][j])
            log_.error(fmt::format("row {} started before key {} was encoded", i, j));
        }
        if (!have_[0][i]) log_.error(fmt::format("row {} started before its query was encoded", i));
      }
      golden_rows_.resize(i + 1);
      golden_rows_[i] = golden::attn_row(c, s_.build(), in_, i);
      queue_row(i, golden_rows_[i]);
    }
  }

  void queue_row(uint32_t i, const golden::AttnRow& g) {
    const auto& c = head_->cfg;
    const uint32_t S = c.seq_len;
    if (!c.dense) {
      for (uint32_t base = 0; base < S; base += s_.rel_lanes) {
        RelBeat b;
        b.row = i;
        for (uint32_t l = 0; l < s_.rel_lanes; ++l) {
          const uint32_t j = base + l;
          const bool v = j < S && g.rel.valid[j];
          b.lanes |= (v ? 1u : 0u) << l;
          b.score.push_back(v ? g.rel.r[j] : 0);
        }
        b.last = base + s_.rel_lanes >= S;
        sb_rel.expect(b);
      }
    }
    const uint32_t len = row_len();
    for (uint32_t t0 = 0; t0 < len; t0 += s_.banks) {
      KeptBeat kb;
      ScoreBeat sb;
      ProbBeat pb;
      kb.row = i;
      for (uint32_t l = 0; l < s_.banks; ++l) {
        const uint32_t t = t0 + l;
        const bool v = t < g.kept.size();
        kb.lanes |= (v ? 1u : 0u) << l;
        kb.idx.push_back(v ? g.kept[t] : 0);
        sb.score.push_back(v ? g.score[t] : 0);
        pb.p.push_back(t < len ? g.sm.p[t] : 0);
      }
      sb.lanes = kb.lanes;
      kb.last = sb.last = pb.last = t0 + s_.banks >= len;
      sb_kept.expect(kb);
      sb_score.expect(sb);
      sb_prob.expect(pb);
    }
    sb_out.expect({i, g.out, i + 1 == S});
  }

  Shape s_;
  ErrorLog& log_;
  const Head* head_ = nullptr;
  golden::AttnInputs in_;
  std::vector<uint8_t> have_[2];
  std::vector<uint32_t> code_[2];
  std::vector<golden::AttnRow> golden_rows_;
  uint32_t rows_done_ = 0;
  uint32_t prob_slot_ = 0;
  bool after_reset_ = false;  // from a reset in the middle of a head to the next start()
  uint64_t quiet_errors_ = 0;
};

}  // namespace hycim::tb::attn
