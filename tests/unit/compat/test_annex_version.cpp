#include <gtest/gtest.h>

#include "compat/git/annex_version.h"

namespace gad::compat::git {
namespace {

TEST(AnnexVersion, ParsesRawVersions) {
    auto debian = parse_annex_version("10.20230126");
    ASSERT_TRUE(debian);
    EXPECT_EQ(debian->major, 10);
    EXPECT_EQ(debian->date, 20230126);
    auto newest = parse_annex_version("10.20261026-g351f69fa638bde0d2f68ee5b8bab109c75945331\n");
    ASSERT_TRUE(newest);
    EXPECT_EQ(newest->date, 20261026);
    auto old = parse_annex_version("8.20210223");
    ASSERT_TRUE(old);
    EXPECT_EQ(old->major, 8);
}

TEST(AnnexVersion, RefusesOtherText) {
    EXPECT_FALSE(parse_annex_version(""));
    EXPECT_FALSE(parse_annex_version("git-annex: not a git repository"));
    EXPECT_FALSE(parse_annex_version("10"));
    EXPECT_FALSE(parse_annex_version("10."));
}

TEST(AnnexVersion, ListFormFollowsVersion) {
    EXPECT_TRUE(parse_annex_version("10.20230126")->space_joined_repository_lists());
    EXPECT_TRUE(parse_annex_version("8.20210223")->space_joined_repository_lists());
    EXPECT_FALSE(parse_annex_version("10.20261026")->space_joined_repository_lists());
    EXPECT_FALSE(AnnexVersion::newest_known().space_joined_repository_lists());
    EXPECT_FALSE(parse_annex_version("10.20230126")->knows_clusters());
    EXPECT_TRUE(parse_annex_version("10.20240701")->knows_clusters());
    EXPECT_TRUE(AnnexVersion::newest_known().knows_clusters());
}

}  // namespace
}  // namespace gad::compat::git
