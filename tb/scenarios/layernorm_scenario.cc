// `hycim run layernorm`, `hycim throughput layernorm` and `hycim throughput sfln`: the shared
// sfln_unit in every configuration.
#include "layernorm_scenario.h"
#include "Vsfln_unit_bert.h"
#include "Vsfln_unit_ci.h"
#include "hycim_configs.h"
#include "registry.h"

namespace hycim::tb::layernorm {
namespace {

using cfg::Bert;
using cfg::Ci;

class LayerNormScenario final : public Scenario {
 public:
  LayerNormScenario()
      : Scenario("layernorm",
                 "tokens through the shared sfln_unit in LayerNorm forward and backward, each "
                 "start on freshly loaded gamma and beta; every y / dx and xhat beat compared "
                 "with the golden model") {
    add_build("ci", run<Vsfln_unit_ci, Ci::kSoftmaxLanes>, Ci::kLnFeatMax);
    add_build("bert", run<Vsfln_unit_bert, Bert::kSoftmaxLanes>, Bert::kLnFeatMax);
  }
};
HYCIM_REGISTER_SCENARIO(LayerNormScenario);

// Softmax modes (0..2) through the softmax half, LayerNorm modes through this one.
template <class Dut, unsigned L>
Throughput sfln_throughput(uint32_t mode, uint32_t rows, ErrorLog& log) {
  return mode <= softmax::kBackward ? softmax::throughput<Dut, L>(mode, rows, log)
                                    : throughput<Dut, L>(mode, rows, log);
}

ThroughputBlock sfln_block(std::string name, std::string summary,
                           std::vector<ThroughputBlock::Mode> modes) {
  return {
      .name = std::move(name),
      .top = "sfln_unit",
      .summary = std::move(summary),
      .modes = std::move(modes),
      .builds = {
          {"ci", {Ci::kSoftmaxLanes, sfln_throughput<Vsfln_unit_ci, Ci::kSoftmaxLanes>}},
          {"bert", {Bert::kSoftmaxLanes, sfln_throughput<Vsfln_unit_bert, Bert::kSoftmaxLanes>}}}};
}

ThroughputBlock layernorm_throughput() {
  return sfln_block("layernorm", "sfln_unit, LayerNorm modes",
                    {{kForward, "layernorm forward"}, {kBackward, "layernorm backward"}});
}
HYCIM_REGISTER_THROUGHPUT(layernorm, layernorm_throughput);

ThroughputBlock all_modes_throughput() {
  return sfln_block("sfln", "sfln_unit, all modes",
                    {{softmax::kInference, "softmax fwd UQ0.8"},
                     {softmax::kTraining, "softmax fwd UQ0.16"},
                     {softmax::kBackward, "softmax bwd"},
                     {kForward, "layernorm forward"},
                     {kBackward, "layernorm backward"}});
}
HYCIM_REGISTER_THROUGHPUT(sfln, all_modes_throughput);

}  // namespace
}  // namespace hycim::tb::layernorm
