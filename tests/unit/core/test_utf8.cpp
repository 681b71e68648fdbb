#include <gtest/gtest.h>

#include "core/utf8.h"

namespace gad::core {
namespace {

TEST(Utf8, WellFormedTextIsUnchanged) {
    EXPECT_TRUE(is_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_EQ(with_replacement("caf\xc3\xa9 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST(Utf8, EachBadByteBecomesOneReplacementCharacter) {
    EXPECT_FALSE(is_utf8("bad\xffname"));
    EXPECT_EQ(with_replacement("bad\xffname"), "bad\xef\xbf\xbdname");
    // A truncated sequence: both its bytes are replaced, the next character kept.
    EXPECT_EQ(with_replacement("a\xe2\x82z"), "a\xef\xbf\xbd\xef\xbf\xbdz");
    // An overlong '/' and a surrogate are not UTF-8 either.
    EXPECT_EQ(with_replacement("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_EQ(with_replacement("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

}  // namespace
}  // namespace gad::core
