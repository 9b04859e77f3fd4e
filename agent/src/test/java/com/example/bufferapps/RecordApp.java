package com.example.bufferapps;

import dev.offpool.agent.Redirects;

import java.nio.ByteBuffer;

import static com.example.bufferapps.Checks.check;

/** A record's own {@code allocateDirect} calls are redirected like any class's. */
public final class RecordApp {
    private RecordApp() {
    }

    /** A record that allocates: its toString, equals and hashCode are the JDK's ObjectMethods bootstraps. */
    record Frame(int id, ByteBuffer payload) {
        Frame(int id, int bytes) {
            this(id, ByteBuffer.allocateDirect(bytes));
        }

        ByteBuffer copy() {
            return ByteBuffer.allocateDirect(payload.capacity()).put(payload.duplicate()).flip();
        }
    }

    public static void main(String[] args) {
        Frame frame = new Frame(7, 4096);
        check("aRecordsConstructorIsRedirected", Redirects.isRedirected(frame.payload()), Redirects.stats());
        check("aRecordsMethodIsRedirected", Redirects.isRedirected(frame.copy()), Redirects.stats());
        check("itsObjectMethodsStillWork", frame.equals(new Frame(7, frame.payload())) && frame.toString()
                .startsWith("Frame[id=7, payload=java.nio.DirectByteBuffer") && frame.hashCode()
                == new Frame(7, frame.payload()).hashCode(), frame);
        Checks.finish();
    }
}
