#include "core/dolt/annex_repository.h"

#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cstring>

#include <fstream>
#include <sstream>

#include "core/process.h"

namespace gad::core::dolt {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kLocalRepo = "__local__";

}  // namespace

std::string read_repo_uuid(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    const std::string content = text.str();
    for (std::string_view quote : {"\"uuid\"", "'uuid'", "uuid"}) {
        auto at = content.find(quote);
        while (at != std::string::npos) {
            auto colon = content.find_first_not_of(" \t\r\n", at + quote.size());
            if (colon != std::string::npos && content[colon] == ':') {
                auto open = content.find_first_not_of(" \t\r\n", colon + 1);
                if (open != std::string::npos && (content[open] == '"' || content[open] == '\'')) {
                    auto close = content.find(content[open], open + 1);
                    if (close != std::string::npos) return content.substr(open + 1, close - open - 1);
                }
            }
            at = content.find(quote, at + 1);
        }
    }
    return {};
}

Result<void> write_file_atomically(const fs::path& path, std::string_view content) {
    const fs::path temporary = path.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc | std::ios::binary);
        out << content;
        if (!out.flush()) return fail("cannot write {}", temporary.string());
    }
    std::error_code ec;
    fs::rename(temporary, path, ec);
    if (ec) return fail("cannot write {}: {}", path.string(), ec.message());
    return {};
}

std::string sftp_filestore_json(const filestore::SftpUrl& url,
                                const std::optional<std::filesystem::path>& client_key) {
    return fmt::format(
        R"({{"type": "sftp", "connection": {{"user": {}, "hostname": {}, "port": {}{}, "path": {}}}}})",
        json_string(url.user), json_string(url.host), url.port,
        client_key ? ", \"client_key\": " + json_string(client_key->string()) : std::string(),
        json_string(url.path));
}

std::string new_uuid() {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), bytes.size()) != 1) {
        // OpenSSL's generator only fails when it cannot be seeded; the clock still tells
        // repositories of one machine apart.
        const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
        std::memcpy(bytes.data(), &now, sizeof now);
    }
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
    std::string text;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
        text += fmt::format("{:02x}", bytes[i]);
    }
    return text;
}

bool is_uuid(std::string_view text) {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

std::string json_string(std::string_view text) {
    std::string quoted = "\"";
    for (char c : text) {
        switch (c) {
            case '"': quoted += "\\\""; break;
            case '\\': quoted += "\\\\"; break;
            case '\n': quoted += "\\n"; break;
            case '\t': quoted += "\\t"; break;
            case '\r': quoted += "\\r"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    quoted += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
                } else {
                    quoted += c;
                }
        }
    }
    return quoted + "\"";
}

Result<AnnexRepository> AnnexRepository::init(const fs::path& root, std::string_view uuid,
                                              bool with_dolt, std::string_view filestore) {
    if (!is_uuid(uuid)) return fail("'{}' is not a UUID", uuid);
    std::error_code ec;
    fs::create_directories(root / "repos", ec);
    if (!ec) fs::create_directories(root / "annex", ec);
    if (ec) return fail("cannot create dolt-annex repository {}: {}", root.string(), ec.message());

    const fs::path repo_file = root / "repos" / fmt::format("{}.repo", kLocalRepo);
    if (fs::exists(repo_file)) {
        const std::string existing = read_repo_uuid(repo_file);
        if (existing != uuid) {
            return fail(
                "{} already belongs to dolt-annex repository {}, not to this remote's UUID {}; "
                "choose another directory=",
                root.string(), existing.empty() ? "(unreadable uuid)" : existing, uuid);
        }
    }
    if (!fs::exists(root / "config.json") && !fs::exists(root / "config.json5")) {
        auto written = write_file_atomically(
            root / "config.json",
            "{\n"
            "    \"user\": {\"name\": \"git-annex-dolt\", \"email\": \"git-annex-dolt@localhost\"},\n"
            "    \"dolt\": {\"dolt_dir\": \"dolt\", \"spawn_dolt_server\": true},\n"
            "    \"local_repo_name\": \"__local__\"\n"
            "}\n");
        if (!written) return std::unexpected(written.error());
    }
    if (with_dolt && !fs::is_directory(root / "dolt" / ".dolt")) {
        fs::create_directories(root / "dolt", ec);
        if (ec) return fail("cannot create {}: {}", (root / "dolt").string(), ec.message());
        auto initialised =
            run_program_checked("dolt",
                                {"init", "--name", "git-annex-dolt", "--email",
                                 "git-annex-dolt@localhost"},
                                root / "dolt");
        if (!initialised) return std::unexpected(initialised.error());
    }
    AnnexRepository repository(root, std::string(uuid));
    if (!fs::exists(repo_file)) {
        auto written = write_file_atomically(
            repo_file, fmt::format("{{\n"
                                   "    \"name\": \"{}\",\n"
                                   "    \"uuid\": \"{}\",\n"
                                   "    \"filestore\": {},\n"
                                   "    \"key_format\": \"Sha256e\"\n"
                                   "}}\n",
                                   kLocalRepo, uuid, filestore));
        if (!written) return std::unexpected(written.error());
        repository.newly_claimed_ = true;
    }
    return repository;
}

void AnnexRepository::forget_new_claim() const {
    if (!newly_claimed_) return;
    std::error_code ec;
    fs::remove(root_ / "repos" / fmt::format("{}.repo", kLocalRepo), ec);
}

Result<AnnexRepository> AnnexRepository::open(const fs::path& root) {
    const fs::path repo_file = root / "repos" / fmt::format("{}.repo", kLocalRepo);
    if (!fs::exists(repo_file)) {
        return fail("{} is not a dolt-annex repository (no repos/__local__.repo)", root.string());
    }
    std::string uuid = read_repo_uuid(repo_file);
    if (!is_uuid(uuid)) return fail("{} has no valid uuid", repo_file.string());
    return AnnexRepository(root, std::move(uuid));
}

}  // namespace gad::core::dolt
