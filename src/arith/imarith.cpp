#include "arith/imarith.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "core/error.h"
#include "core/parallel.h"

namespace ap {
namespace {

constexpr const char* kNames[] = {"ADD", "SUB", "MUL", "DIV", "MIN", "MAX"};

// Applies op to every pixel; `second(i)` yields the second operand of pixel i.
template <typename Second>
ArithResult apply(const Image& a, ArithOp op, Second second) {
  ArithResult result{Image(a.width(), a.height()), 0};
  std::atomic<std::size_t> zeros{0};
  const float* in = a.data();
  float* out = result.image.data();
  parallel_for(0, a.size(), [&](std::size_t begin, std::size_t end) {
    std::size_t local_zeros = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const float x = in[i];
      const float y = second(i);
      switch (op) {
        case ArithOp::kAdd: out[i] = x + y; break;
        case ArithOp::kSub: out[i] = x - y; break;
        case ArithOp::kMul: out[i] = x * y; break;
        case ArithOp::kDiv:
          if (y == 0.0f) {
            out[i] = std::numeric_limits<float>::quiet_NaN();
            ++local_zeros;
          } else {
            out[i] = x / y;
          }
          break;
        case ArithOp::kMin: out[i] = std::fmin(x, y); break;
        case ArithOp::kMax: out[i] = std::fmax(x, y); break;
      }
    }
    zeros += local_zeros;
  }, 1 << 16);
  result.divisions_by_zero = zeros.load();
  return result;
}

}  // namespace

ArithOp parse_arith_op(std::string_view name) {
  std::string upper;
  for (char c : name) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  for (int i = 0; i < 6; ++i) {
    if (upper == kNames[i]) return static_cast<ArithOp>(i);
  }
  throw Error(ExitCode::kUsage,
              fmt::format("unknown operation '{}' (use ADD, SUB, MUL, DIV, MIN or MAX)", name));
}

const char* arith_op_name(ArithOp op) { return kNames[static_cast<int>(op)]; }

ArithResult imarith(const Image& a, ArithOp op, float value) {
  return apply(a, op, [value](std::size_t) { return value; });
}

ArithResult imarith(const Image& a, ArithOp op, const Image& b) {
  if (!a.same_shape(b)) {
    throw Error(ExitCode::kBadInput,
                fmt::format("shapes differ: first image is {}x{}, second is {}x{}", a.width(),
                            a.height(), b.width(), b.height()));
  }
  const float* pb = b.data();
  return apply(a, op, [pb](std::size_t i) { return pb[i]; });
}

}  // namespace ap
