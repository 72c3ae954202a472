// Deviant columns and rows (the original's ap_auto_badcol, shared reference
// section 6), printed as a YAML fragment for the user bad-pixel file.
//
// For each column, the NaN-ignoring median of its pixels is its profile
// value; each value is compared with the sigma-clipped mean and std (3 sigma,
// 5 iterations) of a window of `window` values centred on it, and flagged
// when |value - mean| / std >= sigma. Rows likewise. Defects that cover only
// part of a column (charge traps, a column that goes bad half way) barely move
// a whole-column median, so the profiles are also taken over `bands` bands of
// rows (columns over bands of rows, rows over bands of columns) and an index
// deviant in any band is flagged.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/image.h"

namespace ap {

struct BadcolsOptions {
  double sigma = 5.0;
  int window = 11;  // odd; an even length acts as one less, as in the original
  int bands = 4;    // 1: whole columns and rows only, as the original
};

struct BadcolsResult {
  std::vector<std::size_t> columns;  // 0-based
  std::vector<std::size_t> rows;     // 0-based
};

BadcolsResult find_bad_columns(const Image& image, const BadcolsOptions& options = {});

// The fragment ap badpix --user_badpix reads, 1-based, both keys always present:
//   # <comment>
//   bad_columns: [12, 13]
//   bad_rows: []
std::string badcols_yaml(const BadcolsResult& result, const std::string& comment);

}  // namespace ap
