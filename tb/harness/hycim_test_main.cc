// main() of every HyCIM test binary: gtest plus a listener that prints, for each failed test, a
// command that reproduces it with the same seed, and the same command recording the waveform of
// the window around the first error (kFailureWaveBefore/After in trace_options.h), which the
// harness's written view opens on, with the marker on that error.
// Built into each test binary (not the library) so that HYCIM_WAVE_VIEW, the block's saved view,
// can differ per binary.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "hycim_test.h"
#include "scoreboard.h"
#include "seed.h"
#include "trace_options.h"

namespace {

class ReproduceListener : public ::testing::EmptyTestEventListener {
 public:
  explicit ReproduceListener(std::string exe) : exe_(std::move(exe)) {}

  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (!info.result()->Failed()) return;
    const std::string name = fmt::format("{}.{}", info.test_suite_name(), info.name());
    uint64_t base = 1;
    try {
      base = hycim::tb::base_seed();
    } catch (const std::exception&) {
    }
    fmt::print("[ REPRODUCE ] HYCIM_SEED={} {} --gtest_filter='{}'\n", base, exe_, name);
    std::string window;
    if (const auto c = hycim::tb::HycimTest::last_failure_cycle()) {
      window =
          fmt::format("HYCIM_TRACE_START={} HYCIM_TRACE_STOP={} ",
                      *c > hycim::tb::kFailureWaveBefore ? *c - hycim::tb::kFailureWaveBefore : 0,
                      *c + hycim::tb::kFailureWaveAfter);
    }
    fmt::print("[ WAVEFORM  ] HYCIM_SEED={} HYCIM_TRACE=1 {}{} --gtest_filter='{}'\n", base, window,
               exe_, name);
  }

 private:
  std::string exe_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
#ifdef HYCIM_WAVE_VIEW
  hycim::tb::HycimTest::set_wave_view(HYCIM_WAVE_VIEW);
#endif
  std::string exe = argc > 0 ? argv[0] : "test";
  std::error_code ec;
  const auto abs = std::filesystem::absolute(exe, ec);
  if (!ec) exe = abs.lexically_normal().string();
  ::testing::UnitTest::GetInstance()->listeners().Append(new ReproduceListener(exe));
  const int rc = RUN_ALL_TESTS();
  // Read by scripts/regress.py (stream elements per block).
  fmt::print("[ compared ] {} elements compared by the scoreboards\n",
             hycim::tb::compared_in_process());
  return rc;
}
