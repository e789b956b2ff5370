// Bench of relevance_unit (docs/attention/relevance.md), shared by its ci and bert tests: the
// harness, a request source and a score sink under a StallProfile, direct drivers of the table and
// key code write ports, a shadow of both memories, and the golden beats of every row
// (golden::relevance_row cut into beats of Lanes keys) queued on an in-order scoreboard.
//
// While rows stream, an optional churn plug-in writes random codes to the keys at and above S
// (which no row of the batch reads) and rewrites keys below S with the code they already hold:
// key code writes are legal at any time and must not disturb the beats in flight.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "golden/attention/relevance.h"
#include "golden/core/rng.h"
#include "golden/core/tensor.h"
#include "harness.h"
#include "lane_bench.h"
#include "scoreboard.h"
#include "stream.h"

namespace hycim::tb::relevance {

struct Req {
  uint32_t code = 0;  // M 4-bit codes, subspace m in bits [4m +: 4]
  uint32_t row = 0;
  bool operator==(const Req&) const = default;
  std::string str() const { return fmt::format("code 0x{:08x} row {}", code, row); }
};

template <unsigned L>
struct Beat {
  std::array<int16_t, L> score{};
  uint64_t lanes = 0;  // lane-valid bits
  uint32_t base = 0;
  uint32_t row = 0;
  bool last = false;
  bool operator==(const Beat&) const = default;
  std::string str() const {
    std::string s =
        fmt::format("row {} base {} last {} lanes 0x{:x} scores", row, base, last ? 1 : 0, lanes);
    for (auto v : score) s += fmt::format(" {}", v);
    return s;
  }
};

struct Config {
  uint32_t num_keys = 1;
  int mode = golden::kRelevanceTable;
  bool causal = false;
};

template <class Dut, class Cfg>
class Bench : public ClockPlugin {
 public:
  static constexpr unsigned kL = Cfg::kRelevanceLanes;
  static constexpr unsigned kM = Cfg::kNumSubspaces;
  static constexpr unsigned kC = Cfg::kNumCentroids;
  static constexpr uint32_t kSeqMax = Cfg::kSeqLenMax;
  static_assert(kM * 4 <= 32 && kL <= 64, "the bench packs codes in 32 and lanes in 64 bits");
  using Out = Beat<kL>;

  Harness<Dut> h;
  Scoreboard<Out> sb;
  StreamSource<Req> src;
  StreamSink<Out> sink;
  std::vector<std::string> names;     // per expected beat
  std::vector<uint64_t> beat_cycles;  // cycle of every output handshake
  std::vector<uint64_t> req_cycles;   // cycle of every request handshake
  uint64_t churn_writes = 0;

  Bench(const HarnessOptions& ho, ErrorLog& log, golden::Rng& rng, const StallProfile& st)
      : h(ho, log),
        sb("relevance.score", log,
           [this](uint64_t i) { return i < names.size() ? names[i] : fmt::format("beat {}", i); }),
        src("relevance.req",
            {[this](bool v) { h.dut().req_valid_i = v; },
             [this] { return h.dut().req_ready_o != 0; },
             [this](const Req& q) {
               h.dut().req_code_i = q.code;
               h.dut().req_row_i = q.row;
             }},
            rng, st.valid_prob),
        sink("relevance.score",
             {[this] { return h.dut().rel_valid_o != 0; },
              [this](bool r) { h.dut().rel_ready_i = r; }, [this] { return get(h.dut()); }},
             rng, st.ready_prob, log,
             [this](const Out& b, uint64_t) {
               beat_cycles.push_back(h.cycle());
               sb.observe(b);
             }),
        rng_(rng),
        tables_({kM, kC, kC}),
        keys_({kSeqMax, kM}) {
    auto& d = h.dut();
    d.tbl_we_i = 0;
    d.kc_we_i = 0;
    d.cfg_num_keys_i = 1;
    d.cfg_mode_i = 0;
    d.cfg_causal_i = 0;
    h.add(src);
    h.add(sink);
    h.add(*this);
    h.reset();
  }

  static Out get(Dut& d) {
    Out b;
    for (unsigned l = 0; l < kL; ++l) b.score[l] = static_cast<int16_t>(get16(d.rel_score_o, l));
    b.lanes = static_cast<uint64_t>(d.rel_valid_lanes_o);
    b.base = d.rel_base_o;
    b.row = d.rel_row_o;
    b.last = d.rel_last_o != 0;
    return b;
  }

  const golden::Tensor<int8_t>& tables() const { return tables_; }
  const golden::Tensor<uint8_t>& keys() const { return keys_; }

  // Writes every table entry, one per cycle (the unit must be idle).
  void write_tables(const golden::Tensor<int8_t>& t) {
    auto& d = h.dut();
    for (uint32_t a = 0; a < t.size(); ++a) {
      d.tbl_we_i = 1;
      d.tbl_addr_i = a;
      d.tbl_data_i = static_cast<uint8_t>(t[a]);
      h.step();
    }
    d.tbl_we_i = 0;
    tables_ = t;
  }

  // Writes key codes [from, from + n) from ck (kSeqMax x M), one per cycle.
  void write_keys(const golden::Tensor<uint8_t>& ck, uint32_t from, uint32_t n) {
    const bool churn = churn_;
    churn_ = false;
    auto& d = h.dut();
    for (uint32_t j = from; j < from + n; ++j) {
      d.kc_we_i = 1;
      d.kc_idx_i = j;
      d.kc_data_i = pack(ck, j);
      for (unsigned m = 0; m < kM; ++m) keys_(j, m) = ck(j, m);
      h.step();
    }
    d.kc_we_i = 0;
    churn_ = churn;
  }

  void configure(const Config& c) {
    cfg_ = c;
    auto& d = h.dut();
    d.cfg_num_keys_i = c.num_keys;
    d.cfg_mode_i = c.mode;
    d.cfg_causal_i = c.causal;
  }
  const Config& config() const { return cfg_; }

  void set_churn(bool on) { churn_ = on; }

  // Queues one row request and its golden beats.
  void send(const Req& q) {
    const uint32_t s = cfg_.num_keys;
    std::vector<uint8_t> cq(kM);
    for (unsigned m = 0; m < kM; ++m) cq[m] = static_cast<uint8_t>((q.code >> (4 * m)) & 0xF);
    golden::Tensor<uint8_t> ck({s, kM});
    std::copy_n(keys_.data().begin(), size_t{s} * kM, ck.data().begin());
    const auto g = golden::relevance_row(cq, ck, tables_, cfg_.mode, cfg_.causal, q.row);
    const uint32_t nb = (s + kL - 1) / kL;
    for (uint32_t b = 0; b < nb; ++b) {
      Out o;
      o.base = b * kL;
      o.row = q.row;
      o.last = b + 1 == nb;
      for (unsigned l = 0; l < kL; ++l) {
        const uint32_t key = b * kL + l;
        if (key >= s) continue;
        o.score[l] = g.r[key];
        if (g.valid[key]) o.lanes |= uint64_t{1} << l;
      }
      sb.expect(o);
      names.push_back(fmt::format("request {} (row {}) beat {}", requests_, q.row, b));
    }
    src.push(q);
    ++requests_;
  }

  // Steps until every queued request was taken, every expected beat arrived and busy_o fell.
  bool drain(uint64_t limit) {
    return h.run_until([this] { return src.idle() && sb.pending() == 0 && h.dut().busy_o == 0; },
                       limit, "the last score beat");
  }

  // ClockPlugin: key churn and the request handshake record.
  void drive(uint64_t) override {
    auto& d = h.dut();
    if (!churn_) return;
    d.kc_we_i = 0;
    if (!rng_.bernoulli(0.3)) return;
    const uint32_t s = cfg_.num_keys;
    uint32_t j = 0;
    if (s < kSeqMax && rng_.bernoulli(0.7)) {
      j = static_cast<uint32_t>(rng_.uniform_int(s, kSeqMax - 1));
      for (unsigned m = 0; m < kM; ++m) {
        keys_(j, m) = static_cast<uint8_t>(rng_.uniform_int(0, kC - 1));
      }
    } else {
      j = static_cast<uint32_t>(rng_.uniform_int(0, s - 1));  // the same code again
    }
    d.kc_we_i = 1;
    d.kc_idx_i = j;
    d.kc_data_i = pack(keys_, j);
    ++churn_writes;
  }
  void sample(uint64_t cycle) override {
    if (h.dut().req_valid_i && h.dut().req_ready_o) req_cycles.push_back(cycle);
  }
  // A reset in the middle of a run: the interrupted rows' pending beats (and their names) are
  // withdrawn; the key churn stops. The table and key code memories have no reset: a test
  // writes them again before the next batch.
  void reset_begin(uint64_t) override {
    const uint64_t n = sb.reset();
    names.resize(names.size() - std::min<uint64_t>(n, names.size()));
    churn_ = false;
    h.dut().kc_we_i = 0;
  }

  static uint32_t pack(const golden::Tensor<uint8_t>& ck, uint32_t j) {
    uint32_t w = 0;
    for (unsigned m = 0; m < kM; ++m) w |= uint32_t{ck(j, m)} << (4 * m);
    return w;
  }

 private:
  golden::Rng& rng_;
  golden::Tensor<int8_t> tables_;
  golden::Tensor<uint8_t> keys_;
  Config cfg_;
  bool churn_ = false;
  uint64_t requests_ = 0;
};

// Random stimulus helpers.
template <class B>
golden::Tensor<int8_t> random_tables(golden::Rng& rng) {
  golden::Tensor<int8_t> t({B::kM, B::kC, B::kC});
  const int64_t kind = rng.uniform_int(0, 3);
  if (kind == 0) {
    // Realistic: the tables of two random codebooks at their own shift.
    golden::Codebook q, k;
    for (auto* cb : {&q, &k}) {
      cb->subspaces = B::kM;
      cb->centroids = B::kC;
      cb->sub_dim = 8;
      cb->cent = golden::Tensor<int8_t>({B::kM, B::kC, 8});
      for (auto& v : cb->cent.data()) v = static_cast<int8_t>(rng.uniform_int(-128, 127));
    }
    return golden::relevance_tables(q, k, golden::relevance_tshift(q, k));
  }
  for (auto& v : t.data()) {
    const int64_t p = rng.uniform_int(0, 7);
    v = static_cast<int8_t>(kind == 1 && p == 0   ? -128
                            : kind == 1 && p == 1 ? 127
                                                  : rng.uniform_int(-128, 127));
  }
  return t;
}

template <class B>
golden::Tensor<uint8_t> random_keys(golden::Rng& rng) {
  golden::Tensor<uint8_t> ck({B::kSeqMax, B::kM});
  for (auto& v : ck.data()) v = static_cast<uint8_t>(rng.uniform_int(0, B::kC - 1));
  return ck;
}

inline uint32_t random_code(golden::Rng& rng, unsigned m_n, unsigned c_n) {
  uint32_t w = 0;
  for (unsigned m = 0; m < m_n; ++m)
    w |= static_cast<uint32_t>(rng.uniform_int(0, c_n - 1)) << (4 * m);
  return w;
}

// One batch: configuration c, `rows` random requests (some equal to a key's code, so the match
// count reaches M; row indices mostly below S, some at or above it), then drain.
template <class B>
bool run_batch(B& b, golden::Rng& rng, const Config& c, unsigned rows) {
  b.configure(c);
  for (unsigned r = 0; r < rows; ++r) {
    Req q;
    q.code = random_code(rng, B::kM, B::kC);
    if (rng.bernoulli(0.3)) {
      q.code = B::pack(b.keys(), static_cast<uint32_t>(rng.uniform_int(0, c.num_keys - 1)));
    }
    q.row = static_cast<uint32_t>(rng.bernoulli(0.85) ? rng.uniform_int(0, c.num_keys - 1)
                                                      : rng.uniform_int(0, B::kSeqMax - 1));
    b.send(q);
  }
  const uint64_t beats = (c.num_keys + B::kL - 1) / B::kL;
  return b.drain(200 + 40 * rows * beats);
}

}  // namespace hycim::tb::relevance
