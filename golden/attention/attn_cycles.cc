// Cycle model of attn_top's head schedule: see attn_cycles.h. Each block below names the RTL
// signals it follows; a cycle first computes every unit's outputs from the registered state
// (from the output back to the input, as the ready chains run), then moves every state one clock.
#include "golden/attention/attn_cycles.h"

#include <algorithm>
#include <deque>
#include <numeric>
#include <optional>

#include "golden/attention/sram_cim.h"
#include "golden/attention/topk.h"
#include "golden/core/check.h"

namespace hycim::golden {
namespace {

uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

// One kept-index beat: Banks lanes, valid mask, bank-addressing indices.
struct Beat {
  std::vector<uint32_t> idx;
  uint32_t vmask = 0;
  bool last = false;
};

// An SRAM-CIM engine (sram_cim_engine.sv): the rules of golden::sram_cim_cycles with an output
// that may stall. step() takes this cycle's input and output ready, returns the handshakes and
// moves the state one clock.
class Engine {
 public:
  Engine(uint32_t banks, uint32_t qdepth)
      : banks_(banks),
        qd_(qdepth),
        rob_(sram_rob_depth(qdepth)),
        queue_(banks),
        stage_(banks),
        slots_(rob_),
        disp_(banks, 0) {}
  // out_valid and out_last of this cycle (start-of-cycle state).
  bool out_valid() const {
    if (count_ == 0) return false;
    const Slot& s = slots_[head_];
    return s.closed && (s.done & s.vmask) == s.vmask;
  }
  bool out_last() const { return slots_[head_].last; }
  struct Hs {
    bool accept = false, retire = false, stall = false;
  };
  Hs step(bool in_valid, const Beat* bt, bool out_ready);
  uint64_t rows_read() const { return rows_; }
  bool held() const {
    if (count_ > 0) return true;
    for (uint32_t b = 0; b < banks_; ++b) {
      if (!queue_[b].empty() || stage_[b]) return true;
    }
    return false;
  }

 private:
  struct Slot {
    bool closed = false;
    uint32_t vmask = 0, done = 0;
    bool last = false;
  };
  struct Req {
    uint32_t slot, lane;
  };
  uint32_t banks_, qd_, rob_;
  std::vector<std::deque<Req>> queue_;
  std::vector<std::optional<Req>> stage_;
  std::vector<Slot> slots_;
  uint32_t head_ = 0, tail_ = 0, count_ = 0, cur_ = 0;
  bool started_ = false;
  std::vector<uint8_t> disp_;
  uint64_t rows_ = 0;
};

Engine::Hs Engine::step(bool in_valid, const Beat* bt, bool out_ready) {
  Hs h;
  h.retire = out_valid() && out_ready;
  // Every non-empty queue pops its head; dispatch sees the occupancy after the pops and the
  // lanes pushed before it in this cycle.
  std::vector<uint32_t> occ(banks_);
  for (uint32_t b = 0; b < banks_; ++b) {
    occ[b] = static_cast<uint32_t>(queue_[b].size()) - (queue_[b].empty() ? 0u : 1u);
  }
  const bool can_start = started_ || count_ < rob_;
  const uint32_t slot = started_ ? cur_ : tail_;
  bool blocked = false;
  std::vector<uint32_t> go;
  if (in_valid && can_start) {
    for (uint32_t l = 0; l < banks_ && !blocked; ++l) {
      if (!((bt->vmask >> l) & 1u) || disp_[l]) continue;
      const uint32_t b = bt->idx[l] % banks_;
      if (occ[b] < qd_) {
        ++occ[b];
        go.push_back(l);
      } else {
        blocked = true;
      }
    }
  }
  h.stall = in_valid && can_start && blocked;
  h.accept = in_valid && can_start && !blocked;
  const bool alloc = in_valid && can_start && !started_;
  // Clock edge. The reads popped last cycle set their done bits (seen from the next cycle).
  for (uint32_t b = 0; b < banks_; ++b) {
    if (stage_[b]) slots_[stage_[b]->slot].done |= 1u << stage_[b]->lane;
    stage_[b].reset();
    if (queue_[b].empty()) continue;
    stage_[b] = queue_[b].front();
    queue_[b].pop_front();
    ++rows_;
  }
  if (alloc) slots_[tail_] = Slot{false, bt->vmask, 0, bt->last};
  for (uint32_t l : go) {
    queue_[bt->idx[l] % banks_].push_back(Req{slot, l});
    disp_[l] = 1;
  }
  if (h.accept) slots_[slot].closed = true;
  if (h.retire) head_ = (head_ + 1) % rob_;
  if (alloc) {
    cur_ = tail_;
    tail_ = (tail_ + 1) % rob_;
  }
  count_ = count_ + (alloc ? 1u : 0u) - (h.retire ? 1u : 0u);
  started_ = h.accept ? false : (started_ || alloc);
  if (h.accept) std::fill(disp_.begin(), disp_.end(), 0);
  return h;
}

// A pq_encoder seen from attn_top (pq_encoder.sv, td_wta_ctrl.sv), no data.
struct Encoder {
  bool busy = false, done = false;  // run control (hycim_run_ctrl): BUSY, DONE
  bool tok_v = false, race = false, res_v = false, out_v = false, out_last = false;
  uint32_t num_tok = 0, count_in = 0, race_idx = 0, races = 0, out_tok = 0;
  int64_t wta_done_at = -1;  // cycle the WTA's done pulse is seen
  bool in_ready() const { return busy && !tok_v && count_in < num_tok; }
};

enum class EncSt { kIdle, kK, kQWait, kQ, kFin };
enum class Prg { kIdle, kInitSm, kInitEn, kQStart };

}  // namespace

AttnStageRates attn_stage_rates(const AttnConfig& c, const AttnCycleBuild& b, double mean_race) {
  AttnStageRates r;
  const uint32_t S = c.seq_len;
  const uint32_t len = c.dense ? S : c.topk;
  const uint32_t sml = b.sm_lanes ? b.sm_lanes : b.banks;
  const uint32_t G = sml / b.banks;
  const uint32_t B = ceil_div(len, sml);
  std::vector<std::pair<std::string, double>> st;
  if (c.dense) {
    r.index_gen = ceil_div(S, b.banks);
    st.emplace_back("index generator", r.index_gen);
  } else {
    r.q_encode = (mean_race + 3.0) / b.encoders;
    r.relevance = ceil_div(S, b.rel_lanes);
    r.topk = topk_cycles_per_row({ceil_div(S, b.rel_lanes), ceil_div(len, b.banks)});
    st.emplace_back("Q encode", r.q_encode);
    st.emplace_back("relevance", r.relevance);
    st.emplace_back("top-k", r.topk);
  }
  r.qk = ceil_div(len, b.banks);
  // A slot is B + 4 cycles; behind a gearbox the Banks-lane sides carry one beat per cycle, so a
  // row also needs ceil(len / Banks) cycles there.
  r.softmax = G == 1 ? B + 4.0 : std::max<double>(B + 4, ceil_div(len, b.banks));
  r.av = ceil_div(len, b.banks);
  st.emplace_back("QK", r.qk);
  st.emplace_back("softmax", r.softmax);
  st.emplace_back("AV", r.av);
  for (const auto& [n, v] : st) r.bound_cycles = std::max(r.bound_cycles, v);
  for (const auto& [n, v] : st) {
    if (v == r.bound_cycles) r.bound += (r.bound.empty() ? "" : " = ") + n;
  }
  return r;
}

AttnCyclePrediction attn_cycles(const AttnConfig& c, const AttnCycleBuild& b,
                                const AttnCycleInput& in) {
  const uint32_t S = c.seq_len;
  const uint32_t E = b.encoders;
  const uint32_t NB = b.banks;
  const uint32_t sml = b.sm_lanes ? b.sm_lanes : NB;
  HYCIM_CHECK(S >= 1 && S <= b.seq_max, "S = {}", S);
  HYCIM_CHECK(E >= 1 && NB >= 1 && b.rel_lanes >= 1 && b.queue_depth >= 1, "bad build sizes");
  HYCIM_CHECK(sml % NB == 0, "softmax lanes {} not a multiple of the banks {}", sml, NB);
  HYCIM_CHECK(in.k_race.empty() || in.k_race.size() == S, "{} K races for S = {}", in.k_race.size(),
              S);
  HYCIM_CHECK(in.q_race.empty() || in.q_race.size() == S, "{} Q races for S = {}", in.q_race.size(),
              S);
  HYCIM_CHECK(in.kept.empty() || in.kept.size() == S, "{} kept rows for S = {}", in.kept.size(), S);
  const bool dense = c.dense;
  const uint32_t len = dense ? S : c.topk;
  const uint32_t G = sml / NB;
  const uint32_t row_beats = ceil_div(len, NB);  // kept / score / probability beats per row
  const uint32_t sm_beats = ceil_div(len, sml);  // softmax beats per row
  const uint32_t rel_beats = ceil_div(S, b.rel_lanes);
  const uint32_t idxq_depth = 4 * ceil_div(b.seq_max, NB) + 2 * b.queue_depth + 4;

  // The kept beats of row i, beat w.
  auto kept_beat = [&](uint32_t i, uint32_t w) {
    Beat bt;
    bt.idx.assign(NB, 0);
    bt.last = w + 1 == row_beats;
    for (uint32_t l = 0; l < NB; ++l) {
      const uint32_t t = w * NB + l;
      bool v;
      uint32_t idx;
      if (dense) {
        v = t < S && !(c.causal && t > i);
        idx = t < S ? t : 0;
      } else if (!in.kept.empty()) {
        v = t < in.kept[i].size();
        idx = v ? in.kept[i][t] : 0;
      } else {
        const uint32_t valid = c.causal ? i + 1 : S;
        v = t < std::min(c.topk, valid);
        idx = v ? t : 0;
      }
      bt.idx[l] = idx;
      bt.vmask |= (v ? 1u : 0u) << l;
    }
    return bt;
  };
  auto race_of = [&](bool k, uint32_t tok) -> uint32_t {
    const auto& v = k ? in.k_race : in.q_race;
    return v.empty() ? in.race : v[tok];
  };

  AttnCyclePrediction p;
  p.rates = attn_stage_rates(
      c, b,
      in.q_race.empty() ? in.race : std::accumulate(in.q_race.begin(), in.q_race.end(), 0.0) / S);

  // ---- State (cycle 0 is the start; everything below is the state at the start of cycle 1).
  Prg prg = Prg::kInitSm;
  uint32_t sub = 0, pe = 0;
  bool ph = false, cfg_done = false;
  std::vector<EncSt> est(E, EncSt::kIdle);
  std::vector<Encoder> enc(E);
  std::vector<uint32_t> ntok(E);
  for (uint32_t e = 0; e < E; ++e) ntok[e] = S / E + (e < S % E ? 1u : 0u);
  uint32_t in_cnt = 0, q_cnt = 0, kcodes = 0;
  std::vector<uint8_t> qcode_v(S, 0);
  // Row issue, relevance (act/word, spill register a/b), top-k, dense generator.
  uint32_t row = 0, dg_beat = 0;
  bool rel_act = false;
  uint32_t rel_word = 0;
  bool sp_a = false, sp_b = false;
  TopkPipeModel topk({rel_beats, row_beats});
  // Kept stream (row, beat) in order, the fork's done flags, the index queue.
  uint32_t kp_row = 0, kp_w = 0;
  bool fork_done0 = false, fork_done1 = false;
  std::deque<Beat> idxq;
  Engine qk(NB, b.queue_depth), av(NB, b.queue_depth);
  // Softmax: busy, slot sequencer.
  bool sm_busy = false;
  bool ld_v = false, ex_v = false, out_v = false, ld_done = false, ex_done = false,
       out_done = false;
  uint32_t ld_beat = 0, ex_cnt = 0, out_beat = 0, rows_in = 0;
  // Gearboxes (G > 1, attn_top's gen_gear_in / gen_gear_out): the first G-1 score beats of a
  // softmax beat are held, the G-th (or a row's last) passes with them the same cycle; a
  // probability beat goes to AV as G beats, low part first, and is popped after its last part
  // or after the part that carries the row's last kept indices.
  uint32_t gin_cnt = 0;   // score beats held
  uint32_t gout_sub = 0;  // AV part of the softmax's current output beat
  // AV output register.
  bool avo = false;
  uint32_t out_cnt = 0;
  int64_t first_row = -1;
  uint64_t cfg_done_at = 0;

  const uint64_t limit =
      100000 + uint64_t{S} * (2 * (c.enc_tmax + 8) + 4 * (S + 8)) + uint64_t{E} * 64;
  for (uint64_t t = 1;; ++t) {
    HYCIM_CHECK(t < limit, "the cycle model did not finish by cycle {}", t);

    // ---- Internal APB master: the write of this cycle.
    bool skip = false, last_sub = false, start_write = false, sm_start = false;
    if (prg != Prg::kIdle) {
      skip = prg == Prg::kInitEn && ntok[pe] == 0;
      last_sub = sub == (prg == Prg::kInitSm ? 3u : prg == Prg::kInitEn ? 5u : 2u);
      start_write = !skip && ph && prg != Prg::kInitSm && last_sub;
      sm_start = prg == Prg::kInitSm && ph && last_sub;
    }

    // ---- Output row (always ready) and the AV engine.
    const bool out_hs = avo;
    const bool finish = out_hs && out_cnt + 1 == S;
    const bool sm_in_ready = sm_busy && ld_v && !ld_done;
    const bool sm_out_valid = sm_busy && out_v && !out_done;
    const bool av_valid = sm_out_valid && !idxq.empty();
    const bool av_last = av.out_valid() && av.out_last();
    const bool sm_pop = G == 1 || gout_sub + 1 == G || (av_valid && idxq.front().last);
    const Engine::Hs avh = av.step(av_valid, av_valid ? &idxq.front() : nullptr, true);
    const bool prob_hs = avh.accept;
    const bool sm_out_hs = prob_hs && sm_pop;

    // ---- QK engine, its output into the softmax (or the input gearbox).
    const bool qks_valid = qk.out_valid();
    const bool score_last = qks_valid && qk.out_last();
    const bool smi_valid = qks_valid && (G == 1 || gin_cnt + 1 == G || score_last);
    const bool take_low = qks_valid && !smi_valid;  // a held part (G > 1 only)
    const bool sm_in_hs = smi_valid && sm_in_ready;
    const bool qks_ready = take_low || (smi_valid && sm_in_ready);

    // ---- Kept stream: top-k (sparse) or the index generator (dense), forked to QK and the
    // index queue.
    const auto tko = topk.peek(false);
    const bool dg_valid = dense && cfg_done && row < q_cnt;
    const bool kp_valid = dense ? dg_valid : tko.out_valid;
    Beat cur;
    if (kp_valid) cur = kept_beat(kp_row, kp_w);
    const bool kf0 = kp_valid && !fork_done0;
    const bool kf1 = kp_valid && !fork_done1;
    const Engine::Hs qkh = qk.step(kf0, kf0 ? &cur : nullptr, qks_ready);
    const bool fifo_ready = idxq.size() < idxq_depth || prob_hs;
    const bool hs1 = kf1 && fifo_ready;
    const bool kp_ready = (fork_done0 || qkh.accept) && (fork_done1 || hs1);
    const bool kp_hs = kp_valid && kp_ready;

    // ---- Relevance (spill register out) and top-k.
    const bool rel_valid = sp_a;
    const auto tks = topk.step(!dense && rel_valid, !dense && kp_ready);
    const bool rel_ready = !dense && tks.in_ready;
    const bool last_beat = (rel_word + 1) * b.rel_lanes >= S;
    const bool issue = rel_act && !sp_b;
    const bool req_ready = !rel_act || (issue && last_beat);
    const bool req_valid = !dense && cfg_done && row < S && kcodes == S && qcode_v[row];
    const bool req_hs = req_valid && req_ready;
    const bool dg_hs = dg_valid && kp_ready;

    // ---- Code port: the lowest encoder with a code.
    int grant = -1;
    for (uint32_t e = 0; e < E && grant < 0; ++e) {
      if (enc[e].out_v) grant = static_cast<int>(e);
    }

    // ---- Input stream (a beat always offered while any remain).
    const bool ph_k = in_cnt < S, ph_v = !ph_k && in_cnt < 2 * S, in_all = in_cnt >= 3 * S;
    const bool ph_q = !ph_k && !ph_v && !in_all;
    const uint32_t in_tok = ph_k ? in_cnt : ph_v ? in_cnt - S : in_cnt - 2 * S;
    const uint32_t in_enc = in_tok % E;
    bool enc_ok = true;
    if (!dense && (ph_k || ph_q)) {
      enc_ok = enc[in_enc].in_ready() && est[in_enc] == (ph_k ? EncSt::kK : EncSt::kQ);
    }
    const bool in_hs = cfg_done && !in_all && enc_ok;

    // ---- Counters of this cycle.
    if (!dense && kcodes != S) p.kenc = t;  // CYC_KENC counts the cycles 1..t
    if (rel_valid && !rel_ready) ++p.rel_stalls;
    if (kp_valid && !kp_ready) ++p.kept_stalls;
    if (qks_valid && !qks_ready) ++p.score_stalls;
    if (av_valid && !avh.accept) ++p.prob_stalls;
    if (qkh.stall) ++p.qk_stalls;
    if (avh.stall) ++p.av_stalls;
    if ((req_hs || dg_hs) && first_row < 0) first_row = static_cast<int64_t>(t);
    if (finish) {
      p.cycles = t;
      break;
    }

    int qwait_first = -1;
    for (uint32_t e = 0; e < E && qwait_first < 0; ++e) {
      if (est[e] == EncSt::kQWait) qwait_first = static_cast<int>(e);
    }
    if (cfg_done && cfg_done_at == 0) cfg_done_at = t;

    // ==== Clock edge ====
    avo = avh.retire && av_last;
    if (out_hs) ++out_cnt;

    // Softmax sequencer (sfln_seq): beats, MID progress, the slot end.
    if (sm_busy) {
      const bool slot_end = (!ld_v || ld_done) && (!ex_v || ex_done) && (!out_v || out_done);
      if (sm_in_hs && ++ld_beat == sm_beats) ld_done = true;
      if (ex_v && !ex_done && ++ex_cnt == sm_beats + 3) ex_done = true;
      if (sm_out_hs && ++out_beat == sm_beats) out_done = true;
      if (slot_end) {
        const bool ld_next = rows_in + (ld_v ? 1u : 0u) < S;
        rows_in += ld_v ? 1u : 0u;
        out_v = ex_v;
        ex_v = ld_v;
        ld_v = ld_next;
        ld_done = ex_done = out_done = false;
        ld_beat = ex_cnt = out_beat = 0;
      }
    }
    if (sm_start) {
      sm_busy = true;
      rows_in = 0;
      ld_v = true;
      ex_v = out_v = false;
    }
    // Gearboxes.
    if (G > 1) {
      if (sm_in_hs)
        gin_cnt = 0;
      else if (take_low)
        ++gin_cnt;
      if (prob_hs) gout_sub = sm_pop ? 0 : gout_sub + 1;
    }
    // Index queue and the fork.
    if (prob_hs) idxq.pop_front();
    if (hs1) idxq.push_back(cur);
    if (kp_valid) {
      if (kp_ready) {
        fork_done0 = fork_done1 = false;
      } else {
        fork_done0 = fork_done0 || qkh.accept;
        fork_done1 = fork_done1 || hs1;
      }
    }
    if (kp_hs && ++kp_w == row_beats) {
      kp_w = 0;
      ++kp_row;
    }
    // Relevance: spill register, row context.
    {
      const bool a_avail = !sp_a || (rel_ready && !sp_b);
      if (sp_a && rel_ready) {
        sp_a = sp_b;
        sp_b = false;
      }
      if (issue) {
        if (a_avail) {
          sp_a = true;
        } else {
          sp_b = true;
        }
      }
      if (issue) {
        ++rel_word;
        if (last_beat) rel_act = false;
      }
      if (req_hs) {
        rel_act = true;
        rel_word = 0;
      }
    }
    // Row issue.
    if (req_hs) ++row;
    if (dg_hs) {
      if (dg_beat + 1 == row_beats) {
        dg_beat = 0;
        ++row;
      } else {
        ++dg_beat;
      }
    }
    // Encoders.
    for (uint32_t e = 0; e < E; ++e) {
      Encoder& n = enc[e];
      const bool e_in_hs = in_hs && !dense && (ph_k || ph_q) && in_enc == e;
      const bool eval = n.busy && n.tok_v && !n.race;
      const bool wta_done = n.wta_done_at == static_cast<int64_t>(t);
      const bool out_ready = grant == static_cast<int>(e);
      const bool e_out_hs = n.out_v && out_ready;
      const bool res_move = n.res_v && (!n.out_v || out_ready);
      const bool e_finish = e_out_hs && n.out_last;
      if (e_out_hs) {
        if (est[e] == EncSt::kK) {
          ++kcodes;
        } else {
          qcode_v[n.out_tok] = 1;
        }
      }
      if (eval) {
        const uint32_t tok = e + n.races * E;
        const uint32_t r = race_of(est[e] == EncSt::kK, tok);
        HYCIM_CHECK(r >= 1, "race of token {} is 0 ticks", tok);
        n.wta_done_at = static_cast<int64_t>(t + r + 1);
        ++n.races;
      }
      if (e_in_hs) {
        n.tok_v = true;
        ++n.count_in;
      } else if (eval) {
        n.tok_v = false;
      }
      if (eval) n.race = true;
      if (wta_done) n.res_v = true;
      if (res_move) {
        n.res_v = false;
        n.race = false;
        n.out_v = true;
        n.out_last = n.race_idx + 1 == n.num_tok;
        n.out_tok = e + n.race_idx * E;
        ++n.race_idx;
      } else if (e_out_hs) {
        n.out_v = false;
      }
      const bool done_seen = n.done;
      if (e_finish) {
        n.busy = false;
        n.done = true;
      }
      const bool started = start_write && pe == e;
      if (started) {
        n = Encoder{};
        n.busy = true;
        n.num_tok = ntok[e];
      }
      switch (est[e]) {
        case EncSt::kIdle:
          if (started) est[e] = EncSt::kK;
          break;
        case EncSt::kK:
          if (done_seen) est[e] = EncSt::kQWait;
          break;
        case EncSt::kQWait:
          if (started) est[e] = EncSt::kQ;
          break;
        case EncSt::kQ:
          if (done_seen) est[e] = EncSt::kFin;
          break;
        default:
          break;
      }
    }
    // The APB master's next step.
    if (prg == Prg::kIdle) {
      if (cfg_done && qwait_first >= 0) {
        prg = Prg::kQStart;
        sub = 0;
        pe = static_cast<uint32_t>(qwait_first);
        ph = false;
      }
    } else if (skip || ph) {
      ph = false;
      if (skip || last_sub) {
        sub = 0;
        if (prg == Prg::kInitSm) {
          if (dense) {
            prg = Prg::kIdle;
            cfg_done = true;
          } else {
            prg = Prg::kInitEn;
          }
        } else if (prg == Prg::kInitEn) {
          if (pe + 1 == E) {
            prg = Prg::kIdle;
            cfg_done = true;
          } else {
            ++pe;
          }
        } else {
          prg = Prg::kIdle;
        }
      } else {
        ++sub;
      }
    } else {
      ph = true;
    }
    // Input counters.
    if (in_hs) {
      ++in_cnt;
      if (ph_q) ++q_cnt;
    }
  }
  if (dense) p.kenc = 0;
  HYCIM_CHECK(first_row >= 0, "no row started");
  p.first_row = static_cast<uint64_t>(first_row);
  p.rows = p.cycles - p.first_row;
  p.cfg_done = cfg_done_at;
  return p;
}

SramTiming attn_engine_replay(const SramTimingConfig& c, std::span<const SramBeat> beats) {
  HYCIM_CHECK(c.rob_depth == 0 || c.rob_depth == sram_rob_depth(c.queue_depth),
              "the head model's engines have the RTL's reorder depth");
  std::vector<Beat> in;
  for (const auto& sb : beats) {
    HYCIM_CHECK(sb.idx.size() == c.banks && sb.valid.size() == c.banks, "beat of {} lanes",
                sb.idx.size());
    Beat bt;
    bt.idx = sb.idx;
    for (uint32_t l = 0; l < c.banks; ++l) bt.vmask |= (sb.valid[l] ? 1u : 0u) << l;
    bt.last = sb.last;
    in.push_back(bt);
  }
  Engine eng(c.banks, c.queue_depth);
  SramTiming t;
  bool avo = false;  // AV: the output register
  size_t n = 0;
  for (uint64_t cyc = 0;; ++cyc) {
    HYCIM_CHECK(cyc < 100000 + 8 * uint64_t{beats.size()} * c.banks, "no progress");
    if (n == in.size() && !eng.held() && !avo) {
      t.end_cycle = cyc;
      break;
    }
    if (avo) t.out.push_back(cyc);
    const bool valid = n < in.size();
    const bool last = eng.out_valid() && eng.out_last();
    const Engine::Hs h = eng.step(valid, valid ? &in[n] : nullptr, true);
    if (h.retire && c.engine == SramEngine::kQk) t.out.push_back(cyc);
    avo = c.engine == SramEngine::kAv && h.retire && last;
    if (h.stall) ++t.stall_cycles;
    if (h.accept) {
      t.accept.push_back(cyc);
      ++n;
    }
  }
  t.rows_read = eng.rows_read();
  t.macs = t.rows_read * c.dim;
  return t;
}

}  // namespace hycim::golden
