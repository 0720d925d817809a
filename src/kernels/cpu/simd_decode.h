// Decoders into the chunk forms (panels.h) and the activation quantizer, written with AVX2 + F16C
// intrinsics and compiled into both SIMD tiers (the AVX-512 tier also gets 512-bit decoders). Each
// reproduces decode_reference.cc bit for bit (tests/kernels/decode_test.cc). Include inside a tier's
// translation unit with SINAN_CPU_ISA defined, compiled with at least -mavx2 -mfma -mf16c.
#pragma once

#include "kernels/cpu/simd_decode_float.h"
#include "kernels/cpu/simd_decode_int.h"
#include "kernels/cpu/simd_quantize_act.h"
#include "kernels/cpu/simd_wide.h"
