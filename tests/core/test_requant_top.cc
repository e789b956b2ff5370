// requant_top in the ci configuration: the random scenario under every stall profile, every
// illegal-configuration class, the register port's error responses, and a wrong in_last.
#include "Vrequant_top_ci.h"
#include "hycim_configs.h"
#include "mid_reset.h"
#include "reg_checks.h"
#include "requant_bench.h"

namespace hycim::tb {
namespace {

using Dut = Vrequant_top_ci;
using golden::RequantConfig;
constexpr uint32_t kMaxLen = cfg::Ci::kRequantMaxLen;

class RequantTop : public HycimTestP<StallProfile> {};

TEST_P(RequantTop, RandomRunsMatchGolden) {
  ScenarioOptions o;
  o.seed = seed();
  o.stall = GetParam();
  o.runs = 12;
  o.name = file_stem();
  o.trace = TraceOptions::from_env(o.name);
  const auto rep = requant::run<Dut>(o, log());
  EXPECT_TRUE(rep.passed);
  EXPECT_EQ(rep.runs, 12u);
  ASSERT_EQ(rep.tensors.size(), 2u);
  EXPECT_EQ(rep.tensors[0].compared, rep.elements);
  EXPECT_EQ(rep.tensors[0].mismatches, 0u);
  EXPECT_EQ(rep.tensors[1].compared, 4u * 12u);
}

// Every flop, including the datapath registers without reset, starts random: after reset the
// results must not depend on it.
TEST_P(RequantTop, RandomInitialStateIsHarmless) {
  for (uint64_t k = 0; k < 4; ++k) {
    ScenarioOptions o;
    o.seed = seed() + k;
    o.stall = GetParam();
    o.runs = 3;
    o.rand_reset = 2;
    o.name = file_stem();
    const auto rep = requant::run<Dut>(o, log());
    EXPECT_TRUE(rep.passed);
    EXPECT_EQ(rep.tensors[0].compared, rep.elements);
  }
}

INSTANTIATE_TEST_SUITE_P(Stall, RequantTop,
                         ::testing::Values(StallProfile::none(), StallProfile::random(),
                                           StallProfile::heavy()),
                         [](const auto& p) { return p.param.name; });

class RequantTopErrors : public HycimTest {};

TEST_F(RequantTopErrors, EveryIllegalClassSetsItsBitAndDoneAndTouchesNothing) {
  RequantBench<Dut> b(harness_options(), log(), rng());
  // First a legal run so that the counters hold something an illegal start must not touch.
  const RequantConfig good{.len = 5, .shift = 0, .mult = 1, .mode = 1, .seed = 1};
  b.configure(good);
  b.apb.write_ok(requant::kCtrl, 1);
  for (int i = 0; i < 5; ++i) b.src.push({i, i == 4});
  ASSERT_TRUE(b.h.run_until([&] { return b.h.dut().done_o != 0; }, 500, "legal run done"));
  ASSERT_EQ(b.got.size(), 5u);

  struct Case {
    const char* name;
    RequantConfig c;
    uint32_t err;
  };
  const Case cases[] = {
      {"len zero", {.len = 0}, golden::kReqErrLenZero},
      {"len over MaxLen", {.len = kMaxLen + 1}, golden::kReqErrLenTooBig},
      {"len 2^32-1", {.len = 0xFFFFFFFFu}, golden::kReqErrLenTooBig},
      {"shift 48", {.len = 4, .shift = 48}, golden::kReqErrShiftTooBig},
      {"mult 2^16", {.len = 4, .mult = 0x10000}, golden::kReqErrMultTooBig},
      {"mode 4", {.len = 4, .mode = 4}, golden::kReqErrBadMode},
      {"stochastic with seed 0", {.len = 4, .mode = 3, .seed = 0}, golden::kReqErrBadSeed},
      {"three at once",
       {.len = 0, .shift = 60, .mode = 7},
       golden::kReqErrLenZero | golden::kReqErrShiftTooBig | golden::kReqErrBadMode},
  };
  // One beat offered through every refused start and never taken (a source keeps a beat on offer
  // until it is taken: the input stream assertion holds the testbench to that).
  b.src.push({42, false});
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    ASSERT_EQ(golden::requant_config_errors(k.c, kMaxLen), k.err) << "golden disagrees";
    b.configure(k.c);
    b.apb.write_ok(requant::kCtrl, requant::kCtrlStartMask);
    b.h.step(20);
    EXPECT_EQ(b.apb.read_ok(requant::kErr), k.err);
    EXPECT_EQ(b.apb.read_ok(requant::kStatus), requant::kStatusDoneMask) << "DONE set, BUSY clear";
    EXPECT_EQ(b.h.dut().done_o, 1);
    EXPECT_EQ(b.src.sent(), 5u) << "no input beat taken";
    EXPECT_EQ(b.apb.read_ok(requant::kCountIn), 5u) << "counters untouched";
    EXPECT_EQ(b.apb.read_ok(requant::kCountOut), 5u);
    EXPECT_EQ(b.got.size(), 5u);
  }
}

// The largest legal shift and multiplier (MaxShift = 47, 2^16 - 1) in every rounding mode: ERR
// stays 0 and every output and the saturation count match the golden model. A limit check that
// refuses its own limit (`>` written `>=`: a mutant that survived the other tests) fails here;
// the refusals one past the limits are in the test above.
TEST_F(RequantTopErrors, LargestLegalShiftAndMultiplierAreAcceptedAndExact) {
  RequantBench<Dut> b(harness_options(), log(), rng());
  const std::vector<int32_t> in = {
      INT32_MAX, INT32_MIN, INT32_MAX / 2, -(INT32_MAX / 2), 3 << 29, -(3 << 29), 1, 0};
  for (uint32_t mode = 0; mode < 4; ++mode) {
    SCOPED_TRACE("mode " + std::to_string(mode));
    const golden::RequantConfig c{.len = static_cast<uint32_t>(in.size()),
                                  .shift = golden::kRequantMaxShift,
                                  .mult = 0xFFFF,
                                  .mode = mode,
                                  .seed = 7};
    ASSERT_EQ(golden::requant_config_errors(c, kMaxLen), 0u) << "a legal configuration";
    const auto g = golden::requant(c, in, kMaxLen);
    b.got.clear();
    b.configure(c);
    b.apb.write_ok(requant::kCtrl, requant::kCtrlStartMask);
    for (size_t i = 0; i < in.size(); ++i) b.src.push({in[i], i + 1 == in.size()});
    ASSERT_TRUE(b.h.run_until([&] { return b.got.size() == in.size() && b.h.dut().done_o != 0; },
                              500, "run at the limits done"));
    EXPECT_EQ(b.apb.read_ok(requant::kErr), 0u);
    for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(b.got[i].data, g.out[i]) << "element " << i;
    EXPECT_EQ(b.apb.read_ok(requant::kSatCount), g.sat_count);
  }
}

TEST_F(RequantTopErrors, RegisterPortErrorResponses) {
  RequantBench<Dut> b(harness_options(), log(), rng());
  uint32_t v = 0;
  EXPECT_TRUE(b.apb.read(0x100, &v)) << "unmapped read";
  EXPECT_TRUE(b.apb.write(0x100, 1)) << "unmapped write";
  EXPECT_TRUE(b.apb.write(requant::kStatus, 1)) << "write to a read-only register";
  EXPECT_TRUE(b.apb.write(requant::kMaxLen, 1)) << "write to a read-only register";
  EXPECT_TRUE(b.apb.write(requant::kLen + 2, 1)) << "misaligned";
  EXPECT_TRUE(b.apb.write(requant::kLen, 1, 0x3)) << "partial strobes";
  EXPECT_FALSE(b.apb.read(requant::kMaxLen, &v));
  EXPECT_EQ(v, kMaxLen);
  EXPECT_EQ(b.apb.read_ok(requant::kLen), 0u) << "the refused writes changed nothing";
  // While busy: configuration writes are refused, a second start is flagged.
  b.configure({.len = 3, .shift = 0, .mult = 1, .mode = 1, .seed = 1});
  b.apb.write_ok(requant::kCtrl, 1);
  EXPECT_EQ(b.apb.read_ok(requant::kStatus), requant::kStatusBusyMask) << "BUSY";
  EXPECT_TRUE(b.apb.write(requant::kLen, 7)) << "LEN write while busy";
  EXPECT_EQ(b.apb.read_ok(requant::kLen), 3u);
  b.apb.write_ok(requant::kCtrl, 1);
  EXPECT_EQ(b.apb.read_ok(requant::kErr), golden::kReqErrStartBusy);
  for (int i = 0; i < 3; ++i) b.src.push({i * 100, i == 2});
  ASSERT_TRUE(b.h.run_until([&] { return b.h.dut().done_o != 0; }, 500, "run done"));
  EXPECT_EQ(b.got.size(), 3u);
  EXPECT_EQ(b.got.back(), (requant::OutBeat{127, true}));  // 200 saturates
  EXPECT_EQ(b.apb.read_ok(requant::kSatCount), 1u);
}

// The generated map: the common header reads its identifier and version, every read-only
// register refuses writes and leaves its value, the reserved words of the header answer pslverr,
// and each configuration register reads back what was written.
TEST_F(RequantTopErrors, RegisterMapFromTheDescription) {
  RequantBench<Dut> b(harness_options(), log(), rng());
  EXPECT_EQ(b.apb.read_ok(requant::kId), requant::kIdValue);
  EXPECT_EQ(b.apb.read_ok(requant::kVersion), requant::kVersionValue);
  EXPECT_EQ(b.apb.read_ok(requant::kMaxLen), kMaxLen);
  EXPECT_EQ(b.apb.read_ok(requant::kCtrl), 0u) << "CTRL reads 0";
  uint32_t v = 0;
  for (uint32_t off = requant::kCycles + 4; off < requant::kMaxLen; off += 4) {
    EXPECT_TRUE(b.apb.read(off, &v)) << "reserved word " << off;
  }
  EXPECT_EQ(check_register_access(b.apb, requant::kRegisters), 5u)
      << "LEN, SHIFT, MULT, MODE, SEED";
  EXPECT_EQ(b.apb.read_ok(requant::kStatus), 0u) << "no start happened";
}

// The input stream assertions can fail: a source that drops valid, or changes the payload,
// while requant_top is not ready (idle: in_ready_o low) is reported by the RTL. A private log
// takes the expected errors; a source that holds its beat raises none.
TEST_F(RequantTopErrors, InputStreamAssertionsCatchASourceBreakingTheRules) {
  HYCIM_SKIP_ON_NETLIST("the stream assertions are RTL only");
  enum class Break { kNothing, kDropValid, kChangeData, kChangeLast };
  for (const Break what :
       {Break::kNothing, Break::kDropValid, Break::kChangeData, Break::kChangeLast}) {
    ErrorLog own;
    Harness<Dut> h(harness_options(), own);
    auto& d = h.dut();
    d.in_valid_i = 0;
    d.out_ready_i = 1;
    h.reset();
    d.in_valid_i = 1;
    d.in_data_i = 1234;
    d.in_last_i = 0;
    h.step(3);
    ASSERT_EQ(d.in_ready_o, 0) << "idle: the beat stays on offer";
    ASSERT_TRUE(own.ok());
    if (what == Break::kDropValid) d.in_valid_i = 0;
    if (what == Break::kChangeData) d.in_data_i = 1235;
    if (what == Break::kChangeLast) d.in_last_i = 1;
    h.step(2);
    EXPECT_EQ(own.ok(), what == Break::kNothing) << "case " << static_cast<int>(what);
  }
}

TEST_F(RequantTopErrors, WrongInLastIsFlaggedAndTheRunStillFinishes) {
  RequantBench<Dut> b(harness_options(), log(), rng());
  b.configure({.len = 4, .shift = 1, .mult = 1, .mode = 1, .seed = 1});
  b.apb.write_ok(requant::kCtrl, 1);
  for (int i = 0; i < 4; ++i) b.src.push({i, i == 1});  // last on the second beat
  ASSERT_TRUE(b.h.run_until([&] { return b.h.dut().done_o != 0; }, 500, "run done"));
  EXPECT_EQ(b.apb.read_ok(requant::kErr), golden::kReqErrLastMismatch);
  ASSERT_EQ(b.got.size(), 4u);
  EXPECT_TRUE(b.got[3].last) << "out_last follows LEN, not in_last";
  EXPECT_FALSE(b.got[1].last);
}

// CYCLES counts the cycles a run is busy. Without stalls requant_top takes one beat per cycle,
// so a run of n beats is busy n + L cycles for a fixed latency L; the beats are preloaded in the
// source before the start, so the input never waits.
TEST_F(RequantTopErrors, CyclesRegisterShowsOneBeatPerCycle) {
  RequantBench<Dut> b(harness_options(), log(), rng());
  auto busy_cycles = [&](uint32_t n) {
    b.configure({.len = n, .shift = 2, .mult = 3, .mode = 1, .seed = 1});
    for (uint32_t i = 0; i < n; ++i) b.src.push({static_cast<int32_t>(i), i + 1 == n});
    b.got.clear();
    const uint64_t t0 = b.h.cycle();
    b.apb.write_ok(requant::kCtrl, 1);
    EXPECT_TRUE(b.h.run_until([&] { return b.h.dut().done_o != 0; }, 10 * n + 100, "run done"));
    const uint64_t elapsed = b.h.cycle() - t0;
    EXPECT_EQ(b.got.size(), n);
    const uint32_t c = b.apb.read_ok(requant::kCycles);
    EXPECT_GE(c, n) << "at most one beat per cycle";
    EXPECT_LE(c, elapsed) << "CYCLES counts only cycles of this run";
    return c;
  };
  const uint32_t c10 = busy_cycles(10);
  const uint32_t c50 = busy_cycles(50);
  const uint32_t c200 = busy_cycles(200);
  EXPECT_EQ(c50 - c10, 40u) << "one extra cycle per extra beat";
  EXPECT_EQ(c200 - c50, 150u);
  EXPECT_EQ(c10 - 10, 1u) << "latency (docs/core/requant.md)";
}

TEST_F(RequantTopErrors, LongestRunAtMaxLen) {
  ScenarioOptions o;
  o.seed = seed();
  o.runs = 2;
  o.len = kMaxLen;
  o.name = file_stem();
  const auto rep = requant::run<Dut>(o, log());
  EXPECT_TRUE(rep.passed);
  EXPECT_EQ(rep.elements, 2u * kMaxLen);
}

// ---- Reset in the middle of a run (issue 13, item 5; docs/conventions.md, "Reset in the middle
// of a run"): a job with random data under back-pressure is interrupted by rst_ni at a random
// point (early, mid, while an output beat is held); the outputs stay quiet, every register reads
// its reset value, and a fresh job (random again, the stochastic mode included) matches the
// golden model exactly with counters that count only that job.

struct RequantResetBench {
  Harness<Dut> h;
  ApbDriver<Dut> apb;
  Scoreboard<requant::OutBeat> sb;
  StreamSource<requant::InBeat> src;
  StreamSink<requant::OutBeat> sink;
  ResetHook on_reset;
  QuietMonitor quiet;

  RequantResetBench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng,
                    const StallProfile& st)
      : h(ho, log),
        apb(h),
        sb("requant.out", log),
        src("requant.in",
            {[this](bool v) { h.dut().in_valid_i = v; }, [this] { return h.dut().in_ready_o != 0; },
             [this](const requant::InBeat& b) {
               h.dut().in_data_i = static_cast<uint32_t>(b.data);
               h.dut().in_last_i = b.last;
             }},
            rng, st.valid_prob),
        sink("requant.out",
             {[this] { return h.dut().out_valid_o != 0; },
              [this](bool r) { h.dut().out_ready_i = r; },
              [this] {
                return requant::OutBeat{static_cast<int8_t>(h.dut().out_data_o),
                                        h.dut().out_last_o != 0};
              }},
             rng, st.ready_prob, log,
             [this](const requant::OutBeat& b, uint64_t) { sb.observe(b); }),
        on_reset([this] { sb.reset(); }),
        quiet(log, {{"out_valid_o", [this] { return h.dut().out_valid_o != 0; }},
                    {"done_o", [this] { return h.dut().done_o != 0; }}}) {
    h.add(src);
    h.add(sink);
    h.add(on_reset);
    h.add(quiet);
    h.reset();
  }

  // Programs and starts a random job of at least min_len elements; queues its input beats and
  // its golden output. Returns the golden result.
  golden::RequantResult start_job(golden::Rng& rng, uint32_t min_len, int mode) {
    golden::RequantConfig c = requant::random_config(
        rng, kMaxLen, static_cast<uint32_t>(rng.uniform_int(min_len, kMaxLen)));
    if (mode >= 0) c.mode = static_cast<uint32_t>(mode);
    const int in_bits = static_cast<int>(rng.uniform_int(0, 31));
    const int mbits = c.mult ? 32 - __builtin_clz(c.mult) : 0;
    c.shift = static_cast<uint32_t>(std::clamp<int64_t>(
        in_bits + mbits - 7 + rng.uniform_int(-3, 3), 0, golden::kRequantMaxShift));
    const auto in = requant::random_input(rng, c.len, in_bits);
    const auto g = golden::requant(c, in, kMaxLen);
    for (uint32_t i = 0; i < c.len; ++i) sb.expect({g.out[i], i + 1 == c.len});
    apb.write_ok(requant::kLen, c.len);
    apb.write_ok(requant::kShift, c.shift);
    apb.write_ok(requant::kMult, c.mult);
    apb.write_ok(requant::kMode, c.mode);
    apb.write_ok(requant::kSeed, c.seed);
    quiet.release();
    apb.write_ok(requant::kCtrl, requant::kCtrlStartMask);
    for (uint32_t i = 0; i < c.len; ++i) src.push({in[i], i + 1 == c.len});
    return g;
  }
};

class RequantReset : public HycimTestP<ResetPoint> {};

TEST_P(RequantReset, MidOperation) {
  RequantResetBench b(harness_options(), log(), rng(), StallProfile::random());
  const auto power_on = read_registers(b.apb, requant::kRegisters);
  uint64_t fresh_elements = 0;
  for (int round = 0; round < 3 && log().ok(); ++round) {
    // The interrupted job.
    const uint64_t compared0 = b.sb.compared();
    const auto a = b.start_job(rng(), 8, -1);
    const std::string where =
        run_to_reset_point(b.h, GetParam(), rng(),
                           {.received = [&] { return b.sb.compared() - compared0; },
                            .beats = a.out.size(),
                            .out_valid = [&] { return b.h.dut().out_valid_o != 0; },
                            .pause_sink = [&](bool p) { b.sink.pause(p); },
                            .limit = 64ull * kMaxLen + 1000});
    const auto hold = static_cast<unsigned>(rng().uniform_int(1, 5));
    const uint64_t withdrawn0 = b.sb.withdrawn();
    fmt::print("[  reset   ] round {}: {}; rst_ni low for {} cycles\n", round, where, hold);
    SCOPED_TRACE(fmt::format("round {}: reset {}", round, where));
    b.h.reset_mid_run(hold);
    b.sink.pause(false);
    EXPECT_EQ(b.h.dut().out_valid_o, 0);
    EXPECT_EQ(b.h.dut().in_ready_o, 0) << "idle after reset: no input taken";
    EXPECT_EQ(b.sb.compared() - compared0 + (b.sb.withdrawn() - withdrawn0), a.out.size())
        << "every beat of the interrupted job either compared or withdrawn";

    // Quiet and reset values, with some idle cycles in between.
    EXPECT_EQ(expect_reset_values(b.apb, requant::kRegisters, power_on, log()),
              requant::kRegisters.size());
    EXPECT_EQ(b.apb.read_ok(requant::kCountIn), 0u) << "counters restart from zero";
    EXPECT_EQ(b.apb.read_ok(requant::kCountOut), 0u);
    EXPECT_EQ(b.apb.read_ok(requant::kSatCount), 0u);
    b.h.step(static_cast<uint64_t>(rng().uniform_int(0, 10)));
    EXPECT_TRUE(b.quiet.armed());

    // The fresh job: every second one stochastic (the LFSR must restart from SEED).
    const uint64_t c_before = b.sb.compared();
    const uint64_t t0 = b.h.cycle();
    const auto f = b.start_job(rng(), 1, round % 2 ? 3 : -1);
    ASSERT_TRUE(b.h.run_until([&] { return b.h.dut().done_o != 0; }, 64ull * kMaxLen + 1000,
                              "DONE of the fresh job"));
    ASSERT_TRUE(b.h.run_until([&] { return b.sb.pending() == 0; }, 100, "last output beat"));
    const uint64_t busy_max = b.h.cycle() - t0;
    EXPECT_EQ(b.sb.compared() - c_before, f.out.size()) << "the fresh job, complete";
    EXPECT_EQ(b.sb.mismatches(), 0u);
    EXPECT_EQ(b.apb.read_ok(requant::kErr), 0u);
    EXPECT_EQ(b.apb.read_ok(requant::kStatus), requant::kStatusDoneMask);
    EXPECT_EQ(b.apb.read_ok(requant::kCountIn), f.out.size()) << "counts only the fresh job";
    EXPECT_EQ(b.apb.read_ok(requant::kCountOut), f.out.size());
    EXPECT_EQ(b.apb.read_ok(requant::kSatCount), f.sat_count);
    const uint32_t cycles = b.apb.read_ok(requant::kCycles);
    EXPECT_GE(cycles, f.out.size());
    EXPECT_LE(cycles, busy_max) << "CYCLES counts only the fresh job";
    EXPECT_EQ(b.src.sent(), f.out.size()) << "the source restarted its count at the reset";
    fresh_elements += f.out.size();
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_GT(b.quiet.checked(), 0u);
  EXPECT_EQ(b.h.mid_resets(), 3u);
  EXPECT_GT(fresh_elements, 0u);
}

INSTANTIATE_TEST_SUITE_P(Point, RequantReset, ::testing::ValuesIn(kResetPoints),
                         reset_point_name<::testing::TestParamInfo<ResetPoint>>);

}  // namespace
}  // namespace hycim::tb
