package com.example.bufferapps;

import dev.offpool.agent.Redirects;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.implementation.FixedValue;

import java.nio.ByteBuffer;

import static com.example.bufferapps.Checks.check;
import static net.bytebuddy.matcher.ElementMatchers.named;

/** An application that carries its own Byte Buddy (an older version than the agent's) and uses it. */
public final class OtherByteBuddyApp {
    private OtherByteBuddyApp() {
    }

    public static void main(String[] args) throws ReflectiveOperationException {
        Checks.value("appByteBuddy", ByteBuddy.class.getProtectionDomain().getCodeSource().getLocation());
        Object generated = new ByteBuddy()
                .subclass(Object.class)
                .method(named("toString")).intercept(FixedValue.value("made by the app's Byte Buddy"))
                .make()
                .load(OtherByteBuddyApp.class.getClassLoader())
                .getLoaded()
                .getDeclaredConstructor()
                .newInstance();
        check("appByteBuddyWorks", generated.toString().equals("made by the app's Byte Buddy"));
        check("appBuffersAreRedirected", Redirects.isRedirected(ByteBuffer.allocateDirect(512)));
        Checks.finish();
    }
}
