#include "compat/logs/branch_file.h"

#include <utility>

#include "core/key.h"

namespace gad::compat::logs {
namespace {

struct TopLevel {
    std::string_view name;
    FileKind kind;
};

constexpr TopLevel top_level[] = {
    {"uuid.log", FileKind::uuid},
    {"remote.log", FileKind::remote},
    {"trust.log", FileKind::trust},
    {"group.log", FileKind::group},
    {"preferred-content.log", FileKind::preferred_content},
    {"required-content.log", FileKind::required_content},
    {"group-preferred-content.log", FileKind::group_preferred_content},
    {"numcopies.log", FileKind::numcopies},
    {"mincopies.log", FileKind::mincopies},
    {"config.log", FileKind::config},
    {"export.log", FileKind::export_log},
    {"difference.log", FileKind::other_known},
    {"activity.log", FileKind::other_known},
    {"multicast.log", FileKind::other_known},
    {"schedule.log", FileKind::other_known},
    {"transitions.log", FileKind::other_known},
    {"proxy.log", FileKind::proxy},
    {"cluster.log", FileKind::cluster},
    {"maxsize.log", FileKind::maxsize},
};

struct Suffix {
    std::string_view suffix;
    FileKind kind;
};

// Longer suffixes first: ".log" matches only when none of the others does.
constexpr Suffix per_key[] = {
    {".log.web", FileKind::web},
    {".log.met", FileKind::metadata},
    {".log.cnk", FileKind::chunk},
    {".log.rmt", FileKind::remote_state},
    {".log.rmet", FileKind::remote_metadata},
    {".log.cid", FileKind::content_identifier},
    {".log.ek", FileKind::other_known},
    {".log", FileKind::location},
};

bool is_hash_dir(std::string_view dir) {
    if (dir.size() != 3) return false;
    for (char c : dir) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

std::string md5_hex(std::string_view key) {
    // "abc/def/" -> "abcdef": the digits core derives from the (non-chunk) key.
    const std::string dirs = core::hashdir_lower(key);
    return dirs.substr(0, 3) + dirs.substr(4, 3);
}

}  // namespace

std::string escape_key_file_name(std::string_view key) {
    std::string out;
    for (char c : key) {
        switch (c) {
            case '&':
                out += "&a";
                break;
            case '%':
                out += "&s";
                break;
            case ':':
                out += "&c";
                break;
            case '/':
                out += '%';
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string unescape_key_file_name(std::string_view file_name) {
    std::string out;
    for (std::size_t i = 0; i < file_name.size(); ++i) {
        const char c = file_name[i];
        if (c == '%') {
            out += '/';
        } else if (c != '&') {
            out += c;
        } else if (i + 1 < file_name.size() && file_name[i + 1] != '%' && file_name[i + 1] != '&') {
            // fileKey: "&c" ':', "&s" '%', "&a" '&', and '&' before another letter is dropped;
            // so is a '&' ending the name or followed by '&' or '%'.
            const char e = file_name[++i];
            out += e == 'c' ? ':' : e == 's' ? '%' : e == 'a' ? '&' : e;
        }
    }
    return out;
}

bool is_per_key(FileKind kind) {
    if (kind == FileKind::other_known) return false;
    for (const auto& s : per_key) {
        if (s.kind == kind) return true;
    }
    return false;
}

BranchFile classify_branch_path(std::string_view path) {
    for (const auto& t : top_level) {
        if (path == t.name) {
            return BranchFile{t.kind, {}, t.kind == FileKind::other_known ? t.name : ""};
        }
    }
    for (std::string_view graft : {"export.tree/", "migrate.tree/", "remote/web/"}) {
        if (path.starts_with(graft)) return BranchFile{FileKind::other_known, {}, graft};
    }
    const std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) return BranchFile{};
    const std::string_view dirs = path.substr(0, slash);
    const std::string_view name = path.substr(slash + 1);
    const std::size_t inner = dirs.find('/');
    const bool hashed = inner == std::string_view::npos ? is_hash_dir(dirs)
                                                        : is_hash_dir(dirs.substr(0, inner)) &&
                                                              is_hash_dir(dirs.substr(inner + 1));
    if (!hashed) return BranchFile{};
    for (const auto& s : per_key) {
        if (name.size() > s.suffix.size() && name.ends_with(s.suffix)) {
            std::string key = unescape_key_file_name(name.substr(0, name.size() - s.suffix.size()));
            // A name that unescapes to nothing (a lone '&') is no key's log.
            if (key.empty()) return BranchFile{};
            return BranchFile{s.kind, std::move(key),
                              s.kind == FileKind::other_known ? s.suffix : ""};
        }
    }
    return BranchFile{};
}

std::string branch_path_for_key(std::string_view key, FileKind kind, int hash_levels) {
    for (const auto& t : top_level) {
        if (t.kind == kind && kind != FileKind::other_known) return std::string(t.name);
    }
    std::string_view suffix;
    for (const auto& s : per_key) {
        if (s.kind == kind && kind != FileKind::other_known) suffix = s.suffix;
    }
    if (suffix.empty()) return {};
    const std::string md5 = md5_hex(key);
    std::string path = md5.substr(0, 3) + '/';
    if (hash_levels >= 2) path += md5.substr(3, 3) + '/';
    return path + escape_key_file_name(key) + std::string(suffix);
}

std::optional<std::string> journal_name_to_branch_path(std::string_view file_name) {
    if (file_name.empty() || file_name == "." || file_name == "..") return std::nullopt;
    std::string path;
    for (std::size_t i = 0; i < file_name.size(); ++i) {
        if (file_name[i] != '_') {
            path += file_name[i];
        } else if (i + 1 < file_name.size() && file_name[i + 1] == '_') {
            path += '_';
            ++i;
        } else {
            path += '/';
        }
    }
    if (path.starts_with('/') || path.ends_with('/') || path.find("//") != std::string::npos) {
        return std::nullopt;
    }
    return path;
}

std::string branch_path_to_journal_name(std::string_view path) {
    std::string name;
    for (char c : path) {
        if (c == '_') {
            name += "__";
        } else if (c == '/') {
            name += '_';
        } else {
            name += c;
        }
    }
    return name;
}

}  // namespace gad::compat::logs
