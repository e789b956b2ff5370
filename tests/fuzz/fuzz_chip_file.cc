// libFuzzer target: the analog chip file reader (sim::AnalogParams::from_toml, behind
// `--analog FILE` and pq-study --chip). Contract: any text either parses to parameters that are
// all inside their documented legal ranges, or is refused with hycim::Error. A parsed file must
// also survive the key = value path: applying its describe() output to default parameters with
// set() gives the same parameters (two readers of one format agree). Any other exception, a
// crash or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "golden/core/check.h"
#include "sim/attention/pq_xbar.h"

namespace {

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz_chip_file: %s\n", what.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hycim;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sim::AnalogParams p;
  try {
    p = sim::AnalogParams::from_toml(text, "fuzz.toml");
  } catch (const Error&) {
    return 0;
  }
  // Re-read through the other parser: describe() prints "ideal" or "key=value key=value ...".
  const std::string d = p.describe();
  sim::AnalogParams q;
  if (d != "ideal") {
    size_t i = 0;
    while (i < d.size()) {
      const size_t end = std::min(d.find(' ', i), d.size());
      const std::string kv = d.substr(i, end - i);
      const size_t eq = kv.find('=');
      if (eq == std::string::npos) finding("describe() printed '" + kv + "' without '='");
      try {
        q.set(kv.substr(0, eq), kv.substr(eq + 1));
      } catch (const Error& e) {
        finding("a parsed file's " + kv + " is refused by set(): " + e.what());
      }
      i = end + 1;
    }
  }
  if (q.describe() != d) finding("set() of '" + d + "' reads back as '" + q.describe() + "'");
  return 0;
}
