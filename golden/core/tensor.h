// A small row-major tensor: a shape and a flat std::vector. Enough for golden models to expose
// every intermediate tensor and for .npy exchange; not a linear algebra library.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <numeric>
#include <utility>
#include <vector>

#include "golden/core/check.h"

namespace hycim::golden {

template <class T>
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::vector<size_t> shape, T fill = T{})
      : shape_(std::move(shape)), data_(count(shape_), fill) {}
  Tensor(std::vector<size_t> shape, std::vector<T> data)
      : shape_(std::move(shape)), data_(std::move(data)) {
    HYCIM_CHECK(data_.size() == count(shape_), "shape holds {} elements, data has {}",
                count(shape_), data_.size());
  }

  const std::vector<size_t>& shape() const { return shape_; }
  size_t dim(size_t i) const {
    HYCIM_CHECK(i < shape_.size(), "dimension {} of a rank-{} tensor", i, shape_.size());
    return shape_[i];
  }
  size_t rank() const { return shape_.size(); }
  size_t size() const { return data_.size(); }
  std::vector<T>& data() { return data_; }
  const std::vector<T>& data() const { return data_; }

  // Flat offset of a multi-index, bounds-checked.
  size_t offset(std::initializer_list<size_t> idx) const {
    HYCIM_CHECK(idx.size() == shape_.size(), "{} indices for a rank-{} tensor", idx.size(),
                shape_.size());
    size_t off = 0, d = 0;
    for (size_t i : idx) {
      HYCIM_CHECK(i < shape_[d], "index {} out of range {} in dimension {}", i, shape_[d], d);
      off = off * shape_[d] + i;
      ++d;
    }
    return off;
  }
  template <class... I>
  T& operator()(I... i) {
    return data_[offset({static_cast<size_t>(i)...})];
  }
  template <class... I>
  const T& operator()(I... i) const {
    return data_[offset({static_cast<size_t>(i)...})];
  }
  T& operator[](size_t i) { return data_.at(i); }
  const T& operator[](size_t i) const { return data_.at(i); }

  bool operator==(const Tensor& o) const { return shape_ == o.shape_ && data_ == o.data_; }

  static size_t count(const std::vector<size_t>& shape) {
    return std::accumulate(shape.begin(), shape.end(), size_t{1},
                           [](size_t a, size_t b) { return a * b; });
  }

 private:
  std::vector<size_t> shape_;
  std::vector<T> data_;
};

}  // namespace hycim::golden
