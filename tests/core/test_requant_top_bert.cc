// requant_top in the bert configuration (MaxLen from rtl/config/hycim.toml): the build maximum
// reaches the register and a long run matches the golden model.
#include "Vrequant_top_bert.h"
#include "hycim_configs.h"
#include "requant_bench.h"

namespace hycim::tb {
namespace {

TEST_F(HycimTest, RequantTopBertMaxLenAndLongRun) {
  {
    RequantBench<Vrequant_top_bert> b(harness_options(), log(), rng());
    EXPECT_EQ(b.apb.read_ok(requant::kMaxLen), static_cast<uint32_t>(cfg::Bert::kRequantMaxLen));
  }
  ScenarioOptions o;
  o.config = "bert";
  o.seed = seed();
  o.runs = 1;
  o.len = 4096;
  o.name = file_stem() + "_run";
  const auto rep = requant::run<Vrequant_top_bert>(o, log());
  EXPECT_TRUE(rep.passed);
  EXPECT_EQ(rep.elements, 4096u);
}

}  // namespace
}  // namespace hycim::tb
