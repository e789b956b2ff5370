// hycim: HyCIM's command-line program.
//   hycim list                      scenarios and configurations
//   hycim config [NAME]             the sizes of a configuration
//   hycim run SCENARIO [options]    an RTL-vs-golden run with a readable report
//   hycim bench SCENARIO [options]  simulated cycles per second, printed and written as JSON
//   hycim throughput BLOCK          elements per cycle per mode (softmax, layernorm, sfln)
// Exit status: 0 pass, 1 a comparison or the RTL failed, 2 bad arguments or configuration.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "Vpq_encoder_bert.h"
#include "Vpq_encoder_bert___024root.h"
#include "Vpq_encoder_ci.h"
#include "Vpq_encoder_ci___024root.h"
#include "Vrequant_top_bert.h"
#include "Vrequant_top_ci.h"
#include "Vsfln_unit_bert.h"
#include "Vsfln_unit_ci.h"
#include "Vsoftmax_unit_bert.h"
#include "Vsoftmax_unit_ci.h"
#include "hycim/golden/check.h"
#include "hycim_configs.h"
#include "layernorm_scenario.h"
#include "pq_scenario.h"
#include "pq_study.h"
#include "report.h"
#include "requant_scenario.h"
#include "softmax_scenario.h"

namespace {

using hycim::tb::ErrorLog;
using hycim::tb::ScenarioOptions;
using hycim::tb::ScenarioReport;
using RunFn = std::function<ScenarioReport(const ScenarioOptions&, ErrorLog&)>;

// One scenario in one configuration: how to run it and the longest run/row its top accepts.
struct Build {
  RunFn run;
  uint32_t max_len = 0;
};
struct Scenario {
  std::string description;
  std::map<std::string, Build> by_config;
};

// `hycim run pq --analog FILE` sets the crossbar model's effects.
hycim::sim::AnalogParams g_analog;
// `hycim run pq --probe-group G`: the group whose every column's ramp is in the waveform.
int g_probe_group = 0;

template <class Dut, class Cfg>
ScenarioReport run_pq(const ScenarioOptions& o, ErrorLog& log) {
  hycim::tb::pq::PqOptions po;
  po.analog = g_analog;
  po.probe_group = g_probe_group;
  const auto r =
      hycim::tb::pq::run<Dut>(o, po, hycim::tb::pq::spec_of<Cfg>(), Cfg::kSeqLenMax, log);
  fmt::print(
      "pq: chip {}; {} tokens, {} codes; ties {}, timeouts {}; {:.1f} busy cycles per token, "
      "{:.1f} race ticks per token; codes equal to the float nearest centroid {:.2f} %; race "
      "charge with early stop / without {:.3f}; active discharge per group and race {:.1f} "
      "ticks with early stop, {:.1f} without; {} code buffer port reads checked\n",
      g_analog.describe(), r.tokens, r.codes, r.ties, r.timeouts,
      r.tokens ? static_cast<double>(r.busy_cycles) / r.tokens : 0.0,
      r.tokens ? static_cast<double>(r.race_ticks) / r.tokens : 0.0,
      r.codes ? 100.0 * r.agree_float / r.codes : 0.0,
      r.charge_none > 0 ? r.charge_early / r.charge_none : 0.0, r.group_ticks_early,
      r.group_ticks_none, r.cb_reads);
  return r.base;
}

const std::map<std::string, Scenario>& scenarios() {
  static const std::map<std::string, Scenario> s = {
      {"pq",
       {"Gaussian tokens through pq_encoder with the behavioral crossbar answering its fire "
        "lines (--analog FILE for a non-ideal chip); every code beat compared with the golden WTA "
        "on the model's ticks, and with the golden chain from the tokens for an ideal chip",
        {{"ci", {run_pq<Vpq_encoder_ci, hycim::cfg::Ci>, hycim::cfg::Ci::kSeqLenMax}},
         {"bert", {run_pq<Vpq_encoder_bert, hycim::cfg::Bert>, hycim::cfg::Bert::kSeqLenMax}}}}},
      {"requant",
       {"random INT32 streams through requant_top (multiply, rnd_shr in every mode, saturate); "
        "every output element and status counter compared with the golden model",
        {{"ci", {hycim::tb::requant::run<Vrequant_top_ci>, hycim::cfg::Ci::kRequantMaxLen}},
         {"bert",
          {hycim::tb::requant::run<Vrequant_top_bert>, hycim::cfg::Bert::kRequantMaxLen}}}}},
      {"layernorm",
       {"tokens through the shared sfln_unit in LayerNorm forward and backward, each start on "
        "freshly loaded gamma and beta; every y / dx and xhat beat compared with the golden model",
        {{"ci",
          {hycim::tb::layernorm::run<Vsfln_unit_ci, hycim::cfg::Ci::kSoftmaxLanes>,
           hycim::cfg::Ci::kLnFeatMax}},
         {"bert",
          {hycim::tb::layernorm::run<Vsfln_unit_bert, hycim::cfg::Bert::kSoftmaxLanes>,
           hycim::cfg::Bert::kLnFeatMax}}}}},
      {"softmax",
       {"rows through softmax_unit in all three modes (forward UQ0.8, forward UQ0.16 with "
        "masks, backward); every output beat compared with the golden model",
        {{"ci",
          {hycim::tb::softmax::run<Vsoftmax_unit_ci, hycim::cfg::Ci::kSoftmaxLanes>,
           hycim::cfg::Ci::kSoftmaxRowMax}},
         {"bert",
          {hycim::tb::softmax::run<Vsoftmax_unit_bert, hycim::cfg::Bert::kSoftmaxLanes>,
           hycim::cfg::Bert::kSoftmaxRowMax}}}}},
  };
  return s;
}

int cmd_list() {
  fmt::print("Scenarios (hycim run NAME):\n");
  for (const auto& [name, s] : scenarios()) {
    std::string cfgs;
    for (const auto& [c, fn] : s.by_config) cfgs += (cfgs.empty() ? "" : ", ") + c;
    fmt::print("  {:<10} {}\n  {:<10} configurations: {}\n", name, s.description, "", cfgs);
  }
  fmt::print("Configurations (rtl/config/hycim.toml; hycim config NAME):\n");
  for (auto n : hycim::cfg::kConfigNames) fmt::print("  {}\n", n);
  return 0;
}

#define HYCIM_CFG_ROW(C, K) fmt::print("  {:<18} {}\n", #K, C::k##K)
template <class C>
void print_sizes() {
  fmt::print("configuration {}\n", C::kName);
  HYCIM_CFG_ROW(C, RequantMaxLen);
  HYCIM_CFG_ROW(C, FifoDepth);
  HYCIM_CFG_ROW(C, HeadDim);
  HYCIM_CFG_ROW(C, NumSubspaces);
  HYCIM_CFG_ROW(C, NumCentroids);
  HYCIM_CFG_ROW(C, SeqLenMax);
  HYCIM_CFG_ROW(C, WtaGroups);
  HYCIM_CFG_ROW(C, WtaTickWidth);
  HYCIM_CFG_ROW(C, RelevanceLanes);
  HYCIM_CFG_ROW(C, SramBanks);
  HYCIM_CFG_ROW(C, SoftmaxLanes);
  HYCIM_CFG_ROW(C, SoftmaxRowMax);
  HYCIM_CFG_ROW(C, LnFeatMax);
  HYCIM_CFG_ROW(C, GemmClusters);
  HYCIM_CFG_ROW(C, ErabsXbarSize);
  fmt::print("  (all keys: python3 scripts/gen_config.py show {})\n", C::kName);
}
#undef HYCIM_CFG_ROW

int cmd_config(const std::string& name) {
  if (name.empty() || name == "ci") print_sizes<hycim::cfg::Ci>();
  if (name.empty() || name == "bert") print_sizes<hycim::cfg::Bert>();
  if (!name.empty() && name != "ci" && name != "bert") {
    fmt::print(stderr, "hycim config: unknown configuration '{}' (ci, bert)\n", name);
    return 2;
  }
  return 0;
}

using hycim::cli::printing_log;

// hycim throughput BLOCK: elements per cycle per mode at the maximum row length.
using ThroughputFn = std::function<hycim::tb::Throughput(uint32_t, uint32_t, ErrorLog&)>;
struct ThroughputMode {
  uint32_t mode;
  const char* name;
};
int cmd_throughput(const std::string& block, const std::string& top, const std::string& config,
                   unsigned lanes, const std::vector<ThroughputMode>& modes,
                   const ThroughputFn& measure, uint32_t rows, const std::string& json) {
  fmt::print(
      "hycim throughput {}: {} in configuration {}, {} lanes, starts of {} and {} rows of the "
      "maximum length per mode, no stalls\n"
      "  steady state = {} rows' elements / (cycles of {} rows - cycles of {} rows): the "
      "pipeline's fill and drain cancel\n",
      block, top, config, lanes, rows, 2 * rows, rows, 2 * rows, rows);
  fmt::print("  {:<18} {:>6} {:>12} {:>12} {:>14} {:>9}\n", "mode", "len", "cycles (n)",
             "cycles (2n)", "steady el/cyc", "x lanes");
  nlohmann::json j;
  j["benchmark"] = top + " steady-state throughput, " + block;
  j["config"] = config;
  j["lanes"] = lanes;
  bool ok = true;
  for (const auto& m : modes) {
    ErrorLog log = printing_log();
    const auto a = measure(m.mode, rows, log);
    const auto b = measure(m.mode, 2 * rows, log);
    ok = ok && a.passed && b.passed;
    const double steady =
        static_cast<double>(a.len) * rows / std::max<int64_t>(int64_t{b.cycles} - a.cycles, 1);
    fmt::print("  {:<18} {:>6} {:>12} {:>12} {:>14.3f} {:>9.3f}  {}\n", m.name, a.len, a.cycles,
               b.cycles, steady, steady / lanes,
               a.passed && b.passed ? "outputs match golden" : "MISMATCH");
    j["modes"].push_back({{"mode", m.name},
                          {"len", a.len},
                          {"rows", {rows, 2 * rows}},
                          {"cycles", {a.cycles, b.cycles}},
                          {"steady_elements_per_cycle", steady},
                          {"fraction_of_lanes", steady / lanes},
                          {"outputs_match_golden", a.passed && b.passed}});
  }
  hycim::cli::write_json(json, j);
  fmt::print("written to {}\n", json);
  return ok ? 0 : 1;
}

const Build& find_build(const std::string& scenario, const std::string& config) {
  const auto it = scenarios().find(scenario);
  if (it == scenarios().end()) {
    throw hycim::Error(fmt::format("unknown scenario '{}' (hycim list shows them)", scenario));
  }
  const auto jt = it->second.by_config.find(config);
  if (jt == it->second.by_config.end()) {
    throw hycim::Error(
        fmt::format("scenario '{}' is not built for configuration '{}'", scenario, config));
  }
  return jt->second;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "HyCIM: RTL reference design of a hybrid compute-in-memory transformer "
      "accelerator. Runs RTL-vs-golden scenarios and benchmarks."};
  app.require_subcommand(1);

  app.add_subcommand("list", "List scenarios and configurations");

  auto* config = app.add_subcommand("config", "Print the sizes of a configuration");
  std::string config_name;
  config->add_option("name", config_name, "ci or bert (default: both)");

  ScenarioOptions o;
  std::string scenario, stall = "random", json_path, trace_file = "-";
  bool quiet = false;
  uint64_t trace_start = 0, trace_stop = UINT64_MAX;

  auto* run = app.add_subcommand("run", "Run a scenario: RTL against the golden model");
  run->add_option("scenario", scenario, "Scenario name (hycim list)")->required();
  run->add_option("-c,--config", o.config, "Configuration")->capture_default_str();
  run->add_option("-s,--seed", o.seed, "Seed of stimulus and stalls")->capture_default_str();
  run->add_option("-r,--runs", o.runs, "Starts, each with a random configuration")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
  run->add_option("-n,--len", o.len, "Elements per start (0: random)")->capture_default_str();
  run->add_option("--stall", stall, "Back-pressure: none, random, heavy")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "random", "heavy"}));
  run->add_option("--trace", trace_file, "Write a waveform (FST, or VCD by extension)")
      ->expected(0, 1);
  std::string analog_file;
  run->add_option("--analog", analog_file,
                  "pq only: the crossbar model's parameters (key = value file, sim/README.md)");
  run->add_option("--probe-group", g_probe_group,
                  "pq only: the group whose every column's sense-node ramp is in the waveform")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  run->add_option("--trace-start", trace_start, "First cycle in the waveform");
  run->add_option("--trace-stop", trace_stop, "Last cycle in the waveform");
  run->add_option("--json", json_path, "Also write the report as JSON to this file");
  run->add_flag("-q,--quiet", quiet, "No per-run progress lines");

  auto* bench = app.add_subcommand("bench", "Simulated cycles per second of a scenario");
  std::string bench_scenario = "requant", bench_json = "reports/bench_sim.json",
              bench_config = "ci";
  uint32_t bench_runs = 4000, bench_repeat = 5;
  bench->add_option("scenario", bench_scenario, "Scenario name")->capture_default_str();
  bench->add_option("-c,--config", bench_config, "Configuration")->capture_default_str();
  bench->add_option("-r,--runs", bench_runs, "Starts at the maximum length")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000u));
  bench->add_option("--repeat", bench_repeat, "Measurements; the median is reported")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100u));
  bench->add_option("--json", bench_json, "JSON output file")->capture_default_str();

  auto* thr = app.add_subcommand(
      "throughput", "Elements per cycle per mode: softmax_unit, or the shared sfln_unit");
  std::string thr_config = "bert", thr_json, thr_block;
  uint32_t thr_rows = 8;
  thr->add_option("block", thr_block,
                  "softmax (softmax_unit), layernorm (sfln_unit, LayerNorm modes) or sfln "
                  "(sfln_unit, all modes)")
      ->required()
      ->check(CLI::IsMember({"softmax", "layernorm", "sfln"}));
  thr->add_option("-c,--config", thr_config, "Configuration")
      ->capture_default_str()
      ->check(CLI::IsMember({"ci", "bert"}));
  thr->add_option("--rows", thr_rows, "n: starts of n and 2n rows of the maximum length")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  thr->add_option("--json", thr_json, "JSON output file (default reports/throughput_BLOCK.json)");

  auto* study = app.add_subcommand(
      "pq-study", "PQ code agreement vs analog non-idealities and WTA clock resolution (RTL)");
  hycim::cli::PqStudyOptions so;
  study
      ->add_option("--tokens", so.tokens,
                   "Token encodings per point (rounded down to whole "
                   "sequences of SeqLenMax)")
      ->capture_default_str()
      ->check(CLI::Range(64u, 1u << 20));
  study->add_option("--chips", so.chips, "Chip seeds per point for the random effects")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  study->add_option("--json", so.json, "JSON output")->capture_default_str();
  study->add_option("--table", so.table, "Markdown table output")->capture_default_str();
  study->add_option("--png", so.png, "Plot output")->capture_default_str();
  study->add_option("--chip", so.chip_files,
                    "Also measure a whole chip: an analog parameter file with every effect at once "
                    "(repeatable; its seeds are replaced by 1..chips)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  try {
    if (app.got_subcommand("list")) return cmd_list();
    if (app.got_subcommand("config")) return cmd_config(config_name);

    if (app.got_subcommand("throughput")) {
      namespace tb = hycim::tb;
      using hycim::cfg::Bert;
      using hycim::cfg::Ci;
      const bool ci = thr_config == "ci";
      if (thr_json.empty()) thr_json = fmt::format("reports/throughput_{}.json", thr_block);
      if (thr_block == "softmax") {
        const std::vector<ThroughputMode> modes = {
            {0, "forward UQ0.8"}, {1, "forward UQ0.16"}, {2, "backward"}};
        return ci ? cmd_throughput(thr_block, "softmax_unit", thr_config, Ci::kSoftmaxLanes, modes,
                                   tb::softmax::throughput<Vsoftmax_unit_ci, Ci::kSoftmaxLanes>,
                                   thr_rows, thr_json)
                  : cmd_throughput(thr_block, "softmax_unit", thr_config, Bert::kSoftmaxLanes,
                                   modes,
                                   tb::softmax::throughput<Vsoftmax_unit_bert, Bert::kSoftmaxLanes>,
                                   thr_rows, thr_json);
      }
      // layernorm and sfln run on the shared unit; sfln measures all five modes.
      std::vector<ThroughputMode> modes = {{3, "layernorm forward"}, {4, "layernorm backward"}};
      if (thr_block == "sfln") {
        modes.insert(modes.begin(),
                     {{0, "softmax fwd UQ0.8"}, {1, "softmax fwd UQ0.16"}, {2, "softmax bwd"}});
      }
      auto pick = [](auto sm, auto ln) -> ThroughputFn {
        return [sm, ln](uint32_t mode, uint32_t rows, ErrorLog& log) {
          return mode <= 2 ? sm(mode, rows, log) : ln(mode, rows, log);
        };
      };
      return ci ? cmd_throughput(thr_block, "sfln_unit", thr_config, Ci::kSoftmaxLanes, modes,
                                 pick(tb::softmax::throughput<Vsfln_unit_ci, Ci::kSoftmaxLanes>,
                                      tb::layernorm::throughput<Vsfln_unit_ci, Ci::kSoftmaxLanes>),
                                 thr_rows, thr_json)
                : cmd_throughput(
                      thr_block, "sfln_unit", thr_config, Bert::kSoftmaxLanes, modes,
                      pick(tb::softmax::throughput<Vsfln_unit_bert, Bert::kSoftmaxLanes>,
                           tb::layernorm::throughput<Vsfln_unit_bert, Bert::kSoftmaxLanes>),
                      thr_rows, thr_json);
    }

    if (app.got_subcommand("pq-study")) return hycim::cli::pq_study(so);

    if (app.got_subcommand("run")) {
      if (run->count("--probe-group") && scenario != "pq") {
        throw hycim::Error("--probe-group applies to the pq scenario only");
      }
      if (!analog_file.empty()) {
        if (scenario != "pq") throw hycim::Error("--analog applies to the pq scenario only");
        g_analog = hycim::sim::AnalogParams::from_file(analog_file);
      }
      const Build& build = find_build(scenario, o.config);
      const uint32_t limit = build.max_len;
      if (o.len > limit) {
        throw hycim::Error(fmt::format("--len {} exceeds the build maximum {} of configuration {}",
                                       o.len, limit, o.config));
      }
      o.stall = hycim::tb::StallProfile::parse(stall);
      o.name = fmt::format("{}_{}_seed{}", scenario, o.config, o.seed);
      o.progress = !quiet;
      if (run->count("--trace")) {
        o.trace.enabled = true;
        o.trace.file = (trace_file.empty() || trace_file == "-")
                           ? fmt::format("waves/{}.fst", o.name)
                           : trace_file;
        o.trace.start_cycle = trace_start;
        o.trace.stop_cycle = trace_stop;
        if (trace_stop < trace_start) throw hycim::Error("--trace-stop is before --trace-start");
      } else if (run->count("--trace-start") || run->count("--trace-stop")) {
        throw hycim::Error("--trace-start and --trace-stop need --trace");
      }
      const std::string reproduce = fmt::format(
          "hycim run {} --config {} --seed {} --runs {} --len {} --stall {}{}", scenario, o.config,
          o.seed, o.runs, o.len, stall, analog_file.empty() ? "" : " --analog " + analog_file);
      fmt::print("hycim run {}: configuration {}, seed {}, {} runs, stall {}\n", scenario, o.config,
                 o.seed, o.runs, stall);
      ErrorLog log = printing_log();
      const ScenarioReport rep = build.run(o, log);
      hycim::cli::print_report(rep, reproduce);
      if (!json_path.empty()) {
        hycim::cli::write_json(json_path, hycim::cli::to_json(rep, reproduce));
        fmt::print("report written to {}\n", json_path);
      }
      return rep.passed ? 0 : 1;
    }

    if (app.got_subcommand("bench")) {
      const Build& build = find_build(bench_scenario, bench_config);
      ScenarioOptions bo;
      bo.config = bench_config;
      bo.seed = 1;
      bo.stall = hycim::tb::StallProfile::none();
      bo.runs = bench_runs;
      bo.len = std::min<uint32_t>(build.max_len, 4096);
      bo.name = "bench_" + bench_scenario;
      fmt::print(
          "hycim bench {}: configuration {}, {} runs of {} elements, no stalls, {} repeats\n",
          bench_scenario, bench_config, bo.runs, bo.len, bench_repeat);
      std::vector<double> cps;
      ScenarioReport rep;
      for (uint32_t k = 0; k < bench_repeat; ++k) {
        ErrorLog log = printing_log();
        rep = build.run(bo, log);
        if (!rep.passed) {
          fmt::print(stderr, "hycim bench: the scenario failed; no figure reported\n");
          return 1;
        }
        cps.push_back(static_cast<double>(rep.cycles) / rep.wall_seconds);
        fmt::print("  repeat {}/{}: {} cycles in {:.3f} s = {:.0f} cycles/s\n", k + 1, bench_repeat,
                   rep.cycles, rep.wall_seconds, cps.back());
      }
      std::vector<double> sorted = cps;
      std::sort(sorted.begin(), sorted.end());
      const double median = sorted[sorted.size() / 2];
      fmt::print(
          "  simulated cycles/s median {:.0f} (min {:.0f}, max {:.0f}); the wall time includes "
          "the golden model, the stream drivers and the scoreboards\n",
          median, sorted.front(), sorted.back());
      nlohmann::json j = hycim::cli::to_json(rep, "hycim bench " + bench_scenario);
      j["benchmark"] = "simulated cycles per second";
      j["repeats"] = cps;
      j["cycles_per_second_median"] = median;
      j["cycles_per_second_min"] = sorted.front();
      j["cycles_per_second_max"] = sorted.back();
      hycim::cli::write_json(bench_json, j);
      fmt::print("written to {}\n", bench_json);
      return 0;
    }
  } catch (const hycim::Error& e) {
    fmt::print(stderr, "hycim: error: {}\n", e.what());
    return 2;
  }
  return 0;
}
