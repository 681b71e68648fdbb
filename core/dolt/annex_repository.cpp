#include "core/dolt/annex_repository.h"

#include <openssl/rand.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstring>
#include <fstream>

#include "core/dolt/remote_url.h"
#include "core/dolt/server.h"
#include "core/file_reads.h"
#include "core/json.h"
#include "core/process.h"

namespace gad::core::dolt {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kLocalRepo = "__local__";

// The config.json that stores made before 0.x had (no socket): replaced by the current one, as
// it was ours; a config.json that differs from it is the user's, and is left alone.
constexpr std::string_view kConfigWithoutSocket =
    "{\n"
    "    \"user\": {\"name\": \"git-annex-dolt\", \"email\": \"git-annex-dolt@localhost\"},\n"
    "    \"dolt\": {\"dolt_dir\": \"dolt\", \"spawn_dolt_server\": true},\n"
    "    \"local_repo_name\": \"__local__\"\n"
    "}\n";

// The file's content; empty when it cannot be read.
std::string read_text(const fs::path& file) {
    auto read = read_small_file(file);
    return read && *read ? std::move(**read) : std::string();
}

// Writes root's config.json unless the user has one of their own: dolt-annex connects to the
// unix socket of the store's server (server_socket_path), and starts its own server there only
// when none runs, so both tools always share one server (docs/design.md, "One server").
Result<void> write_store_config(const fs::path& root) {
    const fs::path file = root / "config.json";
    if (fs::exists(root / "config.json5")) return {};
    if (fs::exists(file) && read_text(file) != kConfigWithoutSocket) return {};
    const fs::path state_dir = root / ".git-annex-dolt";
    return write_file_atomically(
        file, fmt::format("{{\n"
                          "    \"user\": {{\"name\": \"git-annex-dolt\", \"email\": "
                          "\"git-annex-dolt@localhost\"}},\n"
                          "    \"dolt\": {{\"dolt_dir\": \"dolt\", \"spawn_dolt_server\": true,\n"
                          "             \"connection\": {{\"server_socket\": {}}}}},\n"
                          "    \"local_repo_name\": \"__local__\"\n"
                          "}}\n",
                          json_string(server_socket_path(state_dir).string())));
}

// The last non-empty line of a program's output, without its terminal control sequences (dolt
// draws progress with them), for a message.
std::string last_line(std::string_view output) {
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) {
        output.remove_suffix(1);
    }
    const auto newline = output.rfind('\n');
    if (newline != std::string_view::npos) output.remove_prefix(newline + 1);
    std::string line;
    for (std::size_t i = 0; i < output.size(); ++i) {
        if (output[i] == '\x1b') {
            while (i < output.size() && !std::isalpha(static_cast<unsigned char>(output[i]))) ++i;
            continue;
        }
        if (static_cast<unsigned char>(output[i]) >= ' ') line += output[i];
    }
    return line;
}

// Makes the Dolt database in dolt_dir (which holds none): cloned from clone_from when given and
// it holds Dolt data, else by `dolt init`. True when clone_from was an empty file:// remote.
Result<bool> make_database(const fs::path& dolt_dir, const std::optional<std::string>& clone_from) {
    std::error_code ec;
    fs::create_directories(dolt_dir, ec);
    if (ec) return fail("cannot create {}: {}", dolt_dir.string(), ec.message());
    bool seeded = false;
    if (clone_from) {
        auto cloned =
            run_program("dolt", {"clone", *clone_from, dolt_dir.string()}, dolt_dir.parent_path());
        if (!cloned) return std::unexpected(cloned.error());
        if (cloned->exit_code == 0) return false;
        const bool empty = cloned->output.find("contains no Dolt data") != std::string::npos;
        if (!empty || !is_file_url(*clone_from)) {
            return fail("cannot clone the Dolt remote {}: {}", *clone_from,
                        last_line(cloned->output));
        }
        seeded = true;
    }
    auto initialised = run_program_checked(
        "dolt", {"init", "--name", "git-annex-dolt", "--email", "git-annex-dolt@localhost"},
        dolt_dir);
    if (!initialised) return std::unexpected(initialised.error());
    return seeded;
}

}  // namespace

std::string read_repo_uuid(const fs::path& file) {
    return json_field(read_text(file), "uuid").value_or(std::string());
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

Result<void> write_repo_file(const fs::path& path, std::string_view name, std::string_view uuid,
                             const filestore::RepoFilestore& filestore) {
    auto entry = filestore::repo_entry(filestore.where, filestore.options);
    if (!entry) return std::unexpected(entry.error());
    return write_file_atomically(path, fmt::format("{{\n"
                                                   "    \"name\": {},\n"
                                                   "    \"uuid\": {},\n"
                                                   "    \"filestore\": {},\n"
                                                   "    \"key_format\": \"Sha256e\"\n"
                                                   "}}\n",
                                                   json_string(name), json_string(uuid), *entry));
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

Result<AnnexRepository> AnnexRepository::init(const fs::path& root, std::string_view uuid,
                                              bool with_dolt,
                                              const filestore::RepoFilestore& filestore,
                                              const std::optional<std::string>& clone_from) {
    if (!is_uuid(uuid)) return fail("'{}' is not a UUID", uuid);
    // A directory of another UUID is refused before anything is made in it.
    const fs::path repo_file = root / "repos" / fmt::format("{}.repo", kLocalRepo);
    if (fs::exists(repo_file)) {
        const std::string existing = read_repo_uuid(repo_file);
        if (existing != uuid) {
            if (!is_uuid(existing)) {
                return fail(
                    "{} already belongs to a dolt-annex repository, whose uuid cannot be read "
                    "from {}; choose another directory=",
                    root.string(), repo_file.string());
            }
            // A repository of dolt-annex's (or another remote's) is adopted by taking its UUID,
            // which only the user can give this remote: git-annex has chosen one already.
            return fail(
                "{} is dolt-annex repository {}, not this remote's UUID {}: to adopt it, give "
                "uuid={} to initremote, or choose another directory=",
                root.string(), existing, uuid, existing);
        }
    }
    std::error_code ec;
    fs::create_directories(root / "repos", ec);
    if (!ec) fs::create_directories(root / "annex", ec);
    if (ec) return fail("cannot create dolt-annex repository {}: {}", root.string(), ec.message());
    auto configured = write_store_config(root);
    if (!configured) return std::unexpected(configured.error());
    bool seeded = false;
    if (with_dolt && !fs::is_directory(root / "dolt" / ".dolt")) {
        auto made = make_database(root / "dolt", clone_from);
        if (!made) return std::unexpected(made.error());
        seeded = *made;
    }
    AnnexRepository repository(root, std::string(uuid));
    repository.seeded_remote_ = seeded;
    if (!fs::exists(repo_file)) {
        auto written = write_repo_file(repo_file, kLocalRepo, uuid, filestore);
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
    // A store made before config.json named the server's socket gets it now (best effort: a
    // read-only store still opens, and dolt-annex then starts servers of its own as before).
    (void)write_store_config(root);
    return AnnexRepository(root, std::move(uuid));
}

}  // namespace gad::core::dolt
