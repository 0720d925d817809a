#include "convert/tensor_mix.h"

#include <algorithm>
#include <cstdio>

namespace sinan {
namespace {

// llama.cpp's broad tensor categories (by substring, as llama-quant.cpp matches them).
enum class Category {
  kTokenEmbd,
  kAttnQ,
  kAttnV,
  kAttnK,
  kAttnQkv,
  kAttnKvB,
  kAttnOutput,
  kFfnUp,
  kFfnGate,
  kFfnDown,
  kOutput,
  kOther
};

bool contains(const std::string& s, const char* part) {
  return s.find(part) != std::string::npos;
}

Category category_of(const std::string& name) {
  if (name == "output.weight") return Category::kOutput;
  if (name == "token_embd.weight") return Category::kTokenEmbd;
  if (contains(name, "attn_qkv.weight")) return Category::kAttnQkv;
  if (contains(name, "attn_kv_b.weight")) return Category::kAttnKvB;
  if (contains(name, "attn_v.weight")) return Category::kAttnV;
  if (contains(name, "attn_k.weight")) return Category::kAttnK;
  if (contains(name, "attn_q.weight")) return Category::kAttnQ;
  if (contains(name, "attn_output.weight")) return Category::kAttnOutput;
  if (contains(name, "ffn_up")) return Category::kFfnUp;
  if (contains(name, "ffn_gate")) return Category::kFfnGate;
  if (contains(name, "ffn_down")) return Category::kFfnDown;
  return Category::kOther;
}

// attn_v-like tensors are the most sensitive to quantization.
bool is_attn_v_like(Category c) {
  return c == Category::kAttnV || c == Category::kAttnQkv || c == Category::kAttnKvB;
}

// The layers that get more bits in the _M mixes: the first and last eighth, and every third between.
bool use_more_bits(int i_layer, int n_layers) {
  return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2;
}

int block_of(const std::string& name) {
  int layer = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
  return layer;
}

// ggml_n_dims: dimensions up to the last one above 1 (innermost first), at least 1.
int ggml_dims(const std::vector<int64_t>& shape) {
  size_t leading_ones = 0;
  while (leading_ones + 1 < shape.size() && shape[leading_ones] == 1) ++leading_ones;
  return static_cast<int>(shape.size() - leading_ones);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct MixState {
  int n_attention_wv = 0, i_attention_wv = 0;
  int n_layer_counter = 0;  // n_ffn_down = n_ffn_gate = n_ffn_up
  int i_ffn_down = 0, i_ffn_gate = 0, i_ffn_up = 0;
  bool tied_embeddings = true;  // until output.weight is seen
};

// (layer, layer count) of an ffn tensor: MoE models name it; dense ones count the tensors seen.
Result<std::pair<int, int>> ffn_layer(const MixModel& model, int counter, int n_layers,
                                      const std::string& name) {
  if (std::max(1, model.n_expert) > 1) {
    const int layer = block_of(name);
    if (layer < 0) return Status::errorf("tensor '{}': cannot tell its layer", name);
    if (layer >= n_layers)
      return Status::errorf("tensor '{}': layer {} is beyond the {} blocks", name, layer, n_layers);
    return std::make_pair(layer, n_layers);
  }
  return std::make_pair(counter, n_layers);
}

// llama_tensor_get_type_impl for the file types sinan writes.
Result<DType> mix_rule(FileType ft, const MixModel& model, MixState& s, const MixTensor& t, Category c,
                       DType type) {
  using F = FileType;
  const int64_t row = t.shape.back();
  if (c == Category::kOutput || (s.tied_embeddings && c == Category::kTokenEmbd)) {
    if (row % dtype_info(type).block_elems != 0) return DType::kQ8_0;
    return type == DType::kQ8_0 ? type : DType::kQ6_K;
  }
  if (c == Category::kTokenEmbd) return type;
  if (is_attn_v_like(c)) {
    if (ft == F::kQ2_K) {
      type = model.n_gqa() >= 4 ? DType::kQ4_K : DType::kQ3_K;
    } else if (ft == F::kQ3_K_M) {
      type = s.i_attention_wv < 2 ? DType::kQ5_K : DType::kQ4_K;
    } else if (ft == F::kQ3_K_L) {
      type = DType::kQ5_K;
    } else if ((ft == F::kIQ4_NL || ft == F::kIQ4_XS) && model.n_gqa() >= 4) {
      type = DType::kQ5_K;
    } else if ((ft == F::kQ4_K_M || ft == F::kQ5_K_M) && use_more_bits(s.i_attention_wv, s.n_attention_wv)) {
      type = DType::kQ6_K;
    } else if (ft == F::kQ4_K_S && s.i_attention_wv < 4) {
      type = DType::kQ5_K;
    }
    if (model.is_llama_70b() && (type == DType::kQ3_K || type == DType::kQ4_K)) type = DType::kQ5_K;
    if (model.n_expert == 8) type = DType::kQ8_0;
    ++s.i_attention_wv;
    return type;
  }
  if (c == Category::kAttnK) return model.n_expert == 8 ? DType::kQ8_0 : type;
  if (c == Category::kAttnQ) return type;
  if (c == Category::kFfnDown) {
    SINAN_ASSIGN_OR_RETURN(auto layer_info, ffn_layer(model, s.i_ffn_down, s.n_layer_counter, t.name));
    const auto [i_layer, n_layer] = layer_info;
    if (ft == F::kQ2_K) {
      type = DType::kQ3_K;
    } else if (ft == F::kQ3_K_M) {
      type = i_layer < n_layer / 16 ? DType::kQ5_K : DType::kQ4_K;
    } else if (ft == F::kQ3_K_L) {
      type = DType::kQ5_K;
    } else if (ft == F::kQ4_K_M) {
      if (use_more_bits(i_layer, n_layer)) type = DType::kQ6_K;
    } else if (i_layer < n_layer / 8 && (ft == F::kIQ4_NL || ft == F::kIQ4_XS)) {  // no importance matrix
      type = DType::kQ5_K;
    } else if (ft == F::kQ5_K_M && use_more_bits(i_layer, n_layer)) {
      type = DType::kQ6_K;
    } else if (ft == F::kQ4_K_S && i_layer < n_layer / 8) {
      type = DType::kQ5_K;
    }
    ++s.i_ffn_down;
    return type;
  }
  if (c == Category::kAttnOutput) {
    if (model.n_expert == 8) {
      if (ft == F::kQ2_K || ft == F::kQ3_K_S || ft == F::kQ3_K_M || ft == F::kIQ4_NL || ft == F::kQ4_K_S ||
          ft == F::kQ4_K_M || ft == F::kIQ4_XS) {
        type = DType::kQ5_K;
      }
    } else if (ft == F::kQ2_K) {
      type = DType::kQ3_K;
    } else if (ft == F::kQ3_K_M) {
      type = DType::kQ4_K;
    } else if (ft == F::kQ3_K_L) {
      type = DType::kQ5_K;
    }
    return type;
  }
  if (c == Category::kFfnGate) {
    SINAN_ASSIGN_OR_RETURN(auto layer_info, ffn_layer(model, s.i_ffn_gate, s.n_layer_counter, t.name));
    (void)layer_info;  // only the iq3_xs mix (not offered) uses it; the check and the count stay
    ++s.i_ffn_gate;
    return type;
  }
  if (c == Category::kFfnUp) {
    SINAN_ASSIGN_OR_RETURN(auto layer_info, ffn_layer(model, s.i_ffn_up, s.n_layer_counter, t.name));
    (void)layer_info;
    ++s.i_ffn_up;
    return type;
  }
  return type;
}

// A type whose blocks divide the row: llama.cpp's fallback chain, then f16.
MixChoice fit_row(DType wanted, int64_t row) {
  MixChoice choice{wanted, false, wanted};
  if (row % dtype_info(wanted).block_elems == 0) return choice;
  choice.fell_back = true;
  switch (wanted) {
    case DType::kQ2_K:
    case DType::kQ3_K:
      choice.type = DType::kQ4_0;
      break;
    case DType::kQ4_K:
      choice.type = DType::kQ5_0;
      break;
    case DType::kQ5_K:
      choice.type = DType::kQ5_1;
      break;
    case DType::kQ6_K:
      choice.type = DType::kQ8_0;
      break;
    case DType::kIQ4_XS:
      choice.type = DType::kIQ4_NL;
      break;
    // llama.cpp stops here ("no tensor type fallback"); its converter falls back to f16, and so do we.
    default:
      choice.type = DType::kF16;
      break;
  }
  if (row % dtype_info(choice.type).block_elems != 0) choice.type = DType::kF16;
  return choice;
}

}  // namespace

bool tensor_allows_quantization(const std::string& name, const std::vector<int64_t>& shape) {
  if (ggml_dims(shape) < 2) return false;
  if (!ends_with(name, "weight")) return false;
  if (contains(name, "_norm.weight")) return false;
  if (contains(name, "ffn_gate_inp.weight")) return false;
  return true;
}

bool llama_tensor_order(const std::string& a, const std::string& b) {
  const int la = block_of(a), lb = block_of(b);
  if (la != lb) return la < lb;
  return a < b;
}

Result<std::vector<MixChoice>> choose_tensor_types(FileType file_type, const MixModel& model,
                                                   const std::vector<MixTensor>& tensors) {
  const DType default_type = file_type_info(file_type).default_dtype;
  MixState state;
  for (const auto& t : tensors) {
    const Category c = category_of(t.name);
    if (is_attn_v_like(c)) ++state.n_attention_wv;
    if (c == Category::kOutput) state.tied_embeddings = false;
  }
  state.n_layer_counter = model.n_layer_all;

  std::vector<MixChoice> choices;
  choices.reserve(tensors.size());
  for (const auto& t : tensors) {
    if (t.shape.empty()) return Status::errorf("tensor '{}' has no dimensions", t.name);
    if (!tensor_allows_quantization(t.name, t.shape)) {
      choices.push_back({t.current, false, t.current});
      continue;
    }
    if (is_float_file_type(file_type)) {
      choices.push_back({default_type, false, default_type});
      continue;
    }
    SINAN_ASSIGN_OR_RETURN(DType type,
                           mix_rule(file_type, model, state, t, category_of(t.name), default_type));
    choices.push_back(fit_row(type, t.shape.back()));
  }
  return choices;
}

}  // namespace sinan
