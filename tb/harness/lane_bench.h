// The bench of a lane-streaming top (softmax_unit, sfln_unit, layernorm_unit, and the blocks to
// come that take and give beats of several lanes): a harness, the APB driver, one input stream
// source, one output stream sink feeding an in-order scoreboard, and readable beat names. A
// block brings only its beat types, how a beat goes onto and comes off its ports, its stimulus
// and its golden mapping; the scenario loop (run_lane_scenario), the per-mode tallies
// (ModeTallies) and the steady-state measurement (measure_throughput) are shared.
#pragma once

#include <fmt/format.h>
#include <verilated.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apb.h"
#include "error_log.h"
#include "golden/core/rng.h"
#include "harness.h"
#include "mid_reset.h"
#include "scenario.h"
#include "scoreboard.h"
#include "stream.h"

namespace hycim::tb {

// 16-bit lane access to a Verilator port of Lanes*16 bits (QData up to 64 bits, VlWide above).
inline void put16(uint64_t& port, unsigned lane, uint16_t v) {
  port = (port & ~(uint64_t{0xFFFF} << (16 * lane))) | (uint64_t{v} << (16 * lane));
}
inline uint16_t get16(uint64_t port, unsigned lane) {
  return static_cast<uint16_t>(port >> (16 * lane));
}
template <std::size_t N>
void put16(VlWide<N>& port, unsigned lane, uint16_t v) {
  const unsigned w = lane / 2, s = (lane % 2) * 16;
  port[w] = (port[w] & ~(0xFFFFu << s)) | (uint32_t{v} << s);
}
template <std::size_t N>
uint16_t get16(const VlWide<N>& port, unsigned lane) {
  return static_cast<uint16_t>(port[lane / 2] >> ((lane % 2) * 16));
}

// How a block's beats meet its ports: the stream's name ("<stream>.in", "<stream>.out"), the
// CTRL register that starts it, and the functions that put an input beat on the in_* ports and
// read an output beat from the out_* ports. The handshake ports are the HyCIM ones
// (in_valid_i / in_ready_o, out_valid_o / out_ready_i) and the top raises done_o when a start
// has finished.
template <class Dut, class InBeat, class OutBeat>
struct LanePorts {
  std::string stream;
  uint32_t ctrl = 0x00;
  void (*put)(Dut&, const InBeat&) = nullptr;
  OutBeat (*get)(Dut&) = nullptr;
};

template <class Dut, class InBeat, class OutBeat>
class LaneBench {
  LanePorts<Dut, InBeat, OutBeat> ports_;  // first: the streams below call it

 public:
  using In = InBeat;
  using Out = OutBeat;
  using Ports = LanePorts<Dut, InBeat, OutBeat>;

  Harness<Dut> h;
  ApbDriver<Dut> apb;
  Scoreboard<Out> sb;
  StreamSource<In> src;
  StreamSink<Out> sink;
  std::vector<std::string> beat_names;  // the name of each expected beat, for messages
  ResetHook on_reset{[this] { reset_state(); }};
  QuietMonitor quiet;  // out_valid_o and done_o after a reset in the middle of a run

  LaneBench(const Ports& ports, const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng,
            const StallProfile& st)
      : ports_(ports),
        h(ho, log),
        apb(h),
        sb(ports.stream + ".out", log,
           [this](uint64_t i) {
             return i < beat_names.size() ? beat_names[i] : fmt::format("beat {}", i);
           }),
        src(ports.stream + ".in",
            {[this](bool v) { h.dut().in_valid_i = v; }, [this] { return h.dut().in_ready_o != 0; },
             [this](const In& b) { ports_.put(h.dut(), b); }},
            rng, st.valid_prob),
        sink(ports.stream + ".out",
             {[this] { return h.dut().out_valid_o != 0; },
              [this](bool r) { h.dut().out_ready_i = r; }, [this] { return ports_.get(h.dut()); }},
             rng, st.ready_prob, log, [this](const Out& b, uint64_t) { sb.observe(b); }),
        quiet(log, {{"out_valid_o", [this] { return h.dut().out_valid_o != 0; }},
                    {"done_o", [this] { return h.dut().done_o != 0; }}}) {
    h.add(src);
    h.add(sink);
    h.add(on_reset);
    h.add(quiet);
    h.reset();
  }

  // A reset in the middle of a run (Harness::reset_mid_run calls it): the interrupted job's
  // pending output beats and their names are withdrawn (the source and sink drop theirs).
  void reset_state() {
    const uint64_t n = sb.reset();
    beat_names.resize(beat_names.size() - std::min<uint64_t>(n, beat_names.size()));
  }

  // Queues one golden output beat under a readable name ("row 2 beat 0").
  void expect(const Out& o, std::string name) {
    sb.expect(o);
    beat_names.push_back(std::move(name));
  }

  // Writes CTRL.start, waits for done_o, then for the last expected output beat.
  void start_and_wait(uint64_t limit, std::string_view what) {
    apb.write_ok(ports_.ctrl, 1);
    h.run_until([&] { return h.dut().done_o != 0; }, limit, what);
    h.run_until([&] { return sb.pending() == 0; }, 100, "last output beat");
  }
};

// One round of the reset-in-the-middle check on a lane bench (docs/conventions.md, "Reset in
// the middle of a run"): `queue` programs a job with random data, queues its input beats and
// golden output beats and returns how many output beats it gives (it may run other jobs first,
// a parameter load); the job is started, reset at `point` (drawn from `rng`) with rst_ni low
// 1..5 cycles, the outputs must stay quiet and every register of `regs` must read its reset
// value (`power_on`: read_registers() after the first reset), then a fresh job from `queue`
// runs to DONE and every one of its output beats must match (the bench's QuietMonitor watches
// out_valid_o and done_o until `queue` is called for it). Returns the fresh job's output beats;
// the caller checks its block's counters.
template <class Bench, class Table>
uint64_t lane_mid_reset_round(Bench& b, const Table& regs, const std::vector<uint32_t>& power_on,
                              golden::Rng& rng, ResetPoint point, uint32_t ctrl,
                              const std::function<uint64_t(golden::Rng&)>& queue, uint64_t limit) {
  auto& d = b.h.dut();
  auto& quiet = b.quiet;
  const uint64_t c0 = b.sb.compared(), w0 = b.sb.withdrawn();
  const uint64_t beats = queue(rng);
  b.apb.write_ok(ctrl, 1);
  const std::string where = run_to_reset_point(b.h, point, rng,
                                               {.received = [&] { return b.sb.compared() - c0; },
                                                .beats = beats,
                                                .out_valid = [&] { return d.out_valid_o != 0; },
                                                .pause_sink = [&](bool p) { b.sink.pause(p); },
                                                .limit = limit});
  const auto hold = static_cast<unsigned>(rng.uniform_int(1, 5));
  fmt::print("[  reset   ] {}; rst_ni low for {} cycles\n", where, hold);
  b.h.reset_mid_run(hold);
  b.sink.pause(false);
  if (b.sb.compared() - c0 + (b.sb.withdrawn() - w0) != beats) {
    b.h.log().error(fmt::format("interrupted job: {} output beats compared and {} withdrawn, of {}",
                                b.sb.compared() - c0, b.sb.withdrawn() - w0, beats));
  }
  if (d.in_ready_o) b.h.log().error("in_ready_o high right after the reset");
  expect_reset_values(b.apb, regs, power_on, b.h.log());
  b.h.step(static_cast<uint64_t>(rng.uniform_int(0, 10)));
  if (!quiet.armed() || quiet.checked() == 0) b.h.log().error("the quiet check did not run");

  // The fresh job.
  quiet.release();
  const uint64_t c1 = b.sb.compared();
  const uint64_t fresh = queue(rng);
  b.apb.write_ok(ctrl, 1);
  const uint64_t t0 = b.h.cycle();
  b.h.run_until([&] { return d.done_o != 0; }, limit, "DONE of the job after the reset");
  const uint64_t busy_max = b.h.cycle() - t0;
  b.h.run_until([&] { return b.sb.pending() == 0; }, 100, "last output beat after the reset");
  if (b.sb.compared() - c1 != fresh) {
    b.h.log().error(fmt::format("the job after the reset: {} of {} output beats compared",
                                b.sb.compared() - c1, fresh));
  }
  // The common header: no error, DONE, and CYCLES counts this job only.
  for (const auto& r : regs) {
    const uint32_t v = b.apb.read_ok(r.offset);
    const std::string_view n = r.name;
    if ((n == "ERR" && v != 0) || (n == "STATUS" && v != 2) || (n == "CYCLES" && v > busy_max)) {
      b.h.log().error(
          fmt::format("after the job that followed the reset: {} reads {:#x}{}", n, v,
                      n == "CYCLES" ? fmt::format(" (the job took {})", busy_max) : std::string()));
    }
  }
  return fresh;
}

// Per-mode tallies of one output stream: the scoreboard's counts between begin() and end(mode)
// go to that mode's tensor. report() gives the whole stream first, then every mode that was run.
class ModeTallies {
 public:
  explicit ModeTallies(std::vector<std::string> names) {
    for (auto& n : names) modes_.push_back(TensorTally{std::move(n)});
  }

  template <class SB>
  void begin(const SB& sb) {
    e0_ = sb.expected_total();
    c0_ = sb.compared();
    m0_ = sb.mismatches();
  }
  template <class SB>
  void end(const SB& sb, size_t mode) {
    auto& t = modes_.at(mode);
    t.expected += sb.expected_total() - e0_;
    t.compared += sb.compared() - c0_;
    t.mismatches += sb.mismatches() - m0_;
  }
  template <class SB>
  std::vector<TensorTally> report(const SB& sb) const {
    std::vector<TensorTally> r = {tally(sb)};
    for (const auto& t : modes_) {
      if (t.expected) r.push_back(t);
    }
    return r;
  }

 private:
  std::vector<TensorTally> modes_;
  uint64_t e0_ = 0, c0_ = 0, m0_ = 0;
};

// What a lane scenario is: its names, the registers it reads, and its modes' tensor names.
struct LaneScenarioSpec {
  std::string scenario;                   // "softmax"
  std::string top;                        // "softmax_unit"
  std::string view;                       // saved gtkwave view ("" for none)
  uint32_t max_reg = 0;                   // the register holding the longest row
  std::string max_name;                   // its name in messages ("ROW_MAX")
  uint32_t err_reg = 0;                   // ERR, checked after every start
  std::vector<std::string> mode_tensors;  // per mode: "softmax.out inference", ...
};

// One start of a lane scenario, as the block ran it.
struct LaneStart {
  size_t mode = 0;        // index into LaneScenarioSpec::mode_tensors
  uint64_t elements = 0;  // elements compared
  std::string what;       // the middle of the progress line ("inference 2 rows of   17")
};

// The scenario loop every lane block shares: o.runs starts (fewer when one fails), each of
// o.len elements (random in 1 .. the max register when 0) under o.stall; start() queues the
// stimulus and its golden beats for start k and runs them. ERR must read 0 after each start.
// Reports the output beats of all modes, then of each mode that ran.
template <class Bench>
ScenarioReport run_lane_scenario(
    const ScenarioOptions& o, ErrorLog& log, const LaneScenarioSpec& spec,
    const std::function<LaneStart(Bench&, golden::Rng&, unsigned k, uint32_t len)>& start) {
  ScenarioRun sr(spec.scenario, spec.top, o, spec.view);
  ScenarioReport& rep = sr.rep;
  golden::Rng rng(o.seed);
  {
    Bench b(sr.harness, log, sr.stall_rng, o.stall);
    const uint32_t max_len = b.apb.read_ok(spec.max_reg);
    if (o.len > max_len) {
      log.error(fmt::format("--len {} exceeds {} {}", o.len, spec.max_name, max_len));
    }
    ModeTallies per_mode(spec.mode_tensors);
    for (unsigned k = 0; k < o.runs && log.ok(); ++k) {
      const uint32_t len = o.len ? o.len : static_cast<uint32_t>(rng.uniform_int(1, max_len));
      per_mode.begin(b.sb);
      const LaneStart s = start(b, rng, k, len);
      per_mode.end(b.sb, s.mode);
      rep.elements += s.elements;
      ++rep.runs;
      if (b.apb.read_ok(spec.err_reg) != 0) log.error(fmt::format("run {}: ERR set", k));
      if (o.progress) {
        fmt::print("  run {:>3}/{}: {}  cycle {:>9}  {}\n", k + 1, o.runs, s.what, b.h.cycle(),
                   log.ok() ? "ok" : "FAILED");
      }
    }
    b.sb.finish();
    rep.tensors = per_mode.report(b.sb);
    sr.record_sim(b.h);
  }
  return sr.finish(log);
}

// run(bench, rng, len) sends `rows` rows of len (the max register) in mode `mode`.
template <class Bench>
Throughput measure_throughput(const std::string& name, uint32_t max_reg, uint32_t cycles_reg,
                              uint32_t mode, uint32_t rows, ErrorLog& log,
                              const std::function<void(Bench&, golden::Rng&, uint32_t)>& run) {
  golden::Rng rng(7);
  HarnessOptions ho;
  ho.name = name;
  Bench b(ho, log, rng, StallProfile::none());
  Throughput t;
  t.mode = mode;
  t.rows = rows;
  t.len = b.apb.read_ok(max_reg);
  run(b, rng, t.len);
  t.cycles = b.apb.read_ok(cycles_reg);
  t.elements_per_cycle = static_cast<double>(t.len) * rows / std::max(t.cycles, 1u);
  t.passed = b.sb.finish() && log.ok();
  return t;
}

}  // namespace hycim::tb
