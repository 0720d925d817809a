#include "io/tensor_info.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sinan {

std::string shape_string(const std::vector<int64_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

bool checked_numel(const std::vector<int64_t>& shape, int64_t* numel) {
  constexpr int64_t kLimit = int64_t{1} << 62;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return false;
    if (d != 0 && n > kLimit / d) return false;
    n *= d;
  }
  *numel = n;
  return true;
}

}  // namespace sinan
