#include "erabs.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "Verabs_ctrl_ci.h"
#include "erabs_scenario.h"
#include "golden/bitsparse/compiler.h"
#include "golden/bitsparse/execute.h"
#include "golden/bitsparse/isaac.h"
#include "golden/core/check.h"
#include "golden/core/npy.h"
#include "hycim_configs.h"
#include "report.h"

namespace hycim::cli {

namespace {

namespace fs = std::filesystem;
using golden::CompiledLayer;
using golden::CompileOptions;
using golden::ExecOptions;

struct Layer {
  uint32_t k = 0, n = 0;
  std::vector<float> w;  // K x N
  std::vector<float> b;  // N
};

struct Network {
  std::vector<Layer> layers;
  std::vector<std::vector<float>> images;  // network inputs (pixel / 16)
  std::vector<int32_t> labels;
};

Network load_network(const std::string& dir) {
  HYCIM_CHECK(fs::is_directory(dir), "--network {}: not a directory", dir);
  Network net;
  for (int i = 1; fs::exists(fs::path(dir) / fmt::format("w{}.npy", i)); ++i) {
    const auto w = golden::load_npy<float>((fs::path(dir) / fmt::format("w{}.npy", i)).string());
    const auto b = golden::load_npy<float>((fs::path(dir) / fmt::format("b{}.npy", i)).string());
    HYCIM_CHECK(w.rank() == 2 && b.rank() == 1 && b.shape()[0] == w.shape()[1],
                "{}: layer {}: w{}.npy must be K x N and b{}.npy N long", dir, i, i, i);
    Layer l;
    l.k = static_cast<uint32_t>(w.shape()[0]);
    l.n = static_cast<uint32_t>(w.shape()[1]);
    HYCIM_CHECK(net.layers.empty() || net.layers.back().n == l.k,
                "{}: layer {} takes {} inputs, the layer before gives {}", dir, i, l.k,
                net.layers.back().n);
    l.w.assign(w.data().begin(), w.data().end());
    l.b.assign(b.data().begin(), b.data().end());
    net.layers.push_back(std::move(l));
  }
  HYCIM_CHECK(!net.layers.empty(), "{}: no w1.npy", dir);
  const auto x = golden::load_npy<uint8_t>((fs::path(dir) / "x_test.npy").string());
  const auto y = golden::load_npy<int32_t>((fs::path(dir) / "y_test.npy").string());
  HYCIM_CHECK(x.rank() == 2 && x.shape()[1] == net.layers[0].k && y.rank() == 1 &&
                  y.shape()[0] == x.shape()[0] && x.shape()[0] > 0,
              "{}: x_test.npy must be images x {} and y_test.npy one label per image", dir,
              net.layers[0].k);
  const size_t k0 = net.layers[0].k;
  for (size_t i = 0; i < x.shape()[0]; ++i) {
    std::vector<float> img(k0);
    for (size_t r = 0; r < k0; ++r) img[r] = static_cast<float>(x.data()[i * k0 + r]) / 16.0f;
    net.images.push_back(std::move(img));
    HYCIM_CHECK(y.data()[i] >= 0 && static_cast<uint32_t>(y.data()[i]) < net.layers.back().n,
                "{}: label {} of image {} is not an output of the network", dir, y.data()[i], i);
    net.labels.push_back(y.data()[i]);
  }
  return net;
}

uint32_t argmax(const std::vector<double>& v) {
  return static_cast<uint32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

std::vector<double> float_forward(const Network& net, const std::vector<float>& img) {
  std::vector<double> a(img.begin(), img.end());
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const auto& L = net.layers[l];
    std::vector<double> z(L.n);
    for (uint32_t c = 0; c < L.n; ++c) {
      double s = L.b[c];
      for (uint32_t r = 0; r < L.k; ++r) s += a[r] * double{L.w[size_t{r} * L.n + c]};
      z[c] = (l + 1 < net.layers.size()) ? std::max(s, 0.0) : s;
    }
    a = std::move(z);
  }
  return a;
}

struct Setting {
  std::string name, what;
  CompileOptions co;
  ExecOptions eo;
  bool isaac = false;  // full-column reads of 2-bit slices (golden::IsaacLayer)
  bool rtl = false;    // also through erabs_ctrl
};

struct Tally {
  uint64_t correct = 0, agree = 0, images = 0;
  uint64_t crossbars = 0, ous = 0, ous_total = 0;
  golden::ExecCounters ct;  // summed over every image and layer
  uint64_t rtl_images = 0, rtl_cycles = 0;
  uint64_t rtl_compared = 0, rtl_mismatches = 0;
  std::string rtl_note;
};

// Conversions weighted by 2^bits of their ADC: R. H. Walden, "Analog-to-digital converter survey
// and analysis", IEEE JSAC 17(4), 1999 (power ~ 2^ENOB x sample rate at a fixed figure of
// merit). ISAAC_LIKE converts with its 8-bit ADC, the OU modes with the geometry's.
double adc_energy_units(const Tally& t, bool isaac, const golden::ErabsGeometry& g) {
  const uint32_t bits = isaac ? golden::IsaacLayer{}.adc_bits : g.adc_bits;
  return static_cast<double>(t.ct.adc_conversions) * static_cast<double>(uint64_t{1} << bits);
}

// The geometry both commands compile for: the ci build's crossbars, so that a layer compiled
// here runs unchanged on erabs_ctrl.
golden::ErabsGeometry study_geometry() {
  return {.xbar_rows = static_cast<uint32_t>(cfg::Ci::kErabsXbarSize),
          .xbar_cols = static_cast<uint32_t>(cfg::Ci::kErabsXbarSize)};
}

void add_counters(golden::ExecCounters& sum, const golden::ExecCounters& c) {
  sum.dense += c.dense;
  sum.issued += c.issued;
  sum.skipped_static += c.skipped_static;
  sum.skipped_dynamic += c.skipped_dynamic;
  sum.adc_conversions += c.adc_conversions;
  sum.max_code = std::max(sum.max_code, c.max_code);
}

// A layer's first rows through erabs_ctrl, tile by tile (ErabsLayerOptions::rtl_rows).
struct TiledRun {
  uint64_t rows = 0, tiles = 0, cycles = 0, load_cycles = 0;
  uint64_t compared = 0, mismatches = 0;  // beats and counters of each tile, by the scoreboards
  uint64_t outputs_compared = 0, output_mismatches = 0;  // the summed outputs vs the whole layer
  golden::ExecCounters ct;
  bool ok() const { return mismatches == 0 && output_mismatches == 0; }
  nlohmann::json json() const {
    return {{"rows", rows},
            {"tiles", tiles},
            {"cycles", cycles},
            {"cycles_per_row", rows ? static_cast<double>(cycles) / rows : 0.0},
            {"table_load_cycles", load_cycles},
            {"reads", ct.issued},
            {"adc_conversions", ct.adc_conversions},
            {"compared", compared},
            {"mismatches", mismatches},
            {"outputs_compared", outputs_compared},
            {"output_mismatches", output_mismatches}};
  }
};

// Layer is a CompiledLayer (tile_of = golden::tile_layer) or an IsaacLayer (golden::tile_isaac).
// want[i] is the golden product of the whole layer for xs[i]. Stall-free, one cycle of crossbar
// latency, as hycim erabs.
template <class Layer, class Tiler>
TiledRun run_tiled(const Layer& L, const CompiledLayer& shape, Tiler tile_of,
                   const std::vector<std::vector<int32_t>>& xs,
                   const std::vector<std::vector<int64_t>>& want, const ExecOptions& eo,
                   const std::string& name, uint64_t seed, tb::ErrorLog& log) {
  tb::HarnessOptions ho;
  ho.name = name;
  ho.seed = seed;
  golden::Rng stall(seed);
  tb::erabs::ErabsBench<Verabs_ctrl_ci> b(ho, log, stall, tb::StallProfile::none(), 1);
  const auto bg = b.build.geom();
  HYCIM_CHECK(bg.ou_rows == shape.geom.ou_rows && bg.ou_cols == shape.geom.ou_cols &&
                  bg.xbar_rows == shape.geom.xbar_rows && bg.mag_bits == shape.geom.mag_bits,
              "the layer was compiled for another geometry than the erabs_ctrl build's");
  TiledRun r;
  r.rows = xs.size();
  std::vector<std::vector<int64_t>> y(xs.size(), std::vector<int64_t>(shape.n, 0));
  std::vector<tb::erabs::OutBeat> beats;
  b.tap = &beats;
  const auto tiles =
      golden::plan_tiles(shape.k, shape.n, shape.geom, b.build.max_k(), b.build.max_n());
  r.tiles = tiles.size();
  for (const auto& t : tiles) {
    if (!log.ok()) break;
    const auto T = tile_of(L, t);
    const uint64_t c0 = b.h.cycle();
    b.load(T, {});
    r.load_cycles += b.h.cycle() - c0;
    for (size_t i = 0; i < xs.size() && log.ok(); ++i) {
      beats.clear();
      golden::ExecCounters ct;
      if (!b.run_vector(T, std::span<const int32_t>(xs[i].data() + t.row0, t.rows), eo, {}, &ct)) {
        break;
      }
      r.cycles += b.apb.read_ok(tb::erabs::kCycles);
      add_counters(r.ct, ct);
      // The driver's partial sums: beat h carries the tile's columns 16 h .. 16 h + 15.
      for (size_t h = 0; h < beats.size(); ++h) {
        for (uint32_t c = 0; c < b.build.ou_cols; ++c) {
          const size_t col = h * b.build.ou_cols + c;
          if (col < t.cols) y[i][t.col0 + col] += beats[h].acc[c];
        }
      }
    }
  }
  b.tap = nullptr;
  b.sb_out.finish();
  b.sb_regs.finish();
  r.compared = b.sb_out.compared() + b.sb_regs.compared();
  r.mismatches = b.sb_out.mismatches() + b.sb_regs.mismatches() + b.sb_out.pending() +
                 b.sb_regs.pending() + (log.ok() ? 0 : 1);
  for (size_t i = 0; i < xs.size(); ++i) {
    for (uint32_t c = 0; c < shape.n; ++c) {
      ++r.outputs_compared;
      r.output_mismatches += y[i][c] != want[i][c];
    }
  }
  return r;
}

}  // namespace

int erabs(const ErabsOptions& o) {
  const std::string dir = o.network.empty()
                              ? std::string(HYCIM_SOURCE_DIR) + "/tests/bitsparse/data/digits"
                              : o.network;
  HYCIM_CHECK(std::isfinite(o.budget) && o.budget >= 0.0 && o.budget <= 1.0,
              "--budget {}: legal 0 .. 1", o.budget);
  HYCIM_CHECK(o.threshold <= 128, "--threshold {}: legal 0 .. 128", o.threshold);
  check_writable(o.json, "--json");
  const Network net = load_network(dir);
  const golden::ErabsGeometry geom = study_geometry();
  const uint32_t rtl_images =
      std::min<uint32_t>(o.rtl_images, static_cast<uint32_t>(net.images.size()));
  if (!o.quiet) {
    fmt::print("hycim erabs: {} ({} layers", dir, net.layers.size());
    for (const auto& l : net.layers) fmt::print(", {}x{}", l.k, l.n);
    fmt::print("), {} test images, {} through erabs_ctrl\n", net.images.size(), rtl_images);
  }

  // The float network.
  std::vector<uint32_t> float_pred;
  uint64_t float_correct = 0;
  for (size_t i = 0; i < net.images.size(); ++i) {
    float_pred.push_back(argmax(float_forward(net, net.images[i])));
    float_correct += float_pred.back() == static_cast<uint32_t>(net.labels[i]);
  }
  const double float_acc = 100.0 * static_cast<double>(float_correct) / net.images.size();

  const ExecOptions skip{.dynamic_skip = true, .prune_threshold = o.threshold};
  const ExecOptions noskip{.dynamic_skip = false, .prune_threshold = o.threshold};
  const CompileOptions erabs_co{.max_terms = 2, .bit_flip = true, .flip_budget = o.budget};
  std::vector<Setting> settings = {
      {"ERA-BS", "T = 2, bit flip, squeeze-out, activation skip", erabs_co, skip, false, true},
      {"no exponent quant.",
       "uniform 7-bit magnitudes (T = B), the rest on",
       {.max_terms = 7, .bit_flip = true, .flip_budget = o.budget},
       skip},
      {"no bit flip",
       "T = 2, squeeze-out, activation skip",
       {.max_terms = 2, .bit_flip = false, .flip_budget = o.budget},
       skip},
      {"no squeeze-out",
       "T = 2, bit flip, activation skip",
       {.max_terms = 2, .bit_flip = true, .flip_budget = o.budget, .squeeze = false},
       skip},
      {"no activation skip", "T = 2, bit flip, squeeze-out", erabs_co, noskip},
      {"PRUNE_LIKE",
       "uniform 7-bit, 16x16 weight blocks pruned, static skip only",
       {.max_terms = 7, .bit_flip = false, .flip_budget = o.budget, .block_prune = true},
       noskip,
       false,
       true},
      {"ISAAC_LIKE",
       "uniform 7-bit, 2-bit cells, 128 rows per read, no skipping",
       {},
       noskip,
       true,
       true},
  };

  tb::ErrorLog log = printing_log();
  std::vector<Tally> tallies(settings.size());
  for (size_t si = 0; si < settings.size(); ++si) {
    const Setting& s = settings[si];
    Tally& t = tallies[si];
    std::vector<CompiledLayer> layers;
    std::vector<golden::IsaacLayer> full;
    for (const auto& l : net.layers) {
      if (s.isaac) {
        full.push_back(golden::compile_isaac(l.w, l.k, l.n, geom));
        t.crossbars += full.back().crossbars;
        t.ous += full.back().table.size();
        t.ous_total += full.back().table.size();
      } else {
        layers.push_back(golden::compile_layer(l.w, l.k, l.n, geom, s.co));
        t.crossbars += layers.back().stats.crossbars;
        t.ous += layers.back().table.size();
        t.ous_total += layers.back().stats.ous_total;
      }
    }
    const auto shape = [&](size_t l) -> const CompiledLayer& {
      return s.isaac ? full[l].q : layers[l];
    };
    // Golden: every image; the quantized inputs of the first rtl_images kept per layer.
    std::vector<std::vector<std::vector<int32_t>>> xq(net.layers.size());
    for (size_t i = 0; i < net.images.size(); ++i) {
      std::vector<float> a = net.images[i];
      std::vector<double> out;
      for (size_t l = 0; l < net.layers.size(); ++l) {
        const auto q = golden::quantize_activations(a, geom.act_mag_bits);
        if (s.rtl && i < rtl_images) xq[l].push_back(q.x);
        const auto r = s.isaac ? golden::execute_isaac(full[l], q.x)
                               : golden::execute_layer(layers[l], q.x, s.eo);
        add_counters(t.ct, r.counters);
        const CompiledLayer& L = shape(l);
        const bool last = l + 1 == net.layers.size();
        a.assign(L.n, 0.0f);
        out.assign(L.n, 0.0);
        for (uint32_t c = 0; c < L.n; ++c) {
          const double z =
              static_cast<double>(r.y[c]) * q.scale * L.scale[c] + double{net.layers[l].b[c]};
          out[c] = last ? z : std::max(z, 0.0);
          a[c] = static_cast<float>(out[c]);
        }
      }
      const uint32_t p = argmax(out);
      t.correct += p == static_cast<uint32_t>(net.labels[i]);
      t.agree += p == float_pred[i];
      ++t.images;
    }
    // RTL: the first rtl_images, layer by layer (a layer's table loaded once for all of them).
    if (s.rtl && rtl_images > 0) {
      tb::HarnessOptions ho;
      ho.name = "erabs_" + s.name;
      ho.seed = o.seed;
      golden::Rng stall(o.seed);
      tb::erabs::ErabsBench<Verabs_ctrl_ci> b(ho, log, stall, tb::StallProfile::none(), 1);
      bool fits = true;
      for (size_t l = 0; l < net.layers.size(); ++l) {
        fits = fits && shape(l).k <= b.build.max_k() && shape(l).n <= b.build.max_n();
      }
      if (!fits) {
        t.rtl_note =
            fmt::format("a layer is over the ci build ({} x {})", b.build.max_k(), b.build.max_n());
      } else {
        for (size_t l = 0; l < net.layers.size() && log.ok(); ++l) {
          if (s.isaac) {
            b.load(full[l], {});
          } else {
            b.load(layers[l], {});
          }
          for (const auto& x : xq[l]) {
            const bool done =
                s.isaac ? b.run_vector(full[l], x, s.eo, {}) : b.run_vector(layers[l], x, s.eo, {});
            if (!done) break;
            t.rtl_cycles += b.apb.read_ok(tb::erabs::kCycles);
          }
        }
        b.sb_out.finish();
        b.sb_regs.finish();
        t.rtl_images = rtl_images;
        t.rtl_compared = b.sb_out.compared() + b.sb_regs.compared();
        t.rtl_mismatches = b.sb_out.mismatches() + b.sb_regs.mismatches() +
                           (b.sb_out.pending() + b.sb_regs.pending());
      }
    }
    if (!o.quiet) {
      fmt::print("  {:<20} accuracy {:6.2f} %{}\n", s.name,
                 100.0 * static_cast<double>(t.correct) / t.images,
                 t.rtl_images ? fmt::format(", RTL {} images: {} compared, {} mismatches",
                                            t.rtl_images, t.rtl_compared, t.rtl_mismatches)
                              : t.rtl_note);
    }
  }

  // The table.
  const Tally& isaac = tallies.back();
  const Tally& prune = tallies[5];
  const double n_img = static_cast<double>(net.images.size());
  nlohmann::json rows = nlohmann::json::array();
  if (!o.quiet) {
    fmt::print(
        "\nPer test image, summed over the layers (OU = 16 x 16 cells of one slice, ISAAC_LIKE "
        "unit = 128 x 16 cells of a 2-bit slice; one read = 16 ADC conversions; 128 x 128 "
        "crossbars; RTL cycles stall-free):\n");
    fmt::print("{:<20} {:>8} {:>7} {:>9} {:>11} {:>9} {:>11} {:>8} {:>8} {:>9} {:>10}\n", "setting",
               "acc %", "d pp", "crossbars", "OUs stored", "OU reads", "ADC conv", "/ISAAC",
               "/PRUNE", "E_ADC/IS", "RTL cyc");
    fmt::print("{:<20} {:>8.2f}\n", "float", float_acc);
  }
  for (size_t si = 0; si < settings.size(); ++si) {
    const Tally& t = tallies[si];
    const double acc = 100.0 * static_cast<double>(t.correct) / t.images;
    const double conv = static_cast<double>(t.ct.adc_conversions) / n_img;
    const double vs_isaac =
        static_cast<double>(isaac.ct.adc_conversions) / std::max<double>(1, t.ct.adc_conversions);
    const double vs_prune =
        static_cast<double>(prune.ct.adc_conversions) / std::max<double>(1, t.ct.adc_conversions);
    // ADC energy under Walden's scaling (energy per conversion ~ 2^bits at a fixed figure of
    // merit; docs/bitsparse/networks.md): this setting's over ISAAC_LIKE's 8-bit conversions.
    const double e_rel = adc_energy_units(t, settings[si].isaac, geom) /
                         std::max(1.0, adc_energy_units(isaac, true, geom));
    const double rtl_cyc = t.rtl_images ? static_cast<double>(t.rtl_cycles) / t.rtl_images : 0.0;
    if (!o.quiet) {
      fmt::print(
          "{:<20} {:>8.2f} {:>+7.2f} {:>9} {:>5}/{:<5} {:>9.0f} {:>11.0f} {:>7.2f}x {:>7.2f}x "
          "{:>9.3f} {:>10}\n",
          settings[si].name, acc, acc - float_acc, t.crossbars, t.ous, t.ous_total,
          static_cast<double>(t.ct.issued) / n_img, conv, vs_isaac, vs_prune, e_rel,
          t.rtl_images ? fmt::format("{:.0f}", rtl_cyc) : "-");
    }
    rows.push_back(
        {{"setting", settings[si].name},
         {"what", settings[si].what},
         {"accuracy_pct", acc},
         {"accuracy_delta_pp", acc - float_acc},
         {"agreement_with_float_pct", 100.0 * static_cast<double>(t.agree) / t.images},
         {"crossbars", t.crossbars},
         {"ous_stored", t.ous},
         {"ous_total", t.ous_total},
         {"ou_reads_per_image", static_cast<double>(t.ct.issued) / n_img},
         {"adc_conversions_per_image", conv},
         {"skipped_static_per_image", static_cast<double>(t.ct.skipped_static) / n_img},
         {"skipped_dynamic_per_image", static_cast<double>(t.ct.skipped_dynamic) / n_img},
         {"conversions_ratio_isaac_over_this", vs_isaac},
         {"conversions_ratio_prune_over_this", vs_prune},
         {"adc_bits", settings[si].isaac ? golden::IsaacLayer{}.adc_bits : geom.adc_bits},
         {"adc_energy_over_isaac_walden", e_rel},
         {"full_column_reads", settings[si].isaac},
         {"rtl_images", t.rtl_images},
         {"rtl_cycles_per_image", rtl_cyc},
         {"rtl_compared", t.rtl_compared},
         {"rtl_mismatches", t.rtl_mismatches},
         {"rtl_note", t.rtl_note}});
  }
  bool rtl_ok = log.ok();
  for (const auto& t : tallies) rtl_ok = rtl_ok && t.rtl_mismatches == 0;
  if (!o.quiet) {
    fmt::print(
        "\nCounting rule: every (OU, phase, plane) read of the dense schedule is issued, skipped "
        "statically (empty OU) or skipped dynamically (no input bit); an issued read is 16 ADC "
        "conversions. ISAAC_LIKE reads all 128 rows of a 2-bit slice at once (2 arrays x 4 "
        "slices x ceil(K/128) x ceil(N/16) units x 2 phases x 7 planes), nothing skipped.\n"
        "E_ADC/IS: ADC energy over ISAAC_LIKE's, each conversion weighted by 2^bits (Walden's "
        "figure of merit; {}-bit OU ADC, 8-bit ISAAC_LIKE ADC): an upper bound on the saving of "
        "the narrower ADC.\n",
        geom.adc_bits);
    fmt::print("report: {}\nresult: {}\n", o.json, rtl_ok ? "PASS" : "FAIL");
  }
  nlohmann::json j = {{"network", dir},
                      {"layers", net.layers.size()},
                      {"test_images", net.images.size()},
                      {"float_accuracy_pct", float_acc},
                      {"budget", o.budget},
                      {"threshold", o.threshold},
                      {"geometry",
                       {{"xbar", geom.xbar_rows},
                        {"ou_rows", geom.ou_rows},
                        {"ou_cols", geom.ou_cols},
                        {"adc_bits", geom.adc_bits}}},
                      {"settings", rows},
                      {"passed", rtl_ok}};
  write_json(o.json, j);
  return rtl_ok ? 0 : 1;
}

int erabs_layer(const ErabsLayerOptions& o) {
  HYCIM_CHECK(std::isfinite(o.budget) && o.budget >= 0.0 && o.budget <= 1.0,
              "--budget {}: legal 0 .. 1", o.budget);
  check_writable(o.out_file, "--out");
  if (!o.json.empty()) check_writable(o.json, "--json");
  const auto w = golden::load_npy<float>(o.w_file);
  const auto x = golden::load_npy<float>(o.x_file);
  HYCIM_CHECK(w.rank() == 2 && x.rank() == 2 && x.shape()[1] == w.shape()[0] && x.shape()[0] > 0,
              "--w {} must be K x N and --x {} rows x K (got {} and {} dimensions)", o.w_file,
              o.x_file, w.rank(), x.rank());
  const auto k = static_cast<uint32_t>(w.shape()[0]), n = static_cast<uint32_t>(w.shape()[1]);
  const golden::ErabsGeometry geom = study_geometry();
  CompileOptions co{
      .max_terms = o.terms, .bit_flip = o.flip, .flip_budget = o.budget, .squeeze = o.squeeze};
  ExecOptions eo{.dynamic_skip = o.dynamic_skip, .prune_threshold = o.threshold};
  if (o.prune_like) {
    co = {.max_terms = geom.mag_bits,
          .bit_flip = false,
          .flip_budget = o.budget,
          .block_prune = true};
    eo.dynamic_skip = false;
  }
  const auto L = golden::compile_layer(w.data(), k, n, geom, co);
  const auto I = golden::compile_isaac(w.data(), k, n, geom);
  const size_t rows = x.shape()[0];
  const size_t rtl_rows = std::min<size_t>(o.rtl_rows, rows);
  std::vector<double> y(rows * n);
  golden::ExecCounters sum;
  std::vector<std::vector<int32_t>> rtl_x;
  for (size_t i = 0; i < rows; ++i) {
    const std::span<const float> row(x.data().data() + i * k, k);
    const auto q = golden::quantize_activations(row, geom.act_mag_bits);
    if (i < rtl_rows) rtl_x.push_back(q.x);
    const auto pruned = golden::act_prune(q.x, geom.ou_rows, geom.act_mag_bits, o.threshold);
    const auto yi = golden::matvec(L, pruned.x);
    add_counters(sum, golden::count_reads(L, q.x, eo));
    for (uint32_t c = 0; c < n; ++c) {
      y[i * n + c] = static_cast<double>(yi[c]) * q.scale * L.scale[c];
    }
  }
  golden::save_npy(o.out_file, golden::Tensor<double>({rows, size_t{n}}, std::move(y)));
  const uint64_t isaac_reads = I.table.size() * 2 * geom.act_mag_bits * rows;
  nlohmann::json j = {
      {"k", k},
      {"n", n},
      {"rows", rows},
      {"crossbars", L.stats.crossbars},
      {"ous_stored", L.table.size()},
      {"ous_total", L.stats.ous_total},
      {"blocks_pruned", L.stats.blocks_pruned},
      {"sqnr_db", L.stats.err > 0 ? 10.0 * std::log10(L.stats.signal / L.stats.err) : 999.0},
      {"reads", sum.issued},
      {"adc_conversions", sum.adc_conversions},
      {"skipped_static", sum.skipped_static},
      {"skipped_dynamic", sum.skipped_dynamic},
      {"dense", sum.dense},
      {"adc_bits", geom.adc_bits},
      {"isaac_adc_bits", I.adc_bits},
      {"isaac_crossbars", I.crossbars},
      {"isaac_reads", isaac_reads},
      {"isaac_adc_conversions", isaac_reads * geom.ou_cols}};
  bool ok = true;
  if (rtl_rows > 0) {
    // The golden products of the whole layer, the setting's and ISAAC_LIKE's.
    std::vector<std::vector<int64_t>> want, want_isaac;
    for (const auto& xi : rtl_x) {
      want.push_back(golden::execute_layer(L, xi, eo).y);
      want_isaac.push_back(golden::execute_isaac(I, xi).y);
    }
    tb::ErrorLog log = printing_log();
    const auto tl = [](const CompiledLayer& l, const golden::LayerTile& t) {
      return golden::tile_layer(l, t);
    };
    const auto ti = [](const golden::IsaacLayer& l, const golden::LayerTile& t) {
      return golden::tile_isaac(l, t);
    };
    const TiledRun rs = run_tiled(L, L, tl, rtl_x, want, eo, "erabs_layer", o.seed, log);
    const TiledRun ri = run_tiled(I, I.q, ti, rtl_x, want_isaac, {.dynamic_skip = false},
                                  "erabs_layer_isaac", o.seed, log);
    ok = rs.ok() && ri.ok() && log.ok();
    j["rtl"] = {{"setting", rs.json()}, {"isaac", ri.json()}, {"passed", ok}};
    if (!o.quiet || !ok) {
      for (const auto* r : {&rs, &ri}) {
        fmt::print(
            "erabs-layer RTL {}: {} rows in {} tiles, {} cycles/row (+{} table load), {} beats "
            "and counters compared, {} mismatches; summed outputs {} compared, {} mismatches\n",
            r == &rs ? (o.prune_like ? "PRUNE_LIKE" : "ERA-BS") : "ISAAC_LIKE", r->rows, r->tiles,
            r->rows ? r->cycles / r->rows : 0, r->load_cycles, r->compared, r->mismatches,
            r->outputs_compared, r->output_mismatches);
      }
    }
  }
  if (!o.json.empty()) write_json(o.json, j);
  if (!o.quiet) {
    fmt::print(
        "erabs-layer {} x {}, {} rows: {}; reads {} ({} skipped static, {} dynamic), "
        "conversions {} vs ISAAC_LIKE {}\n",
        k, n, rows, golden::describe(L.stats), sum.issued, sum.skipped_static, sum.skipped_dynamic,
        sum.adc_conversions, isaac_reads * geom.ou_cols);
  }
  return ok ? 0 : 1;
}

}  // namespace hycim::cli
