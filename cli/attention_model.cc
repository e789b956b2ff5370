#include "attention_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "attn_scenario.h"
#include "golden/attention/attn_cycles.h"
#include "golden/attention/attn_head.h"
#include "golden/attention/pq.h"
#include "golden/core/check.h"
#include "golden/core/rng.h"
#include "hycim_configs.h"
#include "report.h"

namespace hycim::cli {

int attention_model(const AttentionModelOptions& o) {
  check_writable(o.json, "--json");
  // The bert head's sizes (D, M, TW from the bert configuration; S up to its SeqLenMax).
  tb::attn::Shape shape = tb::attn::shape_of<cfg::Bert>();
  HYCIM_CHECK(o.seq_len >= 1 && o.seq_len <= shape.seq_max, "--seq-len {} must be 1..{}", o.seq_len,
              shape.seq_max);
  HYCIM_CHECK(!o.encoders.empty() && !o.densities.empty() && !o.sm_factors.empty(),
              "empty sweep list");
  const uint32_t S = o.seq_len;

  // One random head: its per-token races on the ideal crossbar and, per density, its kept keys.
  golden::Rng rng(o.seed);
  tb::attn::HeadSpec hs;
  hs.seq_len = S;
  hs.causal = o.causal;
  const tb::attn::Head hd = tb::attn::random_head(rng, shape, hs, o.seed);
  golden::AttnInputs in = tb::attn::head_inputs(hd, shape.subspaces);
  std::vector<uint32_t> k_race(S), q_race(S);
  const uint32_t t_max = hd.cfg.enc_tmax;
  for (int side = 0; side < 2; ++side) {
    const auto& map = side ? hd.map_k : hd.map_q;
    const auto& x = side ? hd.k : hd.q;
    auto& codes = side ? in.kcodes : in.qcodes;
    auto& race = side ? k_race : q_race;
    const uint64_t q = golden::default_charge(map, golden::kDefaultTicksFull);
    for (uint32_t i = 0; i < S; ++i) {
      std::span<const int8_t> row(x.data().data() + size_t{i} * shape.dim, shape.dim);
      const auto w =
          golden::encode_ideal_xbar(map, row, q, t_max, static_cast<int>(shape.subspaces));
      for (uint32_t m = 0; m < shape.subspaces; ++m) codes(i, m) = w.code[m];
      race[i] = o.race ? o.race : w.done_tick;
    }
  }
  auto mean = [](const std::vector<uint32_t>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  };
  const double race_k = mean(k_race), race_q = mean(q_race);

  if (!o.quiet) {
    fmt::print(
        "hycim attention-model: attn_top cycle model, S = {}, D = {}, Banks {}, RelLanes {}, "
        "QueueDepth {}{}\n  races: {} (mean K {:.1f}, Q {:.1f} ticks; ideal crossbar, "
        "ticks_full {})\n\n",
        S, shape.dim, o.banks, o.rel_lanes, o.queue_depth, o.causal ? ", causal" : "",
        o.race ? "fixed by --race" : "per token of a random head", race_k, race_q,
        golden::kDefaultTicksFull);
    fmt::print(
        "{:>8} {:>4} {:>3} {:>8} | {:>8} {:>8} {:>8} {:>7} {:<26} | {:>8} {:>8} | {:>6} "
        "{:>6}\n",
        "density", "k", "E", "sm lanes", "head", "K enc", "rows", "/row", "bound", "dense",
        "d.rows", "x head", "x rows");
  }
  nlohmann::json table = nlohmann::json::array();
  for (const double dens : o.densities) {
    HYCIM_CHECK(dens > 0 && dens <= 1, "density {} must be in (0, 1]", dens);
    golden::AttnConfig c = hd.cfg;
    c.topk = std::clamp<uint32_t>(static_cast<uint32_t>(std::ceil(dens * S)), 1, S);
    std::vector<std::vector<uint32_t>> kept;
    const golden::AttnBuild gb{shape.dim, shape.subspaces, shape.seq_max, shape.tick_width};
    for (uint32_t i = 0; i < S; ++i) kept.push_back(golden::attn_row(c, gb, in, i).kept);
    for (const uint32_t g : o.sm_factors) {
      for (const uint32_t e : o.encoders) {
        const golden::AttnCycleBuild b{
            e, o.banks, o.rel_lanes, o.queue_depth, shape.seq_max, shape.dim, g * o.banks};
        golden::AttnCycleInput ci;
        ci.k_race = k_race;
        ci.q_race = q_race;
        ci.kept = kept;
        const auto sp = golden::attn_cycles(c, b, ci);
        golden::AttnConfig cd = c;
        cd.dense = true;
        const auto dn = golden::attn_cycles(cd, b, {});
        const double xh = static_cast<double>(dn.cycles) / static_cast<double>(sp.cycles);
        const double xr = static_cast<double>(dn.rows) / static_cast<double>(sp.rows);
        if (!o.quiet) {
          fmt::print(
              "{:>8.4f} {:>4} {:>3} {:>8} | {:>8} {:>8} {:>8} {:>7.1f} {:<26} | {:>8} "
              "{:>8} | {:>6.2f} {:>6.2f}\n",
              dens, c.topk, e, g * o.banks, sp.cycles, sp.kenc, sp.rows,
              static_cast<double>(sp.rows) / S, sp.rates.bound, dn.cycles, dn.rows, xh, xr);
        }
        table.push_back({{"density", dens},
                         {"topk", c.topk},
                         {"encoders", e},
                         {"softmax_lanes", g * o.banks},
                         {"sparse_cycles", sp.cycles},
                         {"sparse_kenc", sp.kenc},
                         {"sparse_rows", sp.rows},
                         {"sparse_rows_per_row", static_cast<double>(sp.rows) / S},
                         {"bound", sp.rates.bound},
                         {"stage_cycles_per_row",
                          {{"q_encode", sp.rates.q_encode},
                           {"relevance", sp.rates.relevance},
                           {"topk", sp.rates.topk},
                           {"qk", sp.rates.qk},
                           {"softmax", sp.rates.softmax},
                           {"av", sp.rates.av}}},
                         {"qk_stalls", sp.qk_stalls},
                         {"dense_cycles", dn.cycles},
                         {"dense_rows", dn.rows},
                         {"speedup_head", xh},
                         {"speedup_rows", xr}});
      }
    }
  }
  const nlohmann::json j = {{"seq_len", S},
                            {"dim", shape.dim},
                            {"banks", o.banks},
                            {"rel_lanes", o.rel_lanes},
                            {"queue_depth", o.queue_depth},
                            {"causal", o.causal},
                            {"seed", o.seed},
                            {"race", o.race ? "fixed" : "ideal crossbar, random head"},
                            {"mean_race_k", race_k},
                            {"mean_race_q", race_q},
                            {"table", table}};
  write_json(o.json, j);
  if (!o.quiet) fmt::print("\nreport written: {}\n", o.json);
  return 0;
}

}  // namespace hycim::cli
