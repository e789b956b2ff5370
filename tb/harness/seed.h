// Seeds (docs/conventions.md, "Seeds and reproducibility"): one base seed per run (environment
// HYCIM_SEED, default 1), and per test a seed derived from the base and a stable hash of the test's
// name, so every test's stimulus is reproducible from the base seed and the test name alone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hycim::tb {

// HYCIM_SEED as decimal or 0x-prefixed hex; 1 when unset. Throws hycim::Error on a bad value.
uint64_t base_seed();
// The seed of one test: splitmix64(base ^ FNV-1a(name)).
uint64_t derive_seed(uint64_t base, std::string_view name);
// A name usable as a file name: [A-Za-z0-9_.-] kept, everything else becomes '_'.
std::string file_safe(std::string_view name);

}  // namespace hycim::tb
