// Deterministic random numbers for stimulus and for the analog models
// (docs/architecture.md section 5.1): std::mt19937_64, whose output sequence the C++ standard
// fixes, with HyCIM's own uniform, integer and normal transforms, so the same seed gives the same
// numbers with every standard library (std::uniform_*_distribution and std::normal_distribution are
// not specified exactly).
#pragma once

#include <cstdint>
#include <random>

namespace hycim::golden {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  uint64_t next_u64() { return engine_(); }
  uint32_t next_u32() { return static_cast<uint32_t>(engine_() >> 32); }
  // Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [lo, hi], both inclusive, without modulo bias (rejection sampling).
  int64_t uniform_int(int64_t lo, int64_t hi);
  // True with probability p (p <= 0: never; p >= 1: always, and no number is drawn).
  bool bernoulli(double p);
  // Normal deviate by the Box-Muller transform; the second value of each pair is kept for the
  // next call.
  double normal(double mean = 0.0, double sigma = 1.0);

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// Stable 64-bit hash (FNV-1a) of a string, and SplitMix64 finalizer: the same on every platform.
uint64_t stable_hash(const char* s, uint64_t basis = 0xcbf29ce484222325ull);
uint64_t splitmix64(uint64_t x);

}  // namespace hycim::golden
