package dev.offpool.benchmarks.servers;

import dev.offpool.benchmarks.workload.Arguments;
import dev.offpool.benchmarks.workload.Arguments.Option;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Netty 4.2 HTTP/1.1 server (NIO transport, {@link HttpServerCodec} and {@link HttpObjectAggregator}) serving the
 * {@link Endpoint}s on loopback until SIGTERM.
 *
 * {@snippet lang = "sh" :
 * java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *     -cp benchmarks/target/benchmarks.jar dev.offpool.benchmarks.servers.NettyServer --port 0   # LISTENING <port>
 * }
 *
 * <p>The buffers come from Netty's default {@link ByteBufAllocator}, chosen by Netty's system properties, not here
 * ({@code -Dio.netty.allocator.type}: 4.2's default {@code adaptive}, or {@code unpooled}). Where the direct memory
 * comes from is Netty's choice too, made once at start (Netty 4.2.20 on JDK 25, {@code PlatformDependent}):
 * <ul>
 * <li>{@code sun.misc.Unsafe} usable ({@code --sun-misc-unsafe-memory-access=allow}): {@code CleanerJava9}, which
 *     allocates with {@code ByteBuffer.allocateDirect} (the call the agent redirects) and frees with
 *     {@code Unsafe.invokeCleaner} through a {@code MethodHandle}: the adaptive allocator's chunks, or, unpooled,
 *     every buffer;</li>
 * <li>{@code -Dio.netty.noUnsafe=true}: {@code CleanerJava24Linker} ({@code malloc} and {@code free} through the FFM
 *     linker) where native access is enabled, else {@code CleanerJava25} (one {@code Arena} per buffer): no
 *     {@code allocateDirect} call at all.</li>
 * </ul>
 * Each GET response body is a new buffer from the allocator, filled with the pattern; {@code /direct16k} wraps a
 * direct buffer allocated for the response ({@link Endpoint#directBody()}); {@code /echo} answers with the aggregated
 * request body itself.
 */
public final class NettyServer {
    /** Above the largest body clients send ({@link Endpoint#ECHO}). */
    private static final int MAX_REQUEST_BODY_BYTES = 1024 * 1024;
    private static final List<Option> OPTIONS = List.of(
            new Option("port", "0", "the port to listen on, on loopback; 0 picks a free one"));

    private NettyServer() {
    }

    /**
     * Starts the server, prints {@code LISTENING <port>} ({@link Listening}) and serves until the JVM is stopped.
     *
     * @param args {@code --port N}; {@code --help} prints it
     * @throws InterruptedException if interrupted while binding or serving
     */
    public static void main(String[] args) throws InterruptedException {
        if (Arguments.wantsHelp(args)) {
            System.out.print(new Arguments("NettyServer", OPTIONS).usage());
            return;
        }
        Arguments arguments = new Arguments("NettyServer", OPTIONS, args);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        Channel server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(),
                                new HttpObjectAggregator(MAX_REQUEST_BODY_BYTES), new EndpointHandler());
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), arguments.integer("port", 0)).sync().channel();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }, "netty-server-stop"));
        Listening.announce(((InetSocketAddress) server.localAddress()).getPort());
        server.closeFuture().sync();
    }

    /** Answers each aggregated request from its {@link Endpoint}. */
    private static final class EndpointHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext context, FullHttpRequest request) {
            Endpoint endpoint = Endpoint.of(request.method().name(), new QueryStringDecoder(request.uri()).path());
            ByteBuf body;
            HttpResponseStatus status = HttpResponseStatus.OK;
            if (endpoint == null) {
                body = Unpooled.EMPTY_BUFFER;
                status = HttpResponseStatus.NOT_FOUND;
            } else {
                body = switch (endpoint) {
                    // The request is released after this method; the response keeps its body alive.
                    case ECHO -> request.content().retain();
                    case DIRECT_16K -> Unpooled.wrappedBuffer(endpoint.directBody());
                    default -> context.alloc().buffer(endpoint.bodyBytes()).writeBytes(endpoint.body());
                };
            }
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
            HttpUtil.setContentLength(response, body.readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            if (keepAlive) {
                context.writeAndFlush(response, context.voidPromise());
            } else {
                context.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            // A client that resets its connection (wrk at the end of a run) is not the server's failure.
            context.close();
        }
    }
}
