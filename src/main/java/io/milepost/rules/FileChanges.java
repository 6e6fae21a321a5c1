package io.milepost.rules;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Which rule files a load added, changed or removed, compared with the load before it (names in order). */
public record FileChanges(List<String> added, List<String> changed, List<String> removed) {

    /** No change known (the folder could not be read). */
    public static final FileChanges NONE = new FileChanges(List.of(), List.of(), List.of());

    /** Each file's content hash (SHA-256, hex), by name. */
    static Map<String, String> hashes(Map<String, String> files) {
        Map<String, String> hashes = new TreeMap<>();
        try {
            for (Map.Entry<String, String> f : files.entrySet()) {
                byte[] digest =
                        MessageDigest.getInstance("SHA-256").digest(f.getValue().getBytes(StandardCharsets.UTF_8));
                hashes.put(f.getKey(), HexFormat.of().formatHex(digest));
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return hashes;
    }

    /** The changes from one set of content hashes to the next. */
    static FileChanges between(Map<String, String> before, Map<String, String> after) {
        return new FileChanges(
                after.keySet().stream()
                        .filter(f -> !before.containsKey(f))
                        .sorted()
                        .toList(),
                after.keySet().stream()
                        .filter(f -> before.containsKey(f) && !before.get(f).equals(after.get(f)))
                        .sorted()
                        .toList(),
                before.keySet().stream()
                        .filter(f -> !after.containsKey(f))
                        .sorted()
                        .toList());
    }
}
