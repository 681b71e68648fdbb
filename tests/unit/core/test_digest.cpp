// Tests of core/digest.h: streaming hashes and whole-file verification, against digests computed
// by git-annex itself (git annex calckey --backend=X) for every backend it has.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/digest.h"
#include "test_tools.h"

namespace gad::core {
namespace {

Key parse_ok(std::string_view text) {
    auto key = Key::parse(text);
    EXPECT_TRUE(key.has_value()) << text << ": " << (key ? "" : key.error().message);
    if (!key) std::abort();
    return *key;
}

// A temporary directory, removed with its contents on scope exit.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "gad-digest-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    std::filesystem::path write(const std::string& name, std::string_view content) const {
        const auto file = path / name;
        std::ofstream(file, std::ios::binary)
            .write(content.data(), static_cast<std::streamsize>(content.size()));
        return file;
    }
};

constexpr std::string_view sample = "git-annex digest test\n";

// git annex calckey --backend=X sample.tar.gz, for every backend of git-annex 10.20230126 that
// hashes content (with and without E), where sample.tar.gz holds `sample`.
const std::vector<std::string> calckey_answers = {
    "SHA256E-s22--2f64a9e6a38f2e99e0b4d51be7e9c01638e955ad269b8cc2aa4fb023e807541b.tar.gz",
    "SHA256-s22--2f64a9e6a38f2e99e0b4d51be7e9c01638e955ad269b8cc2aa4fb023e807541b",
    "SHA512E-s22--96aed322b2a625cee6c9fbc8886864e84c8140bce857af013b62fc42114be3400639bf3d2a377677e"
    "0aa862ae392217e9bd8d9d7b1bb0ca9b85f5c84634460ee.tar.gz",
    "SHA512-s22--96aed322b2a625cee6c9fbc8886864e84c8140bce857af013b62fc42114be3400639bf3d2a377677e0"
    "aa862ae392217e9bd8d9d7b1bb0ca9b85f5c84634460ee",
    "SHA224E-s22--a6dccc0bbc25b4bb851a5fc13a0430441cd3fec0b03d77785788b7f2.tar.gz",
    "SHA224-s22--a6dccc0bbc25b4bb851a5fc13a0430441cd3fec0b03d77785788b7f2",
    "SHA384E-s22--"
    "8c9c7068a2b4cb14b27fb3e6f9bfd696b28242ae1529919ab05e8f0b5c900292ef5a7accbecd86e8d2"
    "5b486bf7f12c36.tar.gz",
    "SHA384-s22--"
    "8c9c7068a2b4cb14b27fb3e6f9bfd696b28242ae1529919ab05e8f0b5c900292ef5a7accbecd86e8d25"
    "b486bf7f12c36",
    "SHA3_256E-s22--ee4e4f903502a9e486363a9b38a6c169bbd4638f02a21ea270ceb124e57045f0.tar.gz",
    "SHA3_256-s22--ee4e4f903502a9e486363a9b38a6c169bbd4638f02a21ea270ceb124e57045f0",
    "SHA3_512E-s22--5fe9978124e4fd9a90200ebc215c93f0ed3c84f8dc9d5d6d90014b7f139b65c95eb797e0782807f"
    "fc02bedc14ee7211a7bdb3dc65ed0b4a2ac5019b50ebbd636.tar.gz",
    "SHA3_512-s22--5fe9978124e4fd9a90200ebc215c93f0ed3c84f8dc9d5d6d90014b7f139b65c95eb797e0782807ff"
    "c02bedc14ee7211a7bdb3dc65ed0b4a2ac5019b50ebbd636",
    "SHA3_224E-s22--9b484663d4134e933a3719d67870727ee726231d5f0841c8c7652f3e.tar.gz",
    "SHA3_224-s22--9b484663d4134e933a3719d67870727ee726231d5f0841c8c7652f3e",
    "SHA3_384E-s22--a08ebb3ec191c5436cbe5ca37d592698babdf2f03c29d09cb1ca2262ff80cf2dc098b4267c64374"
    "c001d64d72f4907a0.tar.gz",
    "SHA3_384-s22--a08ebb3ec191c5436cbe5ca37d592698babdf2f03c29d09cb1ca2262ff80cf2dc098b4267c64374c"
    "001d64d72f4907a0",
    "SKEIN256E-s22--7dd9c3443e81eace310dd7c4ca0693bf819c503f39a7c462924bd57355852718.tar.gz",
    "SKEIN256-s22--7dd9c3443e81eace310dd7c4ca0693bf819c503f39a7c462924bd57355852718",
    "SKEIN512E-s22--cfbce282ab07d5d91e8207d3e9f1396d24bd71561672c86d98fa3797acb3ded85cc18bff131433c"
    "49f19daaf2706d29c72478a09e78a3c47eb80dc68f01455b0.tar.gz",
    "SKEIN512-s22--cfbce282ab07d5d91e8207d3e9f1396d24bd71561672c86d98fa3797acb3ded85cc18bff131433c4"
    "9f19daaf2706d29c72478a09e78a3c47eb80dc68f01455b0",
    "BLAKE2B256E-s22--2ce9bccf4e20079d93707ee123187cecca57eba8b1a6c8cdb490451278b21978.tar.gz",
    "BLAKE2B256-s22--2ce9bccf4e20079d93707ee123187cecca57eba8b1a6c8cdb490451278b21978",
    "BLAKE2B512E-s22--a1702898cc0a2862de5e375308fb284e063b79cc59d4ee7b27ee58ffe2773af5cff0169b07055"
    "e292cf386e2c45de7fd124126cfce2e47c13c830630a748e6a9.tar.gz",
    "BLAKE2B512-s22--a1702898cc0a2862de5e375308fb284e063b79cc59d4ee7b27ee58ffe2773af5cff0169b07055e"
    "292cf386e2c45de7fd124126cfce2e47c13c830630a748e6a9",
    "BLAKE2B160E-s22--fda0254f6fc3c2647f4df26143ccb9354712d0db.tar.gz",
    "BLAKE2B160-s22--fda0254f6fc3c2647f4df26143ccb9354712d0db",
    "BLAKE2B224E-s22--586c90461175f9453b05794216f89f9e54ccb7ec78a3578ec25ea571.tar.gz",
    "BLAKE2B224-s22--586c90461175f9453b05794216f89f9e54ccb7ec78a3578ec25ea571",
    "BLAKE2B384E-s22--b7f4d0762ee3436dd2de910b94a15dd354a63f0808e8043af5357cbadf005418f008be7565c4c"
    "6240b53ec683483f794.tar.gz",
    "BLAKE2B384-s22--b7f4d0762ee3436dd2de910b94a15dd354a63f0808e8043af5357cbadf005418f008be7565c4c6"
    "240b53ec683483f794",
    "BLAKE2BP512E-s22--f9e2df3939f33e2b7eb0294c0c86841c8ad4ae1a0d26731a424c4495a86105f3f36ae9d4bff2"
    "6d86692a56717f7c466739b02380ff2a171a41a359844f6feb85.tar.gz",
    "BLAKE2BP512-s22--f9e2df3939f33e2b7eb0294c0c86841c8ad4ae1a0d26731a424c4495a86105f3f36ae9d4bff26"
    "d86692a56717f7c466739b02380ff2a171a41a359844f6feb85",
    "BLAKE2S256E-s22--0c2028656cf36cdccfab896e931fdce3897c9da13f72c6520fd706c539b6e4e3.tar.gz",
    "BLAKE2S256-s22--0c2028656cf36cdccfab896e931fdce3897c9da13f72c6520fd706c539b6e4e3",
    "BLAKE2S160E-s22--f16dd4f6abc6de82a6a6dce7bea7e10bf13809f4.tar.gz",
    "BLAKE2S160-s22--f16dd4f6abc6de82a6a6dce7bea7e10bf13809f4",
    "BLAKE2S224E-s22--9f08f3cf80acb613c312859de8f2b05fa0d3b059f0d1733d9b1c3cf8.tar.gz",
    "BLAKE2S224-s22--9f08f3cf80acb613c312859de8f2b05fa0d3b059f0d1733d9b1c3cf8",
    "BLAKE2SP256E-s22--67d081badf8e1894e69937ecdff0a87f1cacd908557f1f3bb08878e2c92a5825.tar.gz",
    "BLAKE2SP256-s22--67d081badf8e1894e69937ecdff0a87f1cacd908557f1f3bb08878e2c92a5825",
    "BLAKE2SP224E-s22--1f2b8283fc02ec57c13694f14aa6bfc9373d4d0422902ecaab5e4961.tar.gz",
    "BLAKE2SP224-s22--1f2b8283fc02ec57c13694f14aa6bfc9373d4d0422902ecaab5e4961",
    "SHA1E-s22--d9f09746a57a617199240b9f1b1d87dd3ba44fbe.tar.gz",
    "SHA1-s22--d9f09746a57a617199240b9f1b1d87dd3ba44fbe",
    "MD5E-s22--da8599e389eff96a11a589114bff962c.tar.gz",
    "MD5-s22--da8599e389eff96a11a589114bff962c",
};

// Backends OpenSSL 3.0 always provides; each must verify.
const std::set<std::string_view> always_verifiable = {
    "SHA256",   "SHA512",   "SHA224", "SHA384", "SHA3_256",   "SHA3_512",
    "SHA3_224", "SHA3_384", "SHA1",   "MD5",    "BLAKE2B512", "BLAKE2S256"};
// BLAKE2 with output sizes OpenSSL 3.0 cannot produce (3.2+ can): verified, or not verifiable.
const std::set<std::string_view> sized_blake2 = {"BLAKE2B160", "BLAKE2B224", "BLAKE2B256",
                                                 "BLAKE2B384", "BLAKE2S160", "BLAKE2S224"};
// No implementation here at all.
const std::set<std::string_view> never_verifiable = {"SKEIN256", "SKEIN512", "BLAKE2BP512",
                                                     "BLAKE2SP224", "BLAKE2SP256"};

std::string_view base_backend(const Key& key) {
    std::string_view backend = key.backend();
    if (key.has_extension_backend()) backend.remove_suffix(1);
    return backend;
}

TEST(DigestVerify, EveryBackendAgainstGitAnnexDigests) {
    const TempDir dir;
    const auto file = dir.write("sample.tar.gz", sample);
    std::set<std::string, std::less<>> seen;
    for (const std::string& text : calckey_answers) {
        const Key key = parse_ok(text);
        const std::string_view base = base_backend(key);
        seen.emplace(base);
        const auto result = verify_file(key, file);
        ASSERT_TRUE(result.has_value()) << text << ": " << result.error().message;
        if (always_verifiable.contains(base)) {
            EXPECT_EQ(*result, Verification::verified) << text;
        } else if (sized_blake2.contains(base)) {
            const bool available = Digest::for_key(key).has_value();
            EXPECT_EQ(*result, available ? Verification::verified : Verification::not_verifiable)
                << text;
        } else {
            EXPECT_TRUE(never_verifiable.contains(base)) << text;
            EXPECT_EQ(*result, Verification::not_verifiable) << text;
            EXPECT_FALSE(Digest::for_key(key).has_value()) << text;
        }
    }
    EXPECT_EQ(seen.size(),
              always_verifiable.size() + sized_blake2.size() + never_verifiable.size());
}

TEST(DigestVerify, DetectsEveryVerifiableBackendsMismatch) {
    const TempDir dir;
    std::string altered(sample);
    altered[0] = 'G';  // same size, other content
    const auto file = dir.write("altered", altered);
    for (const std::string& text : calckey_answers) {
        const Key key = parse_ok(text);
        auto digest = Digest::for_key(key);
        const auto result = verify_file(key, file);
        if (!digest) {
            ASSERT_TRUE(result.has_value()) << text;
            EXPECT_EQ(*result, Verification::not_verifiable);
            continue;
        }
        digest->update(altered);
        const std::string actual = digest->hex();
        ASSERT_FALSE(result.has_value()) << text;
        const std::string& message = result.error().message;
        EXPECT_NE(message.find("checksum mismatch for key " + text), std::string::npos) << message;
        EXPECT_NE(message.find("expected " + std::string(expected_hex(key))), std::string::npos)
            << message;
        EXPECT_NE(message.find("has " + actual), std::string::npos) << message;
    }
}

TEST(DigestVerify, DetectsWrongSize) {
    const TempDir dir;
    const auto longer = dir.write("longer", std::string(sample) + "x");
    const Key key = parse_ok(
        "SHA256E-s22--2f64a9e6a38f2e99e0b4d51be7e9c01638e955ad269b8cc2aa4fb023e807541b.tar.gz");
    const auto result = verify_file(key, longer);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message, "size mismatch for key " + key.to_string() +
                                          ": expected 22 bytes, " + longer.string() + " has 23");

    // The size field alone is wrong: same content, digest right.
    const Key wrong_size =
        parse_ok("SHA256-s21--2f64a9e6a38f2e99e0b4d51be7e9c01638e955ad269b8cc2aa4fb023e807541b");
    const auto file = dir.write("sample", sample);
    const auto sized = verify_file(wrong_size, file);
    ASSERT_FALSE(sized);
    EXPECT_NE(sized.error().message.find("expected 21 bytes"), std::string::npos);

    // Without -s only the digest counts.
    const Key no_size =
        parse_ok("SHA256--2f64a9e6a38f2e99e0b4d51be7e9c01638e955ad269b8cc2aa4fb023e807541b");
    EXPECT_EQ(verify_file(no_size, file), Verification::verified);
}

TEST(DigestVerify, UnverifiableBackendsAreStillSizeChecked) {
    const TempDir dir;
    const auto file = dir.write("sample", sample);
    for (const char* text :
         {"WORM-s22-m1700000000--sample", "URL-s22--http&c%%example.com%x", "XFOO-s22--abc",
          "GPGHMACSHA1--039d88bfd31fe2e02f4807c84b55bdd4ae35b8cb", "SKEIN256-s22--0000",
          "BLAKE2BP512E--00.tar.gz", "WORM--no-size", "OTHER--x", "sha256-s22--2f64a9e6"}) {
        const Key key = parse_ok(text);
        EXPECT_FALSE(Digest::for_key(key).has_value()) << text;
        EXPECT_EQ(verify_file(key, file), Verification::not_verifiable) << text;
    }
    const auto wrong = verify_file(parse_ok("WORM-s5-m1--sample"), file);
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message.find("size mismatch for key WORM-s5-m1--sample: expected 5"),
              std::string::npos)
        << wrong.error().message;
}

TEST(DigestVerify, ChunkKeysCheckTheChunkLength) {
    // A 35-byte file in chunks of 10, as git-annex stored it in a directory special remote:
    // C1..C3 hold 10 bytes, C4 the last 5.
    const TempDir dir;
    const auto ten = dir.write("ten", std::string(10, 'a'));
    const auto five = dir.write("five", std::string(5, 'a'));
    const std::string hex = "629362afc62c74497caed2272e30f8125ecd0965f8d8d7cfc4e260f7f8dd319d.txt";
    for (int n = 1; n <= 3; ++n) {
        const Key key = parse_ok("SHA256E-s35-S10-C" + std::to_string(n) + "--" + hex);
        EXPECT_FALSE(Digest::for_key(key).has_value());
        EXPECT_EQ(verify_file(key, ten), Verification::not_verifiable) << n;
        EXPECT_FALSE(verify_file(key, five).has_value()) << n;
    }
    const Key last = parse_ok("SHA256E-s35-S10-C4--" + hex);
    EXPECT_EQ(verify_file(last, five), Verification::not_verifiable);
    const auto wrong = verify_file(last, ten);
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message.find("expected 5 bytes"), std::string::npos);

    // Without the whole size, a chunk can only be checked against the chunk size.
    EXPECT_EQ(verify_file(parse_ok("WORM-S10-C2--x"), five), Verification::not_verifiable);
    EXPECT_FALSE(verify_file(parse_ok("WORM-S4-C2--x"), five).has_value());

    // The whole file matches the whole key.
    const auto whole = dir.write("whole", std::string(35, 'a'));
    EXPECT_EQ(verify_file(last.without_chunk(), whole), Verification::verified);
}

TEST(DigestVerify, ReportsUnreadableFiles) {
    const TempDir dir;
    const Key key =
        parse_ok("SHA256-s0--e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const auto missing = verify_file(key, dir.path / "missing");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("missing"), std::string::npos);
    EXPECT_NE(missing.error().message.find(key.to_string()), std::string::npos);
    const auto directory = verify_file(key, dir.path);
    ASSERT_FALSE(directory);
    EXPECT_NE(directory.error().message.find("not a regular file"), std::string::npos);

    EXPECT_EQ(verify_file(key, dir.write("empty", "")), Verification::verified);
}

TEST(Digest, StreamingEqualsOneShot) {
    std::mt19937 random(7);
    std::string content(300'000, '\0');
    for (char& c : content) c = static_cast<char>(random());
    for (const char* backend :
         {"SHA256", "SHA512E", "SHA1", "MD5", "SHA3_256", "BLAKE2B512", "BLAKE2S256E"}) {
        auto whole = Digest::for_backend(backend);
        ASSERT_TRUE(whole) << backend;
        whole->update(content);
        EXPECT_EQ(whole->bytes(), content.size());
        auto pieces = Digest::for_backend(backend);
        std::size_t at = 0;
        for (std::size_t step = 1; at < content.size(); step = step * 3 + 1) {
            const std::size_t n = std::min(step, content.size() - at);
            pieces->update(std::string_view(content).substr(at, n));
            at += n;
        }
        EXPECT_EQ(pieces->hex(), whole->hex()) << backend;
        EXPECT_EQ(pieces->hex(), whole->hex()) << "hex() is repeatable";
    }
}

TEST(Digest, KnownVectorsAndMatches) {
    auto empty = Digest::for_backend("SHA256");
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(Digest::for_backend("MD5")->hex(), "d41d8cd98f00b204e9800998ecf8427e");

    const Key key = parse_ok(
        "SHA256E-s22--2f64a9e6a38f2e99e0b4d51be7e9c01638e955ad269b8cc2aa4fb023e807541b.tar.gz");
    EXPECT_EQ(expected_hex(key),
              "2f64a9e6a38f2e99e0b4d51be7e9c01638e955ad269b8cc2aa4fb023e807541b");
    auto digest = Digest::for_key(key);
    ASSERT_TRUE(digest);
    digest->update(sample);
    EXPECT_TRUE(digest->matches(key));

    // Size is part of matching; uppercase hex is not git-annex's and does not match.
    auto short_read = Digest::for_key(key);
    short_read->update(sample.substr(0, 21));
    EXPECT_FALSE(short_read->matches(key));
    auto upper = Digest::for_backend("SHA256");
    upper->update(sample);
    EXPECT_FALSE(upper->matches(
        parse_ok("SHA256--2F64A9E6A38F2E99E0B4D51BE7E9C01638E955AD269B8CC2AA4FB023E807541B")));
    // A chunk's content is never the key's digest.
    auto chunk = Digest::for_backend("SHA256E");
    chunk->update(sample);
    EXPECT_FALSE(chunk->matches(
        parse_ok("SHA256E-s22-S22-C1--"
                 "2f64a9e6a38f2e99e0b4d51be7e9c01638e955ad269b8cc2aa4fb023e807541b.tar.gz")));
}

TEST(Digest, BackendNames) {
    for (const char* name : {"SHA256", "SHA256E", "SHA1E", "MD5E", "SHA3_512E", "BLAKE2B512E"}) {
        EXPECT_TRUE(Digest::for_backend(name).has_value()) << name;
    }
    for (const char* name : {"", "E", "WORM", "URL", "SHA256EE", "sha256", "XSHA256", "SHA2-256",
                             "GPGHMACSHA256", "SKEIN512E", "BLAKE2BP512", "BLAKE2SP256E"}) {
        EXPECT_FALSE(Digest::for_backend(name).has_value()) << name;
    }
}

// --- Against a live git-annex, when there is one. ---

using test::on_path;

// A few MiB of random content (several read buffers), keyed by git-annex with every backend.
TEST(DigestGitAnnex, CalckeyKeysOfALargeFileVerify) {
    if (!on_path("git-annex")) GTEST_SKIP() << "git-annex is not on PATH";
    const TempDir dir;
    std::mt19937_64 random(42);
    std::string content(3 * (1 << 20) + 12345, '\0');
    for (char& c : content) c = static_cast<char>(random());
    const auto file = dir.write("content.tar.gz", content);
    const std::string env =
        "GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t ";
    const std::string repo = (dir.path / "repo").string();
    ASSERT_EQ(std::system(("git init -q '" + repo + "' >/dev/null 2>&1 && cd '" + repo + "' && " +
                           env + "git annex init -q >/dev/null 2>&1")
                              .c_str()),
              0);
    std::size_t verified = 0;
    for (const std::string& answer : calckey_answers) {
        const Key reference = parse_ok(answer);
        const std::string backend(reference.backend());
        const auto out = dir.path / ("key-" + backend);
        const std::string command = "cd '" + repo + "' && git annex calckey --backend=" + backend +
                                    " '" + file.string() + "' > '" + out.string() + "' 2>/dev/null";
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
        std::string text;
        std::getline(std::ifstream(out), text);
        const Key key = parse_ok(text);
        EXPECT_EQ(key.size(), content.size());
        const auto result = verify_file(key, file);
        ASSERT_TRUE(result.has_value()) << text << ": " << result.error().message;
        const bool expect = Digest::for_key(key).has_value();
        EXPECT_EQ(*result, expect ? Verification::verified : Verification::not_verifiable) << text;
        verified += expect;
    }
    EXPECT_GE(verified, 2 * always_verifiable.size());
}

}  // namespace
}  // namespace gad::core
