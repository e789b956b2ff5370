// Precondition checks of the golden model: a violated precondition throws hycim::Error with the
// function, the condition and a message, so a bad input or configuration is an error that names
// itself, never undefined behaviour or a silent truncation.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace hycim {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace hycim

#define HYCIM_CHECK(cond, ...)                                                                  \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      throw ::hycim::Error(                                                                     \
          fmt::format("{}: check '{}' failed: {}", __func__, #cond, fmt::format(__VA_ARGS__))); \
    }                                                                                           \
  } while (0)
