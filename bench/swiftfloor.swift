// The Swift floor for cold init (bench.py builds it with `swiftc -O -static-stdlib`, libstdc++ static as in
// `make package`): the same raw-socket `GET /next` as helpers.c's RAWFLOOR, written in Swift. What it costs above
// the C raw floor is the Swift runtime starting (loading and relocating the static stdlib, its initialisers),
// which no Swift runtime can avoid; what bootstrap costs above it is ours (libcurl, OpenSSL, configuration).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

func floorMain() -> Int32 {
    guard let raw = getenv("AWS_LAMBDA_RUNTIME_API") else { return 2 }
    let api = String(cString: raw)
    guard let colon = api.lastIndex(of: ":"), let port = UInt16(api[api.index(after: colon)...]) else { return 2 }
    let host = String(api[..<colon])
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { return 2 }
    let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard s >= 0 else { return 1 }
    var one: Int32 = 1
    _ = setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return 1 }
    let request = Array("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: \(api)\r\nUser-Agent: swiftfloor\r\nAccept: */*\r\n\r\n".utf8)
    guard request.withUnsafeBytes({ write(s, $0.baseAddress, $0.count) }) == request.count else { return 1 }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let got = buffer.withUnsafeMutableBytes { read(s, $0.baseAddress, $0.count) }  // the answer, or the stub closing
    close(s)
    return got > 0 ? 0 : 1
}

exit(floorMain())
