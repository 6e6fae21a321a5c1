package io.milepost.rules;

import io.milepost.common.Durations;
import io.milepost.engine.Holdout;
import io.milepost.engine.MilestoneDefinition;
import io.milepost.engine.PropertyQuestions;
import io.milepost.engine.RuleBook;
import io.milepost.engine.RuleInfo;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.kie.api.KieBase;
import org.kie.api.KieServices;
import org.kie.api.builder.KieBuilder;
import org.kie.api.builder.KieFileSystem;
import org.kie.api.builder.Message;
import org.kie.api.builder.ReleaseId;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.io.ResourceType;

/**
 * Compiles rule files (DRL, DSLR with their DSL) into a {@link RuleBook} at run time with
 * drools-mvel, after the {@link RulePolicy} has found nothing outside the fact model in them.
 * Pure: it reads nothing from disk and keeps no state but a build counter.
 */
public final class RuleCompiler {

    private static final String RESOURCE_DIR = "src/main/resources/milepost/";
    private static final Pattern MESSAGE_POSITION = Pattern.compile("\\[(\\d+):(-?\\d+)\\]|Line (\\d+):(\\d+)");
    private static final AtomicLong BUILDS = new AtomicLong();
    private static final Object LOCK = new Object();

    private final ClassLoader classLoader;
    /** What a rule book's {@code loadedAt} is read from: the service's clock, or the system's for tools and tests. */
    private final Clock clock;

    public RuleCompiler(ClassLoader classLoader) {
        this(classLoader, Clock.systemUTC());
    }

    public RuleCompiler(ClassLoader classLoader, Clock clock) {
        this.classLoader = classLoader;
        this.clock = clock;
    }

    /** The outcome of a compilation: a rule book, or the problems that prevented one; the files as compiled. */
    public record Result(RuleBook book, List<RuleProblem> problems, List<RuleSource> sources) {
        public Result(RuleBook book, List<RuleProblem> problems) {
            this(book, problems, List.of());
        }

        public boolean ok() {
            return book != null;
        }
    }

    /** Whether a file name is one the compiler reads. */
    public static boolean isRuleFile(String name) {
        return name.endsWith(".drl") || name.endsWith(".dslr") || name.endsWith(".dsl");
    }

    /** Checks the files against the rule policy, then compiles them; any problem means no rule book. */
    public Result compile(Map<String, String> files) {
        Map<String, String> sorted = new TreeMap<>(files);
        List<RuleProblem> problems = new ArrayList<>();
        Map<String, RuleSource> sources = sources(sorted, problems);
        if (problems.isEmpty()) {
            problems.addAll(new RulePolicy(classLoader).check(List.copyOf(sources.values())));
        }
        if (!problems.isEmpty()) {
            return new Result(null, problems);
        }
        KieBase kieBase;
        KieServices ks = KieServices.Factory.get();
        // Drools' builder is not safe to run concurrently with itself (shared module registry).
        synchronized (LOCK) {
            ReleaseId releaseId = ks.newReleaseId("io.milepost.rules", "ruleset-" + BUILDS.incrementAndGet(), "1.0.0");
            KieFileSystem kfs = ks.newKieFileSystem();
            kfs.generateAndWritePomXML(releaseId);
            for (RuleSource source : sources.values()) {
                kfs.write(ks.getResources()
                        .newByteArrayResource(source.compiled().getBytes(StandardCharsets.UTF_8))
                        .setSourcePath(RESOURCE_DIR + source.file())
                        .setResourceType(ResourceType.DRL));
            }
            KieBuilder builder = ks.newKieBuilder(kfs, classLoader).buildAll();
            for (Message m : builder.getResults().getMessages(Message.Level.ERROR)) {
                RuleProblem p = toProblem(m, sources);
                if (!p.message().startsWith("Parser returned a null Package")
                        || problems.stream().noneMatch(q -> q.file().equals(p.file()))) {
                    problems.add(p);
                }
            }
            if (!problems.isEmpty()) {
                ks.getRepository().removeKieModule(releaseId);
                return new Result(null, problems);
            }
            kieBase = ks.newKieContainer(releaseId, classLoader).getKieBase();
            ks.getRepository().removeKieModule(releaseId);
        }
        List<RuleInfo> rules = new ArrayList<>();
        Map<String, List<Rule>> byMilestone = new LinkedHashMap<>();
        for (KiePackage pkg : kieBase.getKiePackages()) {
            for (Rule rule : pkg.getRules()) {
                String file = fileOf(rule);
                Map<String, Object> meta = rule.getMetaData();
                String milestone = milestoneOf(meta);
                Duration repeat = null;
                try {
                    repeat = meta.containsKey("repeat") ? Durations.parse(text(meta.get("repeat"))) : null;
                } catch (IllegalArgumentException e) {
                    problems.add(
                            new RuleProblem(file, 0, 0, "rule \"" + rule.getName() + "\": @repeat " + e.getMessage()));
                }
                Duration every = null;
                if (meta.containsKey("every")) {
                    try {
                        if (milestone != null) {
                            throw new IllegalArgumentException("belongs on an action rule, not on a milestone rule");
                        }
                        if (repeat != null) {
                            throw new IllegalArgumentException(
                                    "and @repeat cannot both be on one rule: @every sends on a "
                                            + "schedule, @repeat at most that often when the user is next looked at");
                        }
                        every = Durations.parse(text(meta.get("every")));
                    } catch (IllegalArgumentException e) {
                        problems.add(metadataProblem(
                                sources.get(file),
                                file,
                                rule.getName(),
                                "every",
                                "rule \"" + rule.getName() + "\": @every " + e.getMessage()));
                    }
                }
                Double holdout = null;
                if (meta.containsKey("holdout")) {
                    try {
                        if (milestone != null) {
                            throw new IllegalArgumentException("belongs on an action rule, not on a milestone rule");
                        }
                        holdout = Holdout.parse(text(meta.get("holdout")));
                    } catch (IllegalArgumentException e) {
                        problems.add(metadataProblem(
                                sources.get(file),
                                file,
                                rule.getName(),
                                "holdout",
                                "rule \"" + rule.getName() + "\": @holdout " + e.getMessage()));
                    }
                }
                rules.add(new RuleInfo(rule.getName(), file, milestone, repeat, every, holdout));
                if (milestone != null) {
                    byMilestone
                            .computeIfAbsent(milestone, k -> new ArrayList<>())
                            .add(rule);
                }
            }
        }
        rules.sort(Comparator.comparing(RuleInfo::file).thenComparing(RuleInfo::name));
        List<MilestoneDefinition> milestones = catalog(byMilestone, problems);
        if (!problems.isEmpty()) {
            return new Result(null, problems);
        }
        return new Result(
                new RuleBook(
                        version(sorted),
                        clock.instant(),
                        List.copyOf(sorted.keySet()),
                        rules,
                        milestones,
                        kieBase,
                        PropertyQuestions.of(sources.values().stream()
                                .map(RuleSource::compiled)
                                .toList())),
                List.of(),
                List.copyOf(sources.values()));
    }

    private static List<MilestoneDefinition> catalog(Map<String, List<Rule>> byMilestone, List<RuleProblem> problems) {
        List<MilestoneDefinition> result = new ArrayList<>();
        for (Map.Entry<String, List<Rule>> entry : byMilestone.entrySet()) {
            String name = entry.getKey();
            Integer order = null;
            Duration within = null;
            String after = null;
            List<String> ruleNames = new ArrayList<>();
            for (Rule rule : entry.getValue()) {
                ruleNames.add(rule.getName());
                Map<String, Object> meta = rule.getMetaData();
                String where = "rule \"" + rule.getName() + "\" (milestone " + name + ")";
                String file = fileOf(rule);
                try {
                    Integer o = meta.containsKey("order") ? Integer.valueOf(text(meta.get("order"))) : null;
                    Duration w = meta.containsKey("within") ? Durations.parse(text(meta.get("within"))) : null;
                    String a = text(meta.get("after"));
                    if (o != null && order != null && !o.equals(order)
                            || w != null && within != null && !w.equals(within)
                            || a != null && after != null && !a.equals(after)) {
                        problems.add(new RuleProblem(
                                file,
                                0,
                                0,
                                where + ": @order/@within/@after disagree with another rule of the same milestone"));
                    }
                    order = o != null ? o : order;
                    within = w != null ? w : within;
                    after = a != null ? a : after;
                } catch (NumberFormatException e) {
                    problems.add(new RuleProblem(file, 0, 0, where + ": @order must be a whole number"));
                } catch (IllegalArgumentException e) {
                    problems.add(new RuleProblem(file, 0, 0, where + ": @within " + e.getMessage()));
                }
            }
            if (after != null && within == null) {
                problems.add(new RuleProblem(
                        fileOf(entry.getValue().get(0)),
                        0,
                        0,
                        "milestone " + name + ": @after needs @within (the window to count from that milestone)"));
            }
            ruleNames.sort(null);
            result.add(
                    new MilestoneDefinition(name, order == null ? Integer.MAX_VALUE : order, within, after, ruleNames));
        }
        for (MilestoneDefinition m : result) {
            if (m.after() != null && result.stream().noneMatch(o -> o.name().equals(m.after()))) {
                problems.add(new RuleProblem(
                        fileOf(byMilestone.get(m.name()).get(0)),
                        0,
                        0,
                        "milestone " + m.name() + ": @after(\"" + m.after() + "\") names no milestone"));
            }
        }
        result.sort(Comparator.comparingInt(MilestoneDefinition::order).thenComparing(MilestoneDefinition::name));
        return result;
    }

    /**
     * The DRL files as they are compiled: each {@code .dslr} expanded with the {@code .dsl} files
     * (which are not compiled themselves), every file with the header of imports.
     */
    private static Map<String, RuleSource> sources(Map<String, String> files, List<RuleProblem> problems) {
        Phrases dsl = Phrases.of(files, problems);
        Map<String, RuleSource> sources = new LinkedHashMap<>();
        for (Map.Entry<String, String> file : files.entrySet()) {
            String name = file.getKey();
            if (!name.endsWith(".dsl")) {
                String drl = name.endsWith(".dslr") ? dsl.expand(name, file.getValue(), problems) : file.getValue();
                sources.put(name, RuleSource.of(name, file.getValue(), drl));
            }
        }
        return sources;
    }

    /**
     * A problem with a rule's {@code @key} metadata, placed at the annotation in the author's file
     * (Drools keeps no line for metadata): the first {@code @key} after the rule's declaration.
     */
    private static RuleProblem metadataProblem(
            RuleSource source, String file, String rule, String key, String message) {
        if (source != null) {
            Matcher declaration = Pattern.compile("\\brule\\s+(\"" + Pattern.quote(rule) + "\"|'" + Pattern.quote(rule)
                            + "'|" + Pattern.quote(rule) + "\\s)")
                    .matcher(source.compiled());
            if (declaration.find()) {
                Matcher annotation = Pattern.compile("@" + key + "\\b").matcher(source.compiled());
                if (annotation.find(declaration.end())) {
                    return source.problemAt(annotation.start(), message);
                }
            }
        }
        return new RuleProblem(file, 0, 0, message);
    }

    private static String fileOf(Rule rule) {
        if (rule instanceof RuleImpl impl
                && impl.getResource() != null
                && impl.getResource().getSourcePath() != null) {
            return relative(impl.getResource().getSourcePath());
        }
        return "?";
    }

    private static String relative(String path) {
        int i = path.indexOf("milepost/");
        return i >= 0 ? path.substring(i + "milepost/".length()) : path;
    }

    private static RuleProblem toProblem(Message m, Map<String, RuleSource> sources) {
        String file = m.getPath() == null ? "?" : relative(m.getPath());
        int line = m.getLine();
        int column = m.getColumn();
        String text = m.getText() == null ? "" : m.getText().trim();
        Matcher pos = MESSAGE_POSITION.matcher(text);
        if (pos.find()) {
            line = Integer.parseInt(pos.group(1) != null ? pos.group(1) : pos.group(3));
            column = Math.max(0, Integer.parseInt(pos.group(2) != null ? pos.group(2) : pos.group(4)));
        }
        int shift = sources.containsKey(file) ? sources.get(file).addedLines() : 0;
        line = Math.max(0, line - shift);
        // Drools' parser sometimes appends its own stack trace: keep the first line.
        int cut = text.indexOf(" Exception: ");
        text = (cut > 0 ? text.substring(0, cut) : text)
                .lines()
                .findFirst()
                .orElse("")
                .trim();
        if (shift > 0) {
            text = Pattern.compile("Line (\\d+):")
                    .matcher(text)
                    .replaceAll(r -> "Line " + Math.max(0, Integer.parseInt(r.group(1)) - shift) + ":");
        }
        return new RuleProblem(file, line, Math.max(column, 0), text);
    }

    private static String milestoneOf(Map<String, Object> meta) {
        return text(
                meta.containsKey(RuleSource.MILESTONE_KEY)
                        ? meta.get(RuleSource.MILESTONE_KEY)
                        : meta.get("milestone"));
    }

    static String text(Object value) {
        if (value == null) {
            return null;
        }
        String s = value.toString().trim();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        return s.isEmpty() ? null : s;
    }

    static String version(Map<String, String> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, String> f : files.entrySet()) {
                sha.update(f.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(f.getValue().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
