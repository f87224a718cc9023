import Foundation

/// The Hugging Face Hub's local cache, laid out as `huggingface_hub` lays it out, so that
/// Python tools and this one share their downloads:
///
///     HF_HUB_CACHE (or HF_HOME/hub, or ~/.cache/huggingface/hub)
///       models--owner--name/
///         blobs/<etag>                    the files' bytes, named by ETag (sha256 for LFS files)
///         refs/<revision>                 the commit a branch or tag pointed at
///         snapshots/<commit>/<file>       relative symbolic links to ../../blobs/<etag>
public struct HubCache: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    /// The cache the environment names: `HF_HUB_CACHE`, else `HF_HOME/hub`, else
    /// `~/.cache/huggingface/hub` (`XDG_CACHE_HOME` replacing `~/.cache` where set).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let cache = environment["HF_HUB_CACHE"], !cache.isEmpty {
            root = URL(fileURLWithPath: cache)
        } else if let home = environment["HF_HOME"], !home.isEmpty {
            root = URL(fileURLWithPath: home).appending(path: "hub")
        } else {
            let xdg = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
                ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
            root = URL(fileURLWithPath: xdg).appending(path: "huggingface/hub")
        }
    }

    /// `models--owner--name` for `owner/name` (`models--gpt2` for a name without an owner).
    public func repositoryFolder(_ repository: HubRepository) -> URL {
        root.appending(path: "models--" + repository.id.replacingOccurrences(of: "/", with: "--"))
    }

    public func blob(_ repository: HubRepository, etag: String) -> URL {
        repositoryFolder(repository).appending(path: "blobs/\(etag)")
    }

    public func snapshot(_ repository: HubRepository, commit: String) -> URL {
        repositoryFolder(repository).appending(path: "snapshots/\(commit)")
    }

    /// The commit `revision` resolves to in the cache: itself when it is a commit hash with a
    /// snapshot, else what `refs/<revision>` holds.
    public func commit(_ repository: HubRepository, revision: String) -> String? {
        let fm = FileManager.default
        if HubRepository.isCommitHash(revision), fm.fileExists(atPath: snapshot(repository, commit: revision).path) {
            return revision
        }
        let ref = repositoryFolder(repository).appending(path: "refs/\(revision)")
        guard let text = try? String(contentsOf: ref, encoding: .utf8) else { return nil }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return commit.isEmpty ? nil : commit
    }

    /// Records that `revision` points at `commit`.
    func setRef(_ repository: HubRepository, revision: String, commit: String) throws {
        guard revision != commit else { return }
        let ref = repositoryFolder(repository).appending(path: "refs/\(revision)")
        try FileManager.default.createDirectory(at: ref.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(commit.utf8).write(to: ref, options: .atomic)
    }

    /// Links `snapshots/<commit>/<file>` to the blob, relatively, replacing an older link.
    func link(_ repository: HubRepository, commit: String, file: String, etag: String) throws {
        let target = snapshot(repository, commit: commit).appending(path: file)
        let fm = FileManager.default
        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let depth = file.split(separator: "/").count + 1
        let relative = String(repeating: "../", count: depth) + "blobs/\(etag)"
        if (try? fm.destinationOfSymbolicLink(atPath: target.path)) != nil || fm.fileExists(atPath: target.path) {
            try fm.removeItem(at: target)
        }
        try fm.createSymbolicLink(atPath: target.path, withDestinationPath: relative)
    }
}

/// A model repository on the Hub: `gpt2`, `openai-community/gpt2-medium`, `owner/model`.
public struct HubRepository: Sendable, Hashable, CustomStringConvertible {
    public let id: String

    /// The names GPT-2's own repositories are known by.
    public static let gpt2Names: Set<String> = ["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2"]

    /// `id` if it is a valid repository id (one or two parts of letters, digits, `-`, `_`, `.`;
    /// no part starting or ending with `.` or `-`, no `--` or `..`), else nil.
    public init?(_ id: String) {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), id.count <= 96 else { return nil }
        for part in parts {
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }),
                  !part.hasPrefix("."), !part.hasPrefix("-"), !part.hasSuffix("."), !part.hasSuffix("-"),
                  !part.contains("--"), !part.contains("..") else { return nil }
        }
        self.id = id
    }

    public var description: String { id }

    /// A full 40-digit lowercase hex git commit hash.
    public static func isCommitHash(_ text: String) -> Bool {
        text.count == 40 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
