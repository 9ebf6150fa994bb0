// The structural half of the grammar: values, objects, arrays, nesting depth, trailing data. One recursive
// walker, generic over what is built, so the parser (builds `JSONValue`) and the scanner (builds nothing)
// cannot drift apart. Both are specialised at compile time; the scanner's builder inlines to nothing.

/// What a reader builds from the parts of a document, in document order.
protocol JSONBuilder: JSONStringSink {
    associatedtype Value
    associatedtype Name
    associatedtype Object
    associatedtype Array

    mutating func null() -> Value
    mutating func bool(_ value: Bool) -> Value
    /// A number the lexer accepted (so `text` is never empty and follows the JSON number grammar).
    mutating func number(_ text: UnsafeBufferPointer<UInt8>) -> Value
    mutating func string(_ token: JSONStringToken) -> Value
    mutating func name(_ token: JSONStringToken) -> Name

    mutating func beginObject() -> Object
    mutating func member(_ name: Name, _ value: Value, in object: inout Object)
    mutating func endObject(_ object: Object) -> Value

    mutating func beginArray() -> Array
    mutating func element(_ value: Value, in array: inout Array)
    mutating func endArray(_ array: Array) -> Value
}

/// Reads one JSON document with the package's rules: RFC 8259 grammar, nesting at most `maxDepth` deep,
/// nothing but whitespace after the document.
struct JSONReader<Builder: JSONBuilder> {
    /// Deep enough for any real document, shallow enough that recursion cannot exhaust a thread's stack.
    static var maxDepth: Int { 256 }

    private var lexer: JSONLexer
    private(set) var builder: Builder
    private var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, allowsLineBreaks: Bool = true, builder: Builder) {
        self.lexer = JSONLexer(bytes, allowsLineBreaks: allowsLineBreaks)
        self.builder = builder
    }

    /// Reads the document; `topLevelName` sees each member name of a top-level object as it is read. It is a
    /// parameter rather than part of the builder because a stored closure must be escaping, which costs an
    /// allocation per document.
    mutating func readDocument(topLevelName: (JSONStringToken) -> Void = { _ in }) throws(JSONError) -> Builder.Value {
        lexer.skipWhitespace()
        let value = lexer.current == UInt8(ascii: "{") ? try readObject(names: topLevelName) : try readValue()
        lexer.skipWhitespace()
        guard lexer.atEnd else { throw lexer.failure("unexpected data after the document") }
        return value
    }

    private mutating func readValue() throws(JSONError) -> Builder.Value {
        guard let b = lexer.current else { throw lexer.failure("unexpected end of input") }
        switch b {
        case UInt8(ascii: "{"): return try readObject(names: { _ in })
        case UInt8(ascii: "["): return try readArray()
        case UInt8(ascii: "\""): return builder.string(try lexer.string(into: &builder))
        case UInt8(ascii: "t"): try lexer.literal("true"); return builder.bool(true)
        case UInt8(ascii: "f"): try lexer.literal("false"); return builder.bool(false)
        case UInt8(ascii: "n"): try lexer.literal("null"); return builder.null()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return builder.number(try lexer.number())
        default: throw lexer.failure("unexpected character")
        }
    }

    private mutating func enter() throws(JSONError) {
        guard depth < Self.maxDepth else { throw lexer.failure("nesting too deep") }
        depth += 1
    }

    private mutating func readObject(names: (JSONStringToken) -> Void) throws(JSONError) -> Builder.Value {
        try enter()
        defer { depth -= 1 }
        lexer.advance()
        var object = builder.beginObject()
        lexer.skipWhitespace()
        if lexer.consume(UInt8(ascii: "}")) { return builder.endObject(object) }
        while true {
            lexer.skipWhitespace()
            guard lexer.current == UInt8(ascii: "\"") else { throw lexer.failure("expected a member name") }
            let token = try lexer.string(into: &builder)
            names(token)
            let name = builder.name(token)
            lexer.skipWhitespace()
            guard lexer.consume(UInt8(ascii: ":")) else { throw lexer.failure("expected ':'") }
            lexer.skipWhitespace()
            let value = try readValue()
            builder.member(name, value, in: &object)
            lexer.skipWhitespace()
            if lexer.consume(UInt8(ascii: ",")) { continue }
            if lexer.consume(UInt8(ascii: "}")) { return builder.endObject(object) }
            throw lexer.failure(lexer.atEnd ? "unexpected end of input" : "expected ',' or '}'")
        }
    }

    private mutating func readArray() throws(JSONError) -> Builder.Value {
        try enter()
        defer { depth -= 1 }
        lexer.advance()
        var array = builder.beginArray()
        lexer.skipWhitespace()
        if lexer.consume(UInt8(ascii: "]")) { return builder.endArray(array) }
        while true {
            lexer.skipWhitespace()
            builder.element(try readValue(), in: &array)
            lexer.skipWhitespace()
            if lexer.consume(UInt8(ascii: ",")) { continue }
            if lexer.consume(UInt8(ascii: "]")) { return builder.endArray(array) }
            throw lexer.failure(lexer.atEnd ? "unexpected end of input" : "expected ',' or ']'")
        }
    }
}
