// The repository files of git-annex-dolt sync --dataset: repos/<name>.repo for each
// git-annex-remote-dolt special remote whose objects dolt-annex can read.
#include <cctype>
#include <map>

#include "compat/logs/uuid_based_log.h"
#include "compat/sync/dataset_sync.h"
#include "core/filestore/backends.h"

namespace gad::compat::sync::dataset {

Result<void> DatasetSync::write_repo_files() {
    auto rows = main_.query(
        "SELECT uuid, remote_config FROM gad_repositories WHERE remote_config IS NOT NULL");
    if (!rows) return std::unexpected(rows.error());
    for (const Row& row : *rows) {
        if (!row[0] || !row[1] || !core::dolt::is_uuid(*row[0]) || *row[0] == local_uuid_) {
            continue;
        }
        std::map<std::string, std::string> config;
        for (auto& [key, value] : logs::parse_remote_config(*row[1])) config[key] = value;
        auto get = [&](const std::string& key) {
            auto it = config.find(key);
            return it == config.end() ? std::string() : it->second;
        };
        if (get("type") != "external" || get("externaltype") != "dolt") continue;
        const std::string encryption = get("encryption");
        if (!encryption.empty() && encryption != "none") continue;
        if (!get("chunk").empty() || !get("chunksize").empty()) continue;
        core::filestore::RepoFilestore filestore;
        if (const std::string url = get("filestore"); !url.empty()) {
            auto checked = core::filestore::check_filestore(url);
            if (!checked) continue;
            filestore.where = std::move(*checked);
            if (const std::string file = get("identityfile"); !file.empty()) {
                filestore.options.identity_file = file;
            }
        } else {
            const fs::path directory = get("directory");
            if (!directory.is_absolute() ||
                core::dolt::read_repo_uuid(directory / "repos" / "__local__.repo") != *row[0]) {
                continue;
            }
            filestore.where = (directory / "annex").string();
        }
        auto written = write_repo_file(*row[0], get("name"), filestore);
        if (!written) return written;
    }
    return {};
}

Result<void> DatasetSync::write_repo_file(const std::string& uuid, std::string name,
                                          const core::filestore::RepoFilestore& filestore) {
    // dolt-annex finds a repository by its file name, cut at the first '.'.
    for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
    }
    if (name.empty() || name == kLocalRepo) name = "remote";
    const fs::path directory = root_ / "repos";
    for (const std::string& candidate : {name, fmt::format("{}-{}", name, uuid.substr(0, 8))}) {
        const fs::path file = directory / (candidate + ".repo");
        if (fs::exists(file)) {
            if (core::dolt::read_repo_uuid(file) == uuid) return {};
            continue;
        }
        auto written = core::dolt::write_repo_file(file, candidate, uuid, filestore);
        if (!written) return written;
        ++summary_.repo_files;
        return {};
    }
    return {};  // both names taken by other repositories: leave them be
}

}  // namespace gad::compat::sync::dataset
