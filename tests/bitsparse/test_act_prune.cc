// act_prune in the ci configuration against golden::act_prune: random row groups (ReLU-like,
// signed, sparse, all zero, at the largest magnitudes) with random thresholds under every stall
// profile, every output beat compared (the pruned lanes, the plane bitmap, the zeroed flag,
// last); the directed corners (threshold 0 keeps everything, 2^7 zeroes everything, a group
// whose maximum equals the threshold is kept); and the -128 lane, flagged on out_bad_o.
#include "Vact_prune_ci.h"
#include "golden/bitsparse/execute.h"
#include "harness.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "scoreboard.h"
#include "stream.h"

namespace hycim::tb {
namespace {

constexpr unsigned kRows = cfg::Ci::kOuRows;
constexpr unsigned kMag = cfg::Ci::kActBits - 1;
static_assert(kRows == 16 && cfg::Ci::kActBits == 8, "the bench packs 16 INT8 lanes");

struct InBeat {
  std::array<int8_t, kRows> act{};
  bool last = false;
};

struct OutBeat {
  std::array<int8_t, kRows> act{};
  uint32_t planes = 0;
  bool zeroed = false;
  bool bad = false;
  bool last = false;
  bool operator==(const OutBeat&) const = default;
  std::string str() const {
    std::string s =
        fmt::format("{{planes 0x{:04x} zeroed {} bad {} last {} act", planes, zeroed, bad, last);
    for (auto v : act) s += fmt::format(" {}", v);
    return s + "}";
  }
};

// What the block must send for one group: golden::act_prune on the group alone. A -128 lane has
// no magnitude: the golden sees 0 there, and the beat is flagged.
OutBeat expected(const InBeat& in, uint32_t thresh) {
  std::vector<int32_t> x(kRows);
  bool bad = false;
  for (unsigned r = 0; r < kRows; ++r) {
    bad = bad || in.act[r] == -128;
    x[r] = in.act[r] == -128 ? 0 : in.act[r];
  }
  const auto p = golden::act_prune(x, kRows, kMag, thresh);
  OutBeat o;
  for (unsigned r = 0; r < kRows; ++r) {
    // A kept -128 lane goes out as it came; the controller stops on the flag.
    o.act[r] = p.group_zeroed[0] ? int8_t{0} : in.act[r];
  }
  for (uint32_t ph = 0; ph < 2; ++ph) {
    for (uint32_t b = 0; b < kMag; ++b)
      o.planes |= uint32_t{p.any(ph, b, 0, kMag)} << (ph * kMag + b);
  }
  o.zeroed = p.group_zeroed[0] != 0;
  o.bad = bad;
  o.last = in.last;
  return o;
}

struct Bench {
  Harness<Vact_prune_ci> h;
  Scoreboard<OutBeat> sb;
  StreamSource<InBeat> src;
  StreamSink<OutBeat> sink;

  Bench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng, const StallProfile& stall)
      : h(ho, log),
        sb("act", log),
        src("act.in",
            {[this](bool v) { h.dut().in_valid_i = v; }, [this] { return h.dut().in_ready_o != 0; },
             [this](const InBeat& b) {
               for (unsigned w = 0; w < 4; ++w) {
                 uint32_t word = 0;
                 for (unsigned i = 0; i < 4; ++i) {
                   word |= uint32_t{static_cast<uint8_t>(b.act[w * 4 + i])} << (8 * i);
                 }
                 h.dut().in_act_i[w] = word;
               }
               h.dut().in_last_i = b.last;
             }},
            rng, stall.valid_prob),
        sink("act",
             {[this] { return h.dut().out_valid_o != 0; },
              [this](bool r) { h.dut().out_ready_i = r; },
              [this] {
                OutBeat o;
                for (unsigned r = 0; r < kRows; ++r) {
                  o.act[r] = static_cast<int8_t>(h.dut().out_act_o[r / 4] >> (8 * (r % 4)));
                }
                o.planes = h.dut().out_planes_o;
                o.zeroed = h.dut().out_zeroed_o;
                o.bad = h.dut().out_bad_o;
                o.last = h.dut().out_last_o;
                return o;
              }},
             rng, stall.ready_prob, log, [this](const OutBeat& o, uint64_t) { sb.observe(o); }) {
    h.add(src);
    h.add(sink);
    h.reset();
  }

  // Sends the groups with threshold t (set while the block is idle) and waits for all of them.
  void run(const std::vector<InBeat>& groups, uint32_t t) {
    h.dut().thresh_i = t;
    for (const auto& g : groups) {
      src.push(g);
      sb.expect(expected(g, t));
    }
    h.run_until([&] { return sb.pending() == 0; }, 100 * groups.size() + 100, "all groups out");
  }
};

InBeat random_group(golden::Rng& rng, int kind) {
  InBeat g;
  const double zero_p = kind == 2 ? 0.8 : 0.2;
  for (auto& v : g.act) {
    if (kind == 3) break;  // all zero
    if (rng.bernoulli(zero_p)) continue;
    const int top = kind == 4 ? 127 : static_cast<int>(rng.uniform_int(1, 127));
    const int lo = kind == 0 ? 0 : -top;  // kind 0: after a ReLU
    v = static_cast<int8_t>(kind == 4 ? (rng.bernoulli(0.5) ? 127 : -127)
                                      : rng.uniform_int(lo, top));
  }
  return g;
}

class ActPrune : public HycimTestP<StallProfile> {};

TEST_P(ActPrune, RandomGroupsMatchGolden) {
  Bench b(harness_options(), log(), rng(), GetParam());
  uint64_t groups = 0;
  for (int vec = 0; vec < 200 && log().ok(); ++vec) {
    const auto t =
        static_cast<uint32_t>(vec % 5 == 0 ? 0 : rng().uniform_int(0, vec % 7 == 0 ? 128 : 40));
    const auto n = static_cast<int>(rng().uniform_int(1, 12));
    std::vector<InBeat> v;
    for (int i = 0; i < n; ++i) {
      v.push_back(random_group(rng(), static_cast<int>(rng().uniform_int(0, 4))));
      v.back().last = i == n - 1;
    }
    b.run(v, t);
    groups += v.size();
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), groups);
  fmt::print("{} groups compared\n", groups);
}

INSTANTIATE_TEST_SUITE_P(Stall, ActPrune, kAllStalls, stall_name);

class ActPruneDirected : public HycimTest {};

TEST_F(ActPruneDirected, ThresholdCornersAndTheBadLane) {
  Bench b(harness_options(), log(), rng(), StallProfile::random());
  InBeat g;
  for (unsigned r = 0; r < kRows; ++r) g.act[r] = static_cast<int8_t>(r % 2 ? -int(r) : int(r));
  g.last = true;  // max |x| = 15
  for (uint32_t t : {0u, 1u, 15u, 16u, 127u, 128u}) b.run({g}, t);
  InBeat full;
  full.act.fill(-127);
  b.run({full}, 127);  // the largest magnitude equals the threshold: kept, planes 0x3f80
  InBeat bad = g;
  bad.act[5] = -128;
  b.run({bad, g}, 0);
  b.run({bad}, 128);
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.sb.compared(), 10u);
  EXPECT_EQ(expected(full, 127).planes, 0x3f80u);
  EXPECT_TRUE(expected(bad, 0).bad);
  EXPECT_TRUE(expected(g, 16).zeroed);
  EXPECT_FALSE(expected(g, 15).zeroed);
}

}  // namespace
}  // namespace hycim::tb
