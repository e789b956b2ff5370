#include "trace_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "golden/core/check.h"
#include "golden/core/parse.h"

namespace hycim::tb {
namespace {

uint64_t env_u64(const char* name, uint64_t dflt) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return dflt;
  if (const auto x = golden::parse_u64(v)) return *x;
  throw Error(fmt::format("{}='{}' is not an unsigned integer", name, v));
}

}  // namespace

TraceOptions TraceOptions::from_env(const std::string& default_stem) {
  TraceOptions t;
  const char* v = std::getenv("HYCIM_TRACE");
  if (v == nullptr || *v == '\0' || std::string(v) == "0") return t;
  t.enabled = true;
  const std::string val(v);
  if (val == "1") {
    const char* dir = std::getenv("HYCIM_WAVE_DIR");
    t.file = fmt::format("{}/{}.fst", (dir && *dir) ? dir : "waves", default_stem);
  } else {
    t.file = val;
  }
  t.start_cycle = env_u64("HYCIM_TRACE_START", 0);
  t.stop_cycle = env_u64("HYCIM_TRACE_STOP", std::numeric_limits<uint64_t>::max());
  if (t.stop_cycle < t.start_cycle) {
    throw Error(fmt::format("HYCIM_TRACE_STOP={} is before HYCIM_TRACE_START={}", t.stop_cycle,
                            t.start_cycle));
  }
  return t;
}

std::string TraceOptions::wave_view_file() const {
  return std::filesystem::absolute(std::filesystem::path(file).replace_extension(".gtkw")).string();
}

std::string TraceOptions::gtkwave_command() const {
  const std::string abs = std::filesystem::absolute(file).string();
  return fmt::format("gtkwave {} {}", abs, wave_view_file());
}

bool write_wave_view(const std::string& view, const std::string& wave, const WaveWindow& window,
                     const std::string& out, std::string* why) {
  auto fail = [&](std::string msg) {
    if (why) *why = std::move(msg);
    return false;
  };
  std::string body;
  if (!view.empty()) {
    std::ifstream in(view);
    if (!in) return fail(fmt::format("cannot read the saved view {}", view));
    std::string line;
    while (std::getline(in, line)) {
      // Drop what the written view sets itself: the waveform, the start time and the zoom line.
      if (line.rfind("[dumpfile", 0) == 0 || line.rfind("[savefile]", 0) == 0 ||
          line.rfind("[timestart]", 0) == 0 || line.rfind("*", 0) == 0) {
        continue;
      }
      body += line;
      body += '\n';
    }
  }
  // gtkwave's zoom z scales the visible span by 2^-z. At z = 0 the wave pane of the saved views'
  // 1600 x 900 window shows 3.54 time units (ns here: the models are verilated with a 1 ns
  // timescale); measured with gtkwave 3.3.118. A 5 % margin keeps the last edge in view.
  constexpr double kSpanAtZoom0 = 3.54;
  const double span = static_cast<double>(std::max<uint64_t>(window.stop - window.start, 10));
  const double zoom = -std::log2(span * 1.05 / kSpanAtZoom0);
  std::ostringstream o;
  o << fmt::format("[*] Written by the HyCIM harness: {} on {} .. {}\n",
                   view.empty() ? std::string("no saved view") : view, window.start, window.stop);
  o << fmt::format("[dumpfile] \"{}\"\n", std::filesystem::absolute(wave).string());
  o << fmt::format("[timestart] {}\n", window.start);
  o << fmt::format("*{:.6f} {}", zoom,
                   window.marker ? static_cast<int64_t>(*window.marker) : int64_t{-1});
  for (int i = 0; i < 26; ++i) o << " -1";  // the 26 named markers: none
  o << '\n' << body;
  std::ofstream f(out);
  if (!f) return fail(fmt::format("cannot write the waveform view {}", out));
  f << o.str();
  f.flush();
  if (!f) return fail(fmt::format("writing the waveform view {} failed", out));
  return true;
}

bool fst_to_vcd(const std::string& fst, const std::string& vcd, std::string* why) {
  const std::string cmd = fmt::format("fst2vcd -f '{}' -o '{}' > /dev/null 2>&1", fst, vcd);
  if (std::system(cmd.c_str()) != 0) {
    if (why)
      *why = fmt::format("'{}' failed (fst2vcd comes with gtkwave); the FST is at {}", cmd, fst);
    return false;
  }
  std::filesystem::remove(fst);
  return true;
}

}  // namespace hycim::tb
