#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/header.h"

namespace ap {
namespace {

TEST(HeaderGet, TypedValuesAndConversions) {
  Header h;
  h.set("NAXIS1X", 42);
  h.set("GAIN", 1.5);
  h.set("WHOLE", 300.0);
  h.set("EXPTIME", "300");
  h.set("EXPOSURE", " 2.5E+01 ");
  h.set("FILTER", "Ha    ");
  h.set("FLAG", true);
  h.set("UNDEF", Header::Value{});

  EXPECT_EQ(h.get_int("NAXIS1X"), 42);
  EXPECT_EQ(h.get_double("NAXIS1X"), 42.0);
  EXPECT_EQ(h.get_double("GAIN"), 1.5);
  EXPECT_EQ(h.get_int("GAIN"), std::nullopt);  // not integral
  EXPECT_EQ(h.get_int("WHOLE"), 300);
  EXPECT_EQ(h.get_double("EXPTIME"), 300.0);  // numeric string
  EXPECT_EQ(h.get_int("EXPTIME"), 300);
  EXPECT_EQ(h.get_double("EXPOSURE"), 25.0);
  EXPECT_EQ(h.get_string("FILTER"), "Ha");  // trailing blanks trimmed
  EXPECT_EQ(h.get_double("FILTER"), std::nullopt);
  EXPECT_EQ(h.get_string("GAIN"), "1.5");
  EXPECT_EQ(h.get_bool("FLAG"), true);
  EXPECT_EQ(h.get_bool("GAIN"), std::nullopt);
  EXPECT_TRUE(h.has("UNDEF"));
  EXPECT_EQ(h.get_double("UNDEF"), std::nullopt);
  EXPECT_EQ(h.get_string("MISSING"), std::nullopt);

  EXPECT_EQ(h.get("MISSING", 7.5), 7.5);
  EXPECT_EQ(h.get("NAXIS1X", 0), 42);
  EXPECT_EQ(h.get("MISSING", "none"), "none");
  EXPECT_EQ(h.get("FLAG", false), true);
  EXPECT_EQ(h.get_double_any({"NOPE", "UNDEF", "EXPOSURE", "EXPTIME"}), 25.0);
}

TEST(HeaderSet, ReplacesInPlaceAndKeepsComment) {
  Header h;
  h.set("A", 1, "first");
  h.set("B", 2);
  h.set("a", 3);  // keys are case-insensitive
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h.cards()[0].key, "A");
  EXPECT_EQ(h.get_int("A"), 3);
  EXPECT_EQ(h.cards()[0].comment, "first");
  h.set("A", 4, "second");
  EXPECT_EQ(h.cards()[0].comment, "second");
}

TEST(HeaderSet, HierarchPrefixIsNotPartOfTheKey) {
  Header h;
  h.set("HIERARCH ESO DET DIT", 1.25);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h.cards()[0].key, "ESO DET DIT");
  EXPECT_EQ(h.get_double("ESO DET DIT"), 1.25);
  EXPECT_EQ(h.get_double("hierarch eso det dit"), 1.25);
}

TEST(HeaderHistory, LongTextIsSplitAtBlanks) {
  Header h;
  h.add_history("short");
  std::string text = "word0";
  for (int i = 1; i < 30; ++i) text += " word" + std::to_string(i);
  h.add_history(text);
  h.add_comment("a comment");
  const auto history = h.history();
  ASSERT_GE(history.size(), 3u);
  EXPECT_EQ(history[0], "short");
  std::string joined;
  for (std::size_t i = 1; i < history.size(); ++i) {
    EXPECT_LE(history[i].size(), 72u);
    joined += (i > 1 ? " " : "") + history[i];
  }
  EXPECT_EQ(joined, text);
  EXPECT_EQ(h.cards().back().key, "COMMENT");
  EXPECT_EQ(h.cards().back().comment, "a comment");
}

TEST(HeaderHistory, UnbrokenTextIsCutAt72) {
  Header h;
  h.add_history(std::string(150, 'x'));
  const auto history = h.history();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].size(), 72u);
  EXPECT_EQ(history[1].size(), 72u);
  EXPECT_EQ(history[2].size(), 6u);
}

TEST(HeaderErase, RemovesEveryCopy) {
  Header h;
  h.set("PEDESTAL", -100);
  h.add_history("one");
  h.add_history("two");
  EXPECT_EQ(h.erase("HISTORY"), 2u);
  EXPECT_EQ(h.erase("pedestal"), 1u);
  EXPECT_EQ(h.erase("PEDESTAL"), 0u);
  EXPECT_TRUE(h.empty());
}

TEST(HeaderMerge, AddsOnlyMissingKeysAndAllHistory) {
  Header a, b;
  a.set("X", 1);
  a.add_history("a");
  b.set("X", 2);
  b.set("Y", 3);
  b.add_history("b");
  a.merge(b);
  EXPECT_EQ(a.get_int("X"), 1);
  EXPECT_EQ(a.get_int("Y"), 3);
  EXPECT_EQ(a.history(), (std::vector<std::string>{"a", "b"}));
}

TEST(HeaderStructural, LayoutKeysOnly) {
  for (const char* key : {"SIMPLE", "BITPIX", "NAXIS", "NAXIS3", "BZERO", "BSCALE", "BLANK",
                          "CHECKSUM", "DATASUM", "TTYPE12", "TFORM1", "ZIMAGE", "ZNAXIS2", "ZTILE1",
                          "EXTNAME", "XTENSION", "PCOUNT", "GCOUNT", "EXTEND"}) {
    EXPECT_TRUE(Header::is_structural(key)) << key;
  }
  for (const char* key :
       {"EXPTIME", "NAXISX", "TTYPE", "OBJECT", "PEDESTAL", "HISTORY", "DATE-OBS", "TELESCOP"}) {
    EXPECT_FALSE(Header::is_structural(key)) << key;
  }
}

TEST(HeaderFormat, FitsTextOfEachType) {
  EXPECT_EQ(format_value(Header::Value{}), "");
  EXPECT_EQ(format_value(true), "T");
  EXPECT_EQ(format_value(false), "F");
  EXPECT_EQ(format_value(std::int64_t{-42}), "-42");
  EXPECT_EQ(format_value(1500.0), "1500.0");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(format_value(1.5e-300), "1.5E-300");
  EXPECT_EQ(format_value(std::string("it's")), "'it''s'");
}

TEST(HeaderParse, InverseOfFormat) {
  EXPECT_TRUE(std::holds_alternative<std::monostate>(parse_value("   ")));
  EXPECT_EQ(std::get<bool>(parse_value("T")), true);
  EXPECT_EQ(std::get<std::int64_t>(parse_value(" -42 ")), -42);
  EXPECT_EQ(std::get<double>(parse_value("1.5D3")), 1500.0);
  EXPECT_EQ(std::get<double>(parse_value("+2.5e-1")), 0.25);
  EXPECT_EQ(std::get<std::string>(parse_value("'it''s   '")), "it's");
  EXPECT_EQ(std::get<std::string>(parse_value("'  lead'")), "  lead");
  EXPECT_EQ(std::get<std::string>(parse_value("(1.0, 2.0)")), "(1.0, 2.0)");
  // Integers beyond int64 become doubles rather than failing.
  EXPECT_EQ(std::get<double>(parse_value("99999999999999999999")), 1e20);
  for (double v : {0.1, 1.0 / 3.0, -2.5e-12, 6.02214076e23, 1e300}) {
    EXPECT_EQ(std::get<double>(parse_value(format_value(v))), v) << v;
  }
}

}  // namespace
}  // namespace ap
