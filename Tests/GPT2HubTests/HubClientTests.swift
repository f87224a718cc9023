import Foundation
import GPT2Hub
import Testing

/// `HubClient` against `MockHub`, a local server that answers like the Hub's resolve endpoint.
@Suite(.serialized) struct HubClientTests {
    static func bytes(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    static let config = Array(#"{"model_type": "gpt2", "n_layer": 2}"#.utf8)
    static let weights = bytes(300_000, seed: 7)

    /// A hub with `gpt2-tiny` (single file), `owner/sharded` (two shards) and `owner/private`.
    static func makeHub() async -> MockHub {
        let hub = MockHub()
        for repository in ["gpt2-tiny", "owner/private"] {
            await hub.add(repository, "config.json", config, lfs: false)
            await hub.add(repository, "model.safetensors", weights, lfs: true)
            await hub.add(repository, "vocab.json", Array(#"{"a": 0}"#.utf8), lfs: false)
            await hub.add(repository, "merges.txt", Array("#version: 0.2\n".utf8), lfs: false)
        }
        await hub.makePrivate("owner/private")
        await hub.add("owner/sharded", "config.json", config, lfs: false)
        let index = #"{"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}"#
        await hub.add("owner/sharded", "model.safetensors.index.json", Array(index.utf8), lfs: false)
        await hub.add("owner/sharded", "model-00001-of-00002.safetensors", bytes(1000, seed: 1), lfs: true)
        await hub.add("owner/sharded", "model-00002-of-00002.safetensors", bytes(2000, seed: 2), lfs: true)
        return hub
    }

    static func client(_ base: URL, cache: URL, token: String? = nil, offline: Bool = false) -> HubClient {
        var environment = ["HF_ENDPOINT": base.absoluteString, "HF_HUB_CACHE": cache.path]
        if let token { environment["HF_TOKEN"] = token }
        if offline { environment["HF_HUB_OFFLINE"] = "1" }
        return HubClient(environment: environment)
    }

    static func temporaryCache() -> URL {
        FileManager.default.temporaryDirectory.appending(path: "hub-cache-\(UUID().uuidString)")
    }

    static func message(_ error: any Error) -> String { (error as? LocalizedError)?.errorDescription ?? "\(error)" }

    @Test func sha256_matchesTheStandardVectors() {
        var empty = SHA256()
        #expect(empty.hexDigest() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256()
        abc.update(Array("abc".utf8))
        #expect(abc.hexDigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var long = SHA256()
        for chunk in stride(from: 0, to: 1_000_000, by: 4_096) { long.update([UInt8](repeating: 0x61, count: min(4_096, 1_000_000 - chunk))) }
        #expect(long.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func download_fillsTheCacheInHuggingFaceLayout_andIsNotRepeated() async throws {
        let hub = await Self.makeHub()
        let cache = Self.temporaryCache()
        defer { try? FileManager.default.removeItem(at: cache) }
        try await hub.serve { base in
            let client = Self.client(base, cache: cache)
            let folder = try await client.snapshot(HubRepository("gpt2-tiny")!)
            #expect(folder.path == cache.appending(path: "models--gpt2-tiny/snapshots/\(MockHub.commit)").path)
            #expect(try Data(contentsOf: folder.appending(path: "model.safetensors")) == Data(Self.weights))
            #expect(try Data(contentsOf: folder.appending(path: "config.json")) == Data(Self.config))
            let link = try FileManager.default.destinationOfSymbolicLink(atPath: folder.appending(path: "model.safetensors").path)
            #expect(link == "../../blobs/\(MockHub.sha256(Self.weights))")
            let ref = try String(contentsOf: cache.appending(path: "models--gpt2-tiny/refs/main"), encoding: .utf8)
            #expect(ref == MockHub.commit)
            await hub.clearLog()
            _ = try await client.snapshot(HubRepository("gpt2-tiny")!)
            let again = await hub.log
            #expect(again.allSatisfy { $0.hasPrefix("HEAD") }, "\(again)")
        }
    }

    @Test func shardedWeights_downloadEveryShardTheIndexNames() async throws {
        let hub = await Self.makeHub()
        let cache = Self.temporaryCache()
        defer { try? FileManager.default.removeItem(at: cache) }
        try await hub.serve { base in
            let folder = try await Self.client(base, cache: cache).snapshot(HubRepository("owner/sharded")!)
            #expect(folder.path.contains("models--owner--sharded/snapshots/"))
            #expect(try Data(contentsOf: folder.appending(path: "model-00002-of-00002.safetensors")) == Data(Self.bytes(2000, seed: 2)))
            #expect(FileManager.default.fileExists(atPath: folder.appending(path: "model-00001-of-00002.safetensors").path))
        }
    }

    @Test func privateRepository_needsTheToken() async throws {
        let hub = await Self.makeHub()
        let cache = Self.temporaryCache()
        defer { try? FileManager.default.removeItem(at: cache) }
        try await hub.serve { base in
            let repository = HubRepository("owner/private")!
            await #expect { _ = try await Self.client(base, cache: cache).snapshot(repository) } throws: { error in
                Self.message(error).contains("HF_TOKEN")
            }
            await #expect { _ = try await Self.client(base, cache: cache, token: "wrong").snapshot(repository) } throws: { error in
                Self.message(error).contains("refused HF_TOKEN")
            }
            let folder = try await Self.client(base, cache: cache, token: MockHub.token).snapshot(repository)
            #expect(try Data(contentsOf: folder.appending(path: "model.safetensors")) == Data(Self.weights))
        }
    }

    @Test func unknownRepository_saysSo() async throws {
        let hub = await Self.makeHub()
        let cache = Self.temporaryCache()
        defer { try? FileManager.default.removeItem(at: cache) }
        try await hub.serve { base in
            await #expect { _ = try await Self.client(base, cache: cache).snapshot(HubRepository("nobody/nothing")!) } throws: { error in
                Self.message(error).contains("no model repository nobody/nothing")
            }
        }
    }

    @Test func interruptedDownload_resumesWithARangeRequest() async throws {
        let hub = await Self.makeHub()
        let cache = Self.temporaryCache()
        defer { try? FileManager.default.removeItem(at: cache) }
        let sha = MockHub.sha256(Self.weights)
        await hub.cut(sha)
        try await hub.serve { base in
            let client = Self.client(base, cache: cache)
            await #expect { _ = try await client.snapshot(HubRepository("gpt2-tiny")!) } throws: { error in
                Self.message(error).contains(".incomplete")
            }
            let partial = cache.appending(path: "models--gpt2-tiny/blobs/\(sha).incomplete")
            let kept = (try FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? Int) ?? 0
            #expect(kept > 0 && kept < Self.weights.count, "kept \(kept) bytes")
            let folder = try await client.snapshot(HubRepository("gpt2-tiny")!)
            #expect(try Data(contentsOf: folder.appending(path: "model.safetensors")) == Data(Self.weights))
            let log = await hub.log
            #expect(log.contains("GET /cdn/\(sha) bytes=\(kept)-"), "\(log)")
            #expect(!FileManager.default.fileExists(atPath: partial.path))
        }
    }

    @Test func corruptedDownload_isDeletedAndReported() async throws {
        let hub = await Self.makeHub()
        let cache = Self.temporaryCache()
        defer { try? FileManager.default.removeItem(at: cache) }
        let sha = MockHub.sha256(Self.weights)
        await hub.corrupt(sha)
        try await hub.serve { base in
            await #expect { _ = try await Self.client(base, cache: cache).snapshot(HubRepository("gpt2-tiny")!) } throws: { error in
                Self.message(error).contains("sha256")
            }
            #expect(!FileManager.default.fileExists(atPath: cache.appending(path: "models--gpt2-tiny/blobs/\(sha)").path))
            #expect(!FileManager.default.fileExists(atPath: cache.appending(path: "models--gpt2-tiny/blobs/\(sha).incomplete").path))
        }
    }

    @Test func offline_answersFromTheCacheOnly() async throws {
        let hub = await Self.makeHub()
        let cache = Self.temporaryCache()
        defer { try? FileManager.default.removeItem(at: cache) }
        try await hub.serve { base in
            await #expect { _ = try await Self.client(base, cache: cache, offline: true).snapshot(HubRepository("gpt2-tiny")!) } throws: { error in
                Self.message(error).contains("HF_HUB_OFFLINE")
            }
            let online = try await Self.client(base, cache: cache).snapshot(HubRepository("gpt2-tiny")!)
            await hub.clearLog()
            let offline = try await Self.client(base, cache: cache, offline: true).snapshot(HubRepository("gpt2-tiny")!)
            #expect(offline == online)
            #expect(await hub.log.isEmpty)
        }
    }

    /// A cache written by `huggingface_hub` (same layout, built here by hand) is found offline.
    @Test func cacheWrittenByHuggingFaceHub_isFound() async throws {
        let cache = Self.temporaryCache()
        defer { try? FileManager.default.removeItem(at: cache) }
        let repo = cache.appending(path: "models--openai-community--gpt2")
        let commit = "607a30d783dfa663caf39e06633721c8d4cfcd7e"
        let fm = FileManager.default
        try fm.createDirectory(at: repo.appending(path: "blobs"), withIntermediateDirectories: true)
        try fm.createDirectory(at: repo.appending(path: "refs"), withIntermediateDirectories: true)
        try fm.createDirectory(at: repo.appending(path: "snapshots/\(commit)"), withIntermediateDirectories: true)
        try Data(Self.config).write(to: repo.appending(path: "blobs/10c66461e4c109db5a2196bff4bb59be30396ed8"))
        try fm.createSymbolicLink(atPath: repo.appending(path: "snapshots/\(commit)/config.json").path,
                                  withDestinationPath: "../../blobs/10c66461e4c109db5a2196bff4bb59be30396ed8")
        try Data(commit.utf8).write(to: repo.appending(path: "refs/main"))
        let client = HubClient(environment: ["HF_HOME": cache.deletingLastPathComponent().path, "HF_HUB_CACHE": cache.path,
                                             "HF_HUB_OFFLINE": "1"])
        let found = try await client.snapshot(HubRepository("openai-community/gpt2")!)
        #expect(try Data(contentsOf: found.appending(path: "config.json")) == Data(Self.config))
    }

    @Test func repositoryIds_areValidatedAndCacheFoldersNamed() {
        #expect(HubRepository("gpt2") != nil && HubRepository("openai-community/gpt2-medium") != nil)
        for bad in ["", "/gpt2", "a/b/c", "../etc", "a--b", "x/.hidden", "name with space"] {
            #expect(HubRepository(bad) == nil, "\(bad)")
        }
        let cache = HubCache(environment: ["HF_HOME": "/srv/hf"])
        #expect(cache.root.path == "/srv/hf/hub")
        #expect(cache.repositoryFolder(HubRepository("owner/name")!).lastPathComponent == "models--owner--name")
        #expect(HubCache(environment: ["HOME": "/home/u"]).root.path == "/home/u/.cache/huggingface/hub")
    }
}
