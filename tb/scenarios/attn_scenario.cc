// `hycim run attn` / `hycim bench attn`: random attention heads through attn_top in every
// configuration it is built in.
#include "attn_scenario.h"
#if HYCIM_HAVE_attn_top_bert
#include "Vattn_top_bert.h"
#endif
#include "Vattn_top_ci.h"
#include "Vattn_top_minilm.h"
#include "hycim_configs.h"
#include "registry.h"

namespace hycim::tb::attn {
namespace {

class AttnScenario final : public Scenario {
 public:
  AttnScenario()
      : Scenario("attn",
                 "random attention heads through attn_top (sparse and dense, bidirectional and "
                 "causal, both relevance modes), K and Q encoded by the crossbar model racing the "
                 "WTA; codes, relevance, kept indices, scores, probabilities and outputs compared "
                 "with the golden model") {
    add_build("ci", run<Vattn_top_ci, cfg::Ci>, cfg::Ci::kSeqLenMax);
#if HYCIM_HAVE_attn_top_bert
    add_build("bert", run<Vattn_top_bert, cfg::Bert>, cfg::Bert::kSeqLenMax);
#endif
    add_build("minilm", run<Vattn_top_minilm, cfg::Minilm>, cfg::Minilm::kSeqLenMax);
  }
};
HYCIM_REGISTER_SCENARIO(AttnScenario);

}  // namespace
}  // namespace hycim::tb::attn
