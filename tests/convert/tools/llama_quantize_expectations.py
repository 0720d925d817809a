#!/usr/bin/env python3
"""Regenerates tests/data/convert/llama_quantize_*.tsv from llama.cpp's own tools (run by hand; CI has no llama.cpp).

  llama_quantize_files.tsv   model, file type, FNV-1a 64 of the whole file llama-quantize writes from
                             tests/data/gguf/<model>-bf16.gguf (sinan's file must be byte-identical)
  llama_quantize_mix.tsv     synth preset, file type, FNV-1a 64 of the sorted "name<TAB>type" lines that
                             `llama-quantize --dry-run` prints for the preset's real shapes, and a count per type
  mix/<preset>-<type>.tsv    those lines in full, for the most-used mixes

Usage: llama_quantize_expectations.py LLAMA_CPP_BIN_DIR SINAN_BINARY SPARSE_SYNTH_TOOL WORK_DIR
SPARSE_SYNTH_TOOL PRESET OUT.gguf writes a preset's GGUF header with bf16 tensors and truncates the file to its
full size (sparse zeros), so llama-quantize --dry-run sees the real shapes without gigabytes of data.
"""
import collections, os, re, subprocess, sys

TYPES = ["q4_K_M", "q5_K_M", "q3_K_M", "q3_K_S", "q3_K_L", "q4_K_S", "q5_K_S", "q6_K", "q2_K", "q4_0", "q4_1",
         "q5_0", "q5_1", "q8_0", "iq4_nl", "iq4_xs", "f16", "bf16", "f32"]
MODELS = ["deepseek_v3", "llama", "qwen2"]
PRESETS = ["r1-distill-llama-8b", "r1-distill-qwen-7b", "r1-distill-qwen-1.5b", "deepseek-v2-lite", "deepseek-v3-reduced"]
FULL_LISTS = ["q4_K_M", "q3_K_M"]


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def main():
    bin_dir, sinan, sparse_tool, work = sys.argv[1:5]
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    data = os.path.join(root, "tests", "data")
    out_dir = os.path.join(data, "convert")
    os.makedirs(os.path.join(out_dir, "mix"), exist_ok=True)
    quantize = os.path.join(bin_dir, "llama-quantize")
    with open(os.path.join(out_dir, "llama_quantize_files.tsv"), "w") as files:
        files.write("# model\tfile type\tFNV-1a 64 of llama-quantize's output file (hex)\n")
        for model in MODELS:
            for t in TYPES:
                out = os.path.join(work, f"{model}-{t}.gguf")
                subprocess.run([quantize, os.path.join(data, "gguf", f"{model}-bf16.gguf"), out, t, "1"],
                               check=True, capture_output=True)
                files.write(f"{model}\t{t}\t{fnv1a64(open(out, 'rb').read()):016x}\n")
                os.remove(out)
    line = re.compile(r"\[\s*\d+/\s*\d+\]\s+(\S+)\s+- \[.*?\], type =\s*(\S+),\s*size =.*?(?:\((\S+)\))?\s*$")
    with open(os.path.join(out_dir, "llama_quantize_mix.tsv"), "w") as mix:
        mix.write("# preset\tfile type\tFNV-1a 64 of the sorted name<TAB>type lines (hex)\ttensors per type\n")
        for preset in PRESETS:
            sparse = os.path.join(work, f"sparse-{preset}.gguf")
            subprocess.run([sparse_tool, preset, sparse], check=True, capture_output=True)
            for t in TYPES:
                run = subprocess.run([quantize, "--dry-run", sparse, t], capture_output=True, text=True, errors="replace")
                log = run.stdout + run.stderr
                pairs = sorted(f"{m.group(1)}\t{m.group(3) or m.group(2)}" for m in map(line.search, log.splitlines()) if m)
                text = "".join(p + "\n" for p in pairs)
                counts = collections.Counter(p.split("\t")[1] for p in pairs)
                summary = " ".join(f"{k}:{v}" for k, v in sorted(counts.items()))
                mix.write(f"{preset}\t{t}\t{fnv1a64(text.encode()):016x}\t{summary}\n")
                if t in FULL_LISTS:
                    open(os.path.join(out_dir, "mix", f"{preset}-{t}.tsv"), "w").write(text)
            os.remove(sparse)


if __name__ == "__main__":
    main()
