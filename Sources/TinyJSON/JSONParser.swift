// The parser: `JSONReader` with a builder that makes `JSONValue`s. Acceptance is entirely the reader's;
// nothing here can reject a document, which is what keeps the scanner's answers equal to the parser's.

/// Builds `JSONValue`s; escaped strings are decoded into one scratch buffer reused for the whole document.
struct JSONValueBuilder: JSONBuilder {
    private var scratch: [UInt8] = []

    mutating func null() -> JSONValue { .null }
    mutating func bool(_ value: Bool) -> JSONValue { .bool(value) }
    mutating func number(_ text: UnsafeBufferPointer<UInt8>) -> JSONValue { .number(JSONNumber.double(text)) }
    mutating func string(_ token: JSONStringToken) -> JSONValue { .string(decoded(token)) }
    mutating func name(_ token: JSONStringToken) -> String { decoded(token) }

    mutating func beginObject() -> [String: JSONValue] { [:] }
    mutating func member(_ name: String, _ value: JSONValue, in object: inout [String: JSONValue]) {
        object[name] = value
    }
    mutating func endObject(_ object: [String: JSONValue]) -> JSONValue { .object(object) }

    mutating func beginArray() -> [JSONValue] { [] }
    mutating func element(_ value: JSONValue, in array: inout [JSONValue]) { array.append(value) }
    mutating func endArray(_ array: [JSONValue]) -> JSONValue { .array(array) }

    /// The lexer has validated the UTF-8 and decoded the escapes, so `String(decoding:)` never repairs.
    private func decoded(_ token: JSONStringToken) -> String {
        token.escaped ? String(decoding: scratch, as: UTF8.self) : String(decoding: token.content, as: UTF8.self)
    }

    mutating func beginEscapedString() { scratch.removeAll(keepingCapacity: true) }
    mutating func appendRun(_ bytes: UnsafeBufferPointer<UInt8>) { scratch.append(contentsOf: bytes) }
    mutating func appendByte(_ byte: UInt8) { scratch.append(byte) }
    mutating func appendScalar(_ scalar: Unicode.Scalar) { scratch.append(contentsOf: scalar.utf8) }
}

/// Converts the text of a JSON number to the nearest `Double`. Never fails: beyond the range of `Double`
/// a number saturates to ±infinity or ±0, as `strtod` does, so a grammatical number is always accepted.
enum JSONNumber {
    static func double(_ text: UnsafeBufferPointer<UInt8>) -> Double {
        if let fast = exactFast(text) { return fast }
        if let d = Double(String(decoding: text, as: UTF8.self)) { return d }
        return saturated(text)
    }

    /// Clinger's fast path: when the significand fits in 53 bits and the power of ten is at most 10^22,
    /// both are exact doubles and one multiplication or division rounds correctly, giving strtod's answer
    /// without building a string.
    @inline(__always) private static func exactFast(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        let n = text.count
        let negative = n > 0 && text[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        var significand: UInt64 = 0
        var significantDigits = 0
        var fractionDigits = 0
        var inFraction = false
        while i < n {
            let b = text[i]
            if b == UInt8(ascii: ".") {
                inFraction = true
            } else if b &- UInt8(ascii: "0") < 10 {
                if significand != 0 || b != UInt8(ascii: "0") { significantDigits += 1 }
                // 15 digits stay below 2^53; beyond that the slow path decides.
                guard significantDigits <= 15 else { return nil }
                significand = significand &* 10 &+ UInt64(b &- UInt8(ascii: "0"))
                if inFraction { fractionDigits += 1 }
            } else {
                break
            }
            i += 1
        }
        var exponent = 0
        if i < n {  // at 'e' or 'E'
            i += 1
            var exponentNegative = false
            if i < n, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                exponentNegative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            var digits = 0
            while i < n {
                digits += 1
                guard digits <= 4 else { return nil }
                exponent = exponent * 10 + Int(text[i] &- UInt8(ascii: "0"))
                i += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        if significand == 0 { return negative ? -0.0 : 0.0 }
        let power = exponent - fractionDigits
        guard power >= -22, power <= 22 else { return nil }
        var value = Double(significand)
        if power < 0 {
            value /= powerOfTen(-power)
        } else if power > 0 {
            value *= powerOfTen(power)
        }
        return negative ? -value : value
    }

    /// 10^k for k in 0...22, all exactly representable.
    @inline(__always) private static func powerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    /// Only reached if the standard library ever declines a grammatical number: infinity when the decimal
    /// point of the first non-zero digit lies far right, zero otherwise.
    private static func saturated(_ text: UnsafeBufferPointer<UInt8>) -> Double {
        let negative = text.first == UInt8(ascii: "-")
        var integerDigits = 0
        var leadingFractionZeros = 0
        var sawNonZero = false
        var inFraction = false
        var exponent = 0
        var i = 0
        while i < text.count {
            let b = text[i]
            i += 1
            if b == UInt8(ascii: ".") {
                inFraction = true
            } else if b | 0x20 == UInt8(ascii: "e") {
                let exponentNegative = i < text.count && text[i] == UInt8(ascii: "-")
                while i < text.count {
                    let d = text[i] &- UInt8(ascii: "0")
                    if d < 10 { exponent = min(exponent * 10 + Int(d), 1 << 40) }
                    i += 1
                }
                if exponentNegative { exponent = -exponent }
            } else if b &- UInt8(ascii: "0") < 10 {
                if b != UInt8(ascii: "0") { sawNonZero = true }
                if !inFraction, sawNonZero { integerDigits += 1 }
                if inFraction, !sawNonZero { leadingFractionZeros += 1 }
            }
        }
        let magnitude: Double
        if !sawNonZero {
            magnitude = 0
        } else {
            let decimalPoint = integerDigits > 0 ? integerDigits : -leadingFractionZeros
            magnitude = decimalPoint + exponent > 0 ? .infinity : 0
        }
        return negative ? -magnitude : magnitude
    }
}
