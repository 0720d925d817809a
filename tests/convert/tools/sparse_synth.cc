// Helper for llama_quantize_expectations.py (not built by CMake): writes a synth preset's GGUF header with bf16
// tensors and truncates the file to its full size (sparse zeros), so `llama-quantize --dry-run` sees the real
// shapes without 16 GB of data. Build from the repository root after building sinan_convert:
//   g++ -std=c++20 -O1 -I src tests/convert/tools/sparse_synth.cc -o sparse_synth build/src/convert/libsinan_convert.a \
//     build/src/model/libsinan_model.a build/src/text/libsinan_text.a build/src/kernels/libsinan_kernels.a \
//     build/src/runtime/libsinan_runtime.a build/src/quant/libsinan_quant.a build/src/io/libsinan_io.a \
//     build/src/core/libsinan_core.a -lfmt -lpcre2-8 -lutf8proc -lpthread
// Usage: sparse_synth PRESET OUT.gguf [LAYERS [EXPERTS]]
#include <cstdio>
#include <unistd.h>
#include "convert/convert.h"
#include "io/gguf_encode.h"
using namespace sinan;
int main(int argc, char** argv) {
  SynthOptions o; if (argc > 3) o.layers = atoi(argv[3]); if (argc > 4) o.experts = atoi(argv[4]);
  auto plan = plan_synthetic(argv[1], o);
  if (!plan.ok()) { fprintf(stderr, "%s\n", plan.message().c_str()); return 1; }
  auto choices = plan_tensor_types(*plan, FileType::kBF16);
  GgufWriter m = plan->metadata; m.set_u32("general.file_type", 32);
  std::vector<std::vector<int64_t>> shapes; std::vector<gguf_encode::HeaderTensor> infos;
  uint64_t total = 0;
  for (size_t i = 0; i < plan->tensors.size(); ++i) {
    auto& t = plan->tensors[i];
    uint64_t n = *dtype_row_bytes((*choices)[i].type, t.cols()) * t.rows();
    infos.push_back({&t.name, (*choices)[i].type, &t.shape, n});
    total += gguf_encode::padded_size(n, 32);
  }
  FILE* f = fopen(argv[2], "wb"); gguf_encode::FileSink s(f);
  gguf_encode::put_header(s, m.metadata(), infos, 32);
  uint64_t size = s.offset() + total; fclose(f);
  if (truncate(argv[2], size) != 0) return 2;
  printf("%s: %zu tensors, %llu bytes\n", argv[2], plan->tensors.size(), (unsigned long long)size);
}
