// attn_top against the golden model: random heads (and heads from .npy files), shared by the
// RTL tests, `hycim run attn` and `hycim attention`. A head's data and crossbars are made here;
// attn_bench.h runs them.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "attn_bench.h"
#include "golden/attention/attn_head.h"
#include "golden/attention/pq.h"
#include "golden/attention/relevance.h"
#include "golden/core/rng.h"
#include "pq_stimulus.h"
#include "scenario.h"

namespace hycim::tb::attn {

// What a random head looks like.
struct HeadSpec {
  uint32_t seq_len = 0;   // 0: the build maximum
  double density = 0.25;  // k = ceil(density * S) (sparse)
  bool dense = false, causal = false, match = false, force_first = false, force_diag = false;
  uint32_t head_dim = 0;  // 0: the build's D
  uint32_t enc_tmax = 0;  // 0: 2^TW - 1
};

// The INT8 scale of the random tokens (sigma 32 LSB = 1.0).
inline constexpr double kTokenScale = 1.0 / 32.0;

// The crossbars and tables of a head from its Q and K: one codebook per side trained on the
// given tokens, one input shift for both (attn_top has one ENC_SHIFT), tables with the smallest
// shift that saturates no entry.
inline void map_head(Head& hd, const Shape& s, const golden::Tensor<int8_t>& q_train,
                     const golden::Tensor<int8_t>& k_train, uint64_t seed) {
  const auto spec = s.xbar();
  const auto cbq =
      golden::train_codebook(q_train, spec.groups, spec.cols_per_group, {.seed = seed});
  const auto cbk =
      golden::train_codebook(k_train, spec.groups, spec.cols_per_group, {.seed = seed + 1});
  golden::Tensor<int8_t> both({q_train.dim(0) + k_train.dim(0), q_train.dim(1)});
  std::copy(q_train.data().begin(), q_train.data().end(), both.data().begin());
  std::copy(k_train.data().begin(), k_train.data().end(),
            both.data().begin() + static_cast<std::ptrdiff_t>(q_train.size()));
  const unsigned shift = golden::choose_shift(both, spec.in_bits);
  hd.map_q = golden::map_crossbar(cbq, shift, spec);
  hd.map_k = golden::map_crossbar(cbk, shift, spec);
  hd.cfg.enc_shift = shift;
  hd.tables = golden::relevance_tables(cbq, cbk, golden::relevance_tshift(cbq, cbk));
}

// Queries near the keys: query i is 0.8 x a random key (uniform over the rows of k) plus Gaussian
// noise of sigma 16 LSB, so that every query has keys that matter (what top-k must find).
inline golden::Tensor<int8_t> queries_near(golden::Rng& rng, const golden::Tensor<int8_t>& k) {
  const size_t n = k.dim(0), d = k.dim(1);
  golden::Tensor<int8_t> q({n, d});
  for (size_t i = 0; i < n; ++i) {
    const auto j = static_cast<size_t>(rng.uniform_int(0, n - 1));
    for (size_t e = 0; e < d; ++e) {
      const double x = 0.8 * k(j, e) + rng.normal(0.0, 16.0);
      q(i, e) = static_cast<int8_t>(std::clamp(std::round(x), -127.0, 127.0));
    }
  }
  return q;
}

// Random Q/K/V with structure: keys are Gaussian, each query is a scaled key plus noise, so that
// every query has keys that matter (what top-k must find).
inline Head random_head(golden::Rng& rng, const Shape& s, const HeadSpec& hs, uint64_t seed) {
  Head hd;
  const uint32_t S = hs.seq_len ? hs.seq_len : s.seq_max;
  auto& c = hd.cfg;
  c.seq_len = S;
  c.dense = hs.dense;
  c.causal = hs.causal;
  c.match = hs.match;
  c.force_first = hs.force_first;
  // TOPK must cover every forced-keep enable (else the head takes the KForced error): a head of
  // one token, where k is at most 1, keeps only the first-key enable.
  c.force_diag = hs.force_diag && !(hs.force_first && S < 2);
  c.head_dim = hs.head_dim;
  c.topk = std::max<uint32_t>(static_cast<uint32_t>(std::ceil(hs.density * S)),
                              (c.force_first ? 1u : 0u) + (c.force_diag ? 1u : 0u));
  c.topk = std::clamp<uint32_t>(c.topk, 1, S);
  c.enc_tmax = hs.enc_tmax ? hs.enc_tmax : (1u << s.tick_width) - 1;
  hd.k = pq::gaussian_tokens(rng, S, s.dim);
  hd.v = pq::gaussian_tokens(rng, S, s.dim);
  hd.q = queries_near(rng, hd.k);
  const uint32_t hdim = hs.head_dim ? hs.head_dim : s.dim;
  const auto sm = golden::softmax_scale(kTokenScale, kTokenScale, hdim);
  const auto av = golden::output_scale(kTokenScale, kTokenScale);
  c.sm_mult = sm.mult;
  c.sm_shift = sm.shift;
  c.av_mult = av.mult;
  c.av_shift = av.shift;
  if (!hs.dense) {
    // Codebooks from a larger sample of the same distributions than the head itself.
    golden::Rng trng(golden::splitmix64(seed ^ 0x7261696eull));
    const auto kt = pq::gaussian_tokens(trng, 256, s.dim);
    golden::Tensor<int8_t> qt({256, s.dim});
    for (size_t i = 0; i < qt.size(); ++i) {
      const double x = 0.8 * kt[i] + trng.normal(0.0, 16.0);
      qt[i] = static_cast<int8_t>(std::clamp(std::round(x), -127.0, 127.0));
    }
    map_head(hd, s, qt, kt, seed);
  }
  return hd;
}

struct HeadStats {
  uint32_t err = 0;
  uint64_t cycles = 0, kenc = 0, rows_cycles = 0;
  uint64_t rel_beats = 0, rel_stalls = 0, kept_beats = 0, kept_stalls = 0, score_beats = 0,
           score_stalls = 0, prob_beats = 0, prob_stalls = 0;
  uint64_t qk_rows = 0, qk_stalls = 0, qk_busy = 0, av_rows = 0, av_stalls = 0, av_busy = 0;
  uint64_t enc_ties = 0, enc_timeouts = 0, rows_out = 0;
};

// Runs one head on the bench (tables loaded when the head has them), checks the counters that
// follow from the golden rows, and returns them.
template <class Dut>
HeadStats run_head(AttnBench<Dut>& b, const Shape& s, const Head& hd, ErrorLog& log) {
  HeadStats st;
  if (!hd.cfg.dense && !hd.cfg.match && hd.tables.size()) b.load_tables(hd.tables);
  b.start(hd);
  const uint64_t S = hd.cfg.seq_len;
  const uint64_t limit = 4000 + S * (hd.cfg.dense ? 0 : (hd.cfg.enc_tmax + 64) * 2) + S * S * 8;
  b.h.run_until([&] { return b.h.dut().done_o != 0; }, limit, "attn_top DONE");
  for (auto& x : b.xb) x->finish();
  auto rd = [&](uint32_t a) -> uint64_t { return b.apb.read_ok(a); };
  st.err = static_cast<uint32_t>(rd(R::kErr));
  st.cycles = rd(R::kCycles);
  st.kenc = rd(R::kCycKenc);
  st.rows_cycles = rd(R::kCycRows);
  st.rows_out = rd(R::kRowsOut);
  st.enc_ties = rd(R::kEncTies);
  st.enc_timeouts = rd(R::kEncTimeouts);
  st.rel_beats = rd(R::kRelBeats);
  st.rel_stalls = rd(R::kRelStalls);
  st.kept_beats = rd(R::kKeptBeats);
  st.kept_stalls = rd(R::kKeptStalls);
  st.score_beats = rd(R::kScoreBeats);
  st.score_stalls = rd(R::kScoreStalls);
  st.prob_beats = rd(R::kProbBeats);
  st.prob_stalls = rd(R::kProbStalls);
  st.qk_rows = rd(R::kQkRowsRead);
  st.qk_stalls = rd(R::kQkStalls);
  st.qk_busy = rd(R::kQkBusy);
  st.av_rows = rd(R::kAvRowsRead);
  st.av_stalls = rd(R::kAvStalls);
  st.av_busy = rd(R::kAvBusy);
  // Counters that follow from the golden rows.
  uint64_t kept = 0;
  for (const auto& r : b.rows()) kept += r.kept.size();
  auto want = [&](const char* what, uint64_t got, uint64_t exp) {
    if (got != exp) log.error(fmt::format("{} reads {}, expected {}", what, got, exp));
  };
  want("ERR", st.err, 0);
  want("ROWS_OUT", st.rows_out, S);
  want("QK_ROWS_READ", st.qk_rows, kept);
  want("AV_ROWS_READ", st.av_rows, kept);
  want("ENC_TIES", st.enc_ties, hd.cfg.dense ? 0 : b.ties);
  want("ENC_TIMEOUTS", st.enc_timeouts, hd.cfg.dense ? 0 : b.timeouts);
  const uint64_t len = hd.cfg.dense ? S : hd.cfg.topk;
  want("KEPT_BEATS", st.kept_beats, S * ((len + s.banks - 1) / s.banks));
  want("REL_BEATS", st.rel_beats, hd.cfg.dense ? 0 : S * ((S + s.rel_lanes - 1) / s.rel_lanes));
  want("SCORE_BEATS", st.score_beats, st.kept_beats);
  want("PROB_BEATS", st.prob_beats, st.kept_beats);
  b.ties = b.timeouts = 0;
  return st;
}

}  // namespace hycim::tb::attn

namespace hycim::tb::attn {

// `hycim run attn`: o.runs random heads (sparse and dense, bidirectional and causal, both
// relevance modes, forced keeps) of o.len tokens (0: random up to the build's SeqLenMax), on the
// ideal chip; every tensor compared with the golden model.
template <class Dut, class C>
ScenarioReport run(const ScenarioOptions& o, ErrorLog& log) {
  const Shape shape = shape_of<C>();
  ScenarioRun sr("attn", "attn_top", o,
                 fmt::format("{}/tb/waves/attn_top_{}.gtkw", HYCIM_SOURCE_DIR, C::kName));
  golden::Rng rng(o.seed);
  {
    AttnBench<Dut> b(sr.harness, log, sr.stall_rng, o.stall, shape);
    for (unsigned run = 0; run < o.runs && log.ok(); ++run) {
      HeadSpec hs;
      hs.seq_len = o.len ? o.len : static_cast<uint32_t>(rng.uniform_int(1, shape.seq_max));
      hs.dense = run % 4 == 3;
      hs.causal = rng.bernoulli(0.5);
      hs.match = !hs.dense && rng.bernoulli(0.25);
      hs.force_first = rng.bernoulli(0.25);
      hs.force_diag = rng.bernoulli(0.25);
      const double dens[] = {0.125, 0.25, 1.0 / 3};
      hs.density = dens[rng.uniform_int(0, 2)];
      const Head hd = random_head(rng, shape, hs, o.seed + run);
      if (!hd.cfg.dense) b.set_chips(hd.map_q, hd.map_k, {});
      const HeadStats st = run_head(b, shape, hd, log);
      sr.rep.elements += static_cast<uint64_t>(hd.cfg.seq_len) * shape.dim;
      ++sr.rep.runs;
      if (o.progress) {
        fmt::print("  head {:>3}/{}: S {:>4} k {:>4} {}{}  {:>8} cycles  {}\n", run + 1, o.runs,
                   hd.cfg.seq_len, hd.cfg.topk, hd.cfg.dense ? "dense " : "sparse",
                   hd.cfg.causal ? " causal" : "", st.cycles, log.ok() ? "ok" : "FAILED");
      }
    }
    b.finish_all();
    sr.rep.tensors = b.tallies();
    sr.record_sim(b.h);
  }
  return sr.finish(log);
}

}  // namespace hycim::tb::attn
