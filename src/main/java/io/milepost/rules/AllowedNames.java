package io.milepost.rules;

import io.milepost.facts.Account;
import io.milepost.facts.Activity;
import io.milepost.facts.Event;
import io.milepost.facts.Helpers;
import io.milepost.facts.Milestone;
import io.milepost.facts.Stalled;
import io.milepost.facts.User;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What rules may name: the fact model, {@code java.time}, {@code java.util} collections,
 * {@code Math}, {@code String}, boxed primitives, {@code Objects} and a few exceptions to throw.
 * Everything else is refused: the lists below are the whole allowance.
 */
final class AllowedNames {
    /** Why a type outside the allowance is refused (said to rule authors). */
    static final String TYPES = "only the fact model, java.time, java.util collections, Math and String may be used";
    /** Why a member that reaches into the platform is refused. */
    static final String INTERNALS =
            "reflection, class loaders, threads, processes and the rule engine's internals are off limits";
    /** Why a member that reads stack traces or prints is refused. */
    static final String OUTPUT =
            "stack traces and printing are off limits: a rule's failure is recorded with its message";
    /**
     * Members that read stack traces (they name the service's classes) or print them (forged lines
     * in the service's log). {@code System.out} and {@code System.err} are refused with {@code System}.
     */
    private static final Set<String> OUTPUT_MEMBERS = Set.of(
            "getStackTrace",
            "setStackTrace",
            "printStackTrace",
            "fillInStackTrace",
            "getAllStackTraces",
            "currentThread",
            "dumpStack");

    /** The fact model and its helpers. */
    static final List<Class<?>> FACTS = List.of(
            User.class, Account.class, Activity.class, Event.class, Milestone.class, Stalled.class, Helpers.class);

    private static final Set<String> JAVA_LANG = Set.of(
            "Object",
            "String",
            "CharSequence",
            "StringBuilder",
            "Math",
            "StrictMath",
            "Number",
            "Integer",
            "Long",
            "Double",
            "Float",
            "Short",
            "Byte",
            "Boolean",
            "Character",
            "Comparable",
            "Iterable",
            "Exception",
            "RuntimeException",
            "IllegalArgumentException",
            "IllegalStateException",
            "UnsupportedOperationException",
            "ArithmeticException",
            "NumberFormatException");
    private static final Set<String> JAVA_UTIL = Set.of(
            "Collection",
            "List",
            "ArrayList",
            "LinkedList",
            "Map",
            "HashMap",
            "LinkedHashMap",
            "TreeMap",
            "SortedMap",
            "NavigableMap",
            "Set",
            "HashSet",
            "LinkedHashSet",
            "TreeSet",
            "SortedSet",
            "NavigableSet",
            "Queue",
            "Deque",
            "ArrayDeque",
            "PriorityQueue",
            "Iterator",
            "ListIterator",
            "Collections",
            "Arrays",
            "Comparator",
            "Objects",
            "Optional",
            "OptionalInt",
            "OptionalLong",
            "OptionalDouble",
            "StringJoiner");
    /** Every public class of {@code java.time} (the rules see them all without an import). */
    private static final Set<String> JAVA_TIME = Set.of(
            "Clock",
            "DateTimeException",
            "DayOfWeek",
            "Duration",
            "Instant",
            "InstantSource",
            "LocalDate",
            "LocalDateTime",
            "LocalTime",
            "Month",
            "MonthDay",
            "OffsetDateTime",
            "OffsetTime",
            "Period",
            "Year",
            "YearMonth",
            "ZonedDateTime",
            "ZoneId",
            "ZoneOffset");
    /** Packages whose every class is allowed. */
    private static final Set<String> TIME_PACKAGES =
            Set.of("java.time", "java.time.temporal", "java.time.format", "java.time.chrono");
    /** Packages a wildcard import may name. */
    private static final Set<String> WILDCARD_PACKAGES = Set.of(
            "java.lang",
            "java.util",
            "java.time",
            "java.time.temporal",
            "java.time.format",
            "java.time.chrono",
            "io.milepost.facts");
    /** Packages the rules' own package may not be (or be under). */
    private static final List<String> RESERVED_PACKAGES = List.of(
            "java",
            "javax",
            "jdk",
            "sun",
            "com.sun",
            "jakarta",
            "io.milepost",
            "io.quarkus",
            "org.drools",
            "org.kie",
            "org.mvel2");

    /**
     * Names of the rule engine's own context in a consequence: {@code entryPoints} and
     * {@code exitPoints} are Drools' aliases for the session's entry points and channels.
     */
    private static final Set<String> ENGINE = Set.of("drools", "kcontext", "entryPoints", "exitPoints");

    /** Methods and (MVEL) properties that reach classes, class loaders, threads, processes or the engine. */
    private static final Set<String> DENIED_MEMBERS = Set.of(
            "class",
            "getClass",
            "classLoader",
            "getClassLoader",
            "contextClassLoader",
            "getContextClassLoader",
            "setContextClassLoader",
            "systemClassLoader",
            "getSystemClassLoader",
            "getPlatformClassLoader",
            "forName",
            "loadClass",
            "defineClass",
            "newInstance",
            "invoke",
            "invokeExact",
            "invokeWithArguments",
            "lookup",
            "setAccessible",
            "trySetAccessible",
            "getMethod",
            "getMethods",
            "methods",
            "getDeclaredMethod",
            "getDeclaredMethods",
            "declaredMethods",
            "getField",
            "getFields",
            "fields",
            "getDeclaredField",
            "getDeclaredFields",
            "declaredFields",
            "getConstructor",
            "getConstructors",
            "constructors",
            "getDeclaredConstructor",
            "getDeclaredConstructors",
            "declaredConstructors",
            "getRecordComponents",
            "recordComponents",
            "getDeclaringClass",
            "declaringClass",
            "getEnclosingClass",
            "enclosingClass",
            "getSuperclass",
            "superclass",
            "getInterfaces",
            "interfaces",
            "getModule",
            "module",
            "getProtectionDomain",
            "protectionDomain",
            "getResource",
            "getResources",
            "getResourceAsStream",
            "getRuntime",
            "runtime",
            "exec",
            "exit",
            "halt",
            "loadLibrary",
            "getInteger",
            "getLong",
            "getBoolean",
            "wait",
            "notify",
            "notifyAll",
            "getKieRuntime",
            "kieRuntime",
            "getKnowledgeRuntime",
            "knowledgeRuntime",
            "getWorkingMemory",
            "workingMemory",
            "getKieBase",
            "kieBase",
            "getKieSession",
            "kieSession",
            "getEntryPoint",
            "getChannels",
            "channels",
            "entryPoints",
            "getEntryPoints",
            "exitPoints",
            "getExitPoints",
            // the Class of a primitive (Integer.TYPE) is a Class like any other
            "TYPE");

    private static final Set<String> QUALIFIED = qualified();

    private AllowedNames() {}

    private static Set<String> qualified() {
        Set<String> names = new HashSet<>();
        JAVA_LANG.forEach(n -> names.add("java.lang." + n));
        JAVA_UTIL.forEach(n -> names.add("java.util." + n));
        FACTS.forEach(c -> names.add(c.getName()));
        return Set.copyOf(names);
    }

    /** Whether a simple type name is one every rule file may use without an import. */
    static boolean isImplicitType(String simpleName) {
        return JAVA_LANG.contains(simpleName)
                || JAVA_UTIL.contains(simpleName)
                || JAVA_TIME.contains(simpleName)
                || FACTS.stream().anyMatch(c -> c.getSimpleName().equals(simpleName));
    }

    /** Whether a fully qualified type name is allowed. */
    static boolean isAllowedType(String qualified) {
        int dot = qualified.lastIndexOf('.');
        return QUALIFIED.contains(qualified) || dot > 0 && TIME_PACKAGES.contains(qualified.substring(0, dot));
    }

    /** Whether {@code import package.*} is allowed. */
    static boolean isAllowedWildcard(String packageName) {
        return WILDCARD_PACKAGES.contains(packageName);
    }

    /** Whether a rule file may declare this package (it must not pose as Java's, Drools' or Milepost's). */
    static boolean isReservedPackage(String packageName) {
        return RESERVED_PACKAGES.stream().anyMatch(p -> packageName.equals(p) || packageName.startsWith(p + "."));
    }

    /** Whether a member name (method, or property as MVEL reads them) is refused on any object. */
    static boolean isDeniedMember(String name) {
        return DENIED_MEMBERS.contains(name) || OUTPUT_MEMBERS.contains(name);
    }

    /** Why a denied member is refused (said to rule authors). */
    static String deniedReason(String name) {
        return OUTPUT_MEMBERS.contains(name) ? OUTPUT : INTERNALS;
    }

    /** Whether a name is the rule engine's context ({@code drools}, {@code kcontext}). */
    static boolean isEngine(String name) {
        return ENGINE.contains(name);
    }
}
