// The tensors of a Hugging Face checkpoint as llama.cpp's GGUF lays them out, each read row by row from
// the mapped safetensors shards (FP8 blocks scaled on the way).
#include "convert/hf_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "convert/gguf_layout.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"
#include "kernels/matrix.h"
#include "model/tensor_names.h"
#include "quant/dequantize.h"

namespace sinan {
namespace {

using json = nlohmann::json;
using RowReader = std::function<Status(int64_t first, int64_t count, float* out)>;

RowReader read_matrix_rows(Matrix m) {
  return [m](int64_t first, int64_t count, float* out) {
    for (int64_t r = 0; r < count; ++r) dequantize_matrix_row(m, first + r, out + r * m.cols);
    return Status();
  };
}

// llama.cpp's LlamaModel.permute: within each head, rows (i, i + d/2) of Hugging Face's rotate-half layout
// become adjacent rows (2i, 2i + 1), the pairs llama.cpp rotates.
int64_t unpermuted_row(int64_t row, int64_t head_dim) {
  const int64_t head = row / head_dim, j = row % head_dim;
  return head * head_dim + (j % 2) * (head_dim / 2) + j / 2;
}

class HfPlanner {
 public:
  HfPlanner(const SafetensorsArchive& files, const ModelConfig& c, ConversionPlan* plan)
      : files_(files), c_(c), plan_(plan) {}

  bool has(const std::string& hf_name) const { return files_.find(hf_name) != nullptr; }

  // The tensor as a matrix [numel / last dim, last dim], FP8 block scales attached. Checks the shape.
  Result<Matrix> matrix(const std::string& hf_name, const std::vector<int64_t>& expected) {
    const TensorInfo* t = files_.find(hf_name);
    if (t == nullptr) return Status::errorf("{}: missing tensor '{}'", plan_->source, hf_name);
    used_.insert(hf_name);
    if (!expected.empty() && t->shape != expected) {
      return Status::errorf("{}: tensor '{}' has shape {}, the config expects {}", t->file, hf_name,
                            shape_string(t->shape), shape_string(expected));
    }
    if (t->shape.empty()) return Status::errorf("{}: tensor '{}' is a scalar", t->file, hf_name);
    Matrix m;
    m.dtype = t->dtype;
    m.cols = t->shape.back();
    m.rows = t->numel() / std::max<int64_t>(m.cols, 1);
    m.data = t->data;
    const auto row_bytes = dtype_row_bytes(t->dtype, m.cols);
    if (!row_bytes || !(dtype_info(t->dtype).is_float_plain || t->dtype == DType::kF8E4M3)) {
      return Status::errorf("{}: tensor '{}' has type {}; sinan converts f32, f16, bf16 and DeepSeek's FP8",
                            t->file, hf_name, dtype_name(t->dtype));
    }
    m.row_bytes = *row_bytes;
    if (t->dtype == DType::kF8E4M3) SINAN_RETURN_IF_ERROR(attach_fp8_scales(*t, hf_name, &m));
    return m;
  }

  // A tensor copied row for row.
  Status direct(const std::string& gguf_name, const std::string& hf_name, const std::vector<int64_t>& shape) {
    SINAN_ASSIGN_OR_RETURN(Matrix m, matrix(hf_name, shape));
    add(gguf_name, shape, m.dtype, read_matrix_rows(m), order_key(hf_name));
    return Status();
  }

  // A tensor whose rows (or, for a bias, values) are permuted for llama.cpp's adjacent-pair rope.
  Status permuted(const std::string& gguf_name, const std::string& hf_name, const std::vector<int64_t>& shape,
                  int64_t head_dim) {
    SINAN_ASSIGN_OR_RETURN(Matrix m, matrix(hf_name, shape));
    if (shape.size() == 1) {
      add(
          gguf_name, shape, m.dtype,
          [m, head_dim](int64_t, int64_t, float* out) {
            std::vector<float> values(static_cast<size_t>(m.cols));
            dequantize_matrix_row(m, 0, values.data());
            for (int64_t j = 0; j < m.cols; ++j)
              out[j] = values[static_cast<size_t>(unpermuted_row(j, head_dim))];
            return Status();
          },
          order_key(hf_name));
    } else {
      add(
          gguf_name, shape, m.dtype,
          [m, head_dim](int64_t first, int64_t count, float* out) {
            for (int64_t r = 0; r < count; ++r)
              dequantize_matrix_row(m, unpermuted_row(first + r, head_dim), out + r * m.cols);
            return Status();
          },
          order_key(hf_name));
    }
    return Status();
  }

  // One [n_experts, rows, cols] tensor from the per-expert tensors of a layer.
  Status experts(const std::string& logical, int n_experts, int64_t rows, int64_t cols) {
    std::vector<Matrix> parts;
    DType dtype = DType::kF32;
    for (int e = 0; e < n_experts; ++e) {
      auto hf = hf_tensor_name(logical, "weight", e);
      SINAN_ASSIGN_OR_RETURN(Matrix m, matrix(*hf, {rows, cols}));
      dtype = m.dtype;
      parts.push_back(m);
    }
    add(
        logical + ".weight", {n_experts, rows, cols}, dtype,
        [parts, rows, cols](int64_t first, int64_t count, float* out) {
          for (int64_t r = 0; r < count; ++r) {
            const int64_t row = first + r;
            dequantize_matrix_row(parts[static_cast<size_t>(row / rows)], row % rows, out + r * cols);
          }
          return Status();
        },
        experts_order_key(logical, n_experts));
    return Status();
  }

  // MLA's kv_b_proj [n_heads * (nope + v), kv_lora] split as llama.cpp's converter does: attn_k_b holds each
  // head's W_UK transposed ([n_heads, kv_lora, nope]), attn_v_b each head's W_UV ([n_heads, v, kv_lora]).
  Status split_kv_b(int layer) {
    const int64_t nh = c_.n_heads, nope = c_.qk_nope_head_dim, v = c_.v_head_dim, kv_lora = c_.kv_lora_rank;
    const std::string hf = *hf_tensor_name(layer_name(layer, "attn_kv_b"), "weight");
    SINAN_ASSIGN_OR_RETURN(Matrix kv_b, matrix(hf, {nh * (nope + v), kv_lora}));
    add(
        layer_name(layer, "attn_k_b") + ".weight", {nh, kv_lora, nope}, kv_b.dtype,
        [kv_b, nope, v, kv_lora](int64_t first, int64_t count, float* out) {
          std::vector<float> head(static_cast<size_t>(nope * kv_lora));  // [nope, kv_lora] of one head
          int64_t loaded = -1;
          for (int64_t r = 0; r < count; ++r) {
            const int64_t h = (first + r) / kv_lora, col = (first + r) % kv_lora;
            if (h != loaded) {
              for (int64_t j = 0; j < nope; ++j)
                dequantize_matrix_row(kv_b, h * (nope + v) + j, head.data() + j * kv_lora);
              loaded = h;
            }
            for (int64_t j = 0; j < nope; ++j)
              out[r * nope + j] = head[static_cast<size_t>(j * kv_lora + col)];
          }
          return Status();
        },
        order_key(hf) +
            "\x01"
            "0");
    add(
        layer_name(layer, "attn_v_b") + ".weight", {nh, v, kv_lora}, kv_b.dtype,
        [kv_b, nope, v](int64_t first, int64_t count, float* out) {
          for (int64_t r = 0; r < count; ++r) {
            const int64_t h = (first + r) / v, i = (first + r) % v;
            dequantize_matrix_row(kv_b, h * (nope + v) + nope + i, out + r * kv_b.cols);
          }
          return Status();
        },
        order_key(hf) +
            "\x01"
            "1");
    return Status();
  }

  void constant(const std::string& gguf_name, std::vector<float> values) {
    const auto n = static_cast<int64_t>(values.size());
    add(
        gguf_name, {n}, DType::kF32,
        [values = std::move(values)](int64_t, int64_t, float* out) {
          std::copy(values.begin(), values.end(), out);
          return Status();
        },
        "");  // generated tensors come first, as in llama.cpp's converter
  }

  // Puts the planned tensors in the order llama.cpp's converter writes them: the checkpoint's (shard by
  // shard, names sorted), experts stacked where the layer's last expert tensor is, k_b before v_b.
  void sort_like_converter() {
    std::vector<size_t> order(plan_->tensors.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return order_keys_[a] < order_keys_[b]; });
    std::vector<PlannedTensor> sorted;
    for (size_t i : order) sorted.push_back(std::move(plan_->tensors[i]));
    plan_->tensors = std::move(sorted);
  }

  // Tensors of the checkpoint nothing asked for (FP8 scales of used weights and rope caches aside).
  std::vector<std::string> unused() const {
    std::vector<std::string> out;
    for (const auto& t : files_.tensors()) {
      if (used_.count(t.name) != 0) continue;
      if (t.name.size() > 10 && t.name.ends_with("_scale_inv") &&
          used_.count(t.name.substr(0, t.name.size() - 10)))
        continue;
      if (t.name.ends_with("rotary_emb.inv_freq")) continue;
      out.push_back(t.name);
    }
    return out;
  }

 private:
  void add(const std::string& name, std::vector<int64_t> shape, DType stored, RowReader reader,
           std::string order_key) {
    order_keys_.push_back(std::move(order_key));
    PlannedTensor t;
    t.name = name;
    t.shape = std::move(shape);
    // What llama.cpp's converter keeps in float32: 1-D tensors, norms, the router, biases.
    t.source_type = tensor_allows_quantization(t.name, t.shape) ? stored : DType::kF32;
    if (t.source_type == DType::kF8E4M3) t.source_type = DType::kF32;
    t.read_rows = std::move(reader);
    plan_->tensors.push_back(std::move(t));
  }

  Status attach_fp8_scales(const TensorInfo& t, const std::string& name, Matrix* m) {
    if (c_.fp8_block_rows <= 0) {
      return Status::errorf("{}: tensor '{}' is float8_e4m3 but config.json has no fp8 quantization_config",
                            t.file, name);
    }
    const std::string scales_name = name + "_scale_inv";
    const TensorInfo* scales = files_.find(scales_name);
    if (scales == nullptr)
      return Status::errorf("{}: FP8 tensor '{}' has no '{}'", t.file, name, scales_name);
    const int64_t br = c_.fp8_block_rows, bc = c_.fp8_block_cols;
    const std::vector<int64_t> expected{(m->rows + br - 1) / br, (m->cols + bc - 1) / bc};
    if (t.shape.size() != 2 || scales->shape != expected || !dtype_info(scales->dtype).is_float_plain) {
      return Status::errorf("{}: tensor '{}' is {} {}, expected float {} (one scale per {}x{} block)",
                            scales->file, scales_name, dtype_name(scales->dtype), shape_string(scales->shape),
                            shape_string(expected), br, bc);
    }
    auto copy = std::make_shared<std::vector<float>>(static_cast<size_t>(scales->numel()));
    dequantize_row(scales->dtype, scales->data, copy->data(), scales->numel());
    m->block_scales = copy->data();
    m->scale_cols = expected[1];
    m->scale_block_rows = br;
    m->scale_block_cols = bc;
    plan_->keep_alive.push_back(copy);
    return Status();
  }

  std::string order_key(const std::string& hf_name) const {
    const TensorInfo* t = files_.find(hf_name);
    return (t != nullptr ? t->file : std::string()) + "\n" + hf_name;
  }

  // The converter stacks a layer's experts when their last tensor arrives, then writes down, gate, up.
  std::string experts_order_key(const std::string& logical, int n_experts) const {
    std::string last;
    for (const char* part : {"ffn_gate_exps", "ffn_up_exps", "ffn_down_exps"}) {
      const std::string part_logical = logical.substr(0, logical.rfind('.') + 1) + part;
      for (int e = 0; e < n_experts; ++e)
        last = std::max(last, order_key(*hf_tensor_name(part_logical, "weight", e)));
    }
    const char* rank = logical.ends_with("down_exps") ? "0" : logical.ends_with("gate_exps") ? "1" : "2";
    return last + "\x01" + rank;
  }

  const SafetensorsArchive& files_;
  const ModelConfig& c_;
  ConversionPlan* plan_;
  std::set<std::string> used_;
  std::vector<std::string> order_keys_;  // parallel to plan_->tensors
};

std::string hf(const std::string& logical, const char* suffix = "weight") {
  return *hf_tensor_name(logical, suffix);
}
std::string gguf(const std::string& logical, const char* suffix = "weight") {
  return logical + "." + suffix;
}

Status plan_llama_tensors(const ModelConfig& c, HfPlanner& p) {
  const int64_t hidden = c.hidden_size, hd = c.head_dim, ffn = c.intermediate_size;
  SINAN_RETURN_IF_ERROR(p.direct(gguf("token_embd"), hf("token_embd"), {c.vocab_size, hidden}));
  SINAN_RETURN_IF_ERROR(p.direct(gguf("output_norm"), hf("output_norm"), {hidden}));
  if (!c.tie_embeddings) {
    if (!p.has(hf("output")))
      return Status::errorf("missing tensor 'lm_head.weight' (and tie_word_embeddings is false)");
    SINAN_RETURN_IF_ERROR(p.direct(gguf("output"), hf("output"), {c.vocab_size, hidden}));
  } else if (p.has(hf("output"))) {
    (void)p.matrix(hf("output"), {});  // a tied checkpoint's copy of the embedding: not written
  }
  if (c.rope.scaling == RopeScaling::kLlama3)
    p.constant("rope_freqs.weight", llama3_rope_divisors(c.rope, hd));
  const bool permute = c.arch == Architecture::kLlama;
  for (int l = 0; l < c.n_layers; ++l) {
    SINAN_RETURN_IF_ERROR(
        p.direct(gguf(layer_name(l, "attn_norm")), hf(layer_name(l, "attn_norm")), {hidden}));
    SINAN_RETURN_IF_ERROR(p.direct(gguf(layer_name(l, "ffn_norm")), hf(layer_name(l, "ffn_norm")), {hidden}));
    for (const char* part : {"attn_q", "attn_k", "attn_v"}) {
      const int64_t rows = (std::string_view(part) == "attn_q" ? c.n_heads : c.n_kv_heads) * hd;
      const std::string name = layer_name(l, part);
      const bool rotated = permute && std::string_view(part) != "attn_v";
      if (rotated) {
        SINAN_RETURN_IF_ERROR(p.permuted(gguf(name), hf(name), {rows, hidden}, hd));
      } else {
        SINAN_RETURN_IF_ERROR(p.direct(gguf(name), hf(name), {rows, hidden}));
      }
      if (c.attention_bias) {
        if (rotated) {
          SINAN_RETURN_IF_ERROR(p.permuted(gguf(name, "bias"), hf(name, "bias"), {rows}, hd));
        } else {
          SINAN_RETURN_IF_ERROR(p.direct(gguf(name, "bias"), hf(name, "bias"), {rows}));
        }
      }
    }
    SINAN_RETURN_IF_ERROR(p.direct(gguf(layer_name(l, "attn_output")), hf(layer_name(l, "attn_output")),
                                   {hidden, c.n_heads * hd}));
    SINAN_RETURN_IF_ERROR(
        p.direct(gguf(layer_name(l, "ffn_gate")), hf(layer_name(l, "ffn_gate")), {ffn, hidden}));
    SINAN_RETURN_IF_ERROR(
        p.direct(gguf(layer_name(l, "ffn_up")), hf(layer_name(l, "ffn_up")), {ffn, hidden}));
    SINAN_RETURN_IF_ERROR(
        p.direct(gguf(layer_name(l, "ffn_down")), hf(layer_name(l, "ffn_down")), {hidden, ffn}));
  }
  return Status();
}

Status plan_deepseek_layer(const ModelConfig& c, HfPlanner& p, int l) {
  const int64_t hidden = c.hidden_size, nh = c.n_heads;
  const int64_t qk_head = c.qk_nope_head_dim + c.qk_rope_head_dim;
  auto direct = [&](const char* part, std::vector<int64_t> shape, const char* suffix = "weight") {
    const std::string name = layer_name(l, part);
    return p.direct(gguf(name, suffix), hf(name, suffix), shape);
  };
  SINAN_RETURN_IF_ERROR(direct("attn_norm", {hidden}));
  SINAN_RETURN_IF_ERROR(direct("ffn_norm", {hidden}));
  if (c.q_lora_rank > 0) {
    SINAN_RETURN_IF_ERROR(direct("attn_q_a", {c.q_lora_rank, hidden}));
    SINAN_RETURN_IF_ERROR(direct("attn_q_a_norm", {c.q_lora_rank}));
    SINAN_RETURN_IF_ERROR(direct("attn_q_b", {nh * qk_head, c.q_lora_rank}));
  } else {
    SINAN_RETURN_IF_ERROR(direct("attn_q", {nh * qk_head, hidden}));
  }
  SINAN_RETURN_IF_ERROR(direct("attn_kv_a_mqa", {c.kv_lora_rank + c.qk_rope_head_dim, hidden}));
  SINAN_RETURN_IF_ERROR(direct("attn_kv_a_norm", {c.kv_lora_rank}));
  SINAN_RETURN_IF_ERROR(p.split_kv_b(l));
  SINAN_RETURN_IF_ERROR(direct("attn_output", {hidden, nh * c.v_head_dim}));
  if (!c.is_moe_layer(l)) {
    SINAN_RETURN_IF_ERROR(direct("ffn_gate", {c.intermediate_size, hidden}));
    SINAN_RETURN_IF_ERROR(direct("ffn_up", {c.intermediate_size, hidden}));
    SINAN_RETURN_IF_ERROR(direct("ffn_down", {hidden, c.intermediate_size}));
    return Status();
  }
  const int64_t ffn = c.moe_intermediate_size;
  const int n = c.n_routed_experts;
  SINAN_RETURN_IF_ERROR(direct("ffn_gate_inp", {n, hidden}));
  if (c.has_selection_bias) SINAN_RETURN_IF_ERROR(direct("exp_probs_b", {n}, "bias"));
  SINAN_RETURN_IF_ERROR(p.experts(layer_name(l, "ffn_gate_exps"), n, ffn, hidden));
  SINAN_RETURN_IF_ERROR(p.experts(layer_name(l, "ffn_up_exps"), n, ffn, hidden));
  SINAN_RETURN_IF_ERROR(p.experts(layer_name(l, "ffn_down_exps"), n, hidden, ffn));
  if (c.n_shared_experts > 0) {
    const int64_t shared = ffn * c.n_shared_experts;
    SINAN_RETURN_IF_ERROR(direct("ffn_gate_shexp", {shared, hidden}));
    SINAN_RETURN_IF_ERROR(direct("ffn_up_shexp", {shared, hidden}));
    SINAN_RETURN_IF_ERROR(direct("ffn_down_shexp", {hidden, shared}));
  }
  return Status();
}

Status plan_deepseek_tensors(const ModelConfig& c, HfPlanner& p, int mtp_layers) {
  const int64_t hidden = c.hidden_size;
  SINAN_RETURN_IF_ERROR(p.direct(gguf("token_embd"), hf("token_embd"), {c.vocab_size, hidden}));
  SINAN_RETURN_IF_ERROR(p.direct(gguf("output_norm"), hf("output_norm"), {hidden}));
  if (!c.tie_embeddings) {
    SINAN_RETURN_IF_ERROR(p.direct(gguf("output"), hf("output"), {c.vocab_size, hidden}));
  } else if (p.has(hf("output"))) {
    (void)p.matrix(hf("output"), {});
  }
  for (int l = 0; l < c.n_layers; ++l) SINAN_RETURN_IF_ERROR(plan_deepseek_layer(c, p, l));
  for (int k = 0; k < mtp_layers; ++k) {
    const int l = c.n_layers + k;
    SINAN_RETURN_IF_ERROR(plan_deepseek_layer(c, p, l));
    auto nextn = [&](const char* part, std::vector<int64_t> shape) {
      const std::string name = layer_name(l, part);
      return p.direct(gguf(name), hf(name), shape);
    };
    SINAN_RETURN_IF_ERROR(nextn("nextn.eh_proj", {hidden, 2 * hidden}));
    SINAN_RETURN_IF_ERROR(nextn("nextn.enorm", {hidden}));
    SINAN_RETURN_IF_ERROR(nextn("nextn.hnorm", {hidden}));
    SINAN_RETURN_IF_ERROR(nextn("nextn.shared_head_norm", {hidden}));
    // The MTP copies of the embedding and head are optional in llama.cpp's loader.
    if (p.has(hf(layer_name(l, "nextn.embed_tokens"))))
      SINAN_RETURN_IF_ERROR(nextn("nextn.embed_tokens", {c.vocab_size, hidden}));
    if (p.has(hf(layer_name(l, "nextn.shared_head_head")))) {
      SINAN_RETURN_IF_ERROR(nextn("nextn.shared_head_head", {c.vocab_size, hidden}));
    }
  }
  return Status();
}

}  // namespace

Result<ConversionPlan> plan_from_hf(const std::string& dir, const HfOptions& options) {
  namespace fs = std::filesystem;
  const fs::path path(dir);
  const std::string config_path = (path / "config.json").string();
  if (!fs::is_directory(path) || !fs::exists(config_path)) {
    return Status::errorf("{}: not a Hugging Face model directory (no config.json)", dir);
  }
  SINAN_ASSIGN_OR_RETURN(std::string config_text, read_text_file(config_path));
  SINAN_ASSIGN_OR_RETURN(ModelConfig c, parse_hf_config(config_text, config_path));
  const json root = json::parse(config_text);  // parse_hf_config accepted it
  SINAN_ASSIGN_OR_RETURN(SafetensorsArchive opened, SafetensorsArchive::open(dir));
  auto files = std::make_shared<SafetensorsArchive>(std::move(opened));

  ConversionPlan plan;
  plan.source = dir;
  plan.keep_alive.push_back(files);
  HfPlanner planner(*files, c, &plan);

  int mtp_layers = 0;
  if (c.arch == Architecture::kDeepseek2 && c.n_mtp_layers > 0) {
    const bool present = planner.has(hf(layer_name(c.n_layers, "nextn.eh_proj")));
    if (!options.include_mtp) {
      plan.notes.push_back(
          fmt::format("left out the {} multi-token-prediction layer(s) (--no-mtp)", c.n_mtp_layers));
    } else if (!present) {
      plan.notes.push_back(
          fmt::format("config.json declares {} multi-token-prediction layer(s) that the checkpoint "
                      "does not hold; the file has none",
                      c.n_mtp_layers));
    } else {
      mtp_layers = c.n_mtp_layers;
    }
  }
  if (c.arch == Architecture::kDeepseek2) {
    SINAN_RETURN_IF_ERROR(plan_deepseek_tensors(c, planner, mtp_layers).with_context(dir));
  } else {
    SINAN_RETURN_IF_ERROR(plan_llama_tensors(c, planner).with_context(dir));
  }
  const std::vector<std::string> unused = planner.unused();
  if (!unused.empty()) {
    std::string list;
    for (size_t i = 0; i < unused.size() && i < 8; ++i) list += (i ? ", " : "") + unused[i];
    if (unused.size() > 8) list += fmt::format(", ... ({} in all)", unused.size());
    plan.notes.push_back("tensors not written (nothing in the GGUF layout uses them): " + list);
  }
  planner.sort_like_converter();
  plan.metadata_in_place = true;

  // Metadata in convert_hf_to_gguf.py's order: general, architecture, tokenizer.
  GgufWriter& m = plan.metadata;
  m.set_string("general.architecture", architecture_name(c.arch));
  m.set_string("general.type", "model");
  const fs::path generation_config = path / "generation_config.json";
  if (fs::exists(generation_config)) {
    // llama.cpp's converter ignores an unreadable generation_config.json; so does this.
    if (auto text = read_text_file(generation_config.string()); text.ok()) {
      add_hf_sampling_metadata(json::parse(*text, nullptr, /*allow_exceptions=*/false), &m);
    }
  }
  std::string dir_name = path.filename().string();
  if (dir_name.empty()) dir_name = path.parent_path().filename().string();
  m.set_string("general.name", model_name_from_directory(dir_name));
  m.set_string("general.size_label", size_label(plan.tensors));
  SINAN_RETURN_IF_ERROR(add_hf_architecture_metadata(root, c, mtp_layers, &m).with_context(config_path));
  m.set_u32("general.quantization_version", 2);
  SINAN_RETURN_IF_ERROR(
      add_hf_tokenizer_metadata(dir, root, c.arch, c.vocab_size, options.tokenizer_pre, &m));

  plan.mix_model.arch = architecture_name(c.arch);
  plan.mix_model.n_layer_all = c.n_layers + mtp_layers;
  plan.mix_model.n_head = c.n_heads;
  plan.mix_model.n_head_kv = c.arch == Architecture::kDeepseek2 ? 1 : c.n_kv_heads;
  plan.mix_model.n_expert = c.n_routed_experts;
  return plan;
}

}  // namespace sinan
