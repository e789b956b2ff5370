// The scenarios of `hycim run` and `hycim bench`, and the blocks of `hycim throughput`. Each
// scenario file (tb/scenarios/<name>_scenario.cc, compiled into the CLI by a glob) registers
// itself with one static registrar line; the CLI builds its scenario table, its list and the
// scenario-only options of `run` from here, so adding a scenario touches nothing else.
//
//   class MyScenario final : public Scenario {
//    public:
//     MyScenario() : Scenario("my", "what it runs and compares") {
//       add_build("ci", my::run<Vmy_block_ci>, cfg::Ci::kMyMaxLen);
//     }
//     void add_options(CLI::App& group) override { group.add_option("--knob", knob_, "..."); }
//   };
//   HYCIM_REGISTER_SCENARIO(MyScenario);
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "error_log.h"
#include "scenario.h"

namespace CLI {
class App;
}  // namespace CLI

namespace hycim::tb {

class Scenario {
 public:
  using RunFn = std::function<ScenarioReport(const ScenarioOptions&, ErrorLog&)>;
  // The scenario in one configuration: how to run it and the longest run (or row) its top
  // accepts.
  struct Build {
    RunFn run;
    uint32_t max_len = 0;
  };

  Scenario(std::string name, std::string description)
      : name_(std::move(name)), description_(std::move(description)) {}
  virtual ~Scenario() = default;
  Scenario(const Scenario&) = delete;
  Scenario& operator=(const Scenario&) = delete;

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const std::map<std::string, Build>& builds() const { return builds_; }
  // Throws hycim::Error when the scenario is not built for the configuration.
  const Build& build(const std::string& config) const;

  // The scenario's own options of `hycim run`, added to its option group. The CLI refuses them
  // for any other scenario.
  virtual void add_options(CLI::App& /*group*/) {}
  // After parsing, before the run: reads what the options name (throws hycim::Error).
  virtual void prepare() {}
  // The scenario's own options as the `reproduce` line repeats them (" --analog FILE").
  virtual std::string reproduce_args() const { return ""; }

 protected:
  void add_build(std::string config, RunFn run, uint32_t max_len) {
    builds_[std::move(config)] = {std::move(run), max_len};
  }

 private:
  std::string name_, description_;
  std::map<std::string, Build> builds_;
};

// A block of `hycim throughput`: elements per cycle per mode on one top (lane_bench.h).
struct ThroughputBlock {
  using MeasureFn = std::function<Throughput(uint32_t mode, uint32_t rows, ErrorLog&)>;
  struct Mode {
    uint32_t mode;
    std::string name;
  };
  struct Build {
    unsigned lanes = 0;
    MeasureFn measure;
  };
  std::string name;     // hycim throughput NAME
  std::string top;      // the top it runs on
  std::string summary;  // for the help: "sfln_unit, all modes"
  std::vector<Mode> modes;
  std::map<std::string, Build> builds;  // per configuration
};

using ScenarioFactory = std::function<std::unique_ptr<Scenario>()>;

// Every registered scenario, freshly made and ordered by name; the caller owns them (and so
// their options).
std::vector<std::unique_ptr<Scenario>> make_scenarios();
// Every registered throughput block, ordered by name.
std::vector<ThroughputBlock> throughput_blocks();

struct ScenarioRegistrar {
  explicit ScenarioRegistrar(ScenarioFactory make);
};
struct ThroughputRegistrar {
  explicit ThroughputRegistrar(ThroughputBlock (*make)());
};

}  // namespace hycim::tb

// One line in a scenario's .cc file registers it (Class has a default constructor).
#define HYCIM_REGISTER_SCENARIO(Class)                                          \
  static const ::hycim::tb::ScenarioRegistrar hycim_scenario_registrar_##Class( \
      [] { return std::unique_ptr<::hycim::tb::Scenario>(std::make_unique<Class>()); })
// One line registers a throughput block: make() returns its description.
#define HYCIM_REGISTER_THROUGHPUT(name, make) \
  static const ::hycim::tb::ThroughputRegistrar hycim_throughput_registrar_##name(make)
