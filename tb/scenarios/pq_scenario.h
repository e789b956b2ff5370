// pq_encoder against the golden model, with the behavioral crossbar (sim/) answering its crossbar
// port cycle by cycle. Used by the RTL tests, `hycim run pq` and `hycim pq-study`.
//
// The bench (PqBench) is the encoder with its APB driver, token source, code sink, the crossbar
// responder (sim/attention/pq_xbar_responder.h, bound to the model's ports by
// pq_xbar_port.h) and the code buffer reader (pq_code_reader.h). Every code beat is compared
// with golden::wta fed with the model's ticks; with an ideal model the beats are also compared
// with the golden chain computed from the tokens alone (golden::encode_ideal_xbar), and the code
// buffers are read back through the APB window.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "apb.h"
#include "golden/attention/pq.h"
#include "harness.h"
#include "pq_code_reader.h"
#include "pq_stimulus.h"
#include "pq_xbar_port.h"
#include "regs/pq_encoder_regs.h"
#include "scenario.h"
#include "scoreboard.h"
#include "sim/attention/pq_xbar.h"
#include "stream.h"

namespace hycim::tb::pq {

// Register byte offsets, fields and ERR bits: generated from rtl/attention/pq/pq_encoder.regs.toml
// (docs/attention/pq_encoder.md).
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

using RunConfig = sim::PqRunConfig;

// A pq_encoder with its APB driver, token source, code sink, crossbar responder and code buffer
// reader.
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

// Real tokens instead of Gaussian ones (`hycim pq-study --data`): per crossbar (0 Q, 1 K) the rows
// the codebook is trained on and the rows to encode, `groups` x sub_dim INT8 columns each, with
// `groups` at most the build's. Every run uses GROUPS = `groups`: the codebook has `groups`
// trained subspaces and all-zero centroids in the build's groups beyond (inactive, never raced),
// the tokens go to the RTL zero-padded to the build's head dimension, and the shift is chosen
// from the training rows alone. Runs alternate Q and K and send every evaluation row once, in
// order, SeqLenMax rows per run (ScenarioOptions::runs and len are not used).
struct PqTokens {
  golden::Tensor<int8_t> train[2], eval[2];
  int groups = 0;
};

struct PqOptions {
  sim::AnalogParams analog;          // the crossbar model's effects (default: ideal)
  const PqTokens* tokens = nullptr;  // real tokens; nullptr: Gaussian ones
  size_t train_tokens = 512;         // tokens the codebooks are trained on
  bool small_tmax = true;            // some runs with a small t_max (timeouts)
  bool random_groups = true;         // some runs with fewer active groups
  int probe_group = 0;               // the group whose every column is in the waveform
};

struct PqReport {
  ScenarioReport base;
  uint64_t tokens = 0, codes = 0, races = 0, race_ticks = 0, busy_cycles = 0;
  uint64_t agree_float = 0, agree_ideal = 0, ties = 0, timeouts = 0;
  // Ideal model only: codes whose nearest quantized centroid equals the float nearest centroid
  // (the cost of the crossbar's input and conductance levels alone, without the tick WTA).
  uint64_t quant_float = 0;
  uint64_t cb_reads = 0;  // code buffer read-port reads checked
  double charge_early = 0, charge_none = 0;
  double group_ticks_early = 0, group_ticks_none = 0;  // mean discharge ticks per group and race
  std::vector<uint32_t> code_words;                    // every beat's codes, in output order
  unsigned shift[2] = {0, 0};                          // the Q and K crossbars' input shift
  std::vector<int64_t> b0[2];                          // and their per-group offsets B0_m
};

// The codebook of `x` (S x groups*sub_dim) with `groups` trained subspaces, extended to the
// build's `spec.groups` with all-zero centroids (what an inactive group holds).
inline golden::Codebook padded_codebook(const golden::Tensor<int8_t>& x, int groups,
                                        const golden::XbarSpec& spec, uint64_t seed) {
  const auto t = golden::train_codebook(x, groups, spec.cols_per_group, {.seed = seed});
  HYCIM_CHECK(t.sub_dim == spec.sub_dim, "subspaces of {} dimensions, the build has {}", t.sub_dim,
              spec.sub_dim);
  if (groups == spec.groups) return t;
  golden::Codebook cb = t;
  const size_t per = static_cast<size_t>(spec.cols_per_group * spec.sub_dim);
  cb.subspaces = spec.groups;
  cb.fcent.resize(static_cast<size_t>(spec.groups) * per, 0.0);
  cb.cent = golden::Tensor<int8_t>({static_cast<size_t>(spec.groups),
                                    static_cast<size_t>(spec.cols_per_group),
                                    static_cast<size_t>(spec.sub_dim)});
  std::copy(t.cent.data().begin(), t.cent.data().end(), cb.cent.data().begin());
  cb.iterations.resize(static_cast<size_t>(spec.groups), 0);
  cb.distortion.resize(static_cast<size_t>(spec.groups), 0.0);
  return cb;
}

// Rows [first, first + n) of `x` (S x w), zero-padded to `dim` columns.
inline golden::Tensor<int8_t> padded_rows(const golden::Tensor<int8_t>& x, size_t first, size_t n,
                                          size_t dim) {
  const size_t w = x.shape()[1];
  golden::Tensor<int8_t> y({n, dim});
  for (size_t t = 0; t < n; ++t) {
    std::copy_n(x.data().begin() + static_cast<std::ptrdiff_t>((first + t) * w), w,
                y.data().begin() + static_cast<std::ptrdiff_t>(t * dim));
  }
  return y;
}

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
  const PqTokens* real = po.tokens;
  if (real) {
    HYCIM_CHECK(real->groups >= 1 && real->groups <= spec.groups, "{} groups of {}", real->groups,
                spec.groups);
    for (int s = 0; s < 2; ++s) {
      const size_t w = static_cast<size_t>(real->groups * spec.sub_dim);
      HYCIM_CHECK(real->train[s].rank() == 2 && real->train[s].shape()[1] == w &&
                      real->eval[s].rank() == 2 && real->eval[s].shape()[1] == w,
                  "real tokens of {} columns wanted", w);
    }
  }
  for (int s = 0; s < 2; ++s) {
    const uint64_t seed = o.seed + static_cast<uint64_t>(s);
    if (real) {
      cb[s] = padded_codebook(real->train[s], real->groups, spec, seed);
      pr.shift[s] = golden::choose_shift(real->train[s], spec.in_bits);
    } else {
      const auto train = gaussian_tokens(rng, po.train_tokens, dim);
      cb[s] = golden::train_codebook(train, spec.groups, spec.cols_per_group, {.seed = seed});
      pr.shift[s] = golden::choose_shift(train, spec.in_bits);
    }
    map[s] = golden::map_crossbar(cb[s], pr.shift[s], spec);
    pr.b0[s] = map[s].b0;
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
    // Real tokens: the evaluation rows of each crossbar not sent yet, and the runs they take.
    size_t left[2] = {0, 0};
    unsigned runs = o.runs;
    if (real) {
      runs = 0;
      for (int s = 0; s < 2; ++s) {
        left[s] = real->eval[s].shape()[0];
        runs += static_cast<unsigned>((left[s] + seq_max - 1) / seq_max);
      }
    }
    for (unsigned run = 0; run < runs && log.ok(); ++run) {
      if (real) {
        cfg.sel = left[run % 2] > 0 ? run % 2 : 1 - run % 2;
        cfg.num_tok = static_cast<uint32_t>(std::min<size_t>(seq_max, left[cfg.sel]));
        cfg.groups = static_cast<uint32_t>(real->groups);
        cfg.t_max = spec.tick_limit();
        const auto& ev = real->eval[cfg.sel];
        cur = padded_rows(ev, ev.shape()[0] - left[cfg.sel], cfg.num_tok, dim);
        left[cfg.sel] -= cfg.num_tok;
      } else {
        cfg.sel = run % 2;
        cfg.num_tok =
            o.len ? std::min(o.len, seq_max) : static_cast<uint32_t>(rng.uniform_int(1, seq_max));
        cfg.groups = (po.random_groups && rng.bernoulli(0.25))
                         ? static_cast<uint32_t>(rng.uniform_int(1, spec.groups))
                         : static_cast<uint32_t>(spec.groups);
        cfg.t_max = (po.small_tmax && rng.bernoulli(0.2))
                        ? static_cast<uint32_t>(rng.uniform_int(1, 400))
                        : spec.tick_limit();
        cur = gaussian_tokens(rng, cfg.num_tok, dim);
      }
      cfg.shift = map[cfg.sel].shift;
      float_nc = golden::encode_nearest_float(cur, cb[cfg.sel]);
      toks.assign(cfg.num_tok, {});
      for (uint32_t t = 0; t < cfg.num_tok; ++t) {
        toks[t].assign(cur.data().begin() + t * dim, cur.data().begin() + (t + 1) * dim);
        if (ideal) {
          const auto r = golden::encode_ideal_xbar(map[cfg.sel], toks[t], model[cfg.sel]->charge(),
                                                   cfg.t_max, static_cast<int>(cfg.groups));
          sb_ideal.expect(r.code_word());
          const auto qn = golden::encode_quantized(map[cfg.sel], toks[t]);
          for (uint32_t g = 0; g < cfg.groups; ++g) {
            pr.agree_ideal += r.code[g] == qn[g];
            pr.quant_float += qn[g] == float_nc(t, g);
          }
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
                   run + 1, runs, cfg.sel ? "K" : "Q", cfg.num_tok, cfg.groups, cfg.t_max,
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
