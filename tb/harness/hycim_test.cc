#include "hycim_test.h"

#include <fmt/format.h>

#include "seed.h"

namespace hycim::tb {

void HycimTest::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  name_ = fmt::format("{}.{}", info->test_suite_name(), info->name());
  const uint64_t base = base_seed();
  seed_ = derive_seed(base, name_);
  rng_ = golden::Rng(seed_);
  RecordProperty("seed", fmt::format("{:#x}", seed_));
  RecordProperty("base_seed", fmt::format("{}", base));
  fmt::print("[   seed   ] {} seed={:#x} (HYCIM_SEED={})\n", name_, seed_, base);
  log_.set_hook([](const std::string& msg) { ADD_FAILURE() << msg; });
}

std::string HycimTest::file_stem() const { return file_safe(name_); }

HarnessOptions HycimTest::harness_options() const {
  HarnessOptions o;
  o.name = file_stem();
  o.seed = seed_;
  o.trace = TraceOptions::from_env(o.name);
  return o;
}

}  // namespace hycim::tb
