// The scanner: `JSONReader` with a builder that builds nothing, for callers that only need to know whether
// bytes are a document `JSONValue.parse` would accept (the relay forwards such bytes untouched).

/// A validator that accepts exactly the documents `JSONValue.parse` accepts, without allocating.
public enum JSONScanner {
    /// Restrictions the scanner can add to the parser's rules.
    public struct Options: OptionSet, Sendable {
        /// The option bits.
        public let rawValue: UInt8
        /// Options from their bits.
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// Rejects any CR or LF, including in whitespace: accepted documents are single-line.
        public static let rejectLineBreaks = Options(rawValue: 1)
    }

    /// True when `bytes` is one JSON document that `JSONValue.parse` accepts (and, with
    /// `.rejectLineBreaks`, contains no CR or LF).
    public static func accepts(_ bytes: UnsafeBufferPointer<UInt8>, options: Options = []) -> Bool {
        accepts(bytes, options: options, names: { _ in })
    }

    /// As `accepts(_:options:)`, and calls `topLevelMember` with each member name of the document when it
    /// is an object, in document order (duplicates included), while scanning. Names are reported before
    /// the document is known to be valid: act on them only when the result is true.
    public static func accepts(
        _ bytes: UnsafeBufferPointer<UInt8>, options: Options = [], topLevelMember: (JSONMemberName) -> Void
    ) -> Bool {
        accepts(bytes, options: options, names: { topLevelMember(JSONMemberName($0)) })
    }

    private static func accepts(
        _ bytes: UnsafeBufferPointer<UInt8>, options: Options, names: (JSONStringToken) -> Void
    ) -> Bool {
        var reader = JSONReader(
            bytes, allowsLineBreaks: !options.contains(.rejectLineBreaks), builder: JSONScanBuilder())
        do {
            try reader.readDocument(topLevelName: names)
            return true
        } catch {
            return false
        }
    }

    /// `accepts(_:options:)` over an array's storage.
    public static func accepts(_ bytes: [UInt8], options: Options = []) -> Bool {
        bytes.withUnsafeBufferPointer { accepts($0, options: options) }
    }
}

/// A member name as it appears in the scanned bytes; valid only during the callback that receives it.
public struct JSONMemberName {
    private let token: JSONStringToken

    init(_ token: JSONStringToken) { self.token = token }

    /// The bytes between the quotes, escapes not decoded.
    public var raw: UnsafeBufferPointer<UInt8> { token.content }

    /// True when the name contains a backslash escape, so `raw` is not its UTF-8.
    public var hasEscapes: Bool { token.escaped }

    /// The decoded name (allocates; compare with `==` to avoid that).
    public var decoded: String {
        guard token.escaped else { return String(decoding: token.content, as: UTF8.self) }
        var sink = JSONCollectingSink()
        relex(into: &sink)
        return String(decoding: sink.bytes, as: UTF8.self)
    }

    /// True when the decoded name equals `text`; decodes escapes on the fly, allocating nothing.
    public static func == (name: JSONMemberName, text: String) -> Bool {
        guard name.token.escaped else {
            let raw = name.raw
            guard raw.count == text.utf8.count else { return false }
            return text.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(raw) }
                ?? raw.elementsEqual(text.utf8)
        }
        var sink = JSONMatchingSink(expected: text.utf8.makeIterator())
        name.relex(into: &sink)
        return sink.matches && sink.expected.next() == nil
    }

    /// Runs the lexer over the name again (it was valid the first time) to stream its decoded content.
    private func relex<Sink: JSONStringSink>(into sink: inout Sink) {
        var lexer = JSONLexer(token.quoted)
        _ = try? lexer.string(into: &sink)
    }
}

/// Builds nothing and keeps no string content: validation only.
struct JSONScanBuilder: JSONBuilder {
    @inline(__always) mutating func null() {}
    @inline(__always) mutating func bool(_ value: Bool) {}
    @inline(__always) mutating func number(_ text: UnsafeBufferPointer<UInt8>) {}
    @inline(__always) mutating func string(_ token: JSONStringToken) {}
    @inline(__always) mutating func name(_ token: JSONStringToken) {}
    @inline(__always) mutating func beginObject() {}
    @inline(__always) mutating func member(_ name: Void, _ value: Void, in object: inout Void) {}
    @inline(__always) mutating func endObject(_ object: Void) {}
    @inline(__always) mutating func beginArray() {}
    @inline(__always) mutating func element(_ value: Void, in array: inout Void) {}
    @inline(__always) mutating func endArray(_ array: Void) {}

    @inline(__always) mutating func beginEscapedString() {}
    @inline(__always) mutating func appendRun(_ bytes: UnsafeBufferPointer<UInt8>) {}
    @inline(__always) mutating func appendByte(_ byte: UInt8) {}
    @inline(__always) mutating func appendScalar(_ scalar: Unicode.Scalar) {}
}

/// Collects a string's decoded bytes.
struct JSONCollectingSink: JSONStringSink {
    var bytes: [UInt8] = []
    mutating func beginEscapedString() { bytes.removeAll(keepingCapacity: true) }
    mutating func appendRun(_ run: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: run) }
    mutating func appendByte(_ byte: UInt8) { bytes.append(byte) }
    mutating func appendScalar(_ scalar: Unicode.Scalar) { bytes.append(contentsOf: scalar.utf8) }
}

/// Compares a string's decoded bytes with an expected sequence as they are produced.
struct JSONMatchingSink<Expected: IteratorProtocol<UInt8>>: JSONStringSink {
    var expected: Expected
    private(set) var matches = true

    init(expected: Expected) { self.expected = expected }

    mutating func beginEscapedString() {}
    mutating func appendRun(_ run: UnsafeBufferPointer<UInt8>) {
        for byte in run where matches { matches = expected.next() == byte }
    }
    mutating func appendByte(_ byte: UInt8) {
        if matches { matches = expected.next() == byte }
    }
    mutating func appendScalar(_ scalar: Unicode.Scalar) {
        for byte in scalar.utf8 where matches { matches = expected.next() == byte }
    }
}
