// The body of a differential fuzz target: a libFuzzer entry point only has to call `check` and trap on
// false. The tests run the same function over generated and mutated inputs.

/// Runs TinyJSON's parser, scanner and writer on the same bytes and reports any disagreement among them.
public enum JSONDifferential {
    /// False when the readers or the writer disagree on `bytes` (see `disagreement(in:)`).
    public static func check(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        disagreement(in: bytes) == nil
    }

    /// What went wrong on `bytes`, or nil when all agree: the scanner and the parser must accept the same
    /// inputs; with `.rejectLineBreaks` the scanner must accept exactly the parsed inputs without CR or LF;
    /// the top-level member names the scanner reports must be the parsed object's keys; and an accepted
    /// document must serialize to one that parses back to the same value (non-finite numbers become null).
    public static func disagreement(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let parsed: JSONValue?
        do {
            parsed = try JSONValue.parse(bytes)
        } catch {
            parsed = nil
        }
        var names: [String] = []
        var namesMatch = true
        let scanned = JSONScanner.accepts(bytes) { name in
            let text = name.decoded
            if !(name == text) || name == text + "\u{0}" { namesMatch = false }
            names.append(text)
        }
        if scanned != (parsed != nil) {
            return "scanner \(verdict(scanned)), parser \(verdict(parsed != nil))"
        }
        let singleLine = !bytes.contains(0x0A) && !bytes.contains(0x0D)
        let scannedSingleLine = JSONScanner.accepts(bytes, options: .rejectLineBreaks)
        if scannedSingleLine != (parsed != nil && singleLine) {
            return "scanner with .rejectLineBreaks \(verdict(scannedSingleLine)), parser \(verdict(parsed != nil))"
                + (singleLine ? "" : " (input has line breaks)")
        }
        guard let parsed else { return nil }
        if !namesMatch { return "a member name is not == its decoded form" }
        if case .object(let members) = parsed {
            if Set(names) != Set(members.keys) {
                return "scanner names \(names.sorted()), parser keys \(members.keys.sorted())"
            }
        } else if !names.isEmpty {
            return "scanner reported names \(names) for a \(parsed.kindName)"
        }
        let serialized = parsed.serialized()
        guard let reparsed = try? JSONValue.parse(serialized) else {
            return "serialized form does not parse: \(String(decoding: serialized, as: UTF8.self))"
        }
        if reparsed != parsed.withNonFiniteAsNull() {
            return "serialized form parses to a different value: \(String(decoding: serialized, as: UTF8.self))"
        }
        if !JSONScanner.accepts(serialized, options: .rejectLineBreaks) {
            return "serialized form is not single-line JSON the scanner accepts"
        }
        return nil
    }

    private static func verdict(_ accepted: Bool) -> String { accepted ? "accepts" : "rejects" }
}

extension JSONValue {
    /// The value as it reads back after serialization, which writes non-finite numbers as `null`.
    func withNonFiniteAsNull() -> JSONValue {
        switch self {
        case .number(let d) where !d.isFinite: .null
        case .array(let items): .array(items.map { $0.withNonFiniteAsNull() })
        case .object(let members): .object(members.mapValues { $0.withNonFiniteAsNull() })
        default: self
        }
    }
}
