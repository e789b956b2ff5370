// `hycim run pq` / `hycim bench pq`: pq_encoder with the behavioral crossbar in every
// configuration, and the scenario's own options (--analog, --probe-group).
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "Vpq_encoder_bert.h"
#include "Vpq_encoder_bert___024root.h"
#include "Vpq_encoder_ci.h"
#include "Vpq_encoder_ci___024root.h"
#include "cli_numbers.h"
#include "hycim_configs.h"
#include "pq_scenario.h"
#include "registry.h"

namespace hycim::tb::pq {
namespace {

class PqScenario final : public Scenario {
 public:
  PqScenario()
      : Scenario("pq",
                 "Gaussian tokens through pq_encoder with the behavioral crossbar answering its "
                 "fire lines (--analog FILE for a non-ideal chip); every code beat compared with "
                 "the golden WTA on the model's ticks, and with the golden chain from the tokens "
                 "for an ideal chip") {
    add_build(
        "ci", [this](const auto& o, auto& log) { return run_one<Vpq_encoder_ci, cfg::Ci>(o, log); },
        cfg::Ci::kSeqLenMax);
    add_build(
        "bert",
        [this](const auto& o, auto& log) { return run_one<Vpq_encoder_bert, cfg::Bert>(o, log); },
        cfg::Bert::kSeqLenMax);
  }

  void add_options(CLI::App& group) override {
    group.add_option("--analog", analog_file_,
                     "pq only: the crossbar model's parameters (a TOML file, sim/README.md)");
    group
        .add_option("--probe-group", probe_group_,
                    "pq only: the group whose every column's sense-node ramp is in the waveform")
        ->capture_default_str()
        ->transform(unsigned_number(INT32_MAX));
  }

  void prepare() override {
    if (!analog_file_.empty()) analog_ = sim::AnalogParams::from_file(analog_file_);
  }

  std::string reproduce_args() const override {
    return analog_file_.empty() ? "" : " --analog " + analog_file_;
  }

 private:
  template <class Dut, class Cfg>
  ScenarioReport run_one(const ScenarioOptions& o, ErrorLog& log) const {
    PqOptions po;
    po.analog = analog_;
    po.probe_group = probe_group_;
    const auto r = run<Dut>(o, po, spec_of<Cfg>(), Cfg::kSeqLenMax, log);
    fmt::print(
        "pq: chip {}; {} tokens, {} codes; ties {}, timeouts {}; {:.1f} busy cycles per token, "
        "{:.1f} race ticks per token; codes equal to the float nearest centroid {:.2f} %; race "
        "charge with early stop / without {:.3f}; active discharge per group and race {:.1f} "
        "ticks with early stop, {:.1f} without; {} code buffer port reads checked\n",
        analog_.describe(), r.tokens, r.codes, r.ties, r.timeouts,
        r.tokens ? static_cast<double>(r.busy_cycles) / r.tokens : 0.0,
        r.tokens ? static_cast<double>(r.race_ticks) / r.tokens : 0.0,
        r.codes ? 100.0 * r.agree_float / r.codes : 0.0,
        r.charge_none > 0 ? r.charge_early / r.charge_none : 0.0, r.group_ticks_early,
        r.group_ticks_none, r.cb_reads);
    return r.base;
  }

  std::string analog_file_;
  sim::AnalogParams analog_;  // ideal unless --analog names a file
  int probe_group_ = 0;
};
HYCIM_REGISTER_SCENARIO(PqScenario);

}  // namespace
}  // namespace hycim::tb::pq
