package io.milepost.rules;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every plain-English example in the business users' guide (rules/README.md) compiles as written. */
class RulesGuideTest {
    private static final Pattern DSLR_BLOCK = Pattern.compile("```dslr\\n(.*?)```", Pattern.DOTALL);

    static Stream<String> examples() throws IOException {
        Matcher m = DSLR_BLOCK.matcher(Files.readString(Path.of("rules/README.md")));
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertFalse(blocks.isEmpty(), "the guide has plain-English examples");
        return blocks.stream();
    }

    @ParameterizedTest
    @MethodSource("examples")
    void guideExampleCompiles(String example) {
        RuleCompiler.Result r = new RuleCompiler(getClass().getClassLoader()).compile(Map.of("example.dslr", example));
        assertTrue(r.ok(), () -> r.problems() + "\n" + example);
    }
}
