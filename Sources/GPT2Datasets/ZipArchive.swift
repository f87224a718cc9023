import Foundation

/// Opens a `.zip` by extracting it with the system's `unzip` into a temporary folder. Foundation
/// on Linux has no decompression, so this needs `unzip` on the PATH (or in /usr/bin); without it
/// the error says to unpack the archive first.
struct ZipArchive {
    /// The temporary folder to delete when done.
    let folder: URL
    /// The folder inside holding `users.json` (the archive's top level or its only folder).
    let root: URL

    static func extract(_ url: URL) throws -> ZipArchive {
        let head = try FileSample.head(of: url, bytes: 4)
        guard head.starts(with: [0x50, 0x4B, 0x03, 0x04]) else {
            throw DatasetError.malformed(file: url.path, location: "byte 0", expected: "a Slack export folder or zip archive",
                                         found: "a file that is not a zip archive")
        }
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/bin", "/bin"]
        guard let unzip = candidates.map({ URL(fileURLWithPath: $0).appendingPathComponent("unzip") })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) })
        else {
            throw DatasetError.unzipFailed(file: url.path, reason: "the unzip program is not installed; unpack the archive and pass the folder instead")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-dataset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = unzip
        process.arguments = ["-qq", "-o", url.path, "-d", folder.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw DatasetError.unzipFailed(file: url.path, reason: error.localizedDescription)
        }
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(at: folder)
            throw DatasetError.unzipFailed(file: url.path, reason: "unzip exited with status \(process.terminationStatus) (a damaged archive?)")
        }
        var root = folder
        let top = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        if !top.contains("users.json"), top.count == 1 { root = folder.appendingPathComponent(top[0]) }
        return ZipArchive(folder: folder, root: root)
    }
}
