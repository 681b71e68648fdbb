#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "core/filestore/sftp_filestore.h"
#include "test_servers.h"
#include "test_sshd.h"
#include "test_tools.h"

namespace gad::core::filestore {
namespace {

namespace fs = std::filesystem;

using test::sha256_hex;

// "SHA256:<base64>" of a public key given as "type base64-blob", as ssh-keygen -l shows it.
std::string fingerprint(const std::string& public_key) {
    const std::string blob = public_key.substr(public_key.find(' ') + 1);
    std::vector<unsigned char> raw(blob.size());
    int length = EVP_DecodeBlock(raw.data(), reinterpret_cast<const unsigned char*>(blob.data()),
                                 static_cast<int>(blob.size()));
    for (std::size_t i = blob.size(); i > 0 && blob[i - 1] == '='; --i) --length;  // padding
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned digest_length = 0;
    EVP_Digest(raw.data(), static_cast<std::size_t>(length), digest, &digest_length, EVP_sha256(),
               nullptr);
    std::string encoded(4 * ((digest_length + 2) / 3) + 1, '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), digest,
                    static_cast<int>(digest_length));
    encoded.resize(encoded.find_first_of(std::string_view("=\0", 2)));
    return "SHA256:" + encoded;
}

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string random_content(std::size_t size, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::string content(size, '\0');
    for (std::size_t i = 0; i + 8 <= size; i += 8) {
        const std::uint64_t word = random();
        std::memcpy(content.data() + i, &word, 8);
    }
    return content;
}

// Regular files below directory (none when it does not exist).
std::vector<fs::path> files_below(const fs::path& directory) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(directory, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file()) files.push_back(it->path());
    }
    return files;
}

// --- SftpUrl ---

TEST(SftpUrl, ParsesUserHostPortAndAbsolutePath) {
    auto url = SftpUrl::parse("sftp://alice@files.example.org:2222/srv/annex/");
    ASSERT_TRUE(url) << url.error().message;
    EXPECT_EQ(url->user, "alice");
    EXPECT_EQ(url->host, "files.example.org");
    EXPECT_EQ(url->port, 2222);
    EXPECT_EQ(url->path, "/srv/annex");
    EXPECT_EQ(url->to_string(), "sftp://alice@files.example.org:2222/srv/annex");
    EXPECT_EQ(url->to_string("abc/def/KEY"),
              "sftp://alice@files.example.org:2222/srv/annex/abc/def/KEY");
    EXPECT_EQ(url->remote_path("abc/def/KEY"), "/srv/annex/abc/def/KEY");
}

TEST(SftpUrl, DefaultsToPort22AndTheLocalUser) {
    auto url = SftpUrl::parse("SFTP://host//srv//annex");
    ASSERT_TRUE(url) << url.error().message;
    EXPECT_EQ(url->port, 22);
    EXPECT_EQ(url->user, ssh::local_user());
    EXPECT_EQ(url->path, "/srv/annex");
    EXPECT_EQ(SftpUrl::parse(url->to_string()).value(), *url);
}

TEST(SftpUrl, TildePathsAreRelativeToTheLoginDirectory) {
    auto url = SftpUrl::parse("sftp://bob@host/~/annex/store");
    ASSERT_TRUE(url) << url.error().message;
    EXPECT_EQ(url->path, "annex/store");
    EXPECT_EQ(url->remote_path("a/b/K"), "annex/store/a/b/K");
    EXPECT_EQ(url->to_string(), "sftp://bob@host:22/~/annex/store");
    auto home = SftpUrl::parse("sftp://bob@host/~");
    ASSERT_TRUE(home);
    EXPECT_EQ(home->path, ".");
    EXPECT_EQ(home->to_string("a/b/K"), "sftp://bob@host:22/~/a/b/K");
    EXPECT_EQ(SftpUrl::parse(home->to_string()).value(), *home);
}

TEST(SftpUrl, AcceptsIpv6AndPercentEscapes) {
    auto url = SftpUrl::parse("sftp://us%40er@[::1]:2200/data/my%20annex");
    ASSERT_TRUE(url) << url.error().message;
    EXPECT_EQ(url->user, "us@er");
    EXPECT_EQ(url->host, "::1");
    EXPECT_EQ(url->port, 2200);
    EXPECT_EQ(url->path, "/data/my annex");
    EXPECT_EQ(url->to_string(), "sftp://us%40er@[::1]:2200/data/my%20annex");
    EXPECT_EQ(SftpUrl::parse(url->to_string()).value(), *url);
}

TEST(SftpUrl, RefusesMalformedUrlsWithOneLineNamingTheProblem) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"http://host/x", "is not an sftp:// URL"},
        {"sftp://", "has no host"},
        {"sftp://user@/x", "has no host"},
        {"sftp://host:0/x", "invalid port 0"},
        {"sftp://host:65536/x", "invalid port 65536"},
        {"sftp://host:22a/x", "invalid port 22a"},
        {"sftp://host:/x", "empty port"},
        {"sftp://user:secret@host/x", "has a password"},
        {"sftp://host", "has no path"},
        {"sftp://host/~other/x", "~user path"},
        {"sftp://host/x?y", "query or fragment"},
        {"sftp://host/x%zz", "malformed %-escape"},
        {"sftp://[::1/x", "unclosed '['"},
    };
    for (const auto& [text, expected] : cases) {
        auto url = SftpUrl::parse(text);
        ASSERT_FALSE(url) << text;
        EXPECT_NE(url.error().message.find(expected), std::string::npos)
            << text << ": " << url.error().message;
        EXPECT_EQ(url.error().message.find('\n'), std::string::npos);
    }
}

// --- SftpFilestore against a private sshd ---

class SftpFilestoreTest : public testing::Test {
  protected:
    void SetUp() override {
        std::string why_not;
        server_ = test::TestSshd::start(why_not, server_options());
        if (!server_) GTEST_SKIP() << why_not;
        root_ = server_->directory() / "annex";
        fs::create_directories(root_);
        url_ = SftpUrl{server_->user(), "127.0.0.1", server_->port(), root_.string()};
        options_.identity_file = server_->client_key();
        options_.known_hosts = server_->known_hosts();
    }
    virtual test::TestSshd::Options server_options() const { return {}; }

    std::unique_ptr<SftpFilestore> open_store(
        std::size_t max_sessions = SftpFilestore::kDefaultSessions) {
        auto store = SftpFilestore::open(url_, options_, max_sessions);
        EXPECT_TRUE(store) << store.error().message << "\n" << server_->log();
        return store ? std::move(*store) : nullptr;
    }
    fs::path write(const std::string& name, const std::string& content) {
        std::ofstream(local_.path() / name, std::ios::binary) << content;
        return local_.path() / name;
    }
    Key key_for(const std::string& content, const std::string& extension = ".bin") {
        return Key::parse(
                   fmt::format("SHA256E-s{}--{}{}", content.size(), sha256_hex(content), extension))
            .value();
    }
    fs::path object_file(const Key& key) { return root_ / key.hashdir_lower() / key.to_string(); }
    fs::path temporary() { return root_ / ".git-annex-dolt-tmp"; }
    // Partial uploads left on the server.
    std::vector<fs::path> partial_files() {
        std::vector<fs::path> found;
        for (const fs::path& file : files_below(temporary())) {
            if (file.filename().string().starts_with("put-")) found.push_back(file);
        }
        return found;
    }

    test::TempDir local_;  // the client side
    std::unique_ptr<test::TestSshd> server_;
    fs::path root_;
    SftpUrl url_;
    ssh::ConnectOptions options_;
};

TEST_F(SftpFilestoreTest, StoresUnderHashdirLowerAndRoundTrips) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string content = random_content(3 << 20, 1) + "tail";  // not a multiple of a request
    const Key key = key_for(content);
    std::vector<std::uint64_t> progress;
    auto put = store->put(key, write("src", content), [&](auto n) { progress.push_back(n); });
    ASSERT_TRUE(put) << put.error().message;
    EXPECT_EQ(read(object_file(key)), content);
    EXPECT_EQ(store->object_path(key), object_file(key).string());
    ASSERT_FALSE(progress.empty());
    EXPECT_GE(progress.size(), 3u);
    EXPECT_EQ(progress.back(), content.size());
    EXPECT_TRUE(store->contains(key).value());
    EXPECT_EQ(store->locate(key),
              fmt::format("sftp://{}@127.0.0.1:{}{}/{}{}", server_->user(), server_->port(),
                          root_.string(), key.hashdir_lower(), key.to_string()));

    progress.clear();
    auto get = store->get(key, local_.path() / "out", [&](auto n) { progress.push_back(n); });
    ASSERT_TRUE(get) << get.error().message;
    EXPECT_EQ(read(local_.path() / "out"), content);
    EXPECT_GE(progress.size(), 3u);
    EXPECT_EQ(progress.back(), content.size());
    EXPECT_TRUE(partial_files().empty());

    // Storing again replaces the object in one step.
    ASSERT_TRUE(store->put(key, write("src", content), nullptr));
    EXPECT_EQ(read(object_file(key)), content);
    EXPECT_TRUE(partial_files().empty());

    // An empty object.
    const Key empty = key_for("");
    ASSERT_TRUE(store->put(empty, write("empty", ""), nullptr));
    ASSERT_TRUE(store->get(empty, local_.path() / "empty-out", nullptr));
    EXPECT_EQ(read(local_.path() / "empty-out"), "");
}

TEST_F(SftpFilestoreTest, HidesPurgesAndRestores) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string content = "hello sftp\n";
    const Key key = key_for(content, ".txt");
    ASSERT_TRUE(store->put(key, write("src", content), nullptr));

    auto hidden = store->hide(key);
    ASSERT_TRUE(hidden) << hidden.error().message;
    ASSERT_TRUE(hidden->has_value());
    EXPECT_FALSE(fs::exists(object_file(key)));
    EXPECT_FALSE(store->contains(key).value());
    const fs::path place = (*hidden)->place;
    EXPECT_EQ(place.filename(), key.to_string());
    EXPECT_EQ(place.parent_path().parent_path().parent_path(), temporary());
    EXPECT_TRUE(place.parent_path().parent_path().filename().string().starts_with("hidden-"));
    EXPECT_EQ(read(place), content);

    ASSERT_TRUE(store->restore(**hidden));
    EXPECT_EQ(read(object_file(key)), content);
    EXPECT_FALSE(fs::exists(place));
    EXPECT_FALSE(fs::exists(place.parent_path()));

    hidden = store->hide(key);
    ASSERT_TRUE(hidden && hidden->has_value());
    ASSERT_TRUE(store->purge(**hidden));
    EXPECT_FALSE(fs::exists((*hidden)->place));
    EXPECT_FALSE(fs::exists(object_file(key)));
    EXPECT_FALSE(store->contains(key).value());
    ASSERT_TRUE(store->purge(**hidden)) << "purging twice is harmless";

    // Nothing to hide, nothing to get.
    auto none = store->hide(key);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    auto get = store->get(key, local_.path() / "out", nullptr);
    ASSERT_FALSE(get);
    EXPECT_NE(get.error().message.find(key.to_string() + " is not in the filestore"),
              std::string::npos)
        << get.error().message;
    EXPECT_TRUE(files_below(temporary()).empty());
}

TEST_F(SftpFilestoreTest, RestoreKeepsAnObjectStoredMeanwhile) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string content = "stored twice\n";
    const Key key = key_for(content);
    ASSERT_TRUE(store->put(key, write("src", content), nullptr));
    auto hidden = store->hide(key);
    ASSERT_TRUE(hidden && hidden->has_value());
    ASSERT_TRUE(store->put(key, write("src", content), nullptr));
    struct stat before {};
    ASSERT_EQ(::stat(object_file(key).c_str(), &before), 0);
    ASSERT_TRUE(store->restore(**hidden));
    EXPECT_EQ(read(object_file(key)), content);
    struct stat after {};
    ASSERT_EQ(::stat(object_file(key).c_str(), &after), 0);
    EXPECT_EQ(after.st_ino, before.st_ino) << "the object stored meanwhile stays";
    EXPECT_FALSE(fs::exists((*hidden)->place)) << "the hidden copy is dropped";
}

TEST_F(SftpFilestoreTest, RestoresWhatDeadProcessesOfThisHostHid) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string content = "abandoned\n";
    const Key key = key_for(content);
    const pid_t dead = ::fork();
    if (dead == 0) ::_exit(0);
    ::waitpid(dead, nullptr, 0);
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    const fs::path owner = temporary() / fmt::format("hidden-{}-{}", host, dead);
    fs::create_directories(owner / "7");
    std::ofstream(owner / "7" / key.to_string()) << content;
    const fs::path partial = temporary() / fmt::format("put-{}-{}-3", host, dead);
    std::ofstream(partial) << "partial";
    const fs::path elsewhere = temporary() / "hidden-otherhost-1" / "0" / key.to_string();
    fs::create_directories(elsewhere.parent_path());
    std::ofstream(elsewhere) << content;
    const fs::path alive = temporary() / fmt::format("hidden-{}-1", host) / "0" / key.to_string();
    fs::create_directories(alive.parent_path());
    std::ofstream(alive) << content;  // pid 1 is running

    auto restored = store->restore_abandoned();
    ASSERT_TRUE(restored) << restored.error().message;
    EXPECT_EQ(*restored, 1u);
    EXPECT_EQ(read(object_file(key)), content);
    EXPECT_FALSE(fs::exists(owner));
    EXPECT_FALSE(fs::exists(partial));
    EXPECT_TRUE(fs::exists(elsewhere));
    EXPECT_TRUE(fs::exists(alive));
}

TEST_F(SftpFilestoreTest, RefusesContentThatDoesNotMatchItsKeyAndStoresNothing) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const Key key = key_for("the real content");
    auto wrong = store->put(key, write("src", "the real c0ntent"), nullptr);
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message.find("does not match"), std::string::npos)
        << wrong.error().message;
    EXPECT_FALSE(fs::exists(object_file(key)));
    EXPECT_TRUE(files_below(temporary()).empty()) << "the partial upload is deleted";

    auto short_file = store->put(key, write("src", "short"), nullptr);
    ASSERT_FALSE(short_file);
    EXPECT_NE(short_file.error().message.find("has 5 bytes but key"), std::string::npos)
        << short_file.error().message;
    EXPECT_TRUE(files_below(temporary()).empty());
}

TEST_F(SftpFilestoreTest, GetVerifiesSizeAndContent) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string content = random_content(600'000, 2);
    const Key key = key_for(content);
    ASSERT_TRUE(store->put(key, write("src", content), nullptr));

    std::string damaged = content;
    damaged[400'000] ^= 1;
    std::ofstream(object_file(key), std::ios::binary | std::ios::trunc) << damaged;
    EXPECT_TRUE(store->contains(key).value()) << "same size: only a download can tell";
    auto get = store->get(key, local_.path() / "out", nullptr);
    ASSERT_FALSE(get);
    EXPECT_NE(get.error().message.find("is damaged: its SHA256E digest is"), std::string::npos)
        << get.error().message;

    std::ofstream(object_file(key), std::ios::binary | std::ios::trunc) << content.substr(0, 1000);
    EXPECT_FALSE(store->contains(key).value());
    get = store->get(key, local_.path() / "out", nullptr);
    ASSERT_FALSE(get);
    EXPECT_NE(get.error().message.find("1000 bytes instead of 600000"), std::string::npos)
        << get.error().message;
}

TEST_F(SftpFilestoreTest, RefusesAnUnknownHostKeyShowingItsFingerprint) {
    std::ofstream(local_.path() / "empty_known_hosts");
    for (const fs::path& known : {local_.path() / "empty_known_hosts", local_.path() / "missing"}) {
        options_.known_hosts = known;
        auto store = SftpFilestore::open(url_, options_);
        ASSERT_FALSE(store);
        const std::string& message = store.error().message;
        EXPECT_EQ(store.error().kind, Failure::Kind::error);
        EXPECT_NE(message.find("host key of [127.0.0.1]:" + std::to_string(server_->port()) +
                               " is not known"),
                  std::string::npos)
            << message;
        EXPECT_NE(message.find(fingerprint(server_->host_key())), std::string::npos) << message;
        EXPECT_NE(message.find(fmt::format("ssh-keyscan -p {} 127.0.0.1 >> {}", server_->port(),
                                           known.string())),
                  std::string::npos)
            << message;
        EXPECT_EQ(message.find('\n'), std::string::npos);
    }
}

TEST_F(SftpFilestoreTest, RefusesAChangedHostKey) {
    for (const char* type : {"ed25519", "ecdsa"}) {
        const fs::path other = local_.path() / fmt::format("other_{}", type);
        ASSERT_EQ(test::TestSshd::run_quietly(
                      {"ssh-keygen", "-q", "-t", type, "-N", "", "-f", other.string()}),
                  0);
        std::istringstream public_key(read(fs::path(other.string() + ".pub")));
        std::string key_type, blob;
        public_key >> key_type >> blob;
        const fs::path known = local_.path() / fmt::format("known_{}", type);
        std::ofstream(known) << fmt::format("[127.0.0.1]:{} {} {}\n", server_->port(), key_type,
                                            blob);
        options_.known_hosts = known;
        auto store = SftpFilestore::open(url_, options_);
        ASSERT_FALSE(store) << type;
        const std::string& message = store.error().message;
        EXPECT_NE(message.find("refusing to connect"), std::string::npos) << message;
        EXPECT_NE(message.find(fingerprint(server_->host_key())), std::string::npos) << message;
        EXPECT_NE(message.find(std::string(type) == "ed25519" ? "has CHANGED" : "another type"),
                  std::string::npos)
            << message;
    }
}

TEST_F(SftpFilestoreTest, RefusesAWrongClientKeyNamingWhatWasTried) {
    const fs::path stranger = local_.path() / "stranger";
    ASSERT_EQ(test::TestSshd::run_quietly(
                  {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger.string()}),
              0);
    options_.identity_file = stranger;
    auto store = SftpFilestore::open(url_, options_);
    ASSERT_FALSE(store);
    const std::string& message = store.error().message;
    EXPECT_NE(message.find(fmt::format("authentication refused by 127.0.0.1 for {} (tried: ",
                                       server_->user())),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(stranger.string()), std::string::npos) << message;

    options_.identity_file = local_.path() / "no_such_key";
    store = SftpFilestore::open(url_, options_);
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().message.find("no_such_key (no such file)"), std::string::npos)
        << store.error().message;
}

TEST_F(SftpFilestoreTest, ReportsAnUnreachableHost) {
    server_->stop();
    auto store = SftpFilestore::open(url_, options_);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().kind, Failure::Kind::unreachable);
    EXPECT_NE(
        store.error().message.find(fmt::format("cannot connect to 127.0.0.1:{}", server_->port())),
        std::string::npos)
        << store.error().message;
}

TEST_F(SftpFilestoreTest, ReportsAMissingOrUnusableRoot) {
    std::ofstream(root_ / "plain-file") << "x";
    const std::vector<std::pair<fs::path, std::string>> cases = {
        {root_ / "missing" / "annex", "does not exist on 127.0.0.1"},
        {root_ / "plain-file" / "annex", "does not exist on 127.0.0.1"},
        {root_ / "plain-file", "on 127.0.0.1 is not a directory"},
    };
    for (const auto& [path, expected] : cases) {
        url_.path = path.string();
        auto store = SftpFilestore::open(url_, options_);
        ASSERT_FALSE(store) << path;
        EXPECT_NE(store.error().message.find(path.string() + " " + expected), std::string::npos)
            << store.error().message;
    }
}

TEST_F(SftpFilestoreTest, ServesConcurrentCallsWithOneSessionOrMany) {
    for (const std::size_t sessions : {std::size_t{1}, SftpFilestore::kDefaultSessions}) {
        auto store = open_store(sessions);
        ASSERT_TRUE(store);
        std::vector<std::thread> threads;
        std::atomic<int> failures{0};
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 5; ++i) {
                    const std::string content = random_content(100'000 + 8 * t, 10 * t + i);
                    const Key key = key_for(content);
                    const std::string name = fmt::format("{}-{}-{}", sessions, t, i);
                    const fs::path source = write("src-" + name, content);
                    const fs::path out = local_.path() / ("out-" + name);
                    if (!store->put(key, source, nullptr) ||
                        !store->contains(key).value_or(false) || !store->get(key, out, nullptr) ||
                        read(out) != content) {
                        ++failures;
                    }
                }
            });
        }
        for (auto& thread : threads) thread.join();
        EXPECT_EQ(failures, 0) << sessions << " session(s)";
        EXPECT_LE(store->sessions(), sessions);
        EXPECT_TRUE(partial_files().empty());
    }
}

// Counts transfers in progress, from each one's first progress report to its last (both made
// while it holds its session), and holds each one at its first report until `wanted` are in
// progress at once, or until a generous deadline (when transfers cannot overlap) has passed.
class Overlap {
  public:
    explicit Overlap(int wanted) : wanted_(wanted) {}
    // A Progress for one transfer of size bytes.
    Progress progress(std::uint64_t size) {
        auto started = std::make_shared<bool>(false);
        return [this, size, started](std::uint64_t bytes) {
            if (!*started) {
                *started = true;
                enter();
            }
            if (bytes == size) leave();
        };
    }
    int peak() const { return peak_; }
    // Whether `wanted` transfers were in progress at once.
    bool met() const { return met_; }

  private:
    void enter() {
        std::unique_lock lock(mutex_);
        peak_ = std::max(peak_, ++active_);
        if (active_ >= wanted_) met_ = true;
        released_ = released_ || met_;
        changed_.notify_all();
        if (!changed_.wait_for(lock, std::chrono::seconds(30), [&] { return released_; })) {
            released_ = true;  // they do not overlap: stop holding the others too
            changed_.notify_all();
        }
    }
    void leave() {
        std::lock_guard lock(mutex_);
        --active_;
    }

    const int wanted_;
    std::mutex mutex_;
    std::condition_variable changed_;
    int active_ = 0;
    int peak_ = 0;
    bool met_ = false;
    bool released_ = false;
};

TEST_F(SftpFilestoreTest, ConcurrentTransfersRunOnSeveralSessionsUpToTheLimit) {
    auto store = open_store();
    ASSERT_TRUE(store);
    EXPECT_EQ(store->sessions(), 1u) << "one session until calls overlap";
    constexpr int kLimit = static_cast<int>(SftpFilestore::kDefaultSessions);
    constexpr int kThreads = kLimit + 2;
    std::vector<std::string> contents;
    std::vector<Key> keys;
    std::vector<fs::path> sources;
    for (int t = 0; t < kThreads; ++t) {
        contents.push_back(random_content((4 << 20) + 8 * t, 100 + t));
        keys.push_back(key_for(contents.back()));
        sources.push_back(write(fmt::format("src-{}", t), contents.back()));
    }
    auto run = [&](Overlap& overlap, auto&& transfer) {
        std::vector<std::thread> threads;
        std::atomic<int> failures{0};
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                auto done = transfer(t, overlap.progress(contents[t].size()));
                if (!done) {
                    ADD_FAILURE() << done.error().message;
                    ++failures;
                }
            });
        }
        for (auto& thread : threads) thread.join();
        return failures.load();
    };

    Overlap puts(kLimit);
    EXPECT_EQ(
        run(puts,
            [&](int t, Progress progress) { return store->put(keys[t], sources[t], progress); }),
        0);
    EXPECT_TRUE(puts.met()) << "puts in progress at once: at most " << puts.peak();
    EXPECT_EQ(puts.peak(), kLimit) << "never more than the limit at once";
    EXPECT_EQ(store->sessions(), SftpFilestore::kDefaultSessions);

    Overlap gets(kLimit);
    EXPECT_EQ(run(gets,
                  [&](int t, Progress progress) {
                      return store->get(keys[t], local_.path() / fmt::format("out-{}", t),
                                        progress);
                  }),
              0);
    EXPECT_TRUE(gets.met()) << "gets in progress at once: at most " << gets.peak();
    EXPECT_EQ(gets.peak(), kLimit);
    EXPECT_EQ(store->sessions(), SftpFilestore::kDefaultSessions);

    for (int t = 0; t < kThreads; ++t) {
        EXPECT_EQ(read(object_file(keys[t])), contents[t]);
        EXPECT_EQ(read(local_.path() / fmt::format("out-{}", t)), contents[t]);
    }
    EXPECT_TRUE(partial_files().empty());
    // The server saw as many connections as the pool holds: sessions are reused, not remade.
    const std::string log = server_->log();
    std::size_t logins = 0;
    for (std::size_t at = log.find("Accepted publickey"); at != std::string::npos;
         at = log.find("Accepted publickey", at + 1)) {
        ++logins;
    }
    EXPECT_EQ(logins, SftpFilestore::kDefaultSessions) << log;
}

TEST_F(SftpFilestoreTest, RetriesOnceWhenTheConnectionIsCutMidTransfer) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string content = random_content(24 << 20, 3);
    const Key key = key_for(content);
    const fs::path source = write("src", content);
    int cut = 0;
    auto cutting = [&](std::uint64_t bytes) {
        if (cut == 0 && bytes >= (8u << 20)) cut = server_->cut_connections();
    };
    auto put = store->put(key, source, cutting);
    ASSERT_TRUE(put) << put.error().message;
    EXPECT_GT(cut, 0) << "the connection was cut";
    EXPECT_EQ(read(object_file(key)), content);
    EXPECT_TRUE(partial_files().empty()) << "the cut-off upload is deleted after reconnecting";

    cut = 0;
    auto get = store->get(key, local_.path() / "out", cutting);
    ASSERT_TRUE(get) << get.error().message;
    EXPECT_GT(cut, 0);
    EXPECT_EQ(read(local_.path() / "out"), content);
}

TEST_F(SftpFilestoreTest, UploadCutOffByAServerGoingAwayLeavesNothingAndWorksLater) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string content = random_content(64 << 20, 4);
    const Key key = key_for(content);
    const fs::path source = write("src", content);
    bool stopped = false;
    auto put = store->put(key, source, [&](std::uint64_t bytes) {
        if (!stopped && bytes >= (16u << 20)) {
            stopped = true;
            server_->stop();
        }
    });
    ASSERT_TRUE(stopped);
    ASSERT_FALSE(put);
    EXPECT_EQ(put.error().kind, Failure::Kind::unreachable);
    EXPECT_NE(put.error().message.find("connection to 127.0.0.1"), std::string::npos)
        << put.error().message;
    EXPECT_NE(put.error().message.find("reconnecting failed"), std::string::npos)
        << put.error().message;
    EXPECT_FALSE(fs::exists(object_file(key)));
    EXPECT_EQ(store->contains(key).error().kind, Failure::Kind::unreachable);

    std::string why_not;
    ASSERT_TRUE(server_->restart(why_not)) << why_not;
    auto again = store->put(key, source, nullptr);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(read(object_file(key)), content);
    EXPECT_TRUE(partial_files().empty()) << "the cut-off upload is deleted after reconnecting";
}

TEST_F(SftpFilestoreTest, ChecksTheRoomFirstAndReportsAFullDiskAndLeavesNothing) {
    test::SmallDisk disk(root_ / "small");
    if (!disk.mounted()) GTEST_SKIP() << "cannot mount a small tmpfs (needs root)";
    url_.path = (root_ / "small").string();
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::string content = random_content(4 << 20, 5);
    // A key that says it does not fit: refused before anything is uploaded.
    const Key key = key_for(content);
    auto put = store->put(key, write("big", content), nullptr);
    ASSERT_FALSE(put);
    const std::string refusal =
        "not enough space for " + key.to_string() + " (4194304 bytes) on " + url_.to_string();
    EXPECT_NE(put.error().message.find(refusal), std::string::npos) << put.error().message;
    EXPECT_TRUE(files_below(root_ / "small").empty());
    // A key without a size is not bounded: the upload runs into the full disk, which is named,
    // and the partial upload is deleted.
    const Key unsized = Key::parse("SHA256E--" + sha256_hex(content) + ".bin").value();
    put = store->put(unsized, local_.path() / "big", nullptr);
    ASSERT_FALSE(put);
    EXPECT_NE(put.error().message.find("no space left on 127.0.0.1"), std::string::npos)
        << put.error().message;
    EXPECT_TRUE(files_below(root_ / "small").empty());

    const std::string small = "fits\n";
    auto fits = store->put(key_for(small), write("small", small), nullptr);
    EXPECT_TRUE(fits) << fits.error().message;
}

TEST_F(SftpFilestoreTest, StopsReadingAnEndlessSourceAtTheKeysSize) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const Key key = key_for("0123456789");
    test::PipeFeeder feeder(local_.path() / "endless", std::uint64_t{64} << 20);
    std::uint64_t reported = 0;
    auto put = store->put(key, local_.path() / "endless", [&](std::uint64_t n) { reported = n; });
    const std::uint64_t fed = feeder.finish();
    ASSERT_FALSE(put);
    EXPECT_NE(put.error().message.find("more than the 10 bytes key " + key.to_string() + " says"),
              std::string::npos)
        << put.error().message;
    EXPECT_LE(reported, 10u) << "bytes uploaded";
    EXPECT_LT(fed, std::uint64_t{8} << 20) << "the store kept reading the source";
    EXPECT_FALSE(fs::exists(object_file(key)));
    EXPECT_TRUE(partial_files().empty());
}

TEST_F(SftpFilestoreTest, RefusesAKeyLargerThanTheFreeSpaceBeforeUploading) {
    auto store = open_store();
    ASSERT_TRUE(store);
    const Key key = Key::parse("SHA256E-s1000000000000000000--" + sha256_hex("x") + ".bin").value();
    auto put = store->put(key, write("src", "x"), nullptr);
    ASSERT_FALSE(put);
    EXPECT_NE(put.error().message.find("not enough space for " + key.to_string()),
              std::string::npos)
        << put.error().message;
    EXPECT_NE(put.error().message.find("bytes free"), std::string::npos) << put.error().message;
    EXPECT_TRUE(partial_files().empty());
    // The figure is remembered for a moment: a small object right after is still stored.
    const std::string small = "small\n";
    auto fits = store->put(key_for(small), write("small", small), nullptr);
    EXPECT_TRUE(fits) << fits.error().message;
}

class SftpReadOnlyFilestoreTest : public SftpFilestoreTest {
  protected:
    test::TestSshd::Options server_options() const override { return {.read_only = true}; }
};

TEST_F(SftpReadOnlyFilestoreTest, ReportsPermissionDeniedAndStoresNothing) {
    const std::string existing = "already there\n";
    const Key stored = key_for(existing);
    fs::create_directories(object_file(stored).parent_path());
    std::ofstream(object_file(stored)) << existing;

    auto store = open_store();
    ASSERT_TRUE(store);
    EXPECT_TRUE(store->contains(stored).value());
    ASSERT_TRUE(store->get(stored, local_.path() / "out", nullptr));
    EXPECT_EQ(read(local_.path() / "out"), existing);

    const std::string content = "refused\n";
    const Key key = key_for(content);
    auto put = store->put(key, write("src", content), nullptr);
    ASSERT_FALSE(put);
    EXPECT_EQ(put.error().kind, Failure::Kind::error);
    EXPECT_NE(put.error().message.find("permission denied"), std::string::npos)
        << put.error().message;
    EXPECT_NE(put.error().message.find(temporary().string()), std::string::npos)
        << put.error().message;
    EXPECT_FALSE(fs::exists(object_file(key)));
    auto hide = store->hide(stored);
    ASSERT_FALSE(hide);
    EXPECT_NE(hide.error().message.find("permission denied"), std::string::npos)
        << hide.error().message;
    EXPECT_TRUE(fs::exists(object_file(stored)));
}

}  // namespace
}  // namespace gad::core::filestore
