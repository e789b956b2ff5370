// Q/K stand-ins for the PQ front end until the attention work exports real tensors: every element
// an independent Gaussian N(0, sigma^2) in INT8 LSBs (default sigma = 32, so +-4 sigma spans the
// INT8 range), rounded half away from zero and clipped to [-127, 127]. Shared by the golden tests,
// the RTL testbenches and the study (`hycim pq-study`).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "golden/core/rng.h"
#include "golden/core/tensor.h"

namespace hycim::tb::pq {

inline constexpr double kDefaultSigma = 32.0;

inline golden::Tensor<int8_t> gaussian_tokens(golden::Rng& rng, size_t s, size_t d,
                                              double sigma = kDefaultSigma) {
  golden::Tensor<int8_t> x({s, d});
  for (auto& v : x.data()) {
    const double z = std::round(sigma * rng.normal());
    v = static_cast<int8_t>(std::clamp(z, -127.0, 127.0));
  }
  return x;
}

}  // namespace hycim::tb::pq
