import Foundation
import Testing
import TinyRuntime

/// Every golden case of ../shared/conformance, byte for byte.
@Suite(.enabled(if: SharedConformance.isAvailable, SharedConformance.skipReason))
struct ConformanceTests {
    @Test(arguments: SharedConformance.goldenModels)
    func everyCaseMatchesTFLM(model name: String) throws {
        let manifest = try SharedConformance.manifest(name)
        let interpreter = try Interpreter(model: SharedConformance.model(name))
        var mismatched = [String]()
        for c in manifest.cases {
            try interpreter.setInput(SharedConformance.file(name, c.input))
            interpreter.invoke()
            if try interpreter.output() != SharedConformance.file(name, c.output) { mismatched.append(c.id) }
        }
        #expect(manifest.cases.count > 0)
        #expect(mismatched.isEmpty, "\(name): \(mismatched.count) of \(manifest.cases.count) cases differ: \(mismatched)")
    }

    /// Each dumped intermediate tensor, in operator order, so a failure names
    /// the first operator that diverges.
    @Test(arguments: SharedConformance.goldenModels)
    func everyIntermediateTensorMatchesTFLM(model name: String) throws {
        let manifest = try SharedConformance.manifest(name)
        let model = try SharedConformance.model(name)
        let interpreter = try Interpreter(model: model, options: .init(preserveAllTensors: true))
        let dumps = manifest.intermediates.tensors.sorted { ($0.producer_op ?? -1) < ($1.producer_op ?? -1) }
        #expect(!manifest.intermediates.cases.isEmpty)
        for caseID in manifest.intermediates.cases {
            let c = try #require(manifest.cases.first { $0.id == caseID })
            let dir = try #require(c.tensors_dir)
            try interpreter.setInput(SharedConformance.file(name, c.input))
            interpreter.invoke()
            for dump in dumps {
                let expected = try SharedConformance.file(name, "\(dir)/\(dump.file)")
                let actual = try #require(interpreter.tensorBytes(dump.index))
                let op = dump.producer_op.map { "operator \($0) (\(model.main.operators[$0].code))" } ?? "model input"
                let differing = zip(actual, expected).filter { $0 != $1 }.count + abs(actual.count - expected.count)
                #expect(differing == 0, "\(name) case \(caseID): tensor \(dump.index) from \(op): \(differing) of \(expected.count) bytes differ")
                if differing != 0 { return }
            }
        }
    }
}
