package dev.offpool.agent.install;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The source lines of a class's {@code ByteBuffer.allocateDirect(int)} calls and pass-through helper calls, method by
 * method and callee by callee, in code order: what
 * makes a call site one call (its class, method and line) rather than one method. Byte Buddy's member substitution
 * does not tell a substitution its line, so {@link ConstantPoolFilter} reads them from the class bytes (one
 * parse, only for classes whose constant pool names {@code allocateDirect}) before Byte Buddy transforms the class
 * on the same thread, and {@link SiteIdBinding} takes the lines in the order the substitution meets the calls, which
 * is code order too.
 */
final class CallLines {
    /** The callee of {@code ByteBuffer.allocateDirect(int)}, as {@link #next} names callees. */
    static final String ALLOCATE_DIRECT = "java/nio/ByteBuffer.allocateDirect";
    private static final ThreadLocal<CallLines> CURRENT = new ThreadLocal<>();
    /** Pass-through helpers as {@code internal/ClassName.method}; set once at start, before any transformation. */
    private static volatile java.util.Set<String> helpers = java.util.Set.of();

    /** Per method ({@code name + descriptor}) and callee: the line of each call in code order, -1 where unknown. */
    private final Map<String, List<Integer>> lines = new HashMap<>();
    /** True if ASM could not read the class: then every method is visited, as if the lines were unknown. */
    private boolean unreadable;
    /** Per method: the calls handed out so far. */
    private final Map<String, Integer> taken = new HashMap<>();

    private CallLines() {
    }

    /**
     * Sets the pass-through helpers whose calls are counted too.
     *
     * @param internalNames each {@code internal/ClassName.method}
     */
    static void helpers(java.util.Set<String> internalNames) {
        helpers = java.util.Set.copyOf(internalNames);
    }

    /**
     * Reads the lines of {@code classFile}'s calls and makes them the calling thread's until {@link #end}.
     *
     * @param classFile the class's bytes
     */
    static void begin(byte[] classFile) {
        CallLines calls = new CallLines();
        try {
            new ClassReader(classFile).accept(calls.new Reader(), ClassReader.SKIP_FRAMES);
        } catch (RuntimeException e) {
            calls.lines.clear(); // malformed for ASM: the sites get no lines, Byte Buddy decides the rest
            calls.unreadable = true;
        }
        CURRENT.set(calls);
    }

    /** Forgets the calling thread's class. */
    static void end() {
        CURRENT.remove();
    }

    /**
     * {@return true if the method, by {@code name + descriptor}, makes a call this class tracks, or if the class being
     * transformed is unknown} Byte Buddy then leaves the other methods' code unvisited: a record's
     * {@code toString}, {@code equals} and {@code hashCode} (the {@code ObjectMethods} bootstrap, which Byte Buddy's
     * member substitution cannot read) among them.
     *
     * @param method the method's name and descriptor
     */
    static boolean calls(String method) {
        CallLines calls = CURRENT.get();
        if (calls == null) {
            return true;
        }
        String prefix = method + ' ';
        for (String key : calls.lines.keySet()) {
            if (key.startsWith(prefix)) {
                return true;
            }
        }
        return calls.unreadable;
    }

    /**
     * A substitution met the next call of a method.
     *
     * @param method the method's name and descriptor
     * @param callee what it calls: {@link #ALLOCATE_DIRECT}, or a helper's {@code internal/ClassName.method}
     * @return the call's ordinal among the method's calls of {@code callee} (from 0) in the high int, its line (or
     *         -1) in the low int
     */
    static long next(String method, String callee) {
        method = method + ' ' + callee;
        CallLines calls = CURRENT.get();
        if (calls == null) {
            return -1L & 0xFFFF_FFFFL; // ordinal 0, no line: a transformation that did not pass the filter
        }
        int ordinal = calls.taken.merge(method, 1, Integer::sum) - 1;
        List<Integer> known = calls.lines.get(method);
        int line = known != null && ordinal < known.size() ? known.get(ordinal) : -1;
        return ((long) ordinal << 32) | (line & 0xFFFF_FFFFL);
    }

    private final class Reader extends ClassVisitor {
        Reader() {
            super(Opcodes.ASM9);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            String method = name + descriptor;
            return new MethodVisitor(Opcodes.ASM9) {
                private int line = -1;

                @Override
                public void visitLineNumber(int number, Label start) {
                    line = number;
                }

                @Override
                public void visitMethodInsn(int opcode, String owner, String called, String calledDescriptor,
                                            boolean isInterface) {
                    if (opcode == Opcodes.INVOKEVIRTUAL && owner.equals("sun/misc/Unsafe")
                            && called.equals("invokeCleaner")) {
                        // Not a site; noted so the method is visited where call sites of invokeCleaner are rewritten.
                        lines.computeIfAbsent(method + " sun/misc/Unsafe.invokeCleaner", m -> new ArrayList<>())
                                .add(line);
                        return;
                    }
                    if (opcode != Opcodes.INVOKESTATIC) {
                        return;
                    }
                    String callee = owner + '.' + called;
                    if (callee.equals(ALLOCATE_DIRECT) ? calledDescriptor.equals("(I)Ljava/nio/ByteBuffer;")
                            : helpers.contains(callee)) {
                        lines.computeIfAbsent(method + ' ' + callee, m -> new ArrayList<>()).add(line);
                    }
                }
            };
        }
    }
}
