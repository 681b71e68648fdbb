// KeySet: membership, intersection, union and difference of key digests (present_in is covered by
// the find_info integration tests against real servers).
#include <gtest/gtest.h>

#include <string>

#include "compat/query/key_set.h"

namespace gad::compat::query {
namespace {

KeySet of(std::initializer_list<std::string_view> keys) {
    KeySet set;
    for (std::string_view key : keys) set.add(key);
    set.seal();
    return set;
}

TEST(KeySet, ContainsExactlyWhatWasAddedOnce) {
    const KeySet set = of({"SHA256E-s1--aa", "SHA256E-s1--bb", "SHA256E-s1--aa"});
    EXPECT_EQ(set.size(), 2u);
    EXPECT_TRUE(set.contains("SHA256E-s1--aa"));
    EXPECT_TRUE(set.contains("SHA256E-s1--bb"));
    EXPECT_FALSE(set.contains("SHA256E-s1--cc"));
    EXPECT_FALSE(set.contains("SHA256E-s1--a"));
    EXPECT_FALSE(set.contains(""));
    EXPECT_FALSE(KeySet().contains("SHA256E-s1--aa"));
}

TEST(KeySet, IntersectAndUnite) {
    const KeySet a = of({"k1", "k2", "k3"}), b = of({"k2", "k3", "k4"});
    const KeySet both = a.intersect(b), either = a.unite(b);
    EXPECT_EQ(both.size(), 2u);
    EXPECT_TRUE(both.contains("k2") && both.contains("k3"));
    EXPECT_FALSE(both.contains("k1") || both.contains("k4"));
    EXPECT_EQ(either.size(), 4u);
    for (std::string_view k : {"k1", "k2", "k3", "k4"}) EXPECT_TRUE(either.contains(k)) << k;
}

TEST(KeySet, Subtract) {
    const KeySet a = of({"k1", "k2", "k3"}), b = of({"k2", "k3", "k4"});
    const KeySet only_a = a.subtract(b);
    EXPECT_EQ(only_a.size(), 1u);
    EXPECT_TRUE(only_a.contains("k1"));
    for (std::string_view k : {"k2", "k3", "k4"}) EXPECT_FALSE(only_a.contains(k)) << k;
    EXPECT_EQ(a.subtract(KeySet()).size(), 3u);
    EXPECT_TRUE(a.subtract(KeySet()).contains("k3"));
    EXPECT_EQ(KeySet().subtract(a).size(), 0u);
    EXPECT_FALSE(KeySet().subtract(a).contains("k1"));
}

TEST(KeySet, ManyKeysNoFalseMatches) {
    KeySet set;
    for (int i = 0; i < 200000; i += 2) set.add("WORM-s1--key" + std::to_string(i));
    set.seal();
    EXPECT_EQ(set.size(), 100000u);
    for (int i = 0; i < 200000; ++i) {
        ASSERT_EQ(set.contains("WORM-s1--key" + std::to_string(i)), i % 2 == 0) << i;
    }
}

TEST(KeySet, EverySmallSizeAndItsIntersections) {
    // The bucket index at its edges: no keys, one, sizes around powers of two.
    for (int n = 0; n <= 40; ++n) {
        KeySet set;
        for (int i = 0; i < n; ++i) set.add("MD5-s1--" + std::to_string(i));
        set.seal();
        ASSERT_EQ(set.size(), static_cast<std::size_t>(n));
        const KeySet evens = set.intersect(of({"MD5-s1--0", "MD5-s1--2", "MD5-s1--4"}));
        for (int i = 0; i < 2 * n + 2; ++i) {
            const std::string key = "MD5-s1--" + std::to_string(i);
            ASSERT_EQ(set.contains(key), i < n) << n << " " << key;
            ASSERT_EQ(evens.contains(key), i < n && i <= 4 && i % 2 == 0) << n << " " << key;
        }
    }
}

}  // namespace
}  // namespace gad::compat::query
