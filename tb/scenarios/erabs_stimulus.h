// Random stimulus shared by the ERA-BS tests: weight matrices with a share of exact zeros and
// sign-magnitude activation vectors (optionally non-negative, as after a ReLU).
#pragma once

#include <cstdint>
#include <vector>

#include "golden/core/rng.h"

namespace hycim::golden {

inline std::vector<float> random_weights(Rng& rng, uint32_t k, uint32_t n, double zero_p) {
  std::vector<float> w(size_t{k} * n);
  for (auto& x : w) x = rng.bernoulli(zero_p) ? 0.0f : static_cast<float>(rng.normal(0.0, 0.05));
  return w;
}

inline std::vector<int32_t> random_acts(Rng& rng, uint32_t k, int32_t top, double zero_p,
                                        bool relu) {
  std::vector<int32_t> x(k);
  for (auto& v : x) {
    v = rng.bernoulli(zero_p) ? 0 : static_cast<int32_t>(rng.uniform_int(relu ? 0 : -top, top));
  }
  return x;
}

}  // namespace hycim::golden
