#include <memory>
#include <vector>

#include "Vstream_fork_ci.h"
#include "passthrough_bench.h"

namespace hycim::tb {
namespace {

constexpr unsigned kOuts = 3;  // NumOut of the block in rtl/config/hycim.toml

class StreamFork : public HycimTestP<StallProfile> {};

TEST_P(StreamFork, EveryOutputSeesEveryBeatInOrder) {
  const auto stall = GetParam();
  Harness<Vstream_fork_ci> h(harness_options(), log());
  auto& d = h.dut();
  StreamSource<uint16_t> src("fork.in",
                             {[&](bool v) { d.in_valid_i = v; }, [&] { return d.in_ready_o != 0; },
                              [&](const uint16_t& x) { d.in_data_i = x; }},
                             rng(), stall.valid_prob);
  std::vector<std::unique_ptr<Scoreboard<uint16_t>>> sbs;
  std::vector<std::unique_ptr<StreamSink<uint16_t>>> sinks;
  for (unsigned i = 0; i < kOuts; ++i) {
    const std::string name = fmt::format("fork.out[{}]", i);
    sbs.push_back(std::make_unique<Scoreboard<uint16_t>>(name, log()));
    auto* sb = sbs.back().get();
    sinks.push_back(std::make_unique<StreamSink<uint16_t>>(
        name,
        StreamSink<uint16_t>::Ports{
            [&d, i] { return ((d.out_valid_o >> i) & 1) != 0; },
            [&d, i](bool r) { d.out_ready_i = (d.out_ready_i & ~(1u << i)) | (r ? 1u << i : 0u); },
            [&d] { return static_cast<uint16_t>(d.out_data_o); }},
        rng(), stall.ready_prob, log(), [sb](const uint16_t& x, uint64_t) { sb->observe(x); }));
  }
  h.add(src);
  for (auto& s : sinks) h.add(*s);
  h.reset();
  const unsigned n = 3000;
  for (unsigned k = 0; k < n; ++k) {
    const auto v = static_cast<uint16_t>(rng().next_u32());
    src.push(v);
    for (auto& sb : sbs) sb->expect(v);
  }
  h.run_until(
      [&] {
        for (auto& sb : sbs)
          if (sb->pending()) return false;
        return true;
      },
      200ull * n, "every output drained");
  for (auto& sb : sbs) {
    EXPECT_TRUE(sb->finish());
    EXPECT_EQ(sb->compared(), n);
  }
  EXPECT_EQ(src.sent(), n);
}

INSTANTIATE_TEST_SUITE_P(Stall, StreamFork, kAllStalls, stall_name);

}  // namespace
}  // namespace hycim::tb
