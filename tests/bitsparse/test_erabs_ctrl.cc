// erabs_ctrl in the ci configuration (tb/scenarios/erabs_scenario.h: the OU crossbar model
// answers every read cycle by cycle, every output beat and counter is compared with
// golden::execute_layer on a chip built alike):
//   - random layers (sizes, sparsity, compiler options, ideal and non-ideal chips) and vectors
//     (dynamic skip on and off, thresholds) under every back-pressure profile, the crossbar port
//     stalling too;
//   - the full-column (ISAAC_LIKE) mode: flip-encoded columns, size corners, nothing skipped;
//   - directed: an all-empty table, all-zero activations (with and without dynamic skip), full
//     tiles at the largest magnitudes (every OU stored, every code 16, against the textbook
//     product as well), the size corners, a threshold that zeroes every group;
//   - every illegal configuration, bad table entries (the run ends, never hangs), a table
//     overflow, a table write while busy, a -128 lane, a wrong in_last;
//   - the register map, and a reset in the middle of a run.
#include <gtest/gtest.h>

#include <bit>

#include "Verabs_ctrl_ci.h"
#include "erabs_scenario.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "mid_reset.h"
#include "reg_checks.h"

namespace hycim::tb {
namespace {

using Dut = Verabs_ctrl_ci;
using erabs::ErabsBench;
using golden::CompiledLayer;
using golden::ExecOptions;
namespace R = hycim::regs::erabs_ctrl;

constexpr uint32_t kMaxK = cfg::Ci::kErabsMaxRowGroups * cfg::Ci::kOuRows;
constexpr uint32_t kMaxN = cfg::Ci::kErabsMaxColGroups * cfg::Ci::kOuCols;

class ErabsCtrl : public HycimTestP<StallProfile> {};

TEST_P(ErabsCtrl, RandomLayersMatchGolden) {
  ScenarioOptions o;
  o.seed = seed();
  o.stall = GetParam();
  o.runs = 20;
  o.name = file_stem();
  o.progress = true;
  o.trace = TraceOptions::from_env(o.name);
  const auto rep = erabs::run<Dut>(o, log());
  EXPECT_TRUE(rep.passed);
  EXPECT_EQ(rep.runs, 20u);
  ASSERT_EQ(rep.tensors.size(), 2u);
  EXPECT_GT(rep.tensors[0].compared, 0u);
  EXPECT_EQ(rep.tensors[0].compared, rep.tensors[0].expected);
  EXPECT_EQ(rep.tensors[0].mismatches, 0u);
  EXPECT_EQ(rep.tensors[1].compared, 20u * 3u * std::size(erabs::kCounterNames));
  EXPECT_EQ(rep.tensors[1].mismatches, 0u);
}

INSTANTIATE_TEST_SUITE_P(Stall, ErabsCtrl,
                         ::testing::Values(StallProfile::none(), StallProfile::random(),
                                           StallProfile::heavy()),
                         [](const auto& p) { return p.param.name; });

class ErabsCtrlDirected : public HycimTest {
 protected:
  std::unique_ptr<ErabsBench<Dut>> bench(const StallProfile& st = StallProfile::random()) {
    return std::make_unique<ErabsBench<Dut>>(harness_options(), log(), rng(), st);
  }
  // Runs x through the RTL and checks everything the scoreboards saw so far.
  golden::ExecCounters run(ErabsBench<Dut>& b, const CompiledLayer& L,
                           const std::vector<int32_t>& x, const ExecOptions& eo = {}) {
    golden::ExecCounters ct;
    EXPECT_TRUE(b.run_vector(L, x, eo, {}, &ct));
    EXPECT_EQ(b.sb_out.pending(), 0u);
    EXPECT_EQ(b.sb_out.mismatches(), 0u);
    EXPECT_EQ(b.sb_regs.mismatches(), 0u);
    return ct;
  }
  CompiledLayer compile(const std::vector<float>& w, uint32_t k, uint32_t n,
                        const golden::CompileOptions& co = {}) {
    return golden::compile_layer(w, k, n, geom(), co);
  }
  static golden::ErabsGeometry geom() {
    return {.mag_bits = 7,
            .ou_rows = cfg::Ci::kOuRows,
            .ou_cols = cfg::Ci::kOuCols,
            .xbar_rows = cfg::Ci::kErabsXbarSize,
            .xbar_cols = cfg::Ci::kErabsXbarSize,
            .act_mag_bits = 7,
            .adc_bits = cfg::Ci::kAdcBits};
  }
};

TEST_F(ErabsCtrlDirected, BuildRegistersMatchTheConfiguration) {
  auto b = bench();
  EXPECT_EQ(b->build.max_k(), kMaxK);
  EXPECT_EQ(b->build.max_n(), kMaxN);
  EXPECT_EQ(b->build.entries, 2u * 7u * cfg::Ci::kErabsMaxRowGroups * cfg::Ci::kErabsMaxColGroups);
  EXPECT_EQ(b->build.xbars, static_cast<uint32_t>(cfg::Ci::kErabsMaxXbars));
  EXPECT_EQ(b->build.xbar_size, static_cast<uint32_t>(cfg::Ci::kErabsXbarSize));
  EXPECT_EQ(b->build.adc_bits, static_cast<uint32_t>(cfg::Ci::kAdcBits));
  EXPECT_EQ(b->build.mag_bits, 7u);
}

TEST_F(ErabsCtrlDirected, AllEmptyTableGivesZerosAndSkipsEverythingStatically) {
  auto b = bench();
  const auto L = compile(std::vector<float>(size_t{40} * 50, 0.0f), 40, 50);
  ASSERT_TRUE(L.table.empty());
  b->load(L, {});
  const auto x = golden::random_acts(rng(), 40, 127, 0.0, false);
  const auto ct = run(*b, L, x);
  EXPECT_EQ(ct.issued, 0u);
  EXPECT_EQ(ct.skipped_static, ct.dense);
  EXPECT_EQ(b->apb.read_ok(R::kSkipStatic), ct.dense);
  EXPECT_EQ(b->xbar.reads(), 0u);
}

TEST_F(ErabsCtrlDirected, AllZeroActivationsSkipEveryReadDynamically) {
  auto b = bench();
  const auto w = golden::random_weights(rng(), 64, 48, 0.0);
  const auto L = compile(w, 64, 48);
  ASSERT_FALSE(L.table.empty());
  b->load(L, {});
  const std::vector<int32_t> zero(64, 0);
  auto ct = run(*b, L, zero, {.dynamic_skip = true});
  EXPECT_EQ(ct.issued, 0u);
  EXPECT_EQ(ct.skipped_dynamic, L.table.size() * 14);
  EXPECT_EQ(b->xbar.reads(), 0u);
  // Without dynamic skip every stored OU is read in every (phase, plane), and the answers are 0.
  ct = run(*b, L, zero, {.dynamic_skip = false});
  EXPECT_EQ(ct.issued, L.table.size() * 14);
  EXPECT_EQ(b->xbar.reads(), L.table.size() * 14);
}

// Uniform quantization (T = B), no flip, every weight at the largest magnitude. A checkerboard
// of signs stores every OU of both arrays; all weights positive with x = +-127 everywhere makes
// every read of the positive array a full OU (code 16), and y = +-K * 127 * 127 in every column
// checked against that formula too.
TEST_F(ErabsCtrlDirected, FullTilesAtTheLargestMagnitudes) {
  auto b = bench(StallProfile::none());
  const uint32_t k = kMaxK, n = kMaxN;
  std::vector<float> w(size_t{k} * n);
  for (uint32_t r = 0; r < k; ++r) {
    for (uint32_t c = 0; c < n; ++c) w[size_t{r} * n + c] = ((r + c) % 2) ? -1.0f : 1.0f;
  }
  const golden::CompileOptions uniform{.max_terms = 7, .bit_flip = false};
  const auto L = compile(w, k, n, uniform);
  ASSERT_EQ(L.table.size(), L.stats.ous_total) << "every OU stored";
  b->load(L, {});
  const auto xs = golden::random_acts(rng(), k, 127, 0.0, false);
  const auto ct = run(*b, L, xs, {.dynamic_skip = false});
  EXPECT_EQ(ct.issued, L.stats.ous_total * 14) << "every read of the dense schedule";

  const auto P = compile(std::vector<float>(size_t{k} * n, 1.0f), k, n, uniform);
  ASSERT_EQ(P.table.size(), P.stats.ous_total / 2) << "the positive array, full";
  b->load(P, {});
  for (const int32_t v : {127, -127}) {
    const std::vector<int32_t> x(k, v);
    const auto c2 = run(*b, P, x);
    EXPECT_EQ(b->apb.read_ok(R::kMaxCode), 16u) << "a full OU read: code 16";
    EXPECT_EQ(c2.max_code, 16u);
    EXPECT_EQ(c2.issued, P.table.size() * 7) << "one phase, every plane";
    const auto g = golden::execute_layer(P, x);
    for (uint32_t c = 0; c < n; ++c) ASSERT_EQ(g.y[c], int64_t{v} * k * 127) << c;
  }
}

TEST_F(ErabsCtrlDirected, SizeCornersAndAThresholdThatZeroesEverything) {
  auto b = bench();
  struct Size {
    uint32_t k, n;
  };
  for (const Size s :
       {Size{1, 1}, Size{1, kMaxN}, Size{kMaxK, 1}, Size{17, 33}, Size{kMaxK, kMaxN}}) {
    SCOPED_TRACE(fmt::format("K {} N {}", s.k, s.n));
    const auto L = compile(golden::random_weights(rng(), s.k, s.n, 0.3), s.k, s.n);
    b->load(L, {});
    const auto x = golden::random_acts(rng(), s.k, 127, 0.2, false);
    run(*b, L, x);
    const auto ct = run(*b, L, x, {.dynamic_skip = true, .prune_threshold = 128});
    EXPECT_EQ(ct.issued, 0u) << "threshold 2^7 zeroes every group";
  }
}

// ISAAC_LIKE on the same controller: full-column reads of 2-bit slices, every unit read in every
// (phase, plane), flip-encoded columns corrected with the driven-wordline count. Large, mostly
// positive weights make many columns flip; the output is also the textbook product.
TEST_F(ErabsCtrlDirected, FullColumnReadsOfTheIsaacLikeBaseline) {
  auto b = bench();
  struct Size {
    uint32_t k, n;
  };
  uint64_t flips = 0;
  for (const Size sz : {Size{kMaxK, 40}, Size{1, 1}, Size{70, kMaxN}, Size{kMaxK, kMaxN}}) {
    SCOPED_TRACE(fmt::format("K {} N {}", sz.k, sz.n));
    std::vector<float> w(size_t{sz.k} * sz.n);
    for (auto& v : w)
      v = static_cast<float>(rng().uniform(0.5, 1.0) * (rng().bernoulli(0.85) ? 1 : -1));
    const auto I = golden::compile_isaac(w, sz.k, sz.n, geom());
    for (const auto& u : I.table) flips += std::popcount(u.flip);
    b->load(I, {});
    for (int v = 0; v < 2; ++v) {
      const auto x = golden::random_acts(rng(), sz.k, 127, 0.1, v == 1);
      golden::ExecCounters ct;
      EXPECT_TRUE(b->run_vector(I, x, {.dynamic_skip = true, .prune_threshold = 100}, {}, &ct));
      EXPECT_EQ(ct.issued, ct.dense) << "nothing skipped, THRESH ignored";
      EXPECT_LE(b->apb.read_ok(R::kMaxCode), 3u * 128 / 2);
      EXPECT_EQ(golden::execute_isaac(I, x).y, golden::matvec(I.q, x));
    }
    EXPECT_EQ(b->sb_out.pending(), 0u);
    EXPECT_EQ(b->sb_out.mismatches(), 0u);
    EXPECT_EQ(b->sb_regs.mismatches(), 0u);
  }
  EXPECT_GT(flips, 0u) << "flip-encoded columns were exercised";
  // A full-column entry with a row slot is a bad entry.
  const auto I = golden::compile_isaac(golden::random_weights(rng(), 32, 32, 0.0), 32, 32, geom());
  b->load(I, {});
  b->apb.write_ok(R::kTblAddr, 3);
  auto wd = erabs::encode_entry(I.table[3]);
  b->apb.write_ok(R::kTblLo, wd.lo | (1u << R::kTblLoRowSlotShift));
  b->apb.write_ok(R::kTblHi, wd.hi);
  b->capture = true;
  b->start_vector(I, golden::random_acts(rng(), 32, 127, 0.0, false), {}, {});
  ASSERT_TRUE(b->wait_done(100000));
  EXPECT_EQ(b->apb.read_ok(R::kErr), R::kErrBadEntry);
}

// ---- Errors

class ErabsCtrlErrors : public ErabsCtrlDirected {};

TEST_F(ErabsCtrlErrors, EveryIllegalConfigurationSetsItsBitAndTouchesNothing) {
  auto b = bench();
  const auto L = compile(golden::random_weights(rng(), 20, 20, 0.0), 20, 20);
  b->load(L, {});
  run(*b, L, golden::random_acts(rng(), 20, 127, 0.0, false));
  const uint32_t in0 = b->apb.read_ok(R::kCountIn), out0 = b->apb.read_ok(R::kCountOut);
  const uint32_t tl = static_cast<uint32_t>(L.table.size());
  struct Case {
    const char* name;
    uint32_t k, n, tlen, mode, thresh, err;
  };
  const uint32_t dense20 = 2 * 7 * 2 * 2;
  const Case cases[] = {
      {"K 0", 0, 20, tl, 1, 0, R::kErrKZero},
      {"K over the build", kMaxK + 1, 20, tl, 1, 0, R::kErrKTooBig},
      {"K 2^32-1", 0xFFFFFFFFu, 20, tl, 1, 0, R::kErrKTooBig},
      {"N 0", 20, 0, tl, 1, 0, R::kErrNZero},
      {"N over the build", 20, kMaxN + 1, tl, 1, 0, R::kErrNTooBig},
      {"TABLE_LEN over the dense count", 20, 20, dense20 + 1, 1, 0,
       R::kErrTableTooBig | R::kErrTableNotLoaded},
      {"TABLE_LEN over what was written", 20, 20, tl + 1, 1, 0, R::kErrTableNotLoaded},
      {"TABLE_LEN over MAX_ENTRIES", 20, 20, b->build.entries + 1, 1, 0,
       R::kErrTableTooBig | R::kErrTableNotLoaded},
      {"THRESH 129", 20, 20, tl, 1, 129, R::kErrThreshTooBig},
      {"MODE.READ 2", 20, 20, tl, 1 | (2u << 1), 0, R::kErrBadMode},
      {"MODE.READ 3", 20, 20, tl, 3u << 1, 0, R::kErrBadMode},
      {"MODE bit 31", 20, 20, tl, 1u << 31, 0, R::kErrBadMode},
      {"three at once", 0, 0, tl, 4, 0, R::kErrKZero | R::kErrNZero | R::kErrBadMode},
  };
  b->src.push(b->in_beats(std::vector<int32_t>(20, 1)).front());  // on offer, never taken
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    b->apb.write_ok(R::kK, c.k);
    b->apb.write_ok(R::kN, c.n);
    b->apb.write_ok(R::kTableLen, c.tlen);
    b->apb.write_ok(R::kMode, c.mode);
    b->apb.write_ok(R::kThresh, c.thresh);
    b->apb.write_ok(R::kCtrl, R::kCtrlStartMask);
    b->h.step(10);
    EXPECT_EQ(b->apb.read_ok(R::kErr), c.err);
    EXPECT_EQ(b->apb.read_ok(R::kStatus), R::kStatusDoneMask);
    EXPECT_EQ(b->src.sent(), 2u) << "no input beat taken";
    EXPECT_EQ(b->apb.read_ok(R::kCountIn), in0) << "counters untouched";
    EXPECT_EQ(b->apb.read_ok(R::kCountOut), out0);
  }
  EXPECT_EQ(b->xbar.reads(), b->apb.read_ok(R::kOusIssued)) << "no read started";
}

// A bad entry ends the run: no more reads, the reads in flight answered, DONE, fewer output
// beats than column groups (never more), BadEntry in ERR. Four kinds of bad entry, each placed
// in the middle of the table.
TEST_F(ErabsCtrlErrors, BadEntriesEndTheRunWithoutHanging) {
  auto b = bench();
  const uint32_t k = 64, n = 64;
  const auto L = compile(golden::random_weights(rng(), k, n, 0.0), k, n);
  ASSERT_GT(L.table.size(), 8u);
  const size_t mid = L.table.size() / 2;
  struct Case {
    const char* name;
    std::function<void(erabs::EntryWords&, erabs::EntryWords&)> spoil;  // (entry mid, mid + 1)
  };
  const Case cases[] = {
      {"out of order (two entries swapped)",
       [](erabs::EntryWords& a, erabs::EntryWords& c) { std::swap(a, c); }},
      {"the same entry twice", [](erabs::EntryWords& a, erabs::EntryWords& c) { c = a; }},
      {"row group beyond K",
       [](erabs::EntryWords& a, erabs::EntryWords&) {
         a.lo = (a.lo & ~R::kTblLoRowGroupMask) | (4u << R::kTblLoRowGroupShift) | 0xFFu;
       }},
      {"slice 7", [](erabs::EntryWords& a,
                     erabs::EntryWords&) { a.lo = (a.lo & ~R::kTblLoSliceMask) | (7u << 16); }},
      {"crossbar beyond the build",
       [&](erabs::EntryWords& a, erabs::EntryWords&) { a.hi = b->build.xbars; }},
      {"reserved bits", [](erabs::EntryWords& a, erabs::EntryWords&) { a.lo |= 1u << 22; }},
  };
  const auto x = golden::random_acts(rng(), k, 127, 0.0, false);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<erabs::EntryWords> words;
    for (const auto& e : L.table) words.push_back(erabs::encode_entry(e));
    c.spoil(words[mid], words[mid + 1]);
    b->apb.write_ok(R::kTblAddr, 0);
    for (const auto& wd : words) {
      b->apb.write_ok(R::kTblLo, wd.lo);
      b->apb.write_ok(R::kTblHi, wd.hi);
    }
    b->capture = true;
    b->captured.clear();
    const uint64_t reads0 = b->xbar.reads();
    b->start_vector(L, x, {}, {});
    ASSERT_TRUE(b->wait_done(200000));
    b->h.step(20);
    EXPECT_EQ(b->apb.read_ok(R::kErr), R::kErrBadEntry);
    EXPECT_LT(b->captured.size(), L.col_groups) << "the run stopped early";
    EXPECT_EQ(b->xbar.in_flight(), 0u) << "every read answered";
    EXPECT_EQ(b->xbar.reads() - reads0, b->apb.read_ok(R::kOusIssued))
        << "the counter counts what the port saw";
    EXPECT_LT(b->apb.read_ok(R::kOusIssued), L.table.size() * 14);
  }
  // A clean table afterwards runs exactly.
  b->capture = false;
  b->load(L, {});
  run(*b, L, x);
}

TEST_F(ErabsCtrlErrors, TableOverflowAndWritesWhileBusy) {
  auto b = bench();
  // One entry more than the table holds: dropped, OVERFLOW, the next start refused.
  b->apb.write_ok(R::kTblAddr, b->build.entries - 1);
  b->apb.write_ok(R::kTblLo, 0);
  b->apb.write_ok(R::kTblHi, 0);
  EXPECT_EQ(b->apb.read_ok(R::kTblStatus) & R::kTblStatusOverflowMask, 0u);
  b->apb.write_ok(R::kTblHi, 0);
  EXPECT_NE(b->apb.read_ok(R::kTblStatus) & R::kTblStatusOverflowMask, 0u);
  EXPECT_EQ(b->apb.read_ok(R::kTblFilled), b->build.entries);
  b->apb.write_ok(R::kK, 16);
  b->apb.write_ok(R::kN, 16);
  b->apb.write_ok(R::kTableLen, 0);
  b->apb.write_ok(R::kCtrl, R::kCtrlStartMask);
  b->h.step(5);
  EXPECT_EQ(b->apb.read_ok(R::kErr), R::kErrTableNotLoaded);
  // TBL_ADDR clears it; then a run with a TBL_HI write in the middle: flagged and ignored.
  const auto L = compile(golden::random_weights(rng(), 32, 32, 0.0), 32, 32);
  b->load(L, {});
  EXPECT_EQ(b->apb.read_ok(R::kTblStatus) & R::kTblStatusOverflowMask, 0u);
  const auto x = golden::random_acts(rng(), 32, 127, 0.0, false);
  b->start_vector(L, x, {}, {});
  b->h.step(30);
  EXPECT_EQ(b->apb.read_ok(R::kStatus), R::kStatusBusyMask);
  const uint32_t ptr = b->apb.read_ok(R::kTblStatus) >> R::kTblStatusPtrShift;
  b->apb.write_ok(R::kTblHi, 5);
  EXPECT_EQ(b->apb.read_ok(R::kTblStatus) >> R::kTblStatusPtrShift, ptr) << "ignored";
  ASSERT_TRUE(b->wait_done(100000));
  EXPECT_EQ(b->apb.read_ok(R::kErr), R::kErrTableWriteBusy);
  EXPECT_EQ(b->sb_out.pending(), 0u);
  EXPECT_EQ(b->sb_out.mismatches(), 0u) << "the run itself was unaffected";
}

TEST_F(ErabsCtrlErrors, MinusOneTwentyEightLaneIsFlaggedAndReadAsZero) {
  auto b = bench();
  const auto L = compile(golden::random_weights(rng(), 24, 20, 0.0), 24, 20);
  b->load(L, {});
  auto x = golden::random_acts(rng(), 24, 127, 0.0, false);
  x[5] = 0;  // what the golden model sees; the RTL gets -128 there
  auto beats = b->in_beats(x);
  beats[0].act[5] = -128;
  b->start_vector(L, x, {}, {}, &beats);
  ASSERT_TRUE(b->wait_done(100000));
  EXPECT_EQ(b->apb.read_ok(R::kErr), R::kErrBadActivation);
  EXPECT_EQ(b->sb_out.pending(), 0u);
  EXPECT_EQ(b->sb_out.mismatches(), 0u);
}

TEST_F(ErabsCtrlErrors, WrongInLastIsFlaggedAndTheRunGoesOnByK) {
  auto b = bench();
  const auto L = compile(golden::random_weights(rng(), 48, 16, 0.0), 48, 16);
  b->load(L, {});
  const auto x = golden::random_acts(rng(), 48, 127, 0.0, false);
  auto beats = b->in_beats(x);
  beats[0].last = true;
  beats[2].last = false;
  b->start_vector(L, x, {}, {}, &beats);
  ASSERT_TRUE(b->wait_done(100000));
  EXPECT_EQ(b->apb.read_ok(R::kErr), R::kErrLastMismatch);
  EXPECT_EQ(b->apb.read_ok(R::kCountIn), 3u);
  EXPECT_EQ(b->sb_out.mismatches(), 0u);
}

TEST_F(ErabsCtrlErrors, RegisterMapFromTheDescription) {
  auto b = bench();
  EXPECT_EQ(b->apb.read_ok(R::kId), R::kIdValue);
  EXPECT_EQ(b->apb.read_ok(R::kVersion), R::kVersionValue);
  uint32_t v = 0;
  EXPECT_TRUE(b->apb.write(R::kMaxEntries, 1)) << "const";
  EXPECT_TRUE(b->apb.write(R::kOusIssued, 1)) << "ro";
  EXPECT_TRUE(b->apb.read(0x200, &v)) << "unmapped";
  // Every counter and status reads 0 out of reset (the documented reset values).
  for (const uint32_t reg :
       {R::kErr, R::kCycles, R::kTblStatus, R::kTblFilled, R::kCountIn, R::kCountOut, R::kOusIssued,
        R::kSkipStatic, R::kSkipDynamic, R::kAdcConv, R::kMaxCode}) {
    EXPECT_EQ(b->apb.read_ok(reg), 0u) << "register at 0x" << std::hex << reg;
  }
  EXPECT_EQ(check_register_access(b->apb, R::kRegisters), 7u)
      << "K, N, TABLE_LEN, MODE, THRESH, TBL_ADDR, TBL_LO";
  EXPECT_EQ(b->apb.read_ok(R::kStatus), 0u);
}

// ---- Reset in the middle of a run: the outputs go quiet, the registers read their reset
// values (TBL_FILLED too: the table must be written again), and a fresh layer runs exactly.
class ErabsReset : public ErabsCtrlDirected {};

TEST_F(ErabsReset, MidOperation) {
  auto b = bench();
  ResetHook on_reset([&] {
    b->sb_out.reset();
    b->sb_regs.reset();
  });
  b->h.add(on_reset);
  const auto power_on = read_registers(b->apb, R::kRegisters);
  for (int round = 0; round < 3 && log().ok(); ++round) {
    const uint32_t k = static_cast<uint32_t>(rng().uniform_int(16, kMaxK));
    const uint32_t n = static_cast<uint32_t>(rng().uniform_int(16, kMaxN));
    const auto L = compile(golden::random_weights(rng(), k, n, 0.2), k, n);
    b->load(L, {});
    const auto x = golden::random_acts(rng(), k, 127, 0.1, false);
    const auto ve = b->start_vector(L, x, {}, {});
    const auto at = static_cast<uint64_t>(rng().uniform_int(1, 40 + ve.ct.issued));
    fmt::print("[  reset   ] round {}: rst_ni after {} cycles of a run of {} reads\n", round, at,
               ve.ct.issued);
    b->h.step(at);
    b->h.reset_mid_run(static_cast<unsigned>(rng().uniform_int(1, 5)));
    EXPECT_EQ(b->h.dut().out_valid_o, 0);
    EXPECT_EQ(b->h.dut().xb_req_valid_o, 0);
    EXPECT_EQ(b->h.dut().in_ready_o, 0);
    EXPECT_EQ(expect_reset_values(b->apb, R::kRegisters, power_on, log()), R::kRegisters.size());
    EXPECT_EQ(b->apb.read_ok(R::kTblFilled), 0u);
    // The fresh job: a new table, a new vector, exact.
    const auto L2 = compile(golden::random_weights(rng(), k, n, 0.5), k, n);
    b->load(L2, {});
    run(*b, L2, golden::random_acts(rng(), k, 127, 0.3, true));
  }
  EXPECT_EQ(b->h.mid_resets(), 3u);
}

}  // namespace
}  // namespace hycim::tb
