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
#include <optional>
#include <string>

#include "error_log.h"
#include "golden/core/rng.h"
#include "harness.h"
#include "stream.h"

// A test of the RTL's own checks (its SVA and $error reports) has nothing to check on a
// synthesized netlist, which keeps none of them: in the netlist re-simulation binaries
// (test_<block>_gate, docs/gate_level.md) it skips, saying why. Everywhere else it runs.
#ifdef HYCIM_GATE_NETLIST
#define HYCIM_SKIP_ON_NETLIST(why) GTEST_SKIP() << "not on a netlist: " << (why)
#else
#define HYCIM_SKIP_ON_NETLIST(why) static_cast<void>(0)
#endif

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

 public:
  // The saved gtkwave view of the block under test (the test main sets it from the block's entry
  // in rtl/config/hycim.toml); waveforms of this binary open with it.
  static void set_wave_view(std::string view) { wave_view_ = std::move(view); }
  // The cycle of the first error of the test that failed last (for the reproduce line's
  // waveform window), if that test ran a simulation.
  static std::optional<uint64_t> last_failure_cycle() { return last_failure_cycle_; }

 private:
  static inline std::string wave_view_;
  static inline std::optional<uint64_t> last_failure_cycle_;
  static constexpr size_t kMaxPrinted = 20;
  uint64_t seed_ = 0;
  std::string name_;
  ErrorLog log_;
  golden::Rng rng_{0};
};

// The same fixture for value-parameterized tests.
template <class P>
class HycimTestP : public HycimTest, public ::testing::WithParamInterface<P> {};

// The three stall profiles every stream bench runs under, and their names as test suffixes:
// INSTANTIATE_TEST_SUITE_P(Stall, Suite, kAllStalls, stall_name).
inline const auto kAllStalls =
    ::testing::Values(StallProfile::none(), StallProfile::random(), StallProfile::heavy());
inline std::string stall_name(const ::testing::TestParamInfo<StallProfile>& p) {
  return p.param.name;
}

}  // namespace hycim::tb
