// softmax_unit in the ci configuration: every output beat compared with the golden model in all
// three modes under every stall profile; directed rows (row of one, all equal, very negative
// entries, maximum length, extremes, all masked); every ERR class.
#include "Vsoftmax_unit_ci.h"
#include "hycim_configs.h"
#include "hycim_test.h"
#include "softmax_scenario.h"

namespace hycim::tb {
namespace {

using namespace softmax;
constexpr unsigned kL = cfg::Ci::kSoftmaxLanes;
constexpr uint32_t kRowLimit = cfg::Ci::kSoftmaxRowMax;
using Bench = SoftmaxBench<Vsoftmax_unit_ci, kL>;

struct Param {
  uint32_t mode;
  StallProfile stall;
};
void PrintTo(const Param& p, std::ostream* os) { *os << p.mode << "/" << p.stall.name; }

class SoftmaxUnit : public HycimTestP<Param> {};

TEST_P(SoftmaxUnit, RandomRowsMatchGolden) {
  const auto [mode, stall] = GetParam();
  Bench b(harness_options(), log(), rng(), stall);
  uint64_t elements = 0;
  for (int start = 0; start < 25 && log().ok(); ++start) {
    const auto len = static_cast<uint32_t>(rng().uniform_int(1, kRowLimit));
    const auto nrows = static_cast<size_t>(rng().uniform_int(1, 4));
    std::vector<Row> rows;
    for (size_t r = 0; r < nrows; ++r) {
      rows.push_back(mode == kBackward ? random_bwd_row(rng(), len)
                                       : random_fwd_row(rng(), len, start % 2 ? 0.3 : 0.0));
    }
    const auto ds_shift = static_cast<uint32_t>(rng().uniform_int(0, 16));
    elements += run_rows(b, mode, len, ds_shift, rows);
    EXPECT_EQ(b.apb.read_ok(kErr), 0u);
    EXPECT_EQ(b.apb.read_ok(kRowsDone), nrows);
  }
  EXPECT_TRUE(b.sb.finish());
  EXPECT_GT(elements, 0u);
  EXPECT_EQ(b.sb.compared(), b.sb.expected_total());
  RecordProperty("elements", std::to_string(elements));
  fmt::print("{} elements in {} beats compared\n", elements, b.sb.compared());
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  static const char* const kModeNames[] = {"inference", "training", "backward"};
  return std::string(kModeNames[info.param.mode]) + "_" + info.param.stall.name;
}

INSTANTIATE_TEST_SUITE_P(Modes, SoftmaxUnit,
                         ::testing::Values(Param{kInference, StallProfile::none()},
                                           Param{kInference, StallProfile::heavy()},
                                           Param{kTraining, StallProfile::none()},
                                           Param{kTraining, StallProfile::random()},
                                           Param{kTraining, StallProfile::heavy()},
                                           Param{kBackward, StallProfile::none()},
                                           Param{kBackward, StallProfile::random()},
                                           Param{kBackward, StallProfile::heavy()}),
                         param_name);

class SoftmaxUnitDirected : public HycimTest {};

// Every flop and row buffer starts random: after reset the results must not depend on it.
TEST_F(SoftmaxUnitDirected, RandomInitialStateIsHarmless) {
  for (uint64_t k = 0; k < 4; ++k) {
    ScenarioOptions o;
    o.seed = seed() + k;
    o.stall = StallProfile::random();
    o.runs = 6;
    o.rand_reset = 2;
    o.name = file_stem();
    const auto rep = softmax::run<Vsoftmax_unit_ci, kL>(o, log());
    EXPECT_TRUE(rep.passed);
    ASSERT_EQ(rep.tensors.size(), 4u) << "all modes, then each of the three";
    EXPECT_EQ(rep.tensors[0].compared, rep.tensors[0].expected);
    EXPECT_EQ(rep.tensors[1].compared + rep.tensors[2].compared + rep.tensors[3].compared,
              rep.tensors[0].compared);
    EXPECT_GT(rep.tensors[0].compared, 0u);
  }
}

Row row_of(std::vector<int16_t> x, std::vector<uint8_t> keep = {}) {
  Row r;
  for (auto v : x) r.a.push_back(static_cast<uint16_t>(v));
  r.keep = std::move(keep);
  return r;
}

TEST_F(SoftmaxUnitDirected, EdgeRowsMatchGoldenInBothForwardFormats) {
  for (uint32_t mode : {kInference, kTraining}) {
    SCOPED_TRACE(mode);
    Bench b(harness_options(), log(), rng(), StallProfile::random());
    std::vector<int16_t> extremes(kRowLimit);
    for (uint32_t i = 0; i < kRowLimit; ++i) extremes[i] = i % 2 ? 32767 : -32768;
    std::vector<int16_t> far(kRowLimit, -32768);
    far[kRowLimit / 2] = 32767;
    std::vector<uint8_t> none(kRowLimit, 0);
    run_rows(b, mode, 1, 0, {row_of({0})});       // row of one
    run_rows(b, mode, 1, 0, {row_of({-32768})});  // row of one, most negative
    run_rows(b, mode, kRowLimit, 0, {row_of(std::vector<int16_t>(kRowLimit, -77))});  // all equal
    run_rows(b, mode, kRowLimit, 0, {row_of(extremes)});   // max length, extremes
    run_rows(b, mode, kRowLimit, 0, {row_of(far)});        // one survivor
    run_rows(b, mode, kRowLimit, 0, {row_of(far, none)});  // all masked
    run_rows(b, mode, kL + 1, 0, {row_of(std::vector<int16_t>(kL + 1, 5))});  // partial beat
    EXPECT_TRUE(b.sb.finish());
    EXPECT_EQ(b.apb.read_ok(kErr), 0u);
  }
}

TEST_F(SoftmaxUnitDirected, BackwardExtremesSaturate) {
  Bench b(harness_options(), log(), rng(), StallProfile::none());
  Row r;
  r.a = {0xFFFF, 0xFFFF, 0, 1, 0x8000};
  r.b = {32767, -32768, 32767, -32768, 0};
  for (uint32_t ds_shift : {0u, 16u}) run_rows(b, kBackward, 5, ds_shift, {r});
  EXPECT_TRUE(b.sb.finish());
}

TEST_F(SoftmaxUnitDirected, EveryIllegalClassSetsItsBitAndNeverHangs) {
  Bench b(harness_options(), log(), rng(), StallProfile::none());
  EXPECT_EQ(b.apb.read_ok(softmax::kRowMax), kRowLimit);
  EXPECT_EQ(b.apb.read_ok(kLanes), kL);
  struct Case {
    const char* name;
    uint32_t mode, len, rows, ds_shift, err;
  };
  const Case cases[] = {
      {"len 0", kTraining, 0, 1, 0, kErrLenZero},
      {"len over RowMax", kTraining, kRowLimit + 1, 1, 0, kErrLenTooBig},
      {"len 2^32-1", kInference, 0xFFFFFFFFu, 1, 0, kErrLenTooBig},
      {"rows 0", kTraining, 4, 0, 0, kErrRowsZero},
      {"mode 3", 3, 4, 1, 0, kErrBadMode},
      {"ds_shift 17", kBackward, 4, 1, 17, kErrDsShift},
      {"two at once", 7, 0, 1, 0, kErrBadMode | kErrLenZero},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    b.configure(c.mode, c.len, c.rows, c.ds_shift);
    b.apb.write_ok(kCtrl, 1);
    b.h.step(5);
    EXPECT_EQ(b.apb.read_ok(kErr), c.err);
    EXPECT_EQ(b.apb.read_ok(kStatus), 2u) << "DONE, not BUSY";
    EXPECT_EQ(b.h.dut().in_ready_o, 0) << "no input taken";
  }
  // A legal run afterwards clears ERR; a start while busy is flagged and changes nothing.
  b.configure(kTraining, 3, 1, 0);
  b.apb.write_ok(kCtrl, 1);
  b.apb.write_ok(kCtrl, 1);
  EXPECT_EQ(b.apb.read_ok(kErr), kErrStartBusy);
  EXPECT_TRUE(b.apb.write(kLen, 9)) << "configuration is locked while busy";
  EXPECT_EQ(b.apb.read_ok(kLen), 3u);
}

TEST_F(SoftmaxUnitDirected, RegisterPortErrorResponses) {
  Bench b(harness_options(), log(), rng(), StallProfile::none());
  uint32_t v = 0;
  EXPECT_TRUE(b.apb.read(0x100, &v)) << "unmapped read";
  EXPECT_TRUE(b.apb.write(0x100, 1)) << "unmapped write";
  EXPECT_TRUE(b.apb.write(kRowMax, 1)) << "read-only";
  EXPECT_TRUE(b.apb.write(kCycles, 1)) << "read-only";
  EXPECT_TRUE(b.apb.write(kLen + 1, 1)) << "misaligned";
  EXPECT_TRUE(b.apb.write(kLen, 1, 0x1)) << "partial strobes";
  EXPECT_EQ(b.apb.read_ok(kLen), 0u) << "the refused writes changed nothing";
}

// CYCLES counts the busy cycles of a start: a row slot is B + 4 cycles forward (docs), so a
// start of n rows of B beats takes (n + 2) slots, give or take the slot boundaries.
TEST_F(SoftmaxUnitDirected, CyclesRegisterShowsTheRowPipeline) {
  Bench b(harness_options(), log(), rng(), StallProfile::none());
  const uint32_t beats = kRowLimit / kL;
  auto cycles_for = [&](size_t rows) {
    std::vector<Row> rs;
    for (size_t r = 0; r < rows; ++r) rs.push_back(random_fwd_row(rng(), kRowLimit, 0.0));
    run_rows(b, kTraining, kRowLimit, 0, rs);
    return b.apb.read_ok(kCycles);
  };
  const uint32_t c4 = cycles_for(4), c8 = cycles_for(8);
  EXPECT_EQ(c8 - c4, 4 * (beats + 4)) << "one row per slot of B + 4 cycles in the steady state";
  EXPECT_TRUE(b.sb.finish());
}

TEST_F(SoftmaxUnitDirected, WrongInLastIsFlaggedAndTheRowStillCompletes) {
  Bench b(harness_options(), log(), rng(), StallProfile::none());
  const uint32_t len = 3 * kL;
  Row r = random_fwd_row(rng(), len, 0.0);
  // Send the row by hand with in_last on the first beat instead of the third.
  const auto g = golden::softmax_fwd(scores(r), {}, golden::SoftmaxFormat::kTraining);
  for (unsigned bi = 0; bi < 3; ++bi) {
    InBeat<kL> in;
    OutBeat<kL> o;
    for (unsigned j = 0; j < kL; ++j) {
      in.a[j] = r.a[bi * kL + j];
      in.keep |= 1u << j;
      o.d[j] = g.p[bi * kL + j];
    }
    in.last = bi == 0;
    o.last = bi == 2;
    b.src.push(in);
    b.sb.expect(o);
  }
  b.configure(kTraining, len, 1, 0);
  b.apb.write_ok(kCtrl, 1);
  ASSERT_TRUE(b.h.run_until([&] { return b.h.dut().done_o != 0; }, 1000, "DONE"));
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.apb.read_ok(kErr), kErrLastMismatch);
}

// ---- Reset in the middle of a run (issue 13, item 5; docs/conventions.md, "Reset in the middle
// of a run"): rows with random data under back-pressure are interrupted by rst_ni early, mid-way
// or while an output beat is held; the outputs stay quiet, every register reads its reset
// value, and the rows of a fresh start (another mode) match the golden model exactly, with
// ROWS_DONE counting only them.

class SoftmaxReset : public HycimTestP<ResetPoint> {};

TEST_P(SoftmaxReset, MidOperation) {
  Bench b(harness_options(), log(), rng(), StallProfile::random());
  const auto power_on = read_registers(b.apb, kRegisters);
  size_t rows_of_job = 0;
  unsigned job = 0;
  auto queue = [&](golden::Rng& r) -> uint64_t {
    const uint32_t mode = job++ % 3;
    const auto len = static_cast<uint32_t>(r.uniform_int(2 * kL, kRowLimit));
    rows_of_job = static_cast<size_t>(r.uniform_int(1, 3));
    std::vector<Row> rows;
    for (size_t k = 0; k < rows_of_job; ++k) rows.push_back(random_row(r, mode, len, 0.2));
    const auto ds_shift = static_cast<uint32_t>(r.uniform_int(0, 16));
    queue_rows(b, mode, len, ds_shift, rows, true, "row");
    b.configure(mode, len, static_cast<uint32_t>(rows.size()), ds_shift);
    return rows.size() * ((len + kL - 1) / kL);
  };
  for (int round = 0; round < 3 && log().ok(); ++round) {
    SCOPED_TRACE(fmt::format("round {}", round));
    const uint64_t fresh = lane_mid_reset_round(b, kRegisters, power_on, rng(), GetParam(), kCtrl,
                                                queue, row_limit(kRowLimit, kL, 3));
    EXPECT_GT(fresh, 0u);
    EXPECT_EQ(b.apb.read_ok(kRowsDone), rows_of_job) << "counts only the start after the reset";
  }
  EXPECT_EQ(b.sb.mismatches(), 0u);
  EXPECT_TRUE(b.sb.finish());
  EXPECT_EQ(b.h.mid_resets(), 3u);
  EXPECT_GT(b.quiet.checked(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Point, SoftmaxReset, ::testing::ValuesIn(kResetPoints),
                         reset_point_name<::testing::TestParamInfo<ResetPoint>>);

}  // namespace
}  // namespace hycim::tb
