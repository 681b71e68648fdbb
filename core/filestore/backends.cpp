#include "core/filestore/backends.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/filestore/local_filestore.h"
#include "core/filestore/sftp_filestore.h"
#include "core/json.h"

namespace gad::core::filestore {

namespace {

// The table: one row per backend, each defined beside its filestore.
constexpr std::array<const Backend*, 2> kBackends = {&kAnnexFsBackend, &kSftpBackend};

}  // namespace

std::span<const Backend* const> backends() { return kBackends; }

Result<const Backend*> backend_for(std::string_view where) {
    const std::size_t separator = where.find("://");
    const Backend* local = nullptr;
    std::string known;
    for (const Backend* backend : kBackends) {
        if (backend->scheme.empty()) {
            local = backend;
            continue;
        }
        if (separator != std::string_view::npos && where.size() >= backend->scheme.size()) {
            const std::string_view scheme = where.substr(0, backend->scheme.size());
            auto same = [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) == b;
            };
            if (std::equal(scheme.begin(), scheme.end(), backend->scheme.begin(), same)) {
                return backend;
            }
        }
        known += fmt::format("{}..., ", backend->scheme);
    }
    if (separator == std::string_view::npos && local) return local;
    return fail("{} is not a filestore this program knows: expected {}or a local directory", where,
                known);
}

Result<std::string> check_filestore(std::string_view where) {
    auto backend = backend_for(where);
    if (!backend) return std::unexpected(backend.error());
    return (*backend)->check(where);
}

Result<std::unique_ptr<Filestore>> open_filestore(std::string_view where,
                                                  const FilestoreOptions& options) {
    auto backend = backend_for(where);
    if (!backend) return std::unexpected(backend.error());
    auto canonical = (*backend)->check(where);
    if (!canonical) return std::unexpected(canonical.error());
    return (*backend)->open(*canonical, options);
}

Result<std::string> locate_object(std::string_view where, const Key& key) {
    auto backend = backend_for(where);
    if (!backend) return std::unexpected(backend.error());
    auto canonical = (*backend)->check(where);
    if (!canonical) return std::unexpected(canonical.error());
    return (*backend)->locate(*canonical, key);
}

Result<void> create_filestore(std::string_view where, const FilestoreOptions& options) {
    auto backend = backend_for(where);
    if (!backend) return std::unexpected(backend.error());
    auto canonical = (*backend)->check(where);
    if (!canonical) return std::unexpected(canonical.error());
    return (*backend)->create(*canonical, options);
}

Result<std::string> repo_entry(std::string_view where, const FilestoreOptions& options) {
    auto backend = backend_for(where);
    if (!backend) return std::unexpected(backend.error());
    return (*backend)->repo_entry(where, options);
}

Result<RepoFilestore> read_repo_entry(std::string_view entry, const std::filesystem::path& base) {
    const std::optional<std::string> type = json_field(entry, "type");
    if (!type) return fail("filestore entry {} has no type", entry);
    for (const Backend* backend : kBackends) {
        if (backend->type == *type) return backend->from_repo_entry(entry, base);
    }
    return fail("filestore type {} is not one this program knows", *type);
}

Result<std::unique_ptr<Filestore>> open_filestore(std::string_view entry,
                                                  const std::filesystem::path& base,
                                                  const FilestoreOptions& options) {
    auto read = read_repo_entry(entry, base);
    if (!read) return std::unexpected(read.error());
    FilestoreOptions combined = options;
    if (!combined.identity_file) combined.identity_file = read->options.identity_file;
    return open_filestore(read->where, combined);
}

std::string filestore_login(std::string_view where) {
    auto backend = backend_for(where);
    return backend ? (*backend)->login(where) : std::string();
}

bool is_remote(std::string_view where) {
    auto backend = backend_for(where);
    return backend && (*backend)->remote;
}

}  // namespace gad::core::filestore
