#include "compat/query/remote_urls.h"

#include "core/filestore/backends.h"
#include "core/key.h"

namespace gad::compat::query {

std::vector<std::string> remote_whereis_urls(const KnownRepository& remote, std::string_view key,
                                             const std::filesystem::path& top) {
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
    return {std::move(*located)};
}

}  // namespace gad::compat::query
