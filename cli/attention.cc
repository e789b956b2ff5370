#include "attention.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#if HYCIM_HAVE_attn_top_bert
#include "Vattn_top_bert.h"
#endif
#include "Vattn_top_ci.h"
#include "Vattn_top_minilm.h"
#include "attn_data.h"
#include "attn_scenario.h"
#include "golden/attention/attn_cycles.h"
#include "golden/core/check.h"
#include "golden/core/npy.h"
#include "hycim_configs.h"
#include "report.h"

namespace hycim::cli {

namespace {

using golden::Tensor;
using tb::attn::dequant;
using tb::attn::fit;
using tb::attn::Head;
using tb::attn::HeadData;
using tb::attn::HeadStats;
using tb::attn::Shape;

struct Err {
  double rel = 0;     // ||a - b|| / ||b||
  double cosine = 0;  // mean row cosine
  double max_abs = 0;
};
Err compare(const std::vector<double>& a, const std::vector<double>& b, size_t s, size_t d) {
  Err e;
  double num = 0, den = 0;
  for (size_t i = 0; i < s; ++i) {
    double dot = 0, na = 0, nb = 0;
    for (size_t j = 0; j < d; ++j) {
      const double x = a[i * d + j], y = b[i * d + j];
      num += (x - y) * (x - y);
      den += y * y;
      dot += x * y;
      na += x * x;
      nb += y * y;
      e.max_abs = std::max(e.max_abs, std::fabs(x - y));
    }
    e.cosine += (na > 0 && nb > 0) ? dot / std::sqrt(na * nb) : (na == nb ? 1.0 : 0.0);
  }
  e.rel = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
  e.cosine /= static_cast<double>(s);
  return e;
}

struct RunResult {
  HeadStats st;
  tb::ScenarioReport rep;
  std::vector<std::vector<uint32_t>> kept;
  Tensor<int8_t> out;
  uint64_t kept_total = 0, valid_total = 0;
  std::vector<uint32_t> k_race, q_race;  // race length of every token (sparse)
};

template <class Dut>
RunResult run_rtl(const Shape& shape, const Head& hd, const sim::AnalogParams& ap,
                  const AttentionOptions& o, bool trace, const std::string& name) {
  tb::ScenarioOptions so;
  so.config = o.config;
  so.seed = o.seed;
  so.stall = tb::StallProfile::none();
  so.name = name;
  if (trace && !o.trace.empty()) {
    so.trace.enabled = true;
    so.trace.file = o.trace;
  }
  tb::ScenarioRun sr("attention", "attn_top", so,
                     fmt::format("{}/tb/waves/attn_top_{}.gtkw", HYCIM_SOURCE_DIR, o.config));
  tb::ErrorLog log = printing_log();
  RunResult r;
  {
    tb::attn::AttnBench<Dut> b(sr.harness, log, sr.stall_rng, so.stall, shape);
    if (!hd.cfg.dense) b.set_chips(hd.map_q, hd.map_k, ap);
    r.st = tb::attn::run_head(b, shape, hd, log);
    r.q_race = b.race_ticks[0];
    r.k_race = b.race_ticks[1];
    b.finish_all();
    sr.rep.tensors = b.tallies();
    sr.rep.runs = 1;
    sr.rep.elements = static_cast<uint64_t>(hd.cfg.seq_len) * shape.dim;
    for (const auto& row : b.rows()) {
      r.kept.push_back(row.kept);
      r.kept_total += row.kept.size();
    }
    r.out = Tensor<int8_t>({hd.cfg.seq_len, shape.dim});
    for (size_t i = 0; i < b.rows().size(); ++i) {
      for (size_t e = 0; e < shape.dim; ++e) r.out(i, e) = b.rows()[i].out[e];
    }
    sr.record_sim(b.h);
  }
  r.rep = sr.finish(log);
  for (uint32_t i = 0; i < hd.cfg.seq_len; ++i)
    r.valid_total += hd.cfg.causal ? i + 1 : hd.cfg.seq_len;
  return r;
}

template <class Dut, class C>
int run_config(const AttentionOptions& o) {
  const Shape shape = tb::attn::shape_of<C>();
  HYCIM_CHECK(o.random <= shape.seq_max, "--random {} exceeds SeqLenMax {} of configuration {}",
              o.random, shape.seq_max, o.config);
  HeadData data = o.random ? tb::attn::random_data(o.random, shape.dim, o.seed)
                  : o.fixture.empty()
                      ? tb::attn::load_files(o.q_file, o.k_file, o.v_file, o.scales)
                      : tb::attn::load_fixture(o.fixture, o.sequence, o.layer, o.head);
  const size_t d = data.q.dim(1);
  size_t s = data.q.dim(0);
  const size_t sub = shape.dim / shape.subspaces;
  HYCIM_CHECK(d <= shape.dim && d % sub == 0,
              "the head dimension {} does not fit configuration {} (D = {}, subspaces of {})", d,
              o.config, shape.dim, sub);
  if (o.seq_len) {
    HYCIM_CHECK(o.seq_len <= s, "--seq-len {} exceeds the {} tokens of the data", o.seq_len, s);
    s = o.seq_len;
  }
  HYCIM_CHECK(s <= shape.seq_max,
              "{} tokens exceed SeqLenMax {} of configuration {}: use --seq-len {} or a larger "
              "configuration",
              s, shape.seq_max, o.config, shape.seq_max);
  HYCIM_CHECK(o.density > 0 && o.density <= 1, "--density {} must be in (0, 1]", o.density);

  // The head: data fitted to the build, codebooks on the calibration tokens, scales.
  tb::attn::RealHeadSpec rs;
  rs.seq_len = static_cast<uint32_t>(s);
  rs.density = o.density;
  rs.causal = o.causal;
  rs.match = o.match;
  rs.force_first = o.force_first;
  rs.force_diag = o.force_diag;
  rs.seed = o.seed;
  const tb::attn::RealHead rh = tb::attn::real_head(data, shape, rs);
  const Head& hd = rh.head;
  const auto& c = hd.cfg;
  const auto &qf = rh.qf, &kf = rh.kf, &vf = rh.vf, &ref = rh.ref;
  const double so = rh.out_scale;
  double ref_check = -1;
  if (!data.ref.empty() && s == data.q.dim(0) && !o.causal) {
    ref_check = compare(ref, data.ref, s, d).max_abs;
  }
  sim::AnalogParams ap;
  if (!o.chip.empty()) ap = sim::AnalogParams::from_file(o.chip);
  ap.chip_seed = o.seed;
  ap.run_seed = o.seed + 1;

  if (!o.quiet) {
    fmt::print("hycim attention: {} on attn_top ({}), S = {}, d = {}, k = {} ({:.3f} of S){}{}\n",
               data.source, o.config, s, d, c.topk, static_cast<double>(c.topk) / s,
               o.causal ? ", causal" : "", o.match ? ", match mode" : "");
    fmt::print("  chip: {}\n", ap.describe());
    if (data.in_sample_codebooks) {
      fmt::print(
          "  note: codebooks trained on the head's own Q and K (no calibration set given)\n");
    }
    fmt::print("  running the sparse head ...\n");
  }
  const RunResult sp = run_rtl<Dut>(shape, hd, ap, o, true, "attention_sparse");
  RunResult dn;
  if (o.dense) {
    if (!o.quiet) fmt::print("  running the dense head ...\n");
    Head hdd = hd;
    hdd.cfg.dense = true;
    dn = run_rtl<Dut>(shape, hdd, ap, o, false, "attention_dense");
  }

  // Errors against the float reference: the RTL's sparse output, the exact sparse head (the same
  // kept keys in double), and the RTL's dense output.
  auto out_real = [&](const Tensor<int8_t>& t) {
    std::vector<double> r(s * d);
    for (size_t i = 0; i < s; ++i) {
      for (size_t e = 0; e < d; ++e) r[i * d + e] = t(i, e) * so;
    }
    return r;
  };
  const Err e_sparse = compare(out_real(sp.out), ref, s, d);
  const Err e_sparse_exact = compare(golden::attn_sparse_ref(qf, kf, vf, s, d, sp.kept), ref, s, d);
  Err e_dense;
  if (o.dense) e_dense = compare(out_real(dn.out), ref, s, d);

  const double density = sp.valid_total ? static_cast<double>(sp.kept_total) / sp.valid_total : 0;
  const uint64_t sp_cycles = sp.st.cycles, dn_cycles = o.dense ? dn.st.cycles : 0;
  const uint64_t sp_rows = sp.st.rows_cycles, dn_rows = o.dense ? dn.st.rows_cycles : 0;
  auto util = [&](uint64_t rows, uint64_t busy) {
    return busy ? static_cast<double>(rows) / (static_cast<double>(busy) * shape.banks) : 0.0;
  };
  auto ratio = [](uint64_t a, uint64_t b) { return b ? static_cast<double>(a) / b : 0.0; };

  // The cycle model (golden/attention/attn_cycles.h) on this run's races and kept keys.
  const golden::AttnCycleBuild cb{
      static_cast<uint32_t>(C::kAttnEncoders),    static_cast<uint32_t>(C::kSramBanks),
      static_cast<uint32_t>(C::kRelevanceLanes),  static_cast<uint32_t>(C::kSramQueueDepth),
      static_cast<uint32_t>(C::kSeqLenMax),       static_cast<uint32_t>(C::kHeadDim),
      static_cast<uint32_t>(C::kAttnSoftmaxLanes)};
  golden::AttnCycleInput mi;
  mi.k_race = sp.k_race;
  mi.q_race = sp.q_race;
  mi.kept = sp.kept;
  const golden::AttnCyclePrediction m_sp = golden::attn_cycles(c, cb, mi);
  golden::AttnCyclePrediction m_dn;
  if (o.dense) {
    golden::AttnConfig cd = c;
    cd.dense = true;
    m_dn = golden::attn_cycles(cd, cb, {});
  }

  // Per-stage table: beats, stall cycles (a beat waited for the next stage), cycles per row. The
  // rates are the cycle model's (golden::attn_stage_rates); QK's is the measured one, from its
  // busy cycles.
  struct Stage {
    std::string name;
    uint64_t beats, stalls;
    double per_row;  // cycles the stage needs per row at full rate
  };
  const double S = static_cast<double>(s);
  const auto qk_util = util(sp.st.qk_rows, sp.st.qk_busy);
  const auto av_util = util(sp.st.av_rows, sp.st.av_busy);
  const golden::AttnStageRates& rt = m_sp.rates;
  std::vector<Stage> stages = {
      {"K encode (all keys)", 0, 0, static_cast<double>(sp.st.kenc) / S},
      {"Q encode", 0, 0, rt.q_encode},
      {"relevance -> top-k", sp.st.rel_beats, sp.st.rel_stalls, rt.relevance},
      {"top-k -> QK", sp.st.kept_beats, sp.st.kept_stalls, rt.topk},
      {"QK -> softmax", sp.st.score_beats, sp.st.score_stalls,
       qk_util > 0 ? static_cast<double>(sp.st.qk_rows) / S / shape.banks / qk_util : 0},
      {"softmax -> AV", sp.st.prob_beats, sp.st.prob_stalls, rt.softmax},
  };
  size_t bound = 1;
  for (size_t i = 1; i < stages.size(); ++i) {
    if (stages[i].per_row > stages[bound].per_row) bound = i;
  }

  bool passed = sp.rep.passed && (!o.dense || dn.rep.passed);
  uint64_t compared = 0, mismatches = 0;
  for (const tb::ScenarioReport* r : std::array<const tb::ScenarioReport*, 2>{&sp.rep, &dn.rep}) {
    for (const auto& t : r->tensors) {
      compared += t.compared;
      mismatches += t.mismatches;
    }
  }
  if (!o.quiet) {
    fmt::print(
        "\nHyCIM attention head (configuration {}, {} encoders, {} banks, {} relevance lanes, {} "
        "softmax lanes)\n",
        o.config, shape.encoders, shape.banks, shape.rel_lanes, shape.sm_lanes);
    fmt::print("  {:<28} {:.4f} ({} of {} unmasked keys)\n", "kept density", density, sp.kept_total,
               sp.valid_total);
    fmt::print("  {:<28} {:>9} cycles (K encode {}, rows {})\n", "sparse head", sp_cycles,
               sp.st.kenc, sp_rows);
    fmt::print("  {:<28} {:>9} cycles (K encode {}, rows {}; bound: {}, {:.1f} cycles/row)\n",
               "  cycle model", m_sp.cycles, m_sp.kenc, m_sp.rows, m_sp.rates.bound,
               m_sp.rates.bound_cycles);
    if (o.dense) {
      fmt::print("  {:<28} {:>9} cycles (rows {})\n", "dense head (same RTL)", dn_cycles, dn_rows);
      fmt::print("  {:<28} {:>9} cycles (rows {})\n", "  cycle model", m_dn.cycles, m_dn.rows);
      fmt::print("  {:<28} {:.2f}x whole head, {:.2f}x row phase (limit {:.2f}x)\n",
                 "speedup vs dense", ratio(dn_cycles, sp_cycles), ratio(dn_rows, sp_rows),
                 1.0 / density);
    }
    fmt::print("  {:<28} QK {:.1f} %, AV {:.1f} % (sparse){}\n", "SRAM-CIM MAC utilization",
               100 * qk_util, 100 * av_util,
               o.dense ? fmt::format("; QK {:.1f} %, AV {:.1f} % (dense)",
                                     100 * util(dn.st.qk_rows, dn.st.qk_busy),
                                     100 * util(dn.st.av_rows, dn.st.av_busy))
                       : "");
    fmt::print("  {:<28} {} (QK {}, AV {})\n", "bank-conflict stall cycles",
               sp.st.qk_stalls + sp.st.av_stalls, sp.st.qk_stalls, sp.st.av_stalls);
    fmt::print("\n  {:<24} {:>8} {:>8} {:>14}\n", "stage (sparse run)", "beats", "stalls",
               "cycles/row");
    for (size_t i = 0; i < stages.size(); ++i) {
      fmt::print("  {:<24} {:>8} {:>8} {:>14.1f}{}\n", stages[i].name, stages[i].beats,
                 stages[i].stalls, stages[i].per_row,
                 i == bound ? "  <- bounds the row phase" : "");
    }
    fmt::print("  {:<24} {:>8} {:>8} {:>14.1f}  (measured)\n", "row phase", "", "", sp_rows / S);
    fmt::print("\n  output error vs dense float reference (relative Frobenius, mean row cosine)\n");
    fmt::print("    {:<34} {:.4f}  {:.5f}\n", "sparse head, RTL (INT8 output)", e_sparse.rel,
               e_sparse.cosine);
    fmt::print("    {:<34} {:.4f}  {:.5f}\n", "same kept keys, exact in double", e_sparse_exact.rel,
               e_sparse_exact.cosine);
    if (o.dense) {
      fmt::print("    {:<34} {:.4f}  {:.5f}\n", "dense head, RTL (INT8 output)", e_dense.rel,
                 e_dense.cosine);
    }
    if (ref_check >= 0) {
      fmt::print("    (the float reference matches the model's own attention output to {:.2e})\n",
                 ref_check);
    }
    fmt::print("\n  {:<28} {} compared, {} mismatches\n", "tensors", compared, mismatches);
    for (const tb::ScenarioReport* r : std::array<const tb::ScenarioReport*, 2>{&sp.rep, &dn.rep}) {
      for (const auto& t : r->tensors) {
        fmt::print("    {:<8} {:<20} {:>8} compared, {} mismatches\n",
                   r == &sp.rep ? "sparse" : "dense", t.name, t.compared, t.mismatches);
      }
    }
    const double wall = sp.rep.wall_seconds + dn.rep.wall_seconds;
    fmt::print("  {:<28} {:.2f} s, {:.0f} simulated cycles/s\n", "wall time", wall,
               wall > 0 ? static_cast<double>(sp.rep.cycles + dn.rep.cycles) / wall : 0.0);
    if (!sp.rep.waveform.empty()) {
      fmt::print("  {:<28} {}\n  {:<28} {}\n", "waveform", sp.rep.waveform, "open with",
                 sp.rep.gtkwave_command);
    }
    fmt::print("  {:<28} {}\n\n", "result", passed ? "PASS" : "FAIL");
  }

  nlohmann::json st = nlohmann::json::array();
  for (size_t i = 0; i < stages.size(); ++i) {
    st.push_back({{"stage", stages[i].name},
                  {"beats", stages[i].beats},
                  {"stalls", stages[i].stalls},
                  {"cycles_per_row", stages[i].per_row},
                  {"bounds", i == bound}});
  }
  auto err_json = [](const Err& e) {
    return nlohmann::json{{"relative", e.rel}, {"cosine", e.cosine}, {"max_abs", e.max_abs}};
  };
  nlohmann::json j = {
      {"config", o.config},
      {"source", data.source},
      {"seq_len", s},
      {"head_dim", d},
      {"topk", c.topk},
      {"causal", o.causal},
      {"relevance_mode", o.match ? "match" : "table"},
      {"chip", ap.describe()},
      {"kept_density", density},
      {"cycles",
       {{"sparse", sp_cycles},
        {"sparse_kenc", sp.st.kenc},
        {"sparse_rows", sp_rows},
        {"dense", dn_cycles},
        {"dense_rows", dn_rows}}},
      {"speedup", {{"head", ratio(dn_cycles, sp_cycles)}, {"rows", ratio(dn_rows, sp_rows)}}},
      {"cycle_model",
       {{"sparse", m_sp.cycles},
        {"sparse_kenc", m_sp.kenc},
        {"sparse_rows", m_sp.rows},
        {"sparse_bound", m_sp.rates.bound},
        {"sparse_bound_cycles_per_row", m_sp.rates.bound_cycles},
        {"dense", o.dense ? m_dn.cycles : 0},
        {"dense_rows", o.dense ? m_dn.rows : 0}}},
      {"mac_utilization",
       {{"sparse_qk", qk_util},
        {"sparse_av", av_util},
        {"dense_qk", o.dense ? util(dn.st.qk_rows, dn.st.qk_busy) : 0.0},
        {"dense_av", o.dense ? util(dn.st.av_rows, dn.st.av_busy) : 0.0}}},
      {"stages", st},
      {"error_vs_dense_float",
       {{"sparse_rtl", err_json(e_sparse)},
        {"sparse_exact", err_json(e_sparse_exact)},
        {"dense_rtl", err_json(e_dense)}}},
      {"reference_check_max_abs", ref_check},
      {"tensors_compared", compared},
      {"mismatches", mismatches},
      {"sparse", to_json(sp.rep, "")},
      {"dense", o.dense ? to_json(dn.rep, "") : nlohmann::json()},
      {"passed", passed},
  };
  write_json(o.json, j);
  if (!o.quiet) fmt::print("report written: {}\n", o.json);
  return passed ? 0 : 1;
}

}  // namespace

int attention(const AttentionOptions& o) {
  const int sources = (o.fixture.empty() ? 0 : 1) + (o.q_file.empty() ? 0 : 1) + (o.random ? 1 : 0);
  HYCIM_CHECK(sources == 1, "give one of --fixture DIR, --q/--k/--v files or --random S (not {})",
              sources ? "several" : "none");
  HYCIM_CHECK(o.q_file.empty() == o.k_file.empty() && o.q_file.empty() == o.v_file.empty(),
              "--q, --k and --v go together");
  check_writable(o.json, "--json");
  if (!o.trace.empty()) check_writable(o.trace, "--trace");
  if (o.config == "ci") return run_config<Vattn_top_ci, cfg::Ci>(o);
#if HYCIM_HAVE_attn_top_bert
  if (o.config == "bert") return run_config<Vattn_top_bert, cfg::Bert>(o);
#else
  HYCIM_CHECK(o.config != "bert",
              "attn_top in bert is in the full tier, not in this build: configure with "
              "-DHYCIM_FULL=ON (cmake --preset full)");
#endif
  if (o.config == "minilm") return run_config<Vattn_top_minilm, cfg::Minilm>(o);
  throw Error(
      fmt::format("attn_top is not built in configuration '{}' (ci, bert, minilm)", o.config));
}

}  // namespace hycim::cli
