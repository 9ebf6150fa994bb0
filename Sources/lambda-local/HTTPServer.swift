import NIOCore
import NIOHTTP1
import NIOPosix

/// Binds an HTTP/1.1 server on 127.0.0.1 (loopback only: this is a developer tool) whose connections each get
/// a fresh handler from `makeHandler`. Port 0 picks a free port; read it from the channel's local address.
/// `pipelining: false` leaves out NIO's pipelining handler, for peers that never pipeline (Runtime API
/// clients wait for each answer): one handler less on every message part of every invocation.
func bindHTTPServer(
    group: any EventLoopGroup,
    port: Int,
    pipelining: Bool = true,
    makeHandler: @escaping @Sendable () -> any ChannelHandler
) -> EventLoopFuture<any Channel> {
    ServerBootstrap(group: group)
        .serverChannelOption(.backlog, value: 256)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                    withPipeliningAssistance: pipelining, withErrorHandling: true)
                try channel.pipeline.syncOperations.addHandler(makeHandler())
            }
        }
        .bind(host: "127.0.0.1", port: port)
}
