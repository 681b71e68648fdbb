#include <gtest/gtest.h>

#include "core/json.h"

namespace gad::core {
namespace {

TEST(Json, QuotesStrings) {
    EXPECT_EQ(json_string("plain"), R"("plain")");
    EXPECT_EQ(json_string("a \"b\" \\ c\n\t"), R"("a \"b\" \\ c\n\t")");
    EXPECT_EQ(json_string(std::string_view("\x01", 1)), R"("\u0001")");
}

TEST(Json, FindsFieldsWhateverTheirKeyQuotes) {
    const std::string text = R"({"name": "x", 'uuid': 'u-1', port: 2222, "path" : "/srv/a",})";
    EXPECT_EQ(json_field(text, "name"), "x");
    EXPECT_EQ(json_field(text, "uuid"), "u-1");
    EXPECT_EQ(json_field(text, "port"), "2222");
    EXPECT_EQ(json_field(text, "path"), "/srv/a");
    EXPECT_EQ(json_field(text, "missing"), std::nullopt);
}

TEST(Json, FindsFieldsOfNestedObjectsAndSkipsNonValues) {
    const std::string text =
        R"({"type": "sftp", "connection": {"user": "alice", "hostname": "h"}, "flag": true})";
    EXPECT_EQ(json_field(text, "hostname"), "h");
    EXPECT_EQ(json_field(text, "connection"), std::nullopt);  // an object, not a value
    EXPECT_EQ(json_field(text, "flag"), std::nullopt);
    // A key's name inside a value is not a key.
    EXPECT_EQ(json_field(R"({"note": "type", "type": "annexfs"})", "type"), "annexfs");
    EXPECT_EQ(json_field("{myroot: 'a', root: 'b'}", "root"), "b");
}

}  // namespace
}  // namespace gad::core
