// Stands in for libssh's header when tests/CMakeLists.txt builds bridge_without_libssh: the
// bridge must compile without libssh, which stays inside core/ssh/ and core/filestore/sftp_*.
#error "libssh header included outside core/ssh/ and core/filestore/sftp_*"
