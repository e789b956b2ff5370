// attn_top in the minilm configuration (the head shape of all-MiniLM-L6-v2: D = 32, S up to 128)
// on the real Q/K/V of the fixture (tests/attention/data/minilm): the first and the last layer
// slot, sparse in both relevance modes, causal, and dense, every tensor compared with the golden
// model; and the RTL's output against the model's own float attention output, which bounds the
// error the sparse head may add (a check that fails if the wrong keys are kept).
#include <fmt/format.h>

#include "Vattn_top_minilm.h"
#include "attn_data.h"
#include "attn_scenario.h"
#include "hycim_configs.h"
#include "hycim_test.h"

namespace hycim::tb {
namespace {

using namespace attn;
using Dut = Vattn_top_minilm;
const Shape kShape = shape_of<cfg::Minilm>();
const std::string kFixture = HYCIM_SOURCE_DIR "/tests/attention/data/minilm";

struct Param {
  const char* name;
  size_t layer, head;
  RealHeadSpec spec;
  bool dense;
  double max_rel_err;  // output error vs the float reference allowed (relative Frobenius); 0:
                       // not checked
};
void PrintTo(const Param& p, std::ostream* os) { *os << p.name; }

class AttnTopMinilm : public HycimTestP<Param> {};

TEST_P(AttnTopMinilm, RealHeadMatchesGolden) {
  const auto& p = GetParam();
  const HeadData data = load_fixture(kFixture, "eval0", p.layer, p.head);
  RealHead rh = real_head(data, kShape, p.spec);
  rh.head.cfg.dense = p.dense;
  golden::Rng stall_rng(golden::splitmix64(seed() ^ 0x5354ull));
  AttnBench<Dut> b(harness_options(), log(), stall_rng, StallProfile::random(), kShape);
  if (!p.dense) b.set_chips(rh.head.map_q, rh.head.map_k, {});
  run_head(b, kShape, rh.head, log());
  EXPECT_TRUE(b.finish_all());
  uint64_t compared = 0;
  for (const auto& t : b.tallies()) {
    EXPECT_EQ(t.compared, t.expected) << t.name;
    compared += t.compared;
  }
  EXPECT_GT(compared, 0u);
  // The output against the float reference.
  const size_t s = rh.head.cfg.seq_len, d = data.q.dim(1);
  double num = 0, den = 0;
  for (size_t i = 0; i < s; ++i) {
    for (size_t e = 0; e < d; ++e) {
      const double got = b.rows()[i].out[e] * rh.out_scale, want = rh.ref[i * d + e];
      num += (got - want) * (got - want);
      den += want * want;
    }
  }
  const double rel = std::sqrt(num / den);
  fmt::print("{}: {} tensors compared, output error vs float {:.4f} (allowed {:.2f})\n", p.name,
             compared, rel, p.max_rel_err);
  if (p.max_rel_err > 0) {
    EXPECT_LT(rel, p.max_rel_err);
  }
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) { return info.param.name; }

// The error bounds are about twice what the ideal chip gives with the fixture's codebooks
// (docs/attention/attn_top.md): loose enough for any seed, tight enough that keeping random keys
// (errors near 1) fails.
INSTANTIATE_TEST_SUITE_P(
    Fixture, AttnTopMinilm,
    ::testing::Values(
        Param{"layer0_sparse_table", 0, 0, {.density = 0.25}, false, 0.6},
        Param{"layer5_sparse_table", 1, 0, {.density = 0.25}, false, 0.5},
        // Code matches score 0..M = 4 here: ties decide most of the kept keys, so the error is
        // not bounded (docs/attention/attn_top.md, accuracy).
        Param{"layer5_sparse_match", 1, 2, {.density = 1.0 / 3, .match = true}, false, 0.0},
        Param{"layer5_causal", 1, 1, {.density = 0.25, .causal = true}, false, 0.6},
        Param{"layer0_dense", 0, 1, {}, true, 0.05}),
    param_name);

}  // namespace
}  // namespace hycim::tb
