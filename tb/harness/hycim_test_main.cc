// main() of every HyCIM test binary: gtest plus a listener that prints, for each failed test, a
// command that reproduces it with the same seed (and the same command with a waveform).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "seed.h"

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
    fmt::print("[ WAVEFORM  ] HYCIM_SEED={} HYCIM_TRACE=1 {} --gtest_filter='{}'\n", base, exe_,
               name);
  }

 private:
  std::string exe_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string exe = argc > 0 ? argv[0] : "test";
  std::error_code ec;
  const auto abs = std::filesystem::absolute(exe, ec);
  if (!ec) exe = abs.lexically_normal().string();
  ::testing::UnitTest::GetInstance()->listeners().Append(new ReproduceListener(exe));
  return RUN_ALL_TESTS();
}
