import Testing
import TinyJSON

@testable import LambdaHTTP

@Suite struct FunctionURLRequestTests {
    @Test func decodesFunctionURLEvent() throws {
        let event = #"""
            {"version":"2.0","rawPath":"/api/x","rawQueryString":"a=1&b=2","cookies":["c=1"],
             "headers":{"Content-Type":"application/json","x-dup":"1,2"},"queryStringParameters":{"a":"1","b":"2"},
             "requestContext":{"http":{"method":"post","path":"/api/x","sourceIp":"10.0.0.1"},"requestId":"r1"},
             "body":"aGVsbG8=","isBase64Encoded":true}
            """#
        let r = try FunctionURLRequest(event: Array(event.utf8))
        #expect(r.method == "POST")
        #expect(r.rawPath == "/api/x")
        #expect(r.headers["content-type"] == "application/json")
        #expect(r.cookies == ["c=1"])
        #expect(r.queryStringParameters["b"] == "2")
        #expect(r.body == Array("hello".utf8))
        #expect(r.requestID == "r1" && r.sourceIP == "10.0.0.1")
    }

    @Test func invalidEventsNameTheProblem() {
        #expect(throws: InvalidEventError.self) { try FunctionURLRequest(event: Array("nope".utf8)) }
        do {
            _ = try FunctionURLRequest(event: Array(#"{"requestContext":{"http":{}}}"#.utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("requestContext.http.method"))
        }
    }
}
