import TinyJSON

/// The HTTP status, headers and cookies sent ahead of a streamed body (the "prelude").
public struct HTTPResponsePrelude: Sendable {
    /// Status code.
    public var statusCode: Int
    /// Headers (payload 2.0: one value per name; join duplicates with commas).
    public var headers: [(String, String)]
    /// Set-Cookie values, which a Function URL only accepts here.
    public var cookies: [String]

    /// A prelude with the given parts.
    public init(statusCode: Int, headers: [(String, String)] = [], cookies: [String] = []) {
        self.statusCode = statusCode
        self.headers = headers
        self.cookies = cookies
    }

    /// The prelude JSON: `{"statusCode":..,"headers":{..},"cookies":[..]}`, no NUL bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        out.append(contentsOf: #"{"statusCode":"#.utf8)
        JSONWriter.appendInt(statusCode, to: &out)
        out.append(contentsOf: #","headers":{"#.utf8)
        var first = true
        for (name, value) in headers {
            // content-length is not honoured as framing behind a Function URL; never send it.
            if name.lowercased() == "content-length" { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONWriter.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.appendString(value, to: &out)
        }
        out.append(contentsOf: #"},"cookies":["#.utf8)
        for (i, cookie) in cookies.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(cookie, to: &out)
        }
        out.append(contentsOf: "]}".utf8)
        // A NUL inside would be read as the delimiter; JSON escaping already turns it into \u0000.
        return out
    }
}
