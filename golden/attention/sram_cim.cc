#include "golden/attention/sram_cim.h"

#include <algorithm>
#include <deque>
#include <optional>

#include "golden/core/check.h"
#include "golden/core/int_ops.h"

namespace hycim::golden {

std::vector<int32_t> sram_qk_scores(std::span<const int8_t> q, const Tensor<int8_t>& k,
                                    std::span<const uint32_t> idx, std::span<const uint8_t> valid) {
  HYCIM_CHECK(k.rank() == 2 && k.dim(1) == q.size(), "K is not rows x {}", q.size());
  HYCIM_CHECK(idx.size() == valid.size(), "{} indices, {} valid flags", idx.size(), valid.size());
  const size_t dim = q.size();
  std::vector<int32_t> s(idx.size(), 0);
  for (size_t l = 0; l < idx.size(); ++l) {
    if (!valid[l]) continue;
    HYCIM_CHECK(idx[l] < k.dim(0), "lane {}: index {} outside K ({} rows)", l, idx[l], k.dim(0));
    int64_t acc = 0;
    for (size_t d = 0; d < dim; ++d) acc += int64_t{q[d]} * k(idx[l], d);
    s[l] = static_cast<int32_t>(acc);  // |acc| <= Dim * 2^14
  }
  return s;
}

SramAvRow sram_av_row(const Tensor<int8_t>& v, std::span<const uint32_t> idx,
                      std::span<const uint16_t> p, std::span<const uint8_t> valid, uint32_t mult,
                      uint32_t shift) {
  HYCIM_CHECK(v.rank() == 2, "V must be rows x Dim");
  HYCIM_CHECK(idx.size() == valid.size() && p.size() == valid.size(),
              "{} indices, {} p, {} valid flags", idx.size(), p.size(), valid.size());
  HYCIM_CHECK(mult <= 0xFFFF, "mult = {} is more than 16 bits", mult);
  HYCIM_CHECK(shift <= 47, "shift = {} > 47", shift);
  const size_t dim = v.dim(1);
  SramAvRow r;
  std::vector<int64_t> acc(dim, 0);
  for (size_t l = 0; l < idx.size(); ++l) {
    if (!valid[l]) continue;
    HYCIM_CHECK(idx[l] < v.dim(0), "lane {}: index {} outside V ({} rows)", l, idx[l], v.dim(0));
    for (size_t d = 0; d < dim; ++d) {
      acc[d] += int64_t{p[l]} * v(idx[l], d);
      HYCIM_CHECK(!saturates(acc[d], 32), "lane {}: acc[{}] = {} leaves INT32", l, d, acc[d]);
    }
  }
  for (size_t d = 0; d < dim; ++d) {
    r.acc.push_back(static_cast<int32_t>(acc[d]));
    r.out.push_back(static_cast<int8_t>(sat(rnd_shr(acc[d] * int64_t{mult}, shift), 8)));
  }
  return r;
}

std::vector<SramBeat> sram_row_beats(std::span<const uint32_t> kept, uint32_t k, uint32_t banks) {
  HYCIM_CHECK(banks > 0, "no banks");
  HYCIM_CHECK(kept.size() <= k, "{} kept indices for k = {}", kept.size(), k);
  const uint32_t nbeats = std::max<uint32_t>(1, (k + banks - 1) / banks);
  std::vector<SramBeat> beats(nbeats);
  for (uint32_t b = 0; b < nbeats; ++b) {
    auto& bt = beats[b];
    bt.idx.assign(banks, 0);
    bt.valid.assign(banks, 0);
    for (uint32_t l = 0; l < banks; ++l) {
      const size_t i = size_t{b} * banks + l;
      if (i < kept.size()) {
        bt.idx[l] = kept[i];
        bt.valid[l] = 1;
      }
    }
    bt.last = b + 1 == nbeats;
  }
  return beats;
}

double SramTiming::utilization(uint32_t banks, uint32_t dim) const {
  if (busy_cycles == 0) return 0.0;
  return static_cast<double>(macs) / (static_cast<double>(busy_cycles) * banks * dim);
}

namespace {

struct Req {
  uint32_t slot = 0;
  uint32_t lane = 0;
};

struct Slot {
  bool closed = false;  // the beat has been taken (all its lanes dispatched)
  uint32_t vmask = 0;
  uint32_t done = 0;
  bool last = false;
};

}  // namespace

SramTiming sram_cim_cycles(const SramTimingConfig& c, std::span<const SramBeat> beats,
                           std::span<const uint64_t> arrive) {
  HYCIM_CHECK(c.banks >= 1 && c.banks <= 32, "banks = {}", c.banks);
  HYCIM_CHECK(c.queue_depth >= 1, "queue depth 0");
  HYCIM_CHECK(arrive.empty() || arrive.size() == beats.size(), "{} arrival cycles for {} beats",
              arrive.size(), beats.size());
  const uint32_t rob_depth = c.rob_depth ? c.rob_depth : sram_rob_depth(c.queue_depth);
  const bool av = c.engine == SramEngine::kAv;
  for (size_t n = 0; n < beats.size(); ++n) {
    HYCIM_CHECK(beats[n].idx.size() == c.banks && beats[n].valid.size() == c.banks,
                "beat {}: {} indices, {} valid flags for {} banks", n, beats[n].idx.size(),
                beats[n].valid.size(), c.banks);
  }
  HYCIM_CHECK(beats.empty() || beats.back().last, "the stream does not end with a last beat");

  SramTiming t;
  t.accept.assign(beats.size(), 0);
  std::vector<std::deque<Req>> queue(c.banks);
  std::vector<std::optional<Req>> stage(c.banks);
  std::vector<Slot> slots(rob_depth);
  uint32_t head = 0, tail = 0, count = 0;
  bool avo_full = false;
  size_t n = 0;  // the beat on the input
  uint64_t valid_from = arrive.empty() || beats.empty() ? 0 : arrive[0];
  std::vector<uint8_t> disp(c.banks, 0);
  bool started = false;
  uint32_t cur_slot = 0;
  // A generous bound: every lane waits at most for the whole stream before it.
  const uint64_t lanes = uint64_t{beats.size()} * c.banks;
  const uint64_t limit = (arrive.empty() ? 0 : arrive.back()) + 4 * (lanes + beats.size()) + 64;

  for (uint64_t cyc = 0;; ++cyc) {
    HYCIM_CHECK(cyc < limit, "no progress by cycle {}", cyc);
    const bool in_valid = n < beats.size() && cyc >= valid_from;
    bool held = avo_full || count > 0;
    for (uint32_t b = 0; b < c.banks; ++b) held = held || !queue[b].empty() || stage[b];
    if (!in_valid && !held && n == beats.size()) {
      t.end_cycle = cyc;
      break;
    }
    if (in_valid || held) ++t.busy_cycles;
    const uint32_t count_start = count;

    // Retire (start-of-cycle state; the output is always ready).
    bool avo_next = avo_full;
    if (av && avo_full) {
      t.out.push_back(cyc);
      avo_next = false;
    }
    if (count > 0) {
      const Slot& s = slots[head];
      if (s.closed && (s.done & s.vmask) == s.vmask) {
        if (!av) t.out.push_back(cyc);
        if (av && s.last) avo_next = true;
        head = (head + 1) % rob_depth;
        --count;
      }
    }
    // Reads that were popped last cycle land in their slots at the end of this one.
    for (uint32_t b = 0; b < c.banks; ++b) {
      if (stage[b]) slots[stage[b]->slot].done |= 1u << stage[b]->lane;
      stage[b].reset();
    }
    // Every non-empty queue pops its head.
    for (uint32_t b = 0; b < c.banks; ++b) {
      if (queue[b].empty()) continue;
      stage[b] = queue[b].front();
      queue[b].pop_front();
      ++t.rows_read;
    }
    // Dispatch, against the occupancy left after the pops.
    if (in_valid) {
      const SramBeat& bt = beats[n];
      if (!started && count_start >= rob_depth) {
        ++t.rob_full_cycles;
      } else {
        if (!started) {
          cur_slot = tail;
          uint32_t vm = 0;
          for (uint32_t l = 0; l < c.banks; ++l) vm |= bt.valid[l] ? 1u << l : 0u;
          slots[tail] = Slot{false, vm, 0, bt.last};
          tail = (tail + 1) % rob_depth;
          ++count;
          started = true;
        }
        bool blocked = false;
        for (uint32_t l = 0; l < c.banks && !blocked; ++l) {
          if (!bt.valid[l] || disp[l]) continue;
          const uint32_t b = bt.idx[l] % c.banks;
          // The queue already holds this cycle's earlier pushes and has lost this cycle's pop.
          if (queue[b].size() < c.queue_depth) {
            queue[b].push_back(Req{cur_slot, l});
            disp[l] = 1;
          } else {
            blocked = true;
            ++t.stall_cycles;
          }
        }
        if (!blocked) {
          slots[cur_slot].closed = true;
          t.accept[n] = cyc;
          started = false;
          std::fill(disp.begin(), disp.end(), 0);
          ++n;
          if (n < beats.size()) valid_from = std::max(arrive.empty() ? 0 : arrive[n], cyc + 1);
        }
      }
    }
    avo_full = avo_next;
  }
  t.macs = t.rows_read * c.dim;
  return t;
}

}  // namespace hycim::golden
