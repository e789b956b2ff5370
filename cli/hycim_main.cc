// hycim: HyCIM's command-line program.
//   hycim list                      scenarios and configurations
//   hycim config [NAME]             the sizes of a configuration
//   hycim run SCENARIO [options]    an RTL-vs-golden run with a readable report
//   hycim bench SCENARIO [options]  simulated cycles per second, printed and written as JSON
//   hycim throughput BLOCK          elements per cycle per mode (hycim throughput --help)
//   hycim pq-study                  PQ code agreement vs analog non-idealities
//   hycim attention                 one real attention head through attn_top, sparse vs dense
//   hycim attention-golden          a layer of heads on the golden sparse head (accuracy study)
//   hycim attention-model           the attn_top cycle model swept over encoders, density, softmax
//   hycim erabs                     a real network through ERA-BS, each technique off in turn
//   hycim erabs-layer               one linear layer in ERA-BS arithmetic for a host script
// Scenarios and throughput blocks come from tb/scenarios/registry.h: nothing here names one.
// Exit status: 0 pass, 1 a comparison or the RTL failed, 2 bad arguments or configuration.
#include <fmt/format.h>

#include <unistd.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "attention.h"
#include "attention_golden.h"
#include "attention_model.h"
#include "cli_numbers.h"
#include "erabs.h"
#include "golden/core/check.h"
#include "hycim_configs.h"
#include "pq_study.h"
#include "registry.h"
#include "report.h"

namespace {

using hycim::tb::ErrorLog;
using hycim::tb::Scenario;
using hycim::tb::ScenarioOptions;
using hycim::tb::ScenarioReport;
using hycim::tb::ThroughputBlock;
using Scenarios = std::vector<std::unique_ptr<Scenario>>;

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

int cmd_list(const Scenarios& scenarios) {
  fmt::print("Scenarios (hycim run NAME):\n");
  for (const auto& s : scenarios) {
    std::vector<std::string> cfgs;
    for (const auto& [c, b] : s->builds()) cfgs.push_back(c);
    fmt::print("  {:<10} {}\n  {:<10} configurations: {}\n", s->name(), s->description(), "",
               join(cfgs, ", "));
  }
  fmt::print("Configurations (rtl/config/hycim.toml; hycim config NAME):\n");
  for (auto n : hycim::cfg::kConfigNames) fmt::print("  {}\n", n);
  return 0;
}

// Every size of the configuration, as the generated header lists them.
template <class C>
void print_sizes() {
  fmt::print("configuration {}\n", C::kName);
  for (const auto& [key, value] : C::kSizes) fmt::print("  {:<18} {}\n", key, value);
  fmt::print("  (the same table: python3 scripts/gen_config.py show {})\n", C::kName);
}

int cmd_config(const std::string& name) {
  bool known = name.empty();
  hycim::cfg::for_each_config([&](auto c) {
    using C = decltype(c);
    if (!name.empty() && name != C::kName) return;
    known = true;
    print_sizes<C>();
  });
  if (!known) {
    std::vector<std::string> names(hycim::cfg::kConfigNames.begin(),
                                   hycim::cfg::kConfigNames.end());
    fmt::print(stderr, "hycim config: unknown configuration '{}' ({})\n", name, join(names, ", "));
    return 2;
  }
  return 0;
}

using hycim::cli::printing_log;

// hycim throughput BLOCK: elements per cycle per mode at the maximum row length.
int cmd_throughput(const ThroughputBlock& block, const std::string& config, uint32_t rows,
                   const std::string& json) {
  const auto it = block.builds.find(config);
  if (it == block.builds.end()) {
    throw hycim::Error(
        fmt::format("block '{}' is not built for configuration '{}'", block.name, config));
  }
  const unsigned lanes = it->second.lanes;
  const auto& measure = it->second.measure;
  fmt::print(
      "hycim throughput {}: {} in configuration {}, {} lanes, starts of {} and {} rows of the "
      "maximum length per mode, no stalls\n"
      "  steady state = {} rows' elements / (cycles of {} rows - cycles of {} rows): the "
      "pipeline's fill and drain cancel\n",
      block.name, block.top, config, lanes, rows, 2 * rows, rows, 2 * rows, rows);
  fmt::print("  {:<18} {:>6} {:>12} {:>12} {:>14} {:>9}\n", "mode", "len", "cycles (n)",
             "cycles (2n)", "steady el/cyc", "x lanes");
  nlohmann::json j;
  j["benchmark"] = block.top + " steady-state throughput, " + block.name;
  j["config"] = config;
  j["lanes"] = lanes;
  bool ok = true;
  for (const auto& m : block.modes) {
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

// The options a scenario added to its group (not the help flag every group inherits).
std::vector<const CLI::Option*> own(const CLI::App* group) {
  return group->get_options([group](const CLI::Option* o) { return o != group->get_help_ptr(); });
}

Scenario& find_scenario(const Scenarios& scenarios, const std::string& name) {
  for (const auto& s : scenarios) {
    if (s->name() == name) return *s;
  }
  throw hycim::Error(fmt::format("unknown scenario '{}' (hycim list shows them)", name));
}

}  // namespace

// `hycim regress ARGS`: the regression runner is scripts/regress.py (Python: process pools,
// Slurm, report formats); hycim hands it the arguments and this build directory, without a shell.
[[noreturn]] int cmd_regress(int argc, char** argv) {
  std::vector<std::string> args = {"/usr/bin/python3", HYCIM_SOURCE_DIR "/scripts/regress.py"};
  bool has_build = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    has_build |= a == "--build" || a.rfind("--build=", 0) == 0;
    args.push_back(a);
  }
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!has_build && !ec) {
    args.push_back("--build");
    args.push_back(self.parent_path().string());
  }
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  execv(cargs[0], cargs.data());
  fmt::print(stderr, "hycim regress: cannot run {}: {}\n", args[0], std::strerror(errno));
  std::exit(2);
}

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "regress") cmd_regress(argc, argv);
  CLI::App app{
      "HyCIM: RTL reference design of a hybrid compute-in-memory transformer "
      "accelerator. Runs RTL-vs-golden scenarios and benchmarks."};
  app.require_subcommand(1);
  const Scenarios scenarios = hycim::tb::make_scenarios();
  const std::vector<ThroughputBlock> blocks = hycim::tb::throughput_blocks();
  const std::vector<std::string> config_names(hycim::cfg::kConfigNames.begin(),
                                              hycim::cfg::kConfigNames.end());

  app.add_subcommand("list", "List scenarios and configurations");
  // Listed for --help; main() hands `hycim regress ...` to scripts/regress.py before parsing.
  app.add_subcommand("regress",
                     "Regression runner: tiers of tests x configurations x seeds, triage, "
                     "coverage, Slurm (scripts/regress.py; hycim regress --help)")
      ->allow_extras();

  auto* config = app.add_subcommand("config", "Print the sizes of a configuration");
  std::string config_name;
  config->add_option("name", config_name,
                     fmt::format("{} (default: all)", join(config_names, " or ")));

  ScenarioOptions o;
  std::string scenario, stall = "random", json_path, trace_file = "-";
  bool quiet = false;
  uint64_t trace_start = 0, trace_stop = UINT64_MAX;

  auto* run = app.add_subcommand("run", "Run a scenario: RTL against the golden model");
  run->add_option("scenario", scenario, "Scenario name (hycim list)")->required();
  run->add_option("-c,--config", o.config, "Configuration")->capture_default_str();
  run->add_option("-s,--seed", o.seed, "Seed of stimulus and stalls")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number());
  run->add_option("-r,--runs", o.runs, "Starts, each with a random configuration")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT32_MAX))
      ->check(CLI::Range(1u, 1000000u));
  run->add_option("-n,--len", o.len, "Elements per start (0: random)")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT32_MAX));
  run->add_option("--stall", stall, "Back-pressure: none, random, heavy")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "random", "heavy"}));
  run->add_option("--trace", trace_file, "Write a waveform (FST, or VCD by extension)")
      ->expected(0, 1);
  run->add_option("--trace-start", trace_start, "First cycle in the waveform")
      ->transform(hycim::tb::unsigned_number());
  run->add_option("--trace-stop", trace_stop, "Last cycle in the waveform")
      ->transform(hycim::tb::unsigned_number());
  run->add_option("--json", json_path, "Also write the report as JSON to this file");
  run->add_flag("-q,--quiet", quiet, "No per-run progress lines");
  // Each scenario's own options, in a group of its own.
  std::vector<std::pair<Scenario*, CLI::Option_group*>> own_options;
  for (const auto& s : scenarios) {
    auto* group = run->add_option_group(s->name() + " scenario");
    s->add_options(*group);
    if (own(group).empty()) {
      run->remove_subcommand(group);
    } else {
      own_options.emplace_back(s.get(), group);
    }
  }

  auto* bench = app.add_subcommand("bench", "Simulated cycles per second of a scenario");
  std::string bench_scenario = "requant", bench_json = "reports/bench_sim.json",
              bench_config = "ci";
  uint32_t bench_runs = 4000, bench_repeat = 5;
  bench->add_option("scenario", bench_scenario, "Scenario name")->capture_default_str();
  bench->add_option("-c,--config", bench_config, "Configuration")->capture_default_str();
  bench->add_option("-r,--runs", bench_runs, "Starts at the maximum length")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT32_MAX))
      ->check(CLI::Range(1u, 100000u));
  bench->add_option("--repeat", bench_repeat, "Measurements; the median is reported")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT32_MAX))
      ->check(CLI::Range(1u, 100u));
  bench->add_option("--json", bench_json, "JSON output file")->capture_default_str();

  std::vector<std::string> block_names, block_help;
  for (const auto& b : blocks) {
    block_names.push_back(b.name);
    block_help.push_back(fmt::format("{} ({})", b.name, b.summary));
  }
  auto* thr = app.add_subcommand("throughput", "Elements per cycle per mode of a streaming block");
  std::string thr_config = "bert", thr_json, thr_block;
  uint32_t thr_rows = 8;
  thr->add_option("block", thr_block, join(block_help, ", "))
      ->required()
      ->check(CLI::IsMember(block_names));
  thr->add_option("-c,--config", thr_config, "Configuration")
      ->capture_default_str()
      ->check(CLI::IsMember(config_names));
  thr->add_option("--rows", thr_rows, "n: starts of n and 2n rows of the maximum length")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT32_MAX))
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
      ->transform(hycim::tb::unsigned_number(UINT32_MAX))
      ->check(CLI::Range(64u, 1u << 20));
  study->add_option("--chips", so.chips, "Chip seeds per point for the random effects")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT32_MAX))
      ->check(CLI::Range(1u, 64u));
  study->add_option("--json", so.json, "JSON output")->capture_default_str();
  study->add_option("--table", so.table, "Markdown table output")->capture_default_str();
  study->add_option(
      "--chip", so.chip_files,
      "Also measure a whole chip: an analog parameter file (TOML) with every effect at "
      "once (repeatable; its seeds are replaced by 1..chips)");
  study->add_option("--data", so.data_dir,
                    "Real tokens: a directory of INT8 Q/K, tests/attention/data/minilm or a full "
                    "export of scripts/minilm_export.py (codebooks on its calibration rows, "
                    "--tokens / 2 evaluation tokens per crossbar and head at most)");
  study->add_option("--mapping", so.mapping,
                    "Crossbar mapping of every chip, chip files too: offset, differential, "
                    "offset_cal or differential_cal (sim/README.md); default: the model's "
                    "default, and a chip file's own");
  study->add_option("--effect", so.effects,
                    "Sweep only this effect (repeatable; default all): prog_sigma read_sigma "
                    "comp_offset_sigma comp_jitter stuck_rate drift_t ir_drop g_off ticks_full "
                    "cal_sigma (the calibrated mappings)");
  study
      ->add_option("--layer", so.layers,
                   "With --data: a layer slot of its arrays (repeatable; default all)")
      ->transform(hycim::tb::unsigned_number(UINT32_MAX));
  study
      ->add_option("--head", so.heads,
                   "With --data: a head slot of its arrays (repeatable; default all)")
      ->transform(hycim::tb::unsigned_number(UINT32_MAX));

  auto* att = app.add_subcommand(
      "attention",
      "One attention head of real data (the MiniLM fixture or .npy Q/K/V) or a random head "
      "through attn_top, "
      "sparse and dense: density, cycles per stage, speedup, MAC utilization, error vs dense "
      "float");
  hycim::cli::AttentionOptions ao;
  att->add_option("-c,--config", ao.config, "Configuration attn_top is built in")
      ->capture_default_str()
      ->check(CLI::IsMember({"ci", "bert", "minilm"}));
  att->add_option("--fixture", ao.fixture,
                  "The MiniLM fixture directory (tests/attention/data/minilm)");
  att->add_option("--sequence", ao.sequence, "Fixture sequence (eval0, eval1)")
      ->capture_default_str();
  att->add_option("--layer", ao.layer, "Fixture layer slot")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT32_MAX));
  att->add_option("--head", ao.head, "Fixture head slot")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT32_MAX));
  att->add_option("--q", ao.q_file, "Q as .npy (tokens x dim, float32, or int8 with --scales)");
  att->add_option("--k", ao.k_file, "K as .npy");
  att->add_option("--v", ao.v_file, "V as .npy");
  att->add_option("--scales", ao.scales, "sq,sk,sv: the scales of int8 --q/--k/--v files");
  att->add_option("--random", ao.random,
                  "Instead of data: a random head of S tokens (queries near the keys, from --seed)")
      ->transform(hycim::tb::unsigned_number(UINT32_MAX))
      ->check(CLI::Range(1u, UINT32_MAX));
  att->add_option("--seq-len", ao.seq_len, "Use the first N tokens (default: all)")
      ->transform(hycim::tb::unsigned_number(UINT32_MAX));
  att->add_option("--density", ao.density, "Kept share of the keys, k = ceil(density * S)")
      ->capture_default_str()
      ->check(CLI::Range(1e-6, 1.0));
  att->add_flag("--causal", ao.causal, "Causal mask (GPT-2 style)");
  att->add_flag("--match", ao.match, "Relevance by code matches instead of the tables");
  att->add_flag("--force-first", ao.force_first, "Always keep key 0");
  att->add_flag("--force-diag", ao.force_diag, "Always keep key i in row i");
  att->add_flag("!--no-dense", ao.dense, "Skip the dense baseline run");
  att->add_option("--chip", ao.chip, "Analog chip parameter file (TOML); default: ideal");
  att->add_option("--seed", ao.seed, "Chip and codebook seed")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT64_MAX));
  att->add_option("--json", ao.json, "JSON report")->capture_default_str();
  att->add_option("--trace", ao.trace, "Waveform of the sparse run (.fst or .vcd)");
  att->add_flag("-q,--quiet", ao.quiet, "Print nothing but errors");

  auto* ag = app.add_subcommand(
      "attention-golden",
      "Every head of every sequence of one layer (.npy files from a host script) on the golden "
      "sparse head, bit-exact with attn_top: outputs as float64 .npy and per-head stats as JSON");
  hycim::cli::AttentionGoldenOptions go;
  ag->add_option("--in", go.in_dir, "Layer input directory (cli/attention_golden.h)")->required();
  ag->add_option("--out", go.out_dir, "Output directory (out_f64.npy, stats.json)")->required();
  ag->add_option("--density", go.density, "Kept share of the keys, k = ceil(density * S)")
      ->capture_default_str()
      ->check(CLI::Range(1e-6, 1.0));
  ag->add_flag("--match", go.match, "Relevance by code matches instead of the tables");
  ag->add_flag("--dense", go.dense, "The head's dense mode (every key, no relevance)");
  ag->add_option("--chip", go.chip, "Analog chip parameter file (TOML); default: ideal crossbar");
  ag->add_option("--seed", go.seed, "Codebook and chip seed")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT64_MAX));
  ag->add_option("--layer", go.layer, "Layer index (mixed into the chip seed)")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT32_MAX));
  ag->add_flag("-q,--quiet", go.quiet, "Print nothing but errors");

  auto* am = app.add_subcommand(
      "attention-model",
      "The attn_top cycle model (no RTL) swept over encoder instances, kept density and softmax "
      "lanes: predicted sparse and dense head cycles, row phase, bounding stage, speedup");
  hycim::cli::AttentionModelOptions mo;
  am->add_option("--seq-len", mo.seq_len, "Tokens of the head (bert sizes: up to 512)")
      ->capture_default_str();
  am->add_option("--banks", mo.banks, "SRAM-CIM banks")->capture_default_str();
  am->add_option("--rel-lanes", mo.rel_lanes, "Relevance lanes")->capture_default_str();
  am->add_option("--queue-depth", mo.queue_depth, "SRAM-CIM bank queue depth")
      ->capture_default_str();
  am->add_option("--encoders", mo.encoders, "Encoder instances to sweep")->capture_default_str();
  am->add_option("--densities", mo.densities, "Kept densities to sweep")->capture_default_str();
  am->add_option("--sm-factors", mo.sm_factors, "Softmax lanes as multiples of the banks")
      ->capture_default_str();
  am->add_option("--race", mo.race,
                 "Every race this many ticks (0: per token, a random head on the ideal crossbar)")
      ->capture_default_str();
  am->add_flag("--causal", mo.causal, "A causal head");
  am->add_option("--seed", mo.seed, "Seed of the random head")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT64_MAX));
  am->add_option("--json", mo.json, "JSON report path")->capture_default_str();
  am->add_flag("-q,--quiet", mo.quiet, "Print nothing but errors");

  auto* er = app.add_subcommand(
      "erabs",
      "A real network (the digits MLP, or a directory of .npy layers) through the ERA-BS path: "
      "accuracy vs float, crossbars, OU reads and ADC conversions per image for ERA-BS, each "
      "technique switched off in turn, PRUNE_LIKE and ISAAC_LIKE; the first images through "
      "erabs_ctrl, compared with the golden model");
  hycim::cli::ErabsOptions eo;
  er->add_option("--network", eo.network,
                 "Network directory (scripts/digits_train.py); default: the checked-in "
                 "tests/bitsparse/data/digits");
  er->add_option("--rtl", eo.rtl_images, "Test images also run through erabs_ctrl")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT32_MAX));
  er->add_option("--budget", eo.budget,
                 "Bit-flip (and block-pruning) budget: added squared error / signal")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  er->add_option("--threshold", eo.threshold, "act_prune threshold, 0..128")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(128));
  er->add_option("--seed", eo.seed, "Back-pressure seed of the RTL runs")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT64_MAX));
  er->add_option("--json", eo.json, "JSON report path")->capture_default_str();
  er->add_flag("-q,--quiet", eo.quiet, "Print nothing but errors");

  auto* el = app.add_subcommand(
      "erabs-layer",
      "One linear layer in ERA-BS arithmetic for a host script: W (K x N) compiled once, every "
      "row of X quantized and multiplied exactly, Y (rows x N float64, no bias) and the OU "
      "schedule's counters (JSON)");
  hycim::cli::ErabsLayerOptions lo;
  el->add_option("--w", lo.w_file, "Weights, K x N float32 .npy (y = W^T x)")->required();
  el->add_option("--x", lo.x_file, "Inputs, rows x K float32 .npy")->required();
  el->add_option("--out", lo.out_file, "Outputs, rows x N float64 .npy")->required();
  el->add_option("--json", lo.json, "Counters and compiler statistics (JSON)");
  el->add_option("--terms", lo.terms, "T, powers of two per magnitude (7: uniform)")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(7))
      ->check(CLI::Range(1u, 7u));
  el->add_option("--budget", lo.budget, "Bit-flip budget")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  el->add_flag("!--no-flip", lo.flip, "No bit flip");
  el->add_flag("!--no-squeeze", lo.squeeze, "No squeeze-out");
  el->add_flag("!--no-skip", lo.dynamic_skip, "No dynamic (activation) skipping");
  el->add_flag("--prune-like", lo.prune_like, "The PRUNE_LIKE baseline instead");
  el->add_option("--threshold", lo.threshold, "act_prune threshold, 0..128")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(128));
  el->add_option("--rtl", lo.rtl_rows,
                 "Rows of X also run through erabs_ctrl, tile by tile (this setting and "
                 "ISAAC_LIKE), compared with golden")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT32_MAX));
  el->add_option("--seed", lo.seed, "Seed of the RTL runs' harness")
      ->capture_default_str()
      ->transform(hycim::tb::unsigned_number(UINT64_MAX));
  el->add_flag("-q,--quiet", lo.quiet, "Print nothing but errors");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  try {
    if (app.got_subcommand("list")) return cmd_list(scenarios);
    if (app.got_subcommand("config")) return cmd_config(config_name);
    if (app.got_subcommand("attention-golden")) return hycim::cli::attention_golden(go);
    if (app.got_subcommand("attention-model")) return hycim::cli::attention_model(mo);

    if (app.got_subcommand("throughput")) {
      if (thr_json.empty()) thr_json = fmt::format("reports/throughput_{}.json", thr_block);
      hycim::cli::check_writable(thr_json, "throughput --json");
      for (const auto& b : blocks) {
        if (b.name == thr_block) return cmd_throughput(b, thr_config, thr_rows, thr_json);
      }
    }

    if (app.got_subcommand("pq-study")) return hycim::cli::pq_study(so);
    if (app.got_subcommand("attention")) return hycim::cli::attention(ao);
    if (app.got_subcommand("erabs")) return hycim::cli::erabs(eo);
    if (app.got_subcommand("erabs-layer")) return hycim::cli::erabs_layer(lo);

    if (app.got_subcommand("run")) {
      for (const auto& [s, group] : own_options) {
        if (s->name() == scenario) continue;
        for (const auto* opt : own(group)) {
          if (opt->count() > 0) {
            throw hycim::Error(
                fmt::format("{} applies to the {} scenario only", opt->get_name(), s->name()));
          }
        }
      }
      Scenario& sc = find_scenario(scenarios, scenario);
      sc.prepare();
      const Scenario::Build& build = sc.build(o.config);
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
      // Every output is checked before the run, not found unwritable after it.
      if (o.trace.enabled) hycim::cli::check_writable(o.trace.file, "--trace");
      if (!json_path.empty()) hycim::cli::check_writable(json_path, "--json");
      const std::string reproduce =
          fmt::format("hycim run {} --config {} --seed {} --runs {} --len {} --stall {}{}",
                      scenario, o.config, o.seed, o.runs, o.len, stall, sc.reproduce_args());
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
      const Scenario::Build& build = find_scenario(scenarios, bench_scenario).build(bench_config);
      ScenarioOptions bo;
      bo.config = bench_config;
      bo.seed = 1;
      bo.stall = hycim::tb::StallProfile::none();
      bo.runs = bench_runs;
      bo.len = std::min<uint32_t>(build.max_len, 4096);
      bo.name = "bench_" + bench_scenario;
      hycim::cli::check_writable(bench_json, "bench --json");
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
    std::fflush(stdout);  // the report so far first, then the error, also when both are piped
    fmt::print(stderr, "hycim: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // A library's own exception (std::filesystem, allocation) still ends in a message and a
    // non-zero exit, never in an abort.
    std::fflush(stdout);
    fmt::print(stderr, "hycim: error: {}\n", e.what());
    return 2;
  }
  return 0;
}
