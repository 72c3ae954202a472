// Image arithmetic: one image with a number or with a second image of the
// same shape. Always computed in float32, whatever the input types.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/image.h"

namespace ap {

enum class ArithOp { kAdd, kSub, kMul, kDiv, kMin, kMax };

// "add", "SUB", " Mul " ... (trimmed, case-insensitive); throws ap::Error (kUsage).
ArithOp parse_arith_op(std::string_view name);
const char* arith_op_name(ArithOp op);  // "ADD", "SUB", ...

struct ArithResult {
  Image image;
  std::size_t divisions_by_zero = 0;  // results set to NaN
};

// a OP value. MIN/MAX follow std::fmin/fmax (NaN only when both are NaN).
// Division by zero gives NaN, never inf, and is counted.
ArithResult imarith(const Image& a, ArithOp op, float value);
// a OP b element by element; throws ap::Error (kBadInput) naming both shapes when they differ.
ArithResult imarith(const Image& a, ArithOp op, const Image& b);

}  // namespace ap
