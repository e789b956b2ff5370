#include "trace_options.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "hycim/golden/check.h"
#include "hycim/golden/parse.h"

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

std::string TraceOptions::gtkwave_command() const {
  const std::string abs = std::filesystem::absolute(file).string();
  if (view.empty()) return fmt::format("gtkwave {}", abs);
  return fmt::format("gtkwave {} {}", abs, std::filesystem::absolute(view).string());
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
