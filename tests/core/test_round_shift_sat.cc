// round_shift_sat exhaustively against the golden rnd_shr + sat, for the block's test sizes
// (InWidth 12, OutWidth 6, ShiftWidth 4 in rtl/config/hycim.toml): every input, every shift,
// every deterministic mode, and 16 random words per (input, shift) in the stochastic mode.
#include "Vround_shift_sat_ci.h"
#include "golden/core/int_ops.h"
#include "harness.h"
#include "hycim_test.h"

namespace hycim::tb {
namespace {

using golden::RndMode;
constexpr int kIn = 12, kOut = 6, kShiftMax = 15;

TEST_F(HycimTest, RoundShiftSatExhaustiveAgainstGolden) {
  CombHarness<Vround_shift_sat_ci> h(file_stem(), log());
  auto& d = h.dut();
  uint64_t checked = 0, mismatches = 0, saturated = 0;
  for (int64_t x = golden::smin(kIn); x <= golden::smax(kIn); ++x) {
    for (unsigned s = 0; s <= kShiftMax; ++s) {
      for (unsigned m = 0; m < 4; ++m) {
        const int draws = m == 3 ? 16 : 1;
        for (int k = 0; k < draws; ++k) {
          const uint32_t rnd = m == 3 ? rng().next_u32() : 0;
          d.in_i = static_cast<uint32_t>(x) & 0xFFFu;
          d.shift_i = s;
          d.mode_i = m;
          d.rand_i = rnd;
          h.eval();
          const int64_t y = golden::rnd_shr_w<kIn>(x, s, static_cast<RndMode>(m), rnd);
          const int64_t want = golden::sat(y, kOut);
          const int64_t got = golden::sext(d.out_o, kOut);
          const bool want_sat = golden::saturates(y, kOut);
          saturated += want_sat;
          ++checked;
          if (got != want || (d.sat_o != 0) != want_sat) {
            if (mismatches++ < 5) {
              ADD_FAILURE() << fmt::format(
                  "x={} s={} mode={} rand={:#x}: expected {} sat {}, got {} sat {}", x, s,
                  golden::to_string(static_cast<RndMode>(m)), rnd, want, want_sat, got, d.sat_o);
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(checked, 4096u * 16u * 19u);
  EXPECT_GT(saturated, 0u);
}

}  // namespace
}  // namespace hycim::tb
