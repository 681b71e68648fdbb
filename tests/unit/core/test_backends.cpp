#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "core/filestore/backends.h"
#include "core/filestore/local_filestore.h"
#include "core/filestore/sftp_filestore.h"
#include "test_servers.h"
#include "test_sshd.h"
#include "test_tools.h"

namespace gad::core::filestore {
namespace {

namespace fs = std::filesystem;

using test::sha256_hex;

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

Key key_for(const std::string& content) {
    return Key::parse(fmt::format("SHA256E-s{}--{}.bin", content.size(), sha256_hex(content)))
        .value();
}

// --- the table ---

TEST(Backends, EveryRowIsCompleteAndTypesAndSchemesAreDistinct) {
    std::set<std::string_view> types, schemes;
    for (const Backend* backend : backends()) {
        SCOPED_TRACE(backend->type);
        EXPECT_TRUE(backend->check && backend->open && backend->create && backend->repo_entry &&
                    backend->from_repo_entry && backend->login && backend->locate);
        EXPECT_TRUE(types.insert(backend->type).second);
        EXPECT_TRUE(schemes.insert(backend->scheme).second);
        EXPECT_TRUE(backend->scheme.empty() || backend->scheme.ends_with("://"));
    }
    EXPECT_EQ(types, (std::set<std::string_view>{"annexfs", "sftp"}));
}

TEST(Backends, ChoosesByScheme) {
    EXPECT_EQ(backend_for("sftp://alice@host/srv/annex").value(), &kSftpBackend);
    EXPECT_EQ(backend_for("SFTP://alice@host/srv/annex").value(), &kSftpBackend);
    EXPECT_EQ(backend_for("/srv/annex").value(), &kAnnexFsBackend);
    EXPECT_TRUE(is_remote("sftp://alice@host/srv/annex"));
    EXPECT_FALSE(is_remote("/srv/annex"));
    EXPECT_FALSE(is_remote("s3://bucket/x"));
}

TEST(Backends, RefusesAnUnknownSchemeInOneLineNamingTheKnownOnes) {
    auto chosen = backend_for("s3://bucket/annex");
    ASSERT_FALSE(chosen);
    const std::string& message = chosen.error().message;
    EXPECT_NE(message.find("s3://bucket/annex"), std::string::npos) << message;
    EXPECT_NE(message.find("sftp://"), std::string::npos) << message;
    EXPECT_NE(message.find("local directory"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
    EXPECT_FALSE(open_filestore("s3://bucket/annex", {}));
}

TEST(Backends, ChecksAndCanonicalisesAddresses) {
    EXPECT_EQ(check_filestore("/srv//annex/").value(), "/srv/annex");
    EXPECT_EQ(check_filestore("sftp://alice@host//srv/annex/").value(),
              "sftp://alice@host:22/srv/annex");
    auto relative = check_filestore("annex");
    ASSERT_FALSE(relative);
    EXPECT_NE(relative.error().message.find("not an absolute path"), std::string::npos);
    auto no_path = check_filestore("sftp://alice@host");
    ASSERT_FALSE(no_path);
    EXPECT_NE(no_path.error().message.find("has no path"), std::string::npos);
    EXPECT_EQ(filestore_login("sftp://alice@host/srv"), "alice");
    EXPECT_EQ(filestore_login("/srv/annex"), "");
}

// --- .repo entries ---

TEST(Backends, WritesDoltAnnexRepoEntries) {
    EXPECT_EQ(repo_entry("./annex").value(), R"({"type": "annexfs", "root": "./annex"})");
    EXPECT_EQ(repo_entry("/data/store \"2\"/annex").value(),
              R"({"type": "annexfs", "root": "/data/store \"2\"/annex"})");
    FilestoreOptions options;
    options.identity_file = "/home/alice/.ssh/id_ed25519";
    EXPECT_EQ(repo_entry("sftp://alice@files:2222/srv/annex", options).value(),
              R"({"type": "sftp", "connection": {"user": "alice", "hostname": "files", )"
              R"("port": 2222, "client_key": "/home/alice/.ssh/id_ed25519", )"
              R"("path": "/srv/annex"}})");
    EXPECT_EQ(repo_entry("sftp://alice@files/~/annex").value(),
              R"({"type": "sftp", "connection": {"user": "alice", "hostname": "files", )"
              R"("port": 22, "path": "annex"}})");
    EXPECT_FALSE(repo_entry("sftp://alice@files"));
}

TEST(Backends, ReadsBackTheEntriesItWrites) {
    const fs::path base = "/repos/store";
    FilestoreOptions options;
    options.identity_file = "/keys/id";
    for (const std::string where :
         {"/data/annex", "sftp://alice@files:2222/srv/my%20annex", "sftp://bob@[::1]:22/~/annex"}) {
        SCOPED_TRACE(where);
        auto read = read_repo_entry(repo_entry(where, options).value(), base);
        ASSERT_TRUE(read) << read.error().message;
        EXPECT_EQ(read->where, where);
        if (is_remote(where)) {
            EXPECT_EQ(read->options.identity_file, options.identity_file);
        }
    }
    EXPECT_EQ(read_repo_entry(repo_entry("./annex").value(), base).value().where,
              "/repos/store/annex");
}

TEST(Backends, ReadsEntriesAsDoltAnnexWritesThem) {
    // JSON5: unquoted or single-quoted keys, single-quoted strings, trailing commas.
    auto annexfs = read_repo_entry("{type: 'annexfs', root: 'objects',}", "/repos/store");
    ASSERT_TRUE(annexfs) << annexfs.error().message;
    EXPECT_EQ(annexfs->where, "/repos/store/objects");
    auto sftp = read_repo_entry(
        "{'type': 'sftp', 'connection': {'user': 'carol', 'hostname': 'h.example', "
        "'port': 2200, 'path': '/srv/a',},}",
        "/repos/store");
    ASSERT_TRUE(sftp) << sftp.error().message;
    EXPECT_EQ(sftp->where, "sftp://carol@h.example:2200/srv/a");
    EXPECT_FALSE(sftp->options.identity_file);
}

TEST(Backends, RefusesEntriesItCannotUseNamingWhy) {
    auto unknown = read_repo_entry(R"({"type": "s3", "bucket": "b"})", "/r");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("type s3"), std::string::npos);
    auto untyped = read_repo_entry(R"({"root": "./annex"})", "/r");
    ASSERT_FALSE(untyped);
    EXPECT_NE(untyped.error().message.find("no type"), std::string::npos);
    auto rootless = read_repo_entry(R"({"type": "annexfs"})", "/r");
    ASSERT_FALSE(rootless);
    EXPECT_NE(rootless.error().message.find("no root"), std::string::npos);
    auto hostless =
        read_repo_entry(R"({"type": "sftp", "connection": {"user": "a", "path": "/x"}})", "/r");
    ASSERT_FALSE(hostless);
    EXPECT_NE(hostless.error().message.find("hostname"), std::string::npos);
    auto bad_port = read_repo_entry(
        R"({"type": "sftp", "connection": {"user": "a", "hostname": "h", "port": "x", )"
        R"("path": "/x"}})",
        "/r");
    EXPECT_FALSE(bad_port);
}

// --- opening local filestores ---

TEST(Backends, OpensALocalDirectoryAsAnAnnexFsFilestore) {
    test::TempDir dir;
    const fs::path root = dir.path() / "annex";
    ASSERT_TRUE(create_filestore(root.string(), {}));
    auto store = open_filestore(root.string(), {});
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_NE(dynamic_cast<LocalFilestore*>(store->get()), nullptr);
    const std::string content = "chosen by its path";
    const Key key = key_for(content);
    std::ofstream(dir.path() / "src", std::ios::binary) << content;
    ASSERT_TRUE((*store)->put(key, dir.path() / "src", nullptr));
    EXPECT_EQ(read(root / key.hashdir_lower() / key.to_string()), content);
    // Partial objects went to <root>/.git-annex-dolt-tmp, on the same filesystem.
    EXPECT_TRUE(fs::is_directory(root / ".git-annex-dolt-tmp"));
    EXPECT_TRUE((*store)->verify(key).value());
}

TEST(Backends, LocatesObjectsAsTheOpenedFilestoreDoesWithoutOpeningIt) {
    test::TempDir dir;
    const fs::path root = dir.path() / "annex";
    ASSERT_TRUE(create_filestore(root.string(), {}));
    auto store = open_filestore(root.string(), {});
    ASSERT_TRUE(store) << store.error().message;
    const Key key = key_for("located");
    const std::string expected = (*store)->locate(key);
    EXPECT_EQ(expected, (root / key.hashdir_lower() / key.to_string()).string());
    EXPECT_EQ(locate_object(root.string(), key).value(), expected);
    EXPECT_EQ(locate_object((dir.path() / "x" / ".." / "annex/").string(), key).value(), expected);
    // Another host: the canonical URL, with user and port (nothing is connected to).
    EXPECT_EQ(locate_object("sftp://alice@files.invalid/srv/annex", key).value(),
              "sftp://alice@files.invalid:22/srv/annex/" + key.hashdir_lower() + key.to_string());
    EXPECT_FALSE(locate_object("relative/annex", key));
    EXPECT_FALSE(locate_object("s3://bucket/annex", key));
}

TEST(Backends, UsesTheTemporaryDirectoryGiven) {
    test::TempDir dir;
    fs::create_directories(dir.path() / "annex");
    FilestoreOptions options;
    options.temporary = dir.path() / "state" / "tmp";
    ASSERT_TRUE(open_filestore((dir.path() / "annex").string(), options));
    EXPECT_TRUE(fs::is_directory(dir.path() / "state" / "tmp"));
    EXPECT_FALSE(fs::exists(dir.path() / "annex" / ".git-annex-dolt-tmp"));
}

TEST(Backends, AMissingLocalDirectoryIsAnUnreachableStore) {
    test::TempDir dir;
    auto store = open_filestore((dir.path() / "not-mounted").string(), {});
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().kind, Failure::Kind::unreachable) << store.error().message;
}

TEST(Backends, OpensTheFilestoreARepoEntryNames) {
    test::TempDir dir;
    fs::create_directories(dir.path() / "annex");
    auto store = open_filestore(repo_entry("./annex").value(), dir.path(), {});
    ASSERT_TRUE(store) << store.error().message;
    const std::string content = "through the .repo entry";
    const Key key = key_for(content);
    std::ofstream(dir.path() / "src", std::ios::binary) << content;
    ASSERT_TRUE((*store)->put(key, dir.path() / "src", nullptr));
    EXPECT_EQ(read(dir.path() / "annex" / key.hashdir_lower() / key.to_string()), content);
}

// --- verify, for every backend ---

TEST(Backends, LocalVerifyReadsTheWholeObject) {
    test::TempDir dir;
    auto store = open_filestore((dir.path()).string(), {}).value();
    const std::string content = "0123456789";
    const Key key = key_for(content);
    EXPECT_FALSE(store->verify(key).value());  // absent
    std::ofstream(dir.path() / "src", std::ios::binary) << content;
    ASSERT_TRUE(store->put(key, dir.path() / "src", nullptr));
    EXPECT_TRUE(store->verify(key).value());
    const fs::path object = dir.path() / key.hashdir_lower() / key.to_string();
    fs::permissions(object, fs::perms::owner_write, fs::perm_options::add);
    std::ofstream(object, std::ios::binary | std::ios::trunc) << "0123456788";  // same size
    EXPECT_TRUE(store->contains(key).value());
    EXPECT_FALSE(store->verify(key).value());
}

// --- SFTP filestores by URL, against a private sshd ---

class SftpBackendTest : public testing::Test {
  protected:
    void SetUp() override {
        std::string why_not;
        server_ = test::TestSshd::start(why_not);
        if (!server_) GTEST_SKIP() << why_not;
        root_ = server_->directory() / "deep" / "annex";
        url_ = fmt::format("sftp://{}@127.0.0.1:{}{}", server_->user(), server_->port(),
                           root_.string());
        options_.identity_file = server_->client_key();
        options_.known_hosts = server_->known_hosts();
    }

    test::TempDir local_;
    std::unique_ptr<test::TestSshd> server_;
    fs::path root_;
    std::string url_;
    FilestoreOptions options_;
};

TEST_F(SftpBackendTest, CreatesOpensStoresAndVerifiesByUrl) {
    auto missing = open_filestore(url_, options_);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, Failure::Kind::unreachable) << missing.error().message;
    ASSERT_TRUE(create_filestore(url_, options_));
    EXPECT_TRUE(fs::is_directory(root_));
    auto store = open_filestore(url_, options_);
    ASSERT_TRUE(store) << store.error().message << "\n" << server_->log();
    EXPECT_NE(dynamic_cast<SftpFilestore*>(store->get()), nullptr);
    const std::string content = "over SFTP, chosen by its URL";
    const Key key = key_for(content);
    EXPECT_FALSE((*store)->verify(key).value());
    std::ofstream(local_.path() / "src", std::ios::binary) << content;
    ASSERT_TRUE((*store)->put_link(key, local_.path() / "src"));  // copies: no links over SFTP
    const fs::path object = root_ / key.hashdir_lower() / key.to_string();
    EXPECT_EQ(read(object), content);
    EXPECT_TRUE((*store)->verify(key).value());
    std::string damaged = content;
    damaged[3] ^= 1;
    std::ofstream(object, std::ios::binary | std::ios::trunc) << damaged;
    EXPECT_TRUE((*store)->contains(key).value());
    EXPECT_FALSE((*store)->verify(key).value());
}

TEST_F(SftpBackendTest, OpensTheFilestoreARepoEntryNames) {
    ASSERT_TRUE(create_filestore(url_, options_));
    FilestoreOptions reach;
    reach.known_hosts = options_.known_hosts;
    // The entry names the key file; the caller adds the known hosts.
    auto store = open_filestore(repo_entry(url_, options_).value(), local_.path(), reach);
    ASSERT_TRUE(store) << store.error().message << "\n" << server_->log();
    EXPECT_EQ((*store)->locate(key_for("x")).rfind(url_, 0), 0u) << (*store)->locate(key_for("x"));
}

}  // namespace
}  // namespace gad::core::filestore
