import TinyJSON

/// JSON helpers shared by upstream adapters.
enum UpstreamJSON {
    /// `payload` as compact single-line JSON: kept as is when already single-line and valid, re-serialised
    /// when it spans lines, or wrapped as a JSON string when it is not JSON at all.
    static func compact(_ payload: [UInt8]) -> (bytes: [UInt8], value: JSONValue?) {
        guard let value = try? JSONValue.parse(payload) else {
            var out: [UInt8] = []
            JSONWriter.appendString(String(decoding: payload, as: UTF8.self), to: &out)
            return (out, nil)
        }
        if payload.contains(0x0A) || payload.contains(0x0D) || payload.first == 0x20 || payload.last == 0x20 {
            return (value.serialized(), value)
        }
        return (payload, value)
    }
}
