package dev.offpool.nativebridge;

import com.sun.jna.InvocationMapper;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;

import java.io.File;
import java.lang.ref.Reference;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@link InvocationMapper} behind {@link PooledJna#libraryOptions()}: every call of a library method that can
 * take a pointer holds each offpool memory among its arguments (directly, or as an element of an array argument such
 * as {@code Pointer[]} or varargs) for the duration of the native call.
 *
 * <p>Holding means {@link CheckedMemory#acquire()} before the call and {@link CheckedMemory#release()} after it, in
 * a {@code finally}: a closed memory makes the call throw {@link IllegalStateException} before any native code runs,
 * and a {@code close()} on another thread while the call runs defers the block's return until the call ends.
 *
 * <p>The call itself is JNA's: either the handler of the mapper the caller's options already had, or a
 * {@link Library.Handler} built from the library's own options less this mapper, which finds the function, converts
 * the arguments and the result exactly as a library loaded without this mapper would. Methods whose parameters cannot
 * carry a pointer (only primitives, strings, structures...) get no handler: JNA calls them directly at no extra cost.
 */
final class LeasingInvocationMapper implements InvocationMapper {
    private final InvocationMapper inner;

    /** @param inner the mapper the caller's options had, or null */
    LeasingInvocationMapper(InvocationMapper inner) {
        this.inner = inner;
    }

    @Override
    public InvocationHandler getInvocationHandler(NativeLibrary library, Method method) {
        InvocationHandler target = inner == null ? null : inner.getInvocationHandler(library, method);
        if (!mayCarryMemory(method)) {
            return target;
        }
        if (target == null) {
            target = plainHandler(library, method);
        }
        return new LeasingHandler(target);
    }

    /** {@return whether some argument of {@code method} could be, or be an array holding, a memory of ours} */
    static boolean mayCarryMemory(Method method) {
        for (Class<?> type : method.getParameterTypes()) {
            Class<?> element = type.isArray() ? type.getComponentType() : type;
            if (element.isAssignableFrom(CheckedMemory.class)) {
                return true;
            }
        }
        return false;
    }

    /** JNA's own handler for the same library and options, without this mapper (so it does not come back here). */
    private InvocationHandler plainHandler(NativeLibrary library, Method method) {
        Map<String, Object> options = new HashMap<>(library.getOptions());
        if (inner == null) {
            options.remove(Library.OPTION_INVOCATION_MAPPER);
        } else {
            options.put(Library.OPTION_INVOCATION_MAPPER, inner);
        }
        // The path JNA opened the library by, or null for the process itself (what JNA maps "c" to on Linux), which
        // is the one library JNA opens without a path: opened again with the same options, it is the same library.
        File file = library.getFile();
        String path = file != null ? file.getPath() : null;
        Library.Handler handler = new Library.Handler(path, method.getDeclaringClass(), options);
        if (!method.isVarArgs()) {
            return handler;
        }
        // JNA flattened the varargs into the argument list before calling us and flattens them again in its own
        // handler: give it the shape it expects, the varargs as one trailing array.
        int fixed = method.getParameterCount() - 1;
        return (proxy, m, args) -> {
            Object[] shaped = Arrays.copyOf(args, fixed + 1);
            shaped[fixed] = Arrays.copyOfRange(args, fixed, args.length);
            return handler.invoke(proxy, m, shaped);
        };
    }

    /** Leases every memory of ours among the arguments for the duration of the call. */
    private record LeasingHandler(InvocationHandler target) implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (args == null) {
                return target.invoke(proxy, method, null);
            }
            CheckedMemory[] held = new CheckedMemory[4];
            int count = 0;
            try {
                for (int i = 0; i < args.length; i++) {
                    Object arg = args[i];
                    if (arg instanceof CheckedMemory memory) {
                        held = hold(held, count, memory, method, i);
                        count++;
                    } else if (arg instanceof Object[] array) {
                        for (Object element : array) {
                            if (element instanceof CheckedMemory memory) {
                                held = hold(held, count, memory, method, i);
                                count++;
                            }
                        }
                    }
                }
                return target.invoke(proxy, method, args);
            } finally {
                for (int i = 0; i < count; i++) {
                    held[i].release();
                }
                Reference.reachabilityFence(args);
            }
        }

        /** Acquires {@code memory} into {@code held[index]}; on failure nothing new is held. */
        private static CheckedMemory[] hold(CheckedMemory[] held, int index, CheckedMemory memory, Method method,
                                            int argument) {
            CheckedMemory[] room = index < held.length ? held : Arrays.copyOf(held, held.length * 2);
            try {
                memory.acquire();
            } catch (IllegalStateException closed) {
                throw new IllegalStateException("argument " + argument + " of " + method.getName() + ": "
                        + closed.getMessage(), closed);
            }
            room[index] = memory;
            return room;
        }
    }
}
