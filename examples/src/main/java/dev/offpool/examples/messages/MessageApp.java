package dev.offpool.examples.messages;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * An ordinary program that knows nothing of offpool: it frames messages into direct buffers, checksums them and
 * writes them to a file channel in batches, as a message broker or an RPC server does with its I/O buffers, keeps a
 * window of recent messages for retransmission, and holds one receive buffer per connection. Run it with and without
 * {@code -javaagent:offpool-agent.jar}; it prints its throughput, and the agent prints which of its methods hold the
 * off-heap memory.
 *
 * <p>Usage: {@code MessageApp [seconds]} (default 5, after 1 s of warm-up).
 */
public final class MessageApp {
    private static final int CONNECTIONS = 200;
    private static final int RECEIVE_BUFFER_BYTES = 8 * 1024;
    private static final int RETRANSMIT_WINDOW = 2_000;
    private static final int BATCH = 16;
    private static final int HEADER_BYTES = 16;

    private final SplittableRandom random = new SplittableRandom(7);
    private final List<ByteBuffer> receiveBuffers = new ArrayList<>();
    private final ArrayDeque<ByteBuffer> retransmitWindow = new ArrayDeque<>();
    private final ByteBuffer[] batch = new ByteBuffer[BATCH];
    private final CRC32C crc = new CRC32C();
    private final FileChannel out;
    private long sequence;
    private long bytesWritten;

    private MessageApp(FileChannel out) {
        this.out = out;
        for (int i = 0; i < CONNECTIONS; i++) {
            receiveBuffers.add(openConnection());
        }
    }

    public static void main(String[] args) throws IOException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        Path file = Files.createTempFile("messages", ".bin");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE)) {
            MessageApp app = new MessageApp(out);
            app.run(1.0);
            long messages = app.sequence;
            long bytes = app.bytesWritten;
            long start = System.nanoTime();
            app.run(seconds);
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf("MessageApp: %,.0f messages/s, %,.1f MB/s written (%s)%n",
                    (app.sequence - messages) / elapsed, (app.bytesWritten - bytes) / elapsed / 1e6,
                    System.getProperty("messageApp.label", "run"));
        }
    }

    /** A connection's receive buffer, held for the program's life. */
    private static ByteBuffer openConnection() {
        return ByteBuffer.allocateDirect(RECEIVE_BUFFER_BYTES);
    }

    private void run(double seconds) throws IOException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            for (int i = 0; i < BATCH; i++) {
                batch[i] = encode(payloadSize());
            }
            writeBatch();
            ByteBuffer receive = receiveBuffers.get((int) (sequence % CONNECTIONS));
            receive.clear().putLong(0, sequence);
            if (out.position() > (64 << 20)) {
                out.truncate(0);
            }
        }
    }

    /** Mostly small messages, some larger: the sizes of typical RPC replies. */
    private int payloadSize() {
        int r = random.nextInt(100);
        return r < 70 ? 32 + random.nextInt(224) : r < 95 ? 256 + random.nextInt(768) : 1024 + random.nextInt(3072);
    }

    /** Frames one message: header (sequence, length, checksum) and payload, in a fresh direct buffer. */
    private ByteBuffer encode(int payloadBytes) {
        ByteBuffer message = ByteBuffer.allocateDirect(HEADER_BYTES + payloadBytes);
        message.putLong(sequence++).putInt(payloadBytes).putInt(0);
        for (int i = 0; i < payloadBytes; i += 8) {
            message.put(HEADER_BYTES + i, (byte) i);
        }
        crc.reset();
        crc.update(message.duplicate().position(HEADER_BYTES));
        message.putInt(12, (int) crc.getValue());
        return message.clear();
    }

    /** One gathering write, then the messages go to the retransmit window; the oldest fall out and die. */
    private void writeBatch() throws IOException {
        long written = 0;
        while (written < totalRemaining()) {
            written += out.write(batch);
        }
        bytesWritten += written;
        for (ByteBuffer message : batch) {
            retransmitWindow.addLast(message);
        }
        while (retransmitWindow.size() > RETRANSMIT_WINDOW) {
            retransmitWindow.removeFirst();
        }
    }

    private long totalRemaining() {
        long remaining = 0;
        for (ByteBuffer message : batch) {
            remaining += message.remaining();
        }
        return remaining;
    }
}
