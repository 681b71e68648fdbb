#include <gtest/gtest.h>

#include "core/timestamp.h"

namespace gad::core {
namespace {

TEST(Timestamp, ParsesEveryFormGitAnnexWrites) {
    EXPECT_EQ(Timestamp::parse("1287290776.765152s").value(),
              (Timestamp{1287290776, 765152000000}));
    EXPECT_EQ(Timestamp::parse("1287290776s").value(), (Timestamp{1287290776, 0}));
    EXPECT_EQ(Timestamp::parse("1287290776").value(), (Timestamp{1287290776, 0}));
    EXPECT_EQ(Timestamp::parse("1700000000.123456789012s").value(),
              (Timestamp{1700000000, 123456789012}));
}

TEST(Timestamp, ComparesExactlyToThePicosecond) {
    auto a = Timestamp::parse("1700000000.123456789012s").value();
    auto b = Timestamp::parse("1700000000.123456789013s").value();
    EXPECT_LT(a, b);
    EXPECT_EQ(Timestamp::parse("5.1s").value(), Timestamp::parse("5.100s").value());
}

TEST(Timestamp, FormatsForSqlAndForLogs) {
    Timestamp t{1287290776, 765152000000};
    EXPECT_EQ(t.to_decimal(), "1287290776.765152000000");
    EXPECT_EQ(t.to_log(), "1287290776.765152s");
    EXPECT_EQ((Timestamp{12, 0}).to_log(), "12s");
    EXPECT_EQ((Timestamp{12, 1}).to_decimal(), "12.000000000001");
}

TEST(Timestamp, RejectsMalformedText) {
    for (const char* bad : {"", "s", ".5s", "12.s", "12.1234567890123s", "12a", "-5s", "1.2.3s"}) {
        auto parsed = Timestamp::parse(bad);
        EXPECT_FALSE(parsed) << bad;
        if (!parsed) {
            EXPECT_NE(parsed.error().message.find("bad timestamp"), std::string::npos);
        }
    }
}

TEST(Timestamp, NowIsRecent) {
    Timestamp now = Timestamp::now();
    EXPECT_GT(now.seconds, 1700000000);
    EXPECT_LT(now.picoseconds, 1'000'000'000'000u);
}

}  // namespace
}  // namespace gad::core
