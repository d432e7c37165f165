import Testing
import TestSupport
import TinyRuntime

/// MACs, parameters, weight bytes and arena size: the documented conventions on
/// hand-built graphs, and the reference models against hand-computed figures.
struct ModelStatisticsTests {
    /// A graph built from a list of tensors and operators (each operator gets
    /// its own operator-code entry), enough to exercise every convention
    /// without running anything.
    struct Graph {
        struct T {
            var shape: [Int32]
            var type: Int8 = 9                         // INT8
            var data: [UInt8]? = nil
        }
        struct Op {
            var code: Int8
            var inputs: [Int32]
            var outputs: [Int32]
            var optionsType: UInt8 = 0
            var options: [(Int, FlatBufferWriter.Field)] = []
        }
        var tensors: [T]
        var operators: [Op]
        var inputs: [Int32]
        var outputs: [Int32]

        /// A constant tensor of `shape` filled with ones.
        static func constant(_ shape: [Int32], type: Int8 = 9, bytesPerElement: Int = 1) -> T {
            T(shape: shape, type: type, data: [UInt8](repeating: 1, count: shape.reduce(1) { $0 * Int($1) } * bytesPerElement))
        }

        func model() throws -> Model {
            let w = FlatBufferWriter()
            var bufferOfTensor = [Int: UInt32]()
            var buffers: [[UInt8]] = [[]]
            for (i, t) in tensors.enumerated() {
                if let d = t.data {
                    bufferOfTensor[i] = UInt32(buffers.count)
                    buffers.append(d)
                }
            }
            let bytes = w.finish {
                w.table([
                    (0, .uint32(3)),
                    (1, .object { w.tables(operators.map { op in { w.table([(0, .int8(op.code)), (2, .int32(1))]) } }) }),
                    (2, .object {
                        w.tables([{
                            w.table([
                                (0, .object {
                                    w.tables(tensors.enumerated().map { i, t in {
                                        w.table([
                                            (0, .object { w.int32Vector(t.shape) }),
                                            (1, .int8(t.type)),
                                            (2, .uint32(bufferOfTensor[i] ?? 0)),
                                            (3, .object { w.string("t\(i)") }),
                                        ])
                                    } })
                                }),
                                (1, .object { w.int32Vector(inputs) }),
                                (2, .object { w.int32Vector(outputs) }),
                                (3, .object {
                                    w.tables(operators.enumerated().map { i, op in {
                                        var fields: [(Int, FlatBufferWriter.Field)] = [
                                            (0, .uint32(UInt32(i))),
                                            (1, .object { w.int32Vector(op.inputs) }),
                                            (2, .object { w.int32Vector(op.outputs) }),
                                        ]
                                        if op.optionsType != 0 {
                                            fields += [(3, .uint8(op.optionsType)), (4, .object { w.table(op.options) })]
                                        }
                                        return w.table(fields)
                                    } })
                                }),
                            ])
                        }])
                    }),
                    (4, .object { w.tables(buffers.map { data in { data.isEmpty ? w.table([]) : w.table([(0, .object { w.byteVector(data) })]) } }) }),
                ])
            }
            return try Model(bytes: bytes)
        }
    }

    // Builtin operator codes and option-union types of the TFLite schema.
    static let add: Int8 = 0, conv: Int8 = 3, depthwise: Int8 = 4, fullyConnected: Int8 = 9
    static let maxPool: Int8 = 17, mul: Int8 = 18, reshape: Int8 = 22, mean: Int8 = 40, tanh: Int8 = 28

    /// One operator of every kind the conventions distinguish.
    static func everyConvention() -> Graph {
        Graph(
            tensors: [
                .init(shape: [1, 8, 8, 4]),                              // 0 input
                Graph.constant([6, 3, 3, 4]),                            // 1 conv filter
                Graph.constant([6], type: 2, bytesPerElement: 4),        // 2 conv bias (int32)
                .init(shape: [1, 4, 4, 6]),                              // 3 conv out
                Graph.constant([1, 3, 3, 12]),                           // 4 depthwise filter, multiplier 2
                Graph.constant([12], type: 2, bytesPerElement: 4),       // 5 depthwise bias
                .init(shape: [1, 4, 4, 12]),                             // 6 depthwise out
                Graph.constant([12]),                                    // 7 MUL's constant scale
                .init(shape: [1, 4, 4, 12]),                             // 8 mul out
                Graph.constant([12]),                                    // 9 ADD's constant shift
                .init(shape: [1, 4, 4, 12]),                             // 10 add out
                .init(shape: [1, 2, 2, 12]),                             // 11 max pool out
                Graph.constant([2], type: 2, bytesPerElement: 4),        // 12 MEAN axes
                .init(shape: [1, 12]),                                   // 13 mean out
                Graph.constant([2], type: 2, bytesPerElement: 4),        // 14 RESHAPE shape
                .init(shape: [1, 12]),                                   // 15 reshape out
                Graph.constant([5, 12]),                                 // 16 FC weights (no bias)
                .init(shape: [1, 5]),                                    // 17 output
            ],
            operators: [
                .init(code: conv, inputs: [0, 1, 2], outputs: [3], optionsType: 1,
                      options: [(0, .int8(0)), (1, .int32(2)), (2, .int32(2)), (3, .int8(3))]),
                .init(code: depthwise, inputs: [3, 4, 5], outputs: [6], optionsType: 2,
                      options: [(0, .int8(0)), (1, .int32(1)), (2, .int32(1)), (3, .int32(2)), (5, .int32(2)), (6, .int32(2))]),
                .init(code: mul, inputs: [6, 7], outputs: [8]),
                .init(code: add, inputs: [9, 8], outputs: [10], optionsType: 11, options: [(0, .int8(1))]),
                .init(code: maxPool, inputs: [10], outputs: [11], optionsType: 5,
                      options: [(0, .int8(1)), (1, .int32(2)), (2, .int32(2)), (3, .int32(2)), (4, .int32(2))]),
                .init(code: mean, inputs: [11, 12], outputs: [13]),
                .init(code: reshape, inputs: [13, 14], outputs: [15]),
                .init(code: fullyConnected, inputs: [15, 16, -1], outputs: [17]),
            ],
            inputs: [0], outputs: [17])
    }

    @Test func conventionsOnEveryKindOfOperator() throws {
        let s = ModelStatistics(model: try Self.everyConvention().model())
        #expect(s.operators.map(\.name) == ["CONV_2D", "DEPTHWISE_CONV_2D", "MUL", "ADD", "MAX_POOL_2D", "MEAN", "RESHAPE", "FULLY_CONNECTED"])
        #expect(s.operators.map(\.macs) == [
            4 * 4 * 6 * 3 * 3 * 4,     // CONV_2D: outputs × kH·kW·inC
            4 * 4 * 12 * 3 * 3,        // DEPTHWISE_CONV_2D: outputs × kH·kW
            4 * 4 * 12,                // MUL: one per output
            4 * 4 * 12,                // ADD: one per output
            2 * 2 * 12 * 2 * 2,        // MAX_POOL_2D: outputs × window
            2 * 2 * 12,                // MEAN: one per input element
            0,                         // RESHAPE
            5 * 12,                    // FULLY_CONNECTED: batches·units·depth
        ])
        // Filters, biases and ADD/MUL constants are parameters; MEAN's axes
        // and RESHAPE's shape are not (but they are weight bytes).
        #expect(s.operators.map(\.parameters) == [6 * 36 + 6, 108 + 12, 12, 12, 0, 0, 0, 60])
        #expect(s.operators.map(\.weightBytes) == [216 + 24, 108 + 48, 12, 12, 0, 8, 8, 60])
        #expect(s.parameters == 222 + 120 + 12 + 12 + 60)
        #expect(s.weightBytes == 240 + 156 + 12 + 12 + 8 + 8 + 60)
        #expect(s.macs == s.operators.map(\.macs).reduce(0, +))
        #expect(s.operators.map(\.options) == ["3x3 s2 SAME RELU6", "3x3 s1 SAME d2 dm2", "", "RELU", "2x2 s2 VALID", "", "", ""])
        // Constant inputs are weights, not listed among the input shapes.
        #expect(s.operators[0].inputShapes == [[1, 8, 8, 4]])
        #expect(s.operators[3].inputShapes == [[1, 4, 4, 12]])
        #expect(s.operators[7].outputShapes == [[1, 5]])
        // The most alive at once is two 4x4x12 activations (MUL's input and
        // output, or ADD's), more than CONV_2D's 8x8x4 input and 4x4x6 output.
        #expect(s.arenaBytes == 2 * 192)
    }

    /// Tied weights: a constant read by two operators counts once in the
    /// totals and in each operator's row.
    @Test func sharedConstantsCountOnceInTotals() throws {
        let g = Graph(
            tensors: [.init(shape: [1, 8]), Graph.constant([8, 8]), .init(shape: [1, 8]), .init(shape: [1, 8])],
            operators: [.init(code: Self.fullyConnected, inputs: [0, 1, -1], outputs: [2]),
                        .init(code: Self.fullyConnected, inputs: [2, 1, -1], outputs: [3])],
            inputs: [0], outputs: [3])
        let s = ModelStatistics(model: try g.model())
        #expect(s.operators.map(\.parameters) == [64, 64])
        #expect(s.operators.map(\.weightBytes) == [64, 64])
        #expect(s.parameters == 64 && s.weightBytes == 64)
        #expect(s.macs == 128)
    }

    /// A model can load without being runnable; its figures must still come
    /// out, without trapping on absurd options.
    @Test func absurdOptionsSaturateInsteadOfTrapping() throws {
        let huge = Int32.max
        let g = Graph(
            tensors: [.init(shape: [1, 1024, 1024, 1024]), .init(shape: [1, 1024, 1024, 1024]),
                      .init(shape: [1, 1024, 1024, 1024]), .init(shape: [1, 4]), .init(shape: [1, 4])],
            operators: [
                .init(code: Self.maxPool, inputs: [0], outputs: [1], optionsType: 5,
                      options: [(1, .int32(1)), (2, .int32(1)), (3, .int32(huge)), (4, .int32(huge))]),
                .init(code: Self.maxPool, inputs: [1], outputs: [2], optionsType: 5,
                      options: [(1, .int32(1)), (2, .int32(1)), (3, .int32(huge)), (4, .int32(huge))]),
                .init(code: Self.maxPool, inputs: [3], outputs: [4], optionsType: 5,
                      options: [(1, .int32(1)), (2, .int32(1)), (3, .int32(-3)), (4, .int32(2))]),
                .init(code: Self.tanh, inputs: [2], outputs: [2]),
            ],
            inputs: [0, 3], outputs: [2, 4])
        let s = ModelStatistics(model: try g.model())
        #expect(s.operators.map(\.macs) == [Int.max, Int.max, 0, 0])
        #expect(s.macs == Int.max)
        #expect(s.operators[2].options == "2x-3 s1 SAME")
        #expect(s.operators[3].name == "TANH")
        #expect(s.arenaBytes >= 2 << 30)
    }

    /// Mutated reference models that still load must give figures, never a trap
    /// (the crash would end the test process; getting to the end is the proof).
    @Test(.enabled(if: SharedConformance.isAvailable, SharedConformance.skipReason),
          arguments: SharedConformance.models)
    func mutatedModelsNeverTrap(model name: String) throws {
        let original = try SharedConformance.file(name, "model.tflite")
        let structural = ModelFuzzTests.structuralOffsets(original)
        var rng = SeededGenerator(seed: 0x5717_1571 &+ UInt64(name.utf8.count))
        var loaded = 0
        for _ in 0..<1000 {
            guard let model = try? Model(bytes: ModelFuzzTests.mutate(original, structural: structural, rng: &rng)) else { continue }
            let s = ModelStatistics(model: model)
            #expect(s.macs >= 0 && s.parameters >= 0 && s.weightBytes >= 0 && s.arenaBytes >= 0)
            #expect(s.operators.count == model.main.operators.count)
            loaded += 1
        }
        #expect(loaded > 100, "\(name): only \(loaded) variants loaded")
    }

    // MARK: - Reference models

    @Test(.enabled(if: SharedConformance.isAvailable, SharedConformance.skipReason))
    func kws01ByHand() throws {
        let s = ModelStatistics(model: try SharedConformance.model("kws01"))
        // CONV 10x4 on 49x10x1 -> 25x5x64, then 4 x (DW 3x3 + 1x1 64->64), pool, FC 64->12.
        let conv0 = 25 * 5 * 64 * 10 * 4
        let dw = 25 * 5 * 64 * 9, pw = 25 * 5 * 64 * 64
        #expect(s.operators[0].macs == conv0)
        #expect(s.operators[1].macs == dw)
        #expect(s.operators[2].macs == pw)
        #expect(s.macs == conv0 + 4 * (dw + pw) + 25 * 5 * 64 + 64 * 12)
        // Weights + biases: conv0, 4 DW, 4 PW, FC.
        #expect(s.parameters == (64 * 40 + 64) + 4 * (9 * 64 + 64) + 4 * (64 * 64 + 64) + (12 * 64 + 12))
        #expect(s.operators[0].options == "10x4 s2 SAME RELU")
        #expect(s.operators[1].options == "3x3 s1 SAME RELU")
        #expect(s.operators[9].options == "25x5 s25x5 VALID")
        // Two 25x5x64 int8 activations alive at once.
        #expect(s.arenaBytes == 2 * 25 * 5 * 64)
    }

    @Test(.enabled(if: SharedConformance.isAvailable, SharedConformance.skipReason))
    func ad01ByHand() throws {
        let s = ModelStatistics(model: try SharedConformance.model("ad01"))
        let layers = [(640, 128), (128, 128), (128, 128), (128, 128), (128, 8), (8, 128), (128, 128), (128, 128), (128, 128), (128, 640)]
        #expect(s.macs == layers.reduce(0) { $0 + $1.0 * $1.1 })
        #expect(s.parameters == layers.reduce(0) { $0 + $1.0 * $1.1 + $1.1 })
        #expect(s.arenaBytes == 640 + 128)
    }

    /// The figures Docs/runtime.md quotes, in line with the MLPerf Tiny papers
    /// (about 2.7 M, 7.5 M, 0.26 M and 12.5 M MACs; ic02, v1.4's large ResNet, 76.6 M).
    static let referenceFigures: [String: (macs: Int, parameters: Int, weightBytes: Int, arenaBytes: Int)] = [
        "kws01": (2_664_768, 22_604, 24_376, 16_000),
        "vww01": (7_491_968, 210_850, 219_072, 55_296),
        "ad01": (264_192, 265_864, 270_880, 768),
        "ic01": (12_534_400, 77_706, 78_752, 49_152),
        "ic02": (76_555_840, 480_330, 482_888, 122_880),
    ]

    @Test(.enabled(if: SharedConformance.isAvailable, SharedConformance.skipReason),
          arguments: SharedConformance.models)
    func referenceFigures(model: String) throws {
        let (macs, parameters, weightBytes, arenaBytes) = try #require(Self.referenceFigures[model])
        let s = ModelStatistics(model: try SharedConformance.model(model))
        #expect(s.macs == macs)
        #expect(s.parameters == parameters)
        #expect(s.weightBytes == weightBytes)
        #expect(s.arenaBytes == arenaBytes)
        // No reference model shares a constant, so the totals are the sums of the rows.
        #expect(s.operators.map(\.macs).reduce(0, +) == s.macs)
        #expect(s.operators.map(\.parameters).reduce(0, +) == s.parameters)
        #expect(s.operators.map(\.weightBytes).reduce(0, +) == s.weightBytes)
    }
}
