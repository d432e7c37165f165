import Foundation
import Testing
import TinyRuntime

/// Small single-operator models (Tools/opfixtures/generate.py) against the
/// outputs of TFLM's reference kernels, byte for byte. They cover the
/// operators and options the MLPerf Tiny reference models do not use.
struct OperatorFixtureTests {
    struct Manifest: Decodable {
        struct Case: Decodable {
            struct File: Decodable {
                let id: String
                let inputs: [String]
                let output: String
            }
            let name: String
            let exercises: [String]
            let operators: [String]
            let files: [File]
        }
        let cases: [Case]
    }

    static let directory = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/ops")
    static let manifest: Manifest = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        return try! JSONDecoder().decode(Manifest.self, from: data)
    }()
    static var caseNames: [String] { manifest.cases.map(\.name) }

    @Test func fixturesCoverTheOperatorsBeyondTheReferenceModels() {
        let covered = Set(Self.manifest.cases.flatMap(\.exercises))
        for op in ["MUL", "MAX_POOL_2D", "PAD", "CONCATENATION", "MEAN", "LOGISTIC", "RELU", "RELU6",
                   "QUANTIZE", "DEQUANTIZE", "DEPTHWISE_CONV_2D", "ADD", "AVERAGE_POOL_2D", "CONV_2D",
                   "FULLY_CONNECTED", "SOFTMAX", "RESHAPE"] {
            #expect(covered.contains(op), "no fixture exercises \(op)")
        }
    }

    @Test(arguments: caseNames)
    func matchesTFLM(caseName: String) throws {
        let c = try #require(Self.manifest.cases.first { $0.name == caseName })
        let dir = Self.directory.appendingPathComponent(c.name)
        let model = try Model(bytes: [UInt8](Data(contentsOf: dir.appendingPathComponent("model.tflite"))))
        #expect(model.main.operators.map(\.code.description) == c.operators)
        let interpreter = try Interpreter(model: model)
        #expect(!c.files.isEmpty)
        for file in c.files {
            for (k, name) in file.inputs.enumerated() {
                try interpreter.setInput([UInt8](Data(contentsOf: dir.appendingPathComponent(name))), at: k)
            }
            interpreter.invoke()
            let expected = [UInt8](try Data(contentsOf: dir.appendingPathComponent(file.output)))
            let actual = try interpreter.output()
            let differing = zip(actual, expected).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
            #expect(actual.count == expected.count && differing.isEmpty,
                    "\(c.name) case \(file.id): \(differing.count) of \(expected.count) bytes differ, first at \(differing.prefix(5))")
        }
    }
}
