extension WeightMatrix {
    /// Whether this weight can be kept in the `inputPanels` layout (f32, f16 or bf16 with n a
    /// multiple of 16, q4, or int8 with k even).
    public var canUsePanels: Bool { Self.canUsePanels(format: format, inputs: inputs, outputs: outputs) }

    /// `canUsePanels` of a weight of this format and shape.
    public static func canUsePanels(format: Format, inputs: Int, outputs: Int) -> Bool {
        switch format {
        case .q4: return true
        case .int8: return inputs % 2 == 0
        case .f32, .f16, .bf16: return outputs % panelWidth == 0
        }
    }

    /// This weight copied into the `inputPanels` layout, owning its memory: from `inputMajor`
    /// (f32, f16, bf16) or `outputMajor` (q4, int8).
    public func packedIntoPanels() -> WeightMatrix {
        switch format {
        case .int8: precondition(layout == .outputMajor && canUsePanels, "packedIntoPanels needs an output-major int8 weight with k even")
        case .q4: precondition(layout == .outputMajor, "packedIntoPanels needs an output-major q4 weight")
        case .f32, .f16, .bf16:
            precondition(layout == .inputMajor && canUsePanels, "packedIntoPanels needs a [k, n] f32/f16/bf16 weight with n a multiple of 16")
        }
        return rearranged(toPanels: true)
    }

    /// This weight in a storage layout that files hold (`inputMajor` or `outputMajor`): itself,
    /// or for `inputPanels` a copy owning its memory, row-major `[k, n]` (f32, f16, bf16) or
    /// output-major (q4, int8).
    public func inFileLayout() -> WeightMatrix {
        guard layout == .inputPanels else { return self }
        return rearranged(toPanels: false)
    }

    /// A copy owning its memory, moved into the `inputPanels` layout (`toPanels`) or out of it
    /// into the file layout of its format.
    private func rearranged(toPanels: Bool) -> WeightMatrix {
        let quantized = format == .int8 || format == .q4
        let target: Layout = toPanels ? .inputPanels : quantized ? .outputMajor : .inputMajor
        let buffer = WeightBuffer(dataBytes: dataByteCount, scalesBytes: format == .q4 ? max(1, scalesByteCount) : scalesByteCount)
        switch format {
        case .int8:
            Kernels.rearrangeInt8Panels(data, k: inputs, n: outputs, into: buffer.data, toPanels: toPanels)
            buffer.scales!.copyMemory(from: scales!, byteCount: scalesByteCount)
        case .q4:
            if toPanels {
                Kernels.packQ4Panels(data, k: inputs, n: outputs, into: buffer.data)
            } else {
                Kernels.unpackQ4Panels(data, k: inputs, n: outputs, into: buffer.data)
            }
            Kernels.rearrangeQ4PanelScales(scales!, k: inputs, n: outputs, into: buffer.scales!, toPanels: toPanels)
        case .f32, .f16, .bf16:
            let bytes = format == .f32 ? 4 : 2
            if toPanels {
                Kernels.packPanels(data, elementBytes: bytes, k: inputs, n: outputs, into: buffer.data)
            } else {
                Kernels.unpackPanels(data, elementBytes: bytes, k: inputs, n: outputs, into: buffer.data)
            }
        }
        return WeightMatrix(format: format, layout: target, inputs: inputs, outputs: outputs, data: UnsafeRawPointer(buffer.data),
                            scales: quantized ? UnsafeRawPointer(buffer.scales!) : nil, owner: buffer)
    }

    /// Where q4 element (p, j) lives in `layout` (outputMajor or inputPanels) for k inputs and n
    /// outputs: its byte in `data`, whether it is that byte's high nibble, and the index of its
    /// block's scale (UInt16) in `scales`. In panels (outputs below n - n % 16), output j is row
    /// r = j % 16 of panel P = j / 16, whose bytes start at 16 P · k / 2: chunk c = p / 8 (64
    /// bytes) holds 4 bytes for each row r at 64 c + 4 r, with elements 8c...8c+3 in their low
    /// nibbles and 8c+4...8c+7 in the high ones; its scales start at 16 P · k / 32, [k / 32][16].
    public static func q4Position(layout: Layout, k: Int, n: Int, input p: Int, output j: Int) -> (byte: Int, high: Bool, scale: Int) {
        let blocks = k / q4BlockSize
        if layout == .inputPanels && j < n - n % panelWidth {
            let panel = j - j % panelWidth, r = j % panelWidth, t = p % 8
            return (panel * k / 2 + 64 * (p / 8) + 4 * r + t % 4, t >= 4, panel * blocks + (p / q4BlockSize) * panelWidth + r)
        }
        precondition(layout != .inputMajor, "q4 weights have no input-major layout")
        return (j * k / 2 + p / 2, p % 2 == 1, j * blocks + p / q4BlockSize)
    }
}

extension WeightMatrix {
    /// The byte of int8 element (p, j) in `layout` (outputMajor or inputPanels) for k inputs and
    /// n outputs. In panels (outputs below n - n % 16, k even), output j is row r = j % 16 of
    /// panel P = j / 16, whose bytes start at 16 P · k: chunk q = p / 2 (32 bytes) holds inputs
    /// 2q and 2q + 1 of rows 0...7 as pairs (byte 2r + p % 2), then the same for rows 8...15.
    public static func int8Position(layout: Layout, k: Int, n: Int, input p: Int, output j: Int) -> Int {
        if layout == .inputPanels && j < n - n % panelWidth {
            let r = j % panelWidth
            return (j - r) * k + 32 * (p / 2) + 16 * (r / 8) + 2 * (r % 8) + p % 2
        }
        precondition(layout != .inputMajor, "int8 weights have no input-major layout")
        return j * k + p
    }
}

extension Kernels {
    /// Copies output-major int8 bytes (`[n, k]`, k even) into the int8 `inputPanels` layout
    /// (`WeightMatrix.int8Position`) when `toPanels`, or back when not; the last n % 16 rows stay
    /// where they are. `source` and `target` must not overlap.
    public static func rearrangeInt8Panels(_ source: UnsafeRawPointer, k: Int, n: Int, into target: UnsafeMutableRawPointer,
                                           toPanels: Bool) {
        precondition(k % 2 == 0, "int8 panels need k to be even (k = \(k))")
        let whole = n - n % WeightMatrix.panelWidth
        // Element pairs (2q, 2q + 1) of a row move together, two bytes at a time (checkpoint
        // int8 tensors may start at any address).
        for j in 0..<whole {
            let r = j % 16, panel = (j - r) * k + 16 * (r / 8) + 2 * (r % 8)
            for q in 0..<(k / 2) {
                let (rows, panels) = (j * k + 2 * q, panel + 32 * q)
                let (read, write) = toPanels ? (rows, panels) : (panels, rows)
                target.storeBytes(of: source.loadUnaligned(fromByteOffset: read, as: UInt16.self), toByteOffset: write, as: UInt16.self)
            }
        }
        (target + whole * k).copyMemory(from: source + whole * k, byteCount: (n - whole) * k)
    }
}

extension Kernels {
    /// Transposes a row-major `[rows, columns]` matrix of 16-bit elements (fp16, bf16) into
    /// `[columns, rows]`, in tiles of 64 x 64 so both sides are read and written a cache line
    /// at a time. `source` and `target` must not overlap.
    public static func transpose16(_ source: UnsafePointer<UInt16>, rows: Int, columns: Int, into target: UnsafeMutablePointer<UInt16>) {
        let tile = 64
        var r0 = 0
        while r0 < rows {
            let r1 = min(rows, r0 + tile)
            var c0 = 0
            while c0 < columns {
                let c1 = min(columns, c0 + tile)
                for c in c0..<c1 {
                    for r in r0..<r1 { target[c * rows + r] = source[r * columns + c] }
                }
                c0 = c1
            }
            r0 = r1
        }
    }
}

extension Kernels {
    /// Copies a row-major `[k, n]` matrix of `elementBytes`-byte elements (4: fp32, 2: fp16 /
    /// bf16) into the `inputPanels` layout `[n / 16][k][16]` (n a multiple of 16). `source` and
    /// `panels` must not overlap.
    public static func packPanels(_ source: UnsafeRawPointer, elementBytes: Int, k: Int, n: Int, into panels: UnsafeMutableRawPointer) {
        precondition(n % 16 == 0, "packPanels needs n to be a multiple of 16 (n = \(n))")
        let row = 16 * elementBytes
        for j in 0..<(n / 16) {
            for p in 0..<k {
                (panels + (j * k + p) * row).copyMemory(from: source + (p * n + j * 16) * elementBytes, byteCount: row)
            }
        }
    }

    /// The inverse of `packPanels`: `inputPanels` back to row-major `[k, n]`.
    public static func unpackPanels(_ panels: UnsafeRawPointer, elementBytes: Int, k: Int, n: Int, into target: UnsafeMutableRawPointer) {
        precondition(n % 16 == 0, "unpackPanels needs n to be a multiple of 16 (n = \(n))")
        let row = 16 * elementBytes
        for j in 0..<(n / 16) {
            for p in 0..<k {
                (target + (p * n + j * 16) * elementBytes).copyMemory(from: panels + (j * k + p) * row, byteCount: row)
            }
        }
    }
}

extension Kernels {
    /// Copies output-major q4 bytes (`[n, k / 2]`) into the q4 `inputPanels` byte layout
    /// (`WeightMatrix.q4Position`); the last n % 16 rows stay where they are. Each 4 source bytes
    /// (elements 8c...8c+7 of a row, in pairs) become the row's 4 bytes of chunk c. `source` and
    /// `panels` must not overlap.
    public static func packQ4Panels(_ source: UnsafeRawPointer, k: Int, n: Int, into panels: UnsafeMutableRawPointer) {
        forEachQ4Chunk(k: k, n: n, from: source, to: panels) { rows, panel, s, d in
            // s: elements (0,1) (2,3) (4,5) (6,7); d: (0,4) (1,5) (2,6) (3,7), low nibble first.
            d[panel] = (s[rows] & 0x0F) | (s[rows + 2] << 4)
            d[panel + 1] = (s[rows] >> 4) | (s[rows + 2] & 0xF0)
            d[panel + 2] = (s[rows + 1] & 0x0F) | (s[rows + 3] << 4)
            d[panel + 3] = (s[rows + 1] >> 4) | (s[rows + 3] & 0xF0)
        }
    }

    /// The inverse of `packQ4Panels`.
    public static func unpackQ4Panels(_ panels: UnsafeRawPointer, k: Int, n: Int, into target: UnsafeMutableRawPointer) {
        forEachQ4Chunk(k: k, n: n, from: panels, to: target) { rows, panel, s, d in
            d[rows] = (s[panel] & 0x0F) | (s[panel + 1] << 4)
            d[rows + 1] = (s[panel + 2] & 0x0F) | (s[panel + 3] << 4)
            d[rows + 2] = (s[panel] >> 4) | (s[panel + 1] & 0xF0)
            d[rows + 3] = (s[panel + 2] >> 4) | (s[panel + 3] & 0xF0)
        }
    }

    /// Calls `body(rowOffset, panelOffset, from, to)` for every 4-byte chunk of the panelled rows
    /// (its offset in the output-major layout and in the panel one), then copies the last n % 16
    /// rows, which both layouts keep in the same place.
    private static func forEachQ4Chunk(k: Int, n: Int, from: UnsafeRawPointer, to: UnsafeMutableRawPointer,
                                       _ body: (Int, Int, UnsafePointer<UInt8>, UnsafeMutablePointer<UInt8>) -> Void) {
        let s = from.assumingMemoryBound(to: UInt8.self), d = to.assumingMemoryBound(to: UInt8.self)
        let whole = n - n % WeightMatrix.panelWidth, rowBytes = k / 2
        for j in 0..<whole {
            let panel = (j - j % 16) * rowBytes + 4 * (j % 16)
            for c in 0..<(k / 8) { body(j * rowBytes + 4 * c, panel + 64 * c, s, d) }
        }
        (to + whole * rowBytes).copyMemory(from: from + whole * rowBytes, byteCount: (n - whole) * rowBytes)
    }

    /// Copies output-major q4 scales (`[n, k / 32]` UInt16) into panel order (`[n / 16][k / 32][16]`,
    /// then the last n % 16 rows as they are) when `toPanels`, or back when not. `source` and
    /// `target` must not overlap.
    public static func rearrangeQ4PanelScales(_ source: UnsafeRawPointer, k: Int, n: Int, into target: UnsafeMutableRawPointer,
                                              toPanels: Bool) {
        let from = source.assumingMemoryBound(to: UInt16.self), to = target.assumingMemoryBound(to: UInt16.self)
        let whole = n - n % WeightMatrix.panelWidth, blocks = k / WeightMatrix.q4BlockSize
        for j in 0..<whole {
            for b in 0..<blocks {
                let rows = j * blocks + b, panels = (j - j % 16) * blocks + b * 16 + j % 16
                if toPanels { to[panels] = from[rows] } else { to[rows] = from[panels] }
            }
        }
        (target + 2 * whole * blocks).copyMemory(from: source + 2 * whole * blocks, byteCount: 2 * (n - whole) * blocks)
    }
}
