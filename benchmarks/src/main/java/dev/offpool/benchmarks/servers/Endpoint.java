package dev.offpool.benchmarks.servers;

import java.nio.ByteBuffer;

/**
 * What both servers serve. Every body is {@link #pattern(int)} of the endpoint's size, so a client can check a
 * response byte for byte; {@link #ECHO} answers with the request's body.
 *
 * <p>How the body reaches the socket is the server's business ({@link JettyServer}, {@link NettyServer} say), except
 * for {@link #DIRECT_16K}: each response is a new {@code ByteBuffer.allocateDirect} buffer ({@link #directBody()}),
 * the call the agent redirects, made once per request.
 */
public enum Endpoint {
    /** {@code GET /small}: 16 bytes. */
    SMALL("GET", "/small", 16),
    /** {@code GET /16k}: 16 KiB. */
    K16("GET", "/16k", 16 * 1024),
    /** {@code GET /1m}: 1 MiB. */
    M1("GET", "/1m", 1024 * 1024),
    /** {@code POST /echo}: the request's body back; clients send 16 KiB of the pattern. */
    ECHO("POST", "/echo", 16 * 1024),
    /** {@code GET /direct16k}: 16 KiB in a direct buffer allocated for the response. */
    DIRECT_16K("GET", "/direct16k", 16 * 1024);

    private final String method;
    private final String path;
    private final int bodyBytes;
    /** The body, made once; handed out as read-only views, never written after construction. */
    private final byte[] body;

    Endpoint(String method, String path, int bodyBytes) {
        this.method = method;
        this.path = path;
        this.bodyBytes = bodyBytes;
        this.body = pattern(bodyBytes);
    }

    /** {@return the HTTP method, {@code GET} or {@code POST}} */
    public String method() {
        return method;
    }

    /** {@return the request path, such as {@code /16k}} */
    public String path() {
        return path;
    }

    /** {@return the body's size in bytes (for {@link #ECHO}, the size clients send)} */
    public int bodyBytes() {
        return bodyBytes;
    }

    /** {@return the body as a read-only heap buffer over the one shared copy} */
    public ByteBuffer body() {
        return ByteBuffer.wrap(body).asReadOnlyBuffer();
    }

    /** {@return a copy of the body, for a client to compare against or to send} */
    public byte[] bodyBytesCopy() {
        return body.clone();
    }

    /**
     * {@return the body in a direct buffer allocated by this call, position 0, limit its size}
     *
     * <p>The {@code allocateDirect} here is the one the agent sees for {@link #DIRECT_16K}, in both servers.
     */
    public ByteBuffer directBody() {
        return ByteBuffer.allocateDirect(bodyBytes).put(body).flip();
    }

    /**
     * {@return the endpoint for a request, or {@code null} if there is none}
     *
     * @param method the request's method
     * @param path   the request's path, without the query
     */
    public static Endpoint of(String method, String path) {
        for (Endpoint endpoint : values()) {
            if (endpoint.path.equals(path) && endpoint.method.equals(method)) {
                return endpoint;
            }
        }
        return null;
    }

    /**
     * {@return {@code size} bytes of the bodies' pattern: byte {@code i} is the top byte of {@code i} times the golden
     * ratio's 32-bit constant, so a chunk delivered at the wrong offset does not match}
     *
     * @param size how many bytes, at least 0
     */
    public static byte[] pattern(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) ((i * 0x9E3779B1) >>> 24);
        }
        return bytes;
    }
}
