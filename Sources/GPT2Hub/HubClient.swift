import Foundation
import NIOHTTP1

/// Downloads a model's files from the Hugging Face Hub (or a server that answers like its
/// `resolve` endpoint) into the shared cache, the way `huggingface_hub` does:
///
/// 1. `HEAD {endpoint}/{repo}/resolve/{revision}/{file}` without following redirects: the file's
///    ETag (`X-Linked-Etag` for LFS files: their sha256; else `ETag`), size (`X-Linked-Size` or
///    `Content-Length`), commit (`X-Repo-Commit`) and, for LFS files, the storage `Location`.
/// 2. A blob already in the cache under that ETag is kept; otherwise `GET` into
///    `blobs/<etag>.incomplete`, resuming with `Range: bytes=N-` where an earlier download
///    stopped, then checked (size; sha256 where the ETag is one) and renamed into place.
/// 3. `snapshots/<commit>/<file>` links to the blob; `refs/<revision>` records the commit.
///
/// `HF_TOKEN` is sent as a bearer token; `HF_ENDPOINT` replaces https://huggingface.co;
/// `HF_HUB_OFFLINE=1` answers from the cache only.
public struct HubClient: Sendable {
    public var endpoint: URL
    public var token: String?
    public var offline: Bool
    public var cache: HubCache
    /// Called as bytes arrive: file name, bytes so far (including a resumed part), total.
    public var progress: (@Sendable (String, Int, Int) -> Void)?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        endpoint = URL(string: environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://huggingface.co")
            ?? URL(string: "https://huggingface.co")!
        token = environment["HF_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        offline = ["1", "true", "yes", "on"].contains(environment["HF_HUB_OFFLINE"]?.lowercased() ?? "")
        cache = HubCache(environment: environment)
    }

    /// The files a GPT-2 folder needs; the optional ones may be absent from a repository.
    static let required = ["config.json"]
    static let optional = ["generation_config.json", "vocab.json", "merges.txt", "tokenizer.json"]

    /// Downloads (or finds in the cache) what `gpt2` loads from `repository` at `revision`:
    /// config, safetensors weights (single or sharded), tokenizer files. Returns the snapshot
    /// folder, which every command accepts as `--model`.
    public func snapshot(_ repository: HubRepository, revision: String = "main") async throws -> URL {
        if offline {
            guard let commit = cache.commit(repository, revision: revision) else {
                throw HubError.notCached(repository, revision: revision, cache: cache.root)
            }
            let folder = cache.snapshot(repository, commit: commit)
            guard FileManager.default.fileExists(atPath: folder.appending(path: "config.json").path) else {
                throw HubError.notCached(repository, revision: revision, cache: cache.root)
            }
            return folder
        }
        var commit: String?
        for file in Self.required {
            commit = try await fetch(repository, revision: revision, file: file, optional: false)
        }
        // Weights: one file, or an index naming the shards.
        if let found = try await fetch(repository, revision: revision, file: "model.safetensors", optional: true) {
            commit = found
        } else {
            guard let found = try await fetch(repository, revision: revision, file: "model.safetensors.index.json", optional: true) else {
                throw HubError.noWeights(repository, revision: revision)
            }
            commit = found
            let index = cache.snapshot(repository, commit: found).appending(path: "model.safetensors.index.json")
            for shard in try Self.shardNames(index) {
                _ = try await fetch(repository, revision: revision, file: shard, optional: false)
            }
        }
        for file in Self.optional { _ = try await fetch(repository, revision: revision, file: file, optional: true) }
        guard let commit else { throw HubError.noWeights(repository, revision: revision) }
        try cache.setRef(repository, revision: revision, commit: commit)
        return cache.snapshot(repository, commit: commit)
    }

    /// The shard file names an index's `weight_map` lists, each checked to be a plain file name.
    static func shardNames(_ index: URL) throws -> [String] {
        guard let data = try? Data(contentsOf: index),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let map = object["weight_map"] as? [String: String] else {
            throw HubError.badResponse(index.path, reason: "it is not a safetensors index with a weight_map")
        }
        let names = Set(map.values).sorted()
        for name in names where name.contains("/") || name.hasPrefix(".") || !name.hasSuffix(".safetensors") {
            throw HubError.badResponse(index.path, reason: "it names a shard \"\(name)\" that is not a .safetensors file beside it")
        }
        return names
    }

    func resolveURL(_ repository: HubRepository, revision: String, file: String) -> URL {
        let encodedRevision = revision.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? revision
        return endpoint.appending(path: "\(repository.id)/resolve/\(encodedRevision)/\(file)")
    }

    /// The headers of every request to the hub.
    var requestHeaders: HTTPHeaders {
        var headers: HTTPHeaders = ["Accept-Encoding": "identity", "User-Agent": "gpt2-swift"]
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        return headers
    }

    /// One file into the cache; returns the commit it belongs to, or nil when an optional file
    /// does not exist.
    func fetch(_ repository: HubRepository, revision: String, file: String, optional: Bool) async throws -> String? {
        let url = resolveURL(repository, revision: revision, file: file)
        let head: HubResponse
        do {
            (head, _) = try await HubTransfer.run(url, method: .HEAD, headers: requestHeaders, followRedirects: false)
        } catch {
            throw HubError.unreachable(url.absoluteString, reason: HubTransfer.describe(error))
        }
        switch head.statusCode {
        case 200..<400: break
        case 401, 403: throw HubError.unauthorized(repository, hasToken: token != nil)
        case 404 where optional: return nil
        case 404:
            throw head.value(forHTTPHeaderField: "X-Error-Code") == "EntryNotFound"
                ? HubError.fileNotFound(repository, revision: revision, file: file) : HubError.repositoryNotFound(repository, revision: revision)
        default: throw HubError.badResponse(url.absoluteString, reason: "the server answered HTTP \(head.statusCode)")
        }
        guard let etag = Self.normalizedETag(head.value(forHTTPHeaderField: "X-Linked-Etag") ?? head.value(forHTTPHeaderField: "ETag")),
              let commit = head.value(forHTTPHeaderField: "X-Repo-Commit"), !commit.isEmpty else {
            throw HubError.badResponse(url.absoluteString, reason: "its answer has no ETag or X-Repo-Commit header, so it is not a Hugging Face Hub endpoint")
        }
        guard etag.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }), commit.allSatisfy({ $0.isHexDigit }) else {
            throw HubError.badResponse(url.absoluteString, reason: "its ETag or commit holds characters a file name cannot")
        }
        let size = Int(head.value(forHTTPHeaderField: "X-Linked-Size") ?? head.value(forHTTPHeaderField: "Content-Length") ?? "")
        let blob = cache.blob(repository, etag: etag)
        let fm = FileManager.default
        if !fm.fileExists(atPath: blob.path) {
            let location = (300..<400).contains(head.statusCode)
                ? head.value(forHTTPHeaderField: "Location").flatMap { URL(string: $0, relativeTo: url)?.absoluteURL } : nil
            try await download(location ?? url, to: blob, name: file, size: size, etag: etag)
        }
        try cache.link(repository, commit: commit, file: file, etag: etag)
        return commit
    }

    /// `"abc"`, `W/"abc"` -> `abc`.
    static func normalizedETag(_ value: String?) -> String? {
        guard var etag = value?.trimmingCharacters(in: .whitespaces), !etag.isEmpty else { return nil }
        if etag.hasPrefix("W/") { etag.removeFirst(2) }
        return etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    func download(_ url: URL, to blob: URL, name: String, size: Int?, etag: String) async throws {
        let fm = FileManager.default
        try fm.createDirectory(at: blob.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = URL(fileURLWithPath: blob.path + ".incomplete")
        if !fm.fileExists(atPath: partial.path) { fm.createFile(atPath: partial.path, contents: nil) }
        var offset = ((try? fm.attributesOfItem(atPath: partial.path)[.size]) as? Int) ?? 0
        if let size, offset > size { try Data().write(to: partial); offset = 0 }
        for attempt in 0..<2 {
            var headers = requestHeaders
            if offset > 0 { headers.add(name: "Range", value: "bytes=\(offset)-") }
            guard let handle = try? FileHandle(forWritingTo: partial) else {
                throw HubError.cacheNotWritable(partial.path)
            }
            try handle.seek(toOffset: UInt64(offset))
            let start = offset, total = size ?? 0, report = progress
            let response: HubResponse
            do {
                (response, _) = try await HubTransfer.run(url, method: .GET, headers: headers, followRedirects: true, sink: handle,
                                                          progress: { report?(name, start + $0, total) },
                                                          accept: { $0.statusCode == 206 || ($0.statusCode == 200 && start == 0) })
                try handle.close()
            } catch {
                try? handle.close()
                throw HubError.interrupted(name, kept: partial.path, reason: HubTransfer.describe(error))
            }
            if response.statusCode == 200 && start > 0 && attempt == 0 {
                // The server ignored the range: start over from the first byte.
                try Data().write(to: partial)
                offset = 0
                continue
            }
            if response.statusCode == 416, let size, start == size { break }
            guard response.statusCode == 200 || response.statusCode == 206 else {
                if response.statusCode == 401 || response.statusCode == 403 { throw HubError.unauthorized(nil, hasToken: token != nil) }
                throw HubError.badResponse(url.absoluteString, reason: "the download answered HTTP \(response.statusCode)")
            }
            break
        }
        let written = ((try? fm.attributesOfItem(atPath: partial.path)[.size]) as? Int) ?? 0
        if let size, written != size {
            throw HubError.interrupted(name, kept: partial.path, reason: "\(written) of \(size) bytes arrived")
        }
        if etag.count == 64, etag.allSatisfy({ $0.isHexDigit }) {
            let digest = try Self.sha256(of: partial)
            guard digest == etag.lowercased() else {
                try? fm.removeItem(at: partial)
                throw HubError.checksumMismatch(name, expected: etag, actual: digest)
            }
        }
        if fm.fileExists(atPath: blob.path) { try fm.removeItem(at: blob) }
        try fm.moveItem(at: partial, to: blob)
    }

    static func sha256(of file: URL) throws -> String {
        guard let handle = try? FileHandle(forReadingFrom: file) else { throw HubError.cacheNotWritable(file.path) }
        defer { try? handle.close() }
        var hash = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty {
            chunk.withUnsafeBytes { hash.update($0) }
        }
        return hash.hexDigest()
    }
}
