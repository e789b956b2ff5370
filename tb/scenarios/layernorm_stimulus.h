// Random LayerNorm tokens shared by the golden tests and the RTL testbenches: x around a random
// mean (+-20000) with a random spread (2^-2 .. 2^13) and a few outliers anywhere in INT16;
// gamma in +-2 (Q2.13), beta in +-2 (Q3.12), dy in +-2^11 and eps8 in 1 .. 2^16.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "golden/core/rng.h"

namespace hycim::tb::layernorm {

struct Params {
  std::vector<int16_t> gamma, beta;
};

inline Params random_params(golden::Rng& rng, size_t n) {
  Params p;
  p.gamma.resize(n);
  p.beta.resize(n);
  for (auto& v : p.gamma) v = static_cast<int16_t>(rng.uniform_int(-16384, 16384));
  for (auto& v : p.beta) v = static_cast<int16_t>(rng.uniform_int(-8192, 8192));
  return p;
}

// One token: its features x and, for the backward pass, its gradient dy.
struct Token {
  std::vector<int16_t> x, dy;
};

inline Token random_token(golden::Rng& rng, size_t n, double outlier_prob = 0.01) {
  Token t;
  t.x.resize(n);
  t.dy.resize(n);
  const double centre = rng.uniform(-20000.0, 20000.0);
  const double spread = std::ldexp(1.0, static_cast<int>(rng.uniform_int(-2, 13)));
  for (auto& v : t.x) {
    double z = centre + spread * rng.normal();
    if (rng.bernoulli(outlier_prob)) z = rng.uniform(-32768.0, 32767.0);
    v = static_cast<int16_t>(std::clamp<int64_t>(std::llround(z), -32768, 32767));
  }
  for (auto& v : t.dy) v = static_cast<int16_t>(rng.uniform_int(-2048, 2047));
  return t;
}

inline uint32_t random_eps8(golden::Rng& rng) {
  return static_cast<uint32_t>(rng.uniform_int(1, 1 << 16));
}

}  // namespace hycim::tb::layernorm
