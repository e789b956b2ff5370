// The simulation harness of a HyCIM testbench (docs/conventions.md, "Testbench harness"): one
// VerilatedContext and one model per Harness object (never a singleton), a clock and active-low
// reset driver, a cycle loop with plug-ins (stream drivers, monitors, analog models), run_until
// with a cycle limit, waveforms switched at run time, $error / $fatal / assertion failures turned
// into logged errors, and per-test coverage files.
//
// The DUT must have the HyCIM ports clk_i and rst_ni.
//
// reset_mid_run() asserts the asynchronous reset in the middle of a run (docs/conventions.md,
// "Reset in the middle of a run"): every plug-in hears reset_begin() before rst_ni falls and
// reset_end() after it rises, and drops its in-flight state there (queued beats, a stalled
// beat, pending expectations); tb/harness/mid_reset.h has the checks that go with it.
//
// One cycle, as step() runs it (clock low on entry):
//   1. drive():      every plug-in sets the DUT inputs for this cycle
//   2. eval(), then sample(): inputs have settled; plug-ins see the values the flops will take
//      at the rising edge (a handshake is valid && ready here)
//   3. rising edge, eval(), after_edge(); then the falling edge.
#pragma once

#include <fmt/format.h>
#include <verilated.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "error_log.h"
#include "trace_options.h"

#if VM_TRACE
#include <verilated_fst_c.h>
#endif
#if VM_COVERAGE
#include <verilated_cov.h>
#endif

namespace hycim::tb {

// In coverage builds, writes the context's coverage to $HYCIM_COV_DIR/coverage_<name>.dat
// (default directory: the working directory); otherwise does nothing.
inline void write_coverage([[maybe_unused]] VerilatedContext& ctx,
                           [[maybe_unused]] const std::string& name) {
#if VM_COVERAGE
  const char* dir = std::getenv("HYCIM_COV_DIR");
  const std::filesystem::path d = (dir && *dir) ? dir : ".";
  std::filesystem::create_directories(d);
  ctx.coveragep()->write((d / fmt::format("coverage_{}.dat", name)).string().c_str());
#endif
}

class ClockPlugin {
 public:
  virtual ~ClockPlugin() = default;
  virtual void drive(uint64_t /*cycle*/) {}
  virtual void sample(uint64_t /*cycle*/) {}
  virtual void after_edge(uint64_t /*cycle*/) {}
  // A reset in the middle of a run (Harness::reset_mid_run): reset_begin() before rst_ni falls,
  // reset_end() after it rises. The plug-in keeps being clocked in between.
  virtual void reset_begin(uint64_t /*cycle*/) {}
  virtual void reset_end(uint64_t /*cycle*/) {}
};

// A plug-in that only runs a function when a reset in the middle of a run begins: for the
// state that is no plug-in itself (scoreboards' pending expectations, a bench's queues).
class ResetHook : public ClockPlugin {
 public:
  explicit ResetHook(std::function<void()> on_reset) : on_reset_(std::move(on_reset)) {}
  void reset_begin(uint64_t) override { on_reset_(); }

 private:
  std::function<void()> on_reset_;
};

struct HarnessOptions {
  std::string name = "sim";  // names the default waveform and coverage files
  uint64_t seed = 1;         // seeds Verilator's own randomization (randReset)
  int rand_reset = 0;        // 0: registers start at zero; 2: random (reset-robustness runs)
  TraceOptions trace;
};

template <class Dut>
class Harness {
 public:
  Harness(HarnessOptions opt, ErrorLog& log)
      : opt_(std::move(opt)), log_(log), ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->fatalOnError(false);
    ctx_->randReset(opt_.rand_reset);
    ctx_->randSeed(static_cast<int>(opt_.seed & 0x7fffffff));
    ctx_->traceEverOn(opt_.trace.enabled);
    dut_ = std::make_unique<Dut>(ctx_.get(), "TOP");
    log_.set_cycle_source(&cycle_);
    if (opt_.trace.enabled) open_trace();
    dut_->clk_i = 0;
    dut_->rst_ni = 1;
    eval();
  }

  ~Harness() {
    dut_->final();
    close_trace();
    log_.set_cycle_source(nullptr);
    write_coverage(*ctx_, opt_.name);
  }

  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  Dut& dut() { return *dut_; }
  VerilatedContext& ctx() { return *ctx_; }
  ErrorLog& log() { return log_; }
  uint64_t cycle() const { return cycle_; }
  const TraceOptions& trace() const { return opt_.trace; }
  bool tracing() const { return tfp_open_; }

  void add(ClockPlugin& p) { plugins_.push_back(&p); }

  // Settles combinational logic after the testbench changed inputs directly.
  void eval() {
    dut_->eval();
    check_rtl_errors();
  }

  // Asynchronous reset: rst_ni low for `cycles` clock cycles, released between clock edges.
  void reset(unsigned cycles = 4) {
    dut_->rst_ni = 0;
    eval();
    step(cycles);
    dut_->rst_ni = 1;
    eval();
  }

  // Asynchronous reset in the middle of a run: every plug-in hears reset_begin(), rst_ni falls
  // between two clock edges (with the clock low, so the flops must clear without an edge),
  // stays low for `cycles` cycles while the plug-ins keep running, rises between edges, and
  // every plug-in hears reset_end(). in_reset() is true from the fall to the rise.
  void reset_mid_run(unsigned cycles = 4) {
    for (auto* p : plugins_) p->reset_begin(cycle_);
    in_reset_ = true;
    dut_->rst_ni = 0;
    eval();
    step(cycles);
    dut_->rst_ni = 1;
    eval();
    in_reset_ = false;
    ++mid_resets_;
    for (auto* p : plugins_) p->reset_end(cycle_);
  }
  bool in_reset() const { return in_reset_; }
  // Resets done by reset_mid_run() so far.
  unsigned mid_resets() const { return mid_resets_; }

  void step(uint64_t n = 1) {
    for (uint64_t i = 0; i < n; ++i) one_cycle();
  }

  // Steps until done() is true (checked before each cycle). Returns false and logs an error
  // naming `what` when max_cycles pass first, or when the RTL reports an error.
  bool run_until(const std::function<bool()>& done, uint64_t max_cycles, std::string_view what) {
    const uint64_t start = cycle_;
    while (!done()) {
      if (rtl_error_) return false;
      if (cycle_ - start >= max_cycles) {
        log_.error(fmt::format("timeout: {} did not happen within {} cycles (cycle {})", what,
                               max_cycles, cycle_));
        return false;
      }
      one_cycle();
    }
    return !rtl_error_;
  }

 private:
  void one_cycle() {
    for (auto* p : plugins_) p->drive(cycle_);
    eval();
    for (auto* p : plugins_) p->sample(cycle_);
    dump(time_);
    time_ += kClockPeriod / 2;
    ctx_->time(time_);
    dut_->clk_i = 1;
    eval();
    dump(time_);
    for (auto* p : plugins_) p->after_edge(cycle_);
    ++cycle_;
    time_ += kClockPeriod / 2;
    ctx_->time(time_);
    dut_->clk_i = 0;
    eval();
  }

  void check_rtl_errors() {
    if (rtl_error_) return;
    if (ctx_->gotError()) {
      rtl_error_ = true;
      log_.error(fmt::format(
          "the RTL reported an error at cycle {} (assertion, $error or $fatal; its message is "
          "printed above)",
          cycle_));
    } else if (ctx_->gotFinish()) {
      rtl_error_ = true;
      log_.error(fmt::format("the RTL called $finish at cycle {}", cycle_));
    }
  }

  void open_trace() {
#if VM_TRACE
    const auto& t = opt_.trace;
    const std::filesystem::path p(t.file);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    fst_file_ = p.extension() == ".vcd" ? t.file + ".fst" : t.file;
    tfp_ = std::make_unique<VerilatedFstC>();
    dut_->trace(tfp_.get(), 99);
    tfp_->open(fst_file_.c_str());
    if (!tfp_->isOpen()) {
      log_.error(fmt::format("cannot open the waveform file {}", fst_file_));
      return;
    }
    tfp_open_ = true;
#else
    log_.error("tracing requested, but this model was built without trace support");
#endif
  }

  void dump([[maybe_unused]] uint64_t t) {
#if VM_TRACE
    if (tfp_open_ && cycle_ >= opt_.trace.start_cycle && cycle_ <= opt_.trace.stop_cycle) {
      tfp_->dump(t);
      if (!dumped_any_) dump_first_ = t;
      dumped_any_ = true;
      dump_last_ = t;
    }
#endif
  }

  void close_trace() {
#if VM_TRACE
    if (!tfp_open_) return;
    tfp_->close();
    tfp_open_ = false;
    if (fst_file_ != opt_.trace.file) {
      std::string why;
      if (!fst_to_vcd(fst_file_, opt_.trace.file, &why)) {
        fmt::print(stderr, "[ trace ] {}\n", why);
        return;
      }
    }
    // The view opens on what was recorded, with the marker on the first error if there is one.
    WaveWindow w{dump_first_, dump_last_, {}};
    if (const auto c = log_.first_error_cycle()) w.marker = *c * kClockPeriod;
    std::string why;
    if (!write_wave_view(opt_.trace.view, opt_.trace.file, w, opt_.trace.wave_view_file(), &why)) {
      fmt::print(stderr, "[ trace ] {}\n", why);
    }
    fmt::print("[ trace ] waveform: {}\n[ trace ] open with: {}\n", opt_.trace.file,
               opt_.trace.gtkwave_command());
#endif
  }

  HarnessOptions opt_;
  ErrorLog& log_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Dut> dut_;
  std::vector<ClockPlugin*> plugins_;
  uint64_t cycle_ = 0;
  uint64_t time_ = 0;
  static constexpr uint64_t kClockPeriod = 10;  // waveform time units per cycle (two steps of 5)
  bool rtl_error_ = false;
  bool in_reset_ = false;
  unsigned mid_resets_ = 0;
  bool tfp_open_ = false;
  bool dumped_any_ = false;
  uint64_t dump_first_ = 0;  // waveform times of the first and last dumped steps
  uint64_t dump_last_ = 0;
  std::string fst_file_;
#if VM_TRACE
  std::unique_ptr<VerilatedFstC> tfp_;
#endif
};

// A purely combinational DUT (no clock): a context, the model and an eval() that turns RTL
// errors into logged errors.
template <class Dut>
class CombHarness {
 public:
  CombHarness(std::string name, ErrorLog& log)
      : name_(std::move(name)), log_(log), ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->fatalOnError(false);
    dut_ = std::make_unique<Dut>(ctx_.get(), "TOP");
  }
  ~CombHarness() {
    dut_->final();
    write_coverage(*ctx_, name_);
  }
  Dut& dut() { return *dut_; }
  void eval() {
    dut_->eval();
    if (ctx_->gotError() && !reported_) {
      reported_ = true;
      log_.error("the RTL reported an error (message above)");
    }
  }

 private:
  std::string name_;
  ErrorLog& log_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Dut> dut_;
  bool reported_ = false;
};

}  // namespace hycim::tb
