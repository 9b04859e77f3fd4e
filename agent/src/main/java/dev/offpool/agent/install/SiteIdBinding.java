package dev.offpool.agent.install;

import dev.offpool.agent.redirect.BufferRedirect;
import dev.offpool.agent.redirect.CallSites;
import dev.offpool.agent.redirect.SiteId;
import net.bytebuddy.asm.MemberSubstitution.Substitution.Chain.Step.ForDelegation.OffsetMapping;
import net.bytebuddy.description.annotation.AnnotationDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.ParameterDescription;
import net.bytebuddy.description.type.TypeDefinition;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.constant.IntegerConstant;

import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Binds a {@link SiteId} parameter of a redirect entry point to the call's site id, an {@code int} constant: each
 * substituted call is registered with {@link CallSites} (its class, method, place in the method and line, from
 * {@link CallLines}) when its class is transformed, so the call costs an {@code iconst}/{@code sipush}/{@code ldc}
 * and nothing at run time.
 */
final class SiteIdBinding extends OffsetMapping.Factory.AbstractBase<SiteId> {
    private final Function<String, CallSites.Forced> forced;
    private final Set<String> helpers;
    private final boolean helperCalls;

    /**
     * @param forced      the mode the user forced for a class, by its binary name
     * @param helpers     the pass-through helpers, as {@code internal/ClassName.method}
     * @param helperCalls true: the substituted calls are helper calls ({@link BufferRedirect#enterHelper}); false:
     *                    {@code allocateDirect} calls
     */
    SiteIdBinding(Function<String, CallSites.Forced> forced, Set<String> helpers, boolean helperCalls) {
        this.forced = Objects.requireNonNull(forced, "forced");
        this.helpers = Set.copyOf(helpers);
        this.helperCalls = helperCalls;
    }

    @Override
    public Class<SiteId> getAnnotationType() {
        return SiteId.class;
    }

    @Override
    protected OffsetMapping make(TypeDescription.Generic target, AnnotationDescription.Loadable<SiteId> annotation) {
        if (!target.represents(int.class)) {
            throw new IllegalStateException("@SiteId must annotate an int parameter, not " + target);
        }
        return (assigner, typing, instrumentedType, instrumentedMethod) ->
                // Applied once per substituted call, in code order.
                (substitutionTarget, parameters, result, current, handle, offsets, freeOffset) -> {
                    String callee = helperCalls ? handle.getOwnerType().getInternalName() + '.' + handle.getName()
                            : CallLines.ALLOCATE_DIRECT;
                    long call = CallLines.next(instrumentedMethod.getInternalName()
                            + instrumentedMethod.getDescriptor(), callee);
                    String className = instrumentedType.getName();
                    String method = describe(instrumentedMethod);
                    if (helperCalls) {
                        method += " -> " + handle.getOwnerType().getSimpleName() + '.' + handle.getName();
                    }
                    boolean inHelper = helpers.contains(instrumentedType.getInternalName() + '.'
                            + instrumentedMethod.getInternalName());
                    int site = CallSites.register(className, method, (int) (call >>> 32), (int) call,
                            forced.apply(className), inHelper);
                    return IntegerConstant.forValue(site);
                };
    }

    /** {@return the method as the report shows it: {@code name(ParamType, ...)}} */
    static String describe(MethodDescription method) {
        String name = method.isConstructor() ? "<init>" : method.isTypeInitializer() ? "<clinit>" : method.getName();
        return name + method.getParameters().stream()
                .map(ParameterDescription::getType)
                .map(TypeDefinition::asErasure)
                .map(TypeDescription::getSimpleName)
                .collect(Collectors.joining(", ", "(", ")"));
    }
}
