// libFuzzer target: the .npy reader (golden::read_npy_raw), which every real-data path uses.
// Contract: any byte string either loads as a consistent array (payload size = element size x
// the product of the shape, every typed view of it loads too) or is refused with hycim::Error.
// Any other exception, a crash, a sanitizer report or a leak is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "golden/core/check.h"
#include "golden/core/npy.h"

namespace {

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_npy: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hycim;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  golden::NpyRaw raw;
  try {
    raw = golden::read_npy_raw(in, "fuzz.npy");
  } catch (const Error&) {
    return 0;  // refused with the project's error: the contract
  }
  // Accepted: the header and the payload must agree.
  uint64_t n = static_cast<uint64_t>(raw.descr.at(2) - '0');
  for (const size_t d : raw.shape) {
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n)) {
      finding("accepted a shape whose byte count overflows 64 bits");
    }
  }
  if (n != raw.bytes.size()) finding("accepted an array whose payload disagrees with its shape");
  if (raw.fortran_order) finding("accepted a Fortran-ordered array");
  return 0;
}
