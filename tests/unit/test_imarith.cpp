#include <cmath>

#include <gtest/gtest.h>

#include "arith/imarith.h"
#include "core/error.h"

namespace ap {
namespace {

Image ramp(std::size_t w, std::size_t h) {
  Image img(w, h);
  for (std::size_t i = 0; i < img.size(); ++i) img.data()[i] = static_cast<float>(i);
  return img;
}

TEST(Imarith, ParsesOperationsInAnyCase) {
  EXPECT_EQ(parse_arith_op(" add "), ArithOp::kAdd);
  EXPECT_EQ(parse_arith_op("Sub"), ArithOp::kSub);
  EXPECT_EQ(parse_arith_op("mul"), ArithOp::kMul);
  EXPECT_EQ(parse_arith_op("DIV"), ArithOp::kDiv);
  EXPECT_EQ(parse_arith_op("min"), ArithOp::kMin);
  EXPECT_EQ(parse_arith_op("MAX"), ArithOp::kMax);
  try {
    parse_arith_op("POW");
    FAIL() << "POW accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
  }
}

TEST(Imarith, ScalarOperations) {
  const Image a = ramp(4, 3);
  EXPECT_FLOAT_EQ(imarith(a, ArithOp::kAdd, 2.5f).image(3, 2), 13.5f);
  EXPECT_FLOAT_EQ(imarith(a, ArithOp::kSub, 1.0f).image(1, 0), 0.0f);
  EXPECT_FLOAT_EQ(imarith(a, ArithOp::kMul, -2.0f).image(2, 1), -12.0f);
  EXPECT_FLOAT_EQ(imarith(a, ArithOp::kDiv, 4.0f).image(0, 2), 2.0f);
  EXPECT_FLOAT_EQ(imarith(a, ArithOp::kMin, 5.0f).image(3, 2), 5.0f);
  EXPECT_FLOAT_EQ(imarith(a, ArithOp::kMax, 5.0f).image(0, 0), 5.0f);
}

TEST(Imarith, NanOperandPropagates) {
  const ArithResult r = imarith(ramp(2, 2), ArithOp::kAdd, std::nanf(""));
  for (float v : r.image.pixels()) EXPECT_TRUE(std::isnan(v));
}

TEST(Imarith, DivisionByZeroGivesNanAndIsCounted) {
  const Image a = ramp(3, 1);  // 0 1 2
  Image b(3, 1, 1.0f);
  b(0, 0) = 0.0f;  // 0/0
  b(2, 0) = 0.0f;  // 2/0
  const ArithResult r = imarith(a, ArithOp::kDiv, b);
  EXPECT_EQ(r.divisions_by_zero, 2u);
  EXPECT_TRUE(std::isnan(r.image(0, 0)));
  EXPECT_FLOAT_EQ(r.image(1, 0), 1.0f);
  EXPECT_TRUE(std::isnan(r.image(2, 0)));
  EXPECT_EQ(imarith(a, ArithOp::kDiv, 0.0f).divisions_by_zero, 3u);
}

TEST(Imarith, ImageOperandsAndLargeImagesUseEveryPixel) {
  const Image a = ramp(1000, 700);
  const Image b = ramp(1000, 700);
  const ArithResult r = imarith(a, ArithOp::kSub, b);
  for (float v : r.image.pixels()) ASSERT_EQ(v, 0.0f);
  const ArithResult m = imarith(a, ArithOp::kMax, imarith(b, ArithOp::kAdd, 1.0f).image);
  EXPECT_FLOAT_EQ(m.image(999, 699), 700.0f * 1000.0f);
}

TEST(Imarith, ShapeMismatchNamesBothShapes) {
  try {
    imarith(ramp(4, 3), ArithOp::kAdd, ramp(3, 4));
    FAIL() << "mismatch accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("4x3"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("3x4"), std::string::npos);
  }
}

}  // namespace
}  // namespace ap
