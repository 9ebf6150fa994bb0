import Foundation
import Primitives
import Testing

@testable import CurlHTTP

/// A one-connection HTTP server on 127.0.0.1 that answers with scripted pieces and delays.
final class ScriptedServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private(set) var received = [UInt8]()
    private let done = DispatchSemaphore(value: 0)
    /// A piece with a negative delay waits for `release()` instead (tests that must not race the clock).
    private let gate = DispatchSemaphore(value: 0)

    init(pieces: [(delayMs: Int, bytes: String)], closeAbruptly: Bool = false) throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, len) } }
        listen(sock, 1)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) } }
        fd = sock
        port = UInt16(bigEndian: addr.sin_port)
        let listener = sock
        Thread.detachNewThread { [self] in
            let conn = accept(listener, nil, nil)
            var buf = [UInt8](repeating: 0, count: 65536)
            // Read the request head (and any small body) before answering.
            var got = [UInt8]()
            while !got.containsHeadEnd() {
                let n = read(conn, &buf, buf.count)
                if n <= 0 { break }
                got += buf[0..<n]
            }
            self.received = got
            for piece in pieces {
                if piece.delayMs > 0 { usleep(UInt32(piece.delayMs * 1000)) }
                if piece.delayMs < 0 { gate.wait() }
                _ = Array(piece.bytes.utf8).withUnsafeBytes { write(conn, $0.baseAddress, $0.count) }
            }
            if closeAbruptly {
                var l = linger(l_onoff: 1, l_linger: 0)
                setsockopt(conn, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
            }
            close(conn)
            self.done.signal()
        }
    }

    var url: String { "http://127.0.0.1:\(port)/path?q=1" }

    /// Lets a gated piece go out.
    func release() { gate.signal() }

    deinit { close(fd) }
}

extension Array where Element == UInt8 {
    func containsHeadEnd() -> Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 {
            return true
        }
        return false
    }
}

@Suite(.serialized) struct CurlHTTPTests {
    @Test func streamsBodyPiecesAsTheyArrive() async throws {
        let server = try ScriptedServer(pieces: [
            (0, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"),
            (0, "5\r\nhello\r\n"),
            (-1, "5\r\nworld\r\n"),
            (0, "0\r\n\r\n"),
        ])
        let (head, transfer) = try await CurlClient.shared.execute(CurlRequest(method: "GET", url: server.url))
        #expect(head.status == 200)
        #expect(head.headers["content-type"] == "text/plain")
        #expect(try await transfer.next() == .data(Array("hello".utf8)))
        // The second piece waits for the test: a 50 ms wait must time out rather than block or merge pieces.
        #expect(try await transfer.next(until: MonotonicClock.now.advanced(byMilliseconds: 50)) == .timeout)
        server.release()
        #expect(try await transfer.next() == .data(Array("world".utf8)))
        #expect(try await transfer.next() == .end)
    }

    @Test func sendsFixedBodyWithLengthAndHeaders() async throws {
        let server = try ScriptedServer(pieces: [(0, "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")])
        var headers = HeaderFields()
        headers.add("X-Test", "1")
        let body = Array("{\"a\":1}".utf8)
        let (head, _) = try await CurlClient.shared.fetch(
            CurlRequest(method: "POST", url: server.url, headers: headers, body: .bytes(body)), limit: 1024)
        #expect(head.status == 204)
        let text = String(decoding: server.received, as: UTF8.self)
        #expect(text.hasPrefix("POST /path?q=1 HTTP/1.1\r\n"))
        #expect(text.contains("X-Test: 1\r\n") && text.contains("Content-Length: 7\r\n"))
        #expect(!text.lowercased().contains("expect:"))
    }

    @Test func refusedConnectionIsAConnectError() async throws {
        // Port 1 on loopback has no listener here, so the connect is refused at once.
        do {
            _ = try await CurlClient.shared.execute(CurlRequest(method: "GET", url: "http://127.0.0.1:1/"))
            Issue.record("expected a connect error")
        } catch {
            #expect(error.kind == .connect)
        }
    }

    @Test func resetMidBodyIsATransportError() async throws {
        let server = try ScriptedServer(
            pieces: [(0, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"), (0, "partial")], closeAbruptly: true)
        let (head, transfer) = try await CurlClient.shared.execute(CurlRequest(method: "GET", url: server.url))
        #expect(head.status == 200)
        var failed: CurlError?
        do {
            while case .data = try await transfer.next() {}
        } catch {
            failed = error
        }
        #expect(failed?.kind == .transport)
    }

    @Test func totalTimeoutFires() async throws {
        let server = try ScriptedServer(pieces: [(2000, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")])
        do {
            _ = try await CurlClient.shared.fetch(CurlRequest(method: "GET", url: server.url, timeoutMs: 200), limit: 1024)
            Issue.record("expected a timeout")
        } catch {
            #expect(error.kind == .timeout)
        }
    }

    @Test func cancelEndsAWaitingReader() async throws {
        let server = try ScriptedServer(pieces: [(0, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"), (3000, "0123456789")])
        let (_, transfer) = try await CurlClient.shared.execute(CurlRequest(method: "GET", url: server.url))
        let reader = Task { try await transfer.next() }
        try await Task.sleep(nanoseconds: 100_000_000)
        transfer.cancel()
        do {
            _ = try await reader.value
            Issue.record("expected cancellation")
        } catch let error as CurlError {
            #expect(error.kind == .cancelled)
        }
    }

    @Test func headDeadlineEndsAWaitForAHeadThatNeverComes() async throws {
        let server = try ScriptedServer(pieces: [(-1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")])
        defer { server.release() }
        do {
            _ = try await CurlClient.shared.execute(
                CurlRequest(method: "GET", url: server.url, headDeadline: MonotonicClock.now.advanced(byMilliseconds: 150)))
            Issue.record("expected a timeout")
        } catch {
            #expect(error.kind == .timeout)
        }
    }

    @Test func headDeadlineLeavesASlowBodyAlone() async throws {
        let server = try ScriptedServer(pieces: [
            (0, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"), (-1, "done"),
        ])
        let deadline = MonotonicClock.now.advanced(byMilliseconds: 1000)
        let (head, transfer) = try await CurlClient.shared.execute(CurlRequest(method: "GET", url: server.url, headDeadline: deadline))
        #expect(head.status == 200)
        try await MonotonicClock().sleep(until: deadline.advanced(byMilliseconds: 200))
        server.release()
        #expect(try await transfer.collectBody(limit: 100) == Array("done".utf8))
    }

    @Test func oversizedResponseHeadIsRefused() async throws {
        let big = String(repeating: "X-Filler: " + String(repeating: "a", count: 1000) + "\r\n", count: 80)
        let server = try ScriptedServer(pieces: [(0, "HTTP/1.1 200 OK\r\n" + big + "Content-Length: 0\r\n\r\n")])
        do {
            _ = try await CurlClient.shared.execute(CurlRequest(method: "GET", url: server.url, maxHeaderBytes: 16 * 1024))
            Issue.record("expected the head to be refused")
        } catch {
            #expect(error.kind == .transport)
            #expect(error.message.contains("16384"))
        }
    }

    @Test func oversizedBodyIsRefusedByCollect() async throws {
        let server = try ScriptedServer(pieces: [(0, "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + String(repeating: "b", count: 2000))])
        do {
            _ = try await CurlClient.shared.fetch(CurlRequest(method: "GET", url: server.url), limit: 1000)
            Issue.record("expected the body to be refused")
        } catch {
            #expect(error.kind == .transport)
        }
    }

    @Test func readerDeadlineInThePastAnswersAtOnce() async throws {
        let server = try ScriptedServer(pieces: [(0, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n"), (500, "z")])
        let (_, transfer) = try await CurlClient.shared.execute(CurlRequest(method: "GET", url: server.url))
        #expect(try await transfer.next(until: MonotonicClock.Instant(nanoseconds: 1)) == .timeout)
        #expect(try await transfer.next() == .data(Array("z".utf8)))
        #expect(try await transfer.next() == .end)
    }

    @Test func curlSleepEndsAtItsDeadlineAndOnCancel() async throws {
        let start = MonotonicClock.now
        try await CurlClient.sleep(until: start.advanced(byMilliseconds: 30))
        #expect(start.milliseconds(to: MonotonicClock.now) >= 29)
        let long = Task { try await CurlClient.sleep(until: MonotonicClock.now.advanced(byMilliseconds: 60_000)) }
        long.cancel()
        await #expect(throws: CancellationError.self) { try await long.value }
    }
}
