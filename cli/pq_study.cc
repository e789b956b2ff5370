#include "pq_study.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>
#include <vector>

#include "Vpq_encoder_ci.h"
#include "Vpq_encoder_ci___024root.h"
#include "golden/core/check.h"
#include "golden/core/npy.h"
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
  bool cal_only = false;  // an effect of the calibrated mappings only: swept with them only
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
      {"cal_sigma",
       "relative sigma of the trimmed current",
       {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02},
       true,
       [](AnalogParams& p, double v) { p.cal_sigma = v; },
       true},
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

// Where the tokens of one set of runs come from: Gaussian ones (tokens == nullptr), or one head
// of real data.
struct Source {
  std::string label;                    // "gaussian" or e.g. "L0H2"
  int layer_slot = -1, head_slot = -1;  // slots in the data's arrays
  int layer = -1, head = -1;            // the model's layer and head, when known
  tb::pq::PqTokens tokens;
  bool real = false;
  size_t train_rows = 0, eval_rows[2] = {0, 0};  // rows per crossbar (0 Q, 1 K)
  // From the ideal chip's run:
  std::vector<uint32_t> ideal_codes;
  double ideal_float = 0;  // % of codes equal to the float nearest centroid
  double ideal_tick = 0;   // % of codes where the tick WTA picks the current argmax
  double quant_float = 0;  // % of codes where the nearest quantized centroid is the float one
  unsigned shift[2] = {0, 0};
  std::vector<int64_t> b0[2];  // per active group, Q and K crossbar
};

// Agreement counts of one chip, summed over a set of sources.
struct Count {
  uint64_t same = 0, n = 0, agree_float = 0, codes = 0;
  double pct_ideal() const { return 100.0 * static_cast<double>(same) / std::max<uint64_t>(n, 1); }
  double pct_float() const {
    return 100.0 * static_cast<double>(agree_float) / std::max<uint64_t>(codes, 1);
  }
};

struct Point {
  std::string effect;
  double level = 0;
  std::vector<double> agree_ideal, agree_float;           // per chip, %, pooled over the sources
  std::vector<std::vector<double>> src_ideal, src_float;  // [source][chip], %
  double ties = 0, timeouts = 0, cycles_per_token = 0;    // pooled over sources, chip mean
  double charge_early = 0, charge_none = 0;               // per token, chip mean
  bool whole = false;  // a whole chip from a file, not a level of one effect
};

// ---- Real Q/K (--data) -------------------------------------------------------------------

namespace fs = std::filesystem;

// The INT8 arrays (layer slots, head slots, rows, head dim) of one kind ("q" or "k").
golden::Tensor<int8_t> load_qk(const fs::path& f) {
  auto t = golden::load_npy<int8_t>(f.string());
  if (t.rank() != 4) {
    throw Error(fmt::format(
        "pq-study --data: {}: shape ({}), want 4 dimensions (layer slots, head slots, tokens, "
        "head dim)",
        f.string(), fmt::join(t.shape(), ", ")));
  }
  return t;
}

// Appends rows of slot (l, h) of `t` to `out` (rows x D, row-major).
void append_slot(const golden::Tensor<int8_t>& t, size_t l, size_t h, std::vector<int8_t>& out) {
  const auto& sh = t.shape();
  const size_t block = sh[2] * sh[3];
  const auto first = t.data().begin() + static_cast<std::ptrdiff_t>((l * sh[1] + h) * block);
  out.insert(out.end(), first, first + static_cast<std::ptrdiff_t>(block));
}

struct RealData {
  std::string layout;                                              // "fixture" or "export"
  std::vector<std::array<golden::Tensor<int8_t>, 2>> calib, eval;  // per file, Q and K
  std::vector<std::string> eval_names;
  size_t layers = 0, heads = 0, dim = 0;
  std::vector<int> model_layer;              // per layer slot
  std::vector<std::vector<int>> model_head;  // per layer slot and head slot
};

RealData load_real(const std::string& dir, const golden::XbarSpec& spec) {
  const fs::path d(dir);
  std::error_code ec;
  if (!fs::is_directory(d, ec)) {
    throw Error(fmt::format("pq-study --data {}: {}", dir,
                            fs::exists(d, ec) ? "not a directory" : "no such directory"));
  }
  RealData r;
  auto pair_of = [&](const std::string& stem) {
    std::array<golden::Tensor<int8_t>, 2> qk;
    for (int s = 0; s < 2; ++s) {
      const fs::path f = d / fmt::format("{}_{}_i8.npy", stem, s ? "k" : "q");
      if (!fs::exists(f, ec)) {
        throw Error(fmt::format("pq-study --data {}: {} is missing", dir, f.filename().string()));
      }
      qk[static_cast<size_t>(s)] = load_qk(f);
    }
    const auto &q = qk[0].shape(), &k = qk[1].shape();
    if (q != k) {
      throw Error(fmt::format("pq-study --data {}: {}_q_i8.npy has shape ({}), {}_k_i8.npy ({})",
                              dir, stem, fmt::join(q, ", "), stem, fmt::join(k, ", ")));
    }
    return qk;
  };
  auto sequence_files = [&](const std::string& split) {
    std::vector<std::array<golden::Tensor<int8_t>, 2>> v;
    for (int i = 0; fs::exists(d / fmt::format("{}{}_q_i8.npy", split, i), ec); ++i) {
      v.push_back(pair_of(fmt::format("{}{}", split, i)));
      if (split == "eval") r.eval_names.push_back(fmt::format("eval{}", i));
    }
    return v;
  };
  if (fs::exists(d / "calib_q_i8.npy", ec)) {
    r.layout = "fixture";
    r.calib.push_back(pair_of("calib"));
  } else {
    r.layout = "export";
    r.calib = sequence_files("calib");
    if (r.calib.empty()) {
      throw Error(fmt::format(
          "pq-study --data {}: no calibration Q/K: neither calib_q_i8.npy (the fixture's "
          "layout) nor calib0_q_i8.npy (scripts/minilm_export.py's) is there",
          dir));
    }
  }
  r.eval = sequence_files("eval");
  if (r.eval.empty()) {
    throw Error(
        fmt::format("pq-study --data {}: no evaluation Q/K (eval0_q_i8.npy is missing)", dir));
  }
  const auto& s0 = r.calib[0][0].shape();
  r.layers = s0[0];
  r.heads = s0[1];
  r.dim = s0[3];
  const size_t sub = static_cast<size_t>(spec.sub_dim);
  const size_t build_dim = static_cast<size_t>(spec.groups * spec.sub_dim);
  if (r.dim == 0 || r.dim % sub != 0 || r.dim > build_dim) {
    throw Error(fmt::format(
        "pq-study --data {}: head dimension {} (the last axis): the ci pq_encoder takes a "
        "multiple of its {} rows per group up to its head dimension {}",
        dir, r.dim, sub, build_dim));
  }
  auto check_same = [&](const std::vector<std::array<golden::Tensor<int8_t>, 2>>& v,
                        const std::string& what) {
    for (size_t i = 0; i < v.size(); ++i) {
      const auto& sh = v[i][0].shape();
      if (sh[0] != r.layers || sh[1] != r.heads || sh[3] != r.dim || sh[2] == 0) {
        throw Error(fmt::format(
            "pq-study --data {}: {} {} has shape ({}), want ({}, {}, tokens > 0, {}) like the "
            "first calibration file",
            dir, what, i, fmt::join(sh, ", "), r.layers, r.heads, r.dim));
      }
    }
  };
  check_same(r.calib, "calibration file");
  check_same(r.eval, "evaluation sequence");
  // The model's layer and head of each slot: the fixture keeps some (manifest.json), the full
  // export has them all in order.
  r.model_layer.resize(r.layers);
  r.model_head.assign(r.layers, std::vector<int>(r.heads));
  for (size_t l = 0; l < r.layers; ++l) {
    r.model_layer[l] = static_cast<int>(l);
    for (size_t h = 0; h < r.heads; ++h) r.model_head[l][h] = static_cast<int>(h);
  }
  if (r.layout == "fixture") {
    std::fill(r.model_layer.begin(), r.model_layer.end(), -1);
    for (auto& v : r.model_head) std::fill(v.begin(), v.end(), -1);
    std::ifstream mf(d / "manifest.json");
    if (mf) {
      try {
        const auto m = nlohmann::json::parse(mf);
        const auto& fx = m.at("fixture");
        for (size_t l = 0; l < r.layers; ++l) {
          r.model_layer[l] = fx.at("layers").at(l).get<int>();
          for (size_t h = 0; h < r.heads; ++h) {
            r.model_head[l][h] = fx.at("heads").at(l).at(h).get<int>();
          }
        }
      } catch (const nlohmann::json::exception& e) {
        throw Error(fmt::format("pq-study --data {}: manifest.json: {}", dir, e.what()));
      }
    }
  }
  return r;
}

// The sources of the chosen slots; each crossbar gets at most `per_sel` evaluation rows.
std::vector<Source> real_sources(const RealData& r, const PqStudyOptions& so,
                                 const golden::XbarSpec& spec, size_t per_sel) {
  auto slots = [&](const std::vector<uint32_t>& want, size_t n, const char* opt) {
    std::vector<size_t> v;
    for (uint32_t x : want) {
      if (x >= n) {
        throw Error(
            fmt::format("pq-study {} {}: {} has {} slots (0..{})", opt, x, so.data_dir, n, n - 1));
      }
      v.push_back(x);
    }
    if (v.empty()) {
      for (size_t i = 0; i < n; ++i) v.push_back(i);
    }
    return v;
  };
  const auto ls = slots(so.layers, r.layers, "--layer");
  const auto hs = slots(so.heads, r.heads, "--head");
  const int groups = static_cast<int>(r.dim) / spec.sub_dim;
  std::vector<Source> out;
  for (size_t l : ls) {
    for (size_t h : hs) {
      Source src;
      src.real = true;
      src.layer_slot = static_cast<int>(l);
      src.head_slot = static_cast<int>(h);
      src.layer = r.model_layer[l];
      src.head = r.model_head[l][h];
      src.label = src.layer >= 0 && src.head >= 0 ? fmt::format("L{}H{}", src.layer, src.head)
                                                  : fmt::format("slot{}.{}", l, h);
      src.tokens.groups = groups;
      for (int s = 0; s < 2; ++s) {
        std::vector<int8_t> tr, ev;
        for (const auto& f : r.calib) append_slot(f[static_cast<size_t>(s)], l, h, tr);
        for (const auto& f : r.eval) append_slot(f[static_cast<size_t>(s)], l, h, ev);
        const size_t ntr = tr.size() / r.dim;
        const size_t nev = std::min(ev.size() / r.dim, per_sel);
        if (ntr < static_cast<size_t>(spec.cols_per_group)) {
          throw Error(fmt::format("pq-study --data {}: {} calibration rows, the codebook needs {}",
                                  so.data_dir, ntr, spec.cols_per_group));
        }
        ev.resize(nev * r.dim);
        src.tokens.train[s] = golden::Tensor<int8_t>({ntr, r.dim}, std::move(tr));
        src.tokens.eval[s] = golden::Tensor<int8_t>({nev, r.dim}, std::move(ev));
        src.train_rows = ntr;
        src.eval_rows[s] = nev;
      }
      out.push_back(std::move(src));
    }
  }
  return out;
}

// Per effect and threshold: the largest tested level up to which every level keeps the worst
// chip's agreement with the ideal chip above the threshold (-1: not even the smallest).
double threshold_level(const std::vector<Point>& pts, const std::string& effect, double t,
                       int src) {
  double best = -1;
  for (const auto& p : pts) {
    if (p.effect != effect) continue;
    const auto& v = src < 0 ? p.agree_ideal : p.src_ideal[static_cast<size_t>(src)];
    if (stat_of(v).min <= t) break;
    best = p.level;
  }
  return best;
}

}  // namespace

int pq_study(const PqStudyOptions& so) {
  namespace pq = tb::pq;
  // The crossbar mapping of every chip of the study, and the effects swept (default all): both
  // checked before anything runs.
  const sim::Mapping mapping =
      so.mapping.empty() ? AnalogParams{}.mapping : sim::mapping_of(so.mapping);
  std::vector<const Sweep*> swept;
  for (const auto& name : so.effects) {
    const auto it = std::find_if(sweeps().begin(), sweeps().end(),
                                 [&](const Sweep& sw) { return sw.effect == name; });
    if (it == sweeps().end()) {
      std::string known;
      for (const auto& sw : sweeps()) known += " " + sw.effect;
      throw Error(fmt::format("pq-study: --effect {} is not an effect of the study (known:{})",
                              name, known));
    }
    if (std::find(swept.begin(), swept.end(), &*it) == swept.end()) swept.push_back(&*it);
  }
  if (swept.empty()) {
    for (const auto& sw : sweeps()) {
      if (!sw.cal_only || sim::is_calibrated(mapping)) swept.push_back(&sw);
    }
  } else {  // in study order
    std::sort(swept.begin(), swept.end());
  }
  check_writable(so.json, "pq-study --json");
  check_writable(so.table, "pq-study --table");
  using Dut = Vpq_encoder_ci;
  constexpr uint32_t kSeq = cfg::Ci::kSeqLenMax;
  const uint32_t runs = std::max<uint32_t>(1, so.tokens / kSeq);
  const auto spec = pq::spec_of<cfg::Ci>();
  const bool real = !so.data_dir.empty();
  if (!real && (!so.layers.empty() || !so.heads.empty())) {
    throw Error("pq-study: --layer and --head need --data");
  }
  tb::ScenarioOptions o;
  o.seed = 1;
  o.runs = runs;
  o.len = kSeq;
  o.stall = tb::StallProfile::none();
  o.name = "pq_study";
  pq::PqOptions po;
  po.small_tmax = false;
  po.random_groups = false;

  // The sources, read first: a bad file fails before the long run.
  std::vector<Source> srcs;
  RealData rd;
  if (real) {
    rd = load_real(so.data_dir, spec);
    srcs = real_sources(rd, so, spec, so.tokens / 2);
  } else {
    Source g;
    g.label = "gaussian";
    srcs.push_back(std::move(g));
  }
  auto run_one = [&](const AnalogParams& a, const Source& src) {
    po.analog = a;
    po.tokens = src.real ? &src.tokens : nullptr;
    tb::ErrorLog log = printing_log();
    auto r = pq::run<Dut>(o, po, spec, kSeq, log);
    if (!r.base.passed) throw Error("pq-study: the RTL disagreed with the golden model; no study");
    return r;
  };
  std::vector<AnalogParams> chip_params;
  for (const auto& f : so.chip_files) {
    chip_params.push_back(AnalogParams::from_file(f));
    if (!so.mapping.empty()) chip_params.back().mapping = mapping;  // else the file's own
  }
  size_t total = 1 + so.chip_files.size() * so.chips;
  for (const auto* sw : swept) total += sw->levels.size() * (sw->random ? so.chips : 1);
  const int active_groups = real ? srcs[0].tokens.groups : spec.groups;
  const size_t tokens_per_src =
      real ? srcs[0].eval_rows[0] + srcs[0].eval_rows[1] : static_cast<size_t>(runs) * kSeq;
  std::string what;
  if (real) {
    std::vector<std::string> labels;
    for (const auto& s : srcs) labels.push_back(s.label);
    what = fmt::format(
        "real INT8 Q/K of {} ({} layout), heads {}: codebooks on {} calibration rows, {} Q + {} K "
        "evaluation tokens per head; head dimension {} = {} of {} groups (GROUPS = {}, tokens "
        "zero-padded to {})",
        so.data_dir, rd.layout, fmt::join(labels, " "), srcs[0].train_rows, srcs[0].eval_rows[0],
        srcs[0].eval_rows[1], rd.dim, active_groups, spec.groups, active_groups,
        spec.groups * spec.sub_dim);
  } else {
    what = fmt::format("{} token encodings per run (Gaussian tokens, sigma {} INT8 LSB)",
                       runs * kSeq, pq::kDefaultSigma);
  }
  fmt::print(
      "hycim pq-study: {}, ci pq_encoder RTL, {} mapping, {} chip seeds per point of a random "
      "effect, {} points x {} token set(s)\n",
      what, sim::mapping_name(mapping), so.chips, total, srcs.size());

  // The ideal chip per source: its codes are the reference of every other chip.
  Count ideal_all;
  double ideal_charge_early = 0, ideal_charge_none = 0;
  uint64_t ideal_tokens = 0;
  for (auto& src : srcs) {
    AnalogParams ideal;
    ideal.mapping = mapping;
    const auto r = run_one(ideal, src);
    src.ideal_codes = r.code_words;
    src.ideal_float = 100.0 * r.agree_float / std::max<uint64_t>(r.codes, 1);
    src.ideal_tick = 100.0 * r.agree_ideal / std::max<uint64_t>(r.codes, 1);
    src.quant_float = 100.0 * r.quant_float / std::max<uint64_t>(r.codes, 1);
    src.shift[0] = r.shift[0];
    src.shift[1] = r.shift[1];
    for (int s = 0; s < 2; ++s) {
      const size_t n = std::min<size_t>(r.b0[s].size(), static_cast<size_t>(active_groups));
      src.b0[s].assign(r.b0[s].begin(), r.b0[s].begin() + static_cast<std::ptrdiff_t>(n));
    }
    ideal_all.agree_float += r.agree_float;
    ideal_all.codes += r.codes;
    ideal_charge_early += r.charge_early;
    ideal_charge_none += r.charge_none;
    ideal_tokens += r.tokens;
    if (real) {
      fmt::print(
          "  ideal chip {:<8} shift Q {} K {}: {:.2f} % of codes equal the float nearest "
          "centroid (nearest quantized centroid {:.2f} %, tick WTA = current argmax {:.2f} %)\n",
          src.label, src.shift[0], src.shift[1], src.ideal_float, src.quant_float, src.ideal_tick);
    }
  }
  const double ideal_float = ideal_all.pct_float();
  ideal_charge_early /= static_cast<double>(std::max<uint64_t>(ideal_tokens, 1));
  ideal_charge_none /= static_cast<double>(std::max<uint64_t>(ideal_tokens, 1));
  fmt::print("  [1/{}] ideal chip: {:.2f} % of codes equal the float nearest centroid\n", total,
             ideal_float);

  size_t done = 1;
  // Runs `p` on chips 1..nchips (chip and run seed = the chip number), from the effects `a`, on
  // every source. Agreement with the ideal chip counts the active groups only (the inactive
  // ones are code 0 on every chip).
  auto measure = [&](Point& p, AnalogParams a, uint32_t nchips) {
    p.src_ideal.assign(srcs.size(), {});
    p.src_float.assign(srcs.size(), {});
    for (uint32_t c = 1; c <= nchips; ++c) {
      a.chip_seed = c;
      a.run_seed = c;
      Count all;
      uint64_t ties = 0, timeouts = 0, busy = 0, tokens = 0;
      double ch_early = 0, ch_none = 0;
      for (size_t si = 0; si < srcs.size(); ++si) {
        const auto& src = srcs[si];
        const auto r = run_one(a, src);
        Count n;
        for (size_t t = 0; t < r.code_words.size() && t < src.ideal_codes.size(); ++t) {
          for (int g = 0; g < active_groups; ++g) {
            n.same +=
                ((r.code_words[t] >> (4 * g)) & 0xf) == ((src.ideal_codes[t] >> (4 * g)) & 0xf);
            ++n.n;
          }
        }
        n.agree_float = r.agree_float;
        n.codes = r.codes;
        p.src_ideal[si].push_back(n.pct_ideal());
        p.src_float[si].push_back(n.pct_float());
        all.same += n.same;
        all.n += n.n;
        all.agree_float += n.agree_float;
        all.codes += n.codes;
        ties += r.ties;
        timeouts += r.timeouts;
        busy += r.busy_cycles;
        tokens += r.tokens;
        ch_early += r.charge_early;
        ch_none += r.charge_none;
      }
      const double codes = static_cast<double>(std::max<uint64_t>(all.codes, 1));
      const double toks = static_cast<double>(std::max<uint64_t>(tokens, 1));
      p.agree_ideal.push_back(all.pct_ideal());
      p.agree_float.push_back(all.pct_float());
      p.ties += 100.0 * static_cast<double>(ties) / codes / nchips;
      p.timeouts += 100.0 * static_cast<double>(timeouts) / codes / nchips;
      p.cycles_per_token += static_cast<double>(busy) / toks / nchips;
      p.charge_early += ch_early / toks / nchips;
      p.charge_none += ch_none / toks / nchips;
      ++done;
    }
    const Stat si = stat_of(p.agree_ideal), sf = stat_of(p.agree_float);
    std::string per;
    if (real) {
      for (size_t i = 0; i < srcs.size(); ++i) {
        per += fmt::format(" {}", fmt::format("{:.1f}", stat_of(p.src_ideal[i]).mean));
      }
      per = " | per head" + per;
    }
    fmt::print(
        "  [{}/{}] {:<17} {:>8}: vs ideal chip {:6.2f} % [{:.2f}, {:.2f}], vs float NC "
        "{:6.2f} %, ties {:5.2f} %, {:6.1f} cycles/token, charge early/none {:.3f}{}\n",
        done, total, p.effect, p.whole ? "whole" : fmt::format("{:g}", p.level), si.mean, si.min,
        si.max, sf.mean, p.ties, p.cycles_per_token, p.charge_early / p.charge_none, per);
    std::fflush(stdout);
  };
  std::vector<Point> pts;
  for (const auto* swp : swept) {
    const auto& sw = *swp;
    for (double v : sw.levels) {
      Point p;
      p.effect = sw.effect;
      p.level = v;
      AnalogParams a;
      a.mapping = mapping;
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

  // Thresholds, pooled over the sources and (real data) per head.
  auto level_str = [](double best) {
    return best < 0 ? std::string("below the smallest level") : fmt::format("{:g}", best);
  };
  auto level_json = [](double best) {
    return best < 0 ? nlohmann::json(nullptr) : nlohmann::json(best);
  };
  nlohmann::json thr = nlohmann::json::object();
  std::string thr_md = "| effect | unit | > 99 % | > 95 % | > 90 % |\n|---|---|---|---|---|\n";
  for (const auto* swp : swept) {
    const auto& sw = *swp;
    if (sw.effect == "ticks_full") continue;
    std::string row = fmt::format("| {} | {} |", sw.effect, sw.unit);
    for (double t : {99.0, 95.0, 90.0}) {
      const double best = threshold_level(pts, sw.effect, t, -1);
      row += fmt::format(" {} |", level_str(best));
      thr[sw.effect][fmt::format("{:g}", t)] = level_json(best);
    }
    thr_md += row + "\n";
  }
  std::string head_md;
  if (real) {
    std::vector<std::string> labels;
    for (const auto& s : srcs) labels.push_back(s.label);
    head_md = fmt::format(
        "## Per head\n\n"
        "| head | layer slot, head slot | calibration rows | evaluation Q + K | shift Q, K | "
        "ideal chip = float NC % | nearest quantized = float NC % | ideal tick WTA = current "
        "argmax % | B0 per group, Q; K |\n|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& s : srcs) {
      head_md += fmt::format(
          "| {} | {}, {} | {} | {} + {} | {}, {} | {:.2f} | {:.2f} | {:.2f} | {}; {} |\n", s.label,
          s.layer_slot, s.head_slot, s.train_rows, s.eval_rows[0], s.eval_rows[1], s.shift[0],
          s.shift[1], s.ideal_float, s.quant_float, s.ideal_tick, fmt::join(s.b0[0], " "),
          fmt::join(s.b0[1], " "));
    }
    std::string sep;
    for (size_t i = 0; i < srcs.size(); ++i) sep += "---|";
    head_md += fmt::format(
        "\nLargest tested level at which the worst chip's agreement with the ideal chip stays "
        "above 95 %, per head:\n\n| effect | pooled | {} |\n|---|---|{}\n",
        fmt::join(labels, " | "), sep);
    for (const auto* swp : swept) {
      const auto& sw = *swp;
      if (sw.effect == "ticks_full") continue;
      std::string row =
          fmt::format("| {} | {} |", sw.effect, level_str(threshold_level(pts, sw.effect, 95, -1)));
      for (size_t i = 0; i < srcs.size(); ++i) {
        row += fmt::format(" {} |",
                           level_str(threshold_level(pts, sw.effect, 95, static_cast<int>(i))));
      }
      head_md += row + "\n";
    }
    head_md += "\n";
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
  std::string command = fmt::format("hycim pq-study --tokens {} --chips {}", so.tokens, so.chips);
  if (!so.mapping.empty()) command += fmt::format(" --mapping {}", so.mapping);
  for (const auto& e : so.effects) command += fmt::format(" --effect {}", e);
  if (real) {
    command += fmt::format(" --data {}", so.data_dir);
    for (auto l : so.layers) command += fmt::format(" --layer {}", l);
    for (auto h : so.heads) command += fmt::format(" --head {}", h);
  }
  const std::string intro =
      real ? fmt::format(
                 "`{}`: the ci pq_encoder RTL driven by the crossbar model on the {}; "
                 "agreement pooled over the heads",
                 command, what)
           : fmt::format(
                 "`{}`: {} token encodings per run through the ci pq_encoder RTL driven by the "
                 "crossbar model, Gaussian tokens (sigma {} INT8 LSB)",
                 command, runs * kSeq, pq::kDefaultSigma);
  std::string per_head_cols, per_head_sep;
  if (real) {
    for (const auto& s : srcs) {
      per_head_cols += fmt::format(" {} vs ideal % |", s.label);
      per_head_sep += "---|";
    }
  }
  std::string md = fmt::format(
      "# PQ code agreement vs analog non-idealities\n\n"
      "Crossbar mapping: {} (sim/attention/pq_xbar.h).\n\n"
      "{}, one effect at a time, {} chip seeds per level of a random effect (mean [worst, "
      "best]).\n"
      "Ideal chip: {:.2f} % of codes equal the float nearest centroid (the cost of {}-bit input "
      "levels).\n\n"
      "## Largest level tested at which the worst chip's agreement with the ideal chip stays "
      "above each threshold\n\n{}\n"
      "{}{}"
      "## Every point\n\n"
      "| effect | level | vs ideal chip % | vs float NC % | ties % | timeouts % | cycles/token | "
      "charge/token early | charge/token none | early/none |{}\n"
      "|---|---|---|---|---|---|---|---|---|---|{}\n",
      sim::mapping_name(mapping), intro, so.chips, ideal_float, spec.in_bits, thr_md, head_md,
      whole_md, per_head_cols, per_head_sep);
  for (const auto& p : pts) {
    const Stat si = stat_of(p.agree_ideal), sf = stat_of(p.agree_float);
    md += fmt::format(
        "| {} | {:g} | {:.2f} [{:.2f}, {:.2f}] | {:.2f} [{:.2f}, {:.2f}] | {:.2f} | {:.2f} | "
        "{:.1f} | {:.4g} | {:.4g} | {:.3f} |",
        p.effect, p.level, si.mean, si.min, si.max, sf.mean, sf.min, sf.max, p.ties, p.timeouts,
        p.cycles_per_token, p.charge_early, p.charge_none, p.charge_early / p.charge_none);
    if (real) {
      for (const auto& v : p.src_ideal) md += fmt::format(" {:.2f} |", stat_of(v).mean);
    }
    md += "\n";
  }
  md += fmt::format(
      "\nCharge is the energy proxy of sim/attention/pq_xbar (sum over columns of |I| x ticks "
      "discharged, in level units x ticks); the ideal chip draws {:.4g} per token with early "
      "stop and {:.4g} without ({:.3f}).\n",
      ideal_charge_early, ideal_charge_none, ideal_charge_early / ideal_charge_none);

  nlohmann::json j;
  j["benchmark"] = "pq-study";
  j["command"] = command;
  j["mapping"] = sim::mapping_name(mapping);
  j["tokens"] = real ? "real" : "gaussian";
  j["tokens_per_run"] = tokens_per_src;  // per token set (head); kept under its old name
  j["chips"] = so.chips;
  j["active_groups"] = active_groups;
  if (real) {
    j["data"] = {{"dir", so.data_dir},
                 {"layout", rd.layout},
                 {"head_dim", rd.dim},
                 {"padded_to", spec.groups * spec.sub_dim},
                 {"calibration_rows", srcs[0].train_rows},
                 {"evaluation_tokens_q", srcs[0].eval_rows[0]},
                 {"evaluation_tokens_k", srcs[0].eval_rows[1]}};
    for (const auto& s : srcs) {
      j["heads"].push_back({{"label", s.label},
                            {"layer_slot", s.layer_slot},
                            {"head_slot", s.head_slot},
                            {"layer", s.layer},
                            {"head", s.head},
                            {"shift_q", s.shift[0]},
                            {"shift_k", s.shift[1]},
                            {"ideal_agree_float_pct", s.ideal_float},
                            {"ideal_quantized_agree_float_pct", s.quant_float},
                            {"ideal_tick_agree_current_argmax_pct", s.ideal_tick},
                            {"b0_q", s.b0[0]},
                            {"b0_k", s.b0[1]}});
    }
    nlohmann::json ht = nlohmann::json::array();
    for (size_t i = 0; i < srcs.size(); ++i) {
      nlohmann::json t = nlohmann::json::object();
      for (const auto* swp : swept) {
        const auto& sw = *swp;
        if (sw.effect == "ticks_full") continue;
        for (double x : {99.0, 95.0, 90.0}) {
          t[sw.effect][fmt::format("{:g}", x)] =
              level_json(threshold_level(pts, sw.effect, x, static_cast<int>(i)));
        }
      }
      ht.push_back(t);
    }
    j["head_thresholds_worst_chip_vs_ideal_pct"] = ht;
  } else {
    j["token_sigma"] = pq::kDefaultSigma;
  }
  j["ideal_agree_float_pct"] = ideal_float;
  j["ideal_charge_per_token"] = {{"early_stop", ideal_charge_early},
                                 {"no_early_stop", ideal_charge_none}};
  j["thresholds_worst_chip_vs_ideal_pct"] = thr;
  // The effects in sweep order with their units, for scripts/plot_pq_study.py's panels and axes.
  for (const auto* swp : swept) {
    const auto& sw = *swp;
    j["effects"].push_back({{"name", sw.effect}, {"unit", sw.unit}, {"random", sw.random}});
  }
  auto per_head_json = [&](const Point& p) {
    nlohmann::json a = nlohmann::json::array();
    for (size_t i = 0; i < srcs.size(); ++i) {
      const Stat hi = stat_of(p.src_ideal[i]), hf = stat_of(p.src_float[i]);
      a.push_back({{"label", srcs[i].label},
                   {"agree_ideal_pct", {{"mean", hi.mean}, {"min", hi.min}, {"max", hi.max}}},
                   {"agree_float_pct", {{"mean", hf.mean}, {"min", hf.min}, {"max", hf.max}}}});
    }
    return a;
  };
  for (const auto& p : pts) {
    const Stat si = stat_of(p.agree_ideal), sf = stat_of(p.agree_float);
    nlohmann::json e = {{"effect", p.effect},
                        {"level", p.level},
                        {"agree_ideal_pct", {{"mean", si.mean}, {"min", si.min}, {"max", si.max}}},
                        {"agree_float_pct", {{"mean", sf.mean}, {"min", sf.min}, {"max", sf.max}}},
                        {"agree_ideal_pct_per_chip", p.agree_ideal},
                        {"agree_float_pct_per_chip", p.agree_float},
                        {"ties_pct", p.ties},
                        {"timeouts_pct", p.timeouts},
                        {"cycles_per_token", p.cycles_per_token},
                        {"charge_per_token_early_stop", p.charge_early},
                        {"charge_per_token_no_early_stop", p.charge_none}};
    if (real) e["per_head"] = per_head_json(p);
    j["points"].push_back(e);
  }

  for (const auto& p : whole) {
    const Stat si = stat_of(p.agree_ideal), sf = stat_of(p.agree_float);
    nlohmann::json e = {{"file", p.effect},
                        {"agree_ideal_pct", {{"mean", si.mean}, {"min", si.min}, {"max", si.max}}},
                        {"agree_float_pct", {{"mean", sf.mean}, {"min", sf.min}, {"max", sf.max}}},
                        {"ties_pct", p.ties},
                        {"charge_early_over_none", p.charge_early / p.charge_none}};
    if (real) e["per_head"] = per_head_json(p);
    j["whole_chips"].push_back(e);
  }

  write_json(so.json, j);
  write_text(so.table, md);
  fmt::print("\n{}\nwritten: {}, {}\nplot:    scripts/plot_pq_study.py {} -o {}.png\n", md, so.json,
             so.table, so.json, fs::path(so.json).replace_extension().string());
  return 0;
}

}  // namespace hycim::cli
