#include "golden/core/rng.h"

#include <cmath>

#include "golden/core/check.h"

namespace hycim::golden {

int64_t Rng::uniform_int(int64_t lo, int64_t hi) {
  HYCIM_CHECK(lo <= hi, "empty range [{}, {}]", lo, hi);
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == ~uint64_t{0}) return static_cast<int64_t>(engine_());
  const uint64_t n = span + 1;
  // Reject the top partial bucket so every value has the same probability.
  // 0 .. limit holds a whole number of copies of 0 .. n-1: 2^64 minus (2^64 mod n) values.
  const uint64_t limit = ~uint64_t{0} - ((~uint64_t{0} % n) + 1) % n;
  uint64_t v;
  do {
    v = engine_();
  } while (v > limit);
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + v % n);
}

bool Rng::bernoulli(double p) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return uniform() < p;
}

double Rng::normal(double mean, double sigma) {
  if (has_spare_) {
    has_spare_ = false;
    return mean + sigma * spare_;
  }
  double u1;
  do {
    u1 = uniform();
  } while (u1 <= 0.0);
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double th = 2.0 * M_PI * u2;
  spare_ = r * std::sin(th);
  has_spare_ = true;
  return mean + sigma * r * std::cos(th);
}

uint64_t stable_hash(const char* s, uint64_t basis) {
  uint64_t h = basis;
  for (; *s; ++s) {
    h ^= static_cast<uint8_t>(*s);
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace hycim::golden
