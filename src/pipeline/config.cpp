#include "pipeline/config.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace ap::pipeline {
namespace {

template <typename T>
const char* type_name() {
  if constexpr (std::is_same_v<T, double>) return "a number";
  if constexpr (std::is_same_v<T, int>) return "an integer";
  if constexpr (std::is_same_v<T, std::size_t>) return "a non-negative integer";
  if constexpr (std::is_same_v<T, bool>) return "true or false";
  if constexpr (std::is_same_v<T, std::string>) return "a string";
  return "a list of strings";
}

template <typename T>
std::string as_yaml(const T& value) {
  YAML::Emitter out;
  out << YAML::Flow << YAML::Node(value);
  return out.c_str();
}

int line_of(const YAML::Node& node) { return node.Mark().line + 1; }

// A mapping key as text; a key that is itself a list or mapping is an error.
std::string key_of(const std::string& file, const YAML::Node& key) {
  if (!key.IsScalar()) throw input_error(file, fmt::format("line {}: a key must be a plain name", line_of(key)));
  return key.Scalar();
}

}  // namespace

ConfigSection::ConfigSection(std::string file, std::string name, YAML::Node node)
    : file_(std::move(file)), name_(std::move(name)), node_(std::move(node)) {
  if (node_ && !node_.IsNull() && !node_.IsMap()) {
    throw input_error(file_, fmt::format("line {}: section '{}' must be a mapping of keys",
                                         line_of(node_), name_));
  }
}

template <typename T>
void ConfigSection::read(const std::string& key, T& value, const std::string& doc) {
  keys_.push_back(key);
  const YAML::Node& section = node_;  // const: lookups must not insert keys
  if (section && section.IsMap()) {
    if (const YAML::Node found = section[key]) {
      try {
        value = found.as<T>();
      } catch (const YAML::Exception&) {
        throw input_error(file_, fmt::format("line {}: {}.{} must be {}", line_of(found), name_,
                                             key, type_name<T>()));
      }
    }
  }
  entries_[key] = {as_yaml(value), doc};
}

void ConfigSection::value(const std::string& key, double& v, const std::string& doc) {
  read(key, v, doc);
}
void ConfigSection::value(const std::string& key, int& v, const std::string& doc) {
  read(key, v, doc);
}
void ConfigSection::value(const std::string& key, std::size_t& v, const std::string& doc) {
  read(key, v, doc);
}
void ConfigSection::value(const std::string& key, bool& v, const std::string& doc) {
  read(key, v, doc);
}
void ConfigSection::value(const std::string& key, std::string& v, const std::string& doc) {
  read(key, v, doc);
}
void ConfigSection::value(const std::string& key, std::vector<std::string>& v,
                          const std::string& doc) {
  read(key, v, doc);
}

void ConfigSection::reject_unknown() const {
  if (!node_ || !node_.IsMap()) return;
  for (const auto& item : node_) {
    const auto key = key_of(file_, item.first);
    if (std::find(keys_.begin(), keys_.end(), key) == keys_.end()) {
      throw input_error(file_, fmt::format("line {}: unknown key '{}.{}' (known: {})",
                                           line_of(item.first), name_, key,
                                           fmt::join(keys_, ", ")));
    }
  }
}

std::string ConfigSection::dump() const {
  std::string out = name_ + ":\n";
  for (const std::string& key : keys_) {
    const auto& [value, doc] = entries_.at(key);
    out += fmt::format("  {}: {}  # {}\n", key, value, doc);
  }
  return out;
}

Config::Config(const std::filesystem::path& path, const std::vector<std::string>& known_sections)
    : file_(path.string()) {
  if (path.empty()) return;
  try {
    root_ = YAML::LoadFile(path.string());
  } catch (const YAML::BadFile&) {
    throw input_error(file_, "cannot read the configuration file");
  } catch (const YAML::ParserException& e) {
    throw input_error(file_, fmt::format("line {}: {}", e.mark.line + 1, e.msg));
  }
  if (root_.IsNull()) return;  // an empty file: all defaults
  if (!root_.IsMap()) throw input_error(file_, "the configuration must be a mapping of sections");
  for (const auto& item : root_) {
    const auto name = key_of(file_, item.first);
    if (std::find(known_sections.begin(), known_sections.end(), name) == known_sections.end()) {
      throw input_error(file_, fmt::format("line {}: unknown section '{}' (known: {})",
                                           line_of(item.first), name,
                                           fmt::join(known_sections, ", ")));
    }
  }
}

ConfigSection Config::section(const std::string& name) const {
  const YAML::Node& root = root_;
  return ConfigSection(file_, name, root.IsMap() ? root[name] : YAML::Node());
}

}  // namespace ap::pipeline
