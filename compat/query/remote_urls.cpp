#include "compat/query/remote_urls.h"

#include "core/filestore/backends.h"
#include "core/key.h"

namespace gad::compat::query {

std::vector<std::string> remote_whereis_urls(const KnownRepository& remote, std::string_view key,
                                             const std::filesystem::path& top,
                                             const StandInLookup& stand_ins) {
    if (!remote.remote_name || remote.proxied || remote.setting("type") != "external" ||
        remote.setting("externaltype") != "dolt") {
        return {};
    }
    const std::string encryption = remote.setting("encryption");
    if (!(encryption.empty() || encryption == "none") || !remote.setting("chunk").empty() ||
        !remote.setting("chunksize").empty()) {
        return {};
    }
    auto parsed = core::Key::parse(key);
    if (!parsed) return {};
    std::string where = remote.setting("filestore");
    if (where.empty()) {
        const std::string directory = remote.setting("directory");
        if (directory.empty()) return {};
        where = ((top / directory).lexically_normal() / "annex").string();
    }
    auto located = core::filestore::locate_object(where, *parsed);
    if (!located) return {};
    // A local store without the object may serve it from an older key's (bridge/stand_ins.h).
    std::error_code error;
    if (stand_ins && !core::filestore::is_remote(where) &&
        !std::filesystem::exists(*located, error)) {
        for (const std::string& old_key : stand_ins(key, remote.uuid)) {
            auto old_parsed = core::Key::parse(old_key);
            if (!old_parsed) continue;
            auto old_located = core::filestore::locate_object(where, *old_parsed);
            if (old_located && std::filesystem::exists(*old_located, error)) return {*old_located};
        }
    }
    return {std::move(*located)};
}

}  // namespace gad::compat::query
