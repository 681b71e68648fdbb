#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "core/filestore/local_filestore.h"
#include "test_servers.h"
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

class LocalFilestoreTest : public testing::Test {
  protected:
    void SetUp() override {
        fs::create_directories(dir_.path() / "annex");
        store_ =
            std::move(LocalFilestore::open(dir_.path() / "annex", dir_.path() / "tmp").value());
    }
    fs::path write(const std::string& name, const std::string& content) {
        std::ofstream(dir_.path() / name, std::ios::binary) << content;
        return dir_.path() / name;
    }
    Key key_for(const std::string& content, const std::string& extension = ".txt") {
        return Key::parse(
                   fmt::format("SHA256E-s{}--{}{}", content.size(), sha256_hex(content), extension))
            .value();
    }
    bool tmp_is_empty() {
        for (const auto& entry : fs::recursive_directory_iterator(dir_.path() / "tmp")) {
            if (entry.is_regular_file()) return false;
        }
        return true;
    }

    test::TempDir dir_;
    std::unique_ptr<LocalFilestore> store_;
};

TEST_F(LocalFilestoreTest, StoresUnderHashdirLowerAndRetrieves) {
    const std::string content = "hello world\n";
    const Key key = key_for(content);
    std::vector<std::uint64_t> progress;
    ASSERT_TRUE(store_->put(key, write("src", content), [&](auto n) { progress.push_back(n); }));
    const fs::path object = dir_.path() / "annex" / key.hashdir_lower() / key.to_string();
    EXPECT_EQ(store_->object_path(key), object);
    EXPECT_EQ(read(object), content);
    EXPECT_EQ(progress.back(), content.size());
    EXPECT_TRUE(store_->contains(key).value());
    ASSERT_TRUE(store_->get(key, dir_.path() / "out", nullptr));
    EXPECT_EQ(read(dir_.path() / "out"), content);
    EXPECT_EQ(store_->locate(key), object.string());
    EXPECT_TRUE(tmp_is_empty());
}

TEST_F(LocalFilestoreTest, RefusesContentThatDoesNotMatchItsKeyAndStoresNothing) {
    const Key key = key_for("the real content");
    auto wrong_content = store_->put(key, write("src", "the real c0ntent"), nullptr);
    ASSERT_FALSE(wrong_content);
    EXPECT_NE(wrong_content.error().message.find("does not match"), std::string::npos);
    EXPECT_FALSE(store_->contains(key).value());
    EXPECT_FALSE(fs::exists(store_->object_path(key)));
    auto wrong_size = store_->put(key, write("src2", "short"), nullptr);
    ASSERT_FALSE(wrong_size);
    EXPECT_NE(wrong_size.error().message.find("5 bytes"), std::string::npos)
        << wrong_size.error().message;
    EXPECT_FALSE(fs::exists(store_->object_path(key)));
    EXPECT_TRUE(tmp_is_empty());
}

TEST_F(LocalFilestoreTest, LargeContentIsHashedBesideTheCopyAndStillChecked) {
    // Over kBackgroundCheckSize and not a whole number of read blocks: hashed on a second thread.
    std::string content(kBackgroundCheckSize * 2 + 12345, '\0');
    std::uint32_t state = 12345;
    for (char& c : content) {
        state = state * 1103515245 + 12345;
        c = static_cast<char>(state >> 24);
    }
    const Key key = key_for(content, ".bin");
    std::uint64_t reported = 0;
    ASSERT_TRUE(store_->put(key, write("big", content), [&](auto n) { reported = n; }));
    EXPECT_EQ(read(store_->object_path(key)), content);
    EXPECT_EQ(reported, content.size());

    // One byte changed, early or in the last block: refused, nothing stored or left behind.
    for (std::size_t at : {std::size_t{3 << 20}, content.size() - 1}) {
        std::string corrupt = content;
        corrupt[at] = static_cast<char>(corrupt[at] ^ 1);
        const Key other = key_for(corrupt, ".bin");
        std::string swapped = content;  // content of the right size under other's digest
        auto refused = store_->put(other, write("bad", swapped), nullptr);
        ASSERT_FALSE(refused);
        EXPECT_NE(refused.error().message.find("does not match"), std::string::npos)
            << refused.error().message;
        EXPECT_FALSE(fs::exists(store_->object_path(other)));
    }
    EXPECT_TRUE(tmp_is_empty());
}

TEST_F(LocalFilestoreTest, PutLinkSharesTheVerifiedSourceAndRefusesAMismatch) {
    const fs::path source = write("object", "linked content");
    const Key key = key_for("linked content");
    ASSERT_TRUE(store_->put_link(key, source));
    EXPECT_EQ(read(store_->object_path(key)), "linked content");
    EXPECT_TRUE(fs::equivalent(source, store_->object_path(key)));

    const Key other = key_for("other content");
    auto refused = store_->put_link(other, source);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find(source.string()), std::string::npos);
    EXPECT_FALSE(fs::exists(store_->object_path(other)));
    EXPECT_TRUE(fs::is_empty(dir_.path() / "tmp"));
}

TEST_F(LocalFilestoreTest, StopsReadingAnEndlessSourceAtTheKeysSize) {
    // A 10-byte key, and the third 10-byte chunk of a 100-byte key, given endless content
    // through put() and put_link(): each stops right past 10 bytes, writing none beyond them.
    const Key key = key_for("0123456789");
    const Key chunk = Key::parse("SHA256E-s100-S10-C3--" + sha256_hex("x") + ".txt").value();
    struct Case {
        const Key& key;
        bool link;
    };
    int index = 0;
    for (const Case& c : {Case{key, false}, Case{key, true}, Case{chunk, false}}) {
        SCOPED_TRACE(fmt::format("{} {}", c.key.to_string(), c.link ? "put_link" : "put"));
        const fs::path source = dir_.path() / fmt::format("endless-{}", index++);
        test::PipeFeeder feeder(source, std::uint64_t{64} << 20);
        std::uint64_t reported = 0;
        auto stored = c.link ? store_->put_link(c.key, source)
                             : store_->put(c.key, source, [&](std::uint64_t n) { reported = n; });
        const std::uint64_t fed = feeder.finish();
        ASSERT_FALSE(stored);
        EXPECT_NE(stored.error().message.find(source.string() + " has more than the 10 bytes key " +
                                              c.key.to_string() + " says"),
                  std::string::npos)
            << stored.error().message;
        EXPECT_LE(reported, 10u) << "bytes written";
        EXPECT_LT(fed, std::uint64_t{8} << 20) << "the store kept reading the source";
        EXPECT_FALSE(fs::exists(store_->object_path(c.key)));
        EXPECT_TRUE(tmp_is_empty());
    }
}

TEST_F(LocalFilestoreTest, RefusesAKeyLargerThanTheFreeSpaceBeforeWriting) {
    const Key key = Key::parse("SHA256E-s1000000000000000000--" + sha256_hex("x") + ".txt").value();
    auto stored = store_->put(key, write("src", "x"), nullptr);
    ASSERT_FALSE(stored);
    EXPECT_NE(stored.error().message.find(fmt::format(
                  "not enough space for {} (1000000000000000000 bytes) on {}: ", key.to_string(),
                  (dir_.path() / "tmp").string())),
              std::string::npos)
        << stored.error().message;
    EXPECT_TRUE(tmp_is_empty());
    EXPECT_FALSE(fs::exists(store_->object_path(key)));
}

TEST(FreeSpace, KeepsOnePercentOfTheFilesystemFreeAtMost64MiB) {
    EXPECT_EQ(free_space_reserve(2 << 20), (2u << 20) / 100);
    EXPECT_EQ(free_space_reserve(std::uint64_t{1} << 40), kMaxReserve);
    EXPECT_EQ(free_space_reserve(0), 0u);
    const Key key = Key::parse("SHA256E-s1000--" + sha256_hex("x") + ".txt").value();
    // 1000 bytes on a 1 MiB filesystem: 10485 bytes must stay free besides.
    EXPECT_TRUE(check_free_space(key, "disk", 1000 + 10485, 1 << 20));
    auto short_by_one = check_free_space(key, "disk", 1000 + 10484, 1 << 20);
    ASSERT_FALSE(short_by_one);
    EXPECT_EQ(short_by_one.error().message,
              "not enough space for " + key.to_string() +
                  " (1000 bytes) on disk: 11484 bytes free, of which 10485 must stay free");
    EXPECT_FALSE(check_free_space(key, "disk", 5, 1 << 20));
    // A key without a size is not checked.
    EXPECT_TRUE(check_free_space(Key::parse("SHA256E--" + sha256_hex("x")).value(), "disk", 0, 1));
}

TEST(LocalFilestoreSmallDisk, ChecksTheRoomFirstAndReportsAFullDiskAndLeavesNothing) {
    test::TempDir dir;
    test::SmallDisk disk(dir.path() / "disk");
    if (!disk.mounted()) GTEST_SKIP() << "cannot mount a small tmpfs (needs root)";
    fs::create_directories(dir.path() / "disk" / "annex");
    auto store = LocalFilestore::open(dir.path() / "disk" / "annex", dir.path() / "disk" / "tmp");
    ASSERT_TRUE(store) << store.error().message;
    auto files_on_disk = [&] {
        std::size_t files = 0;
        for (const auto& entry : fs::recursive_directory_iterator(dir.path() / "disk")) {
            files += entry.is_regular_file() ? 1 : 0;
        }
        return files;
    };
    std::string content(3 << 20, 'z');
    std::ofstream(dir.path() / "big", std::ios::binary) << content;
    // A key that says it does not fit: refused before a byte is written.
    const Key sized =
        Key::parse(fmt::format("SHA256E-s{}--{}.bin", content.size(), sha256_hex(content))).value();
    auto stored = (*store)->put(sized, dir.path() / "big", nullptr);
    ASSERT_FALSE(stored);
    EXPECT_NE(stored.error().message.find("not enough space for " + sized.to_string()),
              std::string::npos)
        << stored.error().message;
    EXPECT_EQ(files_on_disk(), 0u);
    // A key without a size is not bounded: the copy runs into the full disk, which is named,
    // and the partial object is deleted.
    const Key unsized = Key::parse("SHA256E--" + sha256_hex(content) + ".bin").value();
    stored = (*store)->put(unsized, dir.path() / "big", nullptr);
    ASSERT_FALSE(stored);
    EXPECT_NE(stored.error().message.find(fmt::format("cannot store {}: no space left on {} after ",
                                                      unsized.to_string(),
                                                      (dir.path() / "disk" / "tmp").string())),
              std::string::npos)
        << stored.error().message;
    EXPECT_EQ(files_on_disk(), 0u);
    // What fits is stored.
    const std::string small = "fits\n";
    std::ofstream(dir.path() / "small", std::ios::binary) << small;
    const Key fits =
        Key::parse(fmt::format("SHA256E-s{}--{}", small.size(), sha256_hex(small))).value();
    auto ok = (*store)->put(fits, dir.path() / "small", nullptr);
    EXPECT_TRUE(ok) << ok.error().message;
}

TEST_F(LocalFilestoreTest, StoresUnverifiableKeysAsGiven) {
    const Key key = Key::parse("GPGHMACSHA1--0123456789abcdef0123456789abcdef01234567").value();
    ASSERT_TRUE(store_->put(key, write("src", "encrypted bytes"), nullptr));
    EXPECT_EQ(read(store_->object_path(key)), "encrypted bytes");
}

TEST_F(LocalFilestoreTest, ContainsChecksTheSizeTheKeyGives) {
    const Key key = key_for("0123456789");
    fs::create_directories(store_->object_path(key).parent_path());
    std::ofstream(store_->object_path(key)) << "01234";  // truncated object
    EXPECT_FALSE(store_->contains(key).value());
    auto got = store_->get(key, dir_.path() / "out", nullptr);
    ASSERT_FALSE(got);
    EXPECT_NE(got.error().message.find("damaged"), std::string::npos);
    // A chunk key: chunk 2 of a 25-byte object in 10-byte chunks is 10 bytes, chunk 3 is 5.
    const Key chunk = Key::parse("WORM-s25-S10-C3--x").value();
    EXPECT_EQ(expected_object_size(chunk).value(), 5u);
    EXPECT_EQ(expected_object_size(Key::parse("WORM-s25-S10-C2--x").value()).value(), 10u);
}

TEST_F(LocalFilestoreTest, HideThenPurgeOrRestore) {
    const std::string content = "to be removed";
    const Key key = key_for(content);
    ASSERT_TRUE(store_->put(key, write("src", content), nullptr));
    auto hidden = store_->hide(key).value();
    ASSERT_TRUE(hidden);
    EXPECT_FALSE(store_->contains(key).value());  // gone from its key at once
    ASSERT_TRUE(store_->restore(*hidden));
    EXPECT_EQ(read(store_->object_path(key)), content);
    hidden = store_->hide(key).value();
    ASSERT_TRUE(store_->purge(*hidden));
    EXPECT_FALSE(store_->contains(key).value());
    EXPECT_TRUE(tmp_is_empty());
    EXPECT_FALSE(store_->hide(key).value().has_value());  // nothing to hide
}

TEST_F(LocalFilestoreTest, HidingPlacesAreReusedAndRemovedAtTheEnd) {
    std::vector<Key> keys;
    for (int i = 0; i < 5; ++i) {
        const std::string content = fmt::format("object {}", i);
        keys.push_back(key_for(content));
        ASSERT_TRUE(store_->put(keys.back(), write("src", content), nullptr));
    }
    const fs::path mine = dir_.path() / "tmp" / fmt::format("hidden-{}", ::getpid());
    auto slots = [&] {
        return std::distance(fs::directory_iterator(mine), fs::directory_iterator{});
    };
    // One after another: the same place each time, and none for a key that is not there.
    for (const Key& key : {keys[0], keys[1], keys[0]}) {
        auto hidden = store_->hide(key).value();
        if (hidden) {
            ASSERT_TRUE(store_->purge(*hidden));
        }
    }
    EXPECT_EQ(slots(), 1);
    // Three hidden at once need three; restored, they are free again.
    std::vector<Filestore::Hidden> held;
    for (int i = 2; i < 5; ++i) held.push_back(store_->hide(keys[i]).value().value());
    EXPECT_EQ(slots(), 3);
    for (const auto& hidden : held) ASSERT_TRUE(store_->restore(hidden));
    auto again = store_->hide(keys[2]).value();
    ASSERT_TRUE(again);
    EXPECT_EQ(slots(), 3);
    ASSERT_TRUE(store_->restore(*again));
    for (int i = 2; i < 5; ++i) EXPECT_TRUE(store_->contains(keys[i]).value());
    store_.reset();
    EXPECT_FALSE(fs::exists(mine));
}

TEST_F(LocalFilestoreTest, RestoreNeverReplacesANewerObject) {
    const std::string content = "same key twice";
    const Key key = key_for(content);
    ASSERT_TRUE(store_->put(key, write("src", content), nullptr));
    auto hidden = store_->hide(key).value();
    ASSERT_TRUE(store_->put(key, write("src", content), nullptr));  // stored again meanwhile
    ASSERT_TRUE(store_->restore(*hidden));
    EXPECT_TRUE(store_->contains(key).value());
    EXPECT_TRUE(tmp_is_empty());  // the hidden copy went away
}

TEST_F(LocalFilestoreTest, DeletesADeadProcessesHiddenObjectOnlyWhenItsRemovalWasRecorded) {
    const std::string removed = "removal recorded", kept = "removal not recorded";
    const Key removed_key = key_for(removed), kept_key = key_for(kept);
    ASSERT_TRUE(store_->put(removed_key, write("a", removed), nullptr));
    ASSERT_TRUE(store_->put(kept_key, write("b", kept), nullptr));
    pid_t dead = ::fork();
    if (dead == 0) ::_exit(0);
    ::waitpid(dead, nullptr, 0);
    const fs::path slot = dir_.path() / "tmp" / fmt::format("hidden-{}", dead) / "0";
    fs::create_directories(slot);
    const Timestamp before = Timestamp::now();
    fs::rename(store_->object_path(removed_key), slot / removed_key.to_string());
    fs::rename(store_->object_path(kept_key), slot / kept_key.to_string());
    const Timestamp after = Timestamp::now();
    std::vector<std::string> asked;
    auto restored = store_->restore_abandoned(
        [&](const Key& key, std::optional<Timestamp> hidden_at) -> Result<bool> {
            asked.push_back(key.to_string());
            // Told when it was hidden: the rename's time, between before and after (the kernel's
            // clock for it is coarser, so allow it a tick early).
            EXPECT_TRUE(hidden_at.has_value());
            if (hidden_at) {
                EXPECT_GE(hidden_at->seconds, before.seconds - 1);
                EXPECT_LE(*hidden_at, after);
            }
            return key == removed_key;
        });
    ASSERT_TRUE(restored) << restored.error().message;
    EXPECT_EQ(*restored, 1u);
    EXPECT_EQ(asked.size(), 2u);
    EXPECT_FALSE(store_->contains(removed_key).value());
    EXPECT_EQ(read(store_->object_path(kept_key)), kept);
    EXPECT_FALSE(fs::exists(slot));
    // When the table cannot be read, nothing is decided: the object stays hidden.
    ASSERT_TRUE(store_->put(removed_key, write("a", removed), nullptr));
    fs::create_directories(slot);
    fs::rename(store_->object_path(removed_key), slot / removed_key.to_string());
    auto failed = store_->restore_abandoned(
        [](const Key&, std::optional<Timestamp>) -> Result<bool> { return fail("no database"); });
    EXPECT_FALSE(failed);
    EXPECT_TRUE(fs::exists(slot / removed_key.to_string()));
}

TEST_F(LocalFilestoreTest, RestoresObjectsAndDropsUploadsOfADeadProcess) {
    const std::string content = "abandoned";
    const Key key = key_for(content);
    ASSERT_TRUE(store_->put(key, write("src", content), nullptr));
    // A pid that is surely not running: a child that has exited and been reaped.
    pid_t dead = ::fork();
    if (dead == 0) ::_exit(0);
    ::waitpid(dead, nullptr, 0);
    const fs::path slot = dir_.path() / "tmp" / fmt::format("hidden-{}", dead) / "0";
    fs::create_directories(slot);
    fs::rename(store_->object_path(key), slot / key.to_string());
    // One hidden by a live process (this one's parent) stays where it is.
    const fs::path alive = dir_.path() / "tmp" / fmt::format("hidden-{}", ::getppid()) / "0";
    fs::create_directories(alive);
    std::ofstream(alive / "WORM--x") << "x";
    // Partial uploads: the dead process's goes, the live one's stays.
    std::ofstream(dir_.path() / "tmp" / fmt::format("put-{}-7", dead)) << "partial";
    std::ofstream(dir_.path() / "tmp" / fmt::format("put-{}-8", ::getppid())) << "in progress";
    EXPECT_FALSE(store_->contains(key).value());
    EXPECT_EQ(store_->restore_abandoned().value(), 1u);
    EXPECT_FALSE(fs::exists(dir_.path() / "tmp" / fmt::format("put-{}-7", dead)));
    EXPECT_TRUE(fs::exists(dir_.path() / "tmp" / fmt::format("put-{}-8", ::getppid())));
    EXPECT_EQ(read(store_->object_path(key)), content);
    EXPECT_TRUE(fs::exists(alive / "WORM--x"));
    EXPECT_FALSE(fs::exists(slot));
}

TEST_F(LocalFilestoreTest, AMissingRootIsAnUnreachableStore) {
    auto store = LocalFilestore::open(dir_.path() / "not-mounted", dir_.path() / "tmp2");
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().kind, Failure::Kind::unreachable);
    EXPECT_NE(store.error().message.find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace gad::core::filestore
