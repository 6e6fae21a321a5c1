package io.milepost.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads rule text (DRL, and the Java and MVEL code inside it) as a compiler would and reports
 * the names it uses: {@code a.b.C.d} chains with each part's offset. Comments and string literals
 * are skipped, so a name inside a string is data, not a reference. Whatever could make a
 * compiler read the text differently from this scanner is reported instead of read: unicode
 * escapes ({@code &#92;u0053ystem} is {@code System} to the Java compiler, even inside a comment or a
 * string) and text blocks.
 */
final class CodeScanner {

    /** A chain of names joined by member access ({@code .}, {@code ::}, MVEL's {@code .?}). */
    record Chain(List<String> parts, List<Integer> offsets, boolean member) {
        int offset() {
            return offsets.get(0);
        }
    }

    /** Something the scanner refuses to read past (a unicode escape or a text block). */
    record Unreadable(String what, int offset) {}

    /** What a text contains. */
    record Result(List<Chain> chains, List<Unreadable> unreadable) {}

    private enum Kind {
        NAME,
        MEMBER,
        OTHER
    }

    private record Token(Kind kind, String text, int offset) {}

    private final String text;
    private final int end;
    private final List<Token> tokens = new ArrayList<>();
    private final List<Unreadable> unreadable = new ArrayList<>();
    private int pos;

    private CodeScanner(String text) {
        this.text = text;
        this.end = text.length();
    }

    /** Scans a text; offsets are in it. */
    static Result scan(String text) {
        CodeScanner s = new CodeScanner(text);
        s.unicodeEscapes();
        s.tokenize();
        return s.chains();
    }

    private void unicodeEscapes() {
        int backslashes = 0;
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                // As in Java: "\\u0041" is an escaped backslash and a "u", not a unicode escape.
                if (backslashes % 2 == 0 && i + 1 < end && text.charAt(i + 1) == 'u') {
                    int u = i + 1;
                    while (u < end && text.charAt(u) == 'u') {
                        u++;
                    }
                    unreadable.add(new Unreadable(text.substring(i, Math.min(end, u + 4)), i));
                }
                backslashes++;
            } else {
                backslashes = 0;
            }
        }
    }

    private void tokenize() {
        while (pos < end) {
            char c = text.charAt(pos);
            int start = pos;
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (text.startsWith("//", pos)) {
                // Java ends a line comment at \r as well as \n.
                while (pos < end && text.charAt(pos) != '\n' && text.charAt(pos) != '\r') {
                    pos++;
                }
            } else if (text.startsWith("/*", pos)) {
                int close = text.indexOf("*/", pos + 2);
                pos = close < 0 ? end : close + 2;
            } else if (text.startsWith("\"\"\"", pos)) {
                unreadable.add(new Unreadable("\"\"\"", pos));
                pos += 3;
            } else if (c == '"' || c == '\'') {
                skipLiteral(c);
            } else if (Character.isJavaIdentifierStart(text.codePointAt(pos))) {
                String name = name();
                tokens.add(new Token(name.isEmpty() ? Kind.OTHER : Kind.NAME, name, start));
            } else if (Character.isDigit(c)) {
                number();
            } else if (text.startsWith("::", pos) || text.startsWith(".?", pos) || startsMember("?.")) {
                tokens.add(new Token(Kind.MEMBER, text.substring(pos, pos + 2), start));
                pos += 2;
            } else if (c == '.' && !text.startsWith("..", pos)) {
                tokens.add(new Token(Kind.MEMBER, ".", start));
                pos++;
            } else {
                tokens.add(new Token(Kind.OTHER, String.valueOf(c), start));
                pos++;
            }
        }
    }

    /** {@code ?.} followed by a name is member access; followed by a digit it is {@code ? .5}. */
    private boolean startsMember(String op) {
        return text.startsWith(op, pos) && pos + 2 < end && Character.isJavaIdentifierStart(text.codePointAt(pos + 2));
    }

    /** A string or character literal (MVEL allows several characters between single quotes, and line breaks). */
    private void skipLiteral(char quote) {
        pos++;
        while (pos < end && text.charAt(pos) != quote) {
            pos += text.charAt(pos) == '\\' ? 2 : 1;
        }
        pos++;
    }

    /** A name, without the characters Java ignores in names (a soft hyphen inside {@code System} changes nothing). */
    private String name() {
        StringBuilder name = new StringBuilder();
        while (pos < end && Character.isJavaIdentifierPart(text.codePointAt(pos))) {
            int c = text.codePointAt(pos);
            if (!Character.isIdentifierIgnorable(c)) {
                name.appendCodePoint(c);
            }
            pos += Character.charCount(c);
        }
        return name.toString();
    }

    private void number() {
        while (pos < end
                && (Character.isLetterOrDigit(text.charAt(pos))
                        || text.charAt(pos) == '_'
                        || text.charAt(pos) == '.' && pos + 1 < end && Character.isDigit(text.charAt(pos + 1)))) {
            pos++;
        }
    }

    private Result chains() {
        List<Chain> chains = new ArrayList<>();
        int i = 0;
        while (i < tokens.size()) {
            Token t = tokens.get(i);
            if (t.kind() == Kind.NAME) {
                boolean member = i > 0 && tokens.get(i - 1).kind() == Kind.MEMBER;
                List<String> parts = new ArrayList<>(List.of(t.text()));
                List<Integer> offsets = new ArrayList<>(List.of(t.offset()));
                int j = i + 1;
                while (j + 1 < tokens.size()
                        && tokens.get(j).kind() == Kind.MEMBER
                        && tokens.get(j + 1).kind() == Kind.NAME) {
                    parts.add(tokens.get(j + 1).text());
                    offsets.add(tokens.get(j + 1).offset());
                    j += 2;
                }
                chains.add(new Chain(List.copyOf(parts), List.copyOf(offsets), member));
                i = j;
            } else {
                i++;
            }
        }
        return new Result(chains, List.copyOf(unreadable));
    }
}
