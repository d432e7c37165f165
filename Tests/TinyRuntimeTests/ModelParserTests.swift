import Testing
import TestSupport
import TinyRuntime

/// The reader on hand-built models (every schema corner we care about) and on
/// the reference models (against the facts of ../shared/conformance/OPS.md).
struct ModelParserTests {
    /// A one-operator model: int8 [1,4] in, int8 [1,4] out.
    struct Spec {
        var deprecatedCode: Int8 = 19          // RELU
        var extendedCode: Int32? = nil
        var customCode: String? = nil
        var inputType: Int8 = 9                // INT8
        var version: UInt32 = 3
        var identifier = "TFL3"
        var hasSubgraph = true
        var metadata: [(String, [UInt8])] = []
    }

    static func build(_ spec: Spec) -> [UInt8] {
        let w = FlatBufferWriter(identifier: spec.identifier)
        return w.finish {
            w.table([
                (0, .uint32(spec.version)),
                (1, .object {
                    w.tables([{
                        var fields: [(Int, FlatBufferWriter.Field)] = [(0, .int8(spec.deprecatedCode)), (2, .int32(1))]
                        if let e = spec.extendedCode { fields.append((3, .int32(e))) }
                        if let c = spec.customCode { fields.append((1, .object { w.string(c) })) }
                        return w.table(fields)
                    }])
                }),
                (2, .object {
                    w.tables(spec.hasSubgraph ? [{
                        w.table([
                            (0, .object {
                                w.tables((0..<2).map { i in {
                                    w.table([
                                        (0, .object { w.int32Vector([1, 4]) }),
                                        (1, .int8(i == 0 ? spec.inputType : 9)),
                                        (2, .uint32(0)),
                                        (3, .object { w.string(i == 0 ? "input" : "output") }),
                                        (4, .object {
                                            w.table([(2, .object { w.floatVector([0.5]) }), (3, .object { w.int64Vector([0]) })])
                                        }),
                                    ])
                                } })
                            }),
                            (1, .object { w.int32Vector([0]) }),
                            (2, .object { w.int32Vector([1]) }),
                            (3, .object {
                                w.tables([{
                                    w.table([(0, .uint32(0)), (1, .object { w.int32Vector([0]) }), (2, .object { w.int32Vector([1]) })])
                                }])
                            }),
                            (4, .object { w.string("main") }),
                        ])
                    }] : [])
                }),
                (3, .object { w.string("hand-built test model") }),
                (4, .object {
                    w.tables([{ w.table([]) }] + spec.metadata.map { entry in { w.table([(0, .object { w.byteVector(entry.1) })]) } })
                }),
                (6, .object {
                    w.tables(spec.metadata.enumerated().map { i, entry in {
                        w.table([(0, .object { w.string(entry.0) }), (1, .uint32(UInt32(i + 1)))])
                    } })
                }),
            ])
        }
    }

    @Test func handBuiltModelLoadsAndRuns() throws {
        let model = try Model(bytes: Self.build(Spec()))
        #expect(model.version == 3)
        #expect(model.description == "hand-built test model")
        #expect(model.main.name == "main")
        #expect(model.main.tensors.map(\.name) == ["input", "output"])
        #expect(model.main.tensors[0].quantization == Quantization(scales: [0.5], zeroPoints: [0]))
        #expect(model.main.operators.map(\.code) == [.relu])
        let interpreter = try Interpreter(model: model)
        try interpreter.setInput([UInt8(bitPattern: -3), 5, UInt8(bitPattern: -128), 127])
        interpreter.invoke()
        #expect(try interpreter.output() == [0, 5, 0, 127])
    }

    /// TFLite's rule: the operator is the larger of deprecated_builtin_code
    /// and builtin_code. Old files set only the first, new ones both; codes
    /// above 126 put the placeholder 127 in the first.
    @Test func extendedBuiltinCode() throws {
        var spec = Spec()
        spec.extendedCode = 19
        #expect(try Model(bytes: Self.build(spec)).main.operators[0].code == .relu)
        spec.deprecatedCode = 0
        #expect(try Model(bytes: Self.build(spec)).main.operators[0].code == .relu)
        spec.deprecatedCode = 127
        spec.extendedCode = 150
        let model = try Model(bytes: Self.build(spec))
        #expect(model.main.operators[0].code.rawValue == 150)
        #expect(throws: ModelError.unsupportedOperator("operator 0 (BUILTIN_150) is not implemented by TinyRuntime")) {
            try Interpreter(model: model)
        }
    }

    @Test func unsupportedOperatorIsNamed() throws {
        var spec = Spec()
        spec.deprecatedCode = 28  // TANH
        #expect(throws: ModelError.unsupportedOperator("operator 0 (TANH) is not implemented by TinyRuntime")) {
            try Interpreter(model: Model(bytes: Self.build(spec)))
        }
    }

    @Test func customOperatorIsNamed() throws {
        var spec = Spec()
        spec.deprecatedCode = 32
        spec.customCode = "MyFancyOp"
        let model = try Model(bytes: Self.build(spec))
        #expect(model.main.operators[0].customCode == "MyFancyOp")
        do {
            _ = try Interpreter(model: model)
            Issue.record("a custom operator was accepted")
        } catch {
            #expect(error.description.contains("CUSTOM 'MyFancyOp'"))
        }
    }

    @Test func unsupportedTensorTypes() {
        for (type, name) in [(Int8(17), "int4"), (5, "string"), (42, "type 42")] {
            var spec = Spec()
            spec.inputType = type
            #expect(throws: ModelError.unsupportedType("tensor 0 'input' has \(name)")) { try Model(bytes: Self.build(spec)) }
        }
    }

    @Test func metadataEntries() throws {
        var spec = Spec()
        spec.metadata = [("min_runtime_version", Array("1.5.0".utf8)), ("extra", [1, 2, 3])]
        let model = try Model(bytes: Self.build(spec))
        #expect(model.metadata.map(\.name) == ["min_runtime_version", "extra"])
        #expect(Array(model.metadata[0].data) == Array("1.5.0".utf8))
        #expect(Array(model.metadata[1].data) == [1, 2, 3])
    }

    @Test func wrongIdentifierVersionOrShape() {
        var spec = Spec()
        spec.identifier = "ABCD"
        #expect(throws: ModelError.malformed("file identifier is 'ABCD', expected 'TFL3'")) { try Model(bytes: Self.build(spec)) }
        spec = Spec()
        spec.version = 2
        #expect(throws: ModelError.malformed("schema version 2, expected 3")) { try Model(bytes: Self.build(spec)) }
        spec = Spec()
        spec.hasSubgraph = false
        #expect(throws: ModelError.malformed("model has no subgraphs")) { try Model(bytes: Self.build(spec)) }
        #expect(throws: ModelError.self) { try Model(bytes: [1, 2, 3]) }
    }

    @Test(.enabled(if: SharedConformance.isAvailable, SharedConformance.skipReason))
    func referenceModelsMatchOPSmd() throws {
        let kws = try SharedConformance.model("kws01").main
        #expect(kws.operators.count == 13 && kws.tensors.count == 35)
        guard case let .conv2D(padding, sw, sh, dw, dh, act) = kws.operators[0].options else {
            Issue.record("kws01 operator 0 is not a CONV_2D")
            return
        }
        #expect(padding == .same && sw == 2 && sh == 2 && dw == 1 && dh == 1 && act == .relu)
        let filter = kws.tensors[kws.operators[0].inputs[1]]
        #expect(filter.shape == [64, 10, 4, 1])
        #expect(filter.quantization?.scales.count == 64 && filter.quantization?.quantizedDimension == 0)
        let dwFilter = kws.tensors[kws.operators[1].inputs[1]]
        #expect(dwFilter.quantization?.quantizedDimension == 3 && dwFilter.quantization?.scales.count == 64)
        #expect(kws.tensors[kws.inputs[0]].quantization?.zeroPoint == 83)
        guard case let .softmax(beta) = kws.operators[12].options else {
            Issue.record("kws01 operator 12 is not a SOFTMAX")
            return
        }
        #expect(beta == 1.0)
        let vww = try SharedConformance.model("vww01").main
        #expect(vww.operators.count == 31 && vww.tensors.count == 89)
        let ad = try SharedConformance.model("ad01").main
        #expect(ad.operators.allSatisfy { $0.code == .fullyConnected } && ad.operators.count == 10)
        let ic = try SharedConformance.model("ic01").main
        #expect(ic.operators.filter { $0.code == .add }.count == 3 && ic.tensors.count == 38)
    }
}
