// main() of the unit test programs: also acts as the dolt sql-server supervisor, because the
// servers the tests start through core::dolt::acquire_server re-run this very program.
#include <gtest/gtest.h>

#include "core/dolt/server.h"

int main(int argc, char** argv) {
    if (int code = gad::core::dolt::maybe_run_supervisor(argc, argv); code >= 0) return code;
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
