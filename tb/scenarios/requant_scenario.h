// The requant scenario: random configurations and INT32 streams through requant_top, under the
// chosen back-pressure, every output element and every status counter compared with the golden
// model (golden/core/requant.h). Used by `hycim run requant` and by
// tests/core/test_requant_top.cc.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include "apb.h"
#include "golden/core/requant.h"
#include "golden/core/rng.h"
#include "harness.h"
#include "regs/requant_top_regs.h"
#include "scenario.h"
#include "scoreboard.h"
#include "stream.h"

namespace hycim::tb::requant {

// Register byte offsets, fields and ERR bits: generated from rtl/core/requant/requant_top.regs.toml
// (docs/core/requant.md).
using namespace hycim::regs::requant_top;

struct InBeat {
  int32_t data = 0;
  bool last = false;
  bool operator==(const InBeat&) const = default;
  std::string str() const { return fmt::format("{{data {}, last {}}}", data, last ? 1 : 0); }
};

struct OutBeat {
  int8_t data = 0;
  bool last = false;
  bool operator==(const OutBeat&) const = default;
  std::string str() const { return fmt::format("{{data {}, last {}}}", data, last ? 1 : 0); }
};

// A configuration whose outputs mostly land inside INT8 and sometimes saturate: the input
// magnitude (in bits), the multiplier and the shift are drawn together.
inline golden::RequantConfig random_config(golden::Rng& rng, uint32_t max_len, uint32_t len) {
  golden::RequantConfig c;
  c.len = len ? len : static_cast<uint32_t>(rng.uniform_int(1, max_len));
  c.mode = static_cast<uint32_t>(rng.uniform_int(0, 3));
  c.seed = static_cast<uint32_t>(rng.uniform_int(1, 0xFFFFFFFF));
  const int mbits = static_cast<int>(rng.uniform_int(0, 16));
  c.mult = mbits == 0 ? 0u
                      : static_cast<uint32_t>(
                            rng.uniform_int(int64_t{1} << (mbits - 1), (int64_t{1} << mbits) - 1));
  return c;
}

// Input elements: magnitudes of about in_bits bits, with 2 % extremes (INT32_MIN, INT32_MAX,
// 0, -1) mixed in.
inline std::vector<int32_t> random_input(golden::Rng& rng, uint32_t len, int in_bits) {
  std::vector<int32_t> in(len);
  for (auto& v : in) {
    if (rng.bernoulli(0.02)) {
      static constexpr int32_t kSpecial[] = {INT32_MIN, INT32_MAX, 0, -1};
      v = kSpecial[rng.uniform_int(0, 3)];
    } else {
      const int64_t m = int64_t{1} << in_bits;
      v = static_cast<int32_t>(rng.uniform_int(-m, m - 1));
    }
  }
  return in;
}

template <class Dut>
ScenarioReport run(const ScenarioOptions& o, ErrorLog& log) {
  ScenarioRun sr("requant", "requant_top", o, HYCIM_SOURCE_DIR "/tb/waves/requant_top.gtkw");
  ScenarioReport& rep = sr.rep;
  golden::Rng rng(o.seed);
  golden::Rng& stall_rng = sr.stall_rng;
  {
    Harness<Dut> h(sr.harness, log);
    auto& d = h.dut();
    ApbDriver<Dut> apb(h);
    StreamSource<InBeat> src("requant.in",
                             {[&](bool v) { d.in_valid_i = v; }, [&] { return d.in_ready_o != 0; },
                              [&](const InBeat& b) {
                                d.in_data_i = static_cast<uint32_t>(b.data);
                                d.in_last_i = b.last;
                              }},
                             stall_rng, o.stall.valid_prob);
    Scoreboard<OutBeat> sb_out("requant.out", log);
    static constexpr const char* kCounterNames[] = {"ERR", "COUNT_IN", "COUNT_OUT", "SAT_COUNT"};
    Scoreboard<uint32_t> sb_regs("requant.counters", log, [&](uint64_t i) {
      return fmt::format("run {} register {}", i / 4, kCounterNames[i % 4]);
    });
    StreamSink<OutBeat> sink(
        "requant.out",
        {[&] { return d.out_valid_o != 0; }, [&](bool r) { d.out_ready_i = r; },
         [&] {
           return OutBeat{static_cast<int8_t>(d.out_data_o), d.out_last_o != 0};
         }},
        stall_rng, o.stall.ready_prob, log, [&](const OutBeat& b, uint64_t) { sb_out.observe(b); });
    h.add(src);
    h.add(sink);
    h.reset();

    const uint32_t max_len = apb.read_ok(kMaxLen);
    if (max_len == 0) log.error("MAX_LEN register reads 0");
    for (unsigned run = 0; run < o.runs && log.ok(); ++run) {
      if (o.len > max_len) {
        log.error(fmt::format("--len {} exceeds this build's MAX_LEN {}", o.len, max_len));
        break;
      }
      golden::RequantConfig c = random_config(rng, std::max(max_len, 1u), o.len);
      const int in_bits = static_cast<int>(rng.uniform_int(0, 31));
      const int mbits = c.mult ? 32 - __builtin_clz(c.mult) : 0;
      c.shift = static_cast<uint32_t>(std::clamp<int64_t>(
          in_bits + mbits - 7 + rng.uniform_int(-3, 3), 0, golden::kRequantMaxShift));
      const auto in = random_input(rng, c.len, in_bits);
      const auto g = golden::requant(c, in, max_len);
      for (uint32_t i = 0; i < c.len; ++i) sb_out.expect({g.out[i], i + 1 == c.len});
      sb_regs.expect_all(std::vector<uint32_t>{0u, c.len, c.len, g.sat_count});

      apb.write_ok(kLen, c.len);
      apb.write_ok(kShift, c.shift);
      apb.write_ok(kMult, c.mult);
      apb.write_ok(kMode, c.mode);
      apb.write_ok(kSeed, c.seed);
      apb.write_ok(kCtrl, 1);
      for (uint32_t i = 0; i < c.len; ++i) src.push({in[i], i + 1 == c.len});
      const uint64_t limit = 64ull * c.len + 1000;
      h.run_until([&] { return d.done_o != 0; }, limit, fmt::format("DONE of run {}", run));
      sb_regs.observe(apb.read_ok(kErr));
      sb_regs.observe(apb.read_ok(kCountIn));
      sb_regs.observe(apb.read_ok(kCountOut));
      sb_regs.observe(apb.read_ok(kSatCount));
      rep.elements += c.len;
      ++rep.runs;
      if (o.progress) {
        fmt::print("  run {:>3}/{}: len {:>6} mode {} shift {:>2} mult {:>5}  cycle {:>9}  {}\n",
                   run + 1, o.runs, c.len, golden::to_string(static_cast<golden::RndMode>(c.mode)),
                   c.shift, c.mult, h.cycle(), log.ok() ? "ok" : "FAILED");
      }
    }
    sb_out.finish();
    sb_regs.finish();
    rep.tensors = {tally(sb_out), tally(sb_regs)};
    sr.record_sim(h);
  }
  return sr.finish(log);
}

}  // namespace hycim::tb::requant
