// gtest checks of a top's register map against its generated table (regs/<top>_regs.h,
// kRegisters): every read-only and constant register refuses a write (pslverr) and keeps its
// value, every configuration register reads back what was written.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace hycim::tb {

// Returns the number of read-write registers it wrote and read back.
template <class Apb, class Table>
uint32_t check_register_access(Apb& apb, const Table& registers) {
  uint32_t n_rw = 0;
  for (const auto& r : registers) {
    using Access = decltype(r.access);
    SCOPED_TRACE(std::string(r.name));
    if (r.access == Access::kRo || r.access == Access::kConst) {
      const uint32_t before = apb.read_ok(r.offset);
      EXPECT_TRUE(apb.write(r.offset, ~before)) << "write to a read-only register";
      EXPECT_EQ(apb.read_ok(r.offset), before);
    } else if (r.access == Access::kRw) {
      const uint32_t val = 0x5A000000u + r.offset;
      apb.write_ok(r.offset, val);
      EXPECT_EQ(apb.read_ok(r.offset), val);
      ++n_rw;
    }
  }
  return n_rw;
}

}  // namespace hycim::tb
