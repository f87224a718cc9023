import Foundation

extension HubClient {
    /// The local folder for what a user passed as `--model`: the path itself when it exists;
    /// otherwise, for a Hub repository id (`gpt2`, `owner/model`), its snapshot in the cache,
    /// downloaded first unless already there (saying so through `notice`).
    public func modelFolder(for name: String, revision: String = "main",
                            notice: (String) -> Void = { _ in }) async throws -> URL {
        let expanded = (name as NSString).expandingTildeInPath
        if FileManager.default.fileExists(atPath: expanded) || name.hasPrefix(".") || name.hasPrefix("/") {
            return URL(fileURLWithPath: expanded)
        }
        guard let repository = HubRepository(name) else {
            return URL(fileURLWithPath: expanded)  // not a hub id: the loader reports the missing folder
        }
        if !offline {
            if let commit = cache.commit(repository, revision: revision),
               FileManager.default.fileExists(atPath: cache.snapshot(repository, commit: commit).appending(path: "config.json").path) {
                notice("Checking \(repository) on \(endpoint.host ?? endpoint.absoluteString) against the copy in \(cache.root.path)...")
            } else {
                notice("\(name) is not a folder here: downloading \(repository) from \(endpoint.absoluteString) into \(cache.root.path) (set HF_HUB_OFFLINE=1 to stay offline).")
            }
        }
        return try await snapshot(repository, revision: revision)
    }
}

/// A one-line progress bar on standard error: `name  45% 120.3/268.0 MB`, redrawn in place on
/// a terminal; elsewhere (a log file, CI) one line per finished file.
public struct DownloadProgress: Sendable {
    public init() {}

    /// A progress callback for `HubClient.progress` that redraws at most every 1% step.
    public func callback() -> @Sendable (String, Int, Int) -> Void {
        let last = LastPercent()
        let terminal = isatty(2) != 0
        return { name, done, total in
            guard total > 0 else { return }
            let percent = min(100, done * 100 / total)
            guard last.advance(to: "\(name) \(percent)"), terminal || percent == 100 else { return }
            let line = String(format: "\r%@ %3d%% %.1f/%.1f MB", name, percent, Double(done) / 1e6, Double(total) / 1e6)
            FileHandle.standardError.write(Data((line + (percent == 100 ? "\n" : "")).utf8))
        }
    }
}

private final class LastPercent: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""
    func advance(to state: String) -> Bool {
        lock.withLock {
            guard state != value else { return false }
            value = state
            return true
        }
    }
}
