import Foundation
import NIOCore
import NIOHTTP1

/// The demo page's files (`--web DIR`), served on their own port so the page and the Function URL are two
/// origins, as in production (a static host and a `*.lambda-url.*.on.aws` URL): the page's calls then go
/// through CORS exactly as a deployed page's do.
struct StaticSite: Sendable {
    /// The directory, symlinks resolved; nothing outside it is ever served.
    let root: String
    /// Served as `{"apiUrl": ...}` at `/config.json` unless the directory has its own config.json.
    let apiURL: String

    struct Response {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// File extension → Content-Type. JavaScript is `text/javascript` (RFC 9239): browsers refuse ES modules
    /// served with a non-JavaScript type.
    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8",
        "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8", "json": "application/json", "map": "application/json",
        "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
        "gif": "image/gif", "webp": "image/webp", "ico": "image/x-icon", "txt": "text/plain; charset=utf-8",
        "md": "text/markdown; charset=utf-8", "ts": "text/plain; charset=utf-8",
        "woff": "font/woff", "woff2": "font/woff2", "wasm": "application/wasm",
    ]

    /// Resolves `directory` (which must exist) to its real path.
    init(directory: String, apiURL: String) throws {
        guard let resolved = Self.realPath(directory) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: directory])
        }
        root = resolved
        self.apiURL = apiURL
    }

    /// The answer to one request. Only GET and HEAD; a path that leaves the directory (`..`, also
    /// percent-encoded, or a symlink pointing out) is refused as not found.
    func respond(method: HTTPMethod, uri: String) -> Response {
        guard method == .GET || method == .HEAD else {
            var response = plain(.methodNotAllowed, "method not allowed\n")
            response.headers.add(name: "allow", value: "GET, HEAD")
            return response
        }
        let rawPath = String(uri.prefix { $0 != "?" && $0 != "#" })
        guard rawPath.hasPrefix("/"), let path = rawPath.removingPercentEncoding, !path.contains("\0") else {
            return plain(.notFound, "not found\n")
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        if segments.contains("..") {
            log("web: refused \(uri) (outside \(root))")
            return plain(.notFound, "not found\n")
        }
        var relative = segments.joined(separator: "/")
        if path.hasSuffix("/") || relative.isEmpty {
            relative += relative.isEmpty ? "index.html" : "/index.html"
        }
        if relative == "config.json", !FileManager.default.fileExists(atPath: root + "/config.json") {
            var response = Response(status: .ok, headers: HTTPHeaders(), body: jsonBuffer(["apiUrl": apiURL]))
            response.headers.add(name: "content-type", value: "application/json")
            response.headers.add(name: "cache-control", value: "no-store")
            return response
        }
        guard let resolved = Self.realPath(root + "/" + relative), resolved == root || resolved.hasPrefix(root + "/") else {
            return plain(.notFound, "not found\n")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory) else {
            return plain(.notFound, "not found\n")
        }
        if isDirectory.boolValue {
            // A directory without its slash: relative links on its index page would resolve one level up.
            var response = plain(.movedPermanently, "moved\n")
            response.headers.add(name: "location", value: rawPath + "/")
            return response
        }
        guard let data = FileManager.default.contents(atPath: resolved) else {
            return plain(.notFound, "not found\n")
        }
        let ext = (resolved as NSString).pathExtension.lowercased()
        var response = Response(status: .ok, headers: HTTPHeaders(), body: ByteBuffer(bytes: data))
        response.headers.add(name: "content-type", value: Self.contentTypes[ext] ?? "application/octet-stream")
        // Edits to the page show on reload: this is a development server.
        response.headers.add(name: "cache-control", value: "no-cache")
        response.headers.add(name: "x-content-type-options", value: "nosniff")
        return response
    }

    private func plain(_ status: HTTPResponseStatus, _ text: String) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/plain; charset=utf-8")
        return Response(status: status, headers: headers, body: ByteBuffer(string: text))
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// One browser connection to the static site.
final class StaticSiteHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let site: StaticSite
    private var head: HTTPRequestHead?

    init(site: StaticSite) {
        self.site = site
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
        case .body:
            break
        case .end:
            guard let requestHead = head else { return }
            head = nil
            var response = site.respond(method: requestHead.method, uri: requestHead.uri)
            response.headers.replaceOrAdd(name: "content-length", value: String(response.body.readableBytes))
            let keepAlive = requestHead.isKeepAlive
            if !keepAlive { response.headers.replaceOrAdd(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: response.headers))), promise: nil)
            if requestHead.method != .HEAD, response.body.readableBytes > 0 {
                context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
            }
            let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
