package io.milepost.http;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.quarkus.arc.Arc;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.inject.Singleton;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP metrics are labelled with the API's path templates ({@code /v1/users/{id}}), never with a
 * path a caller made up: anyone could otherwise fill the label cap (and the scrape) with paths, or
 * put a user id into the metrics. Any other {@code uri} label becomes {@code UNKNOWN}.
 */
@Singleton
public class MetricLabels {
    static final String UNKNOWN = "UNKNOWN";
    private static final Set<String> QUARKUS_LABELS = Set.of("NOT_FOUND", "REDIRECTION", "root", UNKNOWN);
    private static final Pattern PARAM = Pattern.compile("\\{\\s*(\\w[\\w.-]*)\\s*(:[^}]*)?}");

    private volatile Set<String> templates;

    @Produces
    @Singleton
    MeterFilter onlyTemplates() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (!id.getName().startsWith("http.server")) {
                    return id;
                }
                String uri = id.getTag("uri");
                if (uri == null || allowed(uri)) {
                    return id;
                }
                List<Tag> tags = id.getTags().stream()
                        .map(t -> t.getKey().equals("uri") ? Tag.of("uri", UNKNOWN) : t)
                        .toList();
                return id.replaceTags(tags);
            }
        };
    }

    boolean allowed(String uri) {
        return QUARKUS_LABELS.contains(uri) || uri.equals("/") || templates().contains(uri);
    }

    private Set<String> templates() {
        Set<String> t = templates;
        if (t == null) {
            Set<String> found = new HashSet<>();
            for (Bean<?> bean : Arc.container().beanManager().getBeans(Object.class, Any.Literal.INSTANCE)) {
                found.addAll(templates(bean.getBeanClass()));
            }
            templates = t = Set.copyOf(found);
        }
        return t;
    }

    /** The path templates of a resource class, as the metrics write them ({@code /v1/users/{id}}). */
    static Set<String> templates(Class<?> resource) {
        Path classPath = resource.getAnnotation(Path.class);
        if (classPath == null) {
            return Set.of();
        }
        Set<String> out = new HashSet<>();
        out.add(normalise(classPath.value()));
        for (Method m : resource.getMethods()) {
            Path p = m.getAnnotation(Path.class);
            if (p != null) {
                String t = normalise(classPath.value() + "/" + p.value());
                out.add(t);
                out.add(t.length() > 1 && t.endsWith("/") ? t.substring(0, t.length() - 1) : t);
            }
        }
        return out;
    }

    static String normalise(String path) {
        String p = ("/" + path).replaceAll("/{2,}", "/");
        Matcher m = PARAM.matcher(p);
        return m.replaceAll("{$1}");
    }
}
