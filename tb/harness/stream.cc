#include "stream.h"

#include "golden/core/check.h"

namespace hycim::tb {

StallProfile StallProfile::parse(const std::string& name) {
  if (name == "none") return none();
  if (name == "random") return random();
  if (name == "heavy") return heavy();
  throw Error(fmt::format("unknown stall profile '{}' (none, random, heavy)", name));
}

}  // namespace hycim::tb
