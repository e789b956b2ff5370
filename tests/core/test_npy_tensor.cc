// .npy reading against files NumPy wrote (tests/core/data, scripts/make_npy_fixtures.py),
// round trips for every supported type, and the errors for what is not supported.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "golden/core/npy.h"
#include "golden/core/rng.h"
#include "golden/core/tensor.h"
#include "hycim_test.h"

namespace hycim::golden {
namespace {

using tb::HycimTest;

const std::string kData = HYCIM_TEST_DATA_DIR;

class Npy : public HycimTest {
 protected:
  std::string tmp(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / ("hycim_npy_" + file_stem());
    std::filesystem::create_directories(dir);
    return (dir / name).string();
  }
};

TEST_F(Npy, ReadsFilesWrittenByNumpy) {
  const auto a = load_npy<int8_t>(kData + "/int8_2x3.npy");
  EXPECT_EQ(a.shape(), (std::vector<size_t>{2, 3}));
  EXPECT_EQ(a.data(), (std::vector<int8_t>{-128, -1, 0, 1, 2, 127}));
  EXPECT_EQ(a(1, 2), 127);
  const auto b = load_npy<int32_t>(kData + "/int32_4.npy");
  EXPECT_EQ(b.data(), (std::vector<int32_t>{INT32_MIN, -7, 7, INT32_MAX}));
  const auto c = load_npy<double>(kData + "/float64_2x2x2.npy");
  EXPECT_EQ(c.shape(), (std::vector<size_t>{2, 2, 2}));
  EXPECT_DOUBLE_EQ(c(1, 1, 1), 7.0 / 4 - 1);
  const auto d = load_npy<uint16_t>(kData + "/uint16_scalar.npy");
  EXPECT_EQ(d.rank(), 0u);
  EXPECT_EQ(d[0], 65535);
}

TEST_F(Npy, RejectsWhatItDoesNotSupport) {
  EXPECT_THROW(load_npy<float>(kData + "/float32_fortran.npy"), Error);
  EXPECT_THROW(load_npy<int16_t>(kData + "/int16_bigendian.npy"), Error);
  EXPECT_THROW(load_npy<int32_t>(kData + "/int8_2x3.npy"), Error);  // wrong dtype
  EXPECT_THROW(load_npy<int8_t>(kData + "/does_not_exist.npy"), Error);
  const std::string bad = tmp("bad.npy");
  std::ofstream(bad) << "not a numpy file";
  EXPECT_THROW(load_npy<int8_t>(bad), Error);
  // A payload shorter than the header promises.
  const std::string cut = tmp("cut.npy");
  save_npy(cut, Tensor<int32_t>({10}, 7));
  std::filesystem::resize_file(cut, std::filesystem::file_size(cut) - 4);
  EXPECT_THROW(load_npy<int32_t>(cut), Error);
}

// A file made of a version 1.0 prefix, the given header text and `payload` zero bytes.
std::string npy_bytes(const std::string& header, size_t payload) {
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xFF));
  out.push_back(static_cast<char>((header.size() >> 8) & 0xFF));
  out += header;
  out.append(payload, '\0');
  return out;
}

// What a hostile or broken file may hold. Each must end in hycim::Error with a message that
// names the problem: never a crash, a huge allocation, another exception type or a silent
// misreading.
TEST_F(Npy, HostileHeadersAreRefusedWithTheProjectsError) {
  struct Case {
    const char* name;
    std::string bytes;
    const char* message;
  };
  const std::vector<Case> cases = {
      // The element count overflows: (2^62, 4) int8 would be 2^64 bytes.
      {"overflow",
       npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (4611686018427387904, 4), }\n",
                 0),
       "overflows"},
      // A 128-byte file promising 8 GiB: refused before anything is allocated.
      {"huge",
       npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1073741824,), }\n", 40),
       "payload has 40 bytes"},
      {"negative", npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (-2, 3), }\n", 6),
       "non-negative integer"},
      {"fraction", npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (2.3,), }\n", 2),
       "expected ',' or ')'"},
      {"too_wide",
       npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (99999999999999999999,), }\n",
                 0),
       "does not fit 64 bits"},
      {"no_shape", npy_bytes("{'descr': '|i1', 'fortran_order': False, }\n", 0), "no shape"},
      {"twice",
       npy_bytes("{'descr': '|i1', 'descr': '|i1', 'fortran_order': False, 'shape': (1,), }\n", 1),
       "given twice"},
      {"unknown", npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (1,), 'x': 1}\n", 1),
       "unknown key"},
      {"unterminated", npy_bytes("{'descr': '|i1", 0), "unterminated"},
      {"trailing", npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (1,), } x\n", 1),
       "after the closing"},
      {"bool", npy_bytes("{'descr': '|i1', 'fortran_order': Maybe, 'shape': (1,), }\n", 1),
       "True or False"},
      {"extra_payload", npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }\n", 3),
       "payload has 3 bytes, the header promises 2"},
      {"header_cut",
       npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }\n", 0).substr(0, 30),
       "truncated header"},
  };
  for (const auto& c : cases) {
    const std::string path = tmp(std::string(c.name) + ".npy");
    std::ofstream(path, std::ios::binary) << c.bytes;
    try {
      load_npy<int8_t>(path);
      ADD_FAILURE() << c.name << ": accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
          << c.name << ": " << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.name << ": threw a non-HyCIM exception: " << e.what();
    }
  }
  // A directory is not a file.
  EXPECT_THROW(load_npy<int8_t>(std::filesystem::temp_directory_path().string()), Error);
}

// A header far longer than any real one (half a MiB of padding) is read without a regex, so
// without exhausting the stack; one over the 1 MiB limit is refused by its length.
TEST_F(Npy, LongHeadersAreReadOrRefusedByLength) {
  std::string h = "{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }";
  h.append(1u << 19, ' ');
  h.push_back('\n');
  std::string bytes("\x93NUMPY\x02\x00", 8);
  for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<char>((h.size() >> (8 * k)) & 0xFF));
  bytes += h;
  bytes += std::string("\x05\x06", 2);
  const std::string path = tmp("long.npy");
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(load_npy<int8_t>(path).data(), (std::vector<int8_t>{5, 6}));
  std::string big("\x93NUMPY\x02\x00", 8);
  const uint32_t n = (1u << 20) + 1;
  for (int k = 0; k < 4; ++k) big.push_back(static_cast<char>((n >> (8 * k)) & 0xFF));
  const std::string bigpath = tmp("big.npy");
  std::ofstream(bigpath, std::ios::binary) << big;
  try {
    load_npy<int8_t>(bigpath);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("headers up to"), std::string::npos) << e.what();
  }
}

// An empty array is legal and loads as an empty tensor (no memcpy from a null pointer).
TEST_F(Npy, EmptyArraysRoundTrip) {
  const std::string path = tmp("empty.npy");
  save_npy(path, Tensor<int16_t>({0, 3}));
  const auto t = load_npy<int16_t>(path);
  EXPECT_EQ(t.shape(), (std::vector<size_t>{0, 3}));
  EXPECT_EQ(t.size(), 0u);
}

template <class T>
void round_trip(const std::string& path, Rng& r) {
  Tensor<T> t({3, 1, 5});
  for (auto& v : t.data()) v = static_cast<T>(r.uniform_int(-100, 100));
  save_npy(path, t);
  EXPECT_EQ(load_npy<T>(path), t) << path;
}

TEST_F(Npy, RoundTripsEveryType) {
  round_trip<int8_t>(tmp("i1.npy"), rng());
  round_trip<int16_t>(tmp("i2.npy"), rng());
  round_trip<int32_t>(tmp("i4.npy"), rng());
  round_trip<int64_t>(tmp("i8.npy"), rng());
  round_trip<uint8_t>(tmp("u1.npy"), rng());
  round_trip<uint16_t>(tmp("u2.npy"), rng());
  round_trip<uint32_t>(tmp("u4.npy"), rng());
  round_trip<uint64_t>(tmp("u8.npy"), rng());
  round_trip<float>(tmp("f4.npy"), rng());
  round_trip<double>(tmp("f8.npy"), rng());
  // A 1-D shape is written as a one-element tuple "(n,)" and read back.
  save_npy(tmp("one.npy"), Tensor<int8_t>({4}, 3));
  EXPECT_EQ(load_npy<int8_t>(tmp("one.npy")).shape(), std::vector<size_t>{4});
}

TEST_F(Npy, TensorIndexing) {
  Tensor<int> t({2, 3, 4});
  EXPECT_EQ(t.size(), 24u);
  EXPECT_EQ(t.offset({1, 2, 3}), 23u);
  EXPECT_EQ(t.offset({1, 0, 0}), 12u);
  t(1, 2, 3) = 9;
  EXPECT_EQ(t[23], 9);
  EXPECT_THROW(t.offset({2, 0, 0}), Error);
  EXPECT_THROW(t.offset({0, 0}), Error);
  EXPECT_THROW(Tensor<int>({2, 2}, std::vector<int>{1, 2, 3}), Error);
}

}  // namespace
}  // namespace hycim::golden
