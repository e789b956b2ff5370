// Reading and writing NumPy .npy files (format versions 1.0, 2.0 and 3.0, little-endian,
// C order), so tensors exported from Python drive tests and results go back to Python.
// Supported element types: int8/16/32/64, uint8/16/32/64, float32, float64. A file of another
// type, byte order or layout is rejected with an error that says which.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "golden/core/tensor.h"

namespace hycim::golden {

// The header of an .npy file and its raw little-endian payload.
struct NpyRaw {
  std::string descr;  // e.g. "<i4"
  bool fortran_order = false;
  std::vector<size_t> shape;
  std::vector<uint8_t> bytes;
};

NpyRaw read_npy_raw(const std::string& path);
// The same from a seekable stream (an in-memory buffer, e.g. for the fuzz target); `name` stands
// for the file in messages. Every malformed input throws hycim::Error, never anything else.
NpyRaw read_npy_raw(std::istream& in, const std::string& name);
void write_npy_raw(const std::string& path, const NpyRaw& raw);

// The .npy descr string of a C++ element type ("<i1", "<f8", ...).
template <class T>
std::string npy_descr();

template <class T>
Tensor<T> load_npy(const std::string& path);
template <class T>
void save_npy(const std::string& path, const Tensor<T>& t);

}  // namespace hycim::golden
