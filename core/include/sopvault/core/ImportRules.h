// The rules import applies to a shared drive's files: which title a file's SOP gets, how a
// title is matched when it is spelled another way, what a site's mkdocs.yml says a page is
// called, and which files are not SOPs at all.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sopvault::core {

// A title as people type it in any spelling: lower case, CamelCase and digits split from
// letters, every run of punctuation and spaces one space ("KubePodCrashLooping" and
// "Kube Pod Crash Looping" are both "kube pod crash looping").
[[nodiscard]] std::string normaliseTitle(std::string_view title);

// A file name made a title: '_' and '-' read as spaces, the first letter capitalised
// ("severity_levels" -> "Severity levels", "whos-oncall" -> "Whos oncall").
[[nodiscard]] std::string readableFileName(std::string_view stem);

// The first level-1 heading of a Markdown text ("# Title" or a setext "Title\n===="), outside
// fenced (``` or ~~~) and indented code; empty when it has none.
[[nodiscard]] std::string firstHeading(std::string_view markdown);

// What an mkdocs.yml names its pages: the `nav:` entries ("- Title: path.md", quoted or not,
// nested under sections) by their path relative to the site's folder (docs_dir included,
// "docs" when it says none), lexically normal with forward slashes.
[[nodiscard]] std::map<std::string, std::string> mkdocsNavTitles(std::string_view yml);

// Why a file of an imported folder is not a SOP (a build or dependency file, a licence, a
// changelog, a template), or nullopt when nothing says it is not one. `rel` is its path
// relative to the imported folder, with forward slashes.
[[nodiscard]] std::optional<std::string> notASop(std::string_view rel);

} // namespace sopvault::core
