// Header: the ordered keyword cards of one FITS HDU.
//
// Holds only the "user" cards: the structural keywords that describe the data
// layout (SIMPLE, XTENSION, BITPIX, NAXISn, EXTEND, PCOUNT, GCOUNT, BZERO,
// BSCALE, BLANK, CHECKSUM, DATASUM, TFIELDS/TTYPEn/TFORMn..., ZIMAGE and the
// other tile-compression cards) are produced by the FITS writer from the data
// and never stored here. The reader reports the originals separately (HduInfo).
//
// Keys are upper case. HIERARCH keywords are stored without the "HIERARCH "
// prefix ("ESO DET DIT"); string values of any length are allowed and are
// written with CONTINUE cards. HISTORY and COMMENT are repeated cards with no
// value whose text is the card comment. Key lookups ignore case and a leading
// "HIERARCH ".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ap {

class Header {
 public:
  // monostate = keyword with an undefined value.
  using Value = std::variant<std::monostate, bool, std::int64_t, double, std::string>;

  struct Card {
    std::string key;
    Value value;
    std::string comment;
  };

  bool has(std::string_view key) const;

  // Typed lookup. Numbers convert between integer and floating point (double
  // -> int64 only when the value is integral); numeric strings such as
  // EXPTIME = '300' are accepted as numbers. Returns nullopt when the key is
  // missing, undefined, or of an incompatible type.
  std::optional<double> get_double(std::string_view key) const;
  std::optional<std::int64_t> get_int(std::string_view key) const;
  // Trailing blanks trimmed; a number gives its FITS text (42, 1.5).
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;

  double get(std::string_view key, double fallback) const { return get_double(key).value_or(fallback); }
  std::int64_t get(std::string_view key, std::int64_t fallback) const { return get_int(key).value_or(fallback); }
  std::int64_t get(std::string_view key, int fallback) const {
    return get(key, static_cast<std::int64_t>(fallback));
  }
  std::string get(std::string_view key, std::string_view fallback) const {
    return get_string(key).value_or(std::string(fallback));
  }
  std::string get(std::string_view key, const char* fallback) const { return get(key, std::string_view(fallback)); }
  bool get(std::string_view key, bool fallback) const { return get_bool(key).value_or(fallback); }

  // First of several spellings with a numeric value (e.g. {"EXPOSURE", "EXPTIME"}).
  std::optional<double> get_double_any(std::initializer_list<std::string_view> keys) const;

  const Card* find(std::string_view key) const;

  // Sets the value in place when the key exists (keeping the old comment if
  // `comment` is empty), otherwise appends. Not for HISTORY/COMMENT.
  void set(std::string_view key, Value value, std::string_view comment = {});
  void set(std::string_view key, const char* value, std::string_view comment = {}) {
    set(key, Value(std::string(value)), comment);
  }
  void set(std::string_view key, int value, std::string_view comment = {}) {
    set(key, Value(static_cast<std::int64_t>(value)), comment);
  }
  void set(std::string_view key, float value, std::string_view comment = {}) {
    set(key, Value(static_cast<double>(value)), comment);
  }
  // Exact matches for the other value types, so that set(k, 1.5) and
  // set(k, true) are neither ambiguous nor turned into integers.
  void set(std::string_view key, double value, std::string_view comment = {}) {
    set(key, Value(value), comment);
  }
  void set(std::string_view key, std::int64_t value, std::string_view comment = {}) {
    set(key, Value(value), comment);
  }
  void set(std::string_view key, bool value, std::string_view comment = {}) {
    set(key, Value(value), comment);
  }
  void set(std::string_view key, const std::string& value, std::string_view comment = {}) {
    set(key, Value(value), comment);
  }

  // Text longer than 72 characters is split over several cards, at blanks when possible.
  void add_history(std::string_view text);
  void add_comment(std::string_view text);
  std::vector<std::string> history() const;

  // Removes every card with this key; returns how many were removed.
  std::size_t erase(std::string_view key);

  // Copies every card of `other` whose key is not yet here (HISTORY/COMMENT appended).
  void merge(const Header& other);

  const std::vector<Card>& cards() const { return cards_; }
  std::size_t size() const { return cards_.size(); }
  bool empty() const { return cards_.empty(); }

  // True for keywords that describe the data layout and are owned by the writer.
  static bool is_structural(std::string_view key);

 private:
  std::vector<Card> cards_;
};

// The value as it would appear in a FITS card: 'text', T/F, 42, 1.5E+03, or "".
std::string format_value(const Header::Value& value);

// The inverse: the value field of a FITS card ('it''s' -> it's, T, 42, 1.5D3,
// blank -> undefined). Text that is none of these (a complex pair) stays text.
Header::Value parse_value(std::string_view text);

}  // namespace ap
