// pq_encoder in the bert configuration (code buffers of 512 tokens): random runs of full-length
// sequences under back-pressure against the golden model, on an ideal and on a non-ideal chip,
// and the token-count limit at exactly SeqLenMax and one beyond it.
#include "Vpq_encoder_bert.h"
#include "Vpq_encoder_bert___024root.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "pq_scenario.h"

namespace hycim::tb {
namespace {

using Dut = Vpq_encoder_bert;
using namespace hycim::tb::pq;
constexpr uint32_t kSeqLen = cfg::Bert::kSeqLenMax;

TEST_F(HycimTest, PqEncoderBertFullSequencesMatchGolden) {
  static_assert(kSeqLen == 512, "this test is written for bert's 512-token code buffers");
  ScenarioOptions o;
  o.seed = seed();
  o.stall = StallProfile::random();
  o.runs = 2;
  o.len = kSeqLen;
  o.name = file_stem();
  o.trace = TraceOptions::from_env(o.name);
  PqOptions po;
  po.small_tmax = false;  // full-length races, so the count checks below are exact
  po.random_groups = false;
  const auto r = run<Dut>(o, po, spec_of<cfg::Bert>(), kSeqLen, log());
  EXPECT_TRUE(r.base.passed);
  EXPECT_EQ(r.tokens, 2u * kSeqLen);
  ASSERT_EQ(r.base.tensors.size(), 3u);
  EXPECT_EQ(r.base.tensors[0].compared, r.tokens);
  EXPECT_EQ(r.base.tensors[0].mismatches, 0u);
  EXPECT_EQ(r.base.tensors[2].compared, r.tokens);  // the golden chain from the tokens alone
  EXPECT_EQ(r.base.tensors[2].mismatches, 0u);
}

TEST_F(HycimTest, PqEncoderBertNonIdealChipUnderHeavyStalls) {
  ScenarioOptions o;
  o.seed = seed();
  o.stall = StallProfile::heavy();
  o.runs = 1;
  o.len = kSeqLen;
  o.name = file_stem();
  PqOptions po;
  po.analog.prog_sigma = 0.02;
  po.analog.read_sigma = 0.001;
  po.analog.comp_offset_sigma = 0.01;
  po.analog.comp_jitter = 0.5;
  po.analog.chip_seed = seed();
  po.analog.run_seed = seed() + 1;
  const auto r = run<Dut>(o, po, spec_of<cfg::Bert>(), kSeqLen, log());
  EXPECT_TRUE(r.base.passed);
  EXPECT_EQ(r.base.tensors[0].compared, r.tokens);
  EXPECT_EQ(r.base.tensors[0].mismatches, 0u);
}

TEST_F(HycimTest, PqEncoderBertTokenLimit) {
  PqBench<Dut> b(harness_options(), log(), rng(), StallProfile::none(), spec_of<cfg::Bert>());
  EXPECT_EQ(b.apb.read_ok(kSeqMax), kSeqLen);
  b.configure({.num_tok = kSeqLen + 1});
  b.apb.write_ok(kCtrl, 1);
  EXPECT_TRUE(b.h.run_until([&] { return b.h.dut().done_o != 0; }, 4, "DONE after ERR"));
  EXPECT_EQ(b.apb.read_ok(kErr), kErrLenTooBig);
  EXPECT_EQ(b.apb.read_ok(kCountIn), 0u);
  EXPECT_EQ(b.h.dut().in_ready_o, 0);
}

}  // namespace
}  // namespace hycim::tb
