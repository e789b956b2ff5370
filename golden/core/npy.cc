#include "golden/core/npy.h"

#include <fmt/ranges.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <regex>

namespace hycim::golden {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

size_t descr_size(const std::string& d, const std::string& path) {
  static const std::regex re(R"(^[<|]([iuf])([1248])$)");
  std::smatch m;
  if (!std::regex_match(d, m, re)) {
    throw Error(
        fmt::format("{}: unsupported dtype '{}' (little-endian int/uint/float only)", path, d));
  }
  return static_cast<size_t>(std::stoi(m[2]));
}

std::string shape_str(const std::vector<size_t>& shape) {
  // Python tuple syntax: "()", "(3,)", "(3, 4)".
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

}  // namespace

NpyRaw read_npy_raw(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(fmt::format("{}: cannot open", path));
  char magic[6];
  uint8_t ver[2];
  f.read(magic, 6);
  f.read(reinterpret_cast<char*>(ver), 2);
  if (!f || std::memcmp(magic, kMagic, 6) != 0) {
    throw Error(fmt::format("{}: not an .npy file (bad magic)", path));
  }
  uint32_t hlen = 0;
  if (ver[0] == 1) {
    uint8_t b[2];
    f.read(reinterpret_cast<char*>(b), 2);
    hlen = b[0] | (b[1] << 8);
  } else if (ver[0] == 2 || ver[0] == 3) {
    uint8_t b[4];
    f.read(reinterpret_cast<char*>(b), 4);
    hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  } else {
    throw Error(fmt::format("{}: unsupported .npy version {}.{}", path, ver[0], ver[1]));
  }
  std::string header(hlen, '\0');
  f.read(header.data(), hlen);
  if (!f) throw Error(fmt::format("{}: truncated header", path));

  NpyRaw raw;
  static const std::regex re_descr(R"('descr'\s*:\s*'([^']*)')");
  static const std::regex re_fortran(R"('fortran_order'\s*:\s*(True|False))");
  static const std::regex re_shape(R"('shape'\s*:\s*\(([^)]*)\))");
  std::smatch m;
  if (!std::regex_search(header, m, re_descr)) {
    throw Error(fmt::format("{}: header has no descr", path));
  }
  raw.descr = m[1];
  if (!std::regex_search(header, m, re_fortran)) {
    throw Error(fmt::format("{}: header has no fortran_order", path));
  }
  raw.fortran_order = (m[1] == "True");
  if (raw.fortran_order) {
    throw Error(
        fmt::format("{}: Fortran-ordered arrays are not supported; save with "
                    "np.ascontiguousarray",
                    path));
  }
  if (!std::regex_search(header, m, re_shape)) {
    throw Error(fmt::format("{}: header has no shape", path));
  }
  const std::string dims = m[1];
  static const std::regex re_int(R"(\d+)");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), re_int);
       it != std::sregex_iterator(); ++it) {
    raw.shape.push_back(static_cast<size_t>(std::stoull(it->str())));
  }
  const size_t n = Tensor<int>::count(raw.shape) * descr_size(raw.descr, path);
  raw.bytes.resize(n);
  f.read(reinterpret_cast<char*>(raw.bytes.data()), static_cast<std::streamsize>(n));
  if (static_cast<size_t>(f.gcount()) != n) {
    throw Error(
        fmt::format("{}: payload has {} bytes, the header promises {}", path, f.gcount(), n));
  }
  return raw;
}

void write_npy_raw(const std::string& path, const NpyRaw& raw) {
  const size_t esize = descr_size(raw.descr, path);
  HYCIM_CHECK(raw.bytes.size() == Tensor<int>::count(raw.shape) * esize,
              "{} payload bytes for shape {} of {}", raw.bytes.size(), shape_str(raw.shape),
              raw.descr);
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                   raw.descr, shape_str(raw.shape));
  // Version 1.0: magic (6) + version (2) + length (2) + header, padded with spaces to a
  // multiple of 64 and ended by a newline.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  HYCIM_CHECK(header.size() <= 0xFFFF, "header of {} bytes is too long", header.size());
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error(fmt::format("{}: cannot open for writing", path));
  f.write(kMagic, 6);
  const uint8_t ver[2] = {1, 0};
  f.write(reinterpret_cast<const char*>(ver), 2);
  const uint8_t len[2] = {static_cast<uint8_t>(header.size() & 0xFF),
                          static_cast<uint8_t>(header.size() >> 8)};
  f.write(reinterpret_cast<const char*>(len), 2);
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  f.write(reinterpret_cast<const char*>(raw.bytes.data()),
          static_cast<std::streamsize>(raw.bytes.size()));
  if (!f) throw Error(fmt::format("{}: write failed", path));
}

template <class T>
std::string npy_descr() {
  if constexpr (std::is_floating_point_v<T>) {
    return fmt::format("<f{}", sizeof(T));
  } else if constexpr (sizeof(T) == 1) {
    return std::is_signed_v<T> ? "|i1" : "|u1";
  } else {
    return fmt::format("<{}{}", std::is_signed_v<T> ? 'i' : 'u', sizeof(T));
  }
}

template <class T>
Tensor<T> load_npy(const std::string& path) {
  static_assert(std::endian::native == std::endian::little, "big-endian hosts are not supported");
  NpyRaw raw = read_npy_raw(path);
  std::string want = npy_descr<T>();
  // NumPy writes one-byte types with '|' but accepts '<' too.
  auto norm = [](std::string d) {
    if (!d.empty() && d[0] == '|') d[0] = '<';
    return d;
  };
  if (norm(raw.descr) != norm(want)) {
    throw Error(
        fmt::format("{}: holds dtype '{}', the caller asked for '{}'", path, raw.descr, want));
  }
  std::vector<T> data(raw.bytes.size() / sizeof(T));
  std::memcpy(data.data(), raw.bytes.data(), raw.bytes.size());
  return Tensor<T>(raw.shape, std::move(data));
}

template <class T>
void save_npy(const std::string& path, const Tensor<T>& t) {
  NpyRaw raw;
  raw.descr = npy_descr<T>();
  raw.shape = t.shape();
  raw.bytes.resize(t.size() * sizeof(T));
  std::memcpy(raw.bytes.data(), t.data().data(), raw.bytes.size());
  write_npy_raw(path, raw);
}

#define HYCIM_NPY_INSTANTIATE(T)                      \
  template std::string npy_descr<T>();                \
  template Tensor<T> load_npy<T>(const std::string&); \
  template void save_npy<T>(const std::string&, const Tensor<T>&);
HYCIM_NPY_INSTANTIATE(int8_t)
HYCIM_NPY_INSTANTIATE(int16_t)
HYCIM_NPY_INSTANTIATE(int32_t)
HYCIM_NPY_INSTANTIATE(int64_t)
HYCIM_NPY_INSTANTIATE(uint8_t)
HYCIM_NPY_INSTANTIATE(uint16_t)
HYCIM_NPY_INSTANTIATE(uint32_t)
HYCIM_NPY_INSTANTIATE(uint64_t)
HYCIM_NPY_INSTANTIATE(float)
HYCIM_NPY_INSTANTIATE(double)
#undef HYCIM_NPY_INSTANTIATE

}  // namespace hycim::golden
