// A Tracer that keeps every recorded activation, for comparing with reference dumps.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/model.h"

namespace sinan {

class RecordingTracer : public Tracer {
 public:
  struct Record {
    std::vector<float> values;
    std::vector<int32_t> ids;
    int64_t rows = 0, cols = 0;
  };
  void tensor(std::string_view name, const float* data, int64_t rows, int64_t cols) override {
    Record& r = records[std::string(name)];
    r.values.assign(data, data + rows * cols);
    r.rows = rows;
    r.cols = cols;
  }
  void ids(std::string_view name, const int32_t* data, int64_t rows, int64_t cols) override {
    Record& r = records[std::string(name)];
    r.ids.assign(data, data + rows * cols);
    r.rows = rows;
    r.cols = cols;
  }
  std::map<std::string, Record> records;
};

}  // namespace sinan
