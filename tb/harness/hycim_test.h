// gtest glue for HyCIM tests. Derive every test fixture from HycimTest:
//   - seed(): the test's seed (base seed from HYCIM_SEED and a hash of "Suite.Test"), printed at
//     the start and recorded in the gtest XML as the property "seed" (and "base_seed");
//   - log(): an ErrorLog whose every message is an immediate test failure;
//   - harness_options(): name, seed, waveform switch (HYCIM_TRACE...) and coverage file.
// The test main (hycim_test_main.cc) prints, for every failed test, a one-line command that
// reproduces it.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "error_log.h"
#include "harness.h"
#include "hycim/golden/rng.h"

namespace hycim::tb {

class HycimTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  uint64_t seed() const { return seed_; }
  // "Suite.Test" (with parameter suffixes), and a file-safe form of it.
  const std::string& test_name() const { return name_; }
  std::string file_stem() const;
  ErrorLog& log() { return log_; }
  golden::Rng& rng() { return rng_; }
  HarnessOptions harness_options() const;

 private:
  static constexpr size_t kMaxPrinted = 20;
  uint64_t seed_ = 0;
  std::string name_;
  ErrorLog log_;
  golden::Rng rng_{0};
};

// The same fixture for value-parameterized tests.
template <class P>
class HycimTestP : public HycimTest, public ::testing::WithParamInterface<P> {};

}  // namespace hycim::tb
