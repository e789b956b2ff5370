// pq_encoder (ci) with the behavioral crossbar answering its fire lines: random runs under every
// stall profile against golden::wta fed with the model's ticks (and, with an ideal model, against
// the golden chain from the tokens alone), a non-ideal chip, directed races (ties, every column in
// one tick, nothing firing, timeouts, fewer groups), and every illegal-configuration class.
#include "Vpq_encoder_ci.h"
#include "Vpq_encoder_ci___024root.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "mid_reset.h"
#include "pq_scenario.h"

namespace hycim::tb {
namespace {

using Dut = Vpq_encoder_ci;
using namespace hycim::tb::pq;
constexpr uint32_t kSeqMax = cfg::Ci::kSeqLenMax;

golden::XbarSpec ci_spec() { return spec_of<cfg::Ci>(); }

class PqEncoder : public HycimTestP<StallProfile> {};

TEST_P(PqEncoder, RandomRunsMatchGoldenWithAnIdealCrossbar) {
  ScenarioOptions o;
  o.seed = seed();
  o.stall = GetParam();
  o.runs = 8;
  o.name = file_stem();
  o.trace = TraceOptions::from_env(o.name);
  PqOptions po;
  const auto r = run<Dut>(o, po, ci_spec(), kSeqMax, log());
  EXPECT_TRUE(r.base.passed);
  ASSERT_EQ(r.base.tensors.size(), 3u);
  EXPECT_EQ(r.base.tensors[0].compared, r.tokens);
  EXPECT_EQ(r.base.tensors[0].mismatches, 0u);
  EXPECT_EQ(r.base.tensors[2].compared, r.tokens);  // the chain from the tokens alone
  EXPECT_EQ(r.races, r.tokens);
  EXPECT_LE(r.charge_early, r.charge_none);
  EXPECT_GT(r.group_ticks_early, 0.0);
  EXPECT_LE(r.group_ticks_early, r.group_ticks_none);
  EXPECT_GT(r.cb_reads, 100u) << "the code buffer read port was hardly exercised";
  fmt::print("{} tokens, {} codes; ties {}, timeouts {}; race ticks {}, busy cycles {}\n", r.tokens,
             r.codes, r.ties, r.timeouts, r.race_ticks, r.busy_cycles);
}

TEST_P(PqEncoder, RandomRunsMatchGoldenWithANonIdealChip) {
  ScenarioOptions o;
  o.seed = seed();
  o.stall = GetParam();
  o.runs = 4;
  o.name = file_stem();
  PqOptions po;
  po.analog.prog_sigma = 0.03;
  po.analog.read_sigma = 0.002;
  po.analog.comp_jitter = 0.5;
  po.analog.stuck_off_rate = 0.005;
  po.analog.chip_seed = seed();
  po.analog.run_seed = seed() + 1;
  const auto r = run<Dut>(o, po, ci_spec(), kSeqMax, log());
  EXPECT_TRUE(r.base.passed);
  EXPECT_EQ(r.base.tensors[0].compared, r.tokens);
  EXPECT_EQ(r.base.tensors[0].mismatches, 0u);
}

INSTANTIATE_TEST_SUITE_P(Stall, PqEncoder,
                         ::testing::Values(StallProfile::none(), StallProfile::random(),
                                           StallProfile::heavy()),
                         [](const auto& p) { return p.param.name; });

class PqEncoderDirected : public HycimTest {
 protected:
  // Runs one start with forced ticks per token; returns the beats.
  std::vector<CodeBeat> race(const RunConfig& c, const std::vector<std::vector<uint32_t>>& ticks,
                             uint64_t* cycles = nullptr,
                             const StallProfile& stall = StallProfile::random()) {
    PqBench<Dut> b(harness_options(), log(), rng(), stall, ci_spec());
    std::vector<std::vector<int8_t>> toks(ticks.size(), std::vector<int8_t>(64, 0));
    for (auto& t : toks) {
      for (auto& v : t) v = static_cast<int8_t>(rng().uniform_int(-128, 127));
    }
    Scoreboard<CodeBeat> sb("pq.directed", log());
    b.xb.on_race = [&](const auto& r, uint32_t idx) {
      sb.expect(beat_of(r.expect, idx, idx + 1 == c.num_tok));
    };
    b.on_beat = [&](const CodeBeat& beat) { sb.observe(beat); };
    for (const auto& t : ticks) b.xb.force(t);
    b.xb.begin_run(c, toks);
    b.configure(c);
    b.apb.write_ok(kCtrl, 1);
    b.send(toks);
    EXPECT_TRUE(b.h.run_until([&] { return b.h.dut().done_o != 0; }, 20000, "DONE"));
    b.xb.finish();
    EXPECT_TRUE(sb.finish());
    EXPECT_EQ(b.apb.read_ok(kErr), 0u);
    if (cycles) *cycles = b.apb.read_ok(kCycles);
    return b.got;
  }
};

TEST_F(PqEncoderDirected, TiesEveryColumnAtOnceNothingFiringAndTimeouts) {
  const RunConfig c{.num_tok = 5, .sel = 1, .shift = 4, .t_max = 50, .groups = 8};
  std::vector<std::vector<uint32_t>> t(5, std::vector<uint32_t>(128, 40));
  // Token 0: group g's columns 3 and 9 fire together at tick 10 + g.
  for (int g = 0; g < 8; ++g) t[0][g * 16 + 3] = t[0][g * 16 + 9] = 10 + g;
  // Token 1: every column of every group fires in tick 1.
  t[1].assign(128, 1);
  // Token 2: no column fires before t_max: every group times out at 50.
  t[2].assign(128, 1023);
  // Token 3: a single winner per group at column 15 - g, tick 50 (exactly t_max).
  t[3].assign(128, 51);
  for (int g = 0; g < 8; ++g) t[3][g * 16 + 15 - g] = 50;
  // Token 4: mixed: group 0 times out, the others lock on column 0 at tick 2.
  for (int g = 0; g < 8; ++g) t[4][g * 16] = g == 0 ? 60 : 2;
  for (int c2 = 0; c2 < 16; ++c2) t[4][c2] = 60;
  const auto got = race(c, t);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].code, 0x33333333u);
  EXPECT_EQ(got[0].tie, 0xffu);
  EXPECT_EQ(got[0].ticks[7], 17);
  EXPECT_EQ(got[1].code, 0u);
  EXPECT_EQ(got[1].tie, 0xffu);
  EXPECT_EQ(got[1].ticks[0], 1);
  EXPECT_EQ(got[2].timeout, 0xffu);
  EXPECT_EQ(got[2].code, 0u);
  EXPECT_EQ(got[2].ticks[3], 50);
  EXPECT_EQ(got[3].code, 0x89abcdefu);
  EXPECT_EQ(got[3].tie | got[3].timeout, 0u);
  EXPECT_EQ(got[4].timeout, 0x01u);
  EXPECT_TRUE(got[4].last);
}

TEST_F(PqEncoderDirected, FewerGroupsAndTheShortestRaces) {
  const RunConfig c{.num_tok = 3, .sel = 0, .shift = 2, .t_max = 1, .groups = 3};
  std::vector<std::vector<uint32_t>> t(3, std::vector<uint32_t>(128, 1));
  t[1].assign(128, 2);  // nothing by t_max = 1: groups 0..2 time out, 3..7 are inactive
  uint64_t cycles = 0;
  const auto got = race(c, t, &cycles);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].tie, 0x07u);
  EXPECT_EQ(got[1].timeout, 0x07u);
  EXPECT_EQ(got[0].ticks[5], 0);  // inactive
  fmt::print("3 one-tick races took {} busy cycles\n", cycles);
}

// Races of a few ticks behind a sink that is mostly not ready: a finished race must wait in the
// result register while the output register still holds the previous token (and the next
// token must not overwrite either).
TEST_F(PqEncoderDirected, ShortRacesBehindAStalledOutput) {
  const RunConfig c{.num_tok = kSeqMax, .sel = 1, .shift = 4, .t_max = 1023, .groups = 8};
  std::vector<std::vector<uint32_t>> t(kSeqMax, std::vector<uint32_t>(128));
  for (auto& tok : t) {
    for (auto& v : tok) v = static_cast<uint32_t>(rng().uniform_int(1, 6));
  }
  const StallProfile slow_sink{"slow sink", 1.0, 0.1};
  const auto got = race(c, t, nullptr, slow_sink);
  ASSERT_EQ(got.size(), kSeqMax);
  for (uint32_t i = 0; i < kSeqMax; ++i) EXPECT_EQ(got[i].idx, i);
}

TEST_F(PqEncoderDirected, EveryIllegalClassSetsItsBitAndDoneAndTouchesNothing) {
  PqBench<Dut> b(harness_options(), log(), rng(), StallProfile::none(), ci_spec());
  // A legal run first, so that counters hold something.
  const RunConfig good{.num_tok = 2, .sel = 0, .shift = 4, .t_max = 100, .groups = 8};
  std::vector<std::vector<int8_t>> toks(2, std::vector<int8_t>(64, 5));
  b.xb.force(std::vector<uint32_t>(128, 7));
  b.xb.force(std::vector<uint32_t>(128, 9));
  b.xb.begin_run(good, toks);
  b.configure(good);
  b.apb.write_ok(kCtrl, 1);
  b.send(toks);
  ASSERT_TRUE(b.h.run_until([&] { return b.h.dut().done_o != 0; }, 2000, "legal run"));
  b.xb.finish();
  const uint32_t cycles = b.apb.read_ok(kCycles);
  struct Case {
    const char* name;
    RunConfig c;
    uint32_t err;
  };
  const Case cases[] = {
      {"zero groups", {.num_tok = 2, .groups = 0}, kErrGroupsZero},
      {"groups over NG", {.num_tok = 2, .groups = 9}, kErrGroupsTooBig},
      {"t_max 0", {.num_tok = 2, .t_max = 0}, kErrTmaxZero},
      {"t_max 1024", {.num_tok = 2, .t_max = 1024}, kErrTmaxTooBig},
      {"no tokens", {.num_tok = 0}, kErrLenZero},
      {"tokens over SeqLenMax", {.num_tok = kSeqMax + 1}, kErrLenTooBig},
      {"shift 8", {.num_tok = 2, .shift = 8}, kErrShiftTooBig},
      {"sel 2", {.num_tok = 2, .sel = 2}, kErrSelBad},
      {"everything",
       {.num_tok = 0xffffffffu, .sel = 5, .shift = 99, .t_max = 0, .groups = 0},
       kErrLenTooBig | kErrSelBad | kErrShiftTooBig | kErrTmaxZero | kErrGroupsZero},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    b.configure(k.c);
    b.apb.write_ok(kCtrl, 1);
    EXPECT_TRUE(b.h.run_until([&] { return b.h.dut().done_o != 0; }, 4, "DONE after ERR"));
    EXPECT_EQ(b.apb.read_ok(kErr), k.err);
    EXPECT_EQ(b.apb.read_ok(kStatus), kStatusDoneMask);  // done, not busy
    EXPECT_EQ(b.apb.read_ok(kCycles), cycles);
    EXPECT_EQ(b.apb.read_ok(kCountOut), 2u);
    EXPECT_EQ(b.h.dut().in_ready_o, 0);
  }
  // A start while busy, and a token stream with the wrong last flag.
  b.configure(good);
  b.xb.force(std::vector<uint32_t>(128, 30));
  b.xb.force(std::vector<uint32_t>(128, 30));
  b.xb.begin_run(good, toks);
  b.apb.write_ok(kCtrl, 1);
  b.apb.write_ok(kCtrl, 1);
  b.src.push({toks[0], true});  // last on the first of two
  b.src.push({toks[1], true});
  ASSERT_TRUE(b.h.run_until([&] { return b.h.dut().done_o != 0; }, 2000, "run with bad last"));
  b.xb.finish();
  EXPECT_EQ(b.apb.read_ok(kErr), kErrStartBusy | kErrLastMismatch);
  EXPECT_EQ(b.apb.read_ok(kCountOut), 2u);
  // Registers refuse writes while busy; unknown addresses answer pslverr.
  EXPECT_TRUE(b.apb.write(0x400, 1));
  uint32_t v = 0;
  EXPECT_TRUE(b.apb.read(0x400, &v));
  EXPECT_EQ(b.apb.read_ok(kBuild), (10u << kBuildTickWidthShift) |
                                       (16u << kBuildColsPerGroupShift) |
                                       (8u << kBuildNumGroupsShift) | (4u << kBuildInBitsShift));
}

// The token stream assertions can fail: a source that drops valid, or changes a token, while
// pq_encoder is not ready (idle) is reported by the RTL; one that holds its beat is not.
TEST_F(PqEncoderDirected, InputStreamAssertionsCatchASourceBreakingTheRules) {
  HYCIM_SKIP_ON_NETLIST("the stream assertions are RTL only");
  for (int what = 0; what < 4; ++what) {  // 0 nothing, 1 drop valid, 2 change data, 3 change last
    ErrorLog own;
    Harness<Dut> h(harness_options(), own);
    auto& d = h.dut();
    d.in_valid_i = 0;
    d.out_ready_i = 1;
    d.cb_rd_en_i = 0;
    h.reset();
    d.in_valid_i = 1;
    d.in_data_i[0] = 0x01020304u;
    d.in_last_i = 0;
    h.step(3);
    ASSERT_EQ(d.in_ready_o, 0) << "idle: the token stays on offer";
    ASSERT_TRUE(own.ok());
    if (what == 1) d.in_valid_i = 0;
    if (what == 2) d.in_data_i[15] ^= 0x80000000u;
    if (what == 3) d.in_last_i = 1;
    h.step(2);
    EXPECT_EQ(own.ok(), what == 0) << "case " << what;
  }
}

// The generated map: identifier and version of the common header, reset values, the code
// buffer window writable while busy, every read-only register refusing writes and every
// configuration register refusing them while busy.
TEST_F(PqEncoderDirected, RegisterMapFromTheDescription) {
  PqBench<Dut> b(harness_options(), log(), rng(), StallProfile::none(), ci_spec());
  EXPECT_EQ(b.apb.read_ok(kId), kIdValue);
  EXPECT_EQ(b.apb.read_ok(kVersion), kVersionValue);
  EXPECT_EQ(b.apb.read_ok(regs::pq_encoder::kSeqMax), kSeqMax);  // the register, the constant
  EXPECT_EQ(b.apb.read_ok(kShift), kShiftReset);
  EXPECT_EQ(b.apb.read_ok(kTmax), 1023u) << "reset 2^TW-1";
  EXPECT_EQ(b.apb.read_ok(kGroups), 8u) << "reset NG";
  uint32_t v = 0;
  for (uint32_t off = kCycles + 4; off < 0x20; off += 4) {
    EXPECT_TRUE(b.apb.read(off, &v)) << "reserved word " << off;
  }
  for (const auto& r : kRegisters) {
    SCOPED_TRACE(std::string(r.name));
    if (r.access == Access::kRo || r.access == Access::kConst) {
      const uint32_t before = b.apb.read_ok(r.offset);
      EXPECT_TRUE(b.apb.write(r.offset, ~before)) << "write to a read-only register";
      EXPECT_EQ(b.apb.read_ok(r.offset), before);
    }
  }
  // While busy (a run of two tokens that are never sent): configuration writes are refused,
  // CODE_ADDR is accepted; bits above BUF read 0.
  b.configure({.num_tok = 2, .sel = 0, .shift = 4, .t_max = 100, .groups = 8});
  b.apb.write_ok(kCtrl, kCtrlStartMask);
  EXPECT_EQ(b.apb.read_ok(kStatus), kStatusBusyMask);
  for (const auto& r : kRegisters) {
    SCOPED_TRACE(std::string(r.name));
    if (r.access != Access::kRw) continue;
    const uint32_t before = b.apb.read_ok(r.offset);
    if (r.busy_write) {
      b.apb.write_ok(r.offset, 0xFFFF0000u | kCodeAddrBufMask | 3u);
      EXPECT_EQ(b.apb.read_ok(r.offset), kCodeAddrBufMask | 3u);
    } else {
      EXPECT_TRUE(b.apb.write(r.offset, before + 1)) << "write while busy";
      EXPECT_EQ(b.apb.read_ok(r.offset), before);
    }
  }
}

// ---- Reset in the middle of a run (issue 13, item 5; docs/conventions.md, "Reset in the middle
// of a run"): a run of random tokens under back-pressure, the ideal crossbar model answering,
// is interrupted early, mid-way or while a code beat is held. The race in flight is dropped by
// the crossbar responder, no xb_eval_o, out_valid_o or done_o rises until the next start, every
// register reads its reset value, and the next run (the other crossbar) gives exactly the
// golden codes, with counters (COUNT_IN, COUNT_OUT, TIES, TIMEOUTS, RACE_TICKS) of that run only
// and its codes in the code buffer.

class PqReset : public HycimTestP<ResetPoint> {};

TEST_P(PqReset, MidOperation) {
  const auto spec = ci_spec();
  const auto dim = static_cast<size_t>(spec.groups * spec.sub_dim);
  golden::XbarMap map[2];
  std::unique_ptr<sim::PqCrossbar> model[2];
  for (int s = 0; s < 2; ++s) {
    const auto train = gaussian_tokens(rng(), 256, dim);
    const auto cb = golden::train_codebook(train, spec.groups, spec.cols_per_group,
                                           {.seed = seed() + static_cast<uint64_t>(s)});
    map[s] = golden::map_crossbar(cb, golden::choose_shift(train, spec.in_bits), spec);
    model[s] = std::make_unique<sim::PqCrossbar>(map[s], sim::AnalogParams{});
  }
  PqBench<Dut> b(harness_options(), log(), rng(), StallProfile::random(), spec);
  auto& d = b.h.dut();
  b.xb.set_models(model[0].get(), model[1].get());
  Scoreboard<CodeBeat> sb("pq.codes", log());
  ResetHook sb_reset([&] { sb.reset(); });
  QuietMonitor quiet(log(), {{"out_valid_o", [&] { return d.out_valid_o != 0; }},
                             {"done_o", [&] { return d.done_o != 0; }},
                             {"xb_eval_o", [&] { return d.xb_eval_o != 0; }}});
  b.h.add(sb_reset);
  b.h.add(quiet);
  const auto power_on = read_registers(b.apb, kRegisters);

  RunConfig cfg;
  std::vector<uint32_t> codes;
  uint32_t ties = 0, timeouts = 0, race_ticks = 0;
  b.xb.on_race = [&](const auto& race, uint32_t idx) {
    sb.expect(beat_of(race.expect, idx, idx + 1 == cfg.num_tok));
    if (idx < codes.size()) codes[idx] = race.expect.code_word();
    ties += static_cast<uint32_t>(std::popcount(race.expect.tie_mask()));
    timeouts += static_cast<uint32_t>(std::popcount(race.expect.timeout_mask()));
    race_ticks += race.expect.done_tick;
  };
  b.on_beat = [&](const CodeBeat& beat) { sb.observe(beat); };
  auto start = [&](uint32_t sel, uint32_t min_tok) {
    cfg.sel = sel;
    cfg.num_tok = static_cast<uint32_t>(rng().uniform_int(min_tok, kSeqMax));
    cfg.groups = static_cast<uint32_t>(spec.groups);
    cfg.t_max =
        rng().bernoulli(0.3) ? static_cast<uint32_t>(rng().uniform_int(1, 400)) : spec.tick_limit();
    cfg.shift = map[sel].shift;
    const auto cur = gaussian_tokens(rng(), cfg.num_tok, dim);
    std::vector<std::vector<int8_t>> toks(cfg.num_tok);
    for (uint32_t t = 0; t < cfg.num_tok; ++t) {
      toks[t].assign(cur.data().begin() + t * dim, cur.data().begin() + (t + 1) * dim);
    }
    codes.assign(cfg.num_tok, 0);
    ties = timeouts = race_ticks = 0;
    b.reader.busy_sel = static_cast<int>(sel);
    b.xb.begin_run(cfg, toks);
    b.configure(cfg);
    quiet.release();
    b.apb.write_ok(kCtrl, kCtrlStartMask);
    b.send(toks);
  };
  const auto limit = [&] { return uint64_t{cfg.num_tok} * (cfg.t_max + 64) * 8 + 2000; };

  for (uint32_t round = 0; round < 3 && log().ok(); ++round) {
    const uint32_t sel = round % 2;
    const uint64_t c0 = sb.compared(), w0 = sb.withdrawn();
    start(sel, 4);
    const uint32_t beats = cfg.num_tok;
    const std::string where = run_to_reset_point(b.h, GetParam(), rng(),
                                                 {.received = [&] { return sb.compared() - c0; },
                                                  .beats = beats,
                                                  .out_valid = [&] { return d.out_valid_o != 0; },
                                                  .pause_sink = [&](bool p) { b.sink.pause(p); },
                                                  .limit = limit()});
    const auto hold = static_cast<unsigned>(rng().uniform_int(1, 5));
    fmt::print("[  reset   ] round {}: {}; rst_ni low for {} cycles\n", round, where, hold);
    SCOPED_TRACE(fmt::format("round {}: reset {}", round, where));
    b.h.reset_mid_run(hold);
    b.sink.pause(false);
    EXPECT_LE(sb.compared() - c0 + (sb.withdrawn() - w0), beats)
        << "a code beat for a race that never started";
    EXPECT_EQ(d.in_ready_o, 0) << "idle after reset: no token taken";
    // CODE_DATA is a window into the code buffers, memories without reset.
    EXPECT_EQ(expect_reset_values(b.apb, kRegisters, power_on, log(), {"CODE_DATA"}),
              kRegisters.size() - 1);
    EXPECT_EQ(b.apb.read_ok(kCountIn), 0u) << "counters restart from zero";
    EXPECT_EQ(b.apb.read_ok(kCountOut), 0u);
    EXPECT_EQ(b.apb.read_ok(kRaceTicks), 0u);
    b.h.step(static_cast<uint64_t>(rng().uniform_int(0, 10)));

    // The next run, on the other crossbar.
    const uint64_t c1 = sb.compared();
    const uint64_t t0 = b.h.cycle();
    start(1 - sel, 1);
    ASSERT_TRUE(b.h.run_until([&] { return d.done_o != 0; }, limit(), "DONE after the reset"));
    const uint64_t busy_max = b.h.cycle() - t0;
    b.xb.finish();
    ASSERT_TRUE(b.h.run_until([&] { return sb.pending() == 0; }, 100, "last code beat"));
    EXPECT_EQ(sb.compared() - c1, cfg.num_tok) << "every code of the run after the reset";
    EXPECT_EQ(sb.mismatches(), 0u);
    EXPECT_EQ(b.apb.read_ok(kErr), 0u);
    EXPECT_EQ(b.apb.read_ok(kStatus), kStatusDoneMask);
    EXPECT_EQ(b.apb.read_ok(kCountIn), cfg.num_tok) << "counts only the run after the reset";
    EXPECT_EQ(b.apb.read_ok(kCountOut), cfg.num_tok);
    EXPECT_EQ(b.apb.read_ok(kTies), ties);
    EXPECT_EQ(b.apb.read_ok(kTimeouts), timeouts);
    EXPECT_EQ(b.apb.read_ok(kRaceTicks), race_ticks);
    EXPECT_LE(b.apb.read_ok(kCycles), busy_max);
    b.reader.busy_sel = -1;
    for (uint32_t t = 0; t < cfg.num_tok; ++t) {
      b.reader.expect[cfg.sel][t] = codes[t];
      b.apb.write_ok(kCodeAddr, (cfg.sel << 16) | t);
      EXPECT_EQ(b.apb.read_ok(kCodeData), codes[t]) << "code buffer entry " << t;
    }
  }
  EXPECT_TRUE(sb.finish());
  EXPECT_EQ(b.h.mid_resets(), 3u);
  EXPECT_GT(quiet.checked(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Point, PqReset, ::testing::ValuesIn(kResetPoints),
                         reset_point_name<::testing::TestParamInfo<ResetPoint>>);

}  // namespace
}  // namespace hycim::tb
