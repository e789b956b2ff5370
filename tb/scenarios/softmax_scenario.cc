// `hycim run softmax` and `hycim throughput softmax`: softmax_unit in every configuration.
#include "softmax_scenario.h"
#include "Vsoftmax_unit_bert.h"
#include "Vsoftmax_unit_ci.h"
#include "hycim_configs.h"
#include "registry.h"

namespace hycim::tb::softmax {
namespace {

using cfg::Bert;
using cfg::Ci;

class SoftmaxScenario final : public Scenario {
 public:
  SoftmaxScenario()
      : Scenario("softmax",
                 "rows through softmax_unit in all three modes (forward UQ0.8, forward UQ0.16 "
                 "with masks, backward); every output beat compared with the golden model") {
    add_build("ci", run<Vsoftmax_unit_ci, Ci::kSoftmaxLanes>, Ci::kSoftmaxRowMax);
    add_build("bert", run<Vsoftmax_unit_bert, Bert::kSoftmaxLanes>, Bert::kSoftmaxRowMax);
  }
};
HYCIM_REGISTER_SCENARIO(SoftmaxScenario);

ThroughputBlock softmax_throughput() {
  return {.name = "softmax",
          .top = "softmax_unit",
          .summary = "softmax_unit",
          .modes = {{kInference, "forward UQ0.8"},
                    {kTraining, "forward UQ0.16"},
                    {kBackward, "backward"}},
          .builds = {{"ci", {Ci::kSoftmaxLanes, throughput<Vsoftmax_unit_ci, Ci::kSoftmaxLanes>}},
                     {"bert",
                      {Bert::kSoftmaxLanes, throughput<Vsoftmax_unit_bert, Bert::kSoftmaxLanes>}}}};
}
HYCIM_REGISTER_THROUGHPUT(softmax, softmax_throughput);

}  // namespace
}  // namespace hycim::tb::softmax
