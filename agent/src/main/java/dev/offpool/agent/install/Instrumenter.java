package dev.offpool.agent.install;

import dev.offpool.agent.redirect.BufferRedirect;
import dev.offpool.agent.redirect.CallReceiver;
import dev.offpool.agent.redirect.RedirectConfig;
import dev.offpool.agent.redirect.Redirector;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.MemberSubstitution;
import net.bytebuddy.asm.MemberSubstitution.Substitution.Chain.Step.ForDelegation;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.utility.JavaModule;

import java.lang.instrument.Instrumentation;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static net.bytebuddy.matcher.ElementMatchers.any;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.none;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Declares the instrumentation with Byte Buddy: in every selected class, {@link MemberSubstitution} rewrites
 * <pre>
 *   ByteBuffer.allocateDirect(int)                 to BufferRedirect.allocateDirect(int, siteId)
 *   unsafe.invokeCleaner(ByteBuffer)               to BufferRedirect.invokeCleaner(ByteBuffer, unsafe)
 * </pre>
 * and, in callers of the pass-through helpers (option {@code passThrough}), {@code Helper.allocate(...)} to
 * {@code BufferRedirect.enterHelper(siteId); Helper.allocate(...)}, so that the helper's buffers are counted at its
 * caller. With {@code honourInvokeCleaner} (the default), {@code sun.misc.Unsafe.invokeCleaner} itself gets
 * {@link UnsafeCleanerAdvice} at its start instead, which sees reflective and {@code MethodHandle} calls too; the
 * second substitution is the fallback where the JDK's class could not be changed. No bytecode is written by hand:
 * the substitutions are delegations to those two methods, whose parameters Byte Buddy binds to the original call's
 * arguments, its receiver ({@link CallReceiver}) and the site id ({@link SiteIdBinding}).
 *
 * <p>Byte Buddy's default is to leave synthetic methods alone; lambda bodies are synthetic methods of the class that
 * declares the lambda, and a call to {@code allocateDirect} inside one is an ordinary call site, so nothing is
 * ignored here ({@code ignore(none())}).
 *
 * <p>Only method bodies change ({@code disableClassFormatChanges}), which is what retransformation allows, so the
 * same declaration serves {@code premain} and an attach: on attach, {@code RETRANSFORMATION} rewrites the selected
 * classes already loaded. Classes of the bootstrap and platform loaders (the JDK) and offpool's own classes are
 * ignored. Classes whose bytes name neither method are skipped before Byte Buddy parses them
 * ({@link ConstantPoolFilter}), so start-up pays for the classes that allocate direct buffers, not for every class.
 */
final class Instrumenter {
    /** Transformation failures printed at most; every failure leaves its class as it was. */
    private static final int ERRORS_PRINTED = 10;

    private Instrumenter() {
    }

    static void install(AgentOptions options, Instrumentation inst, boolean attached) {
        int slabMaxBytes = options.slabMaxBytes();
        if (slabMaxBytes > 0 && !exportDirectBufferToRuntime(inst)) {
            System.err.println("offpool agent: java.base/sun.nio.ch could not be exported to the agent's runtime;"
                    + " small buffers get blocks of their own (as with slabMaxBytes=0)");
            slabMaxBytes = 0;
        }
        if (!openNioToRuntime(inst)) {
            System.err.println("offpool agent: java.base/java.nio could not be opened to the agent's runtime, so"
                    + " redirected buffers could not share the JDK's direct-memory limit; nothing is redirected"
                    + " (call sites are still accounted)");
        }
        RedirectConfig config = new RedirectConfig(options.minBytes(), options.maxBytes(), slabMaxBytes,
                options.sites(), options.regionScope(),
                options.reportIntervalMillis(), options.reportTo(),
                "allocate".equals(System.getProperty("offpool.agentFault")), options.jmx(), options.map());
        Redirector.start(config);
        // Byte Buddy's nexus (for initializers of generated classes, which this agent never makes) reaches for
        // sun.misc.Unsafe when it starts, and JDK 24+ warns about that. The shade plugin relocates this constant
        // with the rest of Byte Buddy, so the property names the agent's copy only, never the application's.
        System.setProperty("net.bytebuddy.nexus.disabled", "true");
        boolean cleanerInJdk = options.honourInvokeCleaner() && adviseUnsafeInvokeCleaner(inst);

        Set<String> helpers = options.passThroughInternalNames();
        CallLines.helpers(helpers);
        ElementMatcher.Junction<MethodDescription> helper = isStatic()
                .and(method -> helpers.contains(method.getDeclaringType().asErasure().getInternalName() + '.'
                        + method.getInternalName()));
        MemberSubstitution substitution = MemberSubstitution.relaxed()
                .method(named("allocateDirect").and(isStatic()).and(takesArguments(int.class))
                        .and(isDeclaredBy(ByteBuffer.class)))
                .replaceWithChain(ForDelegation.withCustomMapping()
                        .bind(new SiteIdBinding(options::forcedFor, helpers, false))
                        .to(entryPoint("allocateDirect", int.class, int.class)));
        if (options.honourInvokeCleaner() && !cleanerInJdk) {
            substitution = substitution
                    .method(named("invokeCleaner").and(takesArguments(ByteBuffer.class))
                            .and(isDeclaredBy(named("sun.misc.Unsafe"))))
                    .replaceWithChain(ForDelegation.withCustomMapping()
                            .bind(CallReceiver.class, new ForDelegation.OffsetMapping.ForThisReference(
                                    TypeDescription.ForLoadedType.of(sun.misc.Unsafe.class).asGenericType(),
                                    Assigner.Typing.STATIC, MemberSubstitution.Source.SUBSTITUTED_ELEMENT, false))
                            .to(entryPoint("invokeCleaner", ByteBuffer.class, sun.misc.Unsafe.class)));
        }
        // Only the methods that make a call to rewrite are visited (CallLines read them from the class bytes).
        ElementMatcher.Junction<MethodDescription> calling = ElementMatchers.<MethodDescription>any()
                .and(method -> CallLines.calls(method.getInternalName() + method.getDescriptor()));
        var visitor = substitution.on(calling);
        // A helper's caller notes its site just before the call; a helper calling a helper keeps the outer caller's.
        var helperCalls = MemberSubstitution.relaxed()
                .method(helper)
                .replaceWithChain(ForDelegation.withCustomMapping()
                                .bind(new SiteIdBinding(options::forcedFor, helpers, true))
                                .to(entryPoint("enterHelper", int.class)),
                        MemberSubstitution.Substitution.Chain.Step.OfOriginalExpression.INSTANCE)
                .on(not(helper).and(calling));
        ClassSelection selection = options.selection();
        new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED).ignore(none()))
                .disableClassFormatChanges()
                // Before main nothing selected is loaded yet; after an attach the selected classes are rewritten.
                .with(attached ? AgentBuilder.RedefinitionStrategy.RETRANSFORMATION
                        : AgentBuilder.RedefinitionStrategy.DISABLED)
                .with(new ErrorPrinter())
                .with((AgentBuilder.TransformerDecorator) transformer ->
                        new ConstantPoolFilter(transformer, options.honourInvokeCleaner() && !cleanerInJdk,
                                helpers))
                .ignore((type, loader, module, classBeingRedefined, domain) -> loader == null
                        || loader == ClassLoader.getPlatformClassLoader()
                        || ClassSelection.isOffpool(type.getName()))
                .type(type -> selection.selects(type.getName()))
                .transform((builder, type, loader, module, domain) -> helpers.isEmpty() ? builder.visit(visitor)
                        : builder.visit(visitor).visit(helperCalls))
                .installOn(inst);
    }

    /**
     * Exports {@code java.base/sun.nio.ch} to the runtime's module (the bootstrap class loader's unnamed module, where
     * the runtime jar was appended), so that the runtime can tell a slab buffer from its views as the JDK's
     * {@code Unsafe.invokeCleaner} does, by {@code DirectBuffer.attachment()} (see {@code BufferRoots}). Nothing else
     * is exported, and nothing is opened.
     *
     * @return true if the package is exported to the runtime now
     */
    private static boolean exportDirectBufferToRuntime(Instrumentation inst) {
        Module javaBase = Object.class.getModule();
        Module runtime = BufferRedirect.class.getModule();
        try {
            if (!javaBase.isExported("sun.nio.ch", runtime)) {
                inst.redefineModule(javaBase, Set.of(), Map.of("sun.nio.ch", Set.of(runtime)), Map.of(), Set.of(),
                        Map.of());
            }
        } catch (RuntimeException e) {
            return false; // the caller says so, and small buffers take the per-buffer path
        }
        return javaBase.isExported("sun.nio.ch", runtime);
    }

    /**
     * Adds {@link UnsafeCleanerAdvice} to the start of {@code sun.misc.Unsafe.invokeCleaner(ByteBuffer)}, so that
     * every call frees a redirected buffer, however it is made: call sites that the substitution would rewrite, and
     * calls through reflection or a {@code MethodHandle}, which no call-site rewrite sees. The JDK's class gets the
     * lines inlined (a retransformation: method bodies only) and reads the runtime's module, where
     * {@code BufferRedirect} is.
     *
     * @return true if the JDK's method now frees redirected buffers; false (said on standard error) if it could not
     *         be changed, in which case call sites of {@code invokeCleaner} are rewritten instead
     */
    private static boolean adviseUnsafeInvokeCleaner(Instrumentation inst) {
        Class<?> unsafe = sun.misc.Unsafe.class;
        Module runtime = BufferRedirect.class.getModule();
        AtomicInteger failures = new AtomicInteger();
        try {
            if (!unsafe.getModule().canRead(runtime)) {
                inst.redefineModule(unsafe.getModule(), Set.of(runtime), Map.of(), Map.of(), Set.of(), Map.of());
            }
            new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED))
                    .disableClassFormatChanges()
                    .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                    // Inlined advice needs no class injected beside the JDK's, so no injection (and no Unsafe probe).
                    .with(AgentBuilder.InjectionStrategy.Disabled.INSTANCE)
                    .with(new AgentBuilder.Listener.Adapter() {
                        @Override
                        public void onError(String typeName, ClassLoader classLoader, JavaModule module,
                                            boolean loaded, Throwable throwable) {
                            failures.incrementAndGet();
                            System.err.println("offpool agent: sun.misc.Unsafe.invokeCleaner keeps the JDK's code ("
                                    + throwable + "); only its direct call sites free redirected buffers");
                        }
                    })
                    .ignore(none())
                    .type(named("sun.misc.Unsafe"))
                    .transform((builder, type, loader, module, domain) -> builder.visit(
                            Advice.to(UnsafeCleanerAdvice.class).on(named("invokeCleaner")
                                    .and(takesArguments(ByteBuffer.class)))))
                    .installOn(inst);
        } catch (RuntimeException e) {
            System.err.println("offpool agent: sun.misc.Unsafe.invokeCleaner keeps the JDK's code (" + e
                    + "); only its direct call sites free redirected buffers");
            return false;
        }
        return failures.get() == 0;
    }

    /**
     * Opens {@code java.base/java.nio} to the runtime's module, so that {@code JdkDirectMemory} can reserve
     * redirected buffers in the JDK's own direct-memory accounting ({@code java.nio.Bits}, package-private). Opened
     * to the runtime only, not to the application.
     *
     * @return true if the package is open to the runtime now
     */
    private static boolean openNioToRuntime(Instrumentation inst) {
        Module javaBase = Object.class.getModule();
        Module runtime = BufferRedirect.class.getModule();
        try {
            if (!javaBase.isOpen("java.nio", runtime)) {
                inst.redefineModule(javaBase, Set.of(), Map.of(), Map.of("java.nio", Set.of(runtime)), Set.of(),
                        Map.of());
            }
        } catch (RuntimeException e) {
            return false;
        }
        return javaBase.isOpen("java.nio", runtime);
    }

    /** Has the running agent write its report now ({@code report=now}). */
    static void reportNow() {
        Redirector.reportNow();
    }

    private static java.lang.reflect.Method entryPoint(String name, Class<?>... parameters) {
        try {
            return BufferRedirect.class.getMethod(name, parameters);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("offpool agent: runtime jar lacks BufferRedirect." + name, e);
        }
    }

    /** Prints the first few transformation failures; the class concerned keeps its original code. */
    private static final class ErrorPrinter extends AgentBuilder.Listener.Adapter {
        private final AtomicInteger errors = new AtomicInteger();

        @Override
        public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded,
                            Throwable throwable) {
            int n = errors.incrementAndGet();
            if (n <= ERRORS_PRINTED) {
                System.err.println("offpool agent: " + typeName + " keeps its original code: " + throwable
                        + (n == ERRORS_PRINTED ? " (further failures not printed)" : ""));
            }
        }

        @Override
        public void onTransformation(TypeDescription typeDescription, ClassLoader classLoader, JavaModule module,
                                     boolean loaded, DynamicType dynamicType) {
            // Nothing to say for a success; the report counts what the redirected sites do.
        }
    }
}
