// `hycim run erabs`: the ERA-BS scenario on erabs_ctrl.
#include "erabs_scenario.h"
#include "Verabs_ctrl_ci.h"
#include "hycim_configs.h"
#include "registry.h"

namespace hycim::tb::erabs {
namespace {

class ErabsScenario final : public Scenario {
 public:
  ErabsScenario()
      : Scenario("erabs",
                 "random layers compiled by the ERA-BS weight compiler, their OU tables loaded "
                 "into erabs_ctrl, 3 vectors each, every read answered by the OU crossbar model "
                 "(ideal or non-ideal); every output and counter compared with the golden model") {
    add_build("ci", run<Verabs_ctrl_ci>, cfg::Ci::kErabsMaxRowGroups * cfg::Ci::kOuRows);
  }
};
HYCIM_REGISTER_SCENARIO(ErabsScenario);

}  // namespace
}  // namespace hycim::tb::erabs
