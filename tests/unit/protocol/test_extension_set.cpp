#include <gtest/gtest.h>

#include "protocol/extension_set.h"

namespace gad::protocol {
namespace {

TEST(ExtensionSet, FromNamesIgnoresUnknownNames) {
    EXPECT_EQ(ExtensionSet::from_names({"ASYNC", "FUTURE", "INFO"}),
              (ExtensionSet{.info = true, .async = true, .get_git_remote_name = false}));
    EXPECT_EQ(ExtensionSet::from_names({}), ExtensionSet{});
    EXPECT_EQ(ExtensionSet::from_names({"async", "Info"}), ExtensionSet{});
}

TEST(ExtensionSet, NamesAreInCanonicalOrder) {
    EXPECT_EQ((ExtensionSet{.info = true, .async = true, .get_git_remote_name = true}.names()),
              (std::vector<std::string>{"INFO", "ASYNC", "GETGITREMOTENAME"}));
    EXPECT_EQ((ExtensionSet{.info = false, .async = false, .get_git_remote_name = true}.names()),
              (std::vector<std::string>{"GETGITREMOTENAME"}));
    EXPECT_TRUE(ExtensionSet{}.names().empty());
}

TEST(ExtensionSet, IntersectionKeepsWhatBothHave) {
    ExtensionSet wanted{.info = true, .async = true, .get_git_remote_name = false};
    ExtensionSet offered{.info = false, .async = true, .get_git_remote_name = true};
    EXPECT_EQ(wanted & offered,
              (ExtensionSet{.info = false, .async = true, .get_git_remote_name = false}));
    EXPECT_EQ(wanted & ExtensionSet{}, ExtensionSet{});
}

}  // namespace
}  // namespace gad::protocol
