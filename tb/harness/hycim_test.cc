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
  // Every error fails the test where it happens; after kMaxPrinted the rest are only counted,
  // so that one broken invariant checked every cycle does not bury the first messages.
  log_.set_hook([this](const std::string& msg) {
    if (log_.count() <= kMaxPrinted) {
      ADD_FAILURE() << msg;
    } else if (log_.count() == kMaxPrinted + 1) {
      ADD_FAILURE() << "more errors follow; they are counted, not printed";
    }
  });
}

void HycimTest::TearDown() {
  last_failure_cycle_ = log_.first_error_cycle();
  if (log_.count() > kMaxPrinted) {
    fmt::print("[  errors  ] {}: {} errors in total, the first {} printed\n", name_, log_.count(),
               kMaxPrinted);
  }
}

std::string HycimTest::file_stem() const { return file_safe(name_); }

HarnessOptions HycimTest::harness_options() const {
  HarnessOptions o;
  o.name = file_stem();
  o.seed = seed_;
  o.trace = TraceOptions::from_env(o.name);
  o.trace.view = wave_view_;
  return o;
}

}  // namespace hycim::tb
