#include "bridge/remote_config.h"

#include <charconv>

namespace gad::bridge {

namespace {

core::Result<std::uint64_t> read_number(protocol::Annex& annex, std::string_view name,
                                        std::uint64_t fallback) {
    const std::string text = annex.get_config(name);
    if (text.empty()) return fallback;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return core::fail("{}={} is not a whole number", name, text);
    }
    return value;
}

}  // namespace

std::vector<protocol::Config> config_descriptions() {
    return {
        {"directory", "the dolt-annex repository to store objects in (created if missing)"},
        {"database",
         "mysql://USER@HOST[:PORT]/DB[?socket=PATH]: keep locations in this server instead of "
         "the repository's own Dolt database (password: GIT_ANNEX_DOLT_PASSWORD at initremote)"},
        {"serveridle", "seconds an unused dolt sql-server keeps running (default 30)"},
        {"commitevery", "location changes per Dolt commit (default 1000)"},
        {"commitafter", "seconds before pending location changes get a Dolt commit (default 10)"},
    };
}

core::Result<RemoteConfig> read_config(protocol::Annex& annex) {
    RemoteConfig config;
    const std::string directory = annex.get_config("directory");
    if (directory.empty()) {
        return core::fail("directory= is required: the dolt-annex repository to store objects in");
    }
    config.directory = std::filesystem::absolute(directory).lexically_normal();
    if (std::string database = annex.get_config("database"); !database.empty()) {
        auto url = core::sql::DatabaseUrl::parse(database);
        if (!url) return core::fail("database=: {}", url.error().message);
        config.database = std::move(*url);
    }
    config.name = annex.get_config("name");
    auto idle = read_number(annex, "serveridle", 30);
    if (!idle) return std::unexpected(idle.error());
    config.server_idle = std::chrono::seconds(*idle);
    auto every = read_number(annex, "commitevery", 1000);
    if (!every) return std::unexpected(every.error());
    if (*every == 0) return core::fail("commitevery=0: must be at least 1");
    config.commit_every = *every;
    auto after = read_number(annex, "commitafter", 10);
    if (!after) return std::unexpected(after.error());
    config.commit_after = std::chrono::seconds(*after);
    return config;
}

}  // namespace gad::bridge
