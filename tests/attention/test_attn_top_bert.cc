// attn_top in the bert configuration (S up to 512, D = 64, 16 encoders, 8 banks, 32 relevance
// lanes): a whole sparse head at S = 512 (density 1/4, bidirectional), a causal sparse head and a
// dense head, every tensor compared with the golden model.
#include <fmt/format.h>

#include "Vattn_top_bert.h"
#include "attn_scenario.h"
#include "hycim_configs.h"
#include "hycim_test.h"

namespace hycim::tb {
namespace {

using namespace attn;
using Dut = Vattn_top_bert;
const Shape kShape = shape_of<cfg::Bert>();

class AttnTopBert : public HycimTest {
 protected:
  void run(const HeadSpec& hs, const StallProfile& stall) {
    golden::Rng stall_rng(golden::splitmix64(seed() ^ 0x5354ull));
    AttnBench<Dut> b(harness_options(), log(), stall_rng, stall, kShape);
    const Head hd = random_head(rng(), kShape, hs, seed());
    if (!hd.cfg.dense) b.set_chips(hd.map_q, hd.map_k, {});
    const HeadStats st = run_head(b, kShape, hd, log());
    EXPECT_TRUE(b.finish_all());
    for (const auto& t : b.tallies()) {
      EXPECT_EQ(t.compared, t.expected) << t.name;
      fmt::print("  {:<20} {:>7} compared, {} mismatches\n", t.name, t.compared, t.mismatches);
    }
    EXPECT_GT(b.sb_out.compared(), 0u);
    fmt::print("S {} k {} {}{}: {} cycles (K encode {}, rows {})\n", hd.cfg.seq_len, hd.cfg.topk,
               hd.cfg.dense ? "dense" : "sparse", hd.cfg.causal ? " causal" : "", st.cycles,
               st.kenc, st.rows_cycles);
  }
};

TEST_F(AttnTopBert, SparseHeadS512) { run({.density = 0.25}, StallProfile::none()); }

TEST_F(AttnTopBert, SparseCausalHead) {
  run({.seq_len = 200, .density = 1.0 / 3, .causal = true, .force_first = true},
      StallProfile::random());
}

TEST_F(AttnTopBert, DenseHead) { run({.seq_len = 256, .dense = true}, StallProfile::random()); }

}  // namespace
}  // namespace hycim::tb
