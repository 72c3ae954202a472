// The `ap run` configuration: one YAML file whose sections hold each stage's
// parameters.
//
// A stage binds its keys to its options struct in one function:
//
//   void bind(ConfigSection& s, CalibrateOptions& o) {
//     s.value("deltapix", o.deltapix, "box half-width for bad-pixel repair");
//     s.value("fixcosmic", o.fix_cosmics, "remove cosmic rays");
//   }
//
// The same function serves three purposes: reading a file (each key found
// overrides the struct's default), printing the documented defaults
// (`ap run --print-config`: bind to default structs and dump), and
// refusing unknown keys (a typo is an error naming the file, line and key,
// never silently ignored).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace ap::pipeline {

class ConfigSection {
 public:
  // `node` may be null (section absent: every key keeps its default).
  ConfigSection(std::string file, std::string name, YAML::Node node);

  // Reads `key` into `value` when present (type errors name file, line and
  // key) and records it with its documentation for printing.
  void value(const std::string& key, double& value, const std::string& doc);
  void value(const std::string& key, int& value, const std::string& doc);
  void value(const std::string& key, std::size_t& value, const std::string& doc);
  void value(const std::string& key, bool& value, const std::string& doc);
  void value(const std::string& key, std::string& value, const std::string& doc);
  void value(const std::string& key, std::vector<std::string>& value, const std::string& doc);

  // Throws ap::Error (kBadInput) for the first key of the file's section
  // that no value() call asked for.
  void reject_unknown() const;

  // The section as YAML text with each key's documentation as a comment.
  std::string dump() const;

  const std::string& name() const { return name_; }

 private:
  template <typename T>
  void read(const std::string& key, T& value, const std::string& doc);

  std::string file_;
  std::string name_;
  YAML::Node node_;
  std::vector<std::string> keys_;  // in bind order
  std::map<std::string, std::pair<std::string, std::string>> entries_;  // key -> (value, doc)
};

// A parsed configuration file (or an empty one when `path` is empty).
class Config {
 public:
  // Throws ap::Error (kBadInput) for an unreadable file, malformed YAML (with
  // its line), a top level that is not a mapping, or an unknown section
  // (sections must be listed in `known_sections`).
  Config(const std::filesystem::path& path, const std::vector<std::string>& known_sections);

  ConfigSection section(const std::string& name) const;

 private:
  std::string file_;
  YAML::Node root_;
};

}  // namespace ap::pipeline
