#include "registry.h"

#include <fmt/format.h>

#include <algorithm>

#include "golden/core/check.h"

namespace hycim::tb {

namespace {
// Function-local, so registrars in any file may run first.
std::vector<ScenarioFactory>& scenario_factories() {
  static std::vector<ScenarioFactory> f;
  return f;
}
std::vector<ThroughputBlock (*)()>& throughput_factories() {
  static std::vector<ThroughputBlock (*)()> f;
  return f;
}
}  // namespace

const Scenario::Build& Scenario::build(const std::string& config) const {
  const auto it = builds_.find(config);
  if (it == builds_.end()) {
    std::string have;
    for (const auto& [c, b] : builds_) have += (have.empty() ? "" : ", ") + c;
    throw Error(fmt::format(
        "scenario '{}' is not built for configuration '{}' (this build has: {}; models in the "
        "full tier of rtl/config/hycim.toml need -DHYCIM_FULL=ON)",
        name_, config, have));
  }
  return it->second;
}

ScenarioRegistrar::ScenarioRegistrar(ScenarioFactory make) {
  scenario_factories().push_back(std::move(make));
}

ThroughputRegistrar::ThroughputRegistrar(ThroughputBlock (*make)()) {
  throughput_factories().push_back(make);
}

std::vector<std::unique_ptr<Scenario>> make_scenarios() {
  std::vector<std::unique_ptr<Scenario>> s;
  for (const auto& f : scenario_factories()) s.push_back(f());
  std::sort(s.begin(), s.end(), [](const auto& a, const auto& b) { return a->name() < b->name(); });
  for (size_t i = 1; i < s.size(); ++i) {
    HYCIM_CHECK(s[i - 1]->name() != s[i]->name(), "scenario '{}' is registered twice",
                s[i]->name());
  }
  return s;
}

std::vector<ThroughputBlock> throughput_blocks() {
  std::vector<ThroughputBlock> b;
  for (auto* f : throughput_factories()) b.push_back(f());
  std::sort(b.begin(), b.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  return b;
}

}  // namespace hycim::tb
