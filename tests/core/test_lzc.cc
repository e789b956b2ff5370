#include <bit>

#include "Vlzc_ci.h"
#include "harness.h"
#include "hycim_test.h"

namespace hycim::tb {
namespace {

constexpr unsigned kWidth = 24;  // Width of the block in rtl/config/hycim.toml

TEST_F(HycimTest, LzcExhaustiveAgainstCountlZero) {
  CombHarness<Vlzc_ci> h(file_stem(), log());
  auto& d = h.dut();
  uint64_t mismatches = 0;
  for (uint32_t v = 0; v < (1u << kWidth); ++v) {
    d.in_i = v;
    h.eval();
    // std::countl_zero of the value placed in the top 24 bits of a 32-bit word, capped at 24.
    const unsigned want = v == 0 ? kWidth : static_cast<unsigned>(std::countl_zero(v << 8));
    if (d.cnt_o != want || d.empty_o != (v == 0)) {
      if (mismatches++ < 5) {
        ADD_FAILURE() << fmt::format(
            "lzc in {:#08x}: expected cnt {} empty {}, got cnt {} empty {}", v, want, v == 0,
            d.cnt_o, d.empty_o);
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

}  // namespace
}  // namespace hycim::tb
