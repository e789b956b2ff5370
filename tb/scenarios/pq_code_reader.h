// The relevance unit's side of pq_encoder's code buffers, as a harness plug-in: random reads
// through the cb_rd port (one cycle latency) of entries whose contents are known, checked the
// cycle after. The run loop keeps `expect` up to date and sets `busy_sel` to the buffer being
// written (not read then).
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "error_log.h"
#include "golden/core/rng.h"
#include "harness.h"

namespace hycim::tb::pq {

template <class Dut>
class CodeBufferReader : public ClockPlugin {
 public:
  std::array<std::vector<std::optional<uint32_t>>, 2> expect;  // per buffer: Q, K
  int busy_sel = -1;                                           // -1: read both
  double rate = 0.5;

  CodeBufferReader(Harness<Dut>& h, ErrorLog& log, golden::Rng& rng)
      : h_(h), log_(log), rng_(rng) {}
  void resize(uint32_t entries) {
    expect[0].assign(entries, std::nullopt);
    expect[1].assign(entries, std::nullopt);
  }
  uint64_t checked() const { return checked_; }
  // A reset in the middle of a run: the buffers hold no known codes any more (the memories have
  // no reset; a new run writes them again), and a read in flight is not checked.
  void reset_begin(uint64_t) override {
    for (auto& e : expect) e.assign(e.size(), std::nullopt);
    pending_ = false;
    busy_sel = -1;
  }

  void drive(uint64_t) override {
    auto& d = h_.dut();
    pending_ = false;
    d.cb_rd_en_i = 0;
    if (expect[0].empty() || !rng_.bernoulli(rate)) return;
    const int sel = busy_sel < 0 ? static_cast<int>(rng_.uniform_int(0, 1)) : 1 - busy_sel;
    const auto n = static_cast<int64_t>(expect[sel].size());
    const auto addr = static_cast<uint32_t>(rng_.uniform_int(0, n - 1));
    d.cb_rd_en_i = 1;
    d.cb_rd_sel_i = static_cast<uint8_t>(sel);
    d.cb_rd_addr_i = addr;
    if (expect[sel][addr]) {
      pending_ = true;
      want_ = *expect[sel][addr];
      what_ = fmt::format("{} entry {}", sel ? "K" : "Q", addr);
    }
  }
  void after_edge(uint64_t cycle) override {
    if (!pending_) return;
    ++checked_;
    const uint32_t got = h_.dut().cb_rd_data_o;
    if (got != want_ && errors_++ < 5) {
      log_.error(fmt::format("code buffer read port, {} at cycle {}: {:08x}, expected {:08x}",
                             what_, cycle, got, want_));
    }
  }

 private:
  Harness<Dut>& h_;
  ErrorLog& log_;
  golden::Rng& rng_;
  bool pending_ = false;
  uint32_t want_ = 0;
  std::string what_;
  uint64_t checked_ = 0, errors_ = 0;
};

}  // namespace hycim::tb::pq
