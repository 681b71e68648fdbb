// Tests of core/key.h: parsing and exact re-serialization of git-annex keys, refusal of malformed
// and unsafe keys, and hash directories checked against answers from git-annex itself.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/key.h"
#include "test_tools.h"

namespace gad::core {
namespace {

using std::string_literals::operator""s;

Key parse_ok(std::string_view text) {
    auto key = Key::parse(text);
    EXPECT_TRUE(key.has_value()) << text << ": " << (key ? "" : key.error().message);
    if (!key) std::abort();
    return *key;
}

// Keys of every shape: from key_format.html, chunked and encrypted keys git-annex wrote to
// special remotes, URL keys with odd characters, E backends with several dots in the name.
const std::vector<std::string> valid_keys = {
    "SHA256E-s31390--f50d7ac4c6b9031379986bc362fcefb65f1e52621ce1708d537e740fefc59cc0.mp3",
    "SHA256E-s0--e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "SHA256E-s1048576--0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9.tar.gz",
    "SHA256E-s35-S10-C4--629362afc62c74497caed2272e30f8125ecd0965f8d8d7cfc4e260f7f8dd319d.txt",
    "SHA256-s22--2f64a9e6a38f2e99e0b4d51be7e9c01638e955ad269b8cc2aa4fb023e807541b",
    "SHA256-s18446744073709551615--abc",
    "WORM-s18446744073709551615-m9223372036854775807-S18446744073709551615-C18446744073709551615--"
    "x",
    "WORM-s5-m1700000000--foo-bar--baz",
    "WORM-s1234-m1262304000--photo.2010.jpeg",
    "WORM-s0-m0-S0-C0--x",
    "WORM-m7--x",
    "WORM-S10--x",
    "WORM-C3--x",
    "WORM--sfoo",
    "WORM---x",
    "WORM-s5---x--",
    "WORM-s0--name with spaces",
    "WORM--\xc3\xbc"
    "ber-na\xc3\xafve.txt",
    "WORM--x\xff\xfey",
    "WORM--..x",
    "WORM--x..",
    "WORM--...",
    "WORM--.hidden",
    "GPGHMACSHA1--039d88bfd31fe2e02f4807c84b55bdd4ae35b8cb",
    "GPGHMACSHA256--8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4",
    "URL--http&c%%example.com%a..b",
    "URL-s1024--https&c%%example.org%path%to%file&aq=1&a=2&a#frag",
    "URL--ftp&c%%user@host%~dir%file%20name",
    "URL--http&c%%x.org%*?<>|\"':;!$(){}[]^`~,=+",
    "XFOO--x",
    "XFOOE-s3--abc.tar.bz2",
    "sha256--lowercase-backend",
    "SHA256E-s10--deadbeef.ext.with.many.dots",
    "SHA512E-s22--96aed322b2a625cee6c9fbc8886864e84c8140bce857af013b62fc42114be3400639bf3d2a377677e"
    "0aa862ae392217e9bd8d9d7b1bb0ca9b85f5c84634460ee.tar.gz",
    "BLAKE2SP224-s22--1f2b8283fc02ec57c13694f14aa6bfc9373d4d0422902ecaab5e4961",
    "GIT--0123456789abcdef0123456789abcdef01234567",
    "E--e",
    "SHA256E--abc." + std::string(63, 'e'),
};

TEST(KeyParse, RoundTripsEveryValidKey) {
    for (const std::string& text : valid_keys) {
        const Key key = parse_ok(text);
        EXPECT_EQ(key.to_string(), text);
        EXPECT_EQ(parse_ok(key.to_string()), key);
    }
}

TEST(KeyParse, ReadsEveryField) {
    const Key doc = parse_ok(
        "SHA256E-s31390--f50d7ac4c6b9031379986bc362fcefb65f1e52621ce1708d537e740fefc59cc0.mp3");
    EXPECT_EQ(doc.backend(), "SHA256E");
    EXPECT_EQ(doc.size(), 31390u);
    EXPECT_EQ(doc.mtime(), std::nullopt);
    EXPECT_EQ(doc.chunk_size(), std::nullopt);
    EXPECT_EQ(doc.chunk_number(), std::nullopt);
    EXPECT_FALSE(doc.is_chunk());
    EXPECT_TRUE(doc.has_extension_backend());
    EXPECT_EQ(doc.name(), "f50d7ac4c6b9031379986bc362fcefb65f1e52621ce1708d537e740fefc59cc0.mp3");

    const Key all = parse_ok("WORM-s5-m1700000000-S2-C3--foo-bar--baz");
    EXPECT_EQ(all.backend(), "WORM");
    EXPECT_EQ(all.size(), 5u);
    EXPECT_EQ(all.mtime(), 1700000000u);
    EXPECT_EQ(all.chunk_size(), 2u);
    EXPECT_EQ(all.chunk_number(), 3u);
    EXPECT_TRUE(all.is_chunk());
    EXPECT_FALSE(all.has_extension_backend());
    EXPECT_EQ(all.name(), "foo-bar--baz");

    const Key encrypted = parse_ok("GPGHMACSHA1--039d88bfd31fe2e02f4807c84b55bdd4ae35b8cb");
    EXPECT_EQ(encrypted.backend(), "GPGHMACSHA1");
    EXPECT_EQ(encrypted.size(), std::nullopt);
    EXPECT_EQ(encrypted.name(), "039d88bfd31fe2e02f4807c84b55bdd4ae35b8cb");

    // The name is whatever follows the first "--" after the fields, even if it looks like one.
    EXPECT_EQ(parse_ok("WORM--sfoo").name(), "sfoo");
    EXPECT_EQ(parse_ok("WORM--sfoo").size(), std::nullopt);
    EXPECT_EQ(parse_ok("WORM---x").name(), "-x");
    EXPECT_EQ(parse_ok("WORM-s5---x--").name(), "-x--");
    EXPECT_EQ(parse_ok("SHA256-s18446744073709551615--abc").size(), UINT64_MAX);
    EXPECT_EQ(parse_ok("WORM-C3--x").chunk_number(), 3u);
    EXPECT_TRUE(parse_ok("WORM-C3--x").is_chunk());
    EXPECT_TRUE(parse_ok("XFOOE-s3--abc.tar.bz2").has_extension_backend());
    EXPECT_FALSE(parse_ok("sha256e--abc").has_extension_backend());
}

TEST(KeyParse, WithoutChunkGivesTheWholeKey) {
    const Key chunk = parse_ok(
        "SHA256E-s35-S10-C4--629362afc62c74497caed2272e30f8125ecd0965f8d8d7cfc4e260f7f8dd319d.txt");
    const Key whole = chunk.without_chunk();
    EXPECT_EQ(whole.to_string(),
              "SHA256E-s35--629362afc62c74497caed2272e30f8125ecd0965f8d8d7cfc4e260f7f8dd319d.txt");
    EXPECT_FALSE(whole.is_chunk());
    EXPECT_EQ(whole.size(), 35u);
    EXPECT_EQ(whole.name(), chunk.name());
    EXPECT_EQ(whole.backend(), "SHA256E");
    EXPECT_EQ(whole, parse_ok(whole.to_string()));

    EXPECT_EQ(parse_ok("WORM-s5-m9-C2--a-b").without_chunk().to_string(), "WORM-s5-m9--a-b");
    EXPECT_EQ(parse_ok("WORM-S1--x").without_chunk().to_string(), "WORM--x");
    EXPECT_EQ(parse_ok("WORM-s1--x").without_chunk().to_string(), "WORM-s1--x");
}

struct Rejected {
    std::string key;
    std::string reason;  // a part of the message
};

TEST(KeyReject, RefusesMalformedAndUnsafeKeys) {
    const std::vector<Rejected> cases = {
        {"", "empty"},
        {"SHA256", "no '--'"},
        {"SHA256-s5", "no '--'"},
        {"SHA256-s5-", "no '--'"},
        {"--abc", "empty backend"},
        {"-s5--abc", "empty backend"},
        {"SHA256--", "empty name"},
        {"SHA256-s5--", "empty name"},
        {"SHA256-s--x", "'-s' is not"},
        {"SHA256-sx--x", "'-sx' is not"},
        {"SHA256-s1x--x", "'-s1x' is not"},
        {"SHA256-s-1--x", "'-s' is not"},
        {"SHA256-s+1--x", "'-s+1' is not"},
        {"SHA256-s010--x", "'-s010' is not a canonical"},
        {"SHA256-s18446744073709551616--x", "below 2^64"},
        {"WORM-m9223372036854775808--x",
         "'-m9223372036854775808' is not a canonical decimal number below 2^63"},
        {"WORM-S18446744073709551616-C1--x", "'-S18446744073709551616'"},
        {"WORM-S1-C18446744073709551616--x", "'-C18446744073709551616'"},
        {"WORM-m1.5--x", "'-m1.5'"},
        {"WORM-C0x10--x", "'-C0x10'"},
        {"WORM-m5-s10--x", "out of order"},
        {"WORM-C1-S2--x", "out of order"},
        {"WORM-s1-s2--x", "repeated"},
        {"WORM-q5--x", "unknown field '-q'"},
        {"foo-bar--x", "unknown field '-b'"},
        {"WORM--a/b", "'/'"},
        {"WORM--../../etc/passwd", "'/'"},
        {"/WORM--x", "'/'"},
        {"WORM--a\\b", "'\\'"},
        {"WORM--a\nb", "control character \\x0a"},
        {"WORM--a\rb", "control character \\x0d"},
        {"WORM--a\tb", "control character \\x09"},
        {"WORM--a\x7f", "control character \\x7f"},
        {"WORM--a\0b"s, "control character \\x00"},
        {"WORM\n--x", "control character"},
        {".", "no '--'"},
        {"..", "no '--'"},
        {"WORM--.", "the name is '.'"},
        {"WORM--..", "the name is '..'"},
        {"WORM-s5--..", "the name is '..'"},
        {"WORM--" + std::string(250, 'x'), "256 bytes long, over the 255-byte"},
        {"SHA256E--abc." + std::string(64, 'e'), "extension of 65 bytes"},
        {"SHA256E--abc.x." + std::string(62, 'e'), "extension of 65 bytes"},
        {"XFOOE--abc." + std::string(64, 'e'), "extension"},
    };
    for (const Rejected& c : cases) {
        const auto key = Key::parse(c.key);
        ASSERT_FALSE(key.has_value()) << "accepted: " << c.key;
        const std::string& message = key.error().message;
        EXPECT_EQ(key.error().kind, Failure::Kind::error);
        EXPECT_NE(message.find(c.reason), std::string::npos)
            << "key " << c.key << " gave: " << message;
        EXPECT_TRUE(message.starts_with("invalid key '")) << message;
        // One printable line, whatever the key held.
        for (unsigned char ch : message) {
            EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << "byte " << int(ch) << " in " << message;
        }
    }
}

TEST(KeyReject, NamesTheKeyAndShortensLongOnes) {
    const auto bad = Key::parse("WORM-sx--name");
    ASSERT_FALSE(bad);
    EXPECT_EQ(
        bad.error().message,
        "invalid key 'WORM-sx--name': field '-sx' is not a canonical decimal number below 2^64");
    const auto huge = Key::parse("WORM--" + std::string(5000, 'y'));
    ASSERT_FALSE(huge);
    EXPECT_LT(huge.error().message.size(), 200u);
    EXPECT_NE(huge.error().message.find("5006 bytes"), std::string::npos);
}

TEST(KeyParse, AcceptsKeysUpToTheLengthLimit) {
    const std::string longest = "WORM--" + std::string(Key::max_length - 6, 'x');
    EXPECT_EQ(parse_ok(longest).to_string(), longest);
}

struct Dirs {
    const char* key;
    const char* lower;
    const char* mixed;
};

// Answers of git-annex 10.20230126:
// git annex examinekey --format='${key} ${hashdirlower} ${hashdirmixed}\n' KEY...
const Dirs git_annex_dirs[] = {
    {"SHA256E-s0--e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "f87/4d5/",
     "pX/ZJ/"},
    {"SHA256E-s31390--f50d7ac4c6b9031379986bc362fcefb65f1e52621ce1708d537e740fefc59cc0.mp3",
     "fe0/9b4/", "7P/x0/"},
    {"SHA256E-s1048576--0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9.tar.gz",
     "c41/09e/", "34/71/"},
    {"SHA256-s22--2f64a9e6a38f2e99e0b4d51be7e9c01638e955ad269b8cc2aa4fb023e807541b", "3c2/5ed/",
     "fW/Vg/"},
    {"SHA256E-s35--629362afc62c74497caed2272e30f8125ecd0965f8d8d7cfc4e260f7f8dd319d.txt",
     "8db/7cc/", "Px/pq/"},
    // Chunks live in the directory of the key they are chunks of.
    {"SHA256E-s35-S10-C1--629362afc62c74497caed2272e30f8125ecd0965f8d8d7cfc4e260f7f8dd319d.txt",
     "8db/7cc/", "Px/pq/"},
    {"SHA256E-s35-S10-C4--629362afc62c74497caed2272e30f8125ecd0965f8d8d7cfc4e260f7f8dd319d.txt",
     "8db/7cc/", "Px/pq/"},
    {"SHA512E-s22--"
     "96aed322b2a625cee6c9fbc8886864e84c8140bce857af013b62fc42114be3400639bf3d2a377677e"
     "0aa862ae392217e9bd8d9d7b1bb0ca9b85f5c84634460ee.tar.gz",
     "595/eb2/", "KK/j5/"},
    {"SHA1-s22--d9f09746a57a617199240b9f1b1d87dd3ba44fbe", "87f/14d/", "67/pF/"},
    {"MD5E-s22--da8599e389eff96a11a589114bff962c.tar.gz", "d28/9a2/", "7g/88/"},
    {"SHA3_256-s22--ee4e4f903502a9e486363a9b38a6c169bbd4638f02a21ea270ceb124e57045f0", "8de/419/",
     "gx/6P/"},
    {"BLAKE2B160E-s22--fda0254f6fc3c2647f4df26143ccb9354712d0db.tar.gz", "a07/ae4/", "z0/K7/"},
    {"BLAKE2SP224-s22--1f2b8283fc02ec57c13694f14aa6bfc9373d4d0422902ecaab5e4961", "cc7/fe3/",
     "Fj/XJ/"},
    {"SKEIN512-s22--cfbce282ab07d5d91e8207d3e9f1396d24bd71561672c86d98fa3797acb3ded85cc18bff131433c"
     "49f19daaf2706d29c72478a09e78a3c47eb80dc68f01455b0",
     "381/9f8/", "4X/P1/"},
    {"WORM-s5-m1700000000--foo-bar--baz", "19e/a3b/", "8K/kP/"},
    {"WORM-s1234-m1262304000--photo.2010.jpeg", "7e6/6dd/", "KP/JQ/"},
    {"WORM-m0--x", "310/a5a/", "8w/Q0/"},
    {"WORM--sfoo", "795/18f/", "5K/3Z/"},
    {"WORM---x", "b0e/c26/", "gv/9k/"},
    {"GPGHMACSHA1--039d88bfd31fe2e02f4807c84b55bdd4ae35b8cb", "702/fce/", "Gv/p2/"},
    {"GPGHMACSHA256--8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4", "148/6dd/",
     "Xf/JX/"},
    {"URL--http&c%%example.com%a..b", "e7f/fa3/", "F7/8F/"},
    {"URL-s1024--https&c%%example.org%path%to%file&aq=1&a=2&a#frag", "51b/192/", "5w/4q/"},
    {"URL--ftp&c%%user@host%~dir%file%20name", "a3e/696/", "M3/5k/"},
    {"XFOO--x", "270/1a7/", "47/9v/"},
    {"XFOOE-s3--abc.tar.bz2", "dd9/3e4/", "mG/K9/"},
    {"sha256--lowercase-backend", "84e/ab7/", "z4/xP/"},
    {"SHA256E-s10--deadbeef.ext.with.many.dots", "289/e04/", "X8/19/"},
    {"SHA256E-s10--abc.a.b", "8f0/0df/", "2m/Jv/"},
    {"WORM--\xc3\xbc"
     "ber-na\xc3\xafve.txt",
     "cea/b78/", "mk/Pz/"},
    {"WORM--\xc3\xbc"
     "ber",
     "3ef/81f/", "0P/7F/"},
    {"WORM--x\xff\xfey", "23d/ea1/", "X3/8G/"},
    {"SHA256-s100-S50-C2--abc", "0c1/c19/", "vj/6w/"},
    {"SHA256-s100-S50--abc", "0c1/c19/", "vj/6w/"},
    {"SHA256-s100--abc", "0c1/c19/", "vj/6w/"},
    {"WORM-S0-C0--x", "6ea/e02/", "Kk/0z/"},
    {"WORM--..x", "6e0/c27/", "wk/9v/"},
    {"WORM--.hidden", "50c/26b/", "9v/MW/"},
    {"GIT--0123456789abcdef0123456789abcdef01234567", "ad6/302/", "kx/06/"},
    {"E--e", "a01/690/", "M0/41/"},
};

TEST(HashDir, MatchesGitAnnexAnswers) {
    for (const Dirs& d : git_annex_dirs) {
        const Key key = parse_ok(d.key);
        EXPECT_EQ(key.hashdir_lower(), d.lower) << d.key;
        EXPECT_EQ(key.hashdir_mixed(), d.mixed) << d.key;
    }
}

TEST(HashDir, ChunkKeysShareTheirWholeKeysDirectories) {
    const Key whole = parse_ok("WORM-s100-m5--some-file");
    for (const char* text : {"WORM-s100-m5-S10-C1--some-file", "WORM-s100-m5-S10-C10--some-file",
                             "WORM-s100-m5-S7--some-file", "WORM-s100-m5-C2--some-file"}) {
        const Key chunk = parse_ok(text);
        EXPECT_EQ(chunk.hashdir_lower(), whole.hashdir_lower()) << text;
        EXPECT_EQ(chunk.hashdir_mixed(), whole.hashdir_mixed()) << text;
    }
}

// --- Against a live git-annex, when there is one. ---

using test::on_path;

// A temporary directory, removed with its contents on scope exit.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "gad-key-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

// Keys of random shapes that both git-annex and parse() accept (no spaces: examinekey --batch
// would split the line there).
std::vector<std::string> generated_keys(std::size_t count) {
    std::mt19937_64 random(20230126);
    const auto pick = [&random](std::size_t n) { return static_cast<std::size_t>(random() % n); };
    const std::vector<std::string> backends = {
        "SHA256E",     "SHA256",      "SHA512E",     "SHA1",      "MD5E", "SHA3_384",
        "BLAKE2B160",  "BLAKE2S256E", "BLAKE2BP512", "SKEIN256E", "WORM", "URL",
        "GPGHMACSHA1", "XFOO",        "XBARE",       "GIT",       "OTHER"};
    const std::string charset =
        "0123456789abcdefABCDEFxyz-.-.--_&%~@+=,:;!#$()[]{}^'\"<>|?*"
        "\xc3\xa9\xe2\x82\xac\xff";
    std::vector<std::string> keys;
    while (keys.size() < count) {
        std::string key = backends[pick(backends.size())];
        const auto number = [&]() -> std::string {
            switch (pick(4)) {
                case 0:
                    return "0";
                case 1:
                    return std::to_string(random() % 100);
                case 2:
                    return std::to_string(random() % 10'000'000'000ull);
                default:
                    return std::to_string(random());
            }
        };
        if (pick(2)) key += "-s" + number();
        if (pick(4) == 0) key += "-m" + std::to_string(random() >> 1);  // git-annex: signed
        if (pick(4) == 0) key += "-S" + number() + "-C" + std::to_string(1 + pick(99));
        key += "--";
        const std::size_t length = 1 + pick(80);
        for (std::size_t i = 0; i < length; ++i) key += charset[pick(charset.size())];
        if (Key::parse(key)) keys.push_back(key);
    }
    return keys;
}

TEST(KeyGitAnnex, HashDirsAndSerializationAgreeWithExaminekey) {
    if (!on_path("git-annex")) GTEST_SKIP() << "git-annex is not on PATH";
    const TempDir dir;
    const std::filesystem::path repo = dir.path / "repo";
    const std::string quiet = " >/dev/null 2>&1";
    const std::string env =
        "GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t ";
    ASSERT_EQ(std::system(("git init -q '" + repo.string() + "'" + quiet).c_str()), 0);
    ASSERT_EQ(
        std::system(("cd '" + repo.string() + "' && " + env + "git annex init -q" + quiet).c_str()),
        0);

    const std::vector<std::string> keys = generated_keys(400);
    {
        std::ofstream in(dir.path / "keys");
        for (const std::string& key : keys) in << key << '\n';
    }
    const std::string command = "cd '" + repo.string() + "' && " + env +
                                "git annex examinekey --batch "
                                "--format='${key} ${hashdirlower} ${hashdirmixed}\\n' < '" +
                                (dir.path / "keys").string() + "' > '" +
                                (dir.path / "out").string() + "' 2> '" +
                                (dir.path / "err").string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);

    std::ifstream out(dir.path / "out");
    std::size_t compared = 0;
    for (const std::string& text : keys) {
        std::string line;
        ASSERT_TRUE(std::getline(out, line)) << "git-annex stopped before " << text;
        const Key key = parse_ok(text);
        EXPECT_EQ(line, key.to_string() + " " + key.hashdir_lower() + " " + key.hashdir_mixed());
        ++compared;
    }
    EXPECT_EQ(compared, 400u);
}

TEST(Key, HashDirectoriesOfKeysParseRefuses) {
    // As `git annex examinekey --format='${hashdirlower} ${hashdirmixed}'` prints them.
    EXPECT_EQ(hashdir_lower("URL--https://example.org/a%20b&c=1.pdf"), "251/5ac/");
    EXPECT_EQ(hashdir_mixed("URL--https://example.org/a%20b&c=1.pdf"), "f5/q1/");
    const std::string chunk = "SHA256E-s5-S1-C1--abc.txt";
    EXPECT_EQ(hashdir_lower(chunk), Key::parse("SHA256E-s5--abc.txt")->hashdir_lower());
}

TEST(Key, CheckSyntaxAcceptsBranchKeysThatAreNoFileNames) {
    EXPECT_TRUE(Key::check_syntax("URL--https://example.org/a%20b&c=1.pdf"));
    EXPECT_TRUE(Key::check_syntax("URL--" + std::string(400, 'u')));
    EXPECT_TRUE(Key::check_syntax("SHA256E-s5--abc.txt"));
    auto bad = Key::check_syntax("URL-https://example.org/");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message,
              "invalid key 'URL-https://example.org/': unknown field '-h' (expected -s, -m, -S, "
              "-C or '--')");
    EXPECT_FALSE(Key::check_syntax("SHA256E-s5--a\nb"));
    EXPECT_FALSE(Key::check_syntax(""));
}

}  // namespace
}  // namespace gad::core
