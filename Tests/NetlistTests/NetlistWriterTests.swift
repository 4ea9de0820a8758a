import Foundation
import TestSupport
import XCTest

@testable import Netlist

/// A description of a flattened deck that holds every value exactly (Swift's round-trip `Double`
/// text) and no source locations, built independently of `NetlistWriter`: two decks describe the
/// same circuit when their descriptions are equal.
func canonicalLines(_ deck: Deck) -> [String] {
    func model(_ m: Model) -> String {
        "\(m.name):\(m.type)(" + m.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: " ") + ")"
    }
    func instance(_ p: InstanceParameters) -> String {
        p.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
    func source(_ s: Source) -> String {
        var text = "dc=\(s.dc.map { "\($0)" } ?? "nil") ac=\(s.acMagnitude)/\(s.acPhase)"
        switch s.waveform {
        case nil: break
        case .pulse(let p): text += " pulse\(p)"
        case .sin(let p): text += " sin\(p)"
        case .exp(let p): text += " exp\(p)"
        case .pwl(let points, let r, let td):
            text += " pwl\(points.map { [$0.time, $0.value] }) r=\(r.map { "\($0)" } ?? "nil") td=\(td)"
        }
        return text
    }
    var lines = ["title \(deck.title)"]
    for e in deck.elements {
        let kind: String
        switch e.kind {
        case .resistor(let r): kind = "R \(r)"
        case .capacitor(let c, let ic): kind = "C \(c) ic=\(ic.map { "\($0)" } ?? "nil")"
        case .inductor(let l, let ic): kind = "L \(l) ic=\(ic.map { "\($0)" } ?? "nil")"
        case .voltageSource(let s): kind = "V " + source(s)
        case .currentSource(let s): kind = "I " + source(s)
        case .vcvs(let g): kind = "E \(g)"
        case .vccs(let g): kind = "G \(g)"
        case .cccs(let c, let g): kind = "F \(c) \(g)"
        case .ccvs(let c, let g): kind = "H \(c) \(g)"
        case .diode(let m, let p): kind = "D " + model(m) + " " + instance(p)
        case .bjt(let m, let p): kind = "Q " + model(m) + " " + instance(p)
        case .mosfet(let m, let p): kind = "M " + model(m) + " " + instance(p)
        case .voltageSwitch(let m, let p): kind = "S " + model(m) + " " + instance(p)
        case .currentSwitch(let c, let m, let p): kind = "W \(c) " + model(m) + " " + instance(p)
        case .behavioralVoltage(let f): kind = "BV \(f.description)"
        case .behavioralCurrent(let f): kind = "BI \(f.description)"
        case .mutualInductance(let l1, let l2, let k): kind = "K \(l1) \(l2) \(k)"
        }
        lines.append("\(e.name) \(e.nodes) \(kind)")
    }
    for a in deck.analyses {
        switch a.kind {
        case .operatingPoint: lines.append(".op")
        case .dcSweep(let s): lines.append(".dc \(s.map { [$0.source, "\($0.start)", "\($0.stop)", "\($0.step)"] })")
        case .transient(let step, let stop, let start, let max, let uic):
            lines.append(".tran \(step) \(stop) \(start) \(max.map { "\($0)" } ?? "nil") \(uic)")
        case .ac(let v, let n, let start, let stop): lines.append(".ac \(v.rawValue) \(n) \(start) \(stop)")
        case .transferFunction(let out, let src): lines.append(".tf \(out) \(src)")
        case .sensitivity(let out): lines.append(".sens \(out)")
        case .noise(let out, let src, let v, let n, let start, let stop):
            lines.append(".noise \(out) \(src) \(v.rawValue) \(n) \(start) \(stop)")
        }
    }
    lines += deck.options.values.sorted { $0.key < $1.key }.map { "option \($0.key)=\($0.value)" }
    lines += deck.options.text.sorted { $0.key < $1.key }.map { "option \($0.key)=\($0.value)" }
    lines += deck.initialConditions.sorted { $0.key < $1.key }.map { "ic \($0.key)=\($0.value)" }
    lines += deck.nodeSets.sorted { $0.key < $1.key }.map { "nodeset \($0.key)=\($0.value)" }
    return lines
}

final class NetlistWriterTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every `.cir` under `netlists/` and `Tests/Fixtures/` (sub-folders included).
    static func deckFiles() -> [String] {
        var files: [String] = []
        for folder in ["netlists", "Tests/Fixtures"] {
            let base = root.appendingPathComponent(folder).path
            let walker = FileManager.default.enumerator(atPath: base)
            while let relative = walker?.nextObject() as? String {
                if relative.hasSuffix(".cir") { files.append(base + "/" + relative) }
            }
        }
        return files.sorted()
    }

    /// Writes `deck`, parses the text and asserts that the circuit is unchanged.
    func assertRoundTrip(_ deck: Deck, _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let text = try deck.spiceText()
        let again = try NetlistParser.parse(text: text, fileName: "\(label) (written)", directory: "/nonexistent")
        let before = canonicalLines(deck), after = canonicalLines(again)
        XCTAssertEqual(before.count, after.count, "\(label): line count", file: file, line: line)
        for (a, b) in zip(before, after) where a != b {
            XCTFail("\(label): \(a) became \(b)", file: file, line: line)
            return
        }
        // The written text is a fixed point: writing the re-read deck gives the same text.
        XCTAssertEqual(try again.spiceText(), text, "\(label): second write differs", file: file, line: line)
    }

    func testEveryDeckFileRoundTrips() throws {
        let files = Self.deckFiles()
        XCTAssertGreaterThan(files.count, 90)
        for path in files {
            let deck = try NetlistParser.parse(file: path)
            if path.hasSuffix("dc_temp_devices.cir") || path.hasSuffix("dc_temp_nested.cir") {
                // A .dc TEMP sweep over resistors with temperature coefficients is refused.
                XCTAssertThrowsError(try deck.spiceText()) { error in
                    XCTAssertTrue("\(error)".contains("temperature coefficients"), "\(error)")
                }
                continue
            }
            try assertRoundTrip(deck, String(path.dropFirst(Self.root.path.count + 1)))
        }
    }

    static let here = NetlistWriter.generated

    /// A deck with every element kind, every source form and every analysis card.
    static func everyKind() -> Deck {
        var d = Deck(title: "every element kind")
        func add(_ name: String, _ nodes: [String], _ kind: ElementKind) {
            d.elements.append(Element(name: name, nodes: nodes, kind: kind, location: here))
        }
        let diode = Model(name: "dmod", type: "d", parameters: ["is": 1e-14, "n": 1.05, "cjo": 2e-12], location: here)
        let npn = Model(name: "qn", type: "npn", parameters: ["bf": 100, "is": 1.2345678901234567e-16], location: here)
        let nmos = Model(name: "nch", type: "nmos", parameters: ["vto": 0.7, "kp": 1.1e-4, "level": 1], location: here)
        let sw = Model(name: "swm", type: "sw", parameters: ["vt": 1, "vh": 0.1, "ron": 1, "roff": 1e9], location: here)
        let csw = Model(name: "cswm", type: "csw", parameters: ["it": 1e-3, "ron": 1, "roff": 1e6], location: here)
        add("v1", ["in", "0"], .voltageSource(Source(dc: 1.5, acMagnitude: 1, acPhase: 45)))
        add("v2", ["p", "0"], .voltageSource(Source(dc: nil, waveform: .pulse([0, 5, 1e-9, 1e-9, 1e-9, 5e-6, 1e-5]))))
        add("v3", ["s", "0"], .voltageSource(Source(dc: 0.5, waveform: .sin([0, 1, 1e3, 0, 0, 90]))))
        add("i1", ["0", "e"], .currentSource(Source(dc: nil, waveform: .exp([0, 1e-3, 1e-6, 1e-6]))))
        add(
            "v4", ["w", "0"],
            .voltageSource(
                Source(dc: nil, waveform: .pwl(points: [(0, 0), (1e-6, 1), (1e-6, 2), (3e-6, -0.1)], repeatFrom: 1e-6, delay: 2e-7))))
        add("i2", ["0", "w"], .currentSource(Source(dc: 1e-6, acMagnitude: 2)))
        add("r1", ["in", "a"], .resistor(resistance: 1.0 / 3.0))
        add("c1", ["a", "0"], .capacitor(capacitance: 1e-12, initialCondition: 0.25))
        add("l1", ["a", "b"], .inductor(inductance: 1e-6, initialCondition: nil))
        add("e1", ["b", "0", "a", "0"], .vcvs(gain: 2))
        add("g1", ["b", "0", "a", "0"], .vccs(transconductance: 1e-3))
        add("f1", ["c", "0"], .cccs(controllingSource: "v1", gain: 0.5))
        add("h1", ["c", "0"], .ccvs(controllingSource: "v1", transresistance: 1e3))
        add("d1", ["a", "c"], .diode(model: diode, instance: ["area": 2, "off": 1]))
        add("d2", ["c", "0"], .diode(model: diode, instance: [:]))
        add("q1", ["c", "b", "e"], .bjt(model: npn, instance: ["area": 1.5]))
        add("q2", ["c", "b", "e", "sub"], .bjt(model: npn, instance: ["ic": 0.6, "ic2": 0.1]))
        add("m1", ["d", "g", "0", "0"], .mosfet(model: nmos, instance: ["w": 1e-5, "l": 1e-6, "ic": 1, "ic2": 2, "ic3": 0]))
        add("s1", ["d", "0", "g", "0"], .voltageSwitch(model: sw, instance: ["on": 1]))
        add("w1", ["d", "g"], .currentSwitch(controllingSource: "v1", model: csw, instance: ["off": 1]))
        add("r.x1.r9", ["x1.n1", "0"], .resistor(resistance: 1e3))
        d.analyses = [
            .operatingPoint, .dcSweep([SweepSpec(source: "v1", start: 0, stop: 1, step: 0.1)]),
            .dcSweep([
                SweepSpec(source: "v1", start: -1, stop: 1, step: 0.5), SweepSpec(source: "i2", start: 0, stop: 1e-3, step: 1e-4),
            ]),
            .transient(step: 1e-9, stop: 1e-5, start: 0, maxStep: nil, useInitialConditions: false),
            .transient(step: 1e-9, stop: 1e-5, start: 1e-6, maxStep: nil, useInitialConditions: true),
            .transient(step: 1e-9, stop: 1e-5, start: 0, maxStep: 1e-8, useInitialConditions: false),
            .ac(variation: .decade, points: 10, start: 1, stop: 1e9), .ac(variation: .linear, points: 5, start: 1, stop: 2),
        ].map { Analysis(kind: $0, location: here) }
        d.options = Options(values: ["reltol": 1e-4, "temp": 50, "gminsteps": 0], text: ["method": "gear"])
        d.initialConditions = ["a": 0.1, "x1.n1": -1]
        d.nodeSets = ["b": 2]
        return d
    }

    func testEveryElementKindRoundTrips() throws {
        let deck = Self.everyKind()
        try assertRoundTrip(deck, "every kind")
        let text = try deck.spiceText()
        XCTAssertTrue(text.contains("v4 w 0 pwl(0 0 1e-06 1 1e-06 2 3e-06 -0.1) r=1e-06 td=2e-07"), text)
        XCTAssertTrue(text.contains("d1 a c dmod off area=2\n"), text)
        XCTAssertTrue(text.contains("m1 d g 0 0 nch ic=1,2,0 l=1e-06 w=1e-05\n"), text)
        XCTAssertTrue(text.contains(".model dmod d(cjo=2e-12 is=1e-14 n=1.05)\n"), text)
        XCTAssertTrue(text.contains("r1 in a 0.3333333333333333\n"), text)
        XCTAssertTrue(text.contains(".temp 50\n"), text)
        XCTAssertTrue(text.hasSuffix(".end\n"), text)
        XCTAssertEqual(text.components(separatedBy: ".model dmod").count, 2, "one card per model")
    }

    /// ngspice reads the written deck (when it is installed): no error lines.
    func testNgspiceAcceptsEveryKind() throws {
        guard let ngspice = ["/usr/bin/ngspice", "/usr/local/bin/ngspice"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else { throw XCTSkip("ngspice not installed") }
        var deck = Self.everyKind()
        deck.analyses = []
        let dir = NSTemporaryDirectory() + "kelvin-writer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try deck.spiceText().write(toFile: dir + "/deck.cir", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ngspice)
        process.arguments = ["-b", dir + "/deck.cir"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let errors = output.split(separator: "\n").filter { $0.lowercased().contains("error") }
        XCTAssertTrue(errors.isEmpty, errors.joined(separator: "\n"))
        XCTAssertTrue(output.contains("No. of Data Rows") || output.lowercased().contains("no simulations"), output)
    }

    func testSubcircuitDocumentFlattensAsWritten() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "* shared parts\n.model dshared d(is=2e-15)\n".write(toFile: dir + "/parts.inc", atomically: true, encoding: .utf8)
        let diode = Model(name: "dlocal", type: "d", parameters: ["is": 1e-14], location: NetlistWriter.generated)
        var inner = SubcircuitDefinition(name: "leg", ports: ["a", "b"], parameters: [ParameterAssignment("r", 1000)])
        inner.body.add("d1", ["a", "m"], .diode(model: diode, instance: [:]))
        inner.body.add("r1", ["m", "b"], .resistor(resistance: 1e3))
        var cell = SubcircuitDefinition(name: "cell", ports: ["in", "out"], parameters: [ParameterAssignment("g", 2)])
        cell.body.subcircuits.append(inner)
        cell.body.parameter("half", .expression("g/2"))
        cell.body.add("e1", ["out", "0", "in", "0"], .vcvs(gain: 3))
        cell.body.instance("x1", ["in", "out"], of: "leg", parameters: [ParameterAssignment("r", .expression("half*1k"))])
        var doc = NetlistDocument(title: "hierarchy", includes: ["parts.inc"])
        doc.top.parameter("vin", 1.25)
        doc.top.subcircuits.append(cell)
        doc.top.add("v1", ["in", "0"], .voltageSource(Source(dc: 1.25)))
        doc.top.instance("xa", ["in", "o1"], of: "cell")
        doc.top.instance("xb", ["in", "o2"], of: "cell", parameters: [ParameterAssignment("g", 4)])
        doc.analyses = [.operatingPoint]
        let text = try doc.spiceText()
        XCTAssertTrue(text.contains(".include \"parts.inc\"\n.param vin=1.25\n"), text)
        XCTAssertTrue(text.contains(".subckt cell in out params: g=2\n"), text)
        XCTAssertTrue(text.contains(".ends leg\n"), text)
        XCTAssertTrue(text.contains("x1 in out leg r={half*1k}\n"), text)
        let deck = try NetlistParser.parse(text: text, fileName: "hierarchy.cir", directory: dir)
        XCTAssertEqual(
            deck.elements.map(\.name),
            ["v1", "e.xa.e1", "d.xa.x1.d1", "r.xa.x1.r1", "e.xb.e1", "d.xb.x1.d1", "r.xb.x1.r1"])
        XCTAssertEqual(deck.elements[3].nodes, ["xa.x1.m", "o1"])
        guard case .diode(let m, _) = deck.elements[2].kind else { return XCTFail("not a diode") }
        XCTAssertEqual(m.name, "dlocal")
        XCTAssertEqual(text.components(separatedBy: ".model dlocal").count, 2, "model written once, in its scope")
        try assertRoundTrip(deck, "hierarchy flattened")
    }

    func testModelsOfOneNameWithDifferentParametersAreRenamed() throws {
        let text = """
            parameterised models
            .subckt cell a b params: is=1e-14
            .model dm d(is={is})
            d1 a b dm
            .ends
            x1 in 0 cell
            x2 in 0 cell is=2e-14
            x3 in 0 cell is=2e-14
            v1 in 0 1
            .op
            """
        let deck = try parseDeck(text)
        let written = try deck.spiceText()
        XCTAssertTrue(written.contains("d.x2.d1 in 0 dm_2\n"), written)
        XCTAssertTrue(written.contains("d.x3.d1 in 0 dm_2\n"), written)
        let again = try parseDeck(written)
        let before = canonicalLines(deck).map { $0.replacingOccurrences(of: "dm_2:", with: "dm:") }
        XCTAssertEqual(canonicalLines(again).map { $0.replacingOccurrences(of: "dm_2:", with: "dm:") }, before)
    }

    func testUnwritableDecksThrowWithTheElement() throws {
        func error(_ kind: ElementKind, name: String = "r1", nodes: [String] = ["a", "0"]) -> NetlistError? {
            var d = Deck(title: "bad")
            d.elements = [Element(name: name, nodes: nodes, kind: kind, location: SourceLocation(file: "x.cir", line: 3, column: 1))]
            do {
                _ = try d.spiceText()
                XCTFail("\(name) was written")
            } catch let e as NetlistError {
                return e
            } catch { XCTFail("\(error)") }
            return nil
        }
        let wrongLetter = error(.capacitor(capacitance: 1, initialCondition: nil), name: "r1")
        XCTAssertEqual(wrongLetter?.description, "x.cir:3:1: error: cannot write netlist: a capacitor needs a name starting with 'c' ('r1')")
        XCTAssertEqual(error(.resistor(resistance: .infinity))?.message, "cannot write netlist: resistance is not finite (inf)")
        XCTAssertEqual(error(.resistor(resistance: 1), nodes: ["a b", "0"])?.token, "a b")
        XCTAssertEqual(error(.resistor(resistance: 1), nodes: ["a"])?.message, "cannot write netlist: a resistor has 2 nodes, not 1")
        let npn = Model(name: "q", type: "npn", parameters: [:], location: NetlistWriter.generated)
        XCTAssertNotNil(error(.diode(model: npn, instance: [:]), name: "d1"))
        XCTAssertNotNil(error(.voltageSource(Source(dc: .nan)), name: "v1"))

        let a = Model(name: "m", type: "d", parameters: ["is": 1e-14], location: NetlistWriter.generated)
        var b = a
        b.parameters["is"] = 2e-14
        var scope = NetlistScope()
        scope.add("d1", ["a", "0"], .diode(model: a, instance: [:]))
        scope.add("d2", ["a", "0"], .diode(model: b, instance: [:]))
        XCTAssertThrowsError(try NetlistDocument(title: "t", top: scope).spiceText()) {
            XCTAssertEqual(($0 as? NetlistError)?.token, "m")
        }
        var doc = NetlistDocument(title: "t")
        doc.top.subcircuits.append(SubcircuitDefinition(name: "two", ports: ["a", "b"]))
        doc.top.instance("x1", ["a"], of: "two")
        XCTAssertThrowsError(try doc.spiceText()) {
            XCTAssertEqual(($0 as? NetlistError)?.message, "cannot write netlist: instance connects 1 nodes, subcircuit 'two' has 2")
        }
        doc = NetlistDocument(title: "two\nlines")
        XCTAssertThrowsError(try doc.spiceText())
    }

    func testNumbersAreWrittenLosslessly() throws {
        var rng = SeededGenerator(seed: 11)
        var values: [Double] = [0, -0.0, 1, 1e-300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1, 1.0 / 3, 1e22, 123456789.123]
        for _ in 0..<500 {
            values.append(Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF) * (Bool.random(using: &rng) ? 1 : -1))
        }
        for v in values {
            let text = NetlistWriter.number(v)
            XCTAssertEqual(SpiceNumber.parse(text)?.bitPattern, v.bitPattern, text)
        }
        XCTAssertEqual(NetlistWriter.number(1000), "1000")
        XCTAssertEqual(NetlistWriter.number(1e-12), "1e-12")
    }
}
