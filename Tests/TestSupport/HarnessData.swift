import Foundation

/// Models and inputs for the harness tests, which need a model per benchmark
/// but not the golden outputs: the MLPerf Tiny reference models of ../shared
/// when present, else the bundled demo models (so these tests always run).
public enum HarnessData {
    /// `Datasets/demo` of this package.
    public static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Datasets/demo")

    /// The dataset folder benchmark `id` reads (ic02 runs on the ic01 images).
    public static func datasetFolder(_ id: String) -> String { id == "ic02" ? "ic01" : id }

    /// The model file of benchmark `id` (kws01, vww01, ad01, ic01, ic02).
    public static func modelBytes(_ id: String) throws -> [UInt8] {
        if SharedData.isAvailable { return try SharedData.file(id, "model.tflite") }
        return [UInt8](try Data(contentsOf: demo.appendingPathComponent("models/\(id).tflite")))
    }

    /// The `i`-th int8 input tensor for classifier `id`: a conformance case's
    /// input, or the bundled demo sample `i` turned into the model's input
    /// (vision bytes are uint8 on the wire and uint8 − 128 in the model).
    public static func modelInput(_ id: String, _ i: Int) throws -> [UInt8] {
        if SharedData.isAvailable { return try SharedData.file(id, String(format: "cases/%03d.in", i)) }
        let folder = demo.appendingPathComponent(datasetFolder(id))
        let rows = try String(contentsOf: folder.appendingPathComponent("y_labels.csv"), encoding: .utf8).split(separator: "\n")
        let name = String(rows[i].split(separator: ",")[0])
        let wire = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
        return id == "kws01" ? wire : wire.map { $0 ^ 0x80 }
    }
}
