import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks a folder a command writes a new model into: not the model it reads from, and not a
/// model it would replace without being asked.
///
/// Paths are compared as the file system sees them: symbolic links resolved (also in the parts
/// of an output path that do not exist yet) and `.` / `..` removed. A symbolic link named as the
/// output folder would otherwise let a writer replace or delete the source's files.
public enum OutputFolder {
    /// The real path of `url`: for a path that does not exist yet, the real path of its deepest
    /// existing ancestor followed by the remaining components.
    public static func realPath(_ url: URL) -> String {
        // The path as given first: `..` after a symbolic link means the link target's parent.
        if let resolved = resolve(url.path) { return resolved }
        var existing = url.standardizedFileURL
        var rest: [String] = []
        while true {
            if let resolved = resolve(existing.path) {
                return rest.reversed().reduce(resolved) { ($0 as NSString).appendingPathComponent($1) }
            }
            let parent = existing.deletingLastPathComponent()
            if parent.path == existing.path { return url.standardizedFileURL.path }
            rest.append(existing.lastPathComponent)
            existing = parent
        }
    }

    /// Throws unless `output` and `source` are different folders once symbolic links, `.`,
    /// `..` and trailing slashes are resolved. (A folder inside the source, or one that holds it,
    /// is allowed: writing there replaces no file of the source.)
    ///
    /// - Throws: `CheckpointError.writeFailed` naming `output` and the source's real path.
    public static func requireSeparate(_ output: URL, from source: URL) throws(CheckpointError) {
        let out = realPath(output), src = realPath(source)
        guard out != src && !sameFile(out, src) else {
            let through = out == output.standardizedFileURL.path ? "" : " (through the path \(output.path))"
            throw .writeFailed(output, reason: "it is the source model folder \(src)\(through); "
                + "choose another folder for --out, so the source stays intact")
        }
    }

    /// Throws unless a new model may be written into `folder`: it is absent or a folder, it holds
    /// no model unless `force` is set, and it holds no sharded model at all (a single
    /// `model.safetensors` written beside `model.safetensors.index.json` would leave a folder
    /// that still loads the old shards).
    ///
    /// - Throws: `CheckpointError.writeFailed` naming `folder`.
    public static func requireReplaceable(_ folder: URL, force: Bool) throws(CheckpointError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) else { return }
        guard isFolder.boolValue else { throw .writeFailed(folder, reason: "it is a file, expected a folder for the model") }
        let index = CheckpointDirectory.indexFileName
        if FileManager.default.fileExists(atPath: folder.appending(path: index).path) {
            throw .writeFailed(folder, reason: "it holds a sharded model (\(index)), which a single "
                + "\(CheckpointDirectory.singleFileName) cannot replace; choose another folder or remove that model first")
        }
        guard !force else { return }
        for name in [CheckpointDirectory.singleFileName, "config.json"]
        where FileManager.default.fileExists(atPath: folder.appending(path: name).path) {
            throw .writeFailed(folder, reason: "it already holds a model (\(name)); pass --force to replace it")
        }
    }

    /// Copies the files `names` that exist in `source` into `destination`, each written to a
    /// temporary file and renamed over its target: a symbolic link or hard link at the target is
    /// replaced, never written through, so no file outside `destination` changes.
    public static func copyFiles(_ names: [String], from source: URL, to destination: URL) throws(CheckpointError) {
        for name in names {
            let from = source.appending(path: name)
            guard FileManager.default.fileExists(atPath: from.path) else { continue }
            let data: Data
            do { data = try Data(contentsOf: from) } catch {
                throw .unreadableFile(from, reason: "it cannot be read")
            }
            try AtomicFile.write([Array(data)], to: destination.appending(path: name))
        }
    }

    /// Whether both paths exist and are one file or folder (same device and inode), which also
    /// catches a folder reached through two mount points.
    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    private static func resolve(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
