#include "seed.h"

#include <cstdlib>
#include <string>

#include "golden/core/check.h"
#include "golden/core/parse.h"
#include "golden/core/rng.h"

namespace hycim::tb {

uint64_t base_seed() {
  const char* env = std::getenv("HYCIM_SEED");
  if (env == nullptr || *env == '\0') return 1;
  const auto v = golden::parse_u64(env);
  if (!v)
    throw Error(std::string("HYCIM_SEED='") + env +
                "' is not a decimal or 0x-hex unsigned integer");
  return *v;
}

uint64_t derive_seed(uint64_t base, std::string_view name) {
  const std::string n(name);
  return golden::splitmix64(base ^ golden::stable_hash(n.c_str()));
}

std::string file_safe(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-';
    if (!keep) c = '_';
  }
  return out;
}

}  // namespace hycim::tb
