#include <gtest/gtest.h>

#include "compat/sync/dataset_export.h"

namespace gad::compat::sync {
namespace {

TEST(DatasetName, AcceptsSqlIdentifiers) {
    const std::string longest(64, 'n');
    for (const char* name : {"mydata", "a", "Photos_2024", "x1_y2", longest.c_str()}) {
        EXPECT_TRUE(check_dataset_name(name)) << name;
    }
}

TEST(DatasetName, RefusesWhatDoltAnnexCannotUseUnquoted) {
    const std::string long_name(65, 'n');
    for (const char* name : {"", "bad/name", "has space", "x.y", "a-b", "9lives", "_x", "dolt_x",
                             "DOLT_diff", "caf\xc3\xa9", "tab\tname", long_name.c_str()}) {
        auto checked = check_dataset_name(name);
        ASSERT_FALSE(checked) << name;
        EXPECT_NE(checked.error().message.find(fmt::format("'{}'", name)), std::string::npos)
            << checked.error().message;
        EXPECT_EQ(checked.error().message.find('\n'), std::string::npos);
    }
}

TEST(DatasetSummary, JsonAndTextName) {
    DatasetSummary summary;
    summary.name = "mydata";
    summary.definition = "/srv/store/mydata.dataset";
    summary.branches = 3;
    summary.present_facts = 2;
    EXPECT_EQ(summary.json(),
              R"({"name":"mydata","definition":"/srv/store/mydata.dataset","branches":3,)"
              R"("created":0,"rows_added":0,"rows_removed":0,"present_facts":2,"missing_facts":0,)"
              R"("bad_keys":0,"repo_files":0,"left_out":0,"refused":0})");
    EXPECT_TRUE(summary.text().starts_with("sync --dataset mydata: 3 repository branches"));
    EXPECT_TRUE(summary.text().ends_with("\n"));
    EXPECT_EQ(summary.text().find("refused"), std::string::npos);
    summary.refused = 2;
    EXPECT_TRUE(summary.json().ends_with(R"("refused":2})")) << summary.json();
    EXPECT_TRUE(summary.text().ends_with("; 2 values refused (named on stderr)\n"))
        << summary.text();
}

}  // namespace
}  // namespace gad::compat::sync
