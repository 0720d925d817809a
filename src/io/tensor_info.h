// A named tensor inside a mapped file: what every weight parser produces and the model loader consumes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace sinan {

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;  // outermost first, as torch prints it ([rows, cols] for a matrix)
  const uint8_t* data = nullptr;
  size_t nbytes = 0;
  std::string file;  // the file it lives in, for messages

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

std::string shape_string(const std::vector<int64_t>& shape);  // "[2018, 128]"

// Multiplies dims with overflow and sanity checks; nullopt when any dim is < 0 or the product is
// beyond 2^62 elements (no real tensor comes close).
bool checked_numel(const std::vector<int64_t>& shape, int64_t* numel);

}  // namespace sinan
