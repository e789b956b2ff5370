#include "golden/core/npy.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <system_error>

namespace hycim::golden {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

size_t descr_size(const std::string& d, const std::string& path) {
  // "<i4", "|u1", "<f8": little-endian (or byte-order-free) int, uint or float of 1, 2, 4, 8 bytes.
  const bool ok = d.size() == 3 && (d[0] == '<' || d[0] == '|') &&
                  (d[1] == 'i' || d[1] == 'u' || d[1] == 'f') &&
                  (d[2] == '1' || d[2] == '2' || d[2] == '4' || d[2] == '8');
  if (!ok) {
    throw Error(
        fmt::format("{}: unsupported dtype '{}' (little-endian int/uint/float only)", path, d));
  }
  return static_cast<size_t>(d[2] - '0');
}

std::string shape_str(const std::vector<size_t>& shape) {
  // Python tuple syntax: "()", "(3,)", "(3, 4)".
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

// The header is a Python dict literal, e.g. {'descr': '<i1', 'fortran_order': False,
// 'shape': (2, 3), }. A small recursive-descent reader of exactly that grammar: no regex (a long
// header must not exhaust std::regex's stack), every malformed piece an Error naming it.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  NpyRaw parse() {
    NpyRaw raw;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string_literal("a key");
      expect(':');
      if (key == "descr") {
        if (have_descr) fail("'descr' is given twice");
        raw.descr = string_literal("the descr value");
        have_descr = true;
      } else if (key == "fortran_order") {
        if (have_order) fail("'fortran_order' is given twice");
        raw.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        if (have_shape) fail("'shape' is given twice");
        raw.shape = tuple();
        have_shape = true;
      } else {
        fail(fmt::format("unknown key '{}'", key));
      }
      skip_space();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      skip_space();
      if (peek() != '}') fail("expected ',' or '}' after a value");
    }
    ++i_;
    skip_space();
    if (i_ != s_.size()) fail("text after the closing '}'");
    if (!have_descr) fail("no descr");
    if (!have_order) fail("no fortran_order");
    if (!have_shape) fail("no shape");
    return raw;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(fmt::format("{}: malformed .npy header at byte {}: {}", path_, i_, what));
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t')) ++i_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(fmt::format("expected '{}'", c));
    ++i_;
  }
  std::string string_literal(const char* what) {
    skip_space();
    const char q = peek();
    if (q != '\'' && q != '"') fail(fmt::format("expected {} in quotes", what));
    const size_t begin = ++i_;
    while (i_ < s_.size() && s_[i_] != q) ++i_;
    if (i_ >= s_.size()) fail("unterminated string");
    return s_.substr(begin, i_++ - begin);
  }
  bool boolean() {
    skip_space();
    if (s_.compare(i_, 4, "True") == 0) {
      i_ += 4;
      return true;
    }
    if (s_.compare(i_, 5, "False") == 0) {
      i_ += 5;
      return false;
    }
    fail("fortran_order must be True or False");
  }
  // A tuple of non-negative decimal integers: (), (3,), (3, 4), (3, 4,). Anything else (a sign,
  // a fraction, a value over 64 bits, a missing comma) is refused, not read around.
  std::vector<size_t> tuple() {
    expect('(');
    std::vector<size_t> dims;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9') fail("a shape entry must be a non-negative integer");
      uint64_t v = 0;
      const auto [p, ec] = std::from_chars(s_.data() + i_, s_.data() + s_.size(), v);
      if (ec != std::errc()) fail("a shape entry does not fit 64 bits");
      i_ = static_cast<size_t>(p - s_.data());
      dims.push_back(static_cast<size_t>(v));
      if (dims.size() > 32) fail("more than 32 dimensions");
      skip_space();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() != ')') fail("expected ',' or ')' in the shape");
    }
    ++i_;
    return dims;
  }

  const std::string& s_;
  const std::string& path_;
  size_t i_ = 0;
};

}  // namespace

NpyRaw read_npy_raw(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(fmt::format("{}: is a directory", path));
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(fmt::format("{}: cannot open", path));
  return read_npy_raw(f, path);
}

NpyRaw read_npy_raw(std::istream& f, const std::string& path) {
  f.seekg(0, std::ios::end);
  const auto file_size = static_cast<uint64_t>(std::max<std::streamoff>(f.tellg(), 0));
  f.seekg(0, std::ios::beg);
  if (!f) throw Error(fmt::format("{}: cannot seek (not a regular file)", path));
  char magic[6];
  uint8_t ver[2];
  f.read(magic, 6);
  f.read(reinterpret_cast<char*>(ver), 2);
  if (!f || std::memcmp(magic, kMagic, 6) != 0) {
    throw Error(fmt::format("{}: not an .npy file (bad magic)", path));
  }
  uint32_t hlen = 0;
  uint64_t prefix = 0;
  if (ver[0] == 1) {
    uint8_t b[2] = {0, 0};
    f.read(reinterpret_cast<char*>(b), 2);
    hlen = b[0] | (b[1] << 8);
    prefix = 10;
  } else if (ver[0] == 2 || ver[0] == 3) {
    uint8_t b[4] = {0, 0, 0, 0};
    f.read(reinterpret_cast<char*>(b), 4);
    hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
    prefix = 12;
  } else {
    throw Error(fmt::format("{}: unsupported .npy version {}.{}", path, ver[0], ver[1]));
  }
  if (!f) throw Error(fmt::format("{}: truncated header", path));
  constexpr uint32_t kMaxHeader = 1u << 20;
  if (hlen > kMaxHeader) {
    throw Error(fmt::format("{}: header of {} bytes (HyCIM reads headers up to {} bytes)", path,
                            hlen, kMaxHeader));
  }
  if (prefix + hlen > file_size) {
    throw Error(fmt::format("{}: truncated header ({} bytes promised, the file has {})", path, hlen,
                            file_size));
  }
  std::string header(hlen, '\0');
  f.read(header.data(), hlen);
  if (!f) throw Error(fmt::format("{}: truncated header", path));

  NpyRaw raw = HeaderParser(header, path).parse();
  if (raw.fortran_order) {
    throw Error(
        fmt::format("{}: Fortran-ordered arrays are not supported; save with "
                    "np.ascontiguousarray",
                    path));
  }
  // The payload size, computed without overflow and checked against the file before anything
  // is allocated.
  uint64_t n = descr_size(raw.descr, path);
  for (const size_t d : raw.shape) {
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / d) {
      throw Error(
          fmt::format("{}: shape {} overflows 64 bits of payload", path, shape_str(raw.shape)));
    }
    n *= d;
  }
  const uint64_t avail = file_size - prefix - hlen;
  if (n != avail) {
    throw Error(fmt::format("{}: payload has {} bytes, the header promises {}", path, avail, n));
  }
  raw.bytes.resize(static_cast<size_t>(n));
  if (n > 0) {
    f.read(reinterpret_cast<char*>(raw.bytes.data()), static_cast<std::streamsize>(n));
    if (static_cast<uint64_t>(f.gcount()) != n) {
      throw Error(
          fmt::format("{}: payload has {} bytes, the header promises {}", path, f.gcount(), n));
    }
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
  if (!raw.bytes.empty()) std::memcpy(data.data(), raw.bytes.data(), raw.bytes.size());
  return Tensor<T>(raw.shape, std::move(data));
}

template <class T>
void save_npy(const std::string& path, const Tensor<T>& t) {
  NpyRaw raw;
  raw.descr = npy_descr<T>();
  raw.shape = t.shape();
  raw.bytes.resize(t.size() * sizeof(T));
  if (!raw.bytes.empty()) std::memcpy(raw.bytes.data(), t.data().data(), raw.bytes.size());
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
