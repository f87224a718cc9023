/// Owned, 64-byte aligned memory for a `WeightMatrix` that a `Quantizer` made (its `owner`);
/// freed when the last matrix referring to it goes away.
final class WeightBuffer: @unchecked Sendable {
    let data: UnsafeMutableRawPointer
    let scales: UnsafeMutableRawPointer?

    init(dataBytes: Int, scalesBytes: Int) {
        data = .allocate(byteCount: max(1, dataBytes), alignment: 64)
        scales = scalesBytes > 0 ? .allocate(byteCount: scalesBytes, alignment: 64) : nil
    }

    deinit {
        data.deallocate()
        scales?.deallocate()
    }
}
