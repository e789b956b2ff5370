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
