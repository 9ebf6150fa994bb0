// A Function URL invocation up to the agent call: the payload 2.0 event (FunctionURLRequest), then the
// request body as the gateway validates it (RequestBody within 1 MB, StreamRequest for /api/streaming/stream,
// InvokeRequest for POST /) against one AgentCore and one Mastra agent, and the Accept/Accept-Language
// readers. Input: the event JSON as Lambda delivers it.
// Invariants: no crash; a refused event names what is wrong; a refused body is a 400 naming at least one
// field, a 404 or a 413; an accepted prompt-API request has a non-empty prompt; an accepted request names a
// configured agent, and any AgentCore session id it carries follows AgentCore's rule.
import AgentStream
import FuzzSupport
import LambdaHTTP
import TinyJSON

enum FuzzEvent: FuzzTarget {
    static let name = "event"

    static let agentCore = AgentCoreUpstream(
        arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agent-AbCdEf1234", qualifier: "DEFAULT",
        endpoint: "http://127.0.0.1:9", region: "us-east-1", credentials: { nil })
    static let mastra = MastraUpstream(baseURL: "http://127.0.0.1:9", agentID: "weatherAgent")

    static func upstream(_ name: String) -> (any AgentUpstream)? {
        switch name {
        case "default": agentCore
        case "weather": mastra
        default: nil
        }
    }

    static func checkRefusal(_ failure: HTTPFailure) {
        switch failure.status {
        case 400:
            require(!(failure.body["fields"]?.arrayValue ?? []).isEmpty, "a 400 naming no field: \(failure.body.jsonString)")
        case 404, 413:
            break
        default:
            require(false, "body refused with \(failure.status)")
        }
    }

    /// `textRequired`: the prompt API's `prompt` must be a non-empty string. The streaming API documents content
    /// parts without text (an image, a tool call) as valid, so its latest user turn may carry no text at all.
    static func checkAccepted(_ request: AgentRequest, textRequired: Bool) {
        require(!textRequired || !request.prompt.isEmpty, "accepted without a prompt")
        require(upstream(request.agentName) != nil, "accepted for unknown agent \(request.agentName)")
        if request.agentName == "default", let id = request.sessionID {
            require(SessionID.isValid(id), "AgentCore session id \(id) accepted")
        }
    }

    static func run(_ input: [UInt8]) {
        let request: FunctionURLRequest
        do {
            request = try FunctionURLRequest(event: input)
        } catch {
            require(!error.message.isEmpty, "an event refused without a reason")
            return
        }
        require(request.method == request.method.uppercased(), "method \(request.method) not upper-case")
        _ = StreamRequest.wantsSSE(accept: request.headers["accept"])
        let language = StreamRequest.language(acceptLanguage: request.headers["accept-language"])
        require(!language.isEmpty && language.utf8.count <= 35, "language \(language)")
        let body: [String: JSONValue]
        do {
            body = try RequestBody.jsonObject(request)
        } catch {
            checkRefusal(error)
            return
        }
        do {
            checkAccepted(try StreamRequest.parse(body, upstream: upstream), textRequired: false)
        } catch {
            checkRefusal(error)
        }
        do {
            checkAccepted(try InvokeRequest.parse(body, defaultAgent: "default", upstream: upstream), textRequired: true)
        } catch {
            checkRefusal(error)
        }
    }
}
