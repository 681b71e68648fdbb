#include "compat/git/repository.h"

#include <git2.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace gad::compat::git {

namespace {

using core::fail;

// The failure libgit2 reported for the call that returned code, naming what was being done.
std::unexpected<core::Failure> git_failure(std::string_view what, int code) {
    const git_error* error = git_error_last();
    return fail("{}: {}", what,
                error && error->message ? error->message : fmt::format("libgit2 error {}", code));
}

template <typename T, void (*Free)(T*)>
struct Freer {
    void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, Freer<T, Free>>;

void ensure_libgit2() {
    static const int initialised = [] {
        const int done = git_libgit2_init();
        // Objects are read once each, in tree order: no object cache (with one, looking up the
        // million subtrees of a 1,000,000-key branch in it was 30% of a migration's CPU, as its
        // hash table filled and emptied) and few mapped pack windows keep memory bounded however
        // large the branch is. The window size matters as much as the limit: by default a
        // window is 1 GiB, so a whole pack is one window that stays mapped (and resident once
        // read: 340 MB of a 1,000,000-key branch's packs).
        git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
        git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, static_cast<size_t>(8 << 20));
        git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, static_cast<size_t>(32 << 20));
        return done;
    }();
    (void)initialised;
}

}  // namespace

std::string Oid::hex() const {
    char text[GIT_OID_HEXSZ + 1];
    git_oid_tostr(text, sizeof text, &raw);
    return text;
}

Result<Oid> Oid::parse(std::string_view hex) {
    Oid oid;
    if (hex.size() != GIT_OID_HEXSZ || git_oid_fromstrn(&oid.raw, hex.data(), hex.size()) != 0) {
        return fail("not a git object id: {}", hex);
    }
    return oid;
}

bool operator==(const Oid& a, const Oid& b) { return git_oid_equal(&a.raw, &b.raw) != 0; }

void Tree::Free::operator()(git_tree* tree) const { git_tree_free(tree); }

Oid Tree::id() const {
    Oid oid;
    if (tree_) oid.raw = *git_tree_id(tree_.get());
    return oid;
}

Result<Repository> Repository::discover(const std::filesystem::path& start) {
    ensure_libgit2();
    git_buf found = GIT_BUF_INIT;
    if (git_repository_discover(&found, start.c_str(), 0, nullptr) != 0) {
        return fail("not a git repository: {}", start.string());
    }
    std::string path(found.ptr, found.size);
    git_buf_dispose(&found);
    Repository repository;
    if (int code = git_repository_open(&repository.repo_, path.c_str()); code != 0) {
        return git_failure(fmt::format("cannot open the git repository {}", path), code);
    }
    if (int code = git_repository_odb(&repository.odb_, repository.repo_); code != 0) {
        return git_failure("cannot open the object database", code);
    }
    return repository;
}

Repository::Repository(Repository&& other) noexcept
    : repo_(std::exchange(other.repo_, nullptr)), odb_(std::exchange(other.odb_, nullptr)) {}

Repository& Repository::operator=(Repository&& other) noexcept {
    std::swap(repo_, other.repo_);
    std::swap(odb_, other.odb_);
    return *this;
}

Repository::~Repository() {
    if (odb_) git_odb_free(odb_);
    if (repo_) git_repository_free(repo_);
}

std::filesystem::path Repository::git_dir() const {
    return std::filesystem::path(git_repository_path(repo_)).lexically_normal();
}

std::optional<std::filesystem::path> Repository::work_tree() const {
    const char* path = git_repository_workdir(repo_);
    if (path == nullptr) return std::nullopt;
    return std::filesystem::path(path).lexically_normal();
}

Result<std::optional<Oid>> Repository::resolve_commit(std::string_view ref) const {
    git_object* object = nullptr;
    const std::string spec = fmt::format("{}^{{commit}}", ref);
    int code = git_revparse_single(&object, repo_, spec.c_str());
    if (code == GIT_ENOTFOUND || code == GIT_EAMBIGUOUS || code == GIT_EINVALIDSPEC) {
        return std::optional<Oid>{};
    }
    if (code != 0) return git_failure(fmt::format("cannot resolve {}", ref), code);
    Owned<git_object, git_object_free> owned(object);
    Oid oid;
    oid.raw = *git_object_id(object);
    return std::optional<Oid>(oid);
}

Result<std::vector<std::string>> Repository::references(std::string_view glob) const {
    std::vector<std::string> names;
    const std::string pattern(glob);
    int code = git_reference_foreach_glob(
        repo_, pattern.c_str(),
        [](const char* name, void* payload) {
            static_cast<std::vector<std::string>*>(payload)->emplace_back(name);
            return 0;
        },
        &names);
    if (code != 0) return git_failure(fmt::format("cannot list references {}", glob), code);
    std::sort(names.begin(), names.end());
    return names;
}

Result<bool> Repository::is_ancestor(const Oid& ancestor, const Oid& descendant) const {
    if (ancestor == descendant) return true;
    int answer = git_graph_descendant_of(repo_, &descendant.raw, &ancestor.raw);
    if (answer < 0) return git_failure("cannot compare commits", answer);
    return answer == 1;
}

Result<Tree> Repository::tree_of(const Oid& id) const {
    git_object* object = nullptr;
    if (int code = git_object_lookup(&object, repo_, &id.raw, GIT_OBJECT_ANY); code != 0) {
        return git_failure(fmt::format("cannot read object {}", id.hex()), code);
    }
    Owned<git_object, git_object_free> owned(object);
    git_object* peeled = nullptr;
    if (int code = git_object_peel(&peeled, object, GIT_OBJECT_TREE); code != 0) {
        return git_failure(fmt::format("object {} has no tree", id.hex()), code);
    }
    Tree tree;
    tree.tree_.reset(reinterpret_cast<git_tree*>(peeled), Tree::Free{});
    return tree;
}

Result<void> Repository::walk(const Tree& tree,
                              const std::function<Result<void>(const TreeFile&)>& visit) const {
    if (tree.empty()) return {};
    struct Payload {
        const std::function<Result<void>(const TreeFile&)>* visit;
        std::string path;
        Result<void> outcome;
    } payload{&visit, {}, {}};
    int code = git_tree_walk(
        tree.get(), GIT_TREEWALK_PRE,
        [](const char* root, const git_tree_entry* entry, void* opaque) -> int {
            auto& state = *static_cast<Payload*>(opaque);
            if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) return 0;
            state.path.assign(root);
            state.path += git_tree_entry_name(entry);
            TreeFile file{
                state.path, {}, static_cast<std::uint32_t>(git_tree_entry_filemode(entry))};
            file.blob.raw = *git_tree_entry_id(entry);
            state.outcome = (*state.visit)(file);
            return state.outcome ? 0 : -1;
        },
        &payload);
    if (!payload.outcome) return payload.outcome;
    if (code != 0) return git_failure(fmt::format("cannot walk tree {}", tree.id().hex()), code);
    return {};
}

namespace {

// git's order of tree entries: by name, a tree's name compared as if it ended in '/'.
int compare_entries(const git_tree_entry* a, const git_tree_entry* b) {
    const std::string_view x = git_tree_entry_name(a), y = git_tree_entry_name(b);
    const std::size_t common = std::min(x.size(), y.size());
    if (int c = x.substr(0, common).compare(y.substr(0, common)); c != 0) return c;
    auto next = [common](std::string_view name, const git_tree_entry* entry) -> unsigned char {
        if (name.size() > common) return static_cast<unsigned char>(name[common]);
        return git_tree_entry_type(entry) == GIT_OBJECT_TREE ? '/' : '\0';
    };
    return int(next(x, a)) - int(next(y, b));
}

// Compares two trees (either may be null: empty), descending only into subtrees whose ids
// differ, so the cost follows the changes, not the size of the trees. libgit2's
// git_diff_tree_to_tree expands every subtree of both sides: 28 s for a 1,000,000-key
// git-annex branch even when three files changed.
struct TreeDiff {
    git_repository* repo;
    const std::function<Result<void>(const ChangedFile&)>& visit;
    std::string path;

    Result<void> report(const git_tree_entry* entry, bool gone) {
        const auto mode = static_cast<std::uint32_t>(git_tree_entry_filemode(entry));
        if (mode == GIT_FILEMODE_COMMIT) return {};
        ChangedFile change;
        change.path = path + git_tree_entry_name(entry);
        change.mode = mode;
        if (!gone) {
            Oid blob;
            blob.raw = *git_tree_entry_id(entry);
            change.blob = blob;
        }
        return visit(change);
    }

    // Everything under entry (a tree) as gone or new; or the trees under entries a and b.
    Result<void> descend(const git_tree_entry* a, const git_tree_entry* b) {
        const git_tree_entry* named = a ? a : b;
        Owned<git_tree, git_tree_free> old_tree, new_tree;
        for (auto [entry, into] : {std::pair{a, &old_tree}, std::pair{b, &new_tree}}) {
            if (!entry) continue;
            git_tree* raw = nullptr;
            if (int code = git_tree_lookup(&raw, repo, git_tree_entry_id(entry)); code != 0) {
                return git_failure(
                    fmt::format("cannot read tree {}{}", path, git_tree_entry_name(entry)), code);
            }
            into->reset(raw);
        }
        const std::size_t length = path.size();
        path += git_tree_entry_name(named);
        path += '/';
        auto done = compare(old_tree.get(), new_tree.get());
        path.resize(length);
        return done;
    }

    Result<void> compare(const git_tree* a, const git_tree* b) {
        const std::size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
        std::size_t i = 0, j = 0;
        while (i < na || j < nb) {
            const git_tree_entry* x = i < na ? git_tree_entry_byindex(a, i) : nullptr;
            const git_tree_entry* y = j < nb ? git_tree_entry_byindex(b, j) : nullptr;
            const int order = !x ? 1 : !y ? -1 : compare_entries(x, y);
            Result<void> done;
            if (order < 0) {  // only in the old tree
                done = git_tree_entry_type(x) == GIT_OBJECT_TREE ? descend(x, nullptr)
                                                                 : report(x, true);
                ++i;
            } else if (order > 0) {  // only in the new one
                done = git_tree_entry_type(y) == GIT_OBJECT_TREE ? descend(nullptr, y)
                                                                 : report(y, false);
                ++j;
            } else {
                const bool same = git_oid_equal(git_tree_entry_id(x), git_tree_entry_id(y)) &&
                                  git_tree_entry_filemode(x) == git_tree_entry_filemode(y);
                if (!same) {
                    done = git_tree_entry_type(x) == GIT_OBJECT_TREE ? descend(x, y)
                                                                     : report(y, false);
                }
                ++i;
                ++j;
            }
            if (!done) return done;
        }
        return {};
    }
};

}  // namespace

Result<void> Repository::diff(const Tree& old_tree, const Tree& new_tree,
                              const std::function<Result<void>(const ChangedFile&)>& visit) const {
    TreeDiff differ{repo_, visit, {}};
    return differ.compare(old_tree.empty() ? nullptr : old_tree.get(),
                          new_tree.empty() ? nullptr : new_tree.get());
}

namespace {

// The id of the entry at path in tree when it is an object of that type; nullopt when there is
// none, or it is of another type.
Result<std::optional<Oid>> entry_at(const Tree& tree, std::string_view path, git_object_t type) {
    if (tree.empty()) return std::optional<Oid>{};
    git_tree_entry* entry = nullptr;
    const std::string wanted(path);
    int code = git_tree_entry_bypath(&entry, tree.get(), wanted.c_str());
    if (code == GIT_ENOTFOUND) return std::optional<Oid>{};
    if (code != 0) return git_failure(fmt::format("cannot look up {}", path), code);
    Owned<git_tree_entry, git_tree_entry_free> owned(entry);
    if (git_tree_entry_type(entry) != type) return std::optional<Oid>{};
    Oid oid;
    oid.raw = *git_tree_entry_id(entry);
    return std::optional<Oid>(oid);
}

}  // namespace

Result<std::optional<Oid>> Repository::blob_at(const Tree& tree, std::string_view path) const {
    return entry_at(tree, path, GIT_OBJECT_BLOB);
}

Result<void> Repository::walk_history(
    const std::vector<Oid>& tips, const std::vector<Oid>& hidden,
    const std::function<Result<void>(const CommitInfo&)>& visit) const {
    git_revwalk* raw = nullptr;
    if (int code = git_revwalk_new(&raw, repo_); code != 0) {
        return git_failure("cannot walk the history", code);
    }
    Owned<git_revwalk, git_revwalk_free> walk(raw);
    git_revwalk_sorting(walk.get(), GIT_SORT_TIME);
    for (const Oid& tip : tips) {
        if (int code = git_revwalk_push(walk.get(), &tip.raw); code != 0) {
            return git_failure(fmt::format("cannot walk the history of {}", tip.hex()), code);
        }
    }
    for (const Oid& old : hidden) (void)git_revwalk_hide(walk.get(), &old.raw);
    git_oid next;
    while (true) {
        int code = git_revwalk_next(&next, walk.get());
        if (code == GIT_ITEROVER) return {};
        if (code != 0) return git_failure("cannot walk the history", code);
        git_commit* commit = nullptr;
        if (code = git_commit_lookup(&commit, repo_, &next); code != 0) {
            return git_failure("cannot read a commit of the history", code);
        }
        Owned<git_commit, git_commit_free> owned(commit);
        CommitInfo info;
        info.id.raw = next;
        info.tree.raw = *git_commit_tree_id(commit);
        info.time = git_commit_time(commit);
        if (auto visited = visit(info); !visited) return visited;
    }
}

Result<std::optional<Oid>> Repository::tree_at(const Tree& tree, std::string_view path) const {
    return entry_at(tree, path, GIT_OBJECT_TREE);
}

Result<void> Repository::read_blob(const Oid& blob, std::string& out) const {
    git_odb_object* object = nullptr;
    if (int code = git_odb_read(&object, odb_, &blob.raw); code != 0) {
        return git_failure(fmt::format("cannot read blob {}", blob.hex()), code);
    }
    Owned<git_odb_object, git_odb_object_free> owned(object);
    out.append(static_cast<const char*>(git_odb_object_data(object)), git_odb_object_size(object));
    return {};
}

Result<Oid> Repository::write_blob(std::string_view data) const {
    Oid oid;
    if (int code = git_odb_write(&oid.raw, odb_, data.data(), data.size(), GIT_OBJECT_BLOB);
        code != 0) {
        return git_failure("cannot write a blob", code);
    }
    return oid;
}

Result<Oid> Repository::update_tree(const Tree& base,
                                    const std::vector<std::pair<std::string, Oid>>& files) const {
    std::vector<git_tree_update> updates(files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        updates[i].action = GIT_TREE_UPDATE_UPSERT;
        updates[i].id = files[i].second.raw;
        updates[i].filemode = GIT_FILEMODE_BLOB;
        updates[i].path = files[i].first.c_str();
    }
    Oid oid;
    git_tree* empty_base = nullptr;
    Owned<git_tree, git_tree_free> owned_empty;
    if (base.empty()) {
        // An empty tree to start from.
        git_treebuilder* builder = nullptr;
        if (int code = git_treebuilder_new(&builder, repo_, nullptr); code != 0) {
            return git_failure("cannot build a tree", code);
        }
        Owned<git_treebuilder, git_treebuilder_free> owned_builder(builder);
        git_oid empty_id;
        if (int code = git_treebuilder_write(&empty_id, builder); code != 0) {
            return git_failure("cannot write a tree", code);
        }
        if (int code = git_tree_lookup(&empty_base, repo_, &empty_id); code != 0) {
            return git_failure("cannot read a tree", code);
        }
        owned_empty.reset(empty_base);
    }
    if (int code = git_tree_create_updated(&oid.raw, repo_, base.empty() ? empty_base : base.get(),
                                           updates.size(), updates.data());
        code != 0) {
        return git_failure("cannot write the updated tree", code);
    }
    return oid;
}

Result<Oid> Repository::commit(const Oid& tree_id, const std::optional<Oid>& parent,
                               std::string_view message) const {
    git_signature* raw_signature = nullptr;
    if (int code = git_signature_now(&raw_signature, "git-annex-dolt", "git-annex-dolt@localhost");
        code != 0) {
        return git_failure("cannot make a signature", code);
    }
    Owned<git_signature, git_signature_free> signature(raw_signature);
    git_tree* raw_tree = nullptr;
    if (int code = git_tree_lookup(&raw_tree, repo_, &tree_id.raw); code != 0) {
        return git_failure("cannot read the new tree", code);
    }
    Owned<git_tree, git_tree_free> tree(raw_tree);
    git_commit* raw_parent = nullptr;
    Owned<git_commit, git_commit_free> parent_commit;
    if (parent) {
        if (int code = git_commit_lookup(&raw_parent, repo_, &parent->raw); code != 0) {
            return git_failure(fmt::format("cannot read commit {}", parent->hex()), code);
        }
        parent_commit.reset(raw_parent);
    }
    const git_commit* parents[] = {raw_parent};
    const std::string text(message);
    Oid oid;
    if (int code = git_commit_create(&oid.raw, repo_, nullptr, signature.get(), signature.get(),
                                     nullptr, text.c_str(), raw_tree, parent ? 1 : 0, parents);
        code != 0) {
        return git_failure("cannot write the commit", code);
    }
    return oid;
}

Result<void> Repository::set_reference(std::string_view name, const Oid& commit,
                                       std::string_view message) const {
    git_reference* raw = nullptr;
    const std::string ref(name), log(message);
    if (int code = git_reference_create(&raw, repo_, ref.c_str(), &commit.raw, 1, log.c_str());
        code != 0) {
        return git_failure(fmt::format("cannot update {}", name), code);
    }
    git_reference_free(raw);
    return {};
}

Result<std::uint64_t> Repository::blob_size(const Oid& blob) const {
    std::size_t size = 0;
    git_object_t type{};
    if (int code = git_odb_read_header(&size, &type, odb_, &blob.raw); code != 0) {
        return git_failure(fmt::format("cannot read blob {}", blob.hex()), code);
    }
    return size;
}

Result<std::optional<std::string>> Repository::config(std::string_view name) const {
    git_config* raw = nullptr;
    if (int code = git_repository_config_snapshot(&raw, repo_); code != 0) {
        return git_failure("cannot read git config", code);
    }
    Owned<git_config, git_config_free> config(raw);
    const std::string wanted(name);
    const char* value = nullptr;
    int code = git_config_get_string(&value, raw, wanted.c_str());
    if (code == GIT_ENOTFOUND) return std::optional<std::string>{};
    if (code != 0) return git_failure(fmt::format("cannot read git config {}", name), code);
    return std::optional<std::string>(value);
}

Result<std::vector<std::pair<std::string, std::string>>> Repository::config_matching(
    std::string_view regex) const {
    git_config* raw = nullptr;
    if (int code = git_repository_config_snapshot(&raw, repo_); code != 0) {
        return git_failure("cannot read git config", code);
    }
    Owned<git_config, git_config_free> config(raw);
    std::vector<std::pair<std::string, std::string>> entries;
    const std::string pattern(regex);
    int code = git_config_foreach_match(
        raw, pattern.c_str(),
        [](const git_config_entry* entry, void* payload) {
            static_cast<std::vector<std::pair<std::string, std::string>>*>(payload)->emplace_back(
                entry->name, entry->value ? entry->value : "");
            return 0;
        },
        &entries);
    if (code != 0) return git_failure(fmt::format("cannot read git config {}", regex), code);
    return entries;
}

namespace {

// The repository's own (.git/config) level of its configuration.
Result<Owned<git_config, git_config_free>> local_config(git_repository* repo) {
    git_config* raw = nullptr;
    if (int code = git_repository_config(&raw, repo); code != 0) {
        return git_failure("cannot open git config", code);
    }
    Owned<git_config, git_config_free> config(raw);
    git_config* local = nullptr;
    if (int code = git_config_open_level(&local, raw, GIT_CONFIG_LEVEL_LOCAL); code != 0) {
        return git_failure("cannot open the repository's git config", code);
    }
    return Owned<git_config, git_config_free>(local);
}

}  // namespace

Result<void> Repository::unset_config(std::string_view name) const {
    auto local = local_config(repo_);
    if (!local) return std::unexpected(local.error());
    const std::string key(name);
    int code = git_config_delete_entry(local->get(), key.c_str());
    if (code != 0 && code != GIT_ENOTFOUND) {
        return git_failure(fmt::format("cannot unset git config {}", name), code);
    }
    return {};
}

Result<void> Repository::set_config(std::string_view name, std::string_view value) const {
    auto local = local_config(repo_);
    if (!local) return std::unexpected(local.error());
    const std::string key(name), text(value);
    if (int code = git_config_set_string(local->get(), key.c_str(), text.c_str()); code != 0) {
        return git_failure(fmt::format("cannot set git config {}", name), code);
    }
    return {};
}

}  // namespace gad::compat::git
