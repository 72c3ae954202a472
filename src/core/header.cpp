#include "core/header.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace ap {
namespace {

constexpr std::size_t kCommentaryWidth = 72;  // text columns of a HISTORY/COMMENT card

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

// Upper case, no surrounding blanks, no "HIERARCH " prefix: the stored form.
std::string normalize(std::string_view key) {
  key = trim(key);
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (k.starts_with("HIERARCH ")) k = std::string(trim(std::string_view(k).substr(9)));
  return k;
}

bool is_commentary(std::string_view key) {
  return key == "HISTORY" || key == "COMMENT" || key.empty();
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> integral(double v) {
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  constexpr double kLimit = 9223372036854775808.0;
  if (!std::isfinite(v) || v != std::floor(v) || v >= kLimit || v < -kLimit) return std::nullopt;
  return static_cast<std::int64_t>(v);
}

// Splits commentary text into card-sized pieces, at spaces when possible.
std::vector<std::string> split_commentary(std::string_view text) {
  std::vector<std::string> pieces;
  while (text.size() > kCommentaryWidth) {
    auto cut = text.substr(0, kCommentaryWidth + 1).rfind(' ');
    if (cut == std::string_view::npos || cut == 0) cut = kCommentaryWidth;
    pieces.emplace_back(text.substr(0, cut));
    text.remove_prefix(cut);
    if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  }
  pieces.emplace_back(text);
  return pieces;
}

}  // namespace

bool Header::has(std::string_view key) const { return find(key) != nullptr; }

const Header::Card* Header::find(std::string_view key) const {
  const std::string k = normalize(key);
  const auto it =
      std::find_if(cards_.begin(), cards_.end(), [&](const Card& c) { return c.key == k; });
  return it == cards_.end() ? nullptr : &*it;
}

std::optional<double> Header::get_double(std::string_view key) const {
  const Card* card = find(key);
  if (card == nullptr) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(&card->value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&card->value)) return *d;
  if (const auto* s = std::get_if<std::string>(&card->value)) return parse_double(*s);
  return std::nullopt;
}

std::optional<std::int64_t> Header::get_int(std::string_view key) const {
  const Card* card = find(key);
  if (card == nullptr) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(&card->value)) return *i;
  if (const auto* d = std::get_if<double>(&card->value)) return integral(*d);
  if (const auto* s = std::get_if<std::string>(&card->value)) {
    if (auto i = parse_int(*s)) return i;
    if (auto d = parse_double(*s)) return integral(*d);
  }
  return std::nullopt;
}

std::optional<std::string> Header::get_string(std::string_view key) const {
  const Card* card = find(key);
  if (card == nullptr) return std::nullopt;
  if (const auto* s = std::get_if<std::string>(&card->value)) {
    return std::string(s->substr(0, s->find_last_not_of(' ') + 1));
  }
  if (std::holds_alternative<std::int64_t>(card->value) ||
      std::holds_alternative<double>(card->value)) {
    return format_value(card->value);
  }
  return std::nullopt;
}

std::optional<bool> Header::get_bool(std::string_view key) const {
  const Card* card = find(key);
  if (card == nullptr) return std::nullopt;
  if (const auto* b = std::get_if<bool>(&card->value)) return *b;
  return std::nullopt;
}

std::optional<double> Header::get_double_any(std::initializer_list<std::string_view> keys) const {
  for (const auto key : keys) {
    if (auto v = get_double(key)) return v;
  }
  return std::nullopt;
}

void Header::set(std::string_view key, Value value, std::string_view comment) {
  std::string k = normalize(key);
  if (is_commentary(k)) {
    // Commentary cards carry text, not values; keep the caller's text anyway.
    const auto* text = std::get_if<std::string>(&value);
    for (auto& piece : split_commentary(text != nullptr ? *text : comment)) {
      cards_.push_back({k, std::monostate{}, std::move(piece)});
    }
    return;
  }
  const auto it =
      std::find_if(cards_.begin(), cards_.end(), [&](const Card& c) { return c.key == k; });
  if (it == cards_.end()) {
    cards_.push_back({std::move(k), std::move(value), std::string(comment)});
    return;
  }
  it->value = std::move(value);
  if (!comment.empty()) it->comment = std::string(comment);
}

void Header::add_history(std::string_view text) { set("HISTORY", Value(std::string(text))); }

void Header::add_comment(std::string_view text) { set("COMMENT", Value(std::string(text))); }

std::vector<std::string> Header::history() const {
  std::vector<std::string> texts;
  for (const auto& card : cards_) {
    if (card.key == "HISTORY") texts.push_back(card.comment);
  }
  return texts;
}

std::size_t Header::erase(std::string_view key) {
  const std::string k = normalize(key);
  return std::erase_if(cards_, [&](const Card& c) { return c.key == k; });
}

void Header::merge(const Header& other) {
  for (const auto& card : other.cards_) {
    if (is_commentary(card.key) || !has(card.key)) cards_.push_back(card);
  }
}

bool Header::is_structural(std::string_view key) {
  static constexpr std::array kExact = {
      "SIMPLE",   "XTENSION", "BITPIX",  "NAXIS",    "EXTEND",   "PCOUNT",   "GCOUNT",   "GROUPS",
      "BZERO",    "BSCALE",   "BLANK",   "CHECKSUM", "DATASUM",  "TFIELDS",  "THEAP",    "EXTNAME",
      "END",      "CONTINUE", "ZIMAGE",  "ZSIMPLE",  "ZTENSION", "ZBITPIX",  "ZNAXIS",   "ZEXTEND",
      "ZBLOCKED", "ZPCOUNT",  "ZGCOUNT", "ZCMPTYPE", "ZQUANTIZ", "ZDITHER0", "ZMASKCMP", "ZHECKSUM",
      "ZDATASUM", "ZBLANK",   "ZSCALE",  "ZZERO",    "ZTABLE",   "ZTILELEN", "ZTHEAP",
  };
  // Indexed families: the prefix followed by a column or axis number.
  static constexpr std::array kIndexed = {
      "NAXIS", "TTYPE", "TFORM",  "TUNIT", "TSCAL", "TZERO", "TNULL", "TDISP",
      "TDIM",  "TBCOL", "ZNAXIS", "ZTILE", "ZNAME", "ZVAL",  "ZFORM", "ZCTYP",
  };
  const std::string k = normalize(key);
  if (std::find(kExact.begin(), kExact.end(), k) != kExact.end()) return true;
  return std::any_of(kIndexed.begin(), kIndexed.end(), [&](std::string_view prefix) {
    if (!k.starts_with(prefix) || k.size() == prefix.size()) return false;
    return std::all_of(k.begin() + static_cast<std::ptrdiff_t>(prefix.size()), k.end(),
                       [](unsigned char c) { return std::isdigit(c) != 0; });
  });
}

std::string format_value(const Header::Value& value) {
  struct Formatter {
    std::string operator()(std::monostate) const { return {}; }
    std::string operator()(bool b) const { return b ? "T" : "F"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Inf" : "-Inf";
      // Shortest text that reads back as the same double, in FITS style.
      std::array<char, 32> buf{};
      const auto end = std::to_chars(buf.data(), buf.data() + buf.size(), d).ptr;
      std::string s(buf.data(), end);
      std::transform(s.begin(), s.end(), s.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      if (s.find_first_of(".E") == std::string::npos) s += ".0";
      return s;
    }
    std::string operator()(const std::string& s) const {
      std::string quoted = "'";
      for (const char c : s) {
        quoted += c;
        if (c == '\'') quoted += '\'';
      }
      return quoted + "'";
    }
  };
  return std::visit(Formatter{}, value);
}

Header::Value parse_value(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::monostate{};
  if (text.front() == '\'') {
    std::string s;
    for (std::size_t i = 1; i < text.size(); ++i) {
      if (text[i] == '\'') {
        if (i + 1 == text.size() || text[i + 1] != '\'') break;  // closing quote
        ++i;                                                     // '' stands for one quote
      }
      s += text[i];
    }
    s.erase(s.find_last_not_of(' ') + 1);  // trailing blanks are not significant in FITS
    return s;
  }
  if (text == "T") return true;
  if (text == "F") return false;
  if (auto i = parse_int(text)) return *i;
  std::string number(text);
  std::replace_if(
      number.begin(), number.end(), [](char c) { return c == 'D' || c == 'd'; }, 'E');
  if (auto d = parse_double(number)) return *d;
  return std::string(text);
}

}  // namespace ap
