import Testing
import TinyBench

/// Which wire QEMU gives a firmware: the marker of a `make LINK=semihosting` build.
struct QEMULinkTests {
    @Test func theMarkerAnywhereInTheImageMeansSemihosting() {
        let marker = Array("tinybench-link=semihosting".utf8)
        #expect(QEMUDevice.link(of: [0x7f, 0x45, 0x4c, 0x46] + [UInt8](repeating: 0, count: 100) + marker + [0]) == .semihosting)
        #expect(QEMUDevice.link(of: marker) == .semihosting)
    }

    @Test func withoutTheWholeMarkerItIsTheUART() {
        #expect(QEMUDevice.link(of: []) == .uart)
        #expect(QEMUDevice.link(of: Array("tinybench-link=semihostin".utf8)) == .uart)
        #expect(QEMUDevice.link(of: Array("tinybench-link=uart".utf8)) == .uart)
    }
}
