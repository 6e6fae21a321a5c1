package io.milepost.rules;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.drools.drl.ast.descr.AbstractClassTypeDeclarationDescr;
import org.drools.drl.ast.descr.AccumulateImportDescr;
import org.drools.drl.ast.descr.AttributeDescr;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.EnumDeclarationDescr;
import org.drools.drl.ast.descr.EnumLiteralDescr;
import org.drools.drl.ast.descr.FunctionDescr;
import org.drools.drl.ast.descr.FunctionImportDescr;
import org.drools.drl.ast.descr.GlobalDescr;
import org.drools.drl.ast.descr.ImportDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.ast.descr.WindowDeclarationDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;

/**
 * Keeps rules inside the fact model. Drools 10 has no sandbox: a consequence is Java compiled
 * into the service, and rule annotations are evaluated while compiling. So before Drools sees a
 * rule set, each file (as it will be compiled: DSL expanded, header added) is parsed with Drools'
 * own DRL parser and checked:
 * <ul>
 *   <li>declarations, from the parsed descriptors: imports (also {@code import static},
 *       {@code import function}, {@code import accumulate}), globals' types, the package name and
 *       {@code dialect} settings;</li>
 *   <li>every other token of the file (conditions, {@code eval}, {@code from}, {@code accumulate}
 *       code, consequences, functions, declared types, annotations, attributes), by
 *       {@link CodeScanner}: every type a name refers to must be in {@link AllowedNames} (deny by
 *       default), no member may reach reflection, class loaders, threads, processes or the engine,
 *       and nothing may be written so that a compiler would read it differently (unicode escapes,
 *       text blocks).</li>
 * </ul>
 * Each violation is a {@link RuleProblem} at the author's line and column. A rule set with one is
 * never compiled.
 */
public final class RulePolicy {
    private static final String DIALECT = "dialect";

    private final ClassLoader classLoader;
    private final Map<String, Boolean> classes = new HashMap<>();

    /** @param classLoader where the rules' classes are looked up (the one the compiler uses) */
    public RulePolicy(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    /**
     * The violations in a rule set, in file and line order (empty when every file stays inside the
     * allowance). A file the DRL parser rejects is left to the compiler, which reports the same
     * parse errors and builds nothing from that file.
     */
    public List<RuleProblem> check(List<RuleSource> sources) {
        Map<RuleSource, PackageDescr> parsed = new LinkedHashMap<>();
        for (RuleSource source : sources) {
            DrlParser parser = new DrlParser();
            try {
                PackageDescr pkg = parser.parse(false, source.compiled());
                if (pkg != null && !parser.hasErrors()) {
                    parsed.put(source, pkg);
                }
            } catch (DroolsParserException e) {
                // reported by the compiler
            }
        }
        Declared declared = declared(parsed.values());
        List<RuleProblem> problems = new ArrayList<>();
        parsed.forEach((source, pkg) -> new FileCheck(source, pkg, declared, problems).run());
        problems.sort(Comparator.comparing(RuleProblem::file)
                .thenComparingInt(RuleProblem::line)
                .thenComparingInt(RuleProblem::column));
        return problems;
    }

    /**
     * Names the rule set declares itself (types, enums and their constants, windows, functions, globals): usable by
     * their simple name in files of the same package, types also by their qualified name.
     */
    private record Declared(Map<String, Set<String>> simpleByPackage, Set<String> qualified) {
        boolean simple(String pkg, String name) {
            return simpleByPackage.getOrDefault(packageKey(pkg), Set.of()).contains(name);
        }
    }

    private static String packageKey(String pkg) {
        return pkg == null ? "" : pkg;
    }

    private Declared declared(Iterable<PackageDescr> packages) {
        Map<String, Set<String>> simple = new HashMap<>();
        Set<String> qualified = new HashSet<>();
        for (PackageDescr pkg : packages) {
            String name = packageKey(pkg.getName());
            Set<String> names = simple.computeIfAbsent(name, k -> new HashSet<>());
            for (AbstractClassTypeDeclarationDescr type : pkg.getClassAndEnumDeclarationDescrs()) {
                if (isNewName(name, type.getTypeName())) {
                    names.add(type.getTypeName());
                    qualified.add(name.isEmpty() ? type.getTypeName() : name + "." + type.getTypeName());
                }
            }
            List<String> others = new ArrayList<>();
            pkg.getWindowDeclarations().stream()
                    .map(WindowDeclarationDescr::getName)
                    .forEach(others::add);
            pkg.getFunctions().stream().map(FunctionDescr::getName).forEach(others::add);
            // an enum's constants stand alone in a switch's case labels, so they are names of the package too
            pkg.getEnumDeclarations()
                    .forEach(e -> e.getLiterals().stream()
                            .map(EnumLiteralDescr::getName)
                            .forEach(others::add));
            pkg.getGlobals().stream().map(GlobalDescr::getIdentifier).forEach(others::add);
            others.stream().filter(n -> isNewName(name, n)).forEach(names::add);
        }
        return new Declared(simple, qualified);
    }

    /**
     * Whether a declared name stands only for what the rules declare: a name that is already a
     * class the rules could reach by its simple name (in {@code java.lang}, {@code java.util},
     * {@code java.time} or the rules' own package) would let that class in under a new name.
     */
    private boolean isNewName(String pkg, String name) {
        if (name == null || AllowedNames.isEngine(name)) {
            return false;
        }
        return !classExists("java.lang." + name)
                && !classExists("java.util." + name)
                && !classExists("java.time." + name)
                && (pkg.isEmpty() || !classExists(pkg + "." + name));
    }

    private boolean classExists(String name) {
        return classes.computeIfAbsent(name, n -> {
            try {
                Class.forName(n, false, classLoader);
                return true;
            } catch (ClassNotFoundException | LinkageError | IllegalArgumentException e) {
                return false;
            }
        });
    }

    /** One file's check. */
    private final class FileCheck {
        private final RuleSource source;
        private final String text;
        private final PackageDescr pkg;
        private final String packageName;
        private final Declared declared;
        private final List<RuleProblem> problems;
        private final Set<String> imported = new HashSet<>();
        private final Set<String> wildcards = new HashSet<>();
        /** Statements checked as declarations, as [start, end] offsets. */
        private final List<int[]> declarations = new ArrayList<>();
        /** Offsets of names that refer to nothing: rule names, enum literals. */
        private final Set<Integer> notReferences = new HashSet<>();

        FileCheck(RuleSource source, PackageDescr pkg, Declared declared, List<RuleProblem> problems) {
            this.source = source;
            this.text = source.compiled();
            this.pkg = pkg;
            this.packageName = packageKey(pkg.getName());
            this.declared = declared;
            this.problems = problems;
        }

        void run() {
            for (ImportDescr i : pkg.getImports()) {
                declaration(i, "import");
                importType(i);
            }
            for (FunctionImportDescr i : pkg.getFunctionImports()) {
                declaration(i, "import");
                importMember(i);
            }
            for (AccumulateImportDescr i : pkg.getAccumulateImports()) {
                declaration(i, "import");
                refuse(
                        i.getStartCharacter(),
                        "accumulate " + i.getTarget(),
                        "only Drools' built-in accumulate functions "
                                + "(sum, count, min, max, average, collectList, collectSet) may be used");
            }
            for (GlobalDescr g : pkg.getGlobals()) {
                declaration(g, "global");
                int at = g.getStartCharacter() < 0 ? 0 : g.getStartCharacter();
                int typeAt = text.indexOf(g.getType(), at);
                typeReferences(g.getType(), typeAt < 0 ? at : typeAt);
            }
            pkg.getAttributes().forEach(this::dialect);
            for (RuleDescr rule : pkg.getRules()) {
                AttributeDescr dialect = rule.getAttributes().get(DIALECT);
                if (dialect != null) {
                    dialect(dialect);
                }
                nameAfter(rule.getStartCharacter());
            }
            for (EnumDeclarationDescr e : pkg.getEnumDeclarations()) {
                e.getLiterals().stream()
                        .map(EnumLiteralDescr::getStartCharacter)
                        .forEach(notReferences::add);
            }
            scan();
        }

        /**
         * A statement checked from its descriptor ({@code import ...}, {@code global ...}): its names
         * are not scanned again. Only the statement's own line is trusted to be it.
         */
        private void declaration(BaseDescr d, String keyword) {
            int start = d.getStartCharacter();
            if (start >= 0 && text.startsWith(keyword, start)) {
                int lineEnd = text.indexOf('\n', start);
                int end = Math.min(Math.max(d.getEndCharacter(), start), lineEnd < 0 ? text.length() : lineEnd);
                declarations.add(new int[] {start, end});
            }
        }

        /** The name after {@code rule} or {@code query} at {@code keywordAt} names the rule; it refers to nothing. */
        private void nameAfter(int keywordAt) {
            if (keywordAt < 0 || !text.startsWith("rule", keywordAt) && !text.startsWith("query", keywordAt)) {
                return;
            }
            int i = keywordAt;
            while (i < text.length() && Character.isJavaIdentifierPart(text.charAt(i))) {
                i++;
            }
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            notReferences.add(i);
        }

        private void importType(ImportDescr i) {
            String target = i.getTarget();
            if (target.endsWith(".*")) {
                String scope = target.substring(0, target.length() - 2);
                if (AllowedNames.isAllowedWildcard(scope) || allowsQualified(scope)) {
                    wildcards.add(scope);
                } else {
                    refuse(i.getStartCharacter(), target, AllowedNames.TYPES);
                }
                return;
            }
            if (qualifiedReference(List.of(target.split("\\.")), i.getStartCharacter(), List.of())) {
                imported.add(target.substring(target.lastIndexOf('.') + 1));
            }
        }

        /** {@code import function a.B.m} and {@code import static a.B.m} (or {@code a.B.*}). */
        private void importMember(ImportDescr i) {
            String target = i.getTarget();
            int dot = target.lastIndexOf('.');
            String member = target.substring(dot + 1);
            String type = dot < 0 ? target : target.substring(0, dot);
            if (member.equals("*")) {
                if (!allowsQualified(type)) {
                    refuse(i.getStartCharacter(), target, AllowedNames.TYPES);
                }
            } else if (qualifiedReference(List.of(target.split("\\.")), i.getStartCharacter(), List.of())) {
                imported.add(member);
            }
        }

        private void dialect(AttributeDescr attribute) {
            String value = RuleCompiler.text(attribute.getValue());
            if (DIALECT.equals(attribute.getName()) && !"java".equals(value)) {
                problems.add(source.problemAt(
                        Math.max(0, attribute.getStartCharacter()),
                        "dialect \"" + value
                                + "\" is not allowed in rules: consequences are checked as Java, the default dialect"));
            }
        }

        private void typeReferences(String type, int offset) {
            for (CodeScanner.Chain chain : CodeScanner.scan(type).chains()) {
                List<Integer> offsets =
                        chain.offsets().stream().map(o -> o + offset).toList();
                reference(new CodeScanner.Chain(chain.parts(), offsets, chain.member()));
            }
        }

        private void scan() {
            CodeScanner.Result result = CodeScanner.scan(text);
            for (CodeScanner.Unreadable u : result.unreadable()) {
                if (u.what().startsWith("\"")) {
                    problems.add(source.problemAt(
                            u.offset(), "text blocks (\"\"\") are not allowed in rules: write \"...\" strings"));
                } else {
                    refuse(u.offset(), u.what(), "a unicode escape can disguise a name; write the character itself");
                }
            }
            List<CodeScanner.Chain> chains = result.chains();
            int first = 0;
            if (!chains.isEmpty() && chains.get(0).parts().equals(List.of("package")) && chains.size() > 1) {
                CodeScanner.Chain name = chains.get(1);
                if (AllowedNames.isReservedPackage(String.join(".", name.parts()))) {
                    problems.add(source.problemAt(
                            name.offset(),
                            "package \"" + String.join(".", name.parts())
                                    + "\" is not allowed in rules: it belongs to Java, Drools or Milepost"));
                }
                first = 2;
            }
            for (CodeScanner.Chain chain : chains.subList(first, chains.size())) {
                boolean name = chain.parts().size() == 1 && notReferences.contains(chain.offset());
                if (!inDeclaration(chain.offset()) && !name) {
                    reference(chain);
                }
            }
        }

        private boolean inDeclaration(int offset) {
            return declarations.stream().anyMatch(d -> offset >= d[0] && offset <= d[1]);
        }

        /** Checks one chain of names used in code. */
        private void reference(CodeScanner.Chain chain) {
            List<String> parts = chain.parts();
            String root = parts.get(0);
            if (chain.member()) {
                members(parts, chain.offsets(), 0);
            } else if (AllowedNames.isEngine(root)) {
                refuse(chain.offset(), shown(parts, 1), AllowedNames.INTERNALS);
            } else if (root.equals("import")) {
                refuse(chain.offset(), root, "imports go at the top of the file, not inside rule code");
            } else if (Character.isLowerCase(root.charAt(0)) || root.startsWith("$")) {
                String hidden = typeIndex(parts) > 0 ? null : hiddenClass(parts);
                if (typeIndex(parts) > 0) {
                    qualifiedReference(parts, chain.offset(), chain.offsets());
                } else if (hidden != null) {
                    refuse(chain.offset(), hidden, AllowedNames.TYPES);
                } else {
                    members(parts, chain.offsets(), 0);
                }
            } else if (allowsSimple(root)) {
                members(parts, chain.offsets(), 1);
            } else {
                refuse(chain.offset(), shown(parts, 1), AllowedNames.TYPES);
            }
        }

        /**
         * A name that starts with a package: the type it names must be allowed, then its members.
         * Returns whether it was allowed.
         */
        private boolean qualifiedReference(List<String> parts, int offset, List<Integer> offsets) {
            int type = typeIndex(parts);
            if (type < 0) {
                refuse(offset, String.join(".", parts), AllowedNames.TYPES);
                return false;
            }
            String name = String.join(".", parts.subList(0, type + 1));
            if (!allowsQualified(name)) {
                refuse(offset, shown(parts, type + 1), AllowedNames.TYPES);
                return false;
            }
            for (int i = type + 1; i < parts.size(); i++) {
                if (AllowedNames.isDeniedMember(parts.get(i))) {
                    refuse(
                            i < offsets.size() ? offsets.get(i) : offset,
                            parts.get(i),
                            AllowedNames.deniedReason(parts.get(i)));
                    return false;
                }
            }
            return true;
        }

        private void members(List<String> parts, List<Integer> offsets, int from) {
            for (int i = from; i < parts.size(); i++) {
                if (AllowedNames.isDeniedMember(parts.get(i))) {
                    refuse(offsets.get(i), parts.get(i), AllowedNames.deniedReason(parts.get(i)));
                    return;
                }
            }
        }

        /** The index of the first part that is no package or variable name (starts neither lower case nor with $), or -1. */
        private static int typeIndex(List<String> parts) {
            for (int i = 0; i < parts.size(); i++) {
                char first = parts.get(i).charAt(0);
                if (!Character.isLowerCase(first) && first != '$') {
                    return i;
                }
            }
            return -1;
        }

        /**
         * A class that a chain of lower-case (or $) names reaches although it looks like variables and
         * properties: {@code a.b.c.run()} with a class {@code a.b.c}, or {@code c.run()} with a class
         * {@code c} in the rules' package. Null when there is none.
         */
        private String hiddenClass(List<String> parts) {
            if (!packageName.isEmpty() && classExists(packageName + "." + parts.get(0))) {
                return parts.get(0);
            }
            for (int i = 2; i <= parts.size(); i++) {
                String name = String.join(".", parts.subList(0, i));
                if (classExists(name)) {
                    return name;
                }
            }
            return null;
        }

        /**
         * Whether a simple type name is allowed here. Java resolves a simple name to a class of the
         * file's own package before the {@code java.lang}, {@code java.util} and {@code java.time}
         * wildcards, so such a class would stand in for the allowed one.
         */
        private boolean allowsSimple(String name) {
            if (imported.contains(name) || declared.simple(packageName, name)) {
                return true;
            }
            if (!packageName.isEmpty() && classExists(packageName + "." + name)) {
                return false;
            }
            return AllowedNames.isImplicitType(name)
                    || wildcards.stream()
                            .anyMatch(scope -> classExists(scope + "." + name)
                                    && AllowedNames.isAllowedType(scope + "." + name)
                                    && !classExists("java.lang." + name));
        }

        private boolean allowsQualified(String name) {
            return AllowedNames.isAllowedType(name) || declared.qualified().contains(name);
        }

        /** The name as refused: the type and the member used on it ({@code System.exit}). */
        private static String shown(List<String> parts, int typeParts) {
            return String.join(".", parts.subList(0, Math.min(parts.size(), typeParts + 1)));
        }

        private void refuse(int offset, String name, String reason) {
            problems.add(source.problemAt(Math.max(0, offset), "\"" + name + "\" is not allowed in rules: " + reason));
        }
    }
}
