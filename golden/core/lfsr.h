// The 32-bit Galois LFSR of stochastic rounding (docs/architecture.md section 1.6): polynomial
// x^32 + x^22 + x^2 + x + 1 in right-shifting Galois form. One step multiplies the state, read as
// a polynomial over GF(2) with bit i the coefficient of x^i, by x^-1 modulo the polynomial; the
// tap mask is (polynomial - 1) / x = 0x80200003. RTL mirror: rtl/core/lfsr_galois32.sv.
#pragma once

#include <cstdint>

#include "golden/core/check.h"

namespace hycim::golden {

class Lfsr32 {
 public:
  static constexpr uint32_t kTaps = 0x80200003u;

  explicit Lfsr32(uint32_t seed) : state_(seed) {
    HYCIM_CHECK(seed != 0, "a zero seed locks the LFSR at zero");
  }
  uint32_t state() const { return state_; }
  // Advances one step and returns the new state.
  uint32_t step() {
    state_ = (state_ >> 1) ^ ((state_ & 1u) ? kTaps : 0u);
    return state_;
  }

 private:
  uint32_t state_;
};

}  // namespace hycim::golden
