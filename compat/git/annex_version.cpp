#include "compat/git/annex_version.h"

#include <charconv>
#include <string>

#include "core/process.h"

namespace gad::compat::git {

std::optional<AnnexVersion> parse_annex_version(std::string_view raw) {
    while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\n')) raw.remove_prefix(1);
    AnnexVersion version;
    const char* end = raw.data() + raw.size();
    auto major = std::from_chars(raw.data(), end, version.major);
    if (major.ec != std::errc{} || major.ptr == end || *major.ptr != '.') return std::nullopt;
    auto date = std::from_chars(major.ptr + 1, end, version.date);
    if (date.ec != std::errc{} || date.ptr == major.ptr + 1) return std::nullopt;
    return version;
}

AnnexVersion installed_annex_version(const std::filesystem::path& cwd) {
    auto run = core::run_program("git", {"annex", "version", "--raw"}, cwd);
    if (!run || run->exit_code != 0) return AnnexVersion::newest_known();
    return parse_annex_version(run->output).value_or(AnnexVersion::newest_known());
}

}  // namespace gad::compat::git
