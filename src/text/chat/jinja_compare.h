// Ordering of values for the sort and dictsort filters, as the reference compares them: none with none and
// undefined with undefined are equal, numbers and booleans compare numerically, strings compare by UTF-16
// code units (case-insensitively unless asked), anything else is an error.
#pragma once

#include "core/status.h"
#include "text/chat/jinja_value.h"

namespace sinan::jinja {

// <0, 0 or >0.
Result<int> compare_values(const Value& a, const Value& b, bool case_sensitive);

}  // namespace sinan::jinja
