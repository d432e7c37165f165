import Testing
import TinyBench

@Test func versionIsSemantic() {
    #expect(TinyBenchInfo.version.split(separator: ".").count == 3)
}
