#include "pq_study.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>
#include <vector>

#include "Vpq_encoder_ci.h"
#include "Vpq_encoder_ci___024root.h"
#include "golden/core/check.h"
#include "hycim_configs.h"
#include "pq_scenario.h"
#include "report.h"

namespace hycim::cli {

namespace {

using sim::AnalogParams;

// One effect swept over levels; `random` effects draw from the chip/run seeds and are repeated
// over several chips, deterministic ones (g_off, ticks_full) run once.
struct Sweep {
  std::string effect, unit;
  std::vector<double> levels;
  bool random = true;
  std::function<void(AnalogParams&, double)> set;
};

const std::vector<Sweep>& sweeps() {
  static const std::vector<Sweep> s = {
      {"prog_sigma",
       "relative sigma of programmed G",
       {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1},
       true,
       [](AnalogParams& p, double v) { p.prog_sigma = v; }},
      {"read_sigma",
       "relative sigma per read",
       {0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005},
       true,
       [](AnalogParams& p, double v) { p.read_sigma = v; }},
      {"comp_offset_sigma",
       "relative sigma of threshold",
       {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1},
       true,
       [](AnalogParams& p, double v) { p.comp_offset_sigma = v; }},
      {"comp_jitter",
       "sigma in ticks",
       {0.1, 0.25, 0.5, 1, 2, 4},
       true,
       [](AnalogParams& p, double v) { p.comp_jitter = v; }},
      {"stuck_rate",
       "stuck-on and stuck-off rate, each",
       {1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2},
       true,
       [](AnalogParams& p, double v) { p.stuck_on_rate = p.stuck_off_rate = v; }},
      {"drift_t",
       "t/t0 at nu 0.05, sigma 0.02",
       {1.01, 1.1, 2, 10, 100, 1e4, 1e6},
       true,
       [](AnalogParams& p, double v) {
         p.drift_nu = 0.05;
         p.drift_nu_sigma = 0.02;
         p.drift_t = v;
       }},
      {"ir_drop",
       "far-corner attenuation",
       {0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2},
       false,
       [](AnalogParams& p, double v) { p.ir_drop = v; }},
      {"g_off",
       "off conductance in level steps",
       {0.1, 0.4, 1.0},
       false,
       [](AnalogParams& p, double v) { p.g_off = v; }},
      {"ticks_full",
       "WTA ticks of a score-0 column",
       {8, 16, 32, 64, 128, 256, 512},
       false,
       [](AnalogParams& p, double v) { p.ticks_full = static_cast<uint32_t>(v); }},
  };
  return s;
}

struct Stat {
  double mean = 0, min = 0, max = 0;
};

Stat stat_of(const std::vector<double>& v) {
  if (v.empty()) return {};
  return {std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()),
          *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())};
}

struct Point {
  std::string effect;
  double level = 0;
  std::vector<double> agree_ideal, agree_float;  // per chip, %
  double ties = 0, timeouts = 0, cycles_per_token = 0;
  double charge_early = 0, charge_none = 0;  // per token, chip mean
  bool whole = false;                        // a whole chip from a file, not a level of one effect
};

}  // namespace

namespace {

// Fails before a long run rather than after it: each output file must be writable.

}  // namespace

int pq_study(const PqStudyOptions& so) {
  namespace pq = tb::pq;
  check_writable(so.json, "pq-study --json");
  check_writable(so.table, "pq-study --table");
  using Dut = Vpq_encoder_ci;
  constexpr uint32_t kSeq = cfg::Ci::kSeqLenMax;
  const uint32_t runs = std::max<uint32_t>(1, so.tokens / kSeq);
  const auto spec = pq::spec_of<cfg::Ci>();
  tb::ScenarioOptions o;
  o.seed = 1;
  o.runs = runs;
  o.len = kSeq;
  o.stall = tb::StallProfile::none();
  o.name = "pq_study";
  pq::PqOptions po;
  po.small_tmax = false;
  po.random_groups = false;
  auto run_one = [&](const AnalogParams& a) {
    po.analog = a;
    tb::ErrorLog log = printing_log();
    auto r = pq::run<Dut>(o, po, spec, kSeq, log);
    if (!r.base.passed) throw Error("pq-study: the RTL disagreed with the golden model; no study");
    return r;
  };
  std::vector<AnalogParams> chip_params;  // read first: a bad file fails before the long run
  for (const auto& f : so.chip_files) chip_params.push_back(AnalogParams::from_file(f));
  size_t total = 1 + so.chip_files.size() * so.chips;
  for (const auto& sw : sweeps()) total += sw.levels.size() * (sw.random ? so.chips : 1);
  fmt::print(
      "hycim pq-study: {} token encodings per run (Gaussian tokens, sigma {} INT8 LSB), ci "
      "pq_encoder RTL, {} chip seeds per point of a random effect, {} runs\n",
      runs * kSeq, pq::kDefaultSigma, so.chips, total);
  const auto ideal = run_one(AnalogParams{});
  const double ideal_float = 100.0 * ideal.agree_float / std::max<uint64_t>(ideal.codes, 1);
  const double ideal_charge_early = ideal.charge_early / ideal.tokens;
  const double ideal_charge_none = ideal.charge_none / ideal.tokens;
  fmt::print("  [1/{}] ideal chip: {:.2f} % of codes equal the float nearest centroid\n", total,
             ideal_float);

  size_t done = 1;
  // Runs `p` on chips 1..nchips (chip and run seed = the chip number), from the effects `a`.
  auto measure = [&](Point& p, AnalogParams a, uint32_t nchips) {
    for (uint32_t c = 1; c <= nchips; ++c) {
      a.chip_seed = c;
      a.run_seed = c;
      const auto r = run_one(a);
      size_t same = 0, n = 0;
      for (size_t t = 0; t < r.code_words.size() && t < ideal.code_words.size(); ++t) {
        for (int g = 0; g < spec.groups; ++g) {
          same += ((r.code_words[t] >> (4 * g)) & 0xf) == ((ideal.code_words[t] >> (4 * g)) & 0xf);
          ++n;
        }
      }
      const double codes = static_cast<double>(std::max<uint64_t>(r.codes, 1));
      p.agree_ideal.push_back(100.0 * static_cast<double>(same) / std::max<size_t>(n, 1));
      p.agree_float.push_back(100.0 * r.agree_float / codes);
      p.ties += 100.0 * r.ties / codes / nchips;
      p.timeouts += 100.0 * r.timeouts / codes / nchips;
      p.cycles_per_token += static_cast<double>(r.busy_cycles) / r.tokens / nchips;
      p.charge_early += r.charge_early / r.tokens / nchips;
      p.charge_none += r.charge_none / r.tokens / nchips;
      ++done;
    }
    const Stat si = stat_of(p.agree_ideal), sf = stat_of(p.agree_float);
    fmt::print(
        "  [{}/{}] {:<17} {:>8}: vs ideal chip {:6.2f} % [{:.2f}, {:.2f}], vs float NC "
        "{:6.2f} %, ties {:5.2f} %, {:6.1f} cycles/token, charge early/none {:.3f}\n",
        done, total, p.effect, p.whole ? "whole" : fmt::format("{:g}", p.level), si.mean, si.min,
        si.max, sf.mean, p.ties, p.cycles_per_token, p.charge_early / p.charge_none);
    std::fflush(stdout);
  };
  std::vector<Point> pts;
  for (const auto& sw : sweeps()) {
    for (double v : sw.levels) {
      Point p;
      p.effect = sw.effect;
      p.level = v;
      AnalogParams a;
      sw.set(a, v);
      measure(p, a, sw.random ? so.chips : 1);
      pts.push_back(std::move(p));
    }
  }
  // Whole chips: every effect of a parameter file at once, on the same chip seeds.
  std::vector<Point> whole;
  for (size_t i = 0; i < so.chip_files.size(); ++i) {
    Point p;
    p.effect = so.chip_files[i];
    p.whole = true;
    measure(p, chip_params[i], so.chips);
    whole.push_back(std::move(p));
  }

  // Per effect and threshold: the largest tested level up to which every level keeps the worst
  // chip's agreement with the ideal chip above the threshold.
  nlohmann::json thr = nlohmann::json::object();
  std::string thr_md = "| effect | unit | > 99 % | > 95 % | > 90 % |\n|---|---|---|---|---|\n";
  for (const auto& sw : sweeps()) {
    if (sw.effect == "ticks_full") continue;
    std::string row = fmt::format("| {} | {} |", sw.effect, sw.unit);
    for (double t : {99.0, 95.0, 90.0}) {
      double best = -1;
      for (const auto& p : pts) {
        if (p.effect != sw.effect) continue;
        if (stat_of(p.agree_ideal).min <= t) break;
        best = p.level;
      }
      row += best < 0 ? " below the smallest level |" : fmt::format(" {:g} |", best);
      thr[sw.effect][fmt::format("{:g}", t)] =
          best < 0 ? nlohmann::json(nullptr) : nlohmann::json(best);
    }
    thr_md += row + "\n";
  }

  std::string whole_md;
  if (!whole.empty()) {
    whole_md =
        "## Whole chips (every effect of the file at once, chip seeds 1..chips)\n\n"
        "| chip file | vs ideal chip % | vs float NC % | ties % | charge early/none |\n"
        "|---|---|---|---|---|\n";
    for (const auto& p : whole) {
      const Stat si = stat_of(p.agree_ideal), sf = stat_of(p.agree_float);
      whole_md += fmt::format(
          "| {} | {:.2f} [{:.2f}, {:.2f}] | {:.2f} [{:.2f}, {:.2f}] | {:.2f} | {:.3f} |\n",
          p.effect, si.mean, si.min, si.max, sf.mean, sf.min, sf.max, p.ties,
          p.charge_early / p.charge_none);
    }
    whole_md += "\n";
  }
  std::string md = fmt::format(
      "# PQ code agreement vs analog non-idealities\n\n"
      "`hycim pq-study --tokens {} --chips {}`: {} token encodings per run through the ci "
      "pq_encoder RTL driven by the crossbar model, Gaussian tokens (sigma {} INT8 LSB), one "
      "effect at a time, {} chip seeds per level of a random effect (mean [worst, best]).\n"
      "Ideal chip: {:.2f} % of codes equal the float nearest centroid (the cost of {}-bit input "
      "levels).\n\n"
      "## Largest level tested at which the worst chip's agreement with the ideal chip stays "
      "above each threshold\n\n{}\n"
      "{}"
      "## Every point\n\n"
      "| effect | level | vs ideal chip % | vs float NC % | ties % | timeouts % | cycles/token | "
      "charge/token early | charge/token none | early/none |\n"
      "|---|---|---|---|---|---|---|---|---|---|\n",
      runs * kSeq, so.chips, runs * kSeq, pq::kDefaultSigma, so.chips, ideal_float, spec.in_bits,
      thr_md, whole_md);
  for (const auto& p : pts) {
    const Stat si = stat_of(p.agree_ideal), sf = stat_of(p.agree_float);
    md += fmt::format(
        "| {} | {:g} | {:.2f} [{:.2f}, {:.2f}] | {:.2f} [{:.2f}, {:.2f}] | {:.2f} | {:.2f} | "
        "{:.1f} | {:.4g} | {:.4g} | {:.3f} |\n",
        p.effect, p.level, si.mean, si.min, si.max, sf.mean, sf.min, sf.max, p.ties, p.timeouts,
        p.cycles_per_token, p.charge_early, p.charge_none, p.charge_early / p.charge_none);
  }
  md += fmt::format(
      "\nCharge is the energy proxy of sim/attention/pq_xbar (sum over columns of |I| x ticks "
      "discharged, in level units x ticks); the ideal chip draws {:.4g} per token with early "
      "stop and {:.4g} without ({:.3f}).\n",
      ideal_charge_early, ideal_charge_none, ideal_charge_early / ideal_charge_none);

  nlohmann::json j;
  j["benchmark"] = "pq-study";
  j["command"] = fmt::format("hycim pq-study --tokens {} --chips {}", so.tokens, so.chips);
  j["tokens_per_run"] = runs * kSeq;
  j["chips"] = so.chips;
  j["token_sigma"] = pq::kDefaultSigma;
  j["ideal_agree_float_pct"] = ideal_float;
  j["ideal_charge_per_token"] = {{"early_stop", ideal_charge_early},
                                 {"no_early_stop", ideal_charge_none}};
  j["thresholds_worst_chip_vs_ideal_pct"] = thr;
  // The effects in sweep order with their units, for scripts/plot_pq_study.py's panels and axes.
  for (const auto& sw : sweeps()) {
    j["effects"].push_back({{"name", sw.effect}, {"unit", sw.unit}, {"random", sw.random}});
  }
  for (const auto& p : pts) {
    const Stat si = stat_of(p.agree_ideal), sf = stat_of(p.agree_float);
    j["points"].push_back(
        {{"effect", p.effect},
         {"level", p.level},
         {"agree_ideal_pct", {{"mean", si.mean}, {"min", si.min}, {"max", si.max}}},
         {"agree_float_pct", {{"mean", sf.mean}, {"min", sf.min}, {"max", sf.max}}},
         {"agree_ideal_pct_per_chip", p.agree_ideal},
         {"agree_float_pct_per_chip", p.agree_float},
         {"ties_pct", p.ties},
         {"timeouts_pct", p.timeouts},
         {"cycles_per_token", p.cycles_per_token},
         {"charge_per_token_early_stop", p.charge_early},
         {"charge_per_token_no_early_stop", p.charge_none}});
  }

  for (const auto& p : whole) {
    const Stat si = stat_of(p.agree_ideal), sf = stat_of(p.agree_float);
    j["whole_chips"].push_back(
        {{"file", p.effect},
         {"agree_ideal_pct", {{"mean", si.mean}, {"min", si.min}, {"max", si.max}}},
         {"agree_float_pct", {{"mean", sf.mean}, {"min", sf.min}, {"max", sf.max}}},
         {"ties_pct", p.ties},
         {"charge_early_over_none", p.charge_early / p.charge_none}});
  }

  write_json(so.json, j);
  write_text(so.table, md);
  fmt::print("\n{}\nwritten: {}, {}\nplot:    scripts/plot_pq_study.py {} -o {}.png\n", md, so.json,
             so.table, so.json, std::filesystem::path(so.json).replace_extension().string());
  return 0;
}

}  // namespace hycim::cli
