package io.milepost.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
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
 * drools-mvel. Pure: it reads nothing from disk and keeps no state but a build counter.
 */
public final class RuleCompiler {

    /** Prepended to every rule file, on the package line when there is one, so line numbers stay true. */
    static final String HEADER = "import io.milepost.facts.User; import io.milepost.facts.Activity; "
            + "import io.milepost.facts.Event; import io.milepost.facts.Milestone; import io.milepost.facts.Stalled; "
            + "import java.util.*; import java.time.*; "
            + "import function io.milepost.facts.Helpers.reach; import function io.milepost.facts.Helpers.trigger; ";

    private static final String RESOURCE_DIR = "src/main/resources/milepost/";
    private static final Pattern PACKAGE_LINE = Pattern.compile("^\\s*package\\s+[\\w.]+\\s*;?[ \\t]*", Pattern.MULTILINE);
    private static final Pattern MILESTONE_META = Pattern.compile("@milestone(\\s*\\()");
    private static final String MILESTONE_KEY = "milestone_";
    private static final Pattern MESSAGE_POSITION = Pattern.compile("\\[(\\d+):(-?\\d+)\\]|Line (\\d+):(\\d+)");
    private static final AtomicLong BUILDS = new AtomicLong();
    private static final Object LOCK = new Object();

    private final ClassLoader classLoader;

    public RuleCompiler(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    /** The outcome of a compilation: a rule book, or the problems that prevented one. */
    public record Result(RuleBook book, List<RuleProblem> problems) {
        public boolean ok() {
            return book != null;
        }
    }

    /** Whether a file name is one the compiler reads. */
    public static boolean isRuleFile(String name) {
        return name.endsWith(".drl") || name.endsWith(".dslr") || name.endsWith(".dsl");
    }

    public Result compile(Map<String, String> files) {
        Map<String, String> sorted = new TreeMap<>(files);
        List<RuleProblem> problems = new ArrayList<>();
        KieBase kieBase;
        KieServices ks = KieServices.Factory.get();
        // Drools' builder is not safe to run concurrently with itself (shared module registry).
        synchronized (LOCK) {
            ReleaseId releaseId = ks.newReleaseId("io.milepost.rules", "ruleset-" + BUILDS.incrementAndGet(), "1.0.0");
            KieFileSystem kfs = ks.newKieFileSystem();
            kfs.generateAndWritePomXML(releaseId);
            for (Map.Entry<String, String> file : sorted.entrySet()) {
                String name = file.getKey();
                String text = name.endsWith(".dsl") ? file.getValue() : withHeader(file.getValue());
                kfs.write(ks.getResources().newByteArrayResource(text.getBytes(StandardCharsets.UTF_8))
                        .setSourcePath(RESOURCE_DIR + name)
                        .setResourceType(resourceType(name)));
            }
            KieBuilder builder = ks.newKieBuilder(kfs, classLoader).buildAll();
            for (Message m : builder.getResults().getMessages(Message.Level.ERROR)) {
                RuleProblem p = toProblem(m, sorted);
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
                    problems.add(new RuleProblem(file, 0, 0, "rule \"" + rule.getName() + "\": @repeat " + e.getMessage()));
                }
                rules.add(new RuleInfo(rule.getName(), file, milestone, repeat));
                if (milestone != null) {
                    byMilestone.computeIfAbsent(milestone, k -> new ArrayList<>()).add(rule);
                }
            }
        }
        rules.sort(Comparator.comparing(RuleInfo::file).thenComparing(RuleInfo::name));
        List<MilestoneDefinition> milestones = catalog(byMilestone, problems);
        if (!problems.isEmpty()) {
            return new Result(null, problems);
        }
        return new Result(new RuleBook(version(sorted), Instant.now(), List.copyOf(sorted.keySet()), rules, milestones, kieBase),
                List.of());
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
                        problems.add(new RuleProblem(file, 0, 0, where + ": @order/@within/@after disagree with another rule of the same milestone"));
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
                problems.add(new RuleProblem(fileOf(entry.getValue().get(0)), 0, 0,
                        "milestone " + name + ": @after needs @within (the window to count from that milestone)"));
            }
            ruleNames.sort(null);
            result.add(new MilestoneDefinition(name, order == null ? Integer.MAX_VALUE : order, within, after, ruleNames));
        }
        for (MilestoneDefinition m : result) {
            if (m.after() != null && result.stream().noneMatch(o -> o.name().equals(m.after()))) {
                problems.add(new RuleProblem(fileOf(byMilestone.get(m.name()).get(0)), 0, 0,
                        "milestone " + m.name() + ": @after(\"" + m.after() + "\") names no milestone"));
            }
        }
        result.sort(Comparator.comparingInt(MilestoneDefinition::order).thenComparing(MilestoneDefinition::name));
        return result;
    }

    static String withHeader(String original) {
        // Drools resolves a rule annotation's name as a type: "@milestone" finds the imported
        // Milestone fact class, is refused as an annotation, and leaves "Milestone" unresolvable
        // for the package. Renaming the key keeps the author's spelling working.
        String text = MILESTONE_META.matcher(original).replaceAll("@" + MILESTONE_KEY + "$1");
        Matcher m = PACKAGE_LINE.matcher(text);
        if (m.find()) {
            String pkg = m.group().trim();
            String sep = pkg.endsWith(";") ? " " : "; ";
            return text.substring(0, m.start()) + pkg + sep + HEADER + text.substring(m.end());
        }
        return HEADER + "\n" + text;
    }

    /** Lines the header added before the author's first line (reported positions are shifted back). */
    static int headerLines(String original) {
        return PACKAGE_LINE.matcher(original).find() ? 0 : 1;
    }

    private static String fileOf(Rule rule) {
        if (rule instanceof RuleImpl impl && impl.getResource() != null && impl.getResource().getSourcePath() != null) {
            return relative(impl.getResource().getSourcePath());
        }
        return "?";
    }

    private static String relative(String path) {
        int i = path.indexOf("milepost/");
        return i >= 0 ? path.substring(i + "milepost/".length()) : path;
    }

    private static RuleProblem toProblem(Message m, Map<String, String> files) {
        String file = m.getPath() == null ? "?" : relative(m.getPath());
        int line = m.getLine();
        int column = m.getColumn();
        String text = m.getText() == null ? "" : m.getText().trim();
        Matcher pos = MESSAGE_POSITION.matcher(text);
        if (pos.find()) {
            line = Integer.parseInt(pos.group(1) != null ? pos.group(1) : pos.group(3));
            column = Math.max(0, Integer.parseInt(pos.group(2) != null ? pos.group(2) : pos.group(4)));
        }
        int shift = files.containsKey(file) ? headerLines(files.get(file)) : 0;
        line = Math.max(0, line - shift);
        // Drools' parser sometimes appends its own stack trace: keep the first line.
        int cut = text.indexOf(" Exception: ");
        text = (cut > 0 ? text.substring(0, cut) : text).lines().findFirst().orElse("").trim();
        if (shift > 0) {
            text = Pattern.compile("Line (\\d+):").matcher(text)
                    .replaceAll(r -> "Line " + Math.max(0, Integer.parseInt(r.group(1)) - shift) + ":");
        }
        return new RuleProblem(file, line, Math.max(column, 0), text);
    }

    private static ResourceType resourceType(String name) {
        if (name.endsWith(".dslr")) {
            return ResourceType.DSLR;
        }
        if (name.endsWith(".dsl")) {
            return ResourceType.DSL;
        }
        return ResourceType.DRL;
    }

    private static String milestoneOf(Map<String, Object> meta) {
        return text(meta.containsKey(MILESTONE_KEY) ? meta.get(MILESTONE_KEY) : meta.get("milestone"));
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

    private static String version(Map<String, String> files) {
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
