package io.milepost.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Rules may use the fact model, java.time, java.util collections, Math and String, and nothing else. */
public class RulePolicyTest {
    public static final String TYPES =
            "only the fact model, java.time, java.util collections, Math and String may be used";
    public static final String INTERNALS =
            "reflection, class loaders, threads, processes and the rule engine's internals are off limits";

    final RuleCompiler compiler = new RuleCompiler(getClass().getClassLoader());

    /** A rule whose consequence is {@code then}, at line 7, column 5. */
    public static String consequence(String code) {
        return "package rules;\n\nrule \"Hostile\"\nwhen\n    $e : Event( name == \"x\" )\nthen\n    " + code
                + "\nend\n";
    }

    static Arguments refused(String what, String drl, int line, int column, String name, String reason) {
        return Arguments.of(what, drl, line, column, "\"" + name + "\" is not allowed in rules: " + reason);
    }

    public static Stream<Arguments> hostileRules() {
        return Stream.of(
                refused("System.exit", consequence("System.exit(1);"), 7, 5, "System.exit", TYPES),
                refused(
                        "Runtime.exec",
                        consequence("Runtime.getRuntime().exec(\"touch /tmp/pwned\");"),
                        7,
                        5,
                        "Runtime.getRuntime",
                        TYPES),
                refused(
                        "a new ProcessBuilder",
                        consequence("new ProcessBuilder(\"sh\", \"-c\", \"id\").start();"),
                        7,
                        9,
                        "ProcessBuilder",
                        TYPES),
                refused("Thread", consequence("Thread.sleep(60000);"), 7, 5, "Thread.sleep", TYPES),
                refused(
                        "Class.forName",
                        consequence("Class.forName(\"java.lang.Runtime\");"),
                        7,
                        5,
                        "Class.forName",
                        TYPES),
                refused(
                        "reflection through getClass().getMethod",
                        consequence("$e.getClass().getMethod(\"name\").invoke($e);"),
                        7,
                        8,
                        "getClass",
                        INTERNALS),
                refused("String.class", consequence("String.class.getClassLoader();"), 7, 12, "class", INTERNALS),
                refused(
                        "java.io.File",
                        consequence("new java.io.File(\"/etc/passwd\").delete();"),
                        7,
                        9,
                        "java.io.File",
                        TYPES),
                refused(
                        "java.nio.file.Files",
                        consequence(
                                "String s = java.nio.file.Files.readString(java.nio.file.Path.of(\"/etc/passwd\"));"),
                        7,
                        16,
                        "java.nio.file.Files.readString",
                        TYPES),
                refused(
                        "java.net.URL",
                        consequence("new java.net.URL(\"http://169.254.169.254/\").openStream();"),
                        7,
                        9,
                        "java.net.URL",
                        TYPES),
                refused(
                        "a fully qualified java.lang.System.exit",
                        consequence("java.lang.System.exit(1);"),
                        7,
                        5,
                        "java.lang.System.exit",
                        TYPES),
                refused("java.util beyond collections", consequence("new Scanner(\"x\");"), 7, 9, "Scanner", TYPES),
                refused(
                        "the rule engine itself",
                        consequence("drools.getKieRuntime().halt();"),
                        7,
                        5,
                        "drools.getKieRuntime",
                        INTERNALS),
                refused(
                        "a unicode-escaped name",
                        consequence("\\u0053ystem.exit(1);"),
                        7,
                        5,
                        "\\u0053",
                        "a unicode escape can disguise a name; write the character itself"),
                refused(
                        "a unicode line break hidden in a comment",
                        consequence("// \\u000a System.exit(1);"),
                        7,
                        8,
                        "\\u000a",
                        "a unicode escape can disguise a name; write the character itself"),
                refused(
                        "an invisible character inside a name",
                        consequence("Sys\u00ADtem.exit(1);"),
                        7,
                        5,
                        "System.exit",
                        TYPES),
                refused("a function that calls System.exit", """
                        package rules;

                        function void leave(int code) {
                            System.exit(code);
                        }

                        rule "Calls the function"
                        when
                        then
                            leave(0);
                        end
                        """, 4, 5, "System.exit", TYPES),
                refused("import java.io.File", """
                        package rules;
                        import java.io.File;

                        rule "Imports a file" when then end
                        """, 2, 1, "java.io.File", TYPES),
                refused("import static java.lang.System.exit", """
                        package rules;
                        import static java.lang.System.exit;

                        rule "Imports exit" when then exit(0); end
                        """, 2, 1, "java.lang.System.exit", TYPES),
                refused("import function of a disallowed method", """
                        package rules;
                        import function java.lang.Runtime.getRuntime;
                        """, 2, 1, "java.lang.Runtime.getRuntime", TYPES),
                refused(
                        "a custom accumulate function",
                        """
                        package rules;
                        import accumulate org.example.Exfiltrate exfiltrate;
                        """,
                        2,
                        1,
                        "accumulate org.example.Exfiltrate",
                        "only Drools' built-in accumulate functions (sum, count, min, max, average, collectList, collectSet) may be used"),
                refused("a global of type java.io.File", """
                        package rules;
                        global java.io.File secrets;
                        """, 2, 8, "java.io.File", TYPES),
                refused("a declared type extending java.io.File", """
                        package rules;

                        declare Evil extends java.io.File
                        end
                        """, 3, 22, "java.io.File", TYPES),
                refused("a declared type named like a Java class", """
                        package rules;

                        declare System
                        end
                        """, 3, 9, "System", TYPES),
                refused("a declared type that is a class of its package already", """
                        package org.h2.tools;

                        declare Server
                        end

                        rule "Open a port"
                        when
                        then
                            Server.createTcpServer("-tcpAllowOthers").start();
                        end
                        """, 3, 9, "Server", TYPES),
                refused("a class of the rules' package standing in for an allowed name", """
                        package org.hibernate.mapping;

                        rule "Shadowed"
                        when
                        then
                            List.of("a");
                        end
                        """, 6, 5, "List.of", TYPES),
                refused(
                        "a class with a lower-case name",
                        consequence("new org.postgresql.translation.messages_de();"),
                        7,
                        9,
                        "org.postgresql.translation.messages_de",
                        TYPES),
                refused("a class with a lower-case name in the rules' package", """
                        package org.postgresql.translation;

                        rule "Lower case"
                        when
                        then
                            new messages_de().getKeys();
                        end
                        """, 6, 9, "messages_de", TYPES),
                refused("a disallowed call hidden in an eval", """
                        package rules;

                        rule "Eval"
                        when
                            eval( Runtime.getRuntime().availableProcessors() > 0 )
                        then
                        end
                        """, 5, 11, "Runtime.getRuntime", TYPES),
                refused("a from expression calling out", """
                        package rules;

                        rule "From"
                        when
                            $p : Object() from System.getProperties()
                        then
                        end
                        """, 5, 24, "System.getProperties", TYPES),
                refused("accumulate code calling out", """
                        package rules;

                        rule "Accumulate"
                        when
                            $n : Number() from accumulate( Activity( $c : count ),
                                init( long n = 0; ), action( n += $c; Thread.yield(); ), result( n ) )
                        then
                        end
                        """, 6, 47, "Thread.yield", TYPES),
                refused("an annotation value (evaluated while compiling)", """
                        package rules;

                        rule "Annotated" @note(System.exit(1))
                        when
                        then
                        end
                        """, 3, 24, "System.exit", TYPES),
                refused("a salience expression", """
                        package rules;

                        rule "Salience"
                            salience ( Runtime.getRuntime().availableProcessors() )
                        when
                        then
                        end
                        """, 4, 16, "Runtime.getRuntime", TYPES),
                refused("a constraint reaching the class of a fact", """
                        package rules;

                        rule "Constraint"
                        when
                            Event( class.classLoader != null )
                        then
                        end
                        """, 5, 12, "class", INTERNALS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRules")
    void shouldRefuseRulesThatReachOutsideTheFactModel(String what, String drl, int line, int column, String message) {
        RuleCompiler.Result r = compiler.compile(Map.of("hostile.drl", drl));

        assertFalse(r.ok(), what + " was accepted");
        RuleProblem first = r.problems().get(0);
        assertEquals("hostile.drl", first.file());
        assertEquals(line + ":" + column, first.line() + ":" + first.column(), first.toString());
        assertEquals(message, first.message());
    }

    @Test
    void shouldSayWhatWasRefusedAndWhy() {
        RuleCompiler.Result r = compiler.compile(Map.of("x.drl", consequence("System.exit(1);")));

        assertEquals(
                List.of(new RuleProblem(
                        "x.drl",
                        7,
                        5,
                        "\"System.exit\" is not allowed in rules: only the fact model, "
                                + "java.time, java.util collections, Math and String may be used")),
                r.problems());
    }

    @Test
    void shouldRefuseTheMvelDialectAndPackagesOfJavaDroolsOrMilepost() {
        assertEquals(
                List.of(
                        new RuleProblem(
                                "d.drl",
                                4,
                                13,
                                "dialect \"mvel\" is not allowed in rules: consequences are checked as Java, the default dialect")),
                compiler.compile(Map.of(
                                "d.drl", "package rules;\n\nrule \"MVEL\"\n    dialect \"mvel\"\nwhen\nthen\nend\n"))
                        .problems());
        assertEquals(
                List.of(
                        new RuleProblem(
                                "p.drl",
                                1,
                                9,
                                "package \"io.milepost.engine\" is not allowed in rules: it belongs to Java, Drools or Milepost")),
                compiler.compile(Map.of("p.drl", "package io.milepost.engine;\nrule \"x\" when then end\n"))
                        .problems());
    }

    @Test
    void shouldRefuseTextBlocks() {
        RuleCompiler.Result r =
                compiler.compile(Map.of("t.drl", consequence("String s = \"\"\"\n  hidden\n  \"\"\";")));

        assertEquals(
                new RuleProblem("t.drl", 7, 16, "text blocks (\"\"\") are not allowed in rules: write \"...\" strings"),
                r.problems().get(0));
    }

    @Test
    void shouldRefuseBeforeCompilingSoNothingRunsWhileCompiling() {
        // Drools evaluates rule annotations while it compiles: the policy must stop the file first.
        RuleCompiler.Result r = compiler.compile(Map.of("meta.drl", """
                package rules;
                rule "Annotated" @note(java.lang.System.setProperty("milepost.policy.test", "ran")) when then end
                """));

        assertFalse(r.ok());
        assertNull(System.getProperty("milepost.policy.test"));
    }

    @Test
    void shouldPointAtTheAuthorsLineAndColumnWhateverTheHeaderDid() {
        // The compiler adds its imports on the package line, or on a line of its own when there is none.
        assertEquals(
                new RuleProblem("one-line.drl", 1, 35, "\"System.exit\" is not allowed in rules: " + TYPES),
                compiler.compile(Map.of("one-line.drl", "package rules; rule \"x\" when then System.exit(0); end\n"))
                        .problems()
                        .get(0));
        assertEquals(
                new RuleProblem("no-package.drl", 3, 5, "\"System.exit\" is not allowed in rules: " + TYPES),
                compiler.compile(Map.of(
                                "no-package.drl",
                                "rule \"x\" @milestone(\"a\") when\nthen\n    System.exit(0);\nend\n"))
                        .problems()
                        .get(0));
        assertEquals(
                new RuleProblem("meta.drl", 2, 32, "\"System.exit\" is not allowed in rules: " + TYPES),
                compiler.compile(Map.of(
                                "meta.drl",
                                "package rules;\nrule \"x\" @milestone(\"a\") @note(System.exit(0)) when then end\n"))
                        .problems()
                        .get(0));
    }

    @Test
    void shouldCheckWhatTheDslMakesOfADslrFile() {
        RuleCompiler.Result r = compiler.compile(Map.of(
                "evil.dsl", "[consequence][]Leave now=System.exit(0);\n",
                "phrase.dslr",
                        "package rules;\nexpander evil.dsl\n\nrule \"Phrase\"\nwhen\nthen\n    Leave now\nend\n"));

        assertEquals(
                List.of(new RuleProblem(
                        "phrase.dslr",
                        7,
                        5,
                        "\"System.exit\" is not allowed in rules: " + TYPES + " (in what the DSL makes of this line)")),
                r.problems());
    }

    @Test
    void shouldAcceptRulesThatStayInsideTheFactModel() {
        RuleCompiler.Result r = compiler.compile(Map.of("legal.drl", """
                package rules;
                import java.time.temporal.ChronoUnit;
                import java.util.Map.Entry;
                import static java.lang.Math.max;

                // Runtime, System.exit and java.io.File in a comment are only words.
                /* so is Class.forName("x") here */
                declare Score
                    value : int
                end

                function int twice(int n) {
                    return max(n, 0) * 2;
                }

                rule "Legal: a payload that mentions System.exit"
                when
                    $u : User( trait("plan") == "free", daysSinceSignup >= 0 )
                    $a : Activity( event == "search_performed", count >= 1, countInLast(7) >= 1 )
                    $n : Number( intValue >= 0 ) from accumulate( Activity( $c : count ), sum( $c ) )
                    $m : Map() from Collections.singletonList( Map.of("k", "v") )
                then
                    List<String> words = new ArrayList<>(List.of("a", "b"));
                    Collections.sort(words);
                    long days = ChronoUnit.DAYS.between(LocalDate.of(2026, 1, 1), LocalDate.of(2026, 2, 1));
                    Duration week = java.time.Duration.ofDays(7);
                    for (Entry<String, Object> e : Map.<String, Object>of("k", 1).entrySet()) {
                        Objects.requireNonNull(e.getKey());
                    }
                    insert(new Score(twice(Math.abs(-2))));
                    String note = String.format("%s searched %d times", $u.getId(), $a.getCount());
                    trigger("nudge", Map.of("text", "System.exit(0); Runtime.getRuntime()", "days", Integer.valueOf((int) days),
                            "note", note + week.toString() + words));
                    if ($n.intValue() < 0) {
                        throw new IllegalStateException("impossible");
                    }
                end
                """));

        assertTrue(r.ok(), () -> r.problems().toString());
    }
}
