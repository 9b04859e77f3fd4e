package dev.offpool.benchmarks.servers;

import dev.offpool.benchmarks.workload.Arguments;
import dev.offpool.benchmarks.workload.Arguments.Option;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A Jetty 12 server on its core {@link Handler} API (no servlet), serving the {@link Endpoint}s on loopback until
 * SIGTERM.
 *
 * {@snippet lang = "sh" :
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *     dev.offpool.benchmarks.servers.JettyServer --port 0 --pool non-pooling     # prints LISTENING <port>
 * }
 *
 * <p>The connector reads and writes through direct buffers ({@code setUseInputDirectByteBuffers},
 * {@code setUseOutputDirectByteBuffers}), taken from the server's {@link ByteBufferPool}: {@code --pool array} is
 * Jetty's default {@link ArrayByteBufferPool}, which keeps released buffers for reuse; {@code --pool non-pooling} is
 * {@link ByteBufferPool.NonPooling}, which allocates a buffer for every acquire ({@code ByteBuffer.allocateDirect}
 * in {@code BufferUtil}) and lets the GC free it. Bodies are written as read-only heap buffers over one shared copy,
 * so Jetty copies them through its buffers or writes them to the socket as it chooses; {@code /direct16k} writes a
 * direct buffer allocated for the response ({@link Endpoint#directBody()}); {@code /echo} reads the whole request
 * body, then writes it back.
 */
public final class JettyServer {
    private static final List<Option> OPTIONS = List.of(
            new Option("port", "0", "the port to listen on, on loopback; 0 picks a free one"),
            new Option("pool", "array", "Jetty's ByteBufferPool: array (its default ArrayByteBufferPool) or "
                    + "non-pooling (ByteBufferPool.NonPooling)"));

    private JettyServer() {
    }

    /**
     * Starts the server, prints {@code LISTENING <port>} ({@link Listening}) and serves until the JVM is stopped.
     *
     * @param args {@code --port N} and {@code --pool array|non-pooling}; {@code --help} prints them
     * @throws Exception if Jetty cannot start
     */
    public static void main(String[] args) throws Exception {
        if (Arguments.wantsHelp(args)) {
            System.out.print(new Arguments("JettyServer", OPTIONS).usage());
            return;
        }
        Arguments arguments = new Arguments("JettyServer", OPTIONS, args);
        ByteBufferPool pool = switch (arguments.text("pool")) {
            case "array" -> new ArrayByteBufferPool();
            case "non-pooling" -> new ByteBufferPool.NonPooling();
            default -> throw new IllegalArgumentException("JettyServer: --pool must be array or non-pooling, was '"
                    + arguments.text("pool") + "'");
        };
        Server server = new Server(null, null, pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setUseInputDirectByteBuffers(true);
        http.setUseOutputDirectByteBuffers(true);
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
        connector.setPort(arguments.integer("port", 0));
        server.addConnector(connector);
        server.setHandler(new EndpointHandler());
        // Jetty's own shutdown hook stops the server on SIGTERM, after which join() returns.
        server.setStopAtShutdown(true);
        server.start();
        Listening.announce(connector.getLocalPort());
        server.join();
    }

    /** Answers each request from its {@link Endpoint}; blocking, so {@code /echo} may read the body in place. */
    private static final class EndpointHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            Endpoint endpoint = Endpoint.of(request.getMethod(), request.getHttpURI().getPath());
            if (endpoint == null) {
                Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
                return true;
            }
            ByteBuffer body = switch (endpoint) {
                case ECHO -> Content.Source.asByteBuffer(request);
                case DIRECT_16K -> endpoint.directBody();
                default -> endpoint.body();
            };
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
            response.write(true, body, callback);
            return true;
        }
    }
}
