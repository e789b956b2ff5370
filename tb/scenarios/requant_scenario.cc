// `hycim run requant` / `hycim bench requant`: the requant scenario in every configuration.
#include "requant_scenario.h"
#include "Vrequant_top_bert.h"
#include "Vrequant_top_ci.h"
#include "hycim_configs.h"
#include "registry.h"

namespace hycim::tb::requant {
namespace {

class RequantScenario final : public Scenario {
 public:
  RequantScenario()
      : Scenario("requant",
                 "random INT32 streams through requant_top (multiply, rnd_shr in every mode, "
                 "saturate); every output element and status counter compared with the golden "
                 "model") {
    add_build("ci", run<Vrequant_top_ci>, cfg::Ci::kRequantMaxLen);
    add_build("bert", run<Vrequant_top_bert>, cfg::Bert::kRequantMaxLen);
  }
};
HYCIM_REGISTER_SCENARIO(RequantScenario);

}  // namespace
}  // namespace hycim::tb::requant
