#include <gtest/gtest.h>

#include "core/log.h"

namespace gad::core::log {
namespace {

TEST(Log, EscapesControlCharactersSoAMessageStaysOneLine) {
    EXPECT_EQ(escape("plain text, even \xc3\xbc and \\"), "plain text, even \xc3\xbc and \\");
    EXPECT_EQ(escape("a\nb\rc\td\x1b[2Je\x7f\x01"), "a\\nb\\rc\\td\\e[2Je\\x7f\\x01");
    EXPECT_EQ(escape(std::string_view("nul\0end", 7)), "nul\\x00end");
}

TEST(Log, LinesStartWithTheProgramName) {
    set_program("git-annex-test");
    EXPECT_EQ(program(), "git-annex-test");
    EXPECT_EQ(error_line("bad key 'x\nfake: y'"), "git-annex-test: bad key 'x\\nfake: y'\n");
    EXPECT_EQ(warning_line("skipped\r"), "git-annex-test: warning: skipped\\r\n");
}

}  // namespace
}  // namespace gad::core::log
