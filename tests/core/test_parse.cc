// golden::parse_u64, the parser behind HYCIM_SEED, the HYCIM_TRACE cycles and the analog
// parameter files: what it accepts, and that everything else is refused rather than wrapped,
// truncated or read as octal.
#include <gtest/gtest.h>

#include "golden/core/parse.h"

namespace hycim::golden {
namespace {

TEST(ParseU64, AcceptsDecimalAndHex) {
  EXPECT_EQ(parse_u64("0"), 0u);
  EXPECT_EQ(parse_u64("42"), 42u);
  EXPECT_EQ(parse_u64("010"), 10u) << "a leading 0 is decimal, not octal";
  EXPECT_EQ(parse_u64("0x10"), 16u);
  EXPECT_EQ(parse_u64("0XfF"), 255u);
  EXPECT_EQ(parse_u64("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_u64("0xffffffffffffffff"), UINT64_MAX);
}

TEST(ParseU64, RefusesEverythingElse) {
  for (const char* s : {"", "-1", "+1", " 1", "1 ", "1x", "0x", "0x-1", "1.5", "abc",
                        "18446744073709551616", "0x10000000000000000"}) {
    EXPECT_FALSE(parse_u64(s).has_value()) << "'" << s << "'";
  }
}

}  // namespace
}  // namespace hycim::golden
