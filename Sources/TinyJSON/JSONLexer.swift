// The token-level half of TinyJSON's one JSON grammar: whitespace, literals, numbers and strings (escapes,
// surrogate pairs, UTF-8). `JSONReader` adds the structure on top; the parser and the scanner are both
// readers, so what one accepts the other accepts by construction.

/// Receives the decoded content of a string as the lexer validates it. Only strings with escapes reach a
/// sink: an unescaped string's decoded form is its raw bytes, which the token already points at.
protocol JSONStringSink {
    /// Called once per escaped string, at its first escape, before the first `appendRun`.
    mutating func beginEscapedString()
    /// A run of valid UTF-8 copied as is.
    mutating func appendRun(_ bytes: UnsafeBufferPointer<UInt8>)
    /// An ASCII byte produced by an escape such as `\n`.
    mutating func appendByte(_ byte: UInt8)
    /// A scalar produced by a `\uXXXX` escape or a surrogate pair.
    mutating func appendScalar(_ scalar: Unicode.Scalar)
}

/// A string the lexer accepted.
struct JSONStringToken {
    /// The string including both quotes.
    let quoted: UnsafeBufferPointer<UInt8>
    /// True when it contains a backslash escape, so the content bytes are not the decoded UTF-8.
    let escaped: Bool

    /// The bytes between the quotes.
    var content: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: quoted.dropFirst().dropLast())
    }
}

/// A cursor over a document's bytes that recognises one token at a time.
struct JSONLexer {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index: Int
    /// When false, CR and LF are not whitespace. They cannot appear anywhere else in a valid document (inside
    /// strings they are control characters), so this rejects every document that spans lines.
    let allowsLineBreaks: Bool

    init(_ bytes: UnsafeBufferPointer<UInt8>, allowsLineBreaks: Bool = true) {
        self.bytes = bytes
        self.index = 0
        self.allowsLineBreaks = allowsLineBreaks
    }

    var atEnd: Bool { index >= bytes.count }

    /// The byte at the cursor, or nil at the end.
    @inline(__always) var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    func failure(_ reason: String) -> JSONError { JSONError(offset: index, reason: reason) }

    /// The failure for a token cut short by the end of the input, or `reason` when a wrong byte is there.
    func failure(_ reason: String, orEndAt position: Int) -> JSONError {
        position >= bytes.count ? JSONError(offset: index, reason: "unexpected end of input") : failure(reason)
    }

    @inline(__always) mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09: index += 1
            case 0x0A, 0x0D:
                guard allowsLineBreaks else { return }
                index += 1
            default: return
            }
        }
    }

    /// Consumes `byte` when it is at the cursor.
    @inline(__always) mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Consumes the structural byte at the cursor, which the caller has already looked at.
    @inline(__always) mutating func advance() { index += 1 }

    mutating func literal(_ text: StaticString) throws(JSONError) {
        let count = text.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw failure("unexpected end of input") }
        let start = text.utf8Start
        for i in 0..<count where bytes[index + i] != start[i] {
            throw failure("invalid literal")
        }
        index += count
    }

    // MARK: Numbers

    @inline(__always) private static func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    /// A number at the cursor (`-`? int frac? exp?, no leading zeros); returns its bytes.
    mutating func number() throws(JSONError) -> UnsafeBufferPointer<UInt8> {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, Self.isDigit(bytes[index]) else { throw failure("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw failure("invalid number") }
            skipDigits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw failure("invalid number") }
            skipDigits()
        }
        return UnsafeBufferPointer(rebasing: bytes[start..<index])
    }

    @inline(__always) private mutating func skipDigits() {
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
    }

    // MARK: Strings

    /// A string at the cursor (which is on the opening quote). Checks escapes, surrogate pairs, control
    /// characters and UTF-8; hands decoded content to `sink` only when the string has escapes.
    mutating func string<Sink: JSONStringSink>(into sink: inout Sink) throws(JSONError) -> JSONStringToken {
        let open = index
        index += 1
        var runStart = index
        var escaped = false
        while index < bytes.count {
            skipPlainASCII()
            guard index < bytes.count else { break }
            let b = bytes[index]
            if b >= 0x20, b < 0x80, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if b == UInt8(ascii: "\"") {
                if escaped { sink.appendRun(UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
                index += 1
                return JSONStringToken(quoted: UnsafeBufferPointer(rebasing: bytes[open..<index]), escaped: escaped)
            }
            if b == UInt8(ascii: "\\") {
                if !escaped {
                    escaped = true
                    sink.beginEscapedString()
                }
                sink.appendRun(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                try escape(into: &sink)
                runStart = index
                continue
            }
            if b < 0x20 { throw failure("control character in string") }
            try utf8Sequence()
        }
        throw failure("unterminated string")
    }

    /// Skips printable ASCII other than the quote and the backslash (the bulk of every string) eight bytes at
    /// a time, stopping at the first byte that needs a closer look or fewer than eight bytes before the end.
    @inline(__always) private mutating func skipPlainASCII() {
        guard let base = bytes.baseAddress else { return }
        while bytes.count - index >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let special = Self.specialBytes(word)
            if special != 0 {
                // Borrows only carry upwards, so the lowest flagged byte is a real one.
                index += special.trailingZeroBitCount >> 3
                return
            }
            index += 8
        }
    }

    /// A word with the high bit set in (at least the first of) the bytes of `x` that are control characters,
    /// non-ASCII, a quote or a backslash (the classic "has less than" and "has zero byte" bit tricks).
    @inline(__always) private static func specialBytes(_ x: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let control = (x &- ones &* 0x20) & ~x & high
        let q = x ^ (ones &* 0x22)
        let quote = (q &- ones) & ~q & high
        let s = x ^ (ones &* 0x5C)
        let backslash = (s &- ones) & ~s & high
        return (x & high) | control | quote | backslash
    }

    /// The escape at the cursor (on the backslash).
    private mutating func escape<Sink: JSONStringSink>(into sink: inout Sink) throws(JSONError) {
        index += 1
        guard index < bytes.count else { throw failure("unexpected end of input") }
        let e = bytes[index]
        index += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): sink.appendByte(e)
        case UInt8(ascii: "b"): sink.appendByte(0x08)
        case UInt8(ascii: "f"): sink.appendByte(0x0C)
        case UInt8(ascii: "n"): sink.appendByte(0x0A)
        case UInt8(ascii: "r"): sink.appendByte(0x0D)
        case UInt8(ascii: "t"): sink.appendByte(0x09)
        case UInt8(ascii: "u"):
            var value = try hex4()
            if (0xD800..<0xDC00).contains(value) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { throw failure("unpaired surrogate") }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(value) {
                throw failure("unpaired surrogate")
            }
            guard let scalar = Unicode.Scalar(value) else { throw failure("invalid escape") }
            sink.appendScalar(scalar)
        default:
            throw failure("invalid escape")
        }
    }

    private mutating func hex4() throws(JSONError) -> UInt32 {
        guard let v = JSONHex.value(of: bytes, at: index) else {
            throw failure("invalid \\u escape", orEndAt: index + 3)
        }
        index += 4
        return v
    }

    /// One well-formed UTF-8 sequence of two to four bytes at the cursor (Unicode's table 3-7: no overlong
    /// forms, no surrogates, nothing above U+10FFFF), the same rule as `String(validating:)`.
    @inline(__always) private mutating func utf8Sequence() throws(JSONError) {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw failure("invalid UTF-8 in string")
        }
        guard bytes.count - index >= length else { throw failure("invalid UTF-8 in string") }
        let second = bytes[index + 1]
        guard second >= low, second <= high else { throw failure("invalid UTF-8 in string") }
        if length > 2 {
            guard bytes[index + 2] & 0xC0 == 0x80 else { throw failure("invalid UTF-8 in string") }
            if length > 3 {
                guard bytes[index + 3] & 0xC0 == 0x80 else { throw failure("invalid UTF-8 in string") }
            }
        }
        index += length
    }
}

/// The four hex digits of a `\uXXXX` escape, shared by every JSON reader in the package.
public enum JSONHex {
    /// The value of the four hex digits at `offset`, or nil when they are missing or not hex.
    public static func value(of bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32? {
        // `bytes.count - 4` cannot overflow (counts are never negative); `offset + 4` could.
        guard offset >= 0, offset <= bytes.count - 4 else { return nil }
        var v: UInt32 = 0
        for i in offset..<(offset + 4) {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }
}
