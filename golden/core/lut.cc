#include "golden/core/lut.h"

#include <cstdlib>
#include <fstream>
#include <string_view>

#include "golden/core/check.h"

#ifndef HYCIM_LUT_DIR
#error "HYCIM_LUT_DIR must name the generated table directory (golden/CMakeLists.txt)"
#endif

namespace hycim::golden {

std::vector<uint16_t> read_hex(const std::string& path, size_t count, int bits) {
  std::ifstream f(path);
  if (!f) throw Error(fmt::format("cannot open lookup table {} (run CMake to generate it)", path));
  std::vector<uint16_t> out;
  std::string line;
  for (int n = 1; std::getline(f, line); ++n) {
    std::string_view s(line);
    if (const auto c = s.find("//"); c != std::string_view::npos) s = s.substr(0, c);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
      s.remove_suffix(1);
    }
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    if (s.empty()) continue;
    unsigned long v = 0;
    size_t used = 0;
    try {
      v = std::stoul(std::string(s), &used, 16);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size()) throw Error(fmt::format("{}:{}: '{}' is not a hex word", path, n, s));
    if (v >= (1ul << bits)) {
      throw Error(fmt::format("{}:{}: {:#x} does not fit {} bits", path, n, v, bits));
    }
    out.push_back(static_cast<uint16_t>(v));
  }
  if (out.size() != count) {
    throw Error(fmt::format("{}: {} words, expected {}", path, out.size(), count));
  }
  return out;
}

Luts Luts::load(const std::string& dir) {
  Luts l;
  l.exp2_frac = read_hex(dir + "/exp2_frac.hex", 256);
  l.recip_seed = read_hex(dir + "/recip_seed.hex", 128);
  l.rsqrt_seed = read_hex(dir + "/rsqrt_seed.hex", 128);
  return l;
}

const Luts& Luts::get() {
  static const Luts luts = [] {
    const char* env = std::getenv("HYCIM_LUT_DIR");
    return load((env && *env) ? std::string(env) : std::string(HYCIM_LUT_DIR));
  }();
  return luts;
}

}  // namespace hycim::golden
