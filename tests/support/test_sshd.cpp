#include "test_sshd.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/ssh/ssh_session.h"

namespace gad::test {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSshd = "/usr/sbin/sshd";

// A port nobody listens on right now (the kernel's choice for an ephemeral bind).
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
        port = ntohs(address.sin_port);
    }
    ::close(fd);
    return port;
}

bool accepts_connections(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

// Every process descending from root, from /proc.
std::vector<pid_t> descendants(pid_t root) {
    std::vector<std::pair<pid_t, pid_t>> parents;  // (pid, ppid)
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) continue;
        const std::size_t close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream fields(line.substr(close + 1));
        char state = 0;
        pid_t ppid = 0;
        if (fields >> state >> ppid) parents.emplace_back(std::stoi(name), ppid);
    }
    std::vector<pid_t> found{root};
    for (std::size_t i = 0; i < found.size(); ++i) {
        for (const auto& [pid, ppid] : parents) {
            if (ppid == found[i]) found.push_back(pid);
        }
    }
    found.erase(found.begin());
    return found;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

int TestSshd::run_quietly(const std::vector<std::string>& argv) {
    // Built before fork(): the child of a threaded program must not allocate.
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        const int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) return -1;
    return WEXITSTATUS(status);
}

std::unique_ptr<TestSshd> TestSshd::start(std::string& why_not, Options options) {
    if (::access(kSshd, X_OK) != 0) {
        why_not = "sshd is not installed (/usr/sbin/sshd; Debian package openssh-server)";
        return nullptr;
    }
    std::unique_ptr<TestSshd> server(new TestSshd());
    server->options_ = options;
    server->user_ = core::ssh::local_user();
    const fs::path dir = server->dir_.path();
    for (const char* name : {"host_key", "client_key"}) {
        if (run_quietly({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "gad-test", "-f",
                         (dir / name).string()}) != 0) {
            why_not = "ssh-keygen is missing or failed";
            return nullptr;
        }
    }
    std::istringstream host_pub(read_text(dir / "host_key.pub"));
    std::string type, blob;
    host_pub >> type >> blob;
    server->host_key_ = type + " " + blob;
    // sshd running as root insists on its privilege separation directory.
    if (::geteuid() == 0 && !fs::is_directory("/run/sshd")) ::mkdir("/run/sshd", 0755);

    for (int attempt = 0; attempt < 5; ++attempt) {
        server->port_ = free_port();
        if (server->port_ == 0) continue;
        std::ofstream(dir / "known_hosts")
            << fmt::format("[127.0.0.1]:{} {}\n", server->port_, server->host_key_);
        if (server->launch(why_not)) return server;
    }
    return nullptr;
}

bool TestSshd::launch(std::string& why_not) {
    const fs::path dir = dir_.path();
    const fs::path config = dir / "sshd_config";
    std::ofstream(config) << fmt::format(
        "Port {}\n"
        "ListenAddress 127.0.0.1\n"
        "HostKey {}\n"
        "AuthorizedKeysFile {}\n"
        "PidFile {}\n"
        "StrictModes no\n"
        "UsePAM no\n"
        "PermitRootLogin yes\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PrintMotd no\n"
        "Subsystem sftp internal-sftp{}\n",
        port_, (dir / "host_key").string(), (dir / "client_key.pub").string(),
        (dir / "sshd.pid").string(), options_.read_only ? " -R" : "");
    const std::string log = (dir / "sshd.log").string();
    const pid_t pid = ::fork();
    if (pid < 0) {
        why_not = "cannot fork";
        return false;
    }
    if (pid == 0) {
        const int null = ::open("/dev/null", O_RDWR);
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(null, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        ::execl(kSshd, kSshd, "-D", "-e", "-f", config.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    pid_ = pid;
    for (int i = 0; i < 200; ++i) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            why_not = "sshd exited at once: " + read_text(log);
            return false;
        }
        if (accepts_connections(port_)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
    why_not = "sshd did not listen within 10 s: " + read_text(log);
    return false;
}

TestSshd::~TestSshd() { stop(); }

int TestSshd::cut_connections() {
    if (pid_ <= 0) return 0;
    int killed = 0;
    for (const pid_t child : descendants(pid_)) {
        if (::kill(child, SIGKILL) == 0) ++killed;
    }
    return killed;
}

void TestSshd::stop() {
    if (pid_ <= 0) return;
    cut_connections();
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

bool TestSshd::restart(std::string& why_not) {
    stop();
    return launch(why_not);
}

std::string TestSshd::log() const { return read_text(dir_.path() / "sshd.log"); }

std::vector<std::string> TestSshd::sftp_batch_command(const fs::path& batch) const {
    return {"sftp",
            "-q",
            "-F",
            "/dev/null",
            "-b",
            batch.string(),
            "-P",
            std::to_string(port_),
            "-i",
            client_key().string(),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "UserKnownHostsFile=" + known_hosts().string(),
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            user_ + "@127.0.0.1"};
}

}  // namespace gad::test
