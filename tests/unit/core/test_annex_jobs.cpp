#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "core/annex_jobs.h"

namespace gad::core {
namespace {

bool concurrent(std::vector<std::string> arguments) { return asks_for_concurrent_jobs(arguments); }

TEST(AnnexJobs, EveryFormOfTheJobsOptionIsRead) {
    EXPECT_TRUE(concurrent({"git-annex", "copy", "-J4", "--to", "r"}));
    EXPECT_TRUE(concurrent({"git-annex", "copy", "-J", "2", "--to", "r"}));
    EXPECT_TRUE(concurrent({"git-annex", "get", "--jobs=8"}));
    EXPECT_TRUE(concurrent({"git-annex", "get", "--jobs", "3"}));
    EXPECT_TRUE(concurrent({"git-annex", "get", "-Jcpus"}));
    EXPECT_TRUE(concurrent({"git-annex", "get", "--jobs=cpus"}));
}

TEST(AnnexJobs, OneJobOrNoneIsNotConcurrent) {
    EXPECT_FALSE(concurrent({"git-annex", "testremote", "r"}));
    EXPECT_FALSE(concurrent({"git-annex", "copy", "-J1", "--to", "r"}));
    EXPECT_FALSE(concurrent({"git-annex", "copy", "--jobs=1"}));
    EXPECT_FALSE(concurrent({"git-annex", "copy", "-J"}));  // no value: git-annex refuses it
    EXPECT_FALSE(concurrent({"git-annex", "copy", "-Jx"}));
    EXPECT_FALSE(concurrent({}));
}

TEST(AnnexJobs, TheLastOptionWinsAndFileNamesAreNotOptions) {
    EXPECT_FALSE(concurrent({"git-annex", "copy", "-J4", "-J1"}));
    EXPECT_TRUE(concurrent({"git-annex", "copy", "-J1", "--jobs=4"}));
    EXPECT_FALSE(concurrent({"git-annex", "copy", "--to", "r", "--", "-J4"}));
}

TEST(AnnexJobs, ReadsAProcessCommandLineFromProc) {
    std::optional<std::vector<std::string>> own = command_line_of(::getpid());
    ASSERT_TRUE(own.has_value());
    ASSERT_FALSE(own->empty());
    EXPECT_NE(own->front().find("unit_core"), std::string::npos) << own->front();
    EXPECT_FALSE(command_line_of(-1).has_value());
}

TEST(AnnexJobs, TheEnvironmentOverridesTheCommandLine) {
    ::setenv("GIT_ANNEX_DOLT_ASYNC", "yes", 1);
    EXPECT_TRUE(should_negotiate_async());
    ::setenv("GIT_ANNEX_DOLT_ASYNC", "no", 1);
    EXPECT_FALSE(should_negotiate_async());
    ::unsetenv("GIT_ANNEX_DOLT_ASYNC");
}

}  // namespace
}  // namespace gad::core
